"""Max pooling (Phần 4, chương 10).

Forward keeps the largest value of every ``ph × pw`` window and remembers *where* it was; the
backward pass sends each gradient to that position only (the other inputs did not influence
the output, so their gradient is 0). When several values tie for the maximum the first one (in
reading order) gets the gradient, as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from dlbook.scratch._checks import as_float_array
from dlbook.scratch.layers._pooling import _Pool2D
from dlbook.scratch.layers.im2col import window_view


class MaxPool2D(_Pool2D):
    """Max pooling over ``pool_size`` windows every ``stride`` pixels (``stride`` defaults to
    ``pool_size``: windows side by side). Input ``(N, C, H, W)``."""

    def forward(self, x):
        x, ho, wo = self._geometry(x)
        (ph, pw) = self.pool_size
        win = window_view(x, self.pool_size, self.stride)  # (N, C, Ho, Wo, ph, pw)
        flat = win.reshape(*win.shape[:4], ph * pw)
        arg = flat.argmax(axis=-1)
        out = np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]
        self.cache = (x.shape, x.dtype, arg)
        return out

    def backward(self, dout):
        self._check_cache()
        shape, dtype, arg = self.cache
        dout = as_float_array(dout, "dout", shape=arg.shape)
        (ph, pw), (sh, sw) = self.pool_size, self.stride
        ho, wo = arg.shape[2:]
        dx = np.zeros(shape, dtype=np.result_type(dtype, dout))
        for i in range(ph):
            for j in range(pw):
                hit = arg == i * pw + j
                dx[:, :, i:i + sh * ho:sh, j:j + sw * wo:sw] += np.where(hit, dout, 0)
        return dx
