"""The assignment rules, checked outside the kernel on the submitted source (no sandbox needed).

Each case is a way a student could get the reference implementation (``dlbook.scratch``, torch,
scipy) or a loop past the rules; every one must be a violation of the task, and the honest
answers (the solutions of the 11 assignments, see test_sandbox_assignments.py) must not be.
"""

from __future__ import annotations

import pytest

from dlbook.course.driver import plain_python
from dlbook.course.rules import Cell, answer_cells, check_rules
from dlbook.course.verify_api import NUMPY_NO_LOOPS, NUMPY_ONLY, TORCH_ALLOWED, Rules

SETUP = "import numpy as np\nfrom dlbook.course.checks import expect_close, expect_equal\n"
HONEST = ("def box_iou(a, b):\n"
          "    a = np.asarray(a, dtype=float)\n"
          "    x0 = np.maximum(a[:, None, 0], b[None, :, 0])\n"
          "    return x0 * 0\n")


def notebook(answer: str, free: str = "", setup: str = SETUP):
    cells = [Cell(0, "setup", setup)]
    if free:
        cells.append(Cell(1, "free", free))
    cells += [Cell(2, "answer", answer, "box_iou_code"), Cell(3, "test", "box_iou(1, 2)",
                                                             "box_iou")]
    return cells


def violations(answer: str, free: str = "", rules: Rules = NUMPY_NO_LOOPS, setup: str = SETUP):
    cells = notebook(answer, free, setup)
    return check_rules(cells, {"box_iou": rules}, answer_cells(cells, ["box_iou"]))["box_iou"]


BYPASSES = {
    "import_reference": ("from dlbook.scratch import detection\n"
                         "def box_iou(a, b):\n    return detection.iou(a, b)\n", ""),
    "import_in_free_cell": ("def box_iou(a, b):\n    return d.iou(a, b)\n",
                            "import dlbook.scratch.detection as d\n"),
    "alias_chain": ("def box_iou(a, b):\n    return S.detection.iou(a, b)\n",
                    "import dlbook as D\nS = D.scratch\n"),
    "star_import": ("from dlbook.scratch.detection import *\n"
                    "def box_iou(a, b):\n    return iou(a, b)\n", ""),
    "default_argument": ("def box_iou(a, b, _f=__import__('dlbook.scratch.detection', "
                         "fromlist=['iou']).iou):\n    return _f(a, b)\n", ""),
    "default_argument_alias": ("def box_iou(a, b, _f=ref):\n    return _f(a, b)\n",
                               "from dlbook.scratch.detection import iou as ref\n"),
    "decorator": ("@wraps\ndef box_iou(a, b):\n    return 0\n",
                  "from dlbook.scratch.detection import iou as wraps\n"),
    "importlib": ("import importlib\n"
                  "def box_iou(a, b):\n"
                  "    return importlib.import_module('dlbook.scratch.detection').iou(a, b)\n", ""),
    "sys_modules": ("import sys\ndef box_iou(a, b):\n"
                    "    return sys.modules['dlbook.scratch.detection'].iou(a, b)\n", ""),
    "getattr_builtins": ("def box_iou(a, b):\n    imp = getattr(__builtins__, '__imp' + 'ort__')\n"
                         "    return imp('dlbook.scratch.detection').iou(a, b)\n", ""),
    "getattr_computed": ("def box_iou(a, b):\n    return getattr(np, 'vec' + 'torize')(f)(a)\n",
                         ""),
    "getattr_literal": ("import dlbook\ndef box_iou(a, b):\n"
                        "    return getattr(dlbook, 'scratch').detection.iou(a, b)\n", ""),
    "globals": ("def box_iou(a, b):\n    return globals()['__builtins__']['__import__'](\n"
                "        'dlbook.scratch.detection').iou(a, b)\n", ""),
    "exec": ("exec('from dlbook.scratch.detection import iou as box_iou')\n", ""),
    "eval_in_free_cell": ("def box_iou(a, b):\n    return F(a, b)\n",
                          "F = eval('__imp' + 'ort__(\"dlbook.scratch.detection\").iou')\n"),
    "compile_function": ("def box_iou(a, b):\n    return 0\n",
                         "box_iou = type(lambda: 0)(compile('1', 'x', 'eval'), {})\n"),
    "subclasses_escape": ("def box_iou(a, b):\n"
                          "    return ().__class__.__bases__[0].__subclasses__()\n", ""),
    "get_ipython_run_cell": ("def box_iou(a, b):\n    return iou(a, b)\n",
                             "get_ipython().run_cell('from dlbook.scratch.detection import iou')\n"),
    "run_magic": ("def box_iou(a, b):\n    return iou(a, b)\n", "%run helper.py\n"),
    "writefile_magic": ("from helper import iou as box_iou\n",
                        "%%writefile helper.py\nfrom dlbook.scratch.detection import iou\n"),
    "uploaded_module": ("from my_helpers import iou as box_iou\n", ""),
    "torch_import": ("import torch as t\nimport torchvision.ops as ops\n"
                     "def box_iou(a, b):\n    return ops.box_iou(t.as_tensor(a), t.as_tensor(b))\n",
                     ""),
    "scipy": ("from scipy.spatial import distance\ndef box_iou(a, b):\n    return 0\n", ""),
    "pickle": ("import pickle\ndef box_iou(a, b):\n    return pickle.loads(b'')(a, b)\n", ""),
    "subprocess": ("import subprocess\ndef box_iou(a, b):\n"
                   "    return subprocess.run(['python', '-c', 'x'])\n", ""),
    "numerical_gradient_helper": ("from dlbook.course.checks import numerical_gradient as box_iou\n",
                                  ""),
    "unparsable_free_cell": ("def box_iou(a, b):\n    return 0\n", "files = !ls\nx = (\n"),
}

LOOPS = {
    "for": "def box_iou(a, b):\n    for i in range(3):\n        pass\n    return 0\n",
    "comprehension": "def box_iou(a, b):\n    return np.array([x for x in a])\n",
    "loop_in_helper_elsewhere": "def box_iou(a, b):\n    return _h(a)\n",
    "lambda_helper_elsewhere": "def box_iou(a, b):\n    return _g(a)\n",
    "vectorize": "def box_iou(a, b):\n    return np.vectorize(lambda x: x)(a)\n",
    "vectorize_alias": "from numpy import vectorize as vz\ndef box_iou(a, b):\n    return vz(abs)(a)\n",
    "map": "def box_iou(a, b):\n    return list(map(abs, a))\n",
    "loop_in_default": "def box_iou(a, b, _t=sum(i for i in range(3))):\n    return _t\n",
    "while": "def box_iou(a, b):\n    while False:\n        pass\n    return 0\n",
}
LOOP_HELPERS = ("def _h(a):\n    out = []\n    for x in a:\n        out.append(x)\n    return out\n"
                "_g = lambda a: [x for x in a]\n")


def test_honest_answer_has_no_violation():
    assert violations(HONEST) == []
    assert violations(HONEST, free="%matplotlib inline\n%time box_iou(1, 2)\n!pip install x\n"
                                   "import matplotlib.pyplot as plt\nimport math, os.path\n") == []


@pytest.mark.parametrize("name", sorted(BYPASSES))
def test_reference_bypass_is_a_violation(name):
    answer, free = BYPASSES[name]
    found = violations(answer, free, rules=NUMPY_ONLY)
    assert found, name
    assert all(isinstance(r, str) and r for r in found)


@pytest.mark.parametrize("name", sorted(LOOPS))
def test_loops_are_violations_of_no_loop_tasks(name):
    found = violations(LOOPS[name], LOOP_HELPERS)
    assert any("vector hóa" in r for r in found), (name, found)
    if name != "while":
        assert violations(LOOPS[name], LOOP_HELPERS, rules=NUMPY_ONLY) == []


def test_while_is_allowed_where_the_rules_say_so():
    assert violations(LOOPS["while"], rules=Rules(no_loops=True, allow_while=True)) == []


def test_torch_bound_by_the_setup_cell_is_a_violation_of_a_numpy_task():
    setup = "import numpy as np\nimport torch\nfrom torch import nn\nF = nn.functional\n"
    answer = "def box_iou(a, b):\n    return F.binary_cross_entropy_with_logits(a, b)\n"
    assert violations(answer, setup=setup, rules=NUMPY_ONLY)
    assert violations(answer, setup=setup, rules=TORCH_ALLOWED) == []
    assert violations("def box_iou(a, b):\n    return nn.Linear(2, 2)\n", setup=setup,
                      rules=NUMPY_ONLY)


def test_named_functions_can_be_forbidden():
    rules = Rules(forbid_imports=NUMPY_ONLY.forbid_imports + ("numpy.linalg.lstsq",))
    for answer in ("def box_iou(a, b):\n    return np.linalg.lstsq(a, b)[0]\n",
                   "from numpy.linalg import lstsq as L\ndef box_iou(a, b):\n    return L(a, b)\n",
                   "def box_iou(a, b):\n    return getattr(np.linalg, 'lstsq')(a, b)\n"):
        assert violations(answer, rules=rules), answer
    assert violations("def box_iou(a, b):\n    return np.linalg.solve(a, b)\n", rules=rules) == []


def test_a_violation_anywhere_in_the_notebook_voids_every_task_with_rules():
    cells = [Cell(0, "setup", SETUP), Cell(1, "answer", HONEST, "box_iou_code"),
             Cell(2, "test", "", "box_iou"), Cell(3, "answer", "def nms(b, s, t):\n    return 0\n",
                                                "nms_code"),
             Cell(4, "test", "", "nms"), Cell(5, "free", "import torch\n")]
    found = check_rules(cells, {"box_iou": NUMPY_ONLY, "nms": NUMPY_ONLY},
                        answer_cells(cells, ["box_iou", "nms"]))
    assert found["box_iou"] and found["nms"]
    assert check_rules(cells, {}, {}) == {}


def test_plain_python_keeps_the_code_of_timing_magics():
    code, flagged = plain_python("%timeit -n 3 -r 2 f(x)\n  %time g(1)\n%matplotlib inline\n!ls\n")
    assert code.splitlines() == ["f(x)", "  g(1)", "pass", "pass"]
    assert flagged == []
    assert plain_python("%%time\nx = 1\n") == ("\nx = 1\n", [])
    assert plain_python("%run helper.py\n")[1] == ["%run"]
    assert plain_python("%%bash\nls\n")[1] == ["%%bash"]
