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
