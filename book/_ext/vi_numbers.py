"""Glued numbers in the Vietnamese format: decimal comma, dot for thousands, 10ⁿ for exponents.

myst-nb renders ``{glue:text}`name:spec``` with Python's ``format(value, spec)``, which writes
``0.953``, ``12345`` and ``1.3e+09``. This extension makes every numeric glued value read the way
the prose around it does — ``0,953``, ``12.345``, ``1,3 × 10⁹`` — whatever the format spec, so a
chapter can glue the raw number and choose the digits in the prose (``:.3f``). Strings glued by
the code (for example ``format_vi(x)``) are shown unchanged.

The function :func:`format_vi_plain_text` replaces myst-nb's ``format_plain_text`` in the modules
that call it (the glue role and the glue cross-references); tests/book/test_number_format.py
checks both the formatting and that the hook is still in place.
"""

from __future__ import annotations

import re
from ast import literal_eval

_SPEC = re.compile(
    r"^(?P<align>(?:.?[<>=^])?)(?P<sign>[+\- ]?)(?P<alt>#?)(?P<zero>0?)(?P<width>\d*)"
    r"(?P<group>[,_]?)(?P<prec>(?:\.\d+)?)(?P<type>[bcdeEfFgGnosxX%]?)$"
)
_NUMPY_SCALAR = re.compile(r"^(?:np|numpy)\.\w+\((.*)\)$")
_TORCH_SCALAR = re.compile(r"^tensor\((.*)\)$")


def _parse(text: str):
    text = text.strip()
    for pattern in (_NUMPY_SCALAR, _TORCH_SCALAR):
        m = pattern.match(text)
        if m:
            text = m.group(1)
    try:
        return literal_eval(text)
    except (SyntaxError, ValueError):
        return text


def vi_number(english: str) -> str:
    from dlbook.book import vietnamese_number_text  # one implementation, shared with format_vi

    return vietnamese_number_text(english)


def format_vi_value(value, fmt_spec: str = "") -> str:
    """Format a glued value as the Vietnamese prose needs it (see the module docstring)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value) if not fmt_spec else format(value, fmt_spec)
    if not fmt_spec:
        if isinstance(value, int):
            return vi_number(str(value))
        return vi_number(repr(value))
    spec = _SPEC.match(fmt_spec)
    if spec is None:
        return format(value, fmt_spec)
    kind = spec.group("type")
    if kind == "s":  # myst-nb's default spec ({glue:text}`name` without one): the number as text
        return format(format_vi_value(value), fmt_spec)
    if kind in ("b", "c", "o", "x", "X"):
        return format(value, fmt_spec)
    if kind in ("d", "n") or (kind == "" and isinstance(value, int)):
        value = int(value)
    elif kind:
        value = float(value)
    plain = format(value, f"{spec.group('sign')}{spec.group('alt')}{spec.group('prec')}{kind}")
    return vi_number(plain)


def format_vi_plain_text(text: str, fmt_spec: str) -> str:
    """Drop-in replacement of ``myst_nb.core.variables.format_plain_text``."""
    return format_vi_value(_parse(text), fmt_spec)


PATCHED_MODULES = ("myst_nb.ext.glue.roles", "myst_nb.ext.glue.crossref")


def install() -> list[str]:
    """Point myst-nb's glue modules at the Vietnamese formatter; return the modules patched."""
    import importlib

    patched = []
    for name in PATCHED_MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "format_plain_text"):
            module.format_plain_text = format_vi_plain_text
            patched.append(name)
    return patched


def setup(app):
    install()
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
