"""Transposed convolution ("deconvolution") in numpy: the up-sampling layer of U-Net and DCGAN.

A transposed convolution scatters every input pixel into the output: pixel ``(i, j)`` adds
``x[i, j] · w`` to the ``k×k`` output window that starts at ``(i·stride, j·stride)``. Then
``padding`` rows/columns are cut from each border. The output side is
``(H − 1)·stride − 2·padding + k + output_padding``, the same formula as
``torch.nn.ConvTranspose2d``. Weights use PyTorch's layout ``(C_in, C_out, kH, kW)``.

It is the gradient of a convolution with respect to its input, which is why backward here
looks like a forward convolution.
"""

from __future__ import annotations

import numpy as np

from dlbook.errors import DlbookError, ShapeError, check_array, check_positive, check_positive_ints
from dlbook.scratch.layers.base import Layer

__all__ = [
    "conv_transpose_output_size",
    "conv_transpose2d",
    "conv_transpose2d_forward",
    "conv_transpose2d_backward",
    "ConvTranspose2D",
]


def conv_transpose_output_size(n: int, k: int, stride: int = 1, padding: int = 0,
                               output_padding: int = 0) -> int:
    """Output side of a transposed convolution: ``(n − 1)·s − 2p + k + output_padding``."""
    return (n - 1) * stride - 2 * padding + k + output_padding


def _check_args(x, w, stride, padding, output_padding):
    x = check_array(x, "x", ndim=4)
    w = check_array(w, "w", ndim=4)
    if x.shape[1] != w.shape[0]:
        raise ShapeError(
            f"`x` có {x.shape[1]} kênh nhưng `w` có kích thước {w.shape}: chiều đầu của `w` "
            f"(C_in, C_out, kH, kW) phải bằng số kênh của `x`."
        )
    check_positive(stride, "stride", integer=True)
    check_positive(padding, "padding", allow_zero=True, integer=True)
    check_positive(output_padding, "output_padding", allow_zero=True, integer=True)
    if output_padding >= stride:
        raise DlbookError("`output_padding` phải nhỏ hơn `stride`.")
    return x, w


def conv_transpose2d(x, w, stride: int = 1, padding: int = 0, b=None, output_padding: int = 0):
    """Transposed convolution of ``x`` ``(N, C_in, H, W)`` with ``w`` ``(C_in, C_out, kH, kW)``.

    Returns ``(N, C_out, H_out, W_out)``; the same as ``torch.nn.functional.conv_transpose2d``.
    """
    return conv_transpose2d_forward(x, w, b, stride, padding, output_padding)[0]


def conv_transpose2d_forward(x, w, b=None, stride: int = 1, padding: int = 0,
                             output_padding: int = 0):
    """Forward pass that also returns the cache for the backward pass: ``(out, cache)``.

    ``x``: ``(N, C_in, H, W)``, ``w``: ``(C_in, C_out, kH, kW)``, ``b``: ``(C_out,)`` or None.
    """
    x, w = _check_args(x, w, stride, padding, output_padding)
    N, _, H, W = x.shape
    _, C_out, kH, kW = w.shape
    full_h = (H - 1) * stride + kH + output_padding
    full_w = (W - 1) * stride + kW + output_padding
    full = np.zeros((N, C_out, full_h, full_w))
    for a in range(kH):
        for c in range(kW):
            # every input pixel (i, j) lands on output pixel (i·s + a, j·s + c)
            full[:, :, a : a + stride * H : stride, c : c + stride * W : stride] += np.einsum(
                "nihw,io->nohw", x, w[:, :, a, c]
            )
    out = full[:, :, padding : full_h - padding, padding : full_w - padding]
    if out.shape[2] <= 0 or out.shape[3] <= 0:
        raise DlbookError("`padding` quá lớn: đầu ra của tích chập chuyển vị bị rỗng.")
    if b is not None:
        out = out + check_array(b, "b", shape=(C_out,))[None, :, None, None]
    return out, (x, w, stride, padding, full.shape)


def conv_transpose2d_backward(dout, cache):
    """Backward pass: returns ``dx, dw, db`` for the ``cache`` of :func:`conv_transpose2d_forward`."""
    x, w, stride, padding, full_shape = cache
    N, _, H, W = x.shape
    _, _, kH, kW = w.shape
    dfull = np.zeros(full_shape)
    dfull[:, :, padding : full_shape[2] - padding, padding : full_shape[3] - padding] = dout
    dx = np.zeros_like(x)
    dw = np.zeros_like(w)
    for a in range(kH):
        for c in range(kW):
            window = dfull[:, :, a : a + stride * H : stride, c : c + stride * W : stride]
            dx += np.einsum("nohw,io->nihw", window, w[:, :, a, c])
            dw[:, :, a, c] = np.einsum("nihw,nohw->io", x, window)
    db = dout.sum(axis=(0, 2, 3))
    return dx, dw, db


class ConvTranspose2D(Layer):
    """Transposed-convolution layer with ``forward(x)`` / ``backward(dout)`` (CS231n style).

    ``params``: ``W`` ``(C_in, C_out, k, k)`` and ``b`` ``(C_out,)``; ``grads`` has the same keys.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0, output_padding: int = 0, seed: int = 0):
        super().__init__()
        check_positive_ints(in_channels=in_channels, out_channels=out_channels, kernel_size=kernel_size)
        rng = np.random.default_rng(seed)
        fan_in = in_channels * kernel_size * kernel_size
        self.params = {
            "W": rng.normal(0, np.sqrt(2.0 / fan_in),
                            (in_channels, out_channels, kernel_size, kernel_size)),
            "b": np.zeros(out_channels),
        }
        self.zero_grad()
        self.stride, self.padding, self.output_padding = stride, padding, output_padding

    def forward(self, x):
        out, self.cache = conv_transpose2d_forward(x, self.params["W"], self.params["b"],
                                                   self.stride, self.padding, self.output_padding)
        return out

    def backward(self, dout):
        self._check_cache()
        dx, self.grads["W"], self.grads["b"] = conv_transpose2d_backward(dout, self.cache)
        return dx

    def extra_repr(self) -> str:
        c_in, c_out, k, _ = self.params["W"].shape
        return f"{c_in}, {c_out}, kernel_size={k}, stride={self.stride}, padding={self.padding}"
