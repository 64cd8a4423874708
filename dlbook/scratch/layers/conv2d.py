"""2-D convolution layer, naive and im2col (Phần 4, chương 10).

As in every deep-learning framework, "convolution" here is cross-correlation (the kernel is not
flipped). Shapes are NCHW: input ``(N, C, H, W)``, weights ``(F, C, kh, kw)``, bias ``(F,)``,
output ``(N, F, Ho, Wo)`` with ``Ho = ⌊(H − kh + 2p)/s⌋ + 1``.

Two implementations compute the same numbers:

- ``conv2d_naive`` / ``conv2d_backward_naive``: four nested loops, exactly the formula
  ``out[n, f, y, x] = Σ_{c,i,j} xpad[n, c, y·s + i, x·s + j] · W[f, c, i, j] + b[f]``; slow,
  for reading.
- ``conv2d_im2col`` / ``conv2d_backward_im2col``: one matrix product on the patches (see
  ``im2col.py``); what the ``Conv2D`` layer uses by default.

Backward (``dout = ∂L/∂out``): ``db[f] = Σ dout[:, f]``; ``dW[f] = Σ dout[n, f, y, x] · patch``;
``dx`` adds ``dout[n, f, y, x] · W[f]`` back onto every patch position (``col2im``).
"""

from __future__ import annotations

import numpy as np

from dlbook.errors import DlbookError, ShapeError, check_positive
from dlbook.scratch._checks import as_float_array, check_int_pair
from dlbook.scratch.layers.base import Layer
from dlbook.scratch.layers.dense import _initial_weights
from dlbook.scratch.layers.im2col import (
    _check_nchw,
    _col2im_6d,
    conv_output_size,
    pad_nchw,
    window_view,
)


def _conv_setup(x, w, b, stride, padding):
    x = _check_nchw(x, "x")
    w = as_float_array(w, "w", ndim=4)
    f, c, kh, kw = w.shape
    if x.shape[1] != c:
        raise ShapeError(
            f"Số kênh của `x` ({x.shape[1]}) phải bằng số kênh của bộ lọc `w` ({c}); "
            f"x có kích thước {tuple(x.shape)}, w có {tuple(w.shape)}."
        )
    if b is None:
        b = np.zeros(f, dtype=w.dtype)
    b = as_float_array(b, "b", shape=(f,))
    stride = check_int_pair(stride, "stride")
    padding = check_int_pair(padding, "padding", allow_zero=True)
    ho = conv_output_size(x.shape[2], kh, padding[0], stride[0])
    wo = conv_output_size(x.shape[3], kw, padding[1], stride[1])
    return x, w, b, stride, padding, (ho, wo)


def conv2d_naive(x, w, b=None, stride=1, padding=0):
    """Convolution with explicit loops over samples, filters and output positions."""
    x, w, b, (sh, sw), pad, (ho, wo) = _conv_setup(x, w, b, stride, padding)
    n_samples, n_filters = x.shape[0], w.shape[0]
    kh, kw = w.shape[2:]
    xp = pad_nchw(x, pad)
    out = np.zeros((n_samples, n_filters, ho, wo), dtype=np.result_type(x, w))
    for n in range(n_samples):
        for f in range(n_filters):
            for i in range(ho):
                for j in range(wo):
                    patch = xp[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    out[n, f, i, j] = np.sum(patch * w[f]) + b[f]
    return out


def conv2d_backward_naive(dout, x, w, stride=1, padding=0):
    """Gradients ``(dx, dw, db)`` of :func:`conv2d_naive`, with the same loops."""
    x, w, _, (sh, sw), pad, (ho, wo) = _conv_setup(x, w, None, stride, padding)
    dout = as_float_array(dout, "dout", shape=(x.shape[0], w.shape[0], ho, wo))
    kh, kw = w.shape[2:]
    xp = pad_nchw(x, pad)
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for n in range(x.shape[0]):
        for f in range(w.shape[0]):
            for i in range(ho):
                for j in range(wo):
                    g = dout[n, f, i, j]
                    dw[f] += g * xp[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    dxp[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += g * w[f]
    db = dout.sum(axis=(0, 2, 3))
    h, wd = x.shape[2:]
    return dxp[:, :, pad[0]:pad[0] + h, pad[1]:pad[1] + wd], dw, db


def _patches(x, kernel, stride, padding):
    """im2col of an already validated batch: ``(N, C·kh·kw, Ho·Wo)``."""
    win = window_view(pad_nchw(x, padding), kernel, stride)  # (N, C, Ho, Wo, kh, kw)
    n, c, ho, wo, kh, kw = win.shape
    return win.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, ho * wo)


def conv2d_im2col(x, w, b=None, stride=1, padding=0, return_cols: bool = False):
    """Convolution as a matrix product ``W.reshape(F, −1) @ im2col(x)`` (+ bias).

    With ``return_cols=True`` it also returns the patch matrix, which the backward pass reuses.
    """
    x, w, b, stride, pad, (ho, wo) = _conv_setup(x, w, b, stride, padding)
    f = w.shape[0]
    cols = _patches(x, w.shape[2:], stride, pad)
    out = np.matmul(w.reshape(f, -1), cols)  # (N, F, Ho·Wo)
    out += b.reshape(1, f, 1)
    out = out.reshape(x.shape[0], f, ho, wo)
    return (out, cols) if return_cols else out


def conv2d_backward_im2col(dout, x, w, stride=1, padding=0, cols=None, need_dx: bool = True):
    """Gradients ``(dx, dw, db)`` of :func:`conv2d_im2col` (``cols`` from the forward pass, or
    recomputed; ``dx`` is ``None`` with ``need_dx=False``)."""
    x, w, _, stride, pad, (ho, wo) = _conv_setup(x, w, None, stride, padding)
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    dout = as_float_array(dout, "dout", shape=(n, f, ho, wo))
    if cols is None:
        cols = _patches(x, (kh, kw), stride, pad)
    d = dout.reshape(n, f, ho * wo)
    db = d.sum(axis=(0, 2))
    # Σ_n dout[n] · cols[n]ᵀ, one product per image (no transposed copy of the patches)
    dw = np.matmul(d, cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
    if not need_dx:
        return None, dw, db
    dcols = np.matmul(w.reshape(f, -1).T, d)  # (N, C·kh·kw, Ho·Wo)
    dx = _col2im_6d(dcols.reshape(n, c, kh, kw, ho, wo), (n, c, h, wd), stride, pad)
    return dx, dw, db


class Conv2D(Layer):
    """Convolution layer with ``out_channels`` filters of size ``kernel_size`` (NCHW).

    ``impl="im2col"`` (fast, the default) or ``"naive"`` (loops). Parameters: ``W`` of shape
    ``(out_channels, in_channels, kh, kw)`` and ``b`` of shape ``(out_channels,)``, that is
    ``K·(F·F·D + 1)`` numbers for ``K`` filters of size ``F×F`` on ``D`` channels.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 impl: str = "im2col", seed=0, init="he", dtype=np.float64):
        super().__init__()
        check_positive(in_channels, "in_channels", integer=True)
        check_positive(out_channels, "out_channels", integer=True)
        if impl not in ("im2col", "naive"):
            raise DlbookError(f"`impl` phải là 'im2col' hoặc 'naive', nhưng nhận được {impl!r}.")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = check_int_pair(kernel_size, "kernel_size")
        self.stride = check_int_pair(stride, "stride")
        self.padding = check_int_pair(padding, "padding", allow_zero=True)
        self.impl = impl
        kh, kw = self.kernel_size
        shape = (out_channels, in_channels, kh, kw)
        W = _initial_weights(init, in_channels * kh * kw, out_channels * kh * kw, shape, seed)
        self.params = {"W": W.astype(dtype), "b": np.zeros(out_channels, dtype=dtype)}
        self.zero_grad()

    def forward(self, x):
        x = _check_nchw(x, "x")
        if x.shape[1] != self.in_channels:
            raise ShapeError(
                f"Conv2D cần đầu vào (N, {self.in_channels}, H, W) — {self.in_channels} kênh — "
                f"nhưng nhận được {tuple(x.shape)}."
            )
        W, b = self.params["W"], self.params["b"]
        if self.impl == "naive":
            out, cols = conv2d_naive(x, W, b, self.stride, self.padding), None
        else:
            out, cols = conv2d_im2col(x, W, b, self.stride, self.padding, return_cols=True)
        self.cache = (x, cols)
        return out

    def backward(self, dout):
        self._check_cache()
        x, cols = self.cache
        W = self.params["W"]
        if self.impl == "naive":
            dx, dW, db = conv2d_backward_naive(dout, x, W, self.stride, self.padding)
        else:
            dx, dW, db = conv2d_backward_im2col(dout, x, W, self.stride, self.padding, cols,
                                                need_dx=not self.skip_input_grad)
        self.grads = {"W": dW, "b": db}
        return dx

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, impl={self.impl!r}")
