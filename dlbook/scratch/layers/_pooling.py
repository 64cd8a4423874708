"""Shared set-up of the pooling layers (validation and window geometry)."""

from __future__ import annotations

from dlbook.errors import ShapeError
from dlbook.scratch._checks import check_int_pair
from dlbook.scratch.layers.base import Layer
from dlbook.scratch.layers.im2col import _check_nchw, conv_output_size


class _Pool2D(Layer):
    def __init__(self, pool_size=2, stride=None):
        super().__init__()
        self.pool_size = check_int_pair(pool_size, "pool_size")
        self.stride = self.pool_size if stride is None else check_int_pair(stride, "stride")

    def _geometry(self, x):
        x = _check_nchw(x, "x")
        (ph, pw), (sh, sw) = self.pool_size, self.stride
        if x.shape[2] < ph or x.shape[3] < pw:
            raise ShapeError(
                f"{type(self).__name__}: ảnh {x.shape[2]}×{x.shape[3]} nhỏ hơn cửa sổ gộp "
                f"{ph}×{pw}."
            )
        ho = conv_output_size(x.shape[2], ph, 0, sh)
        wo = conv_output_size(x.shape[3], pw, 0, sw)
        return x, ho, wo

    def extra_repr(self):
        return f"pool_size={self.pool_size}, stride={self.stride}"
