"""Image-captioning data: generated images of shapes with Vietnamese captions, text preparation
and a reader for the Flickr8k format.

``make_captioned_images`` draws one or two coloured shapes and describes them in Vietnamese
with three phrasings, e.g. "một hình tròn màu đỏ ở bên trái", "có một hình tròn màu đỏ ở bên
trái", "bên trái là một hình tròn màu đỏ". Flickr8k (8,000 photos × 5 English captions; its
captions file has lines ``image.jpg#k<TAB>caption``) is read by ``load_flickr8k`` when a reader
has downloaded it; it cannot ship with the book.

Text preparation as in the chapter: lower case, drop punctuation and words containing digits,
wrap every caption in ``startseq … endseq``, keep the words seen at least ``min_count`` times,
pad with index 0.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from dlbook.data.detection_data import shape_mask
from dlbook.data.formats import DataFormatError
from dlbook.data.result import LoadedData
from dlbook.errors import DlbookError, check_positive

__all__ = [
    "CAPTION_SPECIALS",
    "make_captioned_images",
    "clean_caption",
    "build_caption_vocab",
    "encode_captions",
    "decode_caption",
    "read_flickr8k_captions",
    "load_flickr8k",
]

#: Index 0 pads; ``startseq``/``endseq`` open and close every caption.
CAPTION_SPECIALS = ("<pad>", "<unk>", "startseq", "endseq")

_SHAPES = (("hình tròn", "circle"), ("hình vuông", "square"), ("hình tam giác", "triangle"))
_COLOURS = (
    ("đỏ", (0.85, 0.10, 0.10)),
    ("xanh lá", (0.10, 0.65, 0.15)),
    ("xanh dương", (0.10, 0.25, 0.85)),
    ("vàng", (0.95, 0.80, 0.05)),
)
# position → (phrase after the object, phrase that opens a sentence, centre as a fraction of W)
_POSITIONS = {
    "trái": ("ở bên trái", "bên trái", 0.25),
    "giữa": ("ở giữa", "ở giữa", 0.5),
    "phải": ("ở bên phải", "bên phải", 0.75),
}


def _describe_one(shape, colour, pos):
    after, opening, _ = _POSITIONS[pos]
    thing = f"một {shape} màu {colour}"
    return [f"{thing} {after}", f"có {thing} {after}", f"{opening} là {thing}"]


def _describe_two(left, right):
    (s1, c1), (s2, c2) = left, right
    a, b = f"một {s1} màu {c1}", f"một {s2} màu {c2}"
    return [f"{a} ở bên trái và {b} ở bên phải",
            f"có {a} bên trái và {b} bên phải",
            f"bên trái là {a} còn bên phải là {b}"]


def make_captioned_images(n_images: int = 1000, image_size: int = 32, two_shape_fraction: float = 0.5,
                          noise: float = 0.03, seed: int = 0) -> LoadedData:
    """Images ``(N, 3, S, S)`` in [0, 1] and, per image, a list of three Vietnamese captions.

    An image holds one shape (on the left, in the middle or on the right) or, with probability
    ``two_shape_fraction``, two shapes (left and right). Shapes: circle, square, triangle;
    colours: red, green, blue, yellow.
    """
    check_positive(n_images, "n_images", integer=True)
    check_positive(image_size, "image_size", integer=True)
    if image_size < 16:
        raise DlbookError("`image_size` phải ít nhất 16 điểm ảnh để vẽ được hai hình.")
    rng = np.random.default_rng(seed)
    S = image_size
    images = np.empty((n_images, 3, S, S), np.float32)
    captions = []
    for n in range(n_images):
        img = np.broadcast_to(rng.uniform(0.85, 1.0, 3)[:, None, None], (3, S, S)).copy()
        two = rng.random() < two_shape_fraction
        slots = ["trái", "phải"] if two else [rng.choice(list(_POSITIONS))]
        picked = []
        for pos in slots:
            shape, kind = _SHAPES[rng.integers(len(_SHAPES))]
            colour, rgb = _COLOURS[rng.integers(len(_COLOURS))]
            size = rng.integers(int(0.3 * S), int(0.42 * S) + 1)
            cx = _POSITIONS[pos][2] * S + rng.normal(0, 0.03 * S)
            cy = rng.uniform(size / 2, S - size / 2)
            x0 = int(np.clip(round(cx - size / 2), 0, S - size))
            y0 = int(np.clip(round(cy - size / 2), 0, S - size))
            m = shape_mask(kind, (x0, y0, x0 + size, y0 + size), S, S)
            img[:, m] = np.asarray(rgb)[:, None]
            picked.append((shape, colour))
        images[n] = np.clip(img + rng.normal(0, noise, img.shape), 0, 1)
        captions.append(_describe_two(*picked) if two else _describe_one(*picked[0], slots[0]))
    return LoadedData(
        images, captions, source="generated-captions",
        description=(f"{n_images} ảnh {S}×{S} sinh ngẫu nhiên (seed={seed}), mỗi ảnh có 3 câu "
                     "mô tả tiếng Việt."),
    )


def clean_caption(text: str) -> str:
    """Lower case, letters only: punctuation removed, words containing digits dropped."""
    if not isinstance(text, str):
        raise DlbookError(f"Câu mô tả phải là chuỗi, nhưng nhận được {type(text).__name__}.")
    words = re.sub(r"[^\w\s]", " ", text.lower()).split()
    return " ".join(w for w in words if not any(ch.isdigit() for ch in w) and w != "_")


def build_caption_vocab(captions, min_count: int = 1):
    """Vocabulary of the cleaned captions: ``CAPTION_SPECIALS`` first, then words seen at least
    ``min_count`` times by decreasing frequency. Rarer words map to ``<unk>``.

    ``captions``: a flat list of strings or a list of lists (several captions per image).
    """
    from dlbook.scratch.embeddings import build_vocab

    flat = [c for group in captions for c in ([group] if isinstance(group, str) else group)]
    return build_vocab([clean_caption(c).split() for c in flat], min_count=min_count,
                       specials=CAPTION_SPECIALS, order="frequency", unk_token="<unk>")


def encode_captions(captions, vocab, max_len: int | None = None) -> np.ndarray:
    """``startseq`` + word indices + ``endseq``, padded with 0 to the longest (or ``max_len``).

    Returns ``int64`` ``(N, L)``; captions longer than ``max_len`` are cut (``endseq`` kept).
    """
    rows = [[vocab["startseq"]] + vocab.encode(clean_caption(c).split()) + [vocab["endseq"]]
            for c in captions]
    L = max(len(r) for r in rows) if max_len is None else max_len
    out = np.zeros((len(rows), L), np.int64)
    for i, r in enumerate(rows):
        r = r if len(r) <= L else r[: L - 1] + [vocab["endseq"]]
        out[i, : len(r)] = r
    return out


def decode_caption(ids, vocab) -> str:
    """Indices → text, without ``startseq``, padding and anything from ``endseq`` on."""
    words = []
    for i in ids:
        w = vocab.itos[int(i)]
        if w == "endseq":
            break
        if w not in ("startseq", "<pad>"):
            words.append(w)
    return " ".join(words)


def read_flickr8k_captions(path) -> dict[str, list[str]]:
    """Read ``Flickr8k.token.txt``: lines ``image.jpg#k<TAB>caption`` → ``{image: [captions]}``."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"Không tìm thấy tệp câu mô tả Flickr8k: {path}")
    out: dict[str, list[str]] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, caption = line.partition("\t")
        name, hash_, idx = key.partition("#")
        if not sep or not hash_ or not idx.strip().isdigit() or not caption.strip():
            raise DataFormatError(f"{path}, dòng {lineno}: cần dạng 'ảnh.jpg#số<TAB>câu mô tả', "
                                  f"nhưng nhận được {line[:60]!r}.")
        out.setdefault(name.strip(), []).append(caption.strip())
    return out


def load_flickr8k(captions_file, images_dir, split_file=None, image_size: int = 64,
                  max_images: int | None = None) -> LoadedData:
    """Read Flickr8k (or any dataset in its format): images resized to ``image_size``² and their
    captions. ``split_file`` (e.g. ``Flickr_8k.trainImages.txt``) lists the images to keep.

    Returns ``LoadedData(images (N, 3, S, S), captions: list of lists)``.
    """
    from PIL import Image

    captions = read_flickr8k_captions(captions_file)
    images_dir = Path(images_dir)
    if not images_dir.is_dir():
        raise FileNotFoundError(f"Không tìm thấy thư mục ảnh Flickr8k: {images_dir}")
    names = sorted(captions)
    if split_file is not None:
        wanted = {ln.strip() for ln in Path(split_file).read_text(encoding="utf-8").splitlines()
                  if ln.strip()}
        names = [n for n in names if n in wanted]
    names = [n for n in names if (images_dir / n).exists()]
    if max_images is not None:
        names = names[:max_images]
    if not names:
        raise DlbookError(f"Không có ảnh nào của tệp câu mô tả nằm trong {images_dir}.")
    images = np.empty((len(names), 3, image_size, image_size), np.float32)
    for i, name in enumerate(names):
        with Image.open(images_dir / name) as im:
            im = im.convert("RGB").resize((image_size, image_size), Image.BILINEAR)
            images[i] = np.asarray(im, np.float32).transpose(2, 0, 1) / 255.0
    return LoadedData(images, [captions[n] for n in names], source=str(images_dir),
                      description=f"{len(names)} ảnh Flickr8k đọc từ {images_dir}.",
                      names=names)
