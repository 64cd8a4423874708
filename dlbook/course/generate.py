"""``dlbook course generate``: the students' notebooks (``exercises/``) from ``solutions/``.

Runs nbgrader's ``GenerateAssignment`` (which also records the assignment, its test cells and
hidden tests in the gradebook), then checks what nbgrader cannot: ``verify.py`` and ``source.py``
(the assignment's text source, with its solutions) must not reach the release folder, and every autograded test cell should have a trusted verifier in ``verify.py``
(a test cell without one is graded by nbgrader alone and can be fooled from the student's kernel).
"""

from __future__ import annotations

import json
import logging
from typing import Dict, List, Optional

import numpy as np

from dlbook.course.cells import ids_of_test_cells
from dlbook.course.course import Course, CourseError
from dlbook.course.verdict import VerifierError, load_tasks
from dlbook.course.verify_api import call_inputs, flatten_result, to_python_scalar

#: Files of solutions/<assignment>/ that hold answers: never in the release.
SECRET_FILES = ("verify.py", "source.py")


def check_verifier(course: Course, assignment: str) -> List[str]:
    """Warnings (Vietnamese) about ``verify.py`` of an assignment; raises if it is broken."""
    warnings = []
    path = course.verify_path(assignment)
    if not path.is_file():
        return [f"{assignment}: không có verify.py; điểm chỉ dựa vào ô kiểm tra của nbgrader "
                "(sinh viên có thể lừa được từ trong kernel)."]
    tasks = load_tasks(path)
    tests = []
    for nb in sorted((course.source_dir / assignment).glob("*.ipynb")):
        tests += ids_of_test_cells(json.loads(nb.read_text(encoding="utf-8")))
    for gid in tests:
        if gid not in tasks:
            warnings.append(f"{assignment}: ô kiểm tra {gid} không có mục trong verify.py.")
    for gid in tasks:
        if gid not in tests:
            warnings.append(f"{assignment}: verify.py có câu {gid} nhưng notebook không có ô "
                            "kiểm tra nào mang mã này.")
    rng = np.random.default_rng(0)
    for gid, task in tasks.items():
        try:
            cases = list(task.make_cases(rng))
            if not cases:
                raise ValueError("make_cases trả về danh sách rỗng")
            for case in cases:
                flatten_result(task.reference(
                    **{k: to_python_scalar(v) for k, v in call_inputs(case).items()}))
        except Exception as exc:  # noqa: BLE001
            raise VerifierError(
                f"{assignment}/verify.py, câu {gid}: bộ kiểm tra lỗi ({type(exc).__name__}: {exc})"
            ) from exc
    return warnings


def generate(course: Course, assignment: Optional[str] = None, progress: bool = True
             ) -> Dict[str, List[str]]:
    """Generate one assignment (or all); returns the warnings of each."""
    from nbgrader.converters import GenerateAssignment
    from tqdm.auto import tqdm

    names = [assignment] if assignment else course.assignments()
    if assignment:
        course.check_assignment(assignment)
    if not names:
        raise CourseError(f"Không có bài tập nào trong {course.source_dir}.")
    log = logging.getLogger("dlbook.course.generate")
    log.propagate = False
    log.setLevel(logging.ERROR)
    out: Dict[str, List[str]] = {}
    for name in tqdm(names, desc="Sinh bài tập", unit="bài", disable=not progress):
        warnings = check_verifier(course, name)
        cfg = course.nbgrader_config()
        cfg.GenerateAssignment.create_assignment = True
        cd = course.coursedir(cfg, assignment_id=name, student_id=".")
        app = GenerateAssignment(coursedir=cd, config=cfg, log=log)
        app.force = True
        try:
            app.start()
        except Exception as exc:  # noqa: BLE001
            raise CourseError(f"nbgrader không sinh được bài '{name}': {exc}") from exc
        for secret in SECRET_FILES:
            leaked = course.release_dir / name / secret
            if leaked.exists():
                leaked.unlink()
                warnings.append(f"{name}: {secret} đã lọt vào {course.release_dir.name}/ và đã bị "
                                f"xóa; hãy thêm '{secret}' vào CourseDirectory.ignore.")
        out[name] = warnings
    return out
