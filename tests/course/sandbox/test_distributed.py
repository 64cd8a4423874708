"""Grading on Dask (issue 13): a worker killed mid-grading loses no grade and writes none twice,
bounded retries end in a record that says why, an unreachable scheduler is a clear error, and a
rerun grades only what changed."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from sandbox_kit import ASSIGNMENT, MAX_SCORE, copy_course, submit, with_answer

pytestmark = pytest.mark.xdist_group("sandbox-distributed")

SLOW = with_answer("sol_square", "import time\ntime.sleep(6)\n"
                                 "def square(x):\n    return np.asarray(x, dtype=float) ** 2\n")


def _options(**kw):
    from dlbook.course.autograde import AutogradeOptions
    from dlbook.course.sandbox import Limits

    return AutogradeOptions(progress=False, limits=Limits(cell_timeout=60, submission_timeout=180),
                            **kw)


def _grade(root, **kw):
    from dlbook.course.autograde import autograde
    from dlbook.course.course import Course

    return {r["student"]: r for r in autograde(Course(root), ASSIGNMENT, options=_options(**kw),
                                               log=lambda *_: None)}


def _submissions(gradebook_course, student):
    with gradebook_course.gradebook() as gb:
        return [s for s in gb.find_assignment(ASSIGNMENT).submissions if s.student.id == student]


def _kill_while_grading(client, key_part, kills, done: threading.Event):
    """SIGKILL the worker process grading ``key_part`` each time one starts (``kills`` times)."""
    killed = []
    while len(killed) < kills and not done.is_set():
        for worker, keys in client.processing().items():
            if any(key_part in str(k) for k in keys) and worker not in killed:
                time.sleep(1.5)  # inside nbgrader's run, the sandbox kernel started
                pid = client.run(os.getpid, workers=[worker]).get(worker)
                if pid:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(worker)
        time.sleep(0.2)
    return killed


def _grade_in_background(root, scheduler):
    """``autograde`` on the cluster in a thread: (thread, {"records": …} once done, done event)."""
    result, done = {}, threading.Event()

    def run():
        try:
            result["records"] = _grade(root, scheduler=scheduler)
        finally:
            done.set()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result, done


def _cluster(allowed_failures: int):
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": allowed_failures}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               memory_limit=0, dashboard_address=":0", host="127.0.0.1")
    return cluster, Client(cluster)


@pytest.mark.parametrize("kills, allowed", [(1, 2), (2, 1)])
def test_a_worker_killed_mid_grading(course_template, tmp_path, kills, allowed):
    from dlbook.course.course import Course

    root = copy_course(course_template, tmp_path / "course")
    submit(root, "sv_cham", answers=SLOW)
    submit(root, "sv_nhanh")
    cluster, client = _cluster(allowed)
    try:
        thread, result, done = _grade_in_background(root, cluster.scheduler_address)
        killed = _kill_while_grading(client, "sv_cham", kills, done)
        thread.join(600)
        assert len(killed) == kills, killed
    finally:
        client.close()
        cluster.close()
    records = result["records"]
    assert records["sv_nhanh"]["score"] == pytest.approx(MAX_SCORE)
    slow = records["sv_cham"]
    if kills <= allowed:  # retried on another worker: graded once, in full
        assert slow["status"] == "graded" and slow["score"] == pytest.approx(MAX_SCORE), slow
        assert len(_submissions(Course(root), "sv_cham")) == 1
        assert slow["needs_review"] is False
    else:  # retries spent: needs review, and no grade in the gradebook
        assert slow["status"] == "failed" and slow["needs_review"] is True, slow
        assert "dừng bất thường" in slow["error"], slow["error"]
        assert _submissions(Course(root), "sv_cham") == []


def test_every_worker_killed_at_once_loses_no_grade(course_template, tmp_path):
    """Every worker dies at once: the bundle comes back with the restarted workers (it is a
    worker plugin; as scattered data it was lost, and every submission after it graded 0)."""
    root = copy_course(course_template, tmp_path / "course")
    submit(root, "sv_cham", answers=SLOW)
    submit(root, "sv_nhanh", answers=SLOW)
    submit(root, "sv_sau")
    cluster, client = _cluster(2)
    try:
        thread, result, done = _grade_in_background(root, cluster.scheduler_address)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not done.is_set():
            busy = [w for w, keys in client.processing().items()
                    if any("dlbook-grade" in str(k) for k in keys)]
            if len(busy) == 2:
                break
            time.sleep(0.2)
        time.sleep(1.5)
        pids = client.run(os.getpid)
        assert len(pids) == 2, pids
        for pid in pids.values():
            os.kill(pid, signal.SIGKILL)
        thread.join(600)
    finally:
        client.close()
        cluster.close()
    records = result["records"]
    assert {s: (r["status"], r["score"]) for s, r in records.items()} == {
        s: ("graded", pytest.approx(MAX_SCORE)) for s in ("sv_cham", "sv_nhanh", "sv_sau")}


def test_an_unreachable_scheduler_is_a_clear_error(course_template, tmp_path, monkeypatch):
    from dlbook.course import cluster
    from dlbook.course.course import CourseError

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", "2s")  # nothing listens: no need to wait 15 s

    root = copy_course(course_template, tmp_path / "course")
    submit(root, "sv_a")
    with pytest.raises(CourseError, match="Không kết nối được bộ điều phối Dask"):
        _grade(root, scheduler="tcp://127.0.0.1:9")


def test_a_rerun_grades_only_what_changed(course_template, tmp_path):
    root = copy_course(course_template, tmp_path / "course")
    for student in ("sv_a", "sv_b"):
        submit(root, student)
    first = _grade(root, jobs=2)
    assert {s: r["score"] for s, r in first.items()} == {"sv_a": MAX_SCORE, "sv_b": MAX_SCORE}
    time.sleep(1.1)  # graded_at has seconds
    again = _grade(root, jobs=2)
    assert again == first, "nothing changed: nothing may be graded again"
    submit(root, "sv_b", answers=with_answer("sol_count", "def count_positive(x):\n    return 0\n"))
    time.sleep(1.1)
    changed = _grade(root, jobs=2)
    assert changed["sv_a"] == first["sv_a"]
    assert changed["sv_b"]["graded_at"] != first["sv_b"]["graded_at"]
    assert changed["sv_b"]["score"] == pytest.approx(MAX_SCORE - 1.0)
    time.sleep(1.1)
    forced = _grade(root, jobs=2, force=True)
    assert all(forced[s]["graded_at"] != changed[s]["graded_at"] for s in forced)
    assert {s: r["score"] for s, r in forced.items()} == {s: r["score"]
                                                          for s, r in changed.items()}
