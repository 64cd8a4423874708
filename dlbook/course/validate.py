"""Check and repair a student's notebooks before nbgrader sees them.

nbgrader stops on a notebook it cannot read, and trusts the grading metadata the student's file
carries. :func:`check_submission` reads every expected notebook of a submission as untrusted bytes
and either

- repairs it and lets it be graded, with a flag (``level="warning"``): NUL bytes, missing or
  duplicated cell ids, megabytes of stored output, edited, deleted, duplicated or added test cells,
  changed points or other grading metadata (restored from the released notebook); or
- refuses it (``level="error"``): not UTF-8, invalid JSON, not nbformat 4, not a notebook at all,
  too large, missing.

Every flag says what was wrong in Vietnamese; a flagged submission is listed for manual review.
A repaired notebook replaces the submitted one only after the original has been copied to
``verdicts/<assignment>/originals/<student>/``.
"""

from __future__ import annotations

import json
import re
import shutil
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import nbformat

from dlbook.course.cells import ANSWER, TEST, meta_role

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024
LARGE_OUTPUT_BYTES = 1024 * 1024
CELL_ID = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")


@dataclass
class Flag:
    """Something wrong with a submission (``message`` is for the instructor, in Vietnamese)."""

    code: str
    message: str
    level: str = "warning"  #: "warning": repaired and graded; "error": not graded
    notebook: Optional[str] = None

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


class Unusable(Exception):
    """A notebook that cannot be graded; ``flag`` says why."""

    def __init__(self, flag: Flag):
        super().__init__(flag.message)
        self.flag = flag


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def cell_text(cell: Dict[str, Any]) -> str:
    """A cell's source as one string (nbformat allows a list of lines)."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def release_cells(path: Path) -> Tuple[List[str], Dict[str, Dict[str, Any]]]:
    """Order and content of the cells with grading metadata in the released notebook."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    order, cells = [], {}
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta and meta.get("grade_id"):
            order.append(meta["grade_id"])
            cells[meta["grade_id"]] = {"meta": meta, "source": cell_text(cell),
                                       "cell_type": cell.get("cell_type")}
    return order, cells


def _kind(meta: Dict[str, Any]) -> str:
    """How the checks name a cell of the release: test, solution or locked."""
    return {TEST: "test", ANSWER: "solution"}.get(meta_role(meta), "locked")


KIND_VI = {"test": "ô kiểm tra", "solution": "ô lời giải", "locked": "ô chỉ đọc"}


def sanitize(data: bytes, name: str, release: Tuple[List[str], Dict[str, Dict[str, Any]]]
             ) -> Tuple[Dict[str, Any], List[Flag]]:
    """Parse and repair one notebook; raises :class:`Unusable` when it cannot be graded."""
    flags: List[Flag] = []

    def flag(code: str, message: str) -> None:
        flags.append(Flag(code, f"{name}.ipynb: {message}", "warning", name))

    def refuse(code: str, message: str) -> None:
        raise Unusable(Flag(code, f"{name}.ipynb: {message}", "error", name))

    if len(data) > MAX_NOTEBOOK_BYTES:
        refuse("too_large", f"tệp quá lớn ({_mb(len(data))}, tối đa {_mb(MAX_NOTEBOOK_BYTES)}).")
    nul = data.count(b"\x00")
    if nul:
        flag("null_bytes", f"tệp chứa {nul} byte rỗng (NUL); đã bỏ chúng để chấm.")
        data = data.replace(b"\x00", b"")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        refuse("not_utf8", f"tệp không phải văn bản UTF-8 (byte lỗi ở vị trí {exc.start}).")
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        refuse("invalid_json",
               f"tệp không phải JSON hợp lệ ({exc.msg}, dòng {exc.lineno}, cột {exc.colno}); "
               "có thể tệp bị hỏng hoặc bị sửa bằng tay.")
    except RecursionError:
        refuse("invalid_json", "tệp JSON lồng nhau quá sâu.")
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        refuse("not_notebook", "tệp JSON này không phải notebook (không có danh sách ô 'cells').")
    version = nb.get("nbformat")
    if version != 4:
        refuse("wrong_nbformat",
               f"định dạng nbformat {version!r} không được hỗ trợ (cần nbformat 4); hãy mở và lưu "
               "lại bằng Jupyter hoặc Colab.")
    minor = nb.get("nbformat_minor")
    if not isinstance(minor, int) or minor < 0:
        flag("bad_minor", f"nbformat_minor không hợp lệ ({minor!r}); đã sửa.")
        minor = 5
    if not isinstance(nb.get("metadata"), dict):
        flag("bad_metadata", "siêu dữ liệu (metadata) của notebook không hợp lệ; đã thay.")
        nb["metadata"] = {}

    cells: List[Dict[str, Any]] = []
    dropped = 0
    output_bytes = 0
    for cell in nb["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            dropped += 1
            continue
        src = cell.get("source", "")
        if not isinstance(src, (str, list)) or (isinstance(src, list)
                                                 and not all(isinstance(s, str) for s in src)):
            dropped += 1
            continue
        clean: Dict[str, Any] = {"cell_type": cell["cell_type"], "source": cell_text(cell),
                                 "metadata": cell.get("metadata") if isinstance(
                                     cell.get("metadata"), dict) else {}}
        if "id" in cell:
            clean["id"] = cell["id"]
        if cell["cell_type"] == "code":
            output_bytes += len(json.dumps(cell.get("outputs", []), ensure_ascii=False))
            clean["outputs"] = []
            clean["execution_count"] = None
        elif "attachments" in cell and isinstance(cell["attachments"], dict):
            clean["attachments"] = cell["attachments"]
        cells.append(clean)
    if dropped:
        flag("bad_cells", f"{dropped} ô không đúng cấu trúc đã bị bỏ.")
    if output_bytes > LARGE_OUTPUT_BYTES:
        flag("large_output", f"đầu ra lưu trong tệp rất lớn ({_mb(output_bytes)}); "
             "đã xóa đầu ra trước khi chấm.")

    # cell ids (nbformat >= 4.5): missing, malformed or duplicated ids get fresh ones, from
    # nbformat's own repair (normalize); we only count them for the flags
    seen, missing, duplicated = set(), 0, 0
    for cell in cells:
        cid = cell.get("id")
        if not isinstance(cid, str) or not CELL_ID.match(cid):
            if minor >= 5:
                missing += 1
            cell.pop("id", None)
        elif cid in seen:
            duplicated += 1
        seen.add(cid)
    with warnings.catch_warnings():  # MissingIDFieldWarning, DuplicateCellId: counted above
        warnings.simplefilter("ignore")
        _, repaired = nbformat.validator.normalize(
            {"nbformat": 4, "nbformat_minor": max(minor, 5), "metadata": {}, "cells": cells})
    cells = repaired["cells"]
    if missing:
        flag("missing_cell_ids", f"{missing} ô thiếu id hoặc id không hợp lệ; đã tạo id mới.")
    if duplicated:
        flag("duplicate_cell_ids", f"{duplicated} ô có id trùng nhau; đã tạo id mới.")

    # grading metadata: restored from the released notebook
    order, known = release
    present: Dict[str, int] = {}
    for cell in cells:
        meta = cell["metadata"].get("nbgrader")
        if meta is None:
            continue
        gid = meta.get("grade_id") if isinstance(meta, dict) else None
        if gid not in known:
            del cell["metadata"]["nbgrader"]
            what = "ô kiểm tra" if isinstance(meta, dict) and meta.get("grade") else "ô"
            flag("unknown_grade_cell",
                 f"{what} lạ có đánh dấu chấm điểm (grade_id={gid!r}) không có trong đề; "
                 "đã bỏ đánh dấu, ô này không được tính điểm.")
            continue
        if gid in present:
            present[gid] += 1
            del cell["metadata"]["nbgrader"]
            continue
        present[gid] = 1
        ref = known[gid]
        kind = KIND_VI[_kind(ref["meta"])]
        if meta != ref["meta"]:
            changes = [f"{key}: {ref['meta'].get(key)!r} → {meta.get(key)!r}"
                       for key in ("points", "grade", "solution", "locked", "cell_type")
                       if meta.get(key) != ref["meta"].get(key)]
            if changes:
                flag("metadata_changed",
                     f"{kind} {gid}: siêu dữ liệu chấm điểm bị sửa ({'; '.join(changes)}); "
                     "đã khôi phục theo đề.")
            cell["metadata"]["nbgrader"] = json.loads(json.dumps(ref["meta"]))
        if cell["cell_type"] != ref["cell_type"]:
            flag("cell_type_changed", f"{kind} {gid}: loại ô bị đổi; đã khôi phục.")
            cell["cell_type"] = ref["cell_type"]
            if ref["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
            else:
                cell.pop("outputs", None)
                cell.pop("execution_count", None)
        if _kind(ref["meta"]) in ("test", "locked") and cell["source"] != ref["source"]:
            flag("locked_cell_edited", f"{kind} {gid} bị sửa; khi chấm dùng lại nội dung gốc.")
    for gid, count in present.items():
        if count > 1:
            flag("duplicated_grade_cell",
                 f"{KIND_VI[_kind(known[gid]['meta'])]} {gid} xuất hiện {count} lần; "
                 "chỉ ô đầu tiên được chấm.")
    for gid in order:
        if gid not in present:
            kind = _kind(known[gid]["meta"])
            if kind == "test":
                flag("test_cell_deleted", f"ô kiểm tra {gid} bị xóa; được thêm lại khi chấm.")
            else:
                flag("cell_deleted", f"{KIND_VI[kind]} {gid} bị xóa.")

    nb["cells"] = cells
    nb["nbformat_minor"] = max(minor, 5)
    try:
        node = nbformat.from_dict(nb)
        nbformat.validate(node)
    except Exception as exc:  # noqa: BLE001 - jsonschema's ValidationError and friends
        message = getattr(exc, "message", str(exc))
        refuse("invalid_notebook", f"không đúng cấu trúc notebook ({str(message)[:200]}).")
    return nb, flags


def originals_dir(course, assignment: str, student: str) -> Path:
    """Where a student's original notebooks are kept when repaired copies replace them."""
    return course.verdicts_dir / assignment / "originals" / student


def original_path(course, assignment: str, student: str, filename: str) -> Path:
    """Where the student's original notebook is kept when a repaired copy replaces it."""
    return originals_dir(course, assignment, student) / filename


def check_submission(course, assignment: str, student: str) -> Tuple[List[Flag], List[str]]:
    """Check (and repair in place) every notebook of one submission.

    Returns the flags and the notebooks that can be graded.
    """
    flags: List[Flag] = []
    usable: List[str] = []
    folder = course.submitted_dir / student / assignment
    present = sorted(p.name for p in folder.glob("*.ipynb")) if folder.is_dir() else []
    for name in course.notebooks(assignment):
        path = folder / f"{name}.ipynb"
        if not path.is_file() or path.is_symlink():
            others = [p for p in present if p != f"{name}.ipynb"]
            extra = f" (trong bài nộp có: {', '.join(others)})" if others else ""
            flags.append(Flag("missing_notebook", f"thiếu notebook {name}.ipynb{extra}; "
                              "phần này được 0 điểm.", "error", name))
            continue
        release = course.release_dir / assignment / f"{name}.ipynb"
        backup = original_path(course, assignment, student, path.name)
        # a notebook repaired by an earlier run is checked again from the student's original
        data = backup.read_bytes() if backup.is_file() else path.read_bytes()
        try:
            nb, nb_flags = sanitize(data, name, release_cells(release))
        except Unusable as exc:
            flags.append(exc.flag)
            continue
        flags.extend(nb_flags)
        usable.append(name)
        if nb_flags:
            if not backup.exists():
                backup.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, backup)
            tmp = path.with_suffix(".ipynb.tmp")
            tmp.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")
            tmp.replace(path)
    return flags, usable
