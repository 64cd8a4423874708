"""Loading an assignment's verify.py: its tasks, and the rules each task carries."""

from __future__ import annotations

import textwrap

import pytest

from dlbook.course.verdict import VerifierError, load_verifier
from dlbook.course.verify_api import NUMPY_NO_LOOPS, TORCH_ALLOWED

HEADER = textwrap.dedent('''\
    from dlbook.course.verify_api import NUMPY_NO_LOOPS, TORCH_ALLOWED, Task

    def cases(rng):
        return [{"x": 1.0}]

    def ref(x):
        return x
    ''')


def _load(tmp_path, body):
    path = tmp_path / "verify.py"
    path.write_text(HEADER + textwrap.dedent(body), encoding="utf-8")
    return load_verifier(path)


def test_rules_come_with_their_task(tmp_path):
    tasks, rules = _load(tmp_path, '''
        TASKS = {"a": Task(cases, ref, rules=NUMPY_NO_LOOPS), "b": Task(cases, ref)}
        ''')
    assert set(tasks) == {"a", "b"}
    assert rules == {"a": NUMPY_NO_LOOPS}  # "b" is checked for its results only


def test_rules_declared_apart_still_count(tmp_path):
    _, rules = _load(tmp_path, '''
        TASKS = {"a": Task(cases, ref, rules=NUMPY_NO_LOOPS)}
        RULES = {"b": TORCH_ALLOWED}
        ''')
    assert rules == {"a": NUMPY_NO_LOOPS, "b": TORCH_ALLOWED}


@pytest.mark.parametrize("body, message", [
    ('TASKS = {"a": Task(cases, ref, rules=NUMPY_NO_LOOPS)}\nRULES = {"a": TORCH_ALLOWED}\n',
     "cả Task"),
    ('TASKS = {"a": Task(cases, ref, rules="numpy")}\n', "Rules"),
    ('RULES = {"a": TORCH_ALLOWED}\n', "TASKS"),
])
def test_a_confused_verifier_is_refused_with_a_reason(tmp_path, body, message):
    with pytest.raises(VerifierError, match=message):
        _load(tmp_path, body)
