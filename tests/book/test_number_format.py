"""Numbers in the Vietnamese format: decimal comma, dot for thousands (0,95; 68.921; 37,5%).

- Prose outside code and math has no decimal point ("0.95") and no e-notation ("1.3e+09");
  software versions ("Python 3.11") are allowed.
- Glued values: book/_ext/vi_numbers.py renders every numeric `{glue:text}` the Vietnamese way,
  whatever its format spec; a chapter must not glue a string that Python already formatted with a
  decimal point (an f-string with `:.2f`, `:e`, `:g` or `%`), which the extension cannot fix.
- Tables a reader sees: a displayed pandas Styler must not format numbers with a Python format
  string (`"{:.2f}"`, `"{:.1e}"`): use `dlbook.book.format_table` (or `format_vi`).
Pure text parsing, no execution.
"""

from __future__ import annotations

import ast
import re

import pytest

from bookutil import BOOK, ROOT, chapter_sources
from prose import chapter_cells, chapter_prose, prose_text, split_chapter

CHAPTERS = chapter_sources()
IDS = [p.stem for p in CHAPTERS]

NUMBER = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)+|\d+(?:[.,]\d+)?[eE][+-]?\d+)(?![\w])")
VIETNAMESE_THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+")
DECIMAL_COMMA = re.compile(r"\d+,\d+")
# "Python 3.11", "TensorFlow 2.0", "CUDA 12.1", "phiên bản 2.13": a version, not a decimal
VERSION_BEFORE = re.compile(r"(?:\b[A-Z][A-Za-z+-]*[a-zA-Z]|phiên bản|bản)\s*$")


def number_violations(lines) -> list[tuple[int, str]]:
    out = []
    for lineno, text in lines:
        for m in NUMBER.finditer(text):
            s = m.group(1)
            if VIETNAMESE_THOUSANDS.fullmatch(s) or DECIMAL_COMMA.fullmatch(s):
                continue
            if re.fullmatch(r"\d+(\.\d+)+", s) and VERSION_BEFORE.search(text[: m.start()]):
                continue
            if re.fullmatch(r"\d+\.\d+\.\d+(\.\d+)*", s):  # 2.13.0: a version number
                continue
            out.append((lineno, s))
    return out


@pytest.mark.parametrize("md", CHAPTERS, ids=IDS)
def test_prose_has_no_decimal_point_or_e_notation(md):
    rel = md.relative_to(ROOT)
    bad = [f"{rel}:{n}: '{s}' (viết dấu phẩy thập phân: 0,95; số mũ: 1,3 × 10⁹ hoặc $10^{{9}}$)"
           for n, s in number_violations(chapter_prose(md))]
    assert not bad, "\n".join(bad)


def _python_float_formats(node: ast.AST) -> list[str]:
    """Format specs inside an expression that write a decimal point (f-string :.2f, :e, :g, %)."""
    found = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.FormattedValue) and sub.format_spec is not None:
            spec = "".join(
                v.value for v in getattr(sub.format_spec, "values", []) if isinstance(v, ast.Constant)
            )
            if re.search(r"[eEfFgG%]$", spec):
                found.append(spec)
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id == "round":
            found.append("round(…)")
    return found


def glue_violations(source: str, first_line: int) -> list[tuple[int, str]]:
    try:
        tree = ast.parse("\n".join("" if l.lstrip().startswith(("%", "!")) else l
                                   for l in source.splitlines()))
    except SyntaxError:
        return []
    out = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "glue"
                and len(node.args) >= 2):
            for spec in _python_float_formats(node.args[1]):
                out.append((first_line + node.lineno - 1, spec))
    return out


@pytest.mark.parametrize("md", CHAPTERS, ids=IDS)
def test_glued_strings_are_not_formatted_with_a_decimal_point(md):
    rel = md.relative_to(ROOT)
    bad = []
    for cell in chapter_cells(md):
        bad += [f"{rel}:{n}: glue(…) với định dạng Python '{spec}' (dùng format_vi hoặc glue số thô)"
                for n, spec in glue_violations(cell.source, cell.line)]
    assert not bad, "\n".join(bad)


STYLER_FORMAT = re.compile(r"\.style\.format\(|\.format\(\s*\"\{:[^\"]*[eEfFgG%]\}\"")


@pytest.mark.parametrize("md", CHAPTERS, ids=IDS)
def test_displayed_tables_use_the_vietnamese_number_format(md):
    rel = md.relative_to(ROOT)
    bad = []
    for cell in chapter_cells(md):
        for offset, line in enumerate(cell.lines):
            for m in re.finditer(r"\"\{:[^\"}]*[eEfFgG%]\}\"", line):
                if ".style" in line or "format(" in line:
                    bad.append(f"{rel}:{cell.line + offset}: bảng định dạng số bằng '{m.group(0)}' "
                               "(dùng dlbook.book.format_table)")
    assert not bad, "\n".join(bad)


# The checks themselves, on generated text.
def test_the_prose_check_flags_decimal_points_and_e_notation_only():
    prose, _ = split_chapter(
        "Độ chính xác 0.95 và 1.3e+09.\nCòn 0,95 và 68.921 và 1.392 đúng; Python 3.11 và torch 2.13.0.\n"
        "Trong toán $0.5$ và `1.5` thì không tính.\n"
    )
    assert number_violations(prose_text(prose)) == [(1, "0.95"), (1, "1.3e+09")]


def test_the_glue_check_flags_python_formatted_strings():
    src = 'glue("a", f"{x:.2f}")\nglue("b", x)\nglue("c", format_vi(x, 2))\nglue("d", f"{n} ảnh")\n'
    assert glue_violations(src, 10) == [(10, ".2f")]


def test_the_glue_renderer_writes_vietnamese_numbers():
    import sys

    sys.path.insert(0, str(BOOK / "_ext"))
    from vi_numbers import format_vi_plain_text

    cases = {("0.9534", ".3f"): "0,953", ("12345", "d"): "12.345", ("1300000000.0", ".3g"): "1,3 × 10⁹",
             ("1e-05", ".0e"): "10⁻⁵", ("0.375", ".1%"): "37,5%", ("'68.921'", ""): "68.921",
             ("np.float64(0.125)", ".2f"): "0,12", ("0.5", ""): "0,5", ("1234567.891", ".2f"): "1.234.567,89",
             # myst-nb's spec when a role gives none ({glue:text}`name`)
             ("1234", "s"): "1.234", ("0.5", "s"): "0,5", ("'68.921'", "s"): "68.921",
             ("np.int64(7)", "s"): "7"}
    for (text, spec), expected in cases.items():
        assert format_vi_plain_text(text, spec) == expected, (text, spec)


def test_the_glue_renderer_is_installed_in_myst_nb():
    import sys

    sys.path.insert(0, str(BOOK / "_ext"))
    import vi_numbers

    assert set(vi_numbers.install()) == set(vi_numbers.PATCHED_MODULES), (
        "myst-nb no longer exposes format_plain_text where vi_numbers patches it"
    )
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    assert re.search(r"^\s+vi_numbers: book/_ext", config, re.M), "_config.yml must load vi_numbers"
