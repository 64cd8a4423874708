"""Helpers for the chapters themselves (not algorithms).

``glue`` lets a chapter put a number computed by its code into its prose (``{glue:text}`name```),
so worked examples are never typed by hand. On Colab or Binder, where myst-nb is not installed,
it simply shows the value.
"""

from __future__ import annotations

from typing import Any


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
