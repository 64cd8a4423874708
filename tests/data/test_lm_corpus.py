import unicodedata

import numpy as np
import pytest

from dlbook.data.lm_corpus import load_vietnamese_text, lm_windows, split_paragraphs
from dlbook.errors import DlbookError


def test_corpus_ships_with_the_package_and_is_nfc_vietnamese():
    text = load_vietnamese_text()
    assert text.source == "dlbook:vi_lm_corpus"
    assert "viết riêng cho sách" in text.description
    assert 25_000 <= len(text.encode("utf-8")) / 1.0 and len(text) >= 25_000
    assert unicodedata.normalize("NFC", text) == text
    assert len(text.titles) >= 20 and "Con quạ khôn ngoan" in text.titles
    for letter in "ăâđêôơưệữ":
        assert letter in text


def test_split_is_disjoint_covers_everything_and_is_about_the_fraction():
    text = load_vietnamese_text()
    train, val = split_paragraphs(text, val_fraction=0.1)
    paragraphs = [p for p in text.split("\n") if p.strip()]
    train_p, val_p = train.strip("\n").split("\n"), val.strip("\n").split("\n")
    assert sorted(train_p + val_p) == sorted(paragraphs)
    assert not set(train_p) & set(val_p)
    assert 0.05 < len(val) / len(text) < 0.2


def test_split_rejects_bad_fraction_and_tiny_text():
    with pytest.raises(DlbookError, match="val_fraction"):
        split_paragraphs("a\nb", val_fraction=1.5)
    with pytest.raises(DlbookError, match="đoạn"):
        split_paragraphs("a\nb", val_fraction=0.1)


def test_windows_shift_targets_by_one():
    ids = np.arange(10)
    X, y = lm_windows(ids, context_length=4, stride=3)
    np.testing.assert_array_equal(X, [[0, 1, 2, 3], [3, 4, 5, 6]])
    np.testing.assert_array_equal(y, X + 1)
    X, _ = lm_windows(ids, context_length=3)
    np.testing.assert_array_equal(X[:, 0], [0, 3, 6])
    assert X.dtype == np.int64
    with pytest.raises(DlbookError, match="ít nhất"):
        lm_windows([1, 2], context_length=4)
