"""Every subpackage's ``__all__`` is computed from what its ``__init__`` imports (written once)."""

import __future__
import importlib
import types

import pytest

from dlbook._exports import exported_names

PACKAGES = {
    "dlbook.scratch": ["RNNCell", "numerical_gradient", "KMeans", "BPETokenizer"],
    "dlbook.nn": ["GPT", "resnet50", "count_parameters", "q_sample"],
    "dlbook.data": ["load_mnist", "load_cifar10", "make_moons", "load_iris"],
    "dlbook.train": ["fit", "History", "EarlyStopping"],
    "dlbook.viz": ["plot_filters", "show_images", "plot_history"],
}


def test_exported_names_leaves_out_modules_private_names_and_future_flags():
    namespace = {"__name__": "pkg", "annotations": __future__.annotations, "os": types,
                 "_helper": len, "fit": len, "CONSTANT": {"a": 1}, "Model": object}
    assert exported_names(namespace) == ["CONSTANT", "Model", "fit"]


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_star_import_gives_the_public_names_and_nothing_else(package):
    module = importlib.import_module(package)
    namespace: dict = {}
    exec(f"from {package} import *", namespace)
    names = set(namespace) - {"__builtins__"}
    assert names == set(module.__all__)
    assert set(PACKAGES[package]) <= names
    assert not any(isinstance(namespace[n], types.ModuleType) for n in names)
    assert not names & {"annotations", "_exported_names", "exported_names"}
