"""Full mode: whether a chapter trains on its full data and epochs or on its CPU budget."""

from __future__ import annotations

import os

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def full_mode() -> bool:
    """True when the chapters should run at full size (all the data, all the epochs).

    ``DLBOOK_FULL=1`` turns it on, ``DLBOOK_FULL=0`` off; unset (or empty), it is on exactly when
    PyTorch sees a GPU. A chapter with a CPU budget writes ``FULL = dlbook.full_mode()`` and picks
    its data size and epochs from it; on a CPU-only machine nothing changes.
    """
    value = os.environ.get("DLBOOK_FULL", "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if value:
        raise ValueError(
            f"DLBOOK_FULL={os.environ['DLBOOK_FULL']!r} không hợp lệ: dùng 1 (chế độ đầy đủ), "
            "0 (chế độ nhanh cho CPU) hoặc bỏ trống (tự bật khi có GPU)."
        )
    from dlbook.device import num_gpus

    return num_gpus() > 0
