"""The private names of nbclient, nbconvert and jupyter_client that the sandboxed Execute
(dlbook.course.execute) relies on, and the behaviour it relies on. pyproject.toml keeps these
packages to the minor versions checked here; this test fails first when an upgrade changes them.
"""

from __future__ import annotations

import inspect

import nbformat


def test_kernel_manager_uses_an_assigned_kernel_spec():
    """``km._kernel_spec = KernelSpec(...)``: the sandbox's launcher replaces the kernel's argv."""
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="python3")
    spec = KernelSpec(argv=["/bin/true", "{connection_file}"], display_name="x",
                      language="python", env={}, metadata={})
    km._kernel_spec = spec
    assert km.kernel_spec is spec


def test_notebook_client_can_be_reinitialised_and_cleaned_up():
    """``NotebookClient.__init__(self, nb, None)`` re-binds a notebook; ``_cleanup_kernel`` is
    the synchronous kernel shutdown; ``reset_execution_trackers`` exists."""
    from jupyter_client.manager import KernelManager
    from nbclient.client import NotebookClient

    client = NotebookClient(nbformat.v4.new_notebook())
    other = nbformat.v4.new_notebook()
    NotebookClient.__init__(client, other, None)
    assert client.nb is other and client.km is None
    client.km = KernelManager(kernel_name="python3")
    client._cleanup_kernel()  # a kernel that is not running: cleaned up, no error
    client.reset_execution_trackers()
    assert client.code_cells_executed == 0


def test_nbconvert_execute_checks_its_resources():
    """``_check_assign_resources(resources)`` takes the resources dict and sets ``resources``."""
    from nbconvert.preprocessors import ExecutePreprocessor

    pp = ExecutePreprocessor()
    assert list(inspect.signature(pp._check_assign_resources).parameters) == ["resources"]
    pp._check_assign_resources({"metadata": {"path": "."}})
    assert pp.resources == {"metadata": {"path": "."}}
