"""Assertions with Vietnamese feedback for the test cells of the graded assignments.

Every check raises ``AssertionError("Sai ở <what>: mong đợi …, nhận được ….")`` so a student sees
what was expected and what came out, e.g.::

    expect_close(softmax_rows(z), [[0.5, 0.5]], "softmax_rows([[1000, 1000]])")

``what`` names the call or the quantity being checked, in the student's terms.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import textwrap
import types
import warnings
from typing import Any, Callable, Iterable, Optional, Sequence

import numpy as np

__all__ = [
    "expect_close",
    "expect_equal",
    "expect_shape",
    "expect_true",
    "expect_finite",
    "expect_no_loops",
    "expect_not_using",
    "expect_gradient",
    "expect_stable",
    "expect_raises",
    "numerical_gradient",
]


def _fail(what: str, message: str) -> None:
    raise AssertionError(f"Sai ở {what}: {message}")


def _fmt(value: Any) -> str:
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return _fmt(value.item())
        text = np.array2string(value, precision=6, threshold=20, edgeitems=3,
                               suppress_small=False)
        return text.replace("\n", " ")
    if isinstance(value, float):
        return f"{value:.6g}"
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "…"


def _to_numpy(value: Any, what: str, role: str = "kết quả") -> np.ndarray:
    if value is None:
        _fail(what, "mong đợi một mảng số, nhận được None (hàm có quên `return` không?).")
    module = type(value).__module__ or ""
    if module.startswith("torch") and hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if isinstance(value, (str, bytes)):
        _fail(what, f"mong đợi một mảng số, nhận được chuỗi {value!r:.60}.")
    try:
        arr = np.asarray(value)
    except Exception as exc:  # noqa: BLE001
        _fail(what, f"{role} không chuyển được thành mảng numpy ({exc}).")
    if arr.dtype.kind not in "biuf":
        _fail(what, f"mong đợi một mảng số, nhận được {type(value).__name__} "
                    f"(kiểu dữ liệu {arr.dtype}).")
    return arr


def expect_shape(actual: Any, shape: Sequence[int], what: str) -> None:
    """``actual`` (array or tensor) has exactly ``shape``."""
    arr = _to_numpy(actual, what)
    if tuple(arr.shape) != tuple(shape):
        _fail(what, f"mong đợi kích thước {tuple(shape)}, nhận được {tuple(arr.shape)}.")


def expect_finite(actual: Any, what: str) -> None:
    """``actual`` contains no NaN or infinity."""
    arr = _to_numpy(actual, what)
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        bad = int(np.sum(~np.isfinite(arr)))
        _fail(what, f"mong đợi các giá trị hữu hạn, nhận được {bad} giá trị NaN hoặc vô cùng "
                    f"(tràn số?): {_fmt(arr)}.")


def expect_close(actual: Any, expected: Any, what: str, rtol: float = 1e-6,
                 atol: float = 1e-8) -> None:
    """``actual`` has the shape of ``expected`` and the same values up to ``rtol``/``atol``."""
    exp = np.asarray(expected, dtype=np.float64)
    arr = _to_numpy(actual, what)
    if arr.shape != exp.shape:
        _fail(what, f"mong đợi kích thước {exp.shape}, nhận được {arr.shape} "
                    f"(giá trị nhận được: {_fmt(arr)}).")
    arr = arr.astype(np.float64)
    nan_got, nan_exp = np.isnan(arr), np.isnan(exp)
    if np.any(nan_got & ~nan_exp):
        _fail(what, f"mong đợi {_fmt(exp)}, nhận được {_fmt(arr)} (có NaN: tràn số hoặc chia "
                    f"cho 0?).")
    ok = np.isclose(arr, exp, rtol=rtol, atol=atol, equal_nan=True)
    if not np.all(ok):
        idx = tuple(int(i) for i in np.argwhere(~ok)[0])
        where = f" (phần tử {idx if len(idx) != 1 else idx[0]}: mong đợi {_fmt(exp[idx])}, " \
                f"nhận được {_fmt(arr[idx])})" if exp.ndim else ""
        _fail(what, f"mong đợi {_fmt(exp)}, nhận được {_fmt(arr)}{where}.")


def expect_equal(actual: Any, expected: Any, what: str) -> None:
    """Exact equality: ints, bools, index arrays, strings, tuples of ints."""
    if isinstance(expected, (str, bytes, tuple)) and not isinstance(actual, np.ndarray):
        if actual != expected:
            _fail(what, f"mong đợi {_fmt(expected)}, nhận được {_fmt(actual)}.")
        return
    exp = np.asarray(expected)
    arr = _to_numpy(actual, what)
    if arr.shape != exp.shape:
        _fail(what, f"mong đợi kích thước {exp.shape}, nhận được {arr.shape} "
                    f"(giá trị nhận được: {_fmt(arr)}).")
    if exp.dtype.kind in "iub" and arr.dtype.kind == "f":
        _fail(what, f"mong đợi số nguyên/bool (kiểu {exp.dtype}), nhận được số thực "
                    f"{_fmt(arr)}.")
    if not np.array_equal(arr, exp):
        _fail(what, f"mong đợi {_fmt(exp)}, nhận được {_fmt(arr)}.")


def expect_true(condition: Any, what: str, message: str = "điều kiện không thỏa") -> None:
    """A condition holds; ``message`` says in Vietnamese what was expected."""
    if not bool(condition):
        _fail(what, message)


def expect_raises(exc_type: type, fn: Callable[..., Any], *args: Any, what: str,
                  **kwargs: Any) -> None:
    """Calling ``fn(*args, **kwargs)`` raises ``exc_type`` (e.g. ValueError on bad input)."""
    try:
        fn(*args, **kwargs)
    except exc_type:
        return
    except Exception as exc:  # noqa: BLE001
        _fail(what, f"mong đợi lỗi {exc_type.__name__}, nhận được lỗi {type(exc).__name__}: "
                    f"{exc}.")
    _fail(what, f"mong đợi lỗi {exc_type.__name__}, nhưng hàm chạy bình thường, không báo lỗi.")


def expect_stable(fn: Callable[..., Any], *args: Any, what: str, **kwargs: Any) -> Any:
    """Call ``fn`` with numpy overflow/division warnings turned into failures; return its result."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            with np.errstate(over="raise", divide="raise", invalid="raise"):
                return fn(*args, **kwargs)
        except (FloatingPointError, RuntimeWarning) as exc:
            _fail(what, f"mong đợi một phép tính ổn định số, nhưng numpy báo tràn số / chia "
                        f"cho 0 / giá trị không hợp lệ ({exc}). Gợi ý: trừ giá trị lớn nhất "
                        f"trước khi lấy mũ, dùng np.clip hoặc công thức tương đương ổn định hơn.")


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray,
                       h: float = 1e-5) -> np.ndarray:
    """Central differences of a scalar function ``f`` at ``x`` (``x`` is restored afterwards)."""
    x = np.asarray(x, dtype=np.float64)
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        fp = float(f(x))
        flat[i] = old - h
        fm = float(f(x))
        flat[i] = old
        gflat[i] = (fp - fm) / (2 * h)
    return grad


def expect_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, analytic: Any, what: str,
                    h: float = 1e-5, tol: float = 1e-6, atol: float = 1e-8) -> None:
    """The analytic gradient of scalar ``f`` at ``x`` matches central differences.

    The error is ``|num − ana| / max(|num| + |ana|, 1e-8)`` element by element; its maximum must
    stay below ``tol``. Elements with ``|num − ana| <= atol`` pass whatever their relative error
    (a gradient that is zero up to rounding has no meaningful relative error).
    """
    x = np.array(x, dtype=np.float64)
    ana = _to_numpy(analytic, what).astype(np.float64)
    if ana.shape != x.shape:
        _fail(what, f"gradient phải có kích thước {x.shape} như biến, nhận được {ana.shape}.")
    num = numerical_gradient(f, x, h)
    diff = np.abs(num - ana)
    err = np.where(diff <= atol, 0.0, diff / np.maximum(np.abs(num) + np.abs(ana), 1e-8))
    if err.size and err.max() > tol:
        idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(err)), err.shape))
        _fail(what, f"gradient giải tích lệch khỏi gradient số (sai số tương đối lớn nhất "
                    f"{err.max():.2e} > {tol:.0e}) tại phần tử {idx}: mong đợi ≈ "
                    f"{_fmt(num[idx])}, nhận được {_fmt(ana[idx])}.")


# ---------------------------------------------------------------------------------------------
# Source checks (AST): no Python loops, no forbidden libraries.

_LOOP_NODES = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp,
               ast.GeneratorExp)
_LOOP_NAMES = {"vectorize", "apply_along_axis", "apply_over_axes", "frompyfunc", "map",
               "fromiter", "filter"}
_DYNAMIC_NAMES = {"__import__", "import_module", "eval", "exec", "compile", "globals"}


def _function_tree(func: Callable[..., Any], what: str) -> ast.AST:
    func = inspect.unwrap(func)
    if not isinstance(func, types.FunctionType):
        _fail(what, f"mong đợi một hàm Python, nhận được {type(func).__name__}.")
    try:
        source = inspect.getsource(func)
    except (OSError, TypeError):
        _fail(what, "không đọc được mã nguồn của hàm; hãy định nghĩa hàm bằng `def` trong "
                    "một ô code của notebook.")
    tree = ast.parse(textwrap.dedent(source))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return node
    return tree


def _body_nodes(node: ast.AST) -> Iterable[ast.AST]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        for stmt in node.body:
            yield from ast.walk(stmt)
    else:
        yield from ast.walk(node)


def _helpers(func: types.FunctionType, nodes: Iterable[ast.AST]) -> list:
    """Functions of the same notebook/module that ``func`` calls by global name."""
    found = []
    for node in nodes:
        if isinstance(node, ast.Name) and node.id in func.__globals__:
            obj = func.__globals__[node.id]
            if (isinstance(obj, types.FunctionType) and obj is not func
                    and obj.__module__ == func.__module__):
                found.append(obj)
    return found


def _attr_name(node: ast.AST) -> Optional[str]:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def expect_no_loops(func: Callable[..., Any], what: Optional[str] = None) -> None:
    """The body of ``func`` (and the notebook helpers it calls) has no Python loop.

    Refused: ``for``, ``while``, list/set/dict comprehensions, generator expressions, and the
    disguised loops ``np.vectorize``, ``np.apply_along_axis``, ``map``, ``filter``,
    ``np.fromiter``, ``np.frompyfunc``.
    """
    what = what or f"hàm `{getattr(func, '__name__', func)}`"
    for current, nodes in _with_helpers(func, what):
        for node in nodes:
            if isinstance(node, _LOOP_NODES):
                kind = {ast.For: "vòng lặp for", ast.AsyncFor: "vòng lặp for",
                        ast.While: "vòng lặp while"}.get(type(node), "biểu thức lặp "
                                                                     "(comprehension)")
                _fail(what, f"mong đợi code vector hóa (không có vòng lặp Python), nhận được "
                            f"{kind} ở dòng {getattr(node, 'lineno', '?')} của "
                            f"`{current.__name__}`. Hãy dùng broadcasting / các phép toán "
                            f"mảng của numpy.")
            if isinstance(node, ast.Call) and _attr_name(node.func) in _LOOP_NAMES:
                _fail(what, f"mong đợi code vector hóa, nhận được lời gọi "
                            f"`{_attr_name(node.func)}` (một vòng lặp trá hình) trong "
                            f"`{current.__name__}`.")


def _with_helpers(func: Callable[..., Any], what: str):
    """``(function, nodes of its body)`` for ``func`` and, transitively, every notebook helper it
    calls (each once)."""
    seen: set = set()
    todo = [inspect.unwrap(func)]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        nodes = list(_body_nodes(_function_tree(current, what)))
        yield current, nodes
        todo.extend(_helpers(current, nodes))


def _module_of(obj: Any) -> str:
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    return getattr(obj, "__module__", None) or getattr(type(obj), "__module__", "") or ""


def expect_not_using(func: Callable[..., Any],
                     modules: Sequence[str] = ("dlbook", "torch", "sklearn", "scipy"),
                     what: Optional[str] = None, names: Sequence[str] = ()) -> None:
    """``func`` (and the notebook helpers it calls) implements the algorithm itself.

    Fails when the body imports or refers to anything from ``modules`` (e.g. calling
    ``dlbook.scratch.nms`` or ``torch.nn.functional.conv2d`` instead of writing the algorithm),
    uses one of ``names`` (e.g. ``"lstsq"``) or loads code dynamically (``__import__``, ``eval``).
    """
    what = what or f"hàm `{getattr(func, '__name__', func)}`"
    banned = tuple(modules)

    def is_banned(module: str) -> bool:
        return any(module == m or module.startswith(m + ".") for m in banned)

    for current, nodes in _with_helpers(func, what):
        for node in nodes:
            culprit = None
            if isinstance(node, ast.Import):
                culprit = next((a.name for a in node.names if is_banned(a.name)), None)
            elif isinstance(node, ast.ImportFrom) and node.module and is_banned(node.module):
                culprit = node.module
            elif isinstance(node, ast.Name):
                if node.id in _DYNAMIC_NAMES:
                    culprit = node.id
                elif node.id in names:
                    culprit = node.id
                elif node.id in current.__globals__:
                    if is_banned(_module_of(current.__globals__[node.id])):
                        culprit = node.id
                elif hasattr(builtins, node.id):
                    pass
            elif isinstance(node, ast.Attribute) and (node.attr in names
                                                      or node.attr in _DYNAMIC_NAMES):
                culprit = node.attr
            if culprit:
                _fail(what, f"bài này yêu cầu tự cài đặt thuật toán, nhưng `{current.__name__}` "
                            f"dùng `{culprit}`.")
