"""The assignment rules, checked by the trusted grader on the submitted source (never in the kernel).

Each task of ``solutions/<assignment>/verify.py`` carries its rules,
``Task(..., rules=Rules(...))`` (:class:`dlbook.course.verify_api.Rules`). :func:`check_rules` reads the cells of the submitted
notebook (after nbgrader restored the locked and test cells) and returns, per task, the list of
violations in Vietnamese:

- **imports anywhere** in the student's cells (answer cells and free cells) of a forbidden module,
  however it is spelt: ``import torch as t``, ``from dlbook.scratch import detection``,
  ``from dlbook import *``;
- **names bound to a forbidden module** used by the task's answer cell or by a helper it calls
  (defined in any student cell): aliases (``F = torch.nn.functional`` in another cell), default
  arguments (``def f(x, g=detection.iou)``), decorators, ``getattr(mod, "name")`` with a literal
  name, and the names the locked set-up cells import (``torch`` in the PyTorch assignments) when
  a numpy task forbids them;
- **dynamic code** anywhere in the student's cells, which could hide any of the above:
  ``exec``, ``eval``, ``compile``, ``__import__``, ``importlib``, ``sys.modules``, ``globals()``,
  ``locals()``, ``vars()``, ``getattr``/``setattr`` with a computed name, ``get_ipython`` (and the
  IPython magics that use it), ``__builtins__``/``__dict__``/``__globals__``/``__subclasses__``,
  ``pickle``, ``ctypes``, ``subprocess``, ``os.system``...; it voids every task that has rules;
- **Python loops** (``no_loops``): ``for``, ``while`` (unless ``allow_while``), comprehensions and
  the disguised loops (``map``, ``filter``, ``np.vectorize``, ``np.apply_along_axis``,
  ``np.frompyfunc``, ``np.fromiter``) in the answer cell or the helpers it calls.

The check is static and conservative: code that cannot be analysed counts as a violation.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from dlbook.course.verify_api import Rules

#: Modules (dotted prefixes) whose use is dynamic code: forbidden by every task that has rules.
DYNAMIC_MODULES = (
    "importlib", "imp", "runpy", "pkgutil", "zipimport", "builtins", "__builtin__", "ctypes",
    "cffi", "pickle", "cPickle", "_pickle", "marshal", "dill", "cloudpickle", "joblib", "shelve",
    "copyreg", "subprocess", "multiprocessing", "concurrent", "code", "codeop", "inspect", "gc",
    "sys.modules", "sys._getframe", "sys.meta_path", "sys.path_hooks", "sys.path",
    "os.system", "os.popen", "os.execv", "os.execve", "os.execl", "os.execle", "os.execlp",
    "os.execlpe", "os.execvp", "os.execvpe", "os.spawnl", "os.spawnle", "os.spawnlp",
    "os.spawnlpe", "os.spawnv", "os.spawnve", "os.spawnvp", "os.spawnvpe", "os.posix_spawn",
    "os.posix_spawnp", "IPython", "ipykernel", "types.FunctionType", "types.CodeType",
    "types.ModuleType", "pydoc",
)
#: Built-in names that run or reach code dynamically.
DYNAMIC_NAMES = {"exec", "eval", "compile", "__import__", "globals", "locals", "vars",
                 "get_ipython", "__builtins__", "breakpoint", "__loader__", "__spec__",
                 "execfile", "reload"}
#: Attributes that reach into the interpreter's internals.
DYNAMIC_ATTRS = {"__dict__", "__globals__", "__builtins__", "__subclasses__", "__import__",
                 "__code__", "__closure__", "__loader__", "__spec__", "__bases__", "__mro__",
                 "__base__", "__getattribute__", "__reduce__", "__reduce_ex__", "f_globals",
                 "f_locals", "f_back", "f_builtins", "gi_frame", "cr_frame", "tb_frame",
                 "co_code", "run_cell", "run_line_magic", "run_cell_magic", "user_ns",
                 "user_global_ns", "load_module", "exec_module", "find_spec"}
#: Calls whose second argument names an attribute: only a string literal can be analysed.
ATTRIBUTE_CALLS = {"getattr", "setattr", "delattr", "hasattr"}
LOOP_CALLS = {"vectorize", "apply_along_axis", "apply_over_axes", "frompyfunc", "fromiter",
              "map", "filter", "reduce", "starmap", "accumulate", "piecewise"}


@dataclass
class Cell:
    """A code cell as the rules see it: ``kind`` is setup (locked), answer, free or test."""

    index: int
    kind: str
    source: str
    grade_id: Optional[str] = None


@dataclass
class _Parsed:
    cell: Cell
    tree: Optional[ast.AST]
    error: Optional[str] = None
    magics: List[str] = field(default_factory=list)  #: magics that run code we cannot see


@dataclass
class _Notebook:
    cells: List[_Parsed]
    bindings: Dict[str, str] = field(default_factory=dict)  #: name -> dotted path
    defs: Dict[str, List[Tuple[int, ast.AST]]] = field(default_factory=dict)


def _to_python(source: str) -> Tuple[str, List[str]]:
    """The cell as plain Python (see :func:`dlbook.course.driver.plain_python`)."""
    from dlbook.course.driver import plain_python

    return plain_python(source)


def _dotted(node: ast.AST, bindings: Mapping[str, str]) -> Optional[str]:
    """``np.linalg.lstsq`` -> ``numpy.linalg.lstsq`` (through the notebook's bindings)."""
    if isinstance(node, ast.Name):
        return bindings.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value, bindings)
        return f"{base}.{node.attr}" if base else None
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "getattr" and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)):
        base = _dotted(node.args[0], bindings)
        return f"{base}.{node.args[1].value}" if base else None
    return None


def _value_path(value: ast.AST, bindings: Mapping[str, str]) -> Optional[str]:
    """What a top-level assignment binds: an alias (``F = torch.nn.functional``), a call or an
    item of something bound (``f = torch.nn.functional.relu(...)``, ``m = mods["torch"]``)."""
    path = _dotted(value, bindings)
    if path:
        return path
    if isinstance(value, ast.Call):
        return _dotted(value.func, bindings)
    if isinstance(value, ast.Subscript):
        return _dotted(value.value, bindings)
    if isinstance(value, (ast.Tuple, ast.List)) and value.elts:
        return next((p for p in (_value_path(e, bindings) for e in value.elts) if p), None)
    return None


def _import_bindings(node: ast.AST) -> List[Tuple[str, str]]:
    out = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                out.append((alias.asname, alias.name))
            else:
                top = alias.name.split(".")[0]
                out.append((top, top))
    elif isinstance(node, ast.ImportFrom):
        module = ("." * node.level) + (node.module or "")
        for alias in node.names:
            if alias.name != "*":
                out.append((alias.asname or alias.name, f"{module}.{alias.name}"))
    return out


def _imported_modules(node: ast.AST) -> List[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom):
        module = ("." * node.level) + (node.module or "")
        return [f"{module}.{a.name}" if a.name != "*" else module for a in node.names]
    return []


def _targets(node: ast.AST) -> List[str]:
    names = []
    targets = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    elif isinstance(node, ast.NamedExpr):
        targets = [node.target]
    for t in targets:
        for sub in ast.walk(t):
            if isinstance(sub, ast.Name):
                names.append(sub.id)
    return names


def _parse(cells: Sequence[Cell]) -> _Notebook:
    parsed = []
    for cell in cells:
        if cell.kind == "test":
            continue
        try:
            code, magics = _to_python(cell.source)
            tree = ast.parse(code)
            parsed.append(_Parsed(cell, tree, magics=magics))
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            parsed.append(_Parsed(cell, None, type(exc).__name__))
    nb = _Notebook(parsed)
    # bindings: imports everywhere, then assignments of bound things, until nothing changes
    for p in parsed:
        if p.tree is None:
            continue
        for node in ast.walk(p.tree):
            for name, path in _import_bindings(node):
                nb.bindings[name] = path
    for _ in range(6):
        changed = False
        for p in parsed:
            if p.tree is None:
                continue
            for node in p.tree.body:
                value = getattr(node, "value", None)
                if not isinstance(node, (ast.Assign, ast.AnnAssign)) or value is None:
                    continue
                path = _value_path(value, nb.bindings)
                if path:
                    for name in _targets(node):
                        if name not in nb.bindings:
                            nb.bindings[name] = path
                            changed = True
        if not changed:
            break
    # top-level definitions of the student's cells (functions, classes, assigned values)
    for p in parsed:
        if p.tree is None or p.cell.kind == "setup":
            continue
        for stmt in p.tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                nb.defs.setdefault(stmt.name, []).append((p.cell.index, stmt))
            else:
                for sub in ast.walk(stmt):
                    if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        nb.defs.setdefault(sub.name, []).append((p.cell.index, sub))
                    for name in _targets(sub):
                        nb.defs.setdefault(name, []).append((p.cell.index, sub))
    return nb


def _installed(top: str) -> bool:
    """``top`` is a module of the grader's Python (stdlib or installed), not a student's file."""
    import importlib.util
    import sys

    if top in sys.builtin_module_names or top in getattr(sys, "stdlib_module_names", ()):
        return True
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return False
    return spec is not None


def _matches(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".")


def _forbidden(path: str, forbid: Iterable[str], allow: Iterable[str]) -> Optional[str]:
    """The forbidden prefix that decides for ``path`` (longest match wins), or None."""
    best: Tuple[int, Optional[str]] = (-1, None)
    for prefix in forbid:
        if _matches(path, prefix) and len(prefix) > best[0]:
            best = (len(prefix), prefix)
    for prefix in allow:
        if _matches(path, prefix) and len(prefix) >= best[0]:
            best = (len(prefix), None)
    return best[1]


def _dynamic(tree: ast.AST, bindings: Mapping[str, str]) -> List[str]:
    """Dynamic-code constructs of one cell (Vietnamese descriptions)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in DYNAMIC_NAMES and node.id not in bindings:
            found.append(f"`{node.id}` (dòng {node.lineno})")
        elif isinstance(node, ast.Attribute) and node.attr in DYNAMIC_ATTRS:
            found.append(f"`.{node.attr}` (dòng {node.lineno})")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in ATTRIBUTE_CALLS
              and not (len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
                       and isinstance(node.args[1].value, str))):
            found.append(f"`{node.func.id}` với tên thuộc tính tính toán lúc chạy "
                         f"(dòng {node.lineno})")
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and node.value.startswith("__") and node.value.endswith("__")
              and node.value.strip("_") in {"import", "builtins", "dict", "globals",
                                             "subclasses", "code", "loader", "spec"}):
            found.append(f"chuỗi `{node.value}` (dòng {node.lineno})")
    for node in ast.walk(tree):
        path = None
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for mod in _imported_modules(node):
                hit = _forbidden(mod, DYNAMIC_MODULES, ())
                if hit:
                    found.append(f"`import {mod}` (dòng {node.lineno})")
            continue
        if isinstance(node, (ast.Name, ast.Attribute)):
            path = _dotted(node, bindings)
        if path and _forbidden(path, DYNAMIC_MODULES, ()):
            found.append(f"`{path}` (dòng {node.lineno})")
    return sorted(set(found))


def _scope(nb: _Notebook, cell_index: int) -> List[Tuple[int, ast.AST]]:
    """The answer cell and every student definition it reaches by name (transitively)."""
    start = next((p for p in nb.cells if p.cell.index == cell_index), None)
    if start is None or start.tree is None:
        return []
    todo: List[Tuple[int, ast.AST]] = [(cell_index, start.tree)]
    out: List[Tuple[int, ast.AST]] = []
    seen: Set[int] = set()
    while todo:
        where, node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        out.append((where, node))
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name):
                for hit in nb.defs.get(sub.id, []):
                    if id(hit[1]) not in seen:
                        todo.append(hit)
    return out


def _loops(node: ast.AST, rules: Rules, bindings: Mapping[str, str]) -> List[str]:
    found = []
    for sub in ast.walk(node):
        kind = None
        if isinstance(sub, (ast.For, ast.AsyncFor)):
            kind = "vòng lặp for"
        elif isinstance(sub, ast.While) and not rules.allow_while:
            kind = "vòng lặp while"
        elif isinstance(sub, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            kind = "biểu thức lặp (comprehension)"
        elif isinstance(sub, ast.Call):
            name = sub.func.attr if isinstance(sub.func, ast.Attribute) else (
                sub.func.id if isinstance(sub.func, ast.Name) else None)
            path = _dotted(sub.func, bindings) or ""
            if name in LOOP_CALLS or path.rsplit(".", 1)[-1] in LOOP_CALLS:
                kind = f"`{path or name}` (một vòng lặp trá hình)"
        if kind:
            found.append(f"{kind} ở dòng {getattr(sub, 'lineno', '?')}")
    return found


def answer_cells(cells: Sequence[Cell], test_ids: Sequence[str]) -> Dict[str, int]:
    """The answer cell of each test cell: ``<task>_code``, else the last answer cell before it."""
    by_id = {c.grade_id: c.index for c in cells if c.kind == "answer" and c.grade_id}
    out: Dict[str, int] = {}
    last: Optional[int] = None
    for c in cells:
        if c.kind == "answer":
            last = c.index
        elif c.kind == "test" and c.grade_id in test_ids:
            out[c.grade_id] = by_id.get(f"{c.grade_id}_code", last)
            last = None
    return {k: v for k, v in out.items() if v is not None}


def check_rules(cells: Sequence[Cell], rules: Mapping[str, Rules],
                answers: Mapping[str, int]) -> Dict[str, List[str]]:
    """Violations of each task that has rules (``{task: [reason, ...]}``; empty lists: none)."""
    if not rules:
        return {}
    nb = _parse(cells)
    student = [p for p in nb.cells if p.cell.kind in ("answer", "free")]
    out: Dict[str, List[str]] = {task: [] for task in rules}
    unreadable = [p for p in student if p.tree is None]
    dynamic: List[str] = []
    for p in student:
        dynamic += [f"ô {p.cell.index + 1}: lệnh `{m}`" for m in p.magics]
        if p.tree is None:
            continue
        dynamic += [f"ô {p.cell.index + 1}: {d}" for d in _dynamic(p.tree, nb.bindings)]
        for node in ast.walk(p.tree):
            for mod in _imported_modules(node):
                if not mod.startswith(".") and not _installed(mod.split(".")[0]):
                    dynamic.append(f"ô {p.cell.index + 1}: `import {mod}` (dòng {node.lineno}) "
                                   "không phải thư viện cài sẵn (tệp .py nộp kèm không được "
                                   "kiểm tra)")
    for task, rule in rules.items():
        reasons = out[task]
        forbid = tuple(rule.forbid_imports)
        allow = tuple(rule.allow)
        for p in unreadable:
            if answers.get(task) == p.cell.index:
                continue  # the answer does not even run: the verification fails by itself
            reasons.append(f"ô {p.cell.index + 1} không phân tích được ({p.error}); "
                           "không kiểm tra được quy định của bài")
        if dynamic:
            reasons.append("mã động (có thể che giấu việc dùng thư viện bị cấm): "
                           + ", ".join(dynamic[:5]) + (" …" if len(dynamic) > 5 else ""))
        for p in student:
            if p.tree is None:
                continue
            for node in ast.walk(p.tree):
                for mod in _imported_modules(node):
                    hit = _forbidden(mod.lstrip("."), forbid, allow)
                    if hit or mod.startswith("."):
                        reasons.append(f"ô {p.cell.index + 1} nhập `{mod}` (dòng {node.lineno}), "
                                       f"bài này không cho dùng `{hit or mod}`")
        cell_index = answers.get(task)
        if cell_index is None:
            continue
        for where, node in _scope(nb, cell_index):
            for sub in ast.walk(node):
                if isinstance(sub, (ast.Name, ast.Attribute, ast.Call)):
                    path = _dotted(sub, nb.bindings)
                    if path and not path.startswith("."):
                        hit = _forbidden(path, forbid, allow)
                        if hit:
                            reasons.append(f"ô {where + 1} dùng `{path}` (dòng {sub.lineno}), "
                                           f"bài này không cho dùng `{hit}`")
            if rule.no_loops:
                for loop in _loops(node, rule, nb.bindings):
                    reasons.append(f"ô {where + 1}: câu này yêu cầu code vector hóa (không vòng "
                                   f"lặp Python), nhận được {loop}")
        out[task] = sorted(set(reasons))
    return out


def describe(reasons: Sequence[str], limit: int = 3) -> str:
    """One Vietnamese sentence for the feedback and the report."""
    head = "; ".join(reasons[:limit]) + (f"; và {len(reasons) - limit} vi phạm khác"
                                         if len(reasons) > limit else "")
    return f"vi phạm quy định của bài: {head}."
