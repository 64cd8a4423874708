import unicodedata

import pytest
from hypothesis import given, strategies as st

from dlbook.errors import DlbookError, NotFittedError
from dlbook.scratch.char_tokenizer import CharTokenizer


def test_vietnamese_letters_are_one_token_each_after_nfc():
    decomposed = unicodedata.normalize("NFD", "tiếng Việt")
    tok = CharTokenizer().fit(decomposed)
    assert len(tok.encode("tiếng Việt")) == len("tiếng Việt") == 10
    assert "ế" in tok.vocab_ and "ệ" in tok.vocab_


@given(st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặ ,.\n", min_size=1, max_size=60))
def test_encode_decode_round_trip(text):
    tok = CharTokenizer().fit(text)
    assert tok.decode(tok.encode(text)) == text
    assert sorted(tok.vocab_.values()) == list(range(len(tok)))


def test_unknown_characters_and_ids_are_rejected():
    tok = CharTokenizer().fit("abc")
    with pytest.raises(DlbookError, match="ngoài bộ từ vựng"):
        tok.encode("abz")
    with pytest.raises(DlbookError, match="ngoài khoảng"):
        tok.decode([0, 7])
    with pytest.raises(NotFittedError):
        CharTokenizer().encode("a")
    with pytest.raises(DlbookError, match="rỗng"):
        CharTokenizer().fit("")
