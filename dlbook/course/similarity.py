"""``dlbook course similarity``: pairs of submissions whose answers look copied from each other.

For every student the source of the answer cells of the assignment's notebooks (code cells whose
``metadata.nbgrader.solution`` is true, after the grading metadata has been restored from the
released notebook by :func:`dlbook.course.validate.sanitize`, plus code cells the student added)
becomes one document. The code cells of the released notebook (``exercises/<assignment>/``: the
signatures, ``# YOUR CODE HERE``, the visible tests) are the boilerplate: what every student was
given matches nothing.

The comparison is copydetect's (PyPI ``copydetect``, the winnowing fingerprints of Schleimer,
Wilkerson and Aiken, SIGMOD 2003, as in Moss): the code is tokenised with the Python lexer, every
name becomes ``V``/``F``/``O``, strings ``S``, comments and whitespace disappear (so renaming
variables and rewriting comments change nothing), and every ``NOISE_T``-character run of what is
left is hashed (``GUARANTEE_T = NOISE_T``: a window of 1, every k-gram is kept, the documents are
small). For a pair (A, B), copydetect gives two shares: how much of A's fingerprinted code is found
in B, and how much of B's in A. **The pair's score is the larger of the two**: a pair is as
suspicious as its more-copied side. A student who handed in only the two answers they copied from
a classmate's four has all of their code in the classmate's and scores 1 (the mean would give
0.75, among pairs that merely share idioms). The price: a very short submission reaches a high
score more easily; both shares are in the CSV and the HTML report to judge.

Writes ``reports/<assignment>/similarity.csv`` (every pair, most similar first, UTF-8 with BOM as
:mod:`dlbook.course.export`; columns :data:`COLUMNS`, shares between 0 and 1) and
``similarity.html`` (inert: our own page through :func:`dlbook.course.sanitize.inert_page`, with
the matching code highlighted; copydetect's own report loads Bootstrap's JavaScript from a CDN, so
it is not used). A student whose notebook cannot be read is skipped with a reason, the others are
still compared. A high score is a reason to look at the two submissions, not a proof of copying:
short answers to small tasks are often written the same way.

:func:`read_pairs` reads the CSV back (for ``dlbook course report``) without importing copydetect.
"""

from __future__ import annotations

import csv
import html
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from dlbook.course.course import REPORTS_DIR, STUDENT_ID, Course, CourseError
from dlbook.course.sanitize import inert_page, terminal_safe
from dlbook.course.validate import cell_text

#: Shortest run of filtered code (names are one letter, no whitespace) that counts as a match
#: (copydetect's default, ``copydetect.defaults.NOISE_THRESHOLD``; shorter runs match idioms
#: like ``V=V.V(V,V=V)`` that independent students share).
NOISE_T = 25
#: Every match at least this long is found (= NOISE_T, copydetect's default: a winnowing window
#: of 1, every k-gram kept; answers are small).
GUARANTEE_T = NOISE_T
#: Pairs at or above this score get their code shown side by side in the HTML report
#: (copydetect's default display threshold); the ``top`` most similar pairs always do.
DISPLAY_T = 0.33
#: At most this many pairs are shown with their code in the HTML report.
MAX_DETAILS = 50
CSV_NAME = "similarity.csv"
HTML_NAME = "similarity.html"
COLUMNS = ["sinh_vien_1", "sinh_vien_2", "diem_tuong_dong", "ty_le_sv1_co_trong_sv2",
           "ty_le_sv2_co_trong_sv1"]


class Skip(Exception):
    """A student that cannot be compared (the message, in Vietnamese, says why)."""


@dataclass
class Pair:
    """Two students and how much of their answer code matches."""

    student_a: str
    student_b: str
    score: float      #: max(share_a, share_b)
    share_a: float    #: share of A's fingerprinted answer code that is found in B's
    share_b: float    #: share of B's found in A's
    slices_a: object = field(default=None, repr=False)  #: copydetect's 2xN match slices in A
    slices_b: object = field(default=None, repr=False)


@dataclass
class SimilarityResult:
    assignment: str
    students: List[str]          #: the students compared
    skipped: Dict[str, str]      #: student -> why they were not compared
    pairs: List[Pair]            #: every pair of compared students, most similar first
    csv_path: Path
    html_path: Path


def reports_dir(course: Course, assignment: str) -> Path:
    return Path(course.root) / REPORTS_DIR / assignment  # Course.reports_dir: never in a sandbox


def csv_path(course: Course, assignment: str) -> Path:
    return reports_dir(course, assignment) / CSV_NAME


# ------------------------------------------------------------------ documents


def _meta(cell: Dict) -> Dict:
    meta = cell.get("metadata")
    meta = meta.get("nbgrader") if isinstance(meta, dict) else None
    return meta if isinstance(meta, dict) else {}


def answer_cells(nb: Dict, released: frozenset = frozenset()) -> List[Tuple[str, str]]:
    """(label, source) of the answer cells of a sanitised notebook, in notebook order: code cells
    marked ``solution``, and code cells without grading metadata (added by the student). A cell
    left as it was released (its stripped source is in ``released``) is left out."""
    out = []
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        meta = _meta(cell)
        source = cell_text(cell)
        if (meta.get("solution") or not meta) and source.strip() not in released:
            out.append((str(meta.get("grade_id") or f"ô {i + 1}"), source))
    return out


def _document(parts: List[Tuple[str, str]]) -> str:
    # the headers are comments: the tokeniser drops them, they only guide the reader of the report
    return "".join(f"# ---- {label} ----\n{src.rstrip()}\n\n" for label, src in parts)


def release_code(course: Course, assignment: str, notebooks: List[str]) -> List[str]:
    """The source of every code cell of the released notebooks of ``assignment``."""
    sources = []
    for name in notebooks:
        path = course.release_dir / assignment / f"{name}.ipynb"
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CourseError(f"Chưa có bài phát {path}; hãy chạy `dlbook course generate "
                              f"{assignment}` trước.") from None
        except (OSError, ValueError) as exc:
            raise CourseError(f"Không đọc được bài phát {path}: {exc}") from exc
        sources += [cell_text(c) for c in nb.get("cells", [])
                    if isinstance(c, dict) and c.get("cell_type") == "code"]
    return sources


def student_text(course: Course, assignment: str, student: str, notebooks: List[str],
                 releases: Dict[str, Tuple], released: frozenset = frozenset()) -> str:
    """The answer code of one student (all notebooks); raises :class:`Skip` when unreadable.

    ``releases`` is :func:`dlbook.course.validate.release_cells` of every notebook, ``released``
    the stripped sources of the released code cells (cells left untouched are left out)."""
    from dlbook.course.validate import Unusable, sanitize

    if not STUDENT_ID.match(student):
        raise Skip("mã sinh viên (tên thư mục) không hợp lệ.")
    folder = course.submitted_dir / student / assignment
    parts: List[Tuple[str, str]] = []
    for name in notebooks:
        path = folder / f"{name}.ipynb"
        if path.is_symlink() or not path.is_file():
            raise Skip(f"thiếu notebook {name}.ipynb.")
        try:
            nb, _flags = sanitize(path.read_bytes(), name, releases[name])
        except Unusable as exc:
            raise Skip(exc.flag.message) from None
        except OSError as exc:
            raise Skip(f"{name}.ipynb: không đọc được tệp ({exc.strerror or exc}).") from None
        prefix = f"{name}/" if len(notebooks) > 1 else ""
        parts += [(prefix + label, src) for label, src in answer_cells(nb, released)]
    return _document(parts)


# ------------------------------------------------------------------ comparison


def _fingerprint(name: str, text: str, boilerplate, noise_t: int, guarantee_t: int):
    from copydetect import CodeFingerprint

    return CodeFingerprint(f"{name}.py", noise_t, guarantee_t - noise_t + 1,
                           boilerplate=boilerplate, language="python", fp=io.StringIO(text))


def compare(texts: Dict[str, str], boilerplate: str, *, noise_t: int = NOISE_T,
            guarantee_t: int = GUARANTEE_T) -> Tuple[List[Pair], Dict[str, str]]:
    """Every pair of ``texts`` (student -> code), most similar first, and the students left out
    because nothing of their own remains once the boilerplate is removed."""
    import numpy as np
    from copydetect import compare_files

    # as CopyDetector._get_boilerplate_hashes: every k-gram of the boilerplate (window 1)
    base = _fingerprint("_release", boilerplate, None, noise_t, noise_t)
    base_hashes = np.unique(np.array(sorted(base.hashes)))
    prints, empty = {}, {}
    for student in sorted(texts):
        fp = _fingerprint(student, texts[student], base_hashes, noise_t, guarantee_t)
        if fp.hashes:
            prints[student] = fp
        else:
            empty[student] = "không có mã riêng để so sánh (các ô trả lời để trống hoặc giống đề)."
    names = sorted(prints)
    pairs = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            _overlap, (share_a, share_b), (slices_a, slices_b) = compare_files(prints[a], prints[b])
            share_a, share_b = float(share_a), float(share_b)
            pairs.append(Pair(a, b, max(share_a, share_b), share_a, share_b, slices_a, slices_b))
    pairs.sort(key=lambda p: (-p.score, -(p.share_a + p.share_b), p.student_a, p.student_b))
    return pairs, empty


# ------------------------------------------------------------------ outputs


def _fmt(x: float) -> str:
    return f"{x:.4f}"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def write_csv(path: Path, pairs: List[Pair]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for p in pairs:
            writer.writerow([p.student_a, p.student_b, _fmt(p.score), _fmt(p.share_a),
                             _fmt(p.share_b)])
    tmp.replace(path)
    return path


def _highlighted(code: str, slices, css: str) -> str:
    from copydetect.utils import highlight_overlap

    if slices is None or getattr(slices, "ndim", 0) != 2 or slices.shape[1] == 0:
        return html.escape(code)
    marked, _ = highlight_overlap(code, slices, f"<span class='{css}'>", "</span>",
                                  escape_html=True)
    return marked


def render_html(assignment: str, pairs: List[Pair], texts: Dict[str, str],
                skipped: Dict[str, str], top: int, noise_t: int = NOISE_T) -> str:
    esc = html.escape
    body = [f"<h1>Độ giống nhau giữa các bài nộp: {esc(assignment)}</h1>",
            "<p>So sánh bằng copydetect (dấu vân tay winnowing) trên mã của các ô trả lời; mã "
            "trong bài phát (đề) được bỏ qua. Đổi tên biến, sửa chú thích không làm điểm thấp "
            "đi. <strong>Điểm cao là lý do để xem lại hai bài, không phải bằng chứng sao "
            "chép</strong>: lời giải ngắn của những câu nhỏ thường được viết giống nhau.</p>",
            f"<p>Điểm của một cặp = tỉ lệ lớn hơn trong hai tỉ lệ: phần mã của bài này có trong "
            f"bài kia. Đoạn trùng ngắn nhất được tính: {noise_t} ký tự mã sau khi lọc. "
            f"{len(texts)} bài được so sánh, {len(pairs)} cặp.</p>"]
    if skipped:
        body.append(f"<h2>Không so sánh được ({len(skipped)} bài)</h2><ul>")
        body += [f"<li><code>{esc(s)}</code>: {esc(r)}</li>" for s, r in sorted(skipped.items())]
        body.append("</ul>")
    ranked = list(enumerate(pairs, 1))
    details = [(rank, p) for rank, p in ranked
               if p.score > 0 and (p.score >= DISPLAY_T or rank <= top)][:MAX_DETAILS]
    shown = {rank for rank, _ in details}
    body.append("<h2>Các cặp giống nhau nhất</h2>")
    if not pairs:
        body.append("<p>Không có cặp nào để so sánh.</p>")
    else:
        body.append("<table><thead><tr><th>#</th><th>Sinh viên 1</th><th>Sinh viên 2</th>"
                    "<th>Điểm</th><th>Mã SV 1 có trong SV 2</th><th>Mã SV 2 có trong SV 1</th>"
                    "</tr></thead><tbody>")
        for rank, p in ranked[:max(top, max(shown, default=0))]:
            link = f'<a href="#cap-{rank}">{rank}</a>' if rank in shown else str(rank)
            body.append(f"<tr><td>{link}</td><td>{esc(p.student_a)}</td><td>{esc(p.student_b)}"
                        f"</td><td>{_pct(p.score)}</td><td>{_pct(p.share_a)}</td>"
                        f"<td>{_pct(p.share_b)}</td></tr>")
        body.append("</tbody></table>")
        body.append(f"<p>Bảng đủ mọi cặp: {esc(CSV_NAME)}.</p>")
    for rank, p in details:
        body.append(f'<h3 id="cap-{rank}">{rank}. {esc(p.student_a)} và {esc(p.student_b)}: '
                    f"{_pct(p.score)}</h3>")
        body.append("<table><tr>"
                    f"<th>{esc(p.student_a)} ({_pct(p.share_a)} có trong bài kia)</th>"
                    f"<th>{esc(p.student_b)} ({_pct(p.share_b)} có trong bài kia)</th></tr><tr>"
                    f"<td><pre>{_highlighted(texts[p.student_a], p.slices_a, 'hl-a')}</pre></td>"
                    f"<td><pre>{_highlighted(texts[p.student_b], p.slices_b, 'hl-b')}</pre></td>"
                    "</tr></table>")
    return inert_page(f"Độ giống nhau: {assignment}", "\n".join(body))


# ------------------------------------------------------------------ the command


def similarity(course: Course, assignment: str, *, top: int = 10, noise_t: int = NOISE_T,
               guarantee_t: int = GUARANTEE_T) -> SimilarityResult:
    """Compare the submissions of ``assignment``; writes the CSV and the HTML report."""
    from dlbook.course.validate import release_cells

    course.check_assignment(assignment)
    notebooks = course.notebooks(assignment)
    given = release_code(course, assignment, notebooks)
    boilerplate = "\n\n".join(src.rstrip() for src in given) + "\n"
    released = frozenset(src.strip() for src in given)
    releases = {name: release_cells(course.release_dir / assignment / f"{name}.ipynb")
                for name in notebooks}
    students = course.submitted_students(assignment)
    if not students:
        raise CourseError(f"Chưa có bài nộp nào của '{assignment}' trong {course.submitted_dir}; "
                          "hãy chạy `dlbook course collect` trước.")
    texts: Dict[str, str] = {}
    skipped: Dict[str, str] = {}
    for student in students:
        try:
            texts[student] = student_text(course, assignment, student, notebooks, releases,
                                          released)
        except Skip as exc:
            skipped[student] = str(exc)
    pairs, empty = compare(texts, boilerplate, noise_t=noise_t, guarantee_t=guarantee_t)
    skipped.update(empty)
    compared = {s: t for s, t in texts.items() if s not in empty}
    out = reports_dir(course, assignment)
    csv_file = write_csv(out / CSV_NAME, pairs)
    html_file = out / HTML_NAME
    tmp = html_file.with_suffix(".html.tmp")
    tmp.write_text(render_html(assignment, pairs, compared, skipped, top, noise_t),
                   encoding="utf-8")
    tmp.replace(html_file)
    return SimilarityResult(assignment, sorted(compared), skipped, pairs, csv_file, html_file)


def format_result(result: SimilarityResult, top: int = 10) -> str:
    """What the command prints (student ids through terminal_safe)."""
    safe = lambda s: terminal_safe(s, limit=80)  # noqa: E731
    lines = [f"Đã so sánh {len(result.students)} bài nộp của '{result.assignment}' "
             f"({len(result.pairs)} cặp) bằng copydetect."]
    if result.skipped:
        lines.append(f"Không so sánh được {len(result.skipped)} bài:")
        lines += [f"  {safe(s)}: {terminal_safe(r, limit=300)}"
                  for s, r in sorted(result.skipped.items())]
    if result.pairs:
        lines.append("Các cặp giống nhau nhất (điểm = phần mã của một bài có trong bài kia, "
                     "lấy bên lớn hơn):")
        for p in result.pairs[:top]:
            lines.append(f"  {_pct(p.score):>5}  {safe(p.student_a)} – {safe(p.student_b)}  "
                         f"({_pct(p.share_a)} / {_pct(p.share_b)})")
    else:
        lines.append("Không có cặp nào để so sánh (cần ít nhất hai bài đọc được).")
    lines += ["Điểm cao là lý do để xem lại hai bài, không phải bằng chứng sao chép.",
              f"Bảng đủ mọi cặp: {result.csv_path}",
              f"Báo cáo HTML (có tô sáng đoạn giống nhau): {result.html_path}"]
    return "\n".join(lines)


def read_pairs(course: Course, assignment: str, limit: Optional[int] = None
               ) -> List[Tuple[str, str, float]]:
    """(student 1, student 2, score) from the CSV written by :func:`similarity`, most similar
    first; empty when there is no (readable) CSV."""
    path = csv_path(course, assignment)
    out: List[Tuple[str, str, float]] = []
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                out.append((row["sinh_vien_1"], row["sinh_vien_2"],
                            float(row["diem_tuong_dong"])))
                if limit is not None and len(out) >= limit:
                    break
    except (OSError, ValueError, KeyError, TypeError, csv.Error):
        return []
    return out
