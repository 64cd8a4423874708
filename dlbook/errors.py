"""Errors and input validation with messages in Vietnamese.

Students see these messages, so they say what was expected and what came in, e.g.
``ShapeError: `x` phải có kích thước (N, 3), nhưng nhận được (4, 2).``
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence, Union

import numpy as np


class DlbookError(ValueError):
    """Base class of the errors dlbook raises on bad input."""


class ShapeError(DlbookError):
    """An array has the wrong number of dimensions or the wrong size."""


class DTypeError(DlbookError, TypeError):
    """An input has the wrong type or dtype."""


class NotFittedError(DlbookError, AttributeError):
    """An estimator was used before ``fit``."""


Dim = Union[int, str, None]


def _format_shape(shape: Sequence[Dim]) -> str:
    parts = ["?" if d is None else str(d) for d in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def check_array(
    x,
    name: str = "x",
    *,
    ndim: Optional[Union[int, Iterable[int]]] = None,
    shape: Optional[Sequence[Dim]] = None,
    dtype: str = "numeric",
    allow_nan: bool = False,
    copy: bool = False,
) -> np.ndarray:
    """Convert ``x`` to a numpy array and check it, raising a Vietnamese error if it is wrong.

    ``shape`` may contain ints (exact size), ``None`` (any size) or a letter such as ``"N"``
    (any size, named in the message). ``dtype`` is ``"numeric"`` (int, float or bool, returned as
    float64), ``"float"`` (returned as float64), ``"int"`` (integers) or ``"any"``.
    """
    if x is None:
        raise DTypeError(f"`{name}` là None; cần một mảng numpy.")
    if isinstance(x, (str, bytes)):
        raise DTypeError(f"`{name}` phải là mảng số, nhưng nhận được chuỗi {x!r:.40}.")
    if type(x).__module__.startswith("torch"):
        x = x.detach().cpu().numpy()
    arr = np.array(x, copy=copy) if copy else np.asarray(x)
    if dtype in ("numeric", "float"):
        if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise DTypeError(
                f"`{name}` phải chứa số thực, nhưng có kiểu dữ liệu {arr.dtype}."
            )
        if np.issubdtype(arr.dtype, np.complexfloating):
            raise DTypeError(f"`{name}` phải chứa số thực, không phải số phức.")
        arr = arr.astype(np.float64, copy=False)
    elif dtype == "int":
        if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
            raise DTypeError(f"`{name}` phải chứa số nguyên, nhưng có kiểu dữ liệu {arr.dtype}.")
        if not np.issubdtype(arr.dtype, np.integer):
            if not np.all(np.isfinite(arr)) or not np.all(np.mod(arr, 1) == 0):
                raise DTypeError(f"`{name}` phải chứa số nguyên, nhưng có giá trị không nguyên.")
            arr = arr.astype(np.int64)
    elif dtype != "any":
        raise ValueError(f"unknown dtype spec {dtype!r}")

    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " hoặc ".join(str(n) for n in allowed)
            raise ShapeError(
                f"`{name}` phải là mảng {want} chiều, nhưng nhận được mảng {arr.ndim} chiều "
                f"có kích thước {arr.shape}."
            )
    if shape is not None:
        ok = len(shape) == arr.ndim and all(
            not isinstance(d, int) or d == s for d, s in zip(shape, arr.shape)
        )
        if not ok:
            raise ShapeError(
                f"`{name}` phải có kích thước {_format_shape(shape)}, "
                f"nhưng nhận được {tuple(arr.shape)}."
            )
    if (
        not allow_nan
        and dtype in ("numeric", "float")
        and arr.size
        and not np.all(np.isfinite(arr))
    ):
        raise DlbookError(f"`{name}` chứa NaN hoặc vô cùng (inf); hãy kiểm tra dữ liệu đầu vào.")
    return arr


def check_same_length(a: np.ndarray, b: np.ndarray, name_a: str = "X", name_b: str = "y") -> None:
    """Raise if two arrays do not have the same number of samples (first axis)."""
    if len(a) != len(b):
        raise ShapeError(
            f"`{name_a}` và `{name_b}` phải có cùng số mẫu, nhưng `{name_a}` có {len(a)} "
            f"còn `{name_b}` có {len(b)}."
        )


def match_shape(reference: np.ndarray, other: np.ndarray, name_ref: str, name_other: str) -> np.ndarray:
    """``other`` reshaped to ``reference``'s shape when they differ only by axes of length 1
    (``(N,)`` against ``(N, 1)``); any other mismatch raises ``ShapeError``."""
    if other.shape == reference.shape:
        return other
    if other.size == reference.size and other.squeeze().shape == reference.squeeze().shape:
        return other.reshape(reference.shape)
    raise ShapeError(
        f"`{name_other}` phải có cùng kích thước với `{name_ref}` {tuple(reference.shape)}, "
        f"nhưng nhận được {tuple(other.shape)}."
    )


def check_positive(value, name: str, *, allow_zero: bool = False, integer: bool = False):
    """Raise if a hyper-parameter is not a positive number (or positive integer)."""
    kind = "số nguyên" if integer else "số"
    bad_type = isinstance(value, bool) or not isinstance(
        value, (int, np.integer) if integer else (int, float, np.integer, np.floating)
    )
    if bad_type:
        raise DTypeError(f"`{name}` phải là {kind}, nhưng nhận được {value!r}.")
    if value < 0 or (value == 0 and not allow_zero) or not np.isfinite(value):
        sign = "không âm" if allow_zero else "dương"
        raise DlbookError(f"`{name}` phải là {kind} {sign}, nhưng nhận được {value!r}.")
    return value


def check_positive_ints(**values) -> None:
    """``check_positive(v, name, integer=True)`` for each ``name=v``: the sizes of a layer or a dataset."""
    for name, value in values.items():
        check_positive(value, name, integer=True)


def check_fitted(estimator, *attributes: str) -> None:
    """Raise ``NotFittedError`` if ``estimator`` lacks the learned attributes (``coef_`` ...)."""
    missing = [a for a in attributes if not hasattr(estimator, a)]
    if missing:
        raise NotFittedError(
            f"{type(estimator).__name__} chưa được huấn luyện: hãy gọi `fit` trước "
            f"(thiếu {', '.join(missing)})."
        )
