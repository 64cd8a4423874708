"""The top-level helpers every chapter uses: version, device choice, seeding, Vietnamese errors."""

import os
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

import dlbook
from dlbook.errors import DTypeError, ShapeError, check_array, check_positive


def test_version_is_a_release_number():
    assert re.fullmatch(r"\d+\.\d+\.\d+", dlbook.__version__)


def test_try_gpu_falls_back_to_cpu_when_the_gpu_does_not_exist():
    missing = dlbook.num_gpus() + 3
    assert dlbook.try_gpu(missing) == torch.device("cpu")


def test_try_gpu_returns_a_usable_device():
    x = torch.ones(2, device=dlbook.try_gpu())
    assert x.sum().item() == 2


def test_try_all_gpus_lists_every_gpu_or_the_cpu():
    devices = dlbook.try_all_gpus()
    if dlbook.num_gpus():
        assert [d.type for d in devices] == ["cuda"] * dlbook.num_gpus()
    else:
        assert devices == [torch.device("cpu")]


def test_try_gpu_rejects_a_negative_index_in_vietnamese():
    with pytest.raises(ValueError, match="không âm"):
        dlbook.try_gpu(-1)


def test_set_seed_makes_numpy_and_torch_repeat():
    rng1 = dlbook.set_seed(7)
    a = (np.random.rand(3), torch.rand(3), rng1.random(3))
    rng2 = dlbook.set_seed(7)
    b = (np.random.rand(3), torch.rand(3), rng2.random(3))
    np.testing.assert_array_equal(a[0], b[0])
    assert torch.equal(a[1], b[1])
    np.testing.assert_array_equal(a[2], b[2])


def test_set_seed_turns_on_deterministic_algorithms_without_importing_the_compiler():
    # in a fresh process: the public torch.use_deterministic_algorithms imports
    # torch._inductor.config (1.2 s); set_seed reaches the same state without it
    code = ("import sys, os, torch, dlbook; dlbook.set_seed(0); "
            "print(torch.are_deterministic_algorithms_enabled(), "
            "torch.is_deterministic_algorithms_warn_only_enabled(), "
            "'torch._inductor.config' in sys.modules, os.environ['TORCHINDUCTOR_DETERMINISTIC']); "
            "import torch._inductor.config as c; print(c.deterministic)")
    env = {k: v for k, v in os.environ.items() if k != "TORCHINDUCTOR_DETERMINISTIC"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True).stdout.split()
    assert out == ["True", "True", "False", "1", "True"], out


def test_set_seed_rejects_a_non_integer_seed():
    with pytest.raises(ValueError, match="seed"):
        dlbook.set_seed(1.5)


def test_check_array_names_expected_and_received_shape():
    with pytest.raises(ShapeError) as err:
        check_array(np.zeros((4, 2)), "X", shape=("N", 3))
    assert "(N, 3)" in str(err.value) and "(4, 2)" in str(err.value) and "`X`" in str(err.value)


def test_check_array_rejects_strings_and_objects():
    with pytest.raises(DTypeError, match="số"):
        check_array(["a", "b"], "x")
    with pytest.raises(DTypeError):
        check_array("abc", "x")


def test_check_array_rejects_nan_unless_allowed():
    with pytest.raises(ValueError, match="NaN"):
        check_array([1.0, np.nan], "x")
    assert np.isnan(check_array([1.0, np.nan], "x", allow_nan=True)).any()


def test_check_array_accepts_torch_tensors():
    out = check_array(torch.ones(2, 3), "x", ndim=2)
    assert isinstance(out, np.ndarray) and out.shape == (2, 3)


def test_check_positive_explains_the_constraint():
    with pytest.raises(ValueError, match="dương"):
        check_positive(0, "lr")
    with pytest.raises(TypeError):
        check_positive("0.1", "lr")
    assert check_positive(0.1, "lr") == 0.1


def test_format_vi_uses_vietnamese_separators():
    from dlbook.book import format_vi

    assert format_vi(68921) == "68.921"
    assert format_vi(1234567.891, 2) == "1.234.567,89"
    assert format_vi(0.375, 1, percent=True) == "37,5%"
    assert format_vi(-0.5, 1) == "-0,5"


def test_glue_returns_nothing_so_a_cell_shows_no_stray_value():
    from dlbook.book import glue

    assert glue("test_value", 3.5, display=False) is None


def test_best_time_measures_a_positive_cpu_time_that_grows_with_the_work():
    from dlbook.book import best_time

    small = best_time(lambda: sum(range(1_000)))
    large = best_time(lambda: sum(range(200_000)))
    assert 0 < small < large
