"""Where grading runs: a Dask ``LocalCluster`` on this machine, or an existing Dask cluster.

``dlbook course autograde`` starts, by default, an in-process ``LocalCluster`` of ``-j N`` worker
processes (one thread each: a worker grades one submission at a time, as its own sandbox uid).
With ``--scheduler tcp://HOST:8786`` (or ``DLBOOK_SCHEDULER``) the work goes to a cluster whose
workers were started on grading machines with ``dask worker --nthreads 1``. Either way every
worker process holds a :class:`~dlbook.course.worker.Grader`, set up by :class:`GraderPlugin`
when the worker starts (and again when a worker is restarted after it died).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import warnings
from typing import Any, Dict, Iterator, Optional

from distributed import Client, LocalCluster, get_worker
from distributed.diagnostics.plugin import WorkerPlugin

from dlbook.course.course import CourseError

PLUGIN = "dlbook-grader"
SCHEDULER_ENV = "DLBOOK_SCHEDULER"
#: How many times a submission is retried on another worker when its worker died.
ALLOWED_FAILURES = 2
#: How long to keep trying to reach an existing scheduler before saying it is unreachable.
CONNECT_TIMEOUT = "15s"


class GraderPlugin(WorkerPlugin):
    """Gives each worker process its :class:`~dlbook.course.worker.Grader`."""

    name = PLUGIN

    def __init__(self, options: Dict[str, Any]):
        self.options = options
        self.grader = None

    def setup(self, worker) -> None:
        from dlbook.course.worker import Grader

        warnings.filterwarnings("ignore")  # SQLAlchemy's SAWarning from inside nbgrader, etc.
        if worker.state.nthreads != 1:
            raise CourseError(
                f"Tiến trình chấm {worker.address} có {worker.state.nthreads} luồng; mỗi tiến "
                "trình chỉ được chấm một bài một lúc: hãy chạy `dask worker ... --nthreads 1`.")
        os.chdir(tempfile.gettempdir())  # never a course folder, never a dlbook/ tree
        self.grader = Grader(self.options, slot=_slot(worker.name))

    def teardown(self, worker) -> None:
        if self.grader is not None:
            self.grader.close()
            self.grader = None


def _slot(name: Any) -> int:
    """A hint for the sandbox uid: LocalCluster's workers are named 0, 1, ..."""
    try:
        return int(name)
    except (TypeError, ValueError):
        return 0


def _grader():
    plugin = get_worker().plugins.get(PLUGIN)
    if plugin is None or plugin.grader is None:
        raise RuntimeError("tiến trình chấm chưa được khởi tạo (thiếu GraderPlugin)")
    return plugin.grader


class BundlePlugin(WorkerPlugin):
    """One assignment's bundle on every worker, including workers that join or restart later.

    Dask keeps registered plugins on the scheduler and gives them to each new worker, so the
    bundle survives any worker dying. As a task result or scattered data it would be a
    dependency: the scheduler would send the grade tasks to the workers that hold it (several
    to one worker, which then die together when one submission kills it), and scattered data
    is lost with the last worker holding it."""

    def __init__(self, bundle):
        self.bundle = bundle
        self.name = bundle_plugin_name(bundle)


def bundle_plugin_name(bundle) -> str:
    return f"dlbook-bundle-{bundle.assignment}-{bundle.digest[:16]}"


@contextlib.contextmanager
def bundle_on_workers(client: Client, bundle) -> Iterator[str]:
    """Register the bundle's plugin for the duration of a run; yields its name."""
    plugin = BundlePlugin(bundle)
    client.register_plugin(plugin, name=plugin.name)
    try:
        yield plugin.name
    finally:
        with contextlib.suppress(Exception):
            client.unregister_worker_plugin(plugin.name)


def grade_task(bundle_name: str, submission) -> Dict[str, Any]:
    """A Dask task: grade one submission on this worker."""
    plugin = get_worker().plugins.get(bundle_name)
    if plugin is None:
        raise RuntimeError(f"tiến trình chấm không có gói bài tập {bundle_name}")
    return _grader().grade(plugin.bundle, submission)


def canary_task() -> Optional[str]:
    """A task pinned to each worker: why its sandbox cannot grade, or None."""
    return _grader().canary()


def scheduler_address(explicit: Optional[str]) -> Optional[str]:
    return explicit or os.environ.get(SCHEDULER_ENV) or None


@contextlib.contextmanager
def grading_client(jobs: int, scheduler: Optional[str], options: Dict[str, Any],
                   scratch_base: Optional[str] = None) -> Iterator[Client]:
    """A Dask client whose workers all carry a Grader (raises CourseError in Vietnamese)."""
    import dask

    cluster = None
    local_dir = None
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
                          "distributed.worker.daemon": False,
                          "distributed.admin.tick.limit": "1h"}):
        if scheduler:
            try:
                client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise CourseError(
                    f"Không kết nối được bộ điều phối Dask ở {scheduler} ({exc}). Hãy kiểm tra "
                    "`dask scheduler` đang chạy ở đó và cổng mở được từ máy này (xem "
                    "docs/grading-sandbox.md, mục 6).") from exc
        else:
            local_dir = tempfile.mkdtemp(prefix="dlb-dask-", dir=scratch_base)
            cluster = LocalCluster(
                n_workers=jobs, threads_per_worker=1, processes=True, memory_limit=0,
                dashboard_address=":0", host="127.0.0.1", silence_logs=logging.ERROR,
                local_directory=local_dir)
            client = Client(cluster, set_as_default=False)
        try:
            if scheduler and not client.scheduler_info().get("workers"):
                client.wait_for_workers(1, timeout=60)
            try:
                client.register_plugin(GraderPlugin(options), name=PLUGIN)
            except Exception as exc:  # noqa: BLE001
                raise CourseError(f"Không khởi động được tiến trình chấm: {exc}") from exc
            yield client
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
            if local_dir is not None:
                shutil.rmtree(local_dir, ignore_errors=True)


def dashboard(client: Client) -> Optional[str]:
    """The Dask dashboard of a cluster, if its scheduler serves one."""
    try:
        if client.scheduler_info().get("services", {}).get("dashboard"):
            return client.dashboard_link
    except Exception:  # noqa: BLE001
        pass
    return None
