"""``dlbook course collect``: a zip of submissions, as an LMS exports it, into ``submitted/``.

Layouts understood (mixed in one zip too, optionally under one common top folder):

- Moodle: ``Nguyễn Văn A_12345_assignsubmission_file_/a01.ipynb`` → student ``12345``;
- one folder per student: ``sv001/a01.ipynb`` (deeper files keep their relative path);
- loose files: ``sv001_a01.ipynb`` (the part before ``_<notebook>.ipynb``, else before the first
  ``_``).

A student who sent one notebook under another name (``a01 (1).ipynb``, ``Copy of a01.ipynb``)
while the assignment has one notebook gets it renamed, with a note. Nothing is written outside
``submitted/`` (absolute paths and ``..`` are refused: zip slip); a corrupt zip, a corrupt member,
a member too large, an existing submission (without ``--force``) each give a clear message and
the rest is still collected.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Dict, List, Optional, Tuple

from dlbook.course.course import STUDENT_ID, Course, CourseError

MOODLE = re.compile(r"^(?P<name>.*)_(?P<id>[^_]+)_(?:assignsubmission|onlinetext)_[^/]*_?$")
MOODLE_FILE = re.compile(
    r"^(?P<name>.*)_(?P<id>[^_]+)_(?:assignsubmission_file|onlinetext)_(?P<file>.+)$")
MAX_MEMBER_BYTES = 100 * 1024 * 1024
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024
IGNORED = ("__MACOSX", ".DS_Store", "Thumbs.db", ".ipynb_checkpoints")


@dataclass
class CollectResult:
    students: Dict[str, List[str]] = field(default_factory=dict)  #: student → files written
    messages: List[str] = field(default_factory=list)  #: problems, in Vietnamese
    skipped: List[str] = field(default_factory=list)  #: students not overwritten


def normalize_student_id(raw: str) -> str:
    """A safe nbgrader student id: no diacritics, only letters, digits and ``._-@``."""
    text = unicodedata.normalize("NFKD", raw.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^A-Za-z0-9_.@-]+", "_", text.strip()).strip("._-")
    return text[:64]


def _safe_parts(name: str) -> Optional[List[str]]:
    """Path components of a zip member, or None when it is unsafe (absolute, ``..``, drive)."""
    name = name.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return None
    parts = [p for p in PurePosixPath(name).parts if p not in ("", ".")]
    if any(p == ".." for p in parts) or not parts:
        return None
    return parts


def _decode_name(info: zipfile.ZipInfo) -> str:
    """Member names of zips made on Windows are often cp437-mangled UTF-8."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return unicodedata.normalize("NFC", name)


def _student_of(parts: List[str], notebooks: List[str]) -> Tuple[Optional[str], List[str]]:
    """(raw student id, path inside the student's folder) of a member, or (None, ...)."""
    if len(parts) >= 2:
        m = MOODLE.match(parts[0])
        return (m.group("id") if m else parts[0]), parts[1:]
    name = parts[0]
    m = MOODLE_FILE.match(name)
    if m:
        return m.group("id"), [m.group("file")]
    stem, ext = os.path.splitext(name)
    for nb in sorted(notebooks, key=len, reverse=True):
        suffix = "_" + nb
        if stem.endswith(suffix) and len(stem) > len(suffix):
            return stem[: -len(suffix)], [nb + ext]
    if "_" in stem:
        sid, rest = stem.split("_", 1)
        return sid, [rest + ext]
    return None, parts


def collect(course: Course, assignment: str, zip_path: os.PathLike, force: bool = False,
            progress: bool = True) -> CollectResult:
    """Unpack ``zip_path`` into ``submitted/<student>/<assignment>/``."""
    from tqdm.auto import tqdm

    course.check_assignment(assignment)
    notebooks = course.notebooks(assignment)
    zip_path = Path(zip_path)
    if not zip_path.is_file():
        raise CourseError(f"Không tìm thấy tệp zip '{zip_path}'.")
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CourseError(f"'{zip_path.name}' không phải tệp zip hợp lệ hoặc đã bị hỏng ({exc}); "
                          "hãy tải lại tệp từ hệ thống quản lý học tập.") from exc
    result = CollectResult()
    with zf:
        members = []
        for info in zf.infolist():
            if info.is_dir():
                continue
            name = _decode_name(info)
            parts = _safe_parts(name)
            if parts is None:
                result.messages.append(f"Bỏ qua '{name}': đường dẫn không an toàn (tuyệt đối hoặc "
                                       "có '..').")
                continue
            if any(p in IGNORED or p.startswith("._") for p in parts):
                continue
            if info.external_attr >> 16 & 0o170000 == 0o120000:
                result.messages.append(f"Bỏ qua '{name}': liên kết tượng trưng (symlink).")
                continue
            members.append((info, parts))
        # one common top folder around everything (e.g. "a01_submissions/...") is dropped
        tops = {parts[0] for _, parts in members}
        if len(tops) == 1 and not MOODLE.match(next(iter(tops))):
            deep = any(len(parts) >= 3 for _, parts in members)
            loose = [p for _, p in members if len(p) == 2 and _student_of(p[1:], notebooks)[0]]
            if deep or len(loose) >= 2:
                members = [(info, parts[1:]) for info, parts in members if len(parts) >= 2]

        grouped: Dict[str, List[Tuple[zipfile.ZipInfo, List[str]]]] = {}
        for info, parts in members:
            raw, rel = _student_of(parts, notebooks)
            if raw is None:
                result.messages.append(f"Bỏ qua '{'/'.join(parts)}': không nhận ra mã sinh viên.")
                continue
            sid = normalize_student_id(raw)
            if not sid or not STUDENT_ID.match(sid):
                result.messages.append(f"Bỏ qua '{'/'.join(parts)}': mã sinh viên '{raw}' "
                                       "không dùng được.")
                continue
            if sid != raw:
                note = f"Mã sinh viên '{raw}' được đổi thành '{sid}'."
                if note not in result.messages:
                    result.messages.append(note)
            grouped.setdefault(sid, []).append((info, rel))

        total = 0
        for sid in tqdm(sorted(grouped), desc="Thu bài", unit="sv", disable=not progress):
            files = grouped[sid]
            # a submission folder "a01/..." inside the student's folder is flattened
            if all(len(rel) >= 2 and rel[0] == assignment for _, rel in files):
                files = [(info, rel[1:]) for info, rel in files]
            files = _rename_lone_notebook(sid, files, notebooks, result)
            dest = course.submitted_dir / sid / assignment
            if dest.exists() and any(dest.iterdir()):
                if not force:
                    result.skipped.append(sid)
                    result.messages.append(f"'{sid}' đã có bài nộp trong {dest}; giữ nguyên "
                                           "(dùng --force để thay bằng bài trong zip).")
                    continue
                shutil.rmtree(dest)
            written = []
            for info, rel in files:
                if info.file_size > MAX_MEMBER_BYTES:
                    result.messages.append(f"{sid}: bỏ qua '{'/'.join(rel)}' (quá lớn, "
                                           f"{info.file_size // 1024 // 1024} MB).")
                    continue
                total += info.file_size
                if total > MAX_TOTAL_BYTES:
                    raise CourseError("Tổng dung lượng giải nén vượt 2 GB; dừng (zip bomb?).")
                target = dest.joinpath(*rel)
                if not _inside(target, dest):
                    result.messages.append(f"{sid}: bỏ qua '{'/'.join(rel)}': đường dẫn không "
                                           "an toàn.")
                    continue
                try:
                    data = zf.read(info)
                except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
                    result.messages.append(f"{sid}: tệp '{'/'.join(rel)}' trong zip bị hỏng "
                                           f"({exc}); bỏ qua.")
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                written.append("/".join(rel))
            if written:
                result.students[sid] = written
                shutil.rmtree(course.verdicts_dir / assignment / "originals" / sid,
                              ignore_errors=True)
            elif dest.exists() and not any(dest.iterdir()):
                dest.rmdir()
    for sid, written in result.students.items():
        missing = [nb for nb in notebooks if f"{nb}.ipynb" not in written]
        if missing:
            result.messages.append(f"{sid}: thiếu {', '.join(m + '.ipynb' for m in missing)}.")
    return result


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def _rename_lone_notebook(sid, files, notebooks, result):
    if len(notebooks) != 1:
        return files
    ipynbs = [(info, rel) for info, rel in files if rel[-1].endswith(".ipynb")]
    expected = notebooks[0] + ".ipynb"
    if len(ipynbs) == 1 and ipynbs[0][1] != [expected]:
        info, rel = ipynbs[0]
        result.messages.append(f"{sid}: '{'/'.join(rel)}' được đổi tên thành {expected}.")
        return [(i, [expected] if i is info else r) for i, r in files]
    return files
