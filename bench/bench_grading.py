"""Benchmark: sandboxed parallel grading (``dlbook course autograde``) against stock nbgrader.

Builds a temporary copy of the course with one assignment (default ``a08-iou-nms``) and N generated
submissions (default 200: a mix of full solutions, blank notebooks and partly solved ones, seeded),
then grades the same submissions three times in fresh copies:

1. stock ``nbgrader autograde <assignment>`` (one process, sequential, no sandbox);
2. ``dlbook course autograde <assignment> --jobs 1`` (sandboxed, sequential): the cost of safety;
3. ``dlbook course autograde <assignment> --jobs J`` (sandboxed, parallel, J = CPU cores).

Prints the times, the time per submission, the ratios to stock, and how many submissions got the
same total score from stock nbgrader and from our grader. No asserts: a benchmark, not a test.

    sudo .venv/bin/python bench/bench_grading.py                 # 200 submissions of a08-iou-nms
    sudo .venv/bin/python bench/bench_grading.py -n 40 --skip-sequential
"""

from __future__ import annotations

import argparse
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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="a08-iou-nms")
    parser.add_argument("-n", type=int, default=200, help="number of submissions")
    parser.add_argument("--jobs", type=int, default=None, help="workers (default: CPU cores)")
    parser.add_argument("--skip-sequential", action="store_true",
                        help="skip the sandboxed run with --jobs 1")
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
              f"course built in {time.perf_counter() - t0:.1f} s; {os.cpu_count()} CPU cores, "
              f"--jobs {jobs}")

        runs = {}
        stock_root = fresh_copy(template, work / "stock")
        runs["stock nbgrader autograde (sequential, no sandbox)"] = (
            timed([sys.executable, "-m", "nbgrader", "autograde", args.assignment,
                   "--log-level=ERROR"], stock_root, env), stock_root)
        ours = [sys.executable, "-m", "dlbook.course", "autograde", args.assignment,
                "--no-progress"]
        if not args.skip_sequential:
            seq_root = fresh_copy(template, work / "seq")
            runs["dlbook course autograde --jobs 1 (sandboxed)"] = (
                timed(ours + ["--jobs", "1"], seq_root, env), seq_root)
        par_root = fresh_copy(template, work / "par")
        runs[f"dlbook course autograde --jobs {jobs} (sandboxed)"] = (
            timed(ours + ["--jobs", str(jobs)], par_root, env), par_root)

        stock_time = next(iter(runs.values()))[0]
        stock_scores = scores(stock_root, args.assignment)
        print(f"\n{'run':<52} {'total s':>9} {'s/sub':>7} {'÷ stock':>8} {'same scores':>12}")
        for name, (elapsed, root) in runs.items():
            got = scores(root, args.assignment)
            same = sum(1 for s, v in stock_scores.items() if got.get(s) == v)
            print(f"{name:<52} {elapsed:>9.1f} {elapsed / args.n:>7.2f} "
                  f"{elapsed / stock_time:>8.2f} {same:>5}/{len(stock_scores)}")
        if not args.skip_sequential:
            seq = runs["dlbook course autograde --jobs 1 (sandboxed)"][0]
            print(f"\nsafety overhead per submission (sequential sandboxed vs stock): "
                  f"{(seq - stock_time) / args.n:+.2f} s, ratio {seq / stock_time:.2f}×")
        par, par_root = runs[f"dlbook course autograde --jobs {jobs} (sandboxed)"]
        records = [json.loads(p.read_text(encoding="utf-8"))
                   for p in (par_root / "verdicts" / args.assignment).glob("*.json")]
        if records:
            busy = sum(r.get("duration_s", 0) for r in records)
            held = sum(r.get("gradebook_lock_s", 0) for r in records)
            print(f"\ngradebook lock held {held / busy:.0%} of the workers' time "
                  f"(parallel speed-up is bounded by about {busy / max(held, 1e-9):.0f}× "
                  "on a machine with enough cores)")
        print(f"parallel sandboxed vs stock sequential: ratio {par / stock_time:.2f}× "
              f"({stock_time / par:.2f}× faster)" if par < stock_time else
              f"parallel sandboxed vs stock sequential: ratio {par / stock_time:.2f}× (slower)")
    finally:
        if args.keep:
            print(f"courses kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
