"""One vocabulary: the glossary term files are the registry (preferred term `vi`, rejected
variants `reject`; spelling conventions in `_chinh-ta.yml`), and no chapter prose, no string a
reader sees in a chapter's output or in `dlbook`, and no glossary definition uses a rejected
variant. Prose outside code, math, quotations ("…", > blocks) and "còn gọi là …" notes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bookutil import BOOK, ROOT, chapter_sources
from prose import chapter_cells, prose_text, reader_prose, split_chapter, string_literals, without_quotations
from terms import find_violations, rules

CHAPTERS = chapter_sources()
IDS = [p.stem for p in CHAPTERS]


def _report(violations: list[str]) -> str:
    return "biến thể không dùng (xem book/_glossary/*.yml, /work/part9-terms.md):\n" + "\n".join(violations)


def _scan_lines(path: Path, lines) -> list[str]:
    rel = path.relative_to(ROOT)
    out = []
    for lineno, text in lines:
        for col, found, preferred in find_violations(text):
            out.append(f"{rel}:{lineno}:{col + 1}: '{found}' → dùng '{preferred}'")
    return out


def test_the_registry_has_rules():
    variants = {r.variant for r in rules()}
    for expected in ("lô", "giá trị kỳ dị", "mạng nơ-ron hồi quy", "lớp ẩn", "lô nhỏ"):
        assert expected in variants, f"the registry lost the rule for '{expected}'"


def test_no_rejected_variant_is_a_preferred_term():
    import build_glossary

    preferred = {e["vi"].lower() for e in build_glossary.load_terms()}
    clashes = [r.variant for r in rules() if r.variant.lower() in preferred]
    assert not clashes, f"rejected variants that are also glossary terms: {clashes}"


@pytest.mark.parametrize("md", CHAPTERS, ids=IDS)
def test_chapter_prose_uses_the_preferred_terms(md):
    violations = _scan_lines(md, reader_prose(md))
    assert not violations, _report(violations)


@pytest.mark.parametrize("md", CHAPTERS, ids=IDS)
def test_strings_printed_by_chapter_code_use_the_preferred_terms(md):
    lines = []
    for cell in chapter_cells(md):
        lines += [(n, without_quotations(s)) for n, s in string_literals(cell.source, cell.line)]
    violations = _scan_lines(md, lines)
    assert not violations, _report(violations)


PENDING = ROOT / "tests" / "book" / "terms_pending.yml"


def _dlbook_counts() -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for path in sorted((ROOT / "dlbook").rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        for lineno, s in string_literals(path.read_text(encoding="utf-8")):
            for col, variant, preferred in find_violations(without_quotations(s)):
                found.setdefault((rel, variant), []).append(f"{rel}:{lineno}: '{variant}' → dùng '{preferred}'")
    return found


def test_reader_visible_strings_of_dlbook_use_the_preferred_terms():
    """Messages, labels and table columns of dlbook (docstrings excluded). Strings in modules the
    vocabulary pass did not own are listed in terms_pending.yml; that list can only shrink."""
    pending = {(e["file"], e["variant"]): e["count"] for e in yaml.safe_load(PENDING.read_text(encoding="utf-8"))}
    found = _dlbook_counts()
    new = [line for key, lines in found.items() if len(lines) > pending.get(key, 0) for line in lines]
    assert not new, _report(new)
    fixed = [f"{f}: '{v}'" for (f, v), n in pending.items() if len(found.get((f, v), [])) < n]
    assert not fixed, f"fixed in dlbook, now remove (or lower the count) in {PENDING.name}: {fixed}"


def test_glossary_definitions_use_the_preferred_terms():
    import build_glossary

    violations = []
    for path in build_glossary.term_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        for lineno, line in enumerate(lines, 1):
            if line.strip().startswith("def:") or line.strip().startswith("- vi:"):
                violations += _scan_lines(path, [(lineno, without_quotations(line))])
    assert not violations, _report(violations)


# The scanner itself: each exclusion and each kind of rule, on a small generated chapter.
SAMPLE = '''---
jupytext:
  text_representation: {extension: .md}
---
# Chương thử

Mỗi lô có 32 mẫu.
Ta gọi nhóm mẫu là batch (còn gọi là lô) và viết $\\text{lô}$ trong toán.
Câu trích "một lô
nhỏ" không tính, `lô` trong code cũng không, chú thích (*lô*) cũng không.
> Trích dẫn: lô.
Mô hình hóa dữ liệu, quý vị, thuỷ tinh, tuỳ ý, tùy ý.

```{code-cell} ipython3
:tags: [remove-cell]
batch = 4  # lô
print("Huấn luyện trên từng lô")
```
'''


def test_the_scanner_flags_prose_and_printed_strings_but_not_code_math_or_quotes(tmp_path):
    prose, cells = split_chapter(SAMPLE)
    lines = prose_text(prose)
    blanked = without_quotations("\n".join(t for _, t in lines)).split("\n")
    lines = [(n, t) for (n, _), t in zip(lines, blanked)]
    hits = [(n, found) for n, t in lines for _, found, _ in find_violations(t)]
    assert hits == [(7, "lô"), (12, "hóa"), (12, "tùy")], hits
    assert cells and cells[0].tags == ["remove-cell"]
    printed = [(n, found) for n, s in string_literals(cells[0].source, cells[0].line)
               for _, found, _ in find_violations(s)]
    assert printed == [(17, "lô")], printed


def test_the_tone_rule_suggests_the_old_style_spelling():
    assert [p for _, _, p in find_violations("hóa thỏa lũy khỏe")] == ["hoá", "thoả", "luỹ", "khoẻ"]
    assert find_violations("hoá hoàn toán quý quỹ khuyến thuỷ") == []
