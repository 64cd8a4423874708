"""Image operations for Phần 4–5 (chương 9 and 14), on numpy arrays.

Images are ``(H, W)`` (grey) or ``(H, W, C)`` (colour, channels last, as images are stored and
displayed; the layers use NCHW batches instead). Integer images (``uint8``, 0–255) come back
with the same dtype, rounded and clipped; float images stay float.

- ``to_grayscale``: ``grey = 0.299·R + 0.587·G + 0.114·B`` (ITU-R BT.601 luma).
- ``convolve2d``: cross-correlation of one image with one kernel, as in deep learning (the
  kernel is not flipped), with ``stride`` and zero ``padding``; ``KERNELS`` holds the classic
  filters.
- Augmentation: ``flip_horizontal``, ``flip_vertical``, ``rotate``, ``scale``, ``crop``,
  ``random_crop``, ``translate``, ``adjust_brightness``, ``cutout``. Pixels that come from
  outside the image are filled with ``fill``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from dlbook.errors import DlbookError, DTypeError, ShapeError, check_array, check_positive
from dlbook.scratch._checks import check_int_pair, make_rng
from dlbook.scratch.layers.im2col import conv_output_size

KERNELS = {
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=float),
    # outline / Laplacian-type edge detector: 0 on flat regions, large on edges
    "edge": np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=float),
    "edge_cross": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=float),
    "edge_diagonal": np.array([[1, 0, -1], [0, 0, 0], [-1, 0, 1]], dtype=float),
    # Sobel: horizontal gradient (responds to vertical edges) and vertical gradient
    "sobel_x": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float),
    "sobel_y": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=float),
    # identity + edge enhancement: the weights sum to 1, so flat regions keep their value
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float),
    "box_blur": np.full((3, 3), 1.0 / 9.0),
    "gaussian_blur": np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=float) / 16.0,
}
"""Classic 3×3 kernels. The seeds' table labels ``[[-1,-1,-1],[-1,8,-1],[-1,-1,-1]]`` as
"sharpen"; it is an edge (outline) detector (its weights sum to 0). Sharpen is
``[[0,-1,0],[-1,5,-1],[0,-1,0]]`` (identity + the ``edge_cross`` detector negated)."""


def _image(img, name="img"):
    arr = check_array(img, name, ndim=(2, 3), dtype="any")
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise DTypeError(f"`{name}` phải là ảnh số (uint8 hoặc float), nhưng có kiểu {arr.dtype}.")
    return arr


def _restore(out, like):
    """Back to the dtype of the input image (rounded and clipped for integer images)."""
    if np.issubdtype(like.dtype, np.integer):
        info = np.iinfo(like.dtype)
        return np.clip(np.rint(out), info.min, info.max).astype(like.dtype)
    if like.dtype == bool:
        return out > 0.5
    return out.astype(like.dtype, copy=False)


def to_grayscale(img):
    """``(H, W, 3)`` RGB (or RGBA, alpha ignored) → ``(H, W)`` grey
    ``0.299·R + 0.587·G + 0.114·B``. A grey image is returned unchanged."""
    img = _image(img)
    if img.ndim == 2:
        return img
    if img.shape[2] not in (3, 4):
        raise ShapeError(
            f"Ảnh màu phải có 3 kênh RGB (H, W, 3), nhưng nhận được {img.shape}."
        )
    grey = img[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    return _restore(grey, img)


def convolve2d(img, kernel, stride=1, padding=0):
    """Slide ``kernel`` over ``img`` and sum the products (cross-correlation, as in CNNs).

    ``img`` is ``(H, W)``, or ``(H, W, C)`` to filter each channel separately. ``padding`` is
    a number of zero rows/columns on each side, or ``"same"`` (output as large as the input;
    odd kernel, stride 1). Output size ``⌊(n − k + 2p)/s⌋ + 1`` per axis; the result is float.
    """
    img = _image(img)
    kernel = check_array(kernel, "kernel", ndim=2)
    kh, kw = kernel.shape
    if isinstance(padding, str):
        if padding != "same":
            raise DlbookError(f"`padding` phải là số nguyên hoặc 'same', nhưng nhận được {padding!r}.")
        if kh % 2 == 0 or kw % 2 == 0 or stride != 1:
            raise DlbookError("padding='same' cần kernel kích thước lẻ và stride = 1.")
        padding = (kh // 2, kw // 2)
    ph, pw = check_int_pair(padding, "padding", allow_zero=True)
    sh, sw = check_int_pair(stride, "stride")
    x = img.astype(np.float64)
    ho = conv_output_size(x.shape[0], kh, ph, sh)
    wo = conv_output_size(x.shape[1], kw, pw, sw)
    pad = ((ph, ph), (pw, pw)) + (((0, 0),) if x.ndim == 3 else ())
    x = np.pad(x, pad)
    win = sliding_window_view(x, (kh, kw), axis=(0, 1))[::sh, ::sw]  # (Ho, Wo, [C,] kh, kw)
    out = np.einsum("...ij,ij->...", win, kernel)
    return out[:ho, :wo]


def flip_horizontal(img):
    """Mirror left ↔ right."""
    return _image(img)[:, ::-1].copy()


def flip_vertical(img):
    """Mirror top ↔ bottom."""
    return _image(img)[::-1].copy()


def _sample(img, rows, cols, fill):
    """Bilinear interpolation of ``img`` at real-valued ``(rows, cols)``; neighbours outside the
    image count as ``fill``."""
    x = img.astype(np.float64)
    h, w = x.shape[:2]
    padded = np.pad(x, ((1, 1), (1, 1)) + (((0, 0),) if x.ndim == 3 else ()),
                    constant_values=fill)
    r0 = np.floor(rows)
    c0 = np.floor(cols)
    fr = rows - r0
    fc = cols - c0
    # indices into the padded image, clamped so far-away points read the fill border
    r0 = np.clip(r0.astype(int) + 1, 0, h + 1)
    c0 = np.clip(c0.astype(int) + 1, 0, w + 1)
    r1 = np.clip(r0 + 1, 0, h + 1)
    c1 = np.clip(c0 + 1, 0, w + 1)
    outside = (rows < -1) | (rows > h) | (cols < -1) | (cols > w)
    if x.ndim == 3:
        fr, fc, outside = fr[..., None], fc[..., None], outside[..., None]
    out = ((1 - fr) * (1 - fc) * padded[r0, c0] + (1 - fr) * fc * padded[r0, c1]
           + fr * (1 - fc) * padded[r1, c0] + fr * fc * padded[r1, c1])
    return np.where(outside, fill, out)


def _affine(img, matrix, fill):
    """Output pixel ``p`` takes the input at ``centre + matrix @ (p − centre)``."""
    h, w = img.shape[:2]
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    rr, cc = np.meshgrid(np.arange(h, dtype=float), np.arange(w, dtype=float), indexing="ij")
    dr, dc = rr - cy, cc - cx
    src_r = cy + matrix[0, 0] * dr + matrix[0, 1] * dc
    src_c = cx + matrix[1, 0] * dr + matrix[1, 1] * dc
    # snap values within rounding noise of an integer (exact 90° rotations stay exact)
    src_r = np.where(np.abs(src_r - np.rint(src_r)) < 1e-9, np.rint(src_r), src_r)
    src_c = np.where(np.abs(src_c - np.rint(src_c)) < 1e-9, np.rint(src_c), src_c)
    return _restore(_sample(img, src_r, src_c, fill), img)


def rotate(img, degrees, fill=0):
    """Rotate counter-clockwise (as displayed) by ``degrees`` about the centre, keeping the
    size; corners that come from outside are ``fill``. Bilinear interpolation."""
    img = _image(img)
    t = np.deg2rad(float(degrees))
    c, s = np.cos(t), np.sin(t)
    # inverse map in (row, col) coordinates; rows grow downwards
    return _affine(img, np.array([[c, s], [-s, c]]), fill)


def scale(img, factor, fill=0):
    """Zoom about the centre by ``factor`` (> 1 enlarges and crops, < 1 shrinks and fills the
    border with ``fill``), keeping the size. Bilinear interpolation."""
    img = _image(img)
    check_positive(factor, "factor")
    return _affine(img, np.eye(2) / float(factor), fill)


def crop(img, top, left, height, width):
    """The ``height × width`` window whose top-left pixel is ``(top, left)``."""
    img = _image(img)
    h, w = img.shape[:2]
    for v, name in ((top, "top"), (left, "left")):
        if not isinstance(v, (int, np.integer)) or v < 0:
            raise DlbookError(f"`{name}` phải là số nguyên không âm, nhưng nhận được {v!r}.")
    check_positive(height, "height", integer=True)
    check_positive(width, "width", integer=True)
    if top + height > h or left + width > w:
        raise ShapeError(
            f"Vùng cắt (top={top}, left={left}, {height}×{width}) vượt ra ngoài ảnh {h}×{w}."
        )
    return img[top:top + height, left:left + width].copy()


def random_crop(img, height, width, rng=0):
    """A ``height × width`` crop at a random position (``rng``: seed or Generator)."""
    img = _image(img)
    h, w = img.shape[:2]
    check_positive(height, "height", integer=True)
    check_positive(width, "width", integer=True)
    if height > h or width > w:
        raise ShapeError(f"Không thể cắt {height}×{width} từ ảnh {h}×{w}.")
    rng = make_rng(rng)
    top = int(rng.integers(0, h - height + 1))
    left = int(rng.integers(0, w - width + 1))
    return crop(img, top, left, height, width)


def translate(img, dx, dy, fill=0):
    """Shift the content ``dx`` pixels right and ``dy`` pixels down (negative: left/up); the
    uncovered border is ``fill``."""
    img = _image(img)
    for v, name in ((dx, "dx"), (dy, "dy")):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
            raise DTypeError(f"`{name}` phải là số nguyên (số pixel), nhưng nhận được {v!r}.")
    h, w = img.shape[:2]
    out = np.full_like(img, fill)
    if abs(dy) >= h or abs(dx) >= w:
        return out
    src_r = slice(max(0, -dy), h - max(0, dy))
    dst_r = slice(max(0, dy), h - max(0, -dy))
    src_c = slice(max(0, -dx), w - max(0, dx))
    dst_c = slice(max(0, dx), w - max(0, -dx))
    out[dst_r, dst_c] = img[src_r, src_c]
    return out


def adjust_brightness(img, factor, max_value=None):
    """Multiply every pixel by ``factor`` (> 1 brighter, < 1 darker) and clip to
    ``[0, max_value]``; ``max_value`` defaults to 255 for integer images and 1.0 for float."""
    img = _image(img)
    check_positive(factor, "factor", allow_zero=True)
    if max_value is None:
        max_value = 255 if np.issubdtype(img.dtype, np.integer) else 1.0
    out = np.clip(img.astype(np.float64) * factor, 0, max_value)
    return _restore(out, img)


def cutout(img, size, rng=0, fill=0):
    """Cutout (DeVries & Taylor, 2017): fill a ``size × size`` square at a random centre with
    ``fill``; near the border the square is partly outside, as in the paper."""
    img = _image(img)
    sh, sw = check_int_pair(size, "size")
    rng = make_rng(rng)
    h, w = img.shape[:2]
    cy, cx = int(rng.integers(0, h)), int(rng.integers(0, w))
    out = img.copy()
    out[max(0, cy - sh // 2):min(h, cy - sh // 2 + sh),
        max(0, cx - sw // 2):min(w, cx - sw // 2 + sw)] = fill
    return out


__all__ = [
    "KERNELS",
    "adjust_brightness",
    "conv_output_size",
    "convolve2d",
    "crop",
    "cutout",
    "flip_horizontal",
    "flip_vertical",
    "random_crop",
    "random_shift",
    "rotate",
    "scale",
    "to_grayscale",
    "translate",
]


def random_shift(batch, max_shift: int = 1, rng=0, image_shape=None, fill=0):
    """Shift every image of a batch by its own random ``(dx, dy)`` in
    ``[−max_shift, max_shift]`` pixels (data augmentation for a whole mini-batch at once).

    ``batch`` is ``(N, H, W)``, ``(N, C, H, W)``, or ``(N, H·W)`` flattened images together with
    ``image_shape=(H, W)`` (as an MLP on MNIST sees them). Returns an array like ``batch``.
    """
    arr = np.asarray(batch)
    if not isinstance(max_shift, (int, np.integer)) or max_shift < 0:
        raise DlbookError(f"`max_shift` phải là số nguyên không âm, nhưng nhận được {max_shift!r}.")
    if image_shape is not None:
        h, w = image_shape
        if arr.ndim != 2 or arr.shape[1] != h * w:
            raise ShapeError(
                f"Với image_shape={tuple(image_shape)}, `batch` phải có kích thước (N, {h * w}), "
                f"nhưng nhận được {arr.shape}."
            )
        imgs = arr.reshape(len(arr), h, w)
    elif arr.ndim in (3, 4):
        imgs = arr
    else:
        raise ShapeError(
            "`batch` phải là (N, H, W), (N, C, H, W) hoặc (N, H·W) kèm image_shape, nhưng nhận "
            f"được {arr.shape}."
        )
    if max_shift == 0:
        return arr.copy()
    rng = make_rng(rng)
    m = int(max_shift)
    n = len(imgs)
    h, w = imgs.shape[-2:]
    pad = [(0, 0)] * (imgs.ndim - 2) + [(m, m), (m, m)]
    padded = np.pad(imgs, pad, constant_values=fill)
    dx = rng.integers(-m, m + 1, size=n)
    dy = rng.integers(-m, m + 1, size=n)
    out = np.empty_like(imgs)
    for sy in range(-m, m + 1):
        for sx in range(-m, m + 1):
            sel = np.flatnonzero((dx == sx) & (dy == sy))
            if sel.size:
                out[sel] = padded[sel, ..., m - sy:m - sy + h, m - sx:m - sx + w]
    return out.reshape(arr.shape)
