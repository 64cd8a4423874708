"""What a grading worker receives: bytes, never a path into the instructor's course.

A worker (a Dask worker, on this machine or another) grades one submission at a time in a
*course of its own*: a temporary folder laid out like the instructor's, holding exactly

* one assignment: its source folder (the notebooks with the hidden tests, ``verify.py`` and its
  rules, data files), its release, and a gradebook (SQLite) with that assignment's cells and no
  student (:func:`pack_assignment`, built once per ``autograde`` run);
* one student's submission of it (:func:`pack_submission`).

It never holds other students' work, other assignments' hidden tests, or the course's gradebook;
the client process alone writes those (:mod:`dlbook.course.store`). :func:`unpack` lays the two
parts out and returns the worker's :class:`~dlbook.course.course.Course`.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

from traitlets.config import Config

from dlbook.course.course import Course, CourseError
from dlbook.course.validate import originals_dir

#: Files larger than this are not sent to a worker (a submission's data folder, a stray model).
MAX_FILE_BYTES = 64 * 1024 * 1024
GRADEBOOK_FILE = "gradebook.db"


@dataclass
class AssignmentBundle:
    """One assignment, as a worker needs it; ``digest`` changes when any of it changes."""

    assignment: str
    course_id: str
    config: Config
    gradebook: bytes
    source: Dict[str, bytes]
    release: Dict[str, bytes]
    digest: str = ""


@dataclass
class SubmissionFiles:
    """The files of one student's submission (relative paths), and their digest."""

    student: str
    files: Dict[str, bytes] = field(default_factory=dict)
    #: notebooks as the student sent them, kept by an earlier run that repaired them
    #: (``verdicts/<a>/originals/<student>/``, see :mod:`dlbook.course.validate`)
    originals: Dict[str, bytes] = field(default_factory=dict)
    digest: str = ""


def _digest(parts: Dict[str, bytes], extra: str = "") -> str:
    h = hashlib.sha256(extra.encode("utf-8"))
    for name in sorted(parts):
        h.update(name.encode("utf-8") + b"\0")
        h.update(hashlib.sha256(parts[name]).digest())
    return h.hexdigest()


def read_tree(folder: Path, ignore: List[str]) -> Dict[str, bytes]:
    """Regular files under ``folder`` (no links, nothing ignored), by relative POSIX path."""
    out: Dict[str, bytes] = {}
    if not folder.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not _ignored(d, ignore)
                             and not os.path.islink(os.path.join(dirpath, d)))
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if _ignored(name, ignore) or os.path.islink(path) or not os.path.isfile(path):
                continue
            if os.path.getsize(path) > MAX_FILE_BYTES:
                continue
            rel = Path(path).relative_to(folder).as_posix()
            with open(path, "rb") as fh:
                out[rel] = fh.read()
    return out


def _ignored(name: str, patterns: List[str]) -> bool:
    return any(fnmatch.fnmatch(name, p) for p in patterns)


def write_tree(folder: Path, files: Dict[str, bytes]) -> None:
    """Write ``files`` under ``folder``; a path that would leave it is refused."""
    folder.mkdir(parents=True, exist_ok=True)
    top = folder.resolve()
    for rel, data in files.items():
        dest = (folder / rel).resolve()
        if top not in dest.parents:
            raise CourseError(f"Đường dẫn '{rel}' ra ngoài thư mục {folder}.")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)


JUNK = [".ipynb_checkpoints", "__pycache__", "*.pyc"]


def copy_assignment_cells(course: Course, assignment: str, db_url: str) -> None:
    """Copy ``assignment`` (notebooks, grade/solution/task/source cells) into another gradebook.

    The fields are nbgrader's own (``to_dict``), written in the order of its ``SaveCells``.
    """
    from nbgrader.api import Gradebook

    def fields(cell) -> dict:
        d = cell.to_dict()
        for key in ("name", "notebook", "assignment"):
            d.pop(key, None)
        return d

    with course.gradebook() as src, Gradebook(db_url, course.course_id) as dst:
        a = src.find_assignment(assignment)
        dst.update_or_create_assignment(a.name, duedate=a.duedate)
        for nb in a.notebooks:
            dst.update_or_create_notebook(nb.name, a.name, kernelspec=nb.kernelspec)
            for c in nb.grade_cells:
                dst.update_or_create_grade_cell(c.name, nb.name, a.name, **fields(c))
            for c in nb.solution_cells:
                dst.update_or_create_solution_cell(c.name, nb.name, a.name, **fields(c))
            for c in nb.task_cells:
                dst.update_or_create_task_cell(c.name, nb.name, a.name, **fields(c))
            for c in nb.source_cells:
                dst.update_or_create_source_cell(c.name, nb.name, a.name, **fields(c))


def pack_assignment(course: Course, assignment: str, scratch_base=None) -> AssignmentBundle:
    """The worker's part of ``assignment`` (see the module's docstring)."""
    with tempfile.TemporaryDirectory(prefix="dlb-bundle-", dir=scratch_base) as tmp:
        path = Path(tmp) / GRADEBOOK_FILE
        copy_assignment_cells(course, assignment, f"sqlite:///{path}")
        gradebook = path.read_bytes()
    config = Config()
    config.merge(course.nbgrader_config())
    for key in ("root", "db_url"):
        config.CourseDirectory.pop(key, None)
    source = read_tree(course.source_dir / assignment, JUNK)
    release = read_tree(course.release_dir / assignment, JUNK)
    bundle = AssignmentBundle(assignment=assignment, course_id=course.course_id, config=config,
                              gradebook=gradebook, source=source, release=release)
    # the gradebook file's bytes vary with uuids; its content is the source notebooks'
    bundle.digest = _digest({**{"source/" + k: v for k, v in source.items()},
                             **{"release/" + k: v for k, v in release.items()}},
                            extra=f"{assignment}\0{course.course_id}\0{config!r}")
    return bundle


def pack_submission(course: Course, assignment: str, student: str) -> SubmissionFiles:
    """Every file of ``submitted/<student>/<assignment>/`` (``timestamp.txt`` included), and the
    originals of notebooks an earlier run repaired; the digest is that of what the student sent
    (a repair does not change it)."""
    files = read_tree(course.submitted_dir / student / assignment, JUNK)
    originals = read_tree(originals_dir(course, assignment, student), JUNK)
    sent = {**files, **{k: v for k, v in originals.items() if k in files}}
    return SubmissionFiles(student=student, files=files, originals=originals,
                           digest=_digest(sent, extra=student))


def unpack(bundle: AssignmentBundle, submission: SubmissionFiles, dest: Path) -> Course:
    """Lay out the worker's course in ``dest`` (empty) and return it."""
    config = Config()
    config.merge(bundle.config)
    config.CourseDirectory.root = str(dest)
    config.CourseDirectory.db_url = f"sqlite:///{dest / GRADEBOOK_FILE}"
    config.CourseDirectory.course_id = bundle.course_id
    course = Course(dest, config=config)
    (dest / GRADEBOOK_FILE).write_bytes(bundle.gradebook)
    write_tree(course.source_dir / bundle.assignment, bundle.source)
    write_tree(course.release_dir / bundle.assignment, bundle.release)
    write_tree(course.submitted_dir / submission.student / bundle.assignment, submission.files)
    if submission.originals:
        write_tree(originals_dir(course, bundle.assignment, submission.student),
                   submission.originals)
    return course
