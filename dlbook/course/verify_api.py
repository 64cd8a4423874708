"""What a per-assignment ``verify.py`` declares, and the shared rules of the verdict protocol.

Each ``solutions/<assignment>/verify.py`` defines ``TASKS = {"<grade_id>": Task(...)}``, one entry
per graded test cell. The trusted grader (outside the student's kernel) then, for each task:

1. calls ``task.make_cases(rng)`` with a fresh ``np.random.Generator``: a list of cases, each a
   dict of keyword arguments (numpy arrays or Python scalars);
2. writes ``call_inputs(case)`` of every case to ``.probe/in/<grade_id>/<i>.npz`` (keys that start
   with ``_`` are *not* written: they hold data the student must not see, such as held-out
   labels; 0-d arrays stand for scalars);
3. lets the kernel run; the hidden test of the task calls ``dlbook.course.probe.check``, which
   calls the student's function on every case and writes ``.probe/out/<grade_id>/<i>.npz`` (the
   result flattened by :func:`flatten_result`) or ``<i>.err``;
4. computes ``task.reference(**call_inputs(case))`` itself, flattens it with
   :func:`flatten_result` and compares with :func:`outputs_match` (or ``task.compare``).

:func:`run_task` does steps 1, 4 and the comparison in-process, without a kernel: the tests use it
to check that every solution passes its own verifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import numpy as np

Case = Dict[str, Any]
Outputs = Dict[str, np.ndarray]

#: Task ids (nbgrader grade ids) are used as directory names; nothing else is accepted.
TASK_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

#: Keys of a case that are kept on the trusted side (never written, never passed to the student).
PRIVATE_PREFIX = "_"

#: A key that, when present in a probe input file, is passed to the function as ``seed=int(...)``.
SEED_KEY = "__seed__"


class ResultError(ValueError):
    """A function's result cannot be turned into plain numeric arrays (message in Vietnamese)."""


@dataclass(frozen=True)
class Task:
    """One graded task of an assignment, as the trusted grader sees it.

    ``make_cases(rng)`` returns a list of cases (dicts of keyword arguments); ``reference(**kw)``
    returns the correct result for one case (called without the private ``_`` keys). Results are
    compared after :func:`flatten_result`: same keys, same shape, compatible dtype kind and
    ``np.allclose(student, reference, rtol, atol)`` for floats, exact equality for ints and bools.
    ``compare(student_outputs, reference_outputs, case) -> bool`` replaces that comparison when
    values cannot be compared one by one (e.g. an accuracy threshold on held-out data, labels in
    ``case["_y"]``). ``rules`` says what the answer may use (:class:`Rules`, checked on the
    submitted source); a task without rules is checked for its results only.
    """

    make_cases: Callable[[np.random.Generator], List[Case]]
    reference: Callable[..., Any]
    rtol: float = 1e-6
    atol: float = 1e-8
    compare: Optional[Callable[[Outputs, Outputs, Case], bool]] = None
    rules: Optional["Rules"] = None


#: Libraries that hold a reference implementation of the numpy exercises (and the book's own).
REFERENCE_LIBRARIES = ("dlbook", "torch", "torchvision", "torchaudio", "sklearn", "scipy",
                       "mlxtend", "tensorflow", "keras", "jax", "cupy", "numba")
#: What the locked set-up cells import from dlbook: allowed (test helpers, data loaders).
STUDENT_RUNTIME = ("dlbook.course.checks", "dlbook.data.load_mnist_subset",
                   "dlbook.try_gpu", "dlbook.set_seed")


@dataclass(frozen=True)
class Rules:
    """What a task's answer may use; checked by the trusted grader on the submitted source.

    ``forbid_imports`` are dotted prefixes (``"torch"``, ``"dlbook"``,
    ``"numpy.linalg.lstsq"``): importing them anywhere in the student's cells, or using a name bound
    to them (by any cell, the set-up cells included) in the task's answer cell or the helpers it
    calls, is a violation. ``allow`` holds more specific prefixes that stay allowed
    (``"dlbook.course.checks"``); the longest matching prefix decides. ``no_loops`` refuses Python
    loops (``for``, ``while``, comprehensions, ``map``/``np.vectorize``...) in the answer cell and
    its helpers; ``allow_while`` keeps ``while`` (e.g. NMS). Dynamic code (``exec``, ``eval``,
    ``__import__``, ``importlib``, ``sys.modules``, ``globals()``, ``getattr`` with a computed
    name, ``get_ipython``...) is always a violation of a task that has rules.
    """

    forbid_imports: Tuple[str, ...] = REFERENCE_LIBRARIES
    allow: Tuple[str, ...] = STUDENT_RUNTIME
    no_loops: bool = False
    allow_while: bool = False


#: Helpers of ``dlbook.course.checks`` that are the answer of an exercise (a04).
CHECKS_ANSWERS = ("dlbook.course.checks.numerical_gradient", "dlbook.course.checks.expect_gradient")
#: The rules of a numpy exercise: numpy only (no dlbook except the test helpers, no torch...).
NUMPY_ONLY = Rules(forbid_imports=REFERENCE_LIBRARIES + CHECKS_ANSWERS)
#: ... and without Python loops.
NUMPY_NO_LOOPS = Rules(forbid_imports=REFERENCE_LIBRARIES + CHECKS_ANSWERS, no_loops=True)
#: The rules of a PyTorch exercise: torch allowed, the book's reference code is not.
TORCH_ALLOWED = Rules(forbid_imports=tuple(m for m in REFERENCE_LIBRARIES
                                           if m not in ("torch",)) + CHECKS_ANSWERS)


def call_inputs(case: Mapping[str, Any]) -> Case:
    """The keyword arguments a case passes to the student's function: private keys dropped, the
    seed kept (under ``__seed__``; the probe hands it to the student as ``seed=``)."""
    return {k: v for k, v in case.items() if k == SEED_KEY or not k.startswith(PRIVATE_PREFIX)}


def to_python_scalar(value: Any) -> Any:
    """0-d numpy arrays and numpy scalars become Python scalars; everything else is unchanged."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _as_numeric_array(value: Any, where: str) -> np.ndarray:
    if value is None:
        raise ResultError(f"{where} là None (hàm có quên `return` không?).")
    module = type(value).__module__ or ""
    if module.startswith("torch") and hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if isinstance(value, (str, bytes)):
        raise ResultError(f"{where} là chuỗi, không phải mảng số.")
    if not isinstance(value, (np.ndarray, np.generic, int, float, bool, list, tuple)):
        raise ResultError(
            f"{where} có kiểu {type(value).__name__}, không phải mảng numpy hay số."
        )
    try:
        arr = np.asarray(value)
    except Exception as exc:  # noqa: BLE001 - any failure means "not an array"
        raise ResultError(f"{where} không chuyển được thành mảng numpy ({exc}).") from None
    if arr.dtype.kind not in "biuf":
        raise ResultError(
            f"{where} phải là mảng số thực, số nguyên hoặc bool, nhưng có kiểu dữ liệu {arr.dtype}."
        )
    return np.array(arr, order="C")  # a copy; keeps 0-d arrays 0-d (ascontiguousarray does not)


def _is_scalar_like(value: Any) -> bool:
    if isinstance(value, (bool, int, float, np.generic)):
        return True
    return isinstance(value, np.ndarray) and value.ndim == 0


def flatten_result(result: Any) -> Outputs:
    """Turn a function's result into named numeric arrays, or raise :class:`ResultError`.

    - an array, a tensor or a scalar → ``{"out0": ...}``;
    - a tuple → ``out0, out1, …`` (one per element);
    - a list of scalars → one 1-D array ``out0``; any other list → ``out0, out1, …``;
    - a dict → its keys prefixed ``d_`` (keys must be short identifiers).
    Object arrays, strings, custom classes and ``None`` are refused.
    """
    if isinstance(result, dict):
        out: Outputs = {}
        for key, value in result.items():
            if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,40}", key):
                raise ResultError(f"khóa {key!r} của dict kết quả không hợp lệ.")
            out[f"d_{key}"] = _as_numeric_array(value, f"kết quả[{key!r}]")
        if not out:
            raise ResultError("kết quả là dict rỗng.")
        return out
    if isinstance(result, list) and result and all(_is_scalar_like(v) for v in result):
        return {"out0": _as_numeric_array(result, "kết quả")}
    if isinstance(result, (tuple, list)):
        if not result:
            return {"out0": _as_numeric_array(list(result), "kết quả")}
        return {
            f"out{i}": _as_numeric_array(value, f"phần tử thứ {i} của kết quả")
            for i, value in enumerate(result)
        }
    return {"out0": _as_numeric_array(result, "kết quả")}


def _kinds_compatible(student: np.ndarray, reference: np.ndarray) -> bool:
    ref, got = reference.dtype.kind, student.dtype.kind
    if ref == "b":
        return got == "b"
    if ref in "iu":
        return got in "iu"
    return got in "fiu"


def describe_outputs(outputs: Mapping[str, np.ndarray]) -> str:
    return ", ".join(f"{k}: {v.dtype} {tuple(v.shape)}" for k, v in outputs.items())


def outputs_match(
    task: Task, student: Outputs, reference: Outputs, case: Mapping[str, Any]
) -> Tuple[bool, str]:
    """Compare flattened outputs; returns ``(ok, reason)`` with a Vietnamese reason on failure."""
    if task.compare is not None:
        try:
            ok = bool(task.compare(student, reference, dict(case)))
        except Exception as exc:  # noqa: BLE001 - a comparison that breaks is a mismatch
            return False, f"không so sánh được kết quả ({type(exc).__name__}: {exc})."
        return ok, "" if ok else "kết quả không đạt tiêu chí của bài."
    if set(student) != set(reference):
        return False, (
            f"cấu trúc kết quả khác: mong đợi {describe_outputs(reference)}, "
            f"nhận được {describe_outputs(student)}."
        )
    for key, ref in reference.items():
        got = student[key]
        if got.shape != ref.shape:
            return False, f"{key}: mong đợi kích thước {ref.shape}, nhận được {got.shape}."
        if not _kinds_compatible(got, ref):
            return False, f"{key}: mong đợi kiểu {ref.dtype}, nhận được {got.dtype}."
        if ref.dtype.kind == "f":
            ok = np.allclose(got.astype(np.float64), ref, rtol=task.rtol, atol=task.atol,
                             equal_nan=True)
        else:
            ok = np.array_equal(got, ref)
        if not ok:
            return False, f"{key}: giá trị sai."
    return True, ""


def run_task(
    task: Task, fn: Callable[..., Any], rng: np.random.Generator
) -> List[Tuple[bool, str]]:
    """Run one task in-process: ``fn`` against ``task.reference`` on fresh cases.

    Inputs are copied before each call (so neither side sees the other's in-place changes) and
    scalars are passed as Python scalars and the seed as ``seed=``, as the probe does.
    """
    results = []
    for case in task.make_cases(rng):
        inputs = {k: to_python_scalar(v) for k, v in call_inputs(case).items()}
        student = {("seed" if k == SEED_KEY else k): v for k, v in inputs.items()}
        try:
            got = flatten_result(fn(**_copy(student)))
        except Exception as exc:  # noqa: BLE001
            results.append((False, f"{type(exc).__name__}: {exc}"))
            continue
        want = flatten_result(task.reference(**_copy(inputs)))
        results.append(outputs_match(task, got, want, case))
    return results


def _copy(inputs: Mapping[str, Any]) -> Case:
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in inputs.items()}
