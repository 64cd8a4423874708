"""Helpers for the chapters themselves (not algorithms).

``glue`` lets a chapter put a number computed by its code into its prose (``{glue:text}`name```),
so worked examples are never typed by hand. On Colab or Binder, where myst-nb is not installed,
it simply shows the value.
"""

from __future__ import annotations

import re
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


_SUPERSCRIPT = str.maketrans("0123456789-+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺")


def _group_thousands(digits: str) -> str:
    head = len(digits) % 3 or 3
    return ".".join([digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)])


def vietnamese_number_text(english: str) -> str:
    """Rewrite a number as Python writes it (``-1234.5``, ``1.3e+09``, ``37.5%``) the Vietnamese
    way (``-1.234,5``, ``1,3 × 10⁹``, ``37,5%``); anything that is not such a number is returned
    unchanged. Used by :func:`format_vi` and by the book's glue renderer (book/_ext/vi_numbers.py).

    >>> vietnamese_number_text("1.3e+09")
    '1,3 × 10⁹'
    """
    m = re.fullmatch(r"([+\- ]?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?(%?)", english.strip())
    if not m:
        return english
    sign, whole, frac, exponent, percent = m.groups()
    mantissa = _group_thousands(whole) + ("," + frac if frac else "")
    if exponent is None:
        return f"{sign}{mantissa}{percent}"
    power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
    if mantissa == "1":
        return f"{sign}{power}{percent}"
    return f"{sign}{mantissa} × {power}{percent}"


def format_vi(x: float, digits: int = 0, *, percent: bool = False, scientific: bool = False) -> str:
    """Format a number the Vietnamese way: ``.`` groups thousands, ``,`` marks decimals.

    >>> format_vi(68921)
    '68.921'
    >>> format_vi(3.14159, 2)
    '3,14'
    >>> format_vi(0.375, 1, percent=True)
    '37,5%'
    >>> format_vi(0.000123, 1, scientific=True)
    '1,2 × 10⁻⁴'
    """
    value = 100 * float(x) if percent else float(x)
    text = vietnamese_number_text(f"{value:.{int(digits)}{'e' if scientific else 'f'}}")
    return text + "%" if percent else text


def format_table(df, digits: int | dict = 2, *, percent=(), scientific=(), hide_index: bool = True):
    """A pandas ``Styler`` that shows ``df`` with every number in the Vietnamese format.

    ``digits`` is the number of decimals of float columns (an int, or a dict column → int);
    integer columns get thousands separators; columns named in ``percent`` are shown as
    percentages and those in ``scientific`` as ``1,2 × 10⁻⁴``. Text cells are left as they are.
    """
    import numbers

    def cell_format(column):
        d = digits.get(column, 2) if isinstance(digits, dict) else digits

        def fmt(v):
            if isinstance(v, bool) or not isinstance(v, numbers.Number):
                return v
            if v != v:  # NaN
                return "–"
            if column in percent:
                return format_vi(v, d, percent=True)
            if column in scientific:
                return format_vi(v, d, scientific=True)
            if isinstance(v, numbers.Integral):
                return format_vi(v, 0)
            return format_vi(v, d)

        return fmt

    styler = df.style.format({c: cell_format(c) for c in df.columns})
    if hide_index:
        styler = styler.hide(axis="index")
    return styler


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
