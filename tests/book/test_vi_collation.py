"""Glossary order: terms that start with a Latin letter outside the Vietnamese alphabet are filed
under their letter (FID between ê and g, word2vec between v and x), not after "y"."""

from __future__ import annotations

import bookutil  # noqa: F401  (puts book/_ext on sys.path)
from vi_collation import vietnamese_sort_key


def test_latin_initial_terms_sort_under_their_letter():
    words = ["giá trị", "FID", "êm", "framework học sâu", "vùng đề xuất", "word2vec", "xác suất",
             "JSON", "kênh", "ít", "zip", "ý"]
    assert sorted(words, key=vietnamese_sort_key) == [
        "êm", "FID", "framework học sâu", "giá trị", "ít", "JSON", "kênh", "vùng đề xuất",
        "word2vec", "xác suất", "ý", "zip",
    ]


def test_digits_sort_before_letters():
    assert sorted(["ảnh", "1×1", "R²", "R"], key=vietnamese_sort_key) == ["1×1", "ảnh", "R", "R²"]


def test_the_built_glossary_files_fid_under_f():
    text = (bookutil.BOOK / "glossary.md").read_text(encoding="utf-8")
    block = text.split("```{glossary}")[1].split("```")[0]
    terms = [line for line in block.splitlines() if line and not line.startswith(" ")]
    first_letters = [vietnamese_sort_key(t)[0][0] for t in terms]
    fid = terms.index("FID")
    assert terms[fid - 1][0].lower() in "eê" or terms[fid - 1].lower().startswith("f")
    assert terms[fid + 1][0].lower() in "fg"
    assert first_letters == sorted(first_letters)


def test_the_built_glossary_files_fid_framework_and_word2vec_under_f_and_w():
    """Each of them follows every term of the letter before its own (ê, v) and precedes every term
    of the letter after it (g, x), instead of trailing after "vùng"."""
    text = (bookutil.BOOK / "glossary.md").read_text(encoding="utf-8")
    block = text.split("```{glossary}")[1].split("```")[0]
    terms = [line for line in block.splitlines() if line and not line.startswith(" ")]
    initial = {t: vietnamese_sort_key(t)[0][0][1] for t in terms}  # rank of the first letter
    for term, letter in (("FID", "f"), ("framework học sâu", "f"), ("word2vec", "w")):
        assert term in terms
        rank = vietnamese_sort_key(letter)[0][0][1]
        i = terms.index(term)
        assert all(initial[t] <= rank for t in terms[:i]), f"{term}: a later letter comes before it"
        assert all(initial[t] >= rank for t in terms[i + 1:]), f"{term}: an earlier letter comes after it"
    assert terms.index("vùng đề xuất") < terms.index("word2vec")
    assert terms.index("epoch") < terms.index("FID") < terms.index("framework học sâu")
