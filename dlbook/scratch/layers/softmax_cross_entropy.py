"""Softmax + categorical cross-entropy as one layer on logits (Phần 3–4).

Fusing them is both simpler and more stable: the gradient with respect to the logits is
``(softmax(z) − onehot(y)) / N``, with no division by a probability that may be 0.
"""

from __future__ import annotations

from dlbook.errors import DlbookError
from dlbook.scratch.losses import cross_entropy_with_logits


class SoftmaxCrossEntropy:
    """``loss = layer.forward(logits, y)``; ``dlogits = layer.backward()``.

    ``y`` holds integer labels ``(N,)`` or one-hot rows ``(N, K)``.
    """

    def __init__(self):
        self.cache = None

    def forward(self, logits, y):
        loss, grad = cross_entropy_with_logits(logits, y)
        self.cache = grad
        return loss

    __call__ = forward

    def backward(self, dout: float = 1.0):
        if self.cache is None:
            raise DlbookError("SoftmaxCrossEntropy.backward được gọi trước forward.")
        return self.cache * dout

    def __repr__(self):
        return "SoftmaxCrossEntropy()"
