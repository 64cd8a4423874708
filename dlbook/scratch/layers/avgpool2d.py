"""Average pooling (Phần 4, chương 10): the mean of every window; backward spreads each
gradient evenly, ``dout / (ph·pw)``, over the window."""

from __future__ import annotations

import numpy as np

from dlbook.scratch._checks import as_float_array
from dlbook.scratch.layers._pooling import _Pool2D
from dlbook.scratch.layers.im2col import window_view


class AvgPool2D(_Pool2D):
    """Average pooling over ``pool_size`` windows every ``stride`` pixels. Input ``(N, C, H, W)``."""

    def forward(self, x):
        x, ho, wo = self._geometry(x)
        out = window_view(x, self.pool_size, self.stride).mean(axis=(-2, -1))
        self.cache = (x.shape, x.dtype)
        return out

    def backward(self, dout):
        self._check_cache()
        shape, dtype = self.cache
        (ph, pw), (sh, sw) = self.pool_size, self.stride
        ho = (shape[2] - ph) // sh + 1
        wo = (shape[3] - pw) // sw + 1
        dout = as_float_array(dout, "dout", shape=(shape[0], shape[1], ho, wo))
        share = dout / (ph * pw)
        dx = np.zeros(shape, dtype=np.result_type(dtype, dout))
        for i in range(ph):
            for j in range(pw):
                dx[:, :, i:i + sh * ho:sh, j:j + sw * wo:sw] += share
        return dx
