"""Input checks shared by the from-scratch modules (messages in Vietnamese).

``dlbook.errors.check_array`` turns every input into float64. The layers keep float32 when they
get float32 (it halves the memory traffic of a training loop), so they use
:func:`as_float_array` instead, which keeps float32/float64 and converts the rest to float64.
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence, Union

import numpy as np

from dlbook.errors import DlbookError, DTypeError, ShapeError, check_array

Dim = Union[int, str, None]


def as_float_array(
    x,
    name: str = "x",
    *,
    ndim: Optional[Union[int, Iterable[int]]] = None,
    shape: Optional[Sequence[Dim]] = None,
    check_finite: bool = False,
) -> np.ndarray:
    """Return ``x`` as a float array (float32 kept, anything else numeric -> float64).

    Raises ``DTypeError`` for non-numeric input and ``ShapeError`` for a wrong number of
    dimensions or a wrong size, with a message that says what was expected and what came in.
    """
    arr = check_array(x, name, ndim=ndim, shape=shape, dtype="any")
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise DTypeError(f"`{name}` phải chứa số thực, nhưng có kiểu dữ liệu {arr.dtype}.")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise DTypeError(f"`{name}` phải chứa số thực, không phải số phức.")
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    if check_finite and arr.size and not np.all(np.isfinite(arr)):
        raise DlbookError(f"`{name}` chứa NaN hoặc vô cùng (inf); hãy kiểm tra dữ liệu đầu vào.")
    return arr


def check_labels(y, name: str = "y", n: Optional[int] = None) -> np.ndarray:
    """Integer class labels as a 1-D int64 array (optionally of length ``n``)."""
    arr = check_array(y, name, ndim=1, dtype="int")
    if n is not None and len(arr) != n:
        raise ShapeError(f"`{name}` phải có {n} nhãn (một nhãn cho mỗi mẫu), nhưng có {len(arr)}.")
    return arr


def check_int_pair(value, name: str, *, allow_zero: bool = False) -> tuple:
    """``3`` -> ``(3, 3)``; ``(3, 2)`` stays; anything else raises a Vietnamese error."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        pair = (int(value), int(value))
    elif (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
    ):
        pair = (int(value[0]), int(value[1]))
    else:
        raise DTypeError(
            f"`{name}` phải là một số nguyên hoặc một cặp (cao, rộng) số nguyên, "
            f"nhưng nhận được {value!r}."
        )
    low = 0 if allow_zero else 1
    if min(pair) < low:
        sign = "không âm" if allow_zero else "dương"
        raise DlbookError(f"`{name}` phải là số nguyên {sign}, nhưng nhận được {value!r}.")
    return pair


def make_rng(seed_or_rng=0) -> np.random.Generator:
    """A ``np.random.Generator`` from an int seed or an existing generator."""
    if isinstance(seed_or_rng, np.random.Generator):
        return seed_or_rng
    if seed_or_rng is None:
        return np.random.default_rng()
    if isinstance(seed_or_rng, (int, np.integer)) and not isinstance(seed_or_rng, bool):
        if seed_or_rng < 0:
            raise DlbookError(f"`seed` phải là số nguyên không âm, nhưng nhận được {seed_or_rng}.")
        return np.random.default_rng(int(seed_or_rng))
    raise DTypeError(
        f"`seed`/`rng` phải là số nguyên hoặc np.random.Generator, nhưng nhận được {seed_or_rng!r}."
    )
