"""Two autograde runs on one gradebook: a row both insert at once is retried, not lost."""

from __future__ import annotations

import logging

import pytest
from nbgrader.api import InvalidEntry
from tornado.log import app_log

from dlbook.course import store


@pytest.fixture(autouse=True)
def no_wait(monkeypatch):
    monkeypatch.setattr(store.time, "sleep", lambda s: None)


def _flaky(failures: int):
    calls = []

    def fn():
        calls.append(1)
        if len(calls) <= failures:
            # what nbgrader's add_student does when another run inserted the student first
            app_log.error("Rolling back session due to database error (UniqueViolation) student_pkey")
            raise InvalidEntry("duplicate key value violates unique constraint \"student_pkey\"")
        return "saved"

    return fn, calls


def test_a_concurrent_insert_of_the_same_student_is_retried(caplog):
    fn, calls = _flaky(failures=1)
    with caplog.at_level(logging.ERROR, logger="tornado.application"):
        assert store._retry(fn) == "saved"
    assert len(calls) == 2
    assert not [r for r in caplog.records if "Rolling back" in r.getMessage()], \
        "a retried database error must not be shown as an ERROR"


def test_an_error_that_persists_is_raised_after_the_last_attempt():
    fn, calls = _flaky(failures=10)
    with pytest.raises(InvalidEntry):
        store._retry(fn, attempts=3)
    assert len(calls) == 3
    assert not any(isinstance(f, store._QuietRollback) for f in app_log.filters)
