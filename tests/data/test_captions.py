import numpy as np
import pytest

from dlbook.data.captions import (
    CAPTION_SPECIALS,
    build_caption_vocab,
    clean_caption,
    decode_caption,
    encode_captions,
    load_flickr8k,
    make_captioned_images,
    read_flickr8k_captions,
)
from dlbook.data.formats import DataFormatError
from dlbook.errors import DlbookError


def test_generated_images_come_with_three_vietnamese_captions():
    images, captions = data = make_captioned_images(30, image_size=32, seed=0)
    assert images.shape == (30, 3, 32, 32) and images.dtype == np.float32
    assert data.source == "generated-captions"
    assert all(len(c) == 3 for c in captions)
    words = {w for cs in captions for c in cs for w in c.split()}
    assert {"một", "hình", "màu", "bên"} <= words
    assert any(c[0].startswith("một hình tròn màu") for c in captions)


def test_captions_describe_what_is_drawn():
    data = make_captioned_images(60, noise=0.0, seed=2)
    red = np.array([0.85, 0.10, 0.10])
    for img, caps in zip(data.X, data.y):
        is_red = np.all(np.abs(img - red[:, None, None]) < 1e-6, axis=0)
        if " và " in caps[0]:
            continue
        left = is_red[:, :16].sum() > is_red[:, 16:].sum()
        if "màu đỏ" in caps[0] and "bên trái" in caps[0]:
            assert left
        if "màu đỏ" in caps[0] and "bên phải" in caps[0]:
            assert not left
        if "màu đỏ" not in caps[0]:
            assert is_red.sum() == 0


def test_clean_caption_lowercases_and_drops_punctuation_and_numbers():
    assert clean_caption("Hai con Chó, đang chạy! hey199 ở sân.") == "hai con chó đang chạy ở sân"
    assert clean_caption("A girl going into a wooden building .") == \
        "a girl going into a wooden building"


def test_vocabulary_threshold_padding_and_round_trip():
    caps = ["một hình tròn", "một hình vuông", "một hình tròn lạ"]
    vocab = build_caption_vocab(caps, min_count=2)
    assert vocab.itos[:4] == list(CAPTION_SPECIALS)
    assert "lạ" not in vocab and "vuông" not in vocab and "tròn" in vocab
    enc = encode_captions(caps, vocab)
    assert enc.shape == (3, 6) and enc[0, 0] == vocab["startseq"]
    assert enc[1].tolist()[-2:] == [vocab["endseq"], 0]  # padded with index 0
    assert enc[2, 4] == vocab["<unk>"]
    assert decode_caption(enc[0], vocab) == "một hình tròn"
    short = encode_captions(caps, vocab, max_len=4)
    assert short.shape == (3, 4) and short[2, -1] == vocab["endseq"]


def _write_flickr(tmp_path):
    from PIL import Image

    (tmp_path / "imgs").mkdir()
    for name, colour in [("1000_a.jpg", 255), ("1001_b.jpg", 0)]:
        Image.fromarray(np.full((20, 30, 3), colour, np.uint8)).save(tmp_path / "imgs" / name)
    token = tmp_path / "Flickr8k.token.txt"
    token.write_text("1000_a.jpg#0\tA child in a pink dress .\n1000_a.jpg#1\tA girl going "
                     "into a wooden building .\n1001_b.jpg#0\tA black dog .\n"
                     "9999_missing.jpg#0\tNo image .\n", encoding="utf-8")
    return token


def test_read_flickr8k_captions_groups_by_image(tmp_path):
    caps = read_flickr8k_captions(_write_flickr(tmp_path))
    assert caps["1000_a.jpg"] == ["A child in a pink dress .", "A girl going into a wooden building ."]
    assert len(caps) == 3


def test_load_flickr8k_reads_images_and_split(tmp_path):
    token = _write_flickr(tmp_path)
    data = load_flickr8k(token, tmp_path / "imgs", image_size=16)
    assert data.X.shape == (2, 3, 16, 16)
    assert data.names == ["1000_a.jpg", "1001_b.jpg"]
    assert data.X[0].min() > 0.95 and data.X[1].max() < 0.05
    split = tmp_path / "train.txt"
    split.write_text("1001_b.jpg\n", encoding="utf-8")
    data = load_flickr8k(token, tmp_path / "imgs", split_file=split, image_size=16)
    assert data.y == [["A black dog ."]]


def test_malformed_flickr_line_and_missing_files_are_reported(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("1000_a.jpg#0\tfine\n1000_a.jpg only words\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="dòng 2"):
        read_flickr8k_captions(bad)
    with pytest.raises(FileNotFoundError):
        read_flickr8k_captions(tmp_path / "none.txt")
    with pytest.raises(FileNotFoundError, match="thư mục ảnh"):
        load_flickr8k(_write_flickr(tmp_path), tmp_path / "nope")
    with pytest.raises(DlbookError, match="ít nhất 16"):
        make_captioned_images(2, image_size=8)
