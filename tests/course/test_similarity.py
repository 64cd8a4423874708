"""``dlbook course similarity``: planted copies rank above every independent pair.

A tiny course (one notebook, four answer cells: softmax, standardize, moving_average, one_hot)
and 30 generated submissions. Every task has five genuinely different implementations; the 25
independent students get the codewords ``(a, b, a+b, a+2b) mod 5`` of an MDS code, so two of them
use the same implementation for at most one of the four tasks, with their own identifiers,
docstrings, comments, input conversions and try-out cells. Five more students hand in copies of
three of them (one copied twice: three planted pairs among those three), transformed by renaming
every local name and helper, moving the helper functions below the function that uses them, and
replacing the comments. A malformed notebook and an untouched release are skipped with a reason.
"""

from __future__ import annotations

import csv
import itertools
import json
import random
import re
from pathlib import Path
from string import Template
from typing import Dict, List, Tuple

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from dlbook.course import report as report_module
from dlbook.course import similarity as sim
from dlbook.course.course import Course

ASSIGNMENT = "fx"
CONFIG = '''\
import os
c = get_config()  # noqa: F821
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "similarity"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
'''

# task -> (signature of the released answer cell, visible test)
TASKS = {
    "softmax": ("def softmax(z):", "assert np.allclose(softmax(np.zeros(3)), np.ones(3) / 3)"),
    "standardize": ("def standardize(X):",
                    "assert np.allclose(standardize(np.array([[1.0], [3.0]])), [[-1.0], [1.0]])"),
    "moving_average": ("def moving_average(x, w):",
                       "assert np.allclose(moving_average(np.arange(4.0), 2), [0.5, 1.5, 2.5])"),
    "one_hot": ("def one_hot(labels, n_classes):",
                "assert np.allclose(one_hot([1, 0], 2), [[0.0, 1.0], [1.0, 0.0]])"),
}

# Five implementations per task. A template is a list of blocks (an import or a function); the
# last function block is the one the task asks for, the others are helpers. $names are locals.
IMPLEMENTATIONS: Dict[str, List[List[str]]] = {
    "softmax": [
        ["""\
def softmax(z):
    $a = z - np.max(z, axis=-1, keepdims=True)
    $b = np.exp($a)
    return $b / np.sum($b, axis=-1, keepdims=True)
"""],
        ["import math\n", """\
def $h(row):
    $m = max(row)
    $e = [math.exp(v - $m) for v in row]
    $s = sum($e)
    return [v / $s for v in $e]
""", """\
def softmax(z):
    $a = np.atleast_2d(np.asarray(z, dtype=float))
    $b = np.array([$h(list(r)) for r in $a])
    return $b.reshape(np.shape(z))
"""],
        ["""\
def $h(v):
    $m = v.max(axis=-1, keepdims=True)
    return $m + np.log(np.exp(v - $m).sum(axis=-1, keepdims=True))
""", """\
def softmax(z):
    return np.exp(z - $h(z))
"""],
        ["""\
def softmax(z):
    $f = lambda r: np.exp(r - r.max()) / np.exp(r - r.max()).sum()
    return np.apply_along_axis($f, -1, z)
"""],
        ["""\
def softmax(z):
    $a = np.amax(z, axis=-1)[..., None]
    $b = np.exp(np.subtract(z, $a))
    $c = np.add.reduce($b, axis=-1)[..., None]
    return np.divide($b, $c)
"""],
    ],
    "standardize": [
        ["""\
def standardize(X):
    $a = X.mean(axis=0)
    $b = X.std(axis=0)
    return (X - $a) / $b
"""],
        ["""\
def $h(M):
    $n = M.shape[0]
    $m = M.sum(axis=0) / $n
    $v = ((M - $m) ** 2).sum(axis=0) / $n
    return $m, np.sqrt($v)
""", """\
def standardize(X):
    $a, $b = $h(X)
    return (X - $a) / $b
"""],
        ["""\
def standardize(X):
    $o = np.empty(X.shape, dtype=float)
    for $j in range(X.shape[1]):
        $c = X[:, $j]
        $o[:, $j] = ($c - $c.mean()) / $c.std()
    return $o
"""],
        ["""\
def standardize(X):
    return np.array([($c - np.mean($c)) / np.std($c) for $c in X.T]).T
"""],
        ["""\
def $h(M):
    $k = np.ones((len(M), 1))
    return M - $k @ ($k.T @ M) / len(M)
""", """\
def standardize(X):
    $c = $h(X)
    $s = np.sqrt(np.diag($c.T @ $c) / len(X))
    return $c / $s
"""],
    ],
    "moving_average": [
        ["""\
def moving_average(x, w):
    return np.convolve(x, np.ones(w) / w, mode="valid")
"""],
        ["""\
def moving_average(x, w):
    $c = np.cumsum(np.insert(np.asarray(x, dtype=float), 0, 0.0))
    return ($c[w:] - $c[:-w]) / w
"""],
        ["""\
def moving_average(x, w):
    $o = []
    for $i in range(len(x) - w + 1):
        $o.append(sum(x[$i:$i + w]) / w)
    return np.array($o)
"""],
        ["""\
def moving_average(x, w):
    $v = np.lib.stride_tricks.sliding_window_view(x, w)
    return $v.mean(axis=-1)
"""],
        ["""\
def $h(x, w):
    $t = sum(x[:w])
    $s = [$t]
    for $i in range(w, len(x)):
        $t += x[$i] - x[$i - w]
        $s.append($t)
    return $s
""", """\
def moving_average(x, w):
    return np.asarray($h(x, w), dtype=float) / w
"""],
    ],
    "one_hot": [
        ["""\
def one_hot(labels, n_classes):
    $o = np.zeros((len(labels), n_classes))
    $o[np.arange(len(labels)), labels] = 1.0
    return $o
"""],
        ["""\
def one_hot(labels, n_classes):
    return np.eye(n_classes)[np.asarray(labels)]
"""],
        ["""\
def one_hot(labels, n_classes):
    $r = []
    for $y in labels:
        $w = [0.0] * n_classes
        $w[$y] = 1.0
        $r.append($w)
    return np.array($r)
"""],
        ["""\
def one_hot(labels, n_classes):
    $l = np.asarray(labels).reshape(-1, 1)
    return ($l == np.arange(n_classes).reshape(1, -1)).astype(float)
"""],
        ["""\
def $h(k, n):
    $v = np.zeros(n)
    $v[k] = 1.0
    return $v
""", """\
def one_hot(labels, n_classes):
    return np.stack([$h($k, n_classes) for $k in labels])
"""],
    ],
}
FIRST_PARAM = {"softmax": "z", "standardize": "X", "moving_average": "x", "one_hot": "labels"}
CONVERT = {"softmax": "z = np.asarray(z, dtype=float)",
           "standardize": "X = np.asarray(X, dtype=float)",
           "moving_average": "x = np.asarray(x, dtype=float)",
           "one_hot": "labels = np.asarray(labels, dtype=int)"}
WORDS = ["tmp", "val", "arr", "mat", "vec", "kq", "ket_qua", "du_lieu", "mang", "hang", "cot",
         "tong", "dem", "buf", "res", "acc", "cur", "item", "phan_tu", "gia_tri", "trung_gian",
         "so", "out", "data", "q", "p", "u", "t_", "xs", "ys"]
COMMENTS = ["# tính từng bước", "# trừ giá trị lớn nhất để tránh tràn số", "# vector hóa",
            "# dùng numpy cho nhanh", "# chuẩn hóa", "# TODO: kiểm tra lại", "# xong",
            "# theo công thức trong sách", "# cách làm của em", "# thử cách khác"]
DOCS = ["Hàm cho câu này.", "Tính theo định nghĩa.", "Cài đặt bằng numpy.", "Lời giải của em."]


# ------------------------------------------------------------------ generator


def _fresh_name(rng: random.Random, used: set) -> str:
    while True:
        name = f"{rng.choice(WORDS)}{rng.randrange(10, 1000)}"
        if name not in used:
            used.add(name)
            return name


def _placeholders(template: List[str]) -> List[str]:
    return sorted({m for block in template for m in re.findall(r"\$(\w+)", block)})


def _flourish(block: str, rng: random.Random, task: str) -> str:
    """Docstring, input conversion and comments that vary from student to student."""
    lines = block.rstrip("\n").split("\n")
    head, rest = lines[0], lines[1:]
    extra = []
    if rng.random() < 0.5:
        extra.append(f'    """{rng.choice(DOCS)}"""')
    if rng.random() < 0.4 and head.startswith(f"def {task}("):
        extra.append(f"    {CONVERT[task]}")
    rest = [ln if rng.random() < 0.7 else f"{' ' * (len(ln) - len(ln.lstrip()))}"
            f"{rng.choice(COMMENTS)}\n{ln}" for ln in rest]
    return "\n".join([head, *extra, *rest]) + "\n"


def _render(blocks: List[str]) -> str:
    return "\n".join(b.rstrip("\n") + "\n" for b in blocks)


def student_cells(choice: Tuple[int, ...], rng: random.Random) -> Dict[str, List[str]]:
    """task -> blocks of one independent student (implementation ``choice[i]`` of task i)."""
    used: set = set()
    cells = {}
    for (task, options), k in zip(IMPLEMENTATIONS.items(), choice):
        template = options[k]
        names = {ph: (_fresh_name(rng, used) if ph != "h" else "_" + _fresh_name(rng, used))
                 for ph in _placeholders(template)}
        blocks = [Template(b).substitute(names) for b in template]
        blocks = [_flourish(b, rng, task) if b.startswith("def ") else b
                  for b in blocks]
        cells[task] = blocks
    return cells


def _locals(blocks: List[str]) -> List[str]:
    """Names the student chose: assigned names, loop variables, helper functions."""
    text = "\n".join(blocks)
    names = set(re.findall(r"^\s*(\w+)(?:\s*,\s*(\w+))?\s*(?:\+)?=", text, re.M))
    flat = {n for pair in names for n in pair if n}
    flat |= set(re.findall(r"\bfor (\w+) in", text))
    flat |= set(re.findall(r"^def (_\w+)", text, re.M))
    return sorted(flat - set(FIRST_PARAM.values()) - {"w", "labels", "n_classes"})


def planted_copy(cells: Dict[str, List[str]], rng: random.Random) -> Dict[str, List[str]]:
    """A copy that renames every chosen name, moves the helpers below and rewrites comments."""
    out = {}
    used: set = set()
    for task, blocks in cells.items():
        mapping = {old: (("_" if old.startswith("_") else "") + _fresh_name(rng, used))
                   for old in _locals(blocks)}
        renamed = []
        for block in blocks:
            block = "\n".join(ln for ln in block.split("\n") if not ln.strip().startswith("#"))
            for old, new in mapping.items():
                block = re.sub(rf"\b{re.escape(old)}\b", new, block)
            lines = block.rstrip("\n").split("\n")
            if block.startswith("def ") and len(lines) > 1:  # new comments, in new places
                at = rng.randrange(1, len(lines))
                indent = len(lines[at]) - len(lines[at].lstrip())
                lines.insert(at, " " * indent + "# " + rng.choice(
                    ["em tự viết", "bước chính", "kiểm tra kích thước", "không dùng vòng lặp"]))
            renamed.append("\n".join(lines) + "\n")
        imports = [b for b in renamed if not b.startswith("def ")]
        defs = [b for b in renamed if b.startswith("def ")]
        out[task] = imports + defs[::-1]  # the function asked for first, its helpers after it
    return out


def _meta(grade_id: str, *, grade: bool, solution: bool, locked: bool, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def release_notebook() -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [new_markdown_cell("# Bài tập nhỏ cho phép so sánh bài nộp"),
                new_code_cell("import numpy as np",
                              metadata=_meta("setup", grade=False, solution=False, locked=True))]
    for task, (signature, test) in TASKS.items():
        nb.cells.append(new_code_cell(
            f"{signature}\n    # YOUR CODE HERE\n    raise NotImplementedError()",
            metadata=_meta(f"{task}_code", grade=False, solution=True, locked=False)))
        nb.cells.append(new_code_cell(
            test, metadata=_meta(f"t_{task}", grade=True, solution=False, locked=True, points=1)))
    return nb


def submission(cells: Dict[str, List[str]], rng: random.Random) -> nbformat.NotebookNode:
    nb = release_notebook()
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if gid.endswith("_code"):
            cell.source = _render(cells[gid[: -len("_code")]])
    if rng.random() < 0.4:  # a try-out cell the student added
        a, b = rng.randrange(1, 9), rng.randrange(1, 9)
        nb.cells.append(new_code_cell(f"print(softmax(np.array([{a}.0, {b}.0])))"))
    return nb


def _write(root: Path, student: str, nb=None, raw: bytes = None) -> None:
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    path = folder / f"{ASSIGNMENT}.ipynb"
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")


# original -> its copies; the clique of an original copied twice gives three planted pairs
COPIED = {"sv03": ["sv26", "sv27"], "sv11": ["sv28"], "sv17": ["sv29"], "sv22": ["sv30"]}


def build(root: Path) -> Tuple[Path, set]:
    rng = random.Random(20240607)
    root.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(CONFIG, encoding="utf-8")
    for step in ("solutions", "exercises"):
        (root / step / ASSIGNMENT).mkdir(parents=True)
        nbformat.write(release_notebook(), root / step / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    codewords = [(a, b, (a + b) % 5, (a + 2 * b) % 5) for a in range(5) for b in range(5)]
    rng.shuffle(codewords)
    cells = {}
    for i, word in enumerate(codewords, 1):
        cells[f"sv{i:02d}"] = student_cells(word, rng)
    for original, copies in COPIED.items():
        for c in copies:
            cells[c] = planted_copy(cells[original], rng)
    for student, student_code in cells.items():
        _write(root, student, submission(student_code, rng))
    _write(root, "sv_hong", raw=b'{"cells": [{"cell_type": "code", "source": "x = 1"')
    _write(root, "sv_trong", release_notebook())
    planted = set()
    for original, copies in COPIED.items():
        for a, b in itertools.combinations([original, *copies], 2):
            planted.add(tuple(sorted((a, b))))
    return root, planted


@pytest.fixture(scope="module")
def course_and_result(tmp_path_factory):
    root, planted = build(tmp_path_factory.mktemp("similarity") / "course")
    course = Course(root)
    result = sim.similarity(course, ASSIGNMENT, top=10)
    return course, result, planted


# ------------------------------------------------------------------ tests


def test_the_generator_makes_independent_students_differ():
    # the code: two independent students share the implementation of at most one task
    words = [(a, b, (a + b) % 5, (a + 2 * b) % 5) for a in range(5) for b in range(5)]
    for u, v in itertools.combinations(words, 2):
        assert sum(x == y for x, y in zip(u, v)) <= 1
    # every generated answer is valid Python that gives the right results
    import numpy as np

    rng = random.Random(1)
    for word in [(k, k, k, k) for k in range(5)]:
        for copy in (False, True):
            cells = student_cells(word, rng)
            if copy:
                cells = planted_copy(cells, rng)
            env = {"np": np}
            for blocks in cells.values():
                exec(_render(blocks), env)  # noqa: S102 - our own generated code
            assert np.allclose(env["softmax"](np.array([0.0, np.log(3.0)])), [0.25, 0.75])
            assert np.allclose(env["standardize"](np.array([[1.0, 0.0], [3.0, 4.0]])),
                               [[-1.0, -1.0], [1.0, 1.0]])
            assert np.allclose(env["moving_average"](np.arange(5.0), 3), [1.0, 2.0, 3.0])
            assert np.allclose(env["one_hot"]([2, 0], 3), [[0, 0, 1], [1, 0, 0]])


def test_planted_copies_rank_above_every_independent_pair(course_and_result):
    _course, result, planted = course_and_result
    assert len(result.students) == 30
    assert len(result.pairs) == 30 * 29 // 2
    scores = {(p.student_a, p.student_b): p.score for p in result.pairs}
    assert planted <= set(scores)
    independent = {k: v for k, v in scores.items() if k not in planted}
    lowest_planted = min(scores[k] for k in planted)
    highest_independent = max(independent.values())
    print(f"\nlowest planted pair {lowest_planted:.3f}, "
          f"highest independent pair {highest_independent:.3f}")
    assert lowest_planted > highest_independent
    # the copies are not merely a little above: renaming and reordering hide almost nothing
    assert lowest_planted >= 0.8
    # and the independent students are not trivially different (they share some idioms)
    assert highest_independent > 0.05
    top = {(p.student_a, p.student_b) for p in result.pairs[:len(planted)]}
    assert top == planted
    assert [p.score for p in result.pairs] == sorted((p.score for p in result.pairs),
                                                     reverse=True)
    for p in result.pairs:
        assert p.score == max(p.share_a, p.share_b)
        assert 0.0 <= p.share_a <= 1.0 and 0.0 <= p.share_b <= 1.0


def test_unreadable_and_empty_submissions_are_skipped_with_a_reason(course_and_result):
    _course, result, _planted = course_and_result
    assert set(result.skipped) == {"sv_hong", "sv_trong"}
    assert "JSON" in result.skipped["sv_hong"]
    assert "không có mã riêng" in result.skipped["sv_trong"]
    assert not any("sv_hong" in (p.student_a, p.student_b) for p in result.pairs)


def test_csv_and_inert_html_are_written(course_and_result):
    course, result, planted = course_and_result
    assert result.csv_path == course.root / "reports" / ASSIGNMENT / "similarity.csv"
    assert result.csv_path.read_bytes().startswith(b"\xef\xbb\xbf")
    with open(result.csv_path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == sim.COLUMNS
    assert len(rows) == len(result.pairs)
    assert {tuple(sorted((r["sinh_vien_1"], r["sinh_vien_2"]))) for r in rows[:len(planted)]} \
        == planted
    values = [float(r["diem_tuong_dong"]) for r in rows]
    assert values == sorted(values, reverse=True)
    assert sim.read_pairs(course, ASSIGNMENT, limit=2) == [
        (r["sinh_vien_1"], r["sinh_vien_2"], float(r["diem_tuong_dong"])) for r in rows[:2]]

    page = result.html_path.read_text(encoding="utf-8")
    assert result.html_path.name == "similarity.html"
    assert "<script" not in page.lower() and "javascript:" not in page.lower()
    assert "Content-Security-Policy" in page
    assert "class=\"hl-a\"" in page and "class=\"hl-b\"" in page
    for a, b in planted:
        assert a in page and b in page
    assert "sv_hong" in page and "không phải bằng chứng" in page


def test_student_code_in_the_html_is_escaped(tmp_path):
    root, _ = build(tmp_path / "course")
    evil = ("def softmax(z):\n"
            "    s = '</pre><script>alert(1)</script><img src=x onerror=alert(2)>'\n"
            "    return np.exp(z) / np.exp(z).sum()\n")
    folder = root / "submitted"
    path = folder / "sv01" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "softmax_code":
            cell.source = evil
    nbformat.write(nb, path)
    nbformat.write(nb, folder / "sv02" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    result = sim.similarity(Course(root), ASSIGNMENT)
    assert (result.pairs[0].student_a, result.pairs[0].student_b, result.pairs[0].score) == \
        ("sv01", "sv02", 1.0)
    page = result.html_path.read_text(encoding="utf-8").lower()
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_report_lists_the_top_pairs(course_and_result, monkeypatch, tmp_path):
    course, result, _planted = course_and_result

    class FakeCourse:
        root = course.root

        def check_assignment(self, assignment):
            pass

        def grade_points(self, assignment):
            return {"fx": {"t_softmax": 1.0}}

    records = {"sv01": {"status": "graded", "score": 1.0, "needs_review": False,
                        "notebooks": {"fx": {"tasks": {"t_softmax": {"score": 1.0,
                                                                     "points": 1.0}}}}}}
    monkeypatch.setattr(report_module, "load_records", lambda c, a: records)
    text = report_module.format_report(FakeCourse(), ASSIGNMENT)
    assert "Các cặp bài giống nhau nhất (copydetect" in text
    best = result.pairs[0]
    assert f"{best.student_a} – {best.student_b}" in text
    section = text.split("Các cặp bài giống nhau nhất")[1].strip().split("\n")[1:]
    assert len(section) == 5

    class NeverCompared(FakeCourse):  # a course where `similarity` was never run
        root = tmp_path

    assert "giống nhau" not in report_module.format_report(NeverCompared(), ASSIGNMENT)


def test_cli_prints_the_top_pairs_and_the_files(course_and_result, capsys):
    from dlbook.cli import main

    course, result, _planted = course_and_result
    code = main(["course", "similarity", ASSIGNMENT, "--top", "3", "--course", str(course.root),
                 "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0, out
    best = result.pairs[0]
    assert f"{best.student_a} – {best.student_b}" in out
    assert str(result.csv_path) in out and str(result.html_path) in out
    assert "sv_hong" in out and "không phải bằng chứng" in out
    listed = [ln for ln in out.split("\n") if " – " in ln]
    assert len(listed) == 3
