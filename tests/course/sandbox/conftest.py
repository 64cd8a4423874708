"""Fixtures of the grading-sandbox tests: the fixture course, built once per test process."""

from __future__ import annotations

import pytest

from sandbox_kit import build_course


@pytest.fixture(scope="session")
def course_template(tmp_path_factory):
    """The generated fixture course (read-only: copy it with ``sandbox_kit.copy_course``)."""
    return build_course(tmp_path_factory.mktemp("template") / "course")
