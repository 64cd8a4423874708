"""Benchmark: sandboxed grading on Dask (``dlbook course autograde``) against stock nbgrader.

Builds a temporary copy of the course with one assignment (default ``a08-iou-nms``) and N generated
submissions (default 600: a mix of full solutions, blank notebooks and partly solved ones, seeded),
then grades the same submissions in fresh copies:

1. stock ``nbgrader autograde <assignment>`` (one process, sequential, no sandbox);
2. ours on a LocalCluster with 1 worker, then with J workers (J = CPU cores);
3. ours through a ``dask scheduler`` and ``dask worker --nworkers J --nthreads 1`` started as
   separate services on loopback (as a scheduler machine and grading machines would be).

Prints seconds, submissions per second, the ratio to the first run, how many submissions got the
same total score as the first run, and what M machines × C cores grade per hour at the measured
per-core rate. No asserts: a benchmark, not a test.

    sudo .venv/bin/python bench/bench_grading.py               # 600 submissions of a08-iou-nms
    sudo .venv/bin/python bench/bench_grading.py -n 40 --skip-stock
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]


def build_course(root: Path, assignment: str) -> None:
    from dlbook.course.course import Course
    from dlbook.course.generate import generate

    root.mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "solutions" / assignment, root / "solutions" / assignment)
    generate(Course(root), assignment, progress=False)


def make_submissions(root: Path, assignment: str, n: int, seed: int = 0) -> dict:
    """N submissions: 40% full solutions, 10% blank, 50% each task solved with probability 0.6."""
    rng = random.Random(seed)
    release = nbformat.read(root / "exercises" / assignment / f"{assignment}.ipynb", as_version=4)
    source = nbformat.read(root / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    kinds = {}
    for i in range(n):
        r = rng.random()
        kind = "full" if r < 0.4 else "blank" if r < 0.5 else "partial"
        nb = nbformat.from_dict(json.loads(json.dumps(release)))
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in answers and (kind == "full" or (kind == "partial" and rng.random() < 0.6)):
                cell.source = answers[gid]
        student = f"sv{i:04d}"
        folder = root / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{assignment}.ipynb")
        kinds[student] = kind
    return kinds


def fresh_copy(template: Path, dest: Path) -> Path:
    shutil.copytree(template, dest)
    return dest


def scores(root: Path, assignment: str) -> dict:
    from dlbook.course.course import Course

    with Course(root).gradebook() as gb:
        return {s.student.id: round(float(s.score), 6)
                for s in gb.find_assignment(assignment).submissions}


def timed(cmd, cwd: Path, env=None) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        print(f"  (exit {proc.returncode}) {proc.stderr.strip()[-500:]}")
    return elapsed


@contextlib.contextmanager
def loopback_cluster(workers: int, env) -> str:
    """A ``dask scheduler`` and ``dask worker --nworkers N --nthreads 1`` started as separate
    services on loopback, as a scheduler machine and grading machines would be."""
    folder = Path(tempfile.mkdtemp(prefix="bench-dask-"))
    info = folder / "scheduler.json"
    dask = str(Path(sys.executable).parent / "dask")
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(info)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)]
    try:
        for _ in range(300):
            if info.exists() and info.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(info.read_text())["address"]
        procs.append(subprocess.Popen([dask, "worker", address, "--nworkers", str(workers),
                                       "--nthreads", "1", "--no-dashboard",
                                       "--memory-limit", "0"], cwd=folder,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      env=env))
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(workers, timeout=120)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(folder, ignore_errors=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="a08-iou-nms")
    parser.add_argument("-n", type=int, default=600, help="number of submissions")
    parser.add_argument("--jobs", type=int, default=None, help="workers (default: CPU cores)")
    parser.add_argument("--skip-stock", action="store_true", help="skip stock nbgrader")
    parser.add_argument("--keep", action="store_true", help="keep the temporary courses")
    args = parser.parse_args(argv)

    from dlbook.course.autograde import default_jobs

    jobs = args.jobs or default_jobs()
    work = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
    try:
        template = work / "template"
        t0 = time.perf_counter()
        build_course(template, args.assignment)
        kinds = make_submissions(template, args.assignment, args.n)
        print(f"{args.n} submissions of {args.assignment} "
              f"({sum(k == 'full' for k in kinds.values())} full, "
              f"{sum(k == 'blank' for k in kinds.values())} blank, "
              f"{sum(k == 'partial' for k in kinds.values())} partial); "
              f"course built in {time.perf_counter() - t0:.1f} s; {os.cpu_count()} CPU cores")

        runs = {}
        if not args.skip_stock:
            stock_root = fresh_copy(template, work / "stock")
            runs["stock nbgrader autograde (sequential, no sandbox)"] = (
                timed([sys.executable, "-m", "nbgrader", "autograde", args.assignment,
                       "--log-level=ERROR"], stock_root, env), stock_root, 1)
        ours = [sys.executable, "-m", "dlbook.course", "autograde", args.assignment,
                "--no-progress"]
        for n in sorted({1, jobs}):
            root = fresh_copy(template, work / f"local{n}")
            runs[f"ours, LocalCluster, {n} worker(s) (sandboxed)"] = (
                timed(ours + ["--jobs", str(n)], root, env), root, n)
        root = fresh_copy(template, work / "scheduler")
        with loopback_cluster(jobs, env) as address:
            runs[f"ours, dask scheduler + {jobs} dask worker(s) on loopback"] = (
                timed(ours + ["--scheduler", address], root, env), root, jobs)

        first = next(iter(runs.values()))
        stock_time, stock_scores = first[0], scores(first[1], args.assignment)
        print(f"\n{'run':<56} {'total s':>8} {'sub/s':>6} {'÷ first':>8} {'same totals':>12}")
        for name, (elapsed, root, _) in runs.items():
            got = scores(root, args.assignment)
            same = sum(1 for s, v in stock_scores.items() if got.get(s) == v)
            print(f"{name:<56} {elapsed:>8.1f} {args.n / elapsed:>6.2f} "
                  f"{elapsed / stock_time:>8.2f} {same:>5}/{len(stock_scores)}")
        one = runs["ours, LocalCluster, 1 worker(s) (sandboxed)"][0]
        per_core_hour = 3600 * args.n / one
        print(f"\nper core: {args.n / one:.2f} submissions/s = {per_core_hour:,.0f} per hour; "
              f"M machines × C cores grade about M × C × {per_core_hour:,.0f} per hour "
              "(grading is independent per submission; the client's writes are not the limit "
              f"below ~{_writes_per_second(runs):,.0f} results/s)")
    finally:
        if args.keep:
            print(f"courses kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _writes_per_second(runs) -> float:
    """Results the client stores per second of its own time (``store_s`` of the records)."""
    rates = []
    for _, root, _ in runs.values():
        spent = [r.get("store_s") for r in _records(root)]
        spent = [t for t in spent if t]
        if spent:
            rates.append(len(spent) / sum(spent))
    return min(rates) if rates else float("nan")


def _records(root: Path):
    return [json.loads(p.read_text(encoding="utf-8"))
            for p in (root / "verdicts").glob("*/*.json")]


if __name__ == "__main__":
    main()
