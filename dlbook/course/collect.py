"""``dlbook course collect``: a zip of submissions, as an LMS exports it, into ``submitted/``.

Layouts understood (mixed in one zip too, optionally under one common top folder):

- Moodle, one folder per student: ``Nguyễn Văn A_12345_assignsubmission_file_/a01.ipynb``;
- Moodle, loose files: ``Nguyễn Văn A_12345_assignsubmission_file_a01.ipynb``;
- Canvas: ``nguyenvana_12345_67890_a01.ipynb`` (``_late_`` after the name too);
- one folder per student: ``sv001/a01.ipynb`` (deeper files keep their relative path);
- loose files: ``sv001_a01.ipynb`` (the part before ``_<notebook>.ipynb``, else before the first
  ``_``).

The student id is taken from the LMS's own part of a name: Moodle and Canvas put the id *before*
the student's upload name, so the first match wins (an upload named
``x_10002_assignsubmission_file_a01.ipynb`` by student 10001 stays 10001's). Ids equal after
folding accents and case (``Nguyễn An``/``Nguyen An``, ``SV01``/``sv01``), or one id met under
two different LMS names, are a collision: every copy is refused, loudly, and nothing is written
for that id.

Each student is checked before anything is written: member sizes are summed (a zip bomb is
refused for that student), a file that is also a folder, a path met twice, a corrupt or
encrypted member, too many files skip that student only. Files that Python could import or that
configure the kernel (``*.py``, ``*.pyc``, ``*.so``, ``*.pth``, hidden files and folders such as
``.ipython/``) are not collected: a submission's ``numpy.py`` would otherwise shadow the installed
module in the student's kernel. A student's files are unpacked into a staging folder and moved
into ``submitted/<id>/<assignment>/`` only when all of them were written. Nothing is written
outside ``submitted/`` (absolute paths and ``..`` are refused: zip slip); an existing submission
is kept unless ``--force``.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Dict, List, Optional, Set, Tuple

from dlbook.course.course import STUDENT_ID, Course, CourseError
from dlbook.course.sanitize import terminal_safe

#: Moodle folder (or loose-file prefix): ``<full name>_<id>_assignsubmission_<plugin>_...``;
#: ``.*?`` makes the first (LMS-made) occurrence win over one inside the upload name.
MOODLE = re.compile(r"^(?P<name>.*?)_(?P<id>[^_]+)_(?:assignsubmission_[a-z]+|onlinetext)_")
MOODLE_FILE = re.compile(
    r"^(?P<name>.*?)_(?P<id>[^_]+)_(?:assignsubmission_file|onlinetext)_(?P<file>.+)$")
#: Canvas "Download submissions": ``<name>[_late]_<user id>_<attachment id>_<upload name>``.
CANVAS_FILE = re.compile(r"^(?P<name>[a-z0-9]*?)(?:_late)?_(?P<id>\d+)_\d+_(?P<file>.+)$", re.I)
MAX_MEMBER_BYTES = 100 * 1024 * 1024
MAX_STUDENT_BYTES = 256 * 1024 * 1024
MAX_STUDENT_FILES = 500
MAX_MEMBERS = 100_000
#: Free space kept on the disk of ``submitted/`` after collecting.
DISK_MARGIN_BYTES = 512 * 1024 * 1024
IGNORED = ("__MACOSX", ".DS_Store", "Thumbs.db", ".ipynb_checkpoints", "__pycache__",
           "desktop.ini")
#: Files Python can import (or that configure an interpreter): never collected.
IMPORTABLE = (".py", ".pyc", ".pyo", ".pyw", ".pyd", ".pyz", ".pth", ".so", ".egg", ".whl")
_NAME_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass
class CollectResult:
    students: Dict[str, List[str]] = field(default_factory=dict)  #: student → files written
    messages: List[str] = field(default_factory=list)  #: problems, in Vietnamese
    skipped: List[str] = field(default_factory=list)  #: students not overwritten
    refused: Dict[str, str] = field(default_factory=dict)  #: student → why nothing was written

    def refuse(self, sid: str, why: str) -> None:
        self.refused[sid] = why
        self.messages.append(why)


@dataclass
class _Source:
    """Where a student's files came from: the LMS layout and its own name for the student."""

    kind: str  # "moodle" | "canvas" | "folder" | "loose"
    raw_id: str
    label: str  # how the instructor recognises it in the zip ("Nguyễn An_10001_...")

    @property
    def key(self) -> Tuple[str, str, str]:
        return (self.kind if self.kind in ("moodle", "canvas") else "plain", self.raw_id,
                self.label if self.kind in ("moodle", "canvas") else "")


def _show(name: str, limit: int = 120) -> str:
    return terminal_safe(name, limit=limit)


def normalize_student_id(raw: str) -> str:
    """A safe nbgrader student id: no diacritics, only letters, digits and ``._-@``."""
    text = unicodedata.normalize("NFKD", raw.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^A-Za-z0-9_.@-]+", "_", text.strip()).strip("._-")
    return text[:64]


def fold_student_id(sid: str) -> str:
    """Ids that must not coexist: equal after folding case (accents are gone already)."""
    return sid.casefold()


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


def _source_of(parts: List[str], notebooks: List[str]) -> Tuple[Optional[_Source], List[str]]:
    """(where the member comes from, path inside the student's folder); source None if unknown."""
    if len(parts) >= 2:
        m = MOODLE.match(parts[0])
        if m:
            return _Source("moodle", m.group("id"), f"{m.group('name')}_{m.group('id')}"), parts[1:]
        return _Source("folder", parts[0], parts[0] + "/"), parts[1:]
    name = parts[0]
    m = MOODLE_FILE.match(name)
    if m:
        return _Source("moodle", m.group("id"), f"{m.group('name')}_{m.group('id')}"), \
            [m.group("file")]
    m = CANVAS_FILE.match(name)
    if m:
        return _Source("canvas", m.group("id"), f"{m.group('name')}_{m.group('id')}"), \
            [m.group("file")]
    stem, ext = os.path.splitext(name)
    for nb in sorted(notebooks, key=len, reverse=True):
        suffix = "_" + nb
        if stem.endswith(suffix) and len(stem) > len(suffix):
            raw = stem[: -len(suffix)]
            return _Source("loose", raw, raw + "_…"), [nb + ext]
    if "_" in stem:
        raw, rest = stem.split("_", 1)
        return _Source("loose", raw, raw + "_…"), [rest + ext]
    return None, parts


def _student_of(parts: List[str], notebooks: List[str]) -> Tuple[Optional[str], List[str]]:
    """(raw student id, path inside the student's folder) of a member, or (None, ...)."""
    source, rel = _source_of(parts, notebooks)
    return (source.raw_id if source else None), rel


def _unwanted(rel: List[str]) -> Optional[str]:
    """Why a file of a submission is not collected (None when it is)."""
    if any(p.startswith(".") for p in rel):
        return "tệp hoặc thư mục ẩn (tên bắt đầu bằng '.') có thể thay đổi cấu hình kernel"
    if any(_NAME_CONTROL.search(p) for p in rel):
        return "tên tệp chứa ký tự điều khiển"
    if rel[-1].lower().endswith(IMPORTABLE) or ".so." in rel[-1].lower():
        return ("tệp Python/mô-đun (.py, .pyc, .so, .pth…) có thể che một thư viện đã cài "
                "(ví dụ numpy) khi chấm; hãy đưa mã vào notebook")
    if any(len(p.encode("utf-8")) > 255 for p in rel):
        return "tên tệp quá dài"
    return None


def _structure_problem(files: List[Tuple[zipfile.ZipInfo, List[str]]]) -> Optional[str]:
    """A reason to refuse the whole student (file/folder clash, duplicates, size, count)."""
    if len(files) > MAX_STUDENT_FILES:
        return f"quá nhiều tệp ({len(files)} > {MAX_STUDENT_FILES})"
    paths: Set[Tuple[str, ...]] = set()
    folders: Set[Tuple[str, ...]] = set()
    for _, rel in files:
        path = tuple(rel)
        if path in paths:
            return f"tệp '{_show('/'.join(rel))}' xuất hiện hai lần"
        paths.add(path)
        folders.update(path[:i] for i in range(1, len(path)))
    clash = sorted(paths & folders)
    if clash:
        return f"'{_show('/'.join(clash[0]))}' vừa là tệp vừa là thư mục"
    big = [(info, rel) for info, rel in files if info.file_size > MAX_MEMBER_BYTES]
    if big:
        info, rel = big[0]
        return (f"tệp '{_show('/'.join(rel))}' quá lớn ({info.file_size // 1024 // 1024} MB > "
                f"{MAX_MEMBER_BYTES // 1024 // 1024} MB)")
    total = sum(info.file_size for info, _ in files)
    if total > MAX_STUDENT_BYTES:
        return (f"tổng dung lượng giải nén {total // 1024 // 1024} MB vượt "
                f"{MAX_STUDENT_BYTES // 1024 // 1024} MB (zip bomb?)")
    if any(info.flag_bits & 0x1 for info, _ in files):
        return "zip có tệp được đặt mật khẩu"
    return None


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
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise CourseError(f"'{zip_path.name}' có {len(infos)} tệp (tối đa {MAX_MEMBERS}); "
                              "không giải nén.")
        grouped = _group(infos, notebooks, result)
        plan = _plan(course, assignment, grouped, notebooks, force, result)
        total = sum(info.file_size for files in plan.values() for info, _ in files)
        course.submitted_dir.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(course.submitted_dir).free
        if total + DISK_MARGIN_BYTES > free:
            raise CourseError(
                f"Giải nén cần {total // 1024 // 1024} MB nhưng ổ đĩa chứa "
                f"{course.submitted_dir} chỉ còn {free // 1024 // 1024} MB trống; chưa ghi gì.")
        staging = course.submitted_dir / f".collect-{secrets.token_hex(6)}"
        staging.mkdir()
        try:
            for sid in tqdm(sorted(plan), desc="Thu bài", unit="sv", disable=not progress):
                _write_student(course, assignment, zf, sid, plan[sid], staging, result)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    for sid, written in result.students.items():
        missing = [nb for nb in notebooks if f"{nb}.ipynb" not in written]
        if missing:
            result.messages.append(f"{sid}: thiếu {', '.join(m + '.ipynb' for m in missing)}.")
    return result


def _group(infos, notebooks, result: CollectResult):
    """Members by normalised student id, each with its source; unsafe members reported."""
    members = []
    for info in infos:
        if info.is_dir():
            continue
        name = _decode_name(info)
        parts = _safe_parts(name)
        if parts is None:
            result.messages.append(f"Bỏ qua '{_show(name)}': đường dẫn không an toàn (tuyệt đối "
                                   "hoặc có '..').")
            continue
        if any(p in IGNORED or p.startswith("._") for p in parts):
            continue
        if info.external_attr >> 16 & 0o170000 == 0o120000:
            result.messages.append(f"Bỏ qua '{_show(name)}': liên kết tượng trưng (symlink).")
            continue
        members.append((info, parts))
    # one common top folder around everything (e.g. "a01_submissions/...") is dropped
    # (not when the one folder is itself a student's: it holds the assignment's notebook, or
    # nothing below it looks like a student)
    tops = {parts[0] for _, parts in members}
    if len(tops) == 1 and not MOODLE.match(next(iter(tops))):
        own = {f"{nb}.ipynb" for nb in notebooks}
        direct = any(len(parts) == 2 and parts[1] in own for _, parts in members)
        deep = any(len(parts) >= 3 and parts[-1].endswith(".ipynb") for _, parts in members)
        loose = [p for _, p in members if len(p) == 2 and _source_of(p[1:], notebooks)[0]]
        if not direct and (deep or len(loose) >= 2):
            members = [(info, parts[1:]) for info, parts in members if len(parts) >= 2]

    grouped: Dict[str, Dict] = {}
    for info, parts in members:
        source, rel = _source_of(parts, notebooks)
        if source is None:
            result.messages.append(f"Bỏ qua '{_show('/'.join(parts))}': không nhận ra mã sinh "
                                   "viên.")
            continue
        sid = normalize_student_id(source.raw_id)
        if _NAME_CONTROL.search(source.raw_id) or _NAME_CONTROL.search(source.label):
            result.messages.append(f"Bỏ qua '{_show('/'.join(parts))}': tên chứa ký tự điều "
                                   "khiển, không lấy được mã sinh viên an toàn.")
            continue
        if not sid or not STUDENT_ID.match(sid):
            result.messages.append(f"Bỏ qua '{_show('/'.join(parts))}': mã sinh viên "
                                   f"'{_show(source.raw_id)}' không dùng được.")
            continue
        entry = grouped.setdefault(fold_student_id(sid), {"ids": {}, "files": []})
        entry["ids"].setdefault(source.key, (sid, source))
        entry["files"].append((info, rel))
    return grouped


def _plan(course, assignment, grouped, notebooks, force, result):
    """{student id: files to write}: collisions, existing submissions and bad files left out."""
    existing = {}
    if course.submitted_dir.is_dir():
        for d in course.submitted_dir.iterdir():
            if d.is_dir() and not d.name.startswith("."):
                existing.setdefault(fold_student_id(d.name), []).append(d.name)
    plan = {}
    for folded in sorted(grouped):
        entry = grouped[folded]
        ids = list(entry["ids"].values())
        sid, source = ids[0]
        if len(ids) > 1:
            names = " và ".join(f"'{_show(s.label)}' (mã '{_show(s.raw_id)}')" for _, s in ids)
            for other, _ in ids:
                result.refused[other] = "trùng mã"
            result.messages.append(
                f"TRÙNG MÃ SINH VIÊN: {names} cho cùng một mã '{sid}' (sau khi bỏ dấu và không "
                "phân biệt chữ hoa). KHÔNG nhận bài nào trong số này; hãy kiểm tra trên hệ thống "
                "quản lý học tập và thu riêng từng bài.")
            continue
        clash = [d for d in existing.get(folded, []) if d != sid]
        if clash:
            result.refuse(sid, f"TRÙNG MÃ SINH VIÊN: '{sid}' trong zip và thư mục đã có "
                               f"'{clash[0]}' trong {course.submitted_dir.name}/ chỉ khác nhau ở "
                               f"chữ hoa/thường; KHÔNG nhận bài của '{sid}'.")
            continue
        if source.raw_id != sid:
            note = f"Mã sinh viên '{_show(source.raw_id)}' được đổi thành '{sid}'."
            if note not in result.messages:
                result.messages.append(note)
        files = entry["files"]
        # a submission folder "a01/..." inside the student's folder is flattened
        if all(len(rel) >= 2 and rel[0] == assignment for _, rel in files):
            files = [(info, rel[1:]) for info, rel in files]
        kept = []
        for info, rel in files:
            why = _unwanted(rel)
            if why:
                result.messages.append(f"{sid}: không nhận '{_show('/'.join(rel))}': {why}.")
            else:
                kept.append((info, rel))
        files = _rename_lone_notebook(sid, kept, notebooks, result)
        problem = _structure_problem(files)
        if problem:
            result.refuse(sid, f"{sid}: KHÔNG nhận bài nộp: {problem}; không ghi tệp nào của "
                               "sinh viên này.")
            continue
        if not files:
            continue
        dest = course.submitted_dir / sid / assignment
        if dest.exists() and any(dest.iterdir()) and not force:
            result.skipped.append(sid)
            result.messages.append(f"'{sid}' đã có bài nộp trong {dest}; giữ nguyên "
                                   "(dùng --force để thay bằng bài trong zip).")
            continue
        plan[sid] = files
    return plan


def _write_student(course, assignment, zf, sid, files, staging, result) -> None:
    """Unpack one student into ``staging`` and move it into place only when all went well."""
    work = staging / sid
    try:
        for info, rel in files:
            target = work.joinpath(*rel)
            if not _inside(target, work):
                raise _Refused(f"'{_show('/'.join(rel))}': đường dẫn không an toàn")
            target.parent.mkdir(parents=True, exist_ok=True)
            _extract(zf, info, target, rel)
    except _Refused as exc:
        result.refuse(sid, f"{sid}: KHÔNG nhận bài nộp: {exc}; không ghi tệp nào của sinh viên "
                           "này.")
        return
    except OSError as exc:
        result.refuse(sid, f"{sid}: KHÔNG nhận bài nộp: không ghi được tệp "
                           f"({_show(exc.strerror or type(exc).__name__)}); không ghi tệp nào "
                           "của sinh viên này.")
        return
    dest = course.submitted_dir / sid / assignment
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        old = staging / f"{sid}.old"
        os.replace(dest, old)
    os.replace(work, dest)
    result.students[sid] = ["/".join(rel) for _, rel in files]
    shutil.rmtree(course.verdicts_dir / assignment / "originals" / sid, ignore_errors=True)


class _Refused(Exception):
    pass


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, rel: List[str]) -> None:
    """Copy one member, never more bytes than its declared size; corrupt data refuses."""
    written = 0
    try:
        with zf.open(info) as src, open(target, "xb") as dst:
            while True:
                chunk = src.read(1 << 20)
                if not chunk:
                    break
                written += len(chunk)
                if written > info.file_size:
                    raise _Refused(f"tệp '{_show('/'.join(rel))}' lớn hơn kích thước khai báo")
                dst.write(chunk)
    except _Refused:
        raise
    except FileExistsError:
        raise _Refused(f"tệp '{_show('/'.join(rel))}' xuất hiện hai lần") from None
    except OSError:
        raise
    except Exception as exc:  # noqa: BLE001 - BadZipFile, zlib.error, encrypted, unsupported
        raise _Refused(f"tệp '{_show('/'.join(rel))}' trong zip bị hỏng "
                       f"({_show(type(exc).__name__ + ': ' + str(exc), 80)})") from None


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
        result.messages.append(f"{sid}: '{_show('/'.join(rel))}' được đổi tên thành {expected}.")
        return [(i, [expected] if i is info else r) for i, r in files]
    return files
