"""dlbook.course.checks: the assertions of the assignments' test cells, with Vietnamese feedback."""

from __future__ import annotations

import linecache

import numpy as np
import pytest

from dlbook.course.checks import (
    expect_close,
    expect_equal,
    expect_finite,
    expect_gradient,
    expect_no_loops,
    expect_not_using,
    expect_raises,
    expect_shape,
    expect_stable,
    expect_true,
    numerical_gradient,
)
from dlbook.scratch.detection import nms as nms_alias


def test_expect_close_accepts_values_within_tolerance():
    expect_close(np.array([1.0, 2.0 + 1e-9]), [1, 2], "x")


def test_expect_close_says_what_was_expected_and_what_came_out():
    with pytest.raises(AssertionError) as info:
        expect_close(np.array([1.0, 2.5]), [1.0, 2.0], "softmax([0, 1])")
    text = str(info.value)
    assert text.startswith("Sai ở softmax([0, 1]): mong đợi [1. 2.], nhận được [1.  2.5]")
    assert "phần tử 1" in text


def test_expect_close_reports_a_shape_mismatch():
    with pytest.raises(AssertionError, match=r"mong đợi kích thước \(2,\), nhận được \(2, 1\)"):
        expect_close(np.ones((2, 1)), [1.0, 1.0], "x")


def test_expect_close_reports_nan_as_overflow():
    with pytest.raises(AssertionError, match="NaN"):
        expect_close(np.array([np.nan]), [0.5], "x")


def test_expect_close_reports_a_missing_return():
    with pytest.raises(AssertionError, match="quên `return`"):
        expect_close(None, [1.0], "f(x)")


class AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


def test_expect_close_and_equal_refuse_objects_that_claim_equality():
    with pytest.raises(AssertionError, match="mảng số"):
        expect_close(AlwaysEqual(), [1.0], "x")
    with pytest.raises(AssertionError, match="mảng số"):
        expect_equal(AlwaysEqual(), np.array([1]), "x")


def test_expect_close_accepts_torch_tensors():
    torch = pytest.importorskip("torch")
    expect_close(torch.tensor([0.5, 1.0]), [0.5, 1.0], "x")


def test_expect_equal_refuses_floats_where_integers_are_expected():
    with pytest.raises(AssertionError, match="số nguyên"):
        expect_equal(np.array([0.0, 2.0]), np.array([0, 2]), "nms(...)")
    expect_equal(np.array([0, 2], dtype=np.int32), np.array([0, 2]), "nms(...)")
    expect_equal((1, 2), (1, 2), "shape")
    with pytest.raises(AssertionError):
        expect_equal(3, 4, "n")


def test_expect_shape_and_finite_and_true():
    expect_shape(np.zeros((2, 3)), (2, 3), "x")
    with pytest.raises(AssertionError, match=r"mong đợi kích thước \(3, 2\)"):
        expect_shape(np.zeros((2, 3)), (3, 2), "x")
    with pytest.raises(AssertionError, match="NaN hoặc vô cùng"):
        expect_finite(np.array([1.0, np.inf]), "x")
    with pytest.raises(AssertionError, match="Sai ở điều kiện: phải đúng"):
        expect_true(False, "điều kiện", "phải đúng")


def test_expect_stable_turns_overflow_into_a_failure_and_returns_the_result():
    with pytest.raises(AssertionError, match="tràn số"):
        expect_stable(lambda z: 1 / (1 + np.exp(-z)), np.array([-1000.0]), what="sigmoid")
    out = expect_stable(lambda z: np.exp(-np.abs(z)), np.array([-1000.0]), what="ok")
    assert out[0] == 0.0


def test_expect_raises_names_the_wrong_exception_or_its_absence():
    expect_raises(ValueError, int, "x", what="int('x')")
    with pytest.raises(AssertionError, match="nhận được lỗi IndexError"):
        expect_raises(ValueError, lambda: [][1], what="f")
    with pytest.raises(AssertionError, match="không báo lỗi"):
        expect_raises(ValueError, lambda: 1, what="f")


def test_numerical_gradient_is_central_and_restores_x():
    x = np.array([[0.5, -1.0], [2.0, 0.0]])
    before = x.copy()
    g = numerical_gradient(lambda v: float(np.sum(v**3)), x)
    np.testing.assert_allclose(g, 3 * x**2, rtol=1e-8, atol=1e-9)
    np.testing.assert_array_equal(x, before)


def test_expect_gradient_accepts_the_right_gradient_and_rejects_a_wrong_one():
    x = np.array([0.3, -1.2, 2.0])
    expect_gradient(lambda v: float(np.sum(np.sin(v))), x, np.cos(x), "d sin")
    with pytest.raises(AssertionError, match="gradient giải tích lệch"):
        expect_gradient(lambda v: float(np.sum(np.sin(v))), x, np.cos(x) * 1.01, "d sin")
    with pytest.raises(AssertionError, match="kích thước"):
        expect_gradient(lambda v: float(np.sum(v)), x, np.ones(2), "d sum")


def test_expect_gradient_ignores_rounding_level_differences_of_a_zero_gradient():
    x = np.array([1.0, 3.0])
    expect_gradient(lambda v: 0.0 * float(np.sum(v)), x, np.array([1e-11, -1e-11]), "zero")


# --- source checks ---------------------------------------------------------------------------

def vectorized(a, b):
    return (a[:, None] - b[None, :]) ** 2


def with_for(a):
    out = 0
    for v in a:
        out += v
    return out


def with_while(a):
    i = 0
    while i < len(a):
        i += 1
    return i


def with_comprehension(a):
    return sum([v * 2 for v in a])


def with_vectorize(a):
    return np.vectorize(lambda v: v + 1)(a)


def looping_helper(a):
    return [v for v in a]


def calls_a_looping_helper(a):
    return np.array(looping_helper(a))


@pytest.mark.parametrize("func", [with_for, with_while, with_comprehension, with_vectorize,
                                  calls_a_looping_helper])
def test_expect_no_loops_finds_loops_also_disguised_or_in_helpers(func):
    with pytest.raises(AssertionError, match="vector hóa"):
        expect_no_loops(func)


def test_expect_no_loops_accepts_vectorized_code():
    expect_no_loops(vectorized)


def test_expect_no_loops_works_on_functions_defined_in_a_notebook_cell():
    source = "def f(x):\n    return [v for v in x]\n"
    filename = "<test-cell-1>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"__name__": "__main__"}
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102
    with pytest.raises(AssertionError, match="comprehension"):
        expect_no_loops(namespace["f"])


def test_expect_no_loops_says_when_the_source_is_unavailable():
    namespace = {}
    exec("def g(x):\n    return x\n", namespace)  # noqa: S102 - no linecache entry
    with pytest.raises(AssertionError, match="mã nguồn"):
        expect_no_loops(namespace["g"])


def uses_dlbook_inside(a, b):
    import dlbook.scratch.detection as det

    return det.iou(a, b)



def uses_an_alias_of_a_dlbook_function(boxes, scores):
    return nms_alias(boxes, scores, 0.5)


def uses_lstsq(X, y):
    return np.linalg.lstsq(X, y, rcond=None)[0]


def uses_dynamic_import(x):
    return __import__("dlbook.scratch.activations").scratch.activations.sigmoid(x)


def numpy_only(X, y):
    return np.linalg.solve(X.T @ X, X.T @ y)


@pytest.mark.parametrize("func", [uses_dlbook_inside, uses_an_alias_of_a_dlbook_function,
                                  uses_dynamic_import])
def test_expect_not_using_finds_forbidden_libraries(func):
    with pytest.raises(AssertionError, match="tự cài đặt"):
        expect_not_using(func)


def test_expect_not_using_finds_forbidden_names_and_accepts_numpy():
    with pytest.raises(AssertionError, match="lstsq"):
        expect_not_using(uses_lstsq, names=("lstsq",))
    expect_not_using(numpy_only, names=("lstsq",))
    expect_not_using(vectorized)
