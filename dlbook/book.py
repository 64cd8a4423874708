"""Helpers for the chapters themselves (not algorithms).

``glue`` lets a chapter put a number computed by its code into its prose (``{glue:text}`name```),
so worked examples are never typed by hand. On Colab or Binder, where myst-nb is not installed,
it simply shows the value.
"""

from __future__ import annotations

import time
from typing import Any, Callable


def glue(name: str, value: Any, display: bool = False) -> None:
    """Register ``value`` under ``name`` for the book (myst-nb), or show it outside the book.

    Returns None, like myst-nb's glue, so a cell that ends with ``glue(...)`` shows no stray value.
    """
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # Colab, Binder without the book extras
        if display:
            print(f"{name} = {value!r}")
        return None
    myst_glue(name, value, display=display)
    return None


_TO_VI = str.maketrans({",": ".", ".": ","})


def format_vi(x: float, digits: int = 0, *, percent: bool = False) -> str:
    """Format a number the Vietnamese way: ``.`` groups thousands, ``,`` marks decimals.

    >>> format_vi(68921)
    '68.921'
    >>> format_vi(3.14159, 2)
    '3,14'
    >>> format_vi(0.375, 1, percent=True)
    '37,5%'
    """
    value = 100 * float(x) if percent else float(x)
    text = f"{value:,.{int(digits)}f}".translate(_TO_VI)
    return text + "%" if percent else text


def best_time(fn: Callable[[], Any], repeats: int = 3, target: float = 0.01) -> float:
    """Best-of-``repeats`` CPU time (seconds) of one call of ``fn()``.

    Calls ``fn`` often enough that each measurement lasts about ``target`` seconds, and uses the
    thread's CPU time (``time.thread_time``) so other programs on the machine disturb it less.
    """
    start = time.thread_time()
    fn()
    once = max(time.thread_time() - start, 1e-7)
    number = max(1, int(target / once))
    best = float("inf")
    for _ in range(repeats):
        start = time.thread_time()
        for _ in range(number):
            fn()
        best = min(best, (time.thread_time() - start) / number)
    return best
