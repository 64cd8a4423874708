import datetime as dt

import numpy as np
import pytest

from dlbook.data.dates import (
    date_to_vietnamese,
    encode_date_pairs,
    make_vietnamese_dates,
    number_to_vietnamese,
)
from dlbook.errors import DlbookError

_DIGITS = {"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5,
           "lăm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}


def _parse_number(words):
    """Independent reader of Vietnamese numbers (the reference of the tests)."""
    total = cur = pending = 0
    for w in words:
        if w in _DIGITS:
            pending = _DIGITS[w]
        elif w == "mươi":
            cur, pending = cur + pending * 10, 0
        elif w == "mười":
            cur += 10
        elif w == "trăm":
            cur, pending = cur + pending * 100, 0
        elif w in ("nghìn", "ngàn"):
            total, pending = total + pending * 1000, 0
        elif w not in ("linh", "lẻ"):
            raise ValueError(w)
    return total + cur + pending


def _parse_date(text):
    w = text.split()
    assert w[0] == "ngày"
    m = w.index("tháng")
    day = _parse_number([x for x in w[1:m] if x not in ("mùng", "mồng")])
    month_len = 2 if w[m + 1] == "mười" and w[m + 2] in ("một", "hai") else 1
    month = _parse_number(w[m + 1 : m + 1 + month_len])
    assert w[m + 1 + month_len] == "năm"  # the word for "year"
    year = _parse_number(w[m + 2 + month_len :])
    return dt.date(year, month, day).isoformat()


@pytest.mark.parametrize("n,text", [
    (5, "năm"), (10, "mười"), (11, "mười một"), (14, "mười bốn"), (15, "mười lăm"),
    (20, "hai mươi"), (21, "hai mươi mốt"), (24, "hai mươi tư"), (25, "hai mươi lăm"),
    (105, "một trăm linh năm"), (110, "một trăm mười"), (1905, "một nghìn chín trăm linh năm"),
    (1995, "một nghìn chín trăm chín mươi lăm"), (2000, "hai nghìn"),
    (2005, "hai nghìn không trăm linh năm"), (2010, "hai nghìn không trăm mười"),
    (2026, "hai nghìn không trăm hai mươi sáu"), (2041, "hai nghìn không trăm bốn mươi mốt"),
])
def test_numbers_are_read_the_vietnamese_way(n, text):
    assert number_to_vietnamese(n) == text


def test_no_wrong_forms_in_any_number_up_to_2099():
    for n in range(2100):
        text = " " + number_to_vietnamese(n) + " "
        for wrong in (" mười mốt ", " mươi một ", " mười năm ", " mươi năm ", " linh lăm ",
                      " mười tư "):
            assert wrong not in text, (n, text)
        assert _parse_number(text.split()) == n


def test_variants_are_all_valid_spellings():
    rng = np.random.default_rng(0)
    seen = set()
    for n in [24, 1904, 2024, 1000, 2005] * 20:
        text = number_to_vietnamese(n, rng)
        seen.update(text.split())
        assert _parse_number(text.split()) == n
    assert {"tư", "bốn", "nghìn", "ngàn", "linh", "lẻ"} <= seen


def test_the_example_of_the_brief():
    assert date_to_vietnamese("2026-11-23") == \
        "ngày hai mươi ba tháng mười một năm hai nghìn không trăm hai mươi sáu"
    assert date_to_vietnamese("1975-04-30") == \
        "ngày ba mươi tháng tư năm một nghìn chín trăm bảy mươi lăm"
    assert date_to_vietnamese("2001-05-05") == \
        "ngày năm tháng năm năm hai nghìn không trăm linh một"


def test_generated_dates_round_trip_through_an_independent_parser():
    texts, isos = data = make_vietnamese_dates(2000, seed=0)
    assert data.source == "generated-dates"
    for text, iso in zip(texts, isos):
        assert _parse_date(text) == iso
    years = [int(s[:4]) for s in isos]
    assert min(years) >= 1900 and max(years) <= 2099
    assert any("mùng" in t or "mồng" in t for t in texts)


def test_generator_is_seeded_and_checks_its_range():
    assert make_vietnamese_dates(20, seed=3).X == make_vietnamese_dates(20, seed=3).X
    canonical = make_vietnamese_dates(20, seed=3, variants=False)
    assert all(date_to_vietnamese(d) == t for t, d in zip(*canonical))
    with pytest.raises(DlbookError, match="Khoảng ngày"):
        make_vietnamese_dates(5, start="2020-01-01", end="2019-01-01")
    with pytest.raises(DlbookError, match="0 đến 9999"):
        number_to_vietnamese(10000)


def test_encode_date_pairs_pads_and_reuses_training_vocabularies():
    texts, isos = make_vietnamese_dates(50, seed=0)
    src, tgt, sv, tv = encode_date_pairs(texts, isos)
    assert tgt.shape == (50, 12)
    assert "".join(tv.itos[i] for i in tgt[0, 1:11]) == isos[0]
    assert tgt[0, 0] == tv["<s>"] and tgt[0, 11] == tv["</s>"]
    assert sv.itos[0] == "<pad>" and np.all((src == 0) == (src == sv["<pad>"]))
    assert [sv.itos[i] for i in src[0] if i] == texts[0].split()
    src2, _, _, _ = encode_date_pairs(["ngày xyz tháng hai năm hai nghìn"], ["2000-02-01"], sv, tv)
    assert src2[0, 1] == sv["<unk>"]
