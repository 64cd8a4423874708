"""The kernel side of the verdict protocol (dlbook.course.probe) and the shared rules in
dlbook.course.verify_api (flattening results, comparing them, running a task in-process)."""

from __future__ import annotations

import numpy as np
import pytest

from dlbook.course import probe
from dlbook.course.verify_api import (
    ResultError,
    Task,
    call_inputs,
    flatten_result,
    outputs_match,
    run_task,
)


def _write_inputs(root, task_id, cases):
    folder = root / ".probe" / "in" / task_id
    folder.mkdir(parents=True)
    for i, case in enumerate(cases):
        np.savez(folder / f"{i}.npz", **case)
    return root / ".probe" / "out" / task_id


def _load(path):
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def test_check_does_nothing_without_a_probe_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    calls = []
    probe.check("task", lambda **kw: calls.append(kw))
    assert calls == [] and not (tmp_path / ".probe").exists()


def test_check_writes_arrays_tuples_dicts_and_scalars(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = _write_inputs(tmp_path, "t", [{"x": np.arange(3.0)}])
    probe.check("t", lambda x: (x * 2, float(x.sum()), {"a": 1}["a"]))
    got = _load(out / "0.npz")
    assert set(got) == {"out0", "out1", "out2"}
    np.testing.assert_array_equal(got["out0"], [0.0, 2.0, 4.0])
    assert got["out1"].shape == () and got["out1"] == 3.0

    out = _write_inputs(tmp_path, "d", [{"x": np.ones(2)}])
    probe.check("d", lambda x: {"W": x, "b": np.zeros(1)})
    assert set(_load(out / "0.npz")) == {"d_W", "d_b"}


def test_check_passes_scalars_as_python_scalars_seed_as_int_and_drops_private_keys(
        tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = _write_inputs(tmp_path, "s", [{"lr": 0.5, "n": 3, "flag": True, "__seed__": 7,
                                         "_labels": np.arange(4)}])
    seen = {}

    def fn(**kw):
        seen.update(kw)
        return np.zeros(1)

    probe.check("s", fn)
    assert seen == {"lr": 0.5, "n": 3, "flag": True, "seed": 7}
    assert all(type(v) in (float, int, bool) for v in seen.values())
    assert (out / "0.npz").exists()


def test_check_runs_cases_in_numeric_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write_inputs(tmp_path, "o", [{"i": i} for i in range(12)])
    order = []
    probe.check("o", lambda i: order.append(i) or np.array([i]))
    assert order == list(range(12))


class AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


@pytest.mark.parametrize("result,reason", [
    (AlwaysEqual(), "kiểu AlwaysEqual"),
    (None, "None"),
    ("0.5", "chuỗi"),
    (np.array([AlwaysEqual()], dtype=object), "object"),
    ((np.ones(2), AlwaysEqual()), "phần tử thứ 1"),
    ({"../x": np.ones(1)}, "khóa"),
])
def test_check_writes_an_error_instead_of_results_that_are_not_plain_numbers(
        tmp_path, monkeypatch, result, reason):
    monkeypatch.chdir(tmp_path)
    out = _write_inputs(tmp_path, "bad", [{"x": 1.0}])
    probe.check("bad", lambda x: result)
    assert not (out / "0.npz").exists()
    assert reason in (out / "0.err").read_text("utf-8")


def test_check_records_exceptions_and_never_raises(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = _write_inputs(tmp_path, "e", [{"x": 1.0}, {"x": 2.0}])

    def fn(x):
        if x == 1.0:
            raise NotImplementedError("Bạn chưa làm phần này")
        raise SystemExit(3)

    probe.check("e", fn)
    assert "NotImplementedError: Bạn chưa làm phần này" in (out / "0.err").read_text("utf-8")
    assert "SystemExit" in (out / "1.err").read_text("utf-8")


def test_check_stops_after_an_interrupt_and_marks_the_remaining_cases(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = _write_inputs(tmp_path, "k", [{"x": 1.0}, {"x": 2.0}])
    calls = []

    def fn(x):
        calls.append(x)
        raise KeyboardInterrupt

    probe.check("k", fn)
    assert calls == [1.0]
    assert "ngắt" in (out / "0.err").read_text("utf-8")
    assert "ngắt" in (out / "1.err").read_text("utf-8")


def test_check_ignores_task_ids_that_are_not_plain_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".probe" / "in" / "x").mkdir(parents=True)
    calls = []
    for bad in ("../x", "a/b", "", None, "x" * 65):
        probe.check(bad, lambda **kw: calls.append(kw))
    assert calls == []


# --- verify_api ------------------------------------------------------------------------------

def test_flatten_result_rules():
    assert list(flatten_result([1, 2, 3])) == ["out0"]           # list of scalars: one array
    assert list(flatten_result([np.ones(2), np.ones(3)])) == ["out0", "out1"]
    assert list(flatten_result((1, 2))) == ["out0", "out1"]      # tuple: one output each
    assert flatten_result(np.int64(4))["out0"].dtype.kind == "i"
    with pytest.raises(ResultError):
        flatten_result({})
    with pytest.raises(ResultError):
        flatten_result(np.array([1 + 2j]))


def test_outputs_match_checks_keys_shapes_kinds_and_values():
    task = Task(lambda rng: [], lambda: None, rtol=1e-6, atol=0.0)
    ref = {"out0": np.array([1.0, 2.0])}
    assert outputs_match(task, {"out0": np.array([1.0, 2.0 + 1e-9])}, ref, {})[0]
    assert outputs_match(task, {"out0": np.array([1, 2])}, ref, {})[0]        # ints for floats
    assert not outputs_match(task, {"out0": np.array([1.0, 2.1])}, ref, {})[0]
    assert not outputs_match(task, {"out0": np.array([[1.0, 2.0]])}, ref, {})[0]
    assert not outputs_match(task, {"out0": ref["out0"], "out1": ref["out0"]}, ref, {})[0]
    ints = {"out0": np.array([0, 3])}
    assert not outputs_match(task, {"out0": np.array([0.0, 3.0])}, ints, {})[0]  # floats for ints
    bools = {"out0": np.array([True])}
    assert not outputs_match(task, {"out0": np.array([1])}, bools, {})[0]
    nan = {"out0": np.array([np.nan])}
    assert outputs_match(task, {"out0": np.array([np.nan])}, nan, {})[0]
    assert not outputs_match(task, {"out0": np.array([np.nan, 2.0])}, ref, {})[0]


def test_outputs_match_uses_compare_and_treats_its_errors_as_a_mismatch():
    accuracy = Task(lambda rng: [], lambda X: None,
                    compare=lambda got, ref, case: np.mean(got["out0"] == case["_y"]) >= 0.5)
    case = {"X": np.zeros(4), "_y": np.array([1, 1, 0, 0])}
    assert outputs_match(accuracy, {"out0": np.array([1, 1, 1, 1])}, {}, case)[0]
    assert not outputs_match(accuracy, {"out0": np.array([0, 0, 1, 1])}, {}, case)[0]
    broken = Task(lambda rng: [], lambda: None, compare=lambda *a: 1 / 0)
    ok, reason = outputs_match(broken, {}, {}, {})
    assert not ok and "ZeroDivisionError" in reason


def test_call_inputs_drops_private_keys_but_keeps_the_seed():
    # the seed travels under __seed__ (the probe and the driver pass it as seed=)
    assert call_inputs({"X": 1, "_y": 2, "__seed__": 3}) == {"X": 1, "__seed__": 3}


def test_run_task_compares_fn_with_the_reference_on_fresh_cases():
    task = Task(lambda rng: [{"x": rng.normal(size=3)} for _ in range(4)],
                lambda x: np.sort(x))
    assert all(ok for ok, _ in run_task(task, lambda x: np.sort(x), np.random.default_rng(0)))
    results = run_task(task, lambda x: x, np.random.default_rng(0))
    assert not all(ok for ok, _ in results)
    crashed = run_task(task, lambda x: 1 / 0, np.random.default_rng(0))
    assert all(not ok and "ZeroDivisionError" in reason for ok, reason in crashed)


def test_run_task_gives_each_side_its_own_copy_of_the_inputs():
    def mutate(x):
        x[:] = 0
        return x

    task = Task(lambda rng: [{"x": np.ones(3)}], lambda x: x)
    assert not all(ok for ok, _ in run_task(task, mutate, np.random.default_rng(0)))
