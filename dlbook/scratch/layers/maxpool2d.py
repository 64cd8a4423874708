"""Max pooling (Phần 4, chương 10).

Forward keeps the largest value of every ``ph × pw`` window; the backward pass sends each
gradient to the position of that maximum only (the other inputs did not influence the output,
so their gradient is 0). When several values tie for the maximum the first one in reading
order gets the gradient, as in PyTorch.

Instead of looping over the ``N·C·Ho·Wo`` windows, both passes loop over the ``ph·pw``
positions *inside* a window: ``x[:, :, i::s, j::s]`` (cut to ``Ho × Wo``) is the ``(i, j)``-th
element of every window at once, so the maximum is ``ph·pw − 1`` element-wise ``np.maximum``
calls on strided views, without copying the windows.
"""

from __future__ import annotations

import numpy as np

from dlbook.scratch._checks import as_float_array
from dlbook.scratch.layers._pooling import _Pool2D


def _offset_view(x, i, j, stride, out_hw):
    (sh, sw), (ho, wo) = stride, out_hw
    return x[:, :, i:i + sh * ho:sh, j:j + sw * wo:sw]


class MaxPool2D(_Pool2D):
    """Max pooling over ``pool_size`` windows every ``stride`` pixels (``stride`` defaults to
    ``pool_size``: windows side by side). Input ``(N, C, H, W)``."""

    def forward(self, x):
        x, ho, wo = self._geometry(x)
        (ph, pw) = self.pool_size
        out = _offset_view(x, 0, 0, self.stride, (ho, wo)).copy()
        for i in range(ph):
            for j in range(pw):
                if i or j:
                    np.maximum(out, _offset_view(x, i, j, self.stride, (ho, wo)), out=out)
        self.cache = (x, out)
        return out

    def backward(self, dout):
        self._check_cache()
        x, out = self.cache
        dout = as_float_array(dout, "dout", shape=out.shape)
        (ph, pw) = self.pool_size
        hw = out.shape[2:]
        dx = np.zeros(x.shape, dtype=np.result_type(x, dout))
        taken = np.zeros(out.shape, dtype=bool)  # windows whose maximum already got the gradient
        for i in range(ph):
            for j in range(pw):
                hit = _offset_view(x, i, j, self.stride, hw) == out
                hit &= ~taken
                taken |= hit
                _offset_view(dx, i, j, self.stride, hw)[...] += dout * hit
        return dx
