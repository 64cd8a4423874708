"""One list of review reasons: ``needs_review`` is true exactly when ``review_reasons`` names one,
and every kind of trouble a grading run records gives a reason an instructor can read."""

from __future__ import annotations

import pytest

from dlbook.course.cells import is_test_cell, role, ids_of_test_cells
from dlbook.course.records import REVIEW_EVENTS, needs_review, new_record, review_reasons


def _graded(**kw):
    rec = new_record("a01", "sv_a")
    rec.update(status="graded", error=None)
    rec.update(kw)
    return rec


def test_a_clean_graded_record_needs_no_review():
    rec = _graded()
    assert review_reasons(rec) == [] and needs_review(rec) is False


@pytest.mark.parametrize("trouble, expected", [
    ({"flags": [{"message": "notebook đã được sửa"}]}, "notebook đã được sửa"),
    ({"error": "Không chấm xong: quá thời gian"}, "Không chấm xong: quá thời gian"),
    ({"sandboxed": False}, "--unsafe"),
    ({"status": "not_graded"}, "không chấm được"),
    ({"notebooks": {"a01": {"events": [], "tasks": {
        "t1": {"verifier_error": True, "reason": "lời giải mẫu lỗi"}}}}}, "lời giải mẫu lỗi"),
] + [({"notebooks": {"a01": {"events": [{"kind": kind, "grade_id": "t1", "detail": kind}],
                              "tasks": {}}}}, kind) for kind in REVIEW_EVENTS])
def test_each_kind_of_trouble_is_a_reason(trouble, expected):
    rec = _graded(**trouble)
    reasons = review_reasons(rec)
    assert needs_review(rec) is True
    assert any(expected in r for r in reasons), reasons


def test_an_event_that_is_not_trouble_is_no_reason():
    rec = _graded(notebooks={"a01": {"events": [
        {"kind": "output_truncated", "grade_id": "t1", "detail": "đầu ra quá dài"}], "tasks": {}}})
    assert needs_review(rec) is False


def test_cell_roles():
    cells = [
        {"cell_type": "code", "metadata": {"nbgrader": {"solution": True, "grade": True,
                                                        "grade_id": "a"}}},
        {"cell_type": "code", "metadata": {"nbgrader": {"grade": True, "grade_id": "t"}}},
        {"cell_type": "markdown", "metadata": {"nbgrader": {"grade": True, "grade_id": "m"}}},
        {"cell_type": "code", "metadata": {"nbgrader": {"locked": True, "grade_id": "s"}}},
        {"cell_type": "code", "metadata": {}},
    ]
    assert [role(c) for c in cells] == ["answer", "test", "test", "setup", "free"]
    assert [is_test_cell(c) for c in cells] == [False, True, False, False, False]
    assert ids_of_test_cells({"cells": cells}) == ["t"]
