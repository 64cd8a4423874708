"""Execute the book's chapters in parallel into the jupyter-cache, before Sphinx reads them.

Jupyter Book (myst-nb, ``execute_notebooks: cache``) executes the chapters one after the other
while Sphinx reads them. This script runs first: it reads every chapter of the table of contents
exactly as myst-nb does (same reader, so the same cache key), skips those whose code is already in
the cache, executes the others in parallel (longest first, one kernel per worker, working directory
the chapter's folder, per-cell timeout from ``_config.yml`` or the chapter's front matter) and
stores the executed notebooks in the cache. The Sphinx build that follows finds every chapter in
the cache and only renders.

    .venv/bin/python tools/execute_book.py                       # cache of `jupyter-book build .`
    .venv/bin/python tools/execute_book.py --path-output /tmp/b  # cache of `--path-output /tmp/b`
    .venv/bin/python tools/execute_book.py -j 8 --toc /tmp/x/_toc.yml

It prints the time of each chapter, the total and what that total becomes on 2, 8 and 16 cores
(longest-first schedule of the measured times), and writes them to ``execution-times.json`` next to
the cache. A chapter that fails is reported (its traceback) and not cached, and the exit status is
1: the Sphinx build then executes it again and fails on it with its usual report.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def toc_documents(toc_path: Path) -> list[str]:
    """Every document of a jb-book table of contents (root, chapters, sections), no extension."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    docs = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                docs.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []) or []:
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return docs


def read_notebook(path: Path):
    """The notebook myst-nb makes of ``path`` (None if it is plain Markdown, not a notebook)."""
    from myst_nb.core.config import NbParserConfig
    from myst_nb.core.read import create_nb_reader
    from myst_parser.config.main import MdParserConfig

    text = path.read_text(encoding="utf-8")
    reader = create_nb_reader(str(path), MdParserConfig(), NbParserConfig(), text)
    if reader is None:
        return None
    return reader.read(text)


def execution_settings(config_path: Path) -> dict:
    config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    execute = config.get("execute", {}) or {}
    return {
        "timeout": int(execute.get("timeout", 30)),
        "allow_errors": bool(execute.get("allow_errors", False)),
        "mode": execute.get("execute_notebooks", "auto"),
    }


def _execute_one(path_str: str, nb_json: str, timeout: int, allow_errors: bool):
    """Worker: execute one notebook in its own folder; return (path, executed json, seconds, tb)."""
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    nb = nbformat.reads(nb_json, as_version=4)
    result = single_nb_execution(nb, cwd=str(Path(path_str).parent), timeout=timeout,
                                 allow_errors=allow_errors, meta_override=True)
    if result.err is not None:
        return path_str, None, result.time, result.exc_string or repr(result.err)
    return path_str, nbformat.writes(nb), result.time, None


def schedule_makespan(times: list[float], workers: int) -> float:
    """Wall time of running ``times`` longest first on ``workers`` parallel workers."""
    if not times:
        return 0.0
    loads = [0.0] * max(1, workers)
    heapq.heapify(loads)
    for t in sorted(times, reverse=True):
        heapq.heappush(loads, heapq.heappop(loads) + t)
    return max(loads)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path-output", default=str(ROOT),
                        help="same as jupyter-book build --path-output (default: the repository)")
    parser.add_argument("--toc", default=str(ROOT / "_toc.yml"))
    parser.add_argument("--config", default=str(ROOT / "_config.yml"))
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                        help="parallel kernels (default: the number of CPU cores)")
    parser.add_argument("--force", action="store_true", help="execute even chapters in the cache")
    parser.add_argument("--only", nargs="*", default=None,
                        help="execute only these documents (paths without extension)")
    args = parser.parse_args(argv)

    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    import nbformat

    settings = execution_settings(Path(args.config))
    if settings["mode"] in ("off", False):
        print("execute_notebooks: off — không có gì để chạy")
        return 0
    cache_dir = Path(args.path_output) / "_build" / ".jupyter_cache"
    cache = get_cache(str(cache_dir))

    previous = {}  # earlier execution time of each source file: longest first
    for record in cache.list_cache_records():
        seconds = (record.data or {}).get("execution_seconds")
        if seconds:
            previous[record.uri] = max(previous.get(record.uri, 0.0), float(seconds))

    jobs = []
    cached = 0
    for doc in toc_documents(Path(args.toc)):
        if args.only is not None and doc not in args.only:
            continue
        path = (ROOT / f"{doc}.md")
        if not path.exists():
            path = ROOT / f"{doc}.ipynb"
        if not path.exists():
            continue
        nb = read_notebook(path)
        if nb is None or not any(c.cell_type == "code" for c in nb.cells):
            continue
        if not args.force:
            try:
                cache.match_cache_notebook(nb)
                cached += 1
                continue
            except KeyError:
                pass
        timeout = nb.metadata.get("mystnb", {}).get("execution_timeout", settings["timeout"])
        jobs.append((path, nb, int(timeout)))

    print(f"{cached} chương đã có trong bộ nhớ đệm, {len(jobs)} chương cần chạy "
          f"({args.jobs} tiến trình song song) → {cache_dir}", flush=True)
    jobs.sort(key=lambda j: previous.get(str(j[0]), j[0].stat().st_size / 1000), reverse=True)
    times: dict[str, float] = {}
    failed: dict[str, str] = {}
    notebooks = {str(path): nb for path, nb, _ in jobs}
    start = time.perf_counter()
    if jobs:
        with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = [pool.submit(_execute_one, str(path), nbformat.writes(nb), timeout,
                                   settings["allow_errors"]) for path, nb, timeout in jobs]
            for future in as_completed(futures):
                path_str, executed, seconds, tb = future.result()
                rel = os.path.relpath(path_str, ROOT)
                times[rel] = seconds
                if tb is not None:
                    failed[rel] = tb
                    print(f"  LỖI   {seconds:7.1f} s  {rel}", flush=True)
                    continue
                # the cache stores the outputs on the notebook as myst-nb read it (same key)
                nb = notebooks[path_str]
                done = nbformat.reads(executed, as_version=4)
                for cell, done_cell in zip(nb.cells, done.cells):
                    if cell.cell_type == "code":
                        cell.outputs = done_cell.outputs
                        cell.execution_count = done_cell.execution_count
                cache.cache_notebook_bundle(
                    CacheBundleIn(nb, path_str, data={"execution_seconds": seconds}),
                    check_validity=False, overwrite=True)
                print(f"  xong  {seconds:7.1f} s  {rel}", flush=True)
    wall = time.perf_counter() - start

    values = list(times.values())
    report = {
        "jobs": args.jobs, "wall_seconds": wall, "chapters": times,
        "sum_seconds": sum(values), "longest_seconds": max(values, default=0.0),
        "expected_wall_seconds": {str(n): schedule_makespan(values, n) for n in (1, 2, 8, 16)},
        "failed": sorted(failed),
    }
    cache_dir.parent.mkdir(parents=True, exist_ok=True)
    (cache_dir.parent / "execution-times.json").write_text(
        json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    if values:
        exp = report["expected_wall_seconds"]
        print(f"thời gian thực {wall:.1f} s; tổng {sum(values):.1f} s, chương dài nhất "
              f"{max(values):.1f} s; ước tính theo số lõi: 2 → {exp['2']:.0f} s, "
              f"8 → {exp['8']:.0f} s, 16 → {exp['16']:.0f} s (chưa gồm Sphinx)")
    for rel, tb in failed.items():
        print(f"\n=== {rel} không chạy được ===\n{tb[-3000:]}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
