"""The instructor's course folder: nbgrader's configuration, its folders and our own records.

A course folder holds ``nbgrader_config.py`` (the course root), ``solutions/`` (nbgrader's source
folder, with ``verify.py`` next to each assignment), ``exercises/`` (release), and what grading
writes: ``submitted/``, ``autograded/``, ``feedback/``, ``gradebook.db`` (nbgrader's) and
``verdicts/`` (ours: one JSON record per student and assignment, see :mod:`dlbook.course.records`).
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Dict, List, Optional

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from dlbook.errors import DlbookError

CONFIG_FILE = "nbgrader_config.py"
VERDICTS_DIR = "verdicts"
REPORTS_DIR = "reports"  #: similarity reports (they hold every student's answers)
#: Student ids we accept (they become folder names and nbgrader globs).
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
ASSIGNMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class CourseError(DlbookError):
    """A problem the instructor must fix (message in Vietnamese)."""


def quiet_logger(name: str = "dlbook.course") -> logging.Logger:
    log = logging.getLogger(name)
    if not log.handlers:
        log.addHandler(logging.NullHandler())
    log.propagate = False
    return log


def ensure_tools_on_path() -> None:
    """nbgrader runs ``alembic`` (a console script of the venv) when it creates a gradebook."""
    import sys

    venv_bin = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if venv_bin not in parts:
        os.environ["PATH"] = os.pathsep.join([venv_bin] + [p for p in parts if p])


def find_root(start: Optional[os.PathLike] = None) -> Path:
    """The nearest folder at or above ``start`` that holds ``nbgrader_config.py``."""
    here = Path(start or os.getcwd()).resolve()
    if here.is_file():
        here = here.parent
    for folder in [here, *here.parents]:
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise CourseError(
        f"Không tìm thấy {CONFIG_FILE} ở '{here}' hay các thư mục cha: hãy chạy lệnh trong thư mục "
        "khóa học hoặc chỉ ra nó bằng --course THƯ_MỤC."
    )


class Course:
    """A course folder and its nbgrader configuration."""

    def __init__(self, root: os.PathLike, db_url: Optional[str] = None,
                 config: Optional[Config] = None):
        """``db_url`` replaces the gradebook of the configuration (``--db``); ``config`` is used
        instead of reading ``nbgrader_config.py`` (a grading worker's copy of one assignment)."""
        ensure_tools_on_path()
        self.root = Path(root).resolve()
        cfg_path = self.root / CONFIG_FILE
        if config is not None:
            self.config = Config()
            self.config.merge(config)
            self.config.CourseDirectory.root = str(self.root)
        elif not cfg_path.is_file():
            raise CourseError(f"'{self.root}' không có {CONFIG_FILE}.")
        else:
            try:
                self.config = PyFileConfigLoader(CONFIG_FILE, path=str(self.root)).load_config()
            except Exception as exc:  # noqa: BLE001
                raise CourseError(f"Không đọc được {cfg_path}: {type(exc).__name__}: {exc}") from exc
        if not self.config.CourseDirectory.get("root"):
            self.config.CourseDirectory.root = str(self.root)
        else:
            self.root = Path(self.config.CourseDirectory.root).resolve()
        if db_url:
            self.config.CourseDirectory.db_url = db_url

    @classmethod
    def find(cls, start: Optional[os.PathLike] = None, db_url: Optional[str] = None) -> "Course":
        return cls(find_root(start), db_url=db_url)

    # -------------------------------------------------------------- nbgrader objects

    def nbgrader_config(self, overrides: Optional[Config] = None) -> Config:
        cfg = Config()
        cfg.merge(self.config)
        ignore = list(cfg.CourseDirectory.get("ignore", [".ipynb_checkpoints", "*.pyc",
                                                          "__pycache__", "feedback"]))
        for pattern in ("verify.py", ".probe"):
            if pattern not in ignore:
                ignore.append(pattern)
        cfg.CourseDirectory.ignore = ignore
        if overrides is not None:
            cfg.merge(overrides)
        return cfg

    def coursedir(self, config: Optional[Config] = None, **traits):
        from nbgrader.coursedir import CourseDirectory

        cd = CourseDirectory(config=config or self.nbgrader_config(), log=quiet_logger())
        cd.root = str(self.root)
        for key, value in traits.items():
            setattr(cd, key, value)
        return cd

    @property
    def _cd(self):
        if not hasattr(self, "_cd_cache"):
            self._cd_cache = self.coursedir()
        return self._cd_cache

    def step_dir(self, step: str) -> Path:
        name = getattr(self._cd, f"{step}_directory")
        return self.root / name

    @property
    def source_dir(self) -> Path:
        return self.step_dir("source")

    @property
    def release_dir(self) -> Path:
        return self.step_dir("release")

    @property
    def submitted_dir(self) -> Path:
        return self.step_dir("submitted")

    @property
    def autograded_dir(self) -> Path:
        return self.step_dir("autograded")

    @property
    def feedback_dir(self) -> Path:
        return self.step_dir("feedback")

    @property
    def db_url(self) -> str:
        return self._cd.db_url

    @property
    def course_id(self) -> str:
        return self._cd.course_id or "default_course"

    def gradebook(self):
        from nbgrader.api import Gradebook

        return Gradebook(self.db_url, self.course_id)

    @property
    def db_path(self) -> Optional[Path]:
        url = self.db_url
        return Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None

    @property
    def verdicts_dir(self) -> Path:
        return self.root / VERDICTS_DIR

    @property
    def reports_dir(self) -> Path:
        return self.root / REPORTS_DIR

    def secret_paths(self) -> List[str]:
        """What a student's kernel must never see (the sandbox refuses binds that contain them)."""
        paths = [self.source_dir, self.submitted_dir, self.autograded_dir,
                 self.feedback_dir, self.verdicts_dir, self.reports_dir]
        if self.db_path is not None:
            paths.append(self.db_path)
        return [str(p) for p in paths]

    # -------------------------------------------------------------- assignments

    def assignments(self) -> List[str]:
        """Assignments of the source folder (sub-folders holding at least one notebook)."""
        if not self.source_dir.is_dir():
            return []
        return sorted(d.name for d in self.source_dir.iterdir()
                      if d.is_dir() and any(d.glob("*.ipynb")))

    def check_assignment(self, assignment: str) -> None:
        known = self.assignments()
        if assignment not in known:
            raise CourseError(
                f"Không có bài tập '{assignment}' trong {self.source_dir}. "
                + (f"Các bài hiện có: {', '.join(known)}." if known else "Chưa có bài nào.")
            )

    def notebooks(self, assignment: str) -> List[str]:
        return sorted(p.stem for p in (self.source_dir / assignment).glob("*.ipynb"))

    def verify_path(self, assignment: str) -> Path:
        return self.source_dir / assignment / "verify.py"

    def submitted_students(self, assignment: str) -> List[str]:
        base = self.submitted_dir
        if not base.is_dir():
            return []
        return sorted(d.name for d in base.iterdir()
                      if (d / assignment).is_dir() and not d.name.startswith("."))

    def graded_students(self, assignment: str) -> List[str]:
        base = self.autograded_dir
        if not base.is_dir():
            return []
        return sorted(d.name for d in base.iterdir()
                      if (d / assignment).is_dir() and not d.name.startswith("."))

    def assignment_in_gradebook(self, assignment: str) -> bool:
        from nbgrader.api import MissingEntry

        if self.db_path is not None and not self.db_path.exists():
            return False
        with self.gradebook() as gb:
            try:
                gb.find_assignment(assignment)
                return True
            except MissingEntry:
                return False

    def grade_points(self, assignment: str) -> Dict[str, Dict[str, float]]:
        """{notebook: {grade_id: max points}} of the autograded test cells, from the gradebook."""
        out: Dict[str, Dict[str, float]] = {}
        with self.gradebook() as gb:
            for nb in gb.find_assignment(assignment).notebooks:
                out[nb.name] = {c.name: float(c.max_score) for c in nb.grade_cells
                                if c.cell_type == "code"}
        return out
