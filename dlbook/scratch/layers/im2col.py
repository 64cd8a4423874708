"""im2col / col2im: turning a convolution into one matrix product (Phần 4, chương 10).

``im2col`` copies every receptive field (patch) of the padded input into a column, so that a
convolution with ``F`` filters becomes ``W.reshape(F, C·kh·kw) @ cols``. The columns of one image
are laid out as ``cols[n]`` of shape ``(C·kh·kw, Ho·Wo)``: row ``(c, i, j)`` (the order of
``W.reshape(F, -1)``), column ``(y, x)`` of the output.

The copy is made with ``sliding_window_view`` (a view of all windows without copying) and one
reshape. ``col2im`` is its adjoint (the backward pass): it adds each column back into the
positions it was copied from. Windows overlap when ``stride < kernel``, so the additions must
accumulate; it loops over the ``kh·kw`` kernel offsets, each a strided slice of the whole batch,
instead of over the ``N·Ho·Wo`` windows (``np.add.at`` would be much slower).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from dlbook.errors import DlbookError, ShapeError
from dlbook.scratch._checks import as_float_array, check_int_pair


def conv_output_size(n: int, k: int, p: int = 0, s: int = 1, strict: bool = False) -> int:
    """Output size ``⌊(n − k + 2p) / s⌋ + 1`` of a convolution or pooling along one axis.

    With ``strict=True`` it raises when the stride does not fit exactly (the last window would
    run past the border), e.g. ``n = 7, k = 3, s = 3``; otherwise the remainder is dropped,
    as PyTorch does.
    """
    for value, name in ((n, "n"), (k, "k"), (s, "s")):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise DlbookError(f"`{name}` phải là số nguyên dương, nhưng nhận được {value!r}.")
    if not isinstance(p, (int, np.integer)) or p < 0:
        raise DlbookError(f"`p` (padding) phải là số nguyên không âm, nhưng nhận được {p!r}.")
    span = n - k + 2 * p
    if span < 0:
        raise DlbookError(
            f"Bộ lọc {k} lớn hơn đầu vào {n} (kể cả padding {p}): không có vị trí nào để trượt."
        )
    if strict and span % s:
        raise DlbookError(
            f"Bước nhảy (stride) {s} không khớp: (n − k + 2p) / s = ({n} − {k} + 2·{p}) / {s} = "
            f"{span / s:.2f} không phải số nguyên, cửa sổ cuối sẽ vượt ra ngoài ảnh."
        )
    return span // s + 1


def pad_nchw(x, padding):
    """Zero-pad the two spatial axes of an ``(N, C, H, W)`` batch by ``(ph, pw)``."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def _check_nchw(x, name="x"):
    x = as_float_array(x, name)
    if x.ndim != 4:
        hint = " (một ảnh đơn lẻ? hãy thêm chiều batch: x[None])" if x.ndim == 3 else ""
        raise ShapeError(
            f"`{name}` phải là mảng 4 chiều (N, C, H, W), nhưng nhận được {tuple(x.shape)}{hint}."
        )
    return x


def window_view(x, kernel_size, stride):
    """All ``kh × kw`` windows of an ``(N, C, H, W)`` array taken every ``stride`` pixels, as a
    read-only view of shape ``(N, C, Ho, Wo, kh, kw)`` (no copy)."""
    (kh, kw), (sh, sw) = kernel_size, stride
    return sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]


def im2col(x, kernel_size, stride=1, padding=0):
    """Patches of an ``(N, C, H, W)`` batch as columns: shape ``(N, C·kh·kw, Ho·Wo)``."""
    x = _check_nchw(x)
    (kh, kw) = check_int_pair(kernel_size, "kernel_size")
    (sh, sw) = check_int_pair(stride, "stride")
    pad = check_int_pair(padding, "padding", allow_zero=True)
    n, c, h, w = x.shape
    ho = conv_output_size(h, kh, pad[0], sh)
    wo = conv_output_size(w, kw, pad[1], sw)
    win = window_view(pad_nchw(x, pad), (kh, kw), (sh, sw))  # (N, C, Ho, Wo, kh, kw)
    return win.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, ho * wo)


def col2im(cols, x_shape, kernel_size, stride=1, padding=0):
    """Adjoint of :func:`im2col`: add the columns ``(N, C·kh·kw, Ho·Wo)`` back into an array of
    shape ``x_shape = (N, C, H, W)`` (overlapping windows accumulate)."""
    cols = as_float_array(cols, "cols")
    if len(x_shape) != 4:
        raise ShapeError(f"`x_shape` phải có dạng (N, C, H, W), nhưng nhận được {tuple(x_shape)}.")
    n, c, h, w = (int(v) for v in x_shape)
    (kh, kw) = check_int_pair(kernel_size, "kernel_size")
    (sh, sw) = check_int_pair(stride, "stride")
    (ph, pw) = check_int_pair(padding, "padding", allow_zero=True)
    ho = conv_output_size(h, kh, ph, sh)
    wo = conv_output_size(w, kw, pw, sw)
    expected = (n, c * kh * kw, ho * wo)
    if cols.shape != expected:
        raise ShapeError(f"`cols` phải có kích thước {expected}, nhưng nhận được {cols.shape}.")
    return _col2im_6d(cols.reshape(n, c, kh, kw, ho, wo), (n, c, h, w), (sh, sw), (ph, pw))


def _col2im_6d(cols6, x_shape, stride, padding):
    """``cols6`` of shape ``(N, C, kh, kw, Ho, Wo)`` → ``(N, C, H, W)``, one slice-add per
    kernel offset."""
    n, c, kh, kw, ho, wo = cols6.shape
    (sh, sw), (ph, pw) = stride, padding
    h, w = x_shape[2], x_shape[3]
    xp = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols6.dtype)
    for i in range(kh):
        for j in range(kw):
            xp[:, :, i:i + sh * ho:sh, j:j + sw * wo:sw] += cols6[:, :, i, j]
    return xp[:, :, ph:ph + h, pw:pw + w]


__all__ = ["col2im", "conv_output_size", "im2col", "pad_nchw", "window_view"]
