"""Run every chapter that has a CPU budget in full mode (DLBOOK_FULL=1) and print, per chapter, its
wall time and the figures it glues into its prose (accuracy, Dice, mAP, errors, epochs, data size).

Meant for a machine with a GPU (`make gpu-check`, or tools/gpu_check.sh): the figures are the ones
the chapters would show a reader who has a GPU. A chapter "has a CPU budget" when it defines
``FULL = dlbook.full_mode()``. Each chapter is executed once, in its own folder, like the book's build.

    tools/gpu_check.sh                          # every full-mode chapter
    tools/gpu_check.sh book/p4-cnn/11-*.md      # some of them
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from execute_book import read_notebook  # noqa: E402

FULL_LINE = re.compile(r"^\s*FULL\s*=\s*dlbook\.full_mode\(\)", re.M)
FIGURES = re.compile(r"(acc|dice|iou|map\d*|mae|mse|rmse|bleu|fid|loss|epochs?|n_train|images)",
                     re.I)


def full_mode_chapters() -> list[Path]:
    return [md for md in sorted((ROOT / "book").glob("p*/*.md"))
            if FULL_LINE.search(md.read_text(encoding="utf-8"))]


def glued_values(nb) -> dict[str, str]:
    """The values a chapter glued (myst-nb stores them as outputs with scrapbook metadata)."""
    values = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            meta = out.get("metadata", {}).get("scrapbook", {})
            prefix = meta.get("mime_prefix", "")
            text = out.get("data", {}).get(prefix + "text/plain")
            if meta.get("name") and text is not None:
                values[meta["name"]] = text.strip("'\"")
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapters (.md); default: every full-mode one")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    parser.add_argument("--json", default=None, help="also write the results to this JSON file")
    args = parser.parse_args(argv)

    os.environ["DLBOOK_FULL"] = "1"  # the kernels inherit it
    from jupyter_cache.executors.utils import single_nb_execution

    import dlbook

    gpus = dlbook.num_gpus()
    device = "GPU" if gpus else "CPU"
    if gpus:
        import torch

        device = f"{gpus} GPU: {torch.cuda.get_device_name(0)}"
    else:
        print("CẢNH BÁO: không thấy GPU; chế độ đầy đủ trên CPU sẽ rất lâu.", file=sys.stderr)
    chapters = [Path(c).resolve() for c in args.chapters] or full_mode_chapters()
    print(f"Chế độ đầy đủ (DLBOOK_FULL=1) trên {device}: {len(chapters)} chương", flush=True)
    results, failed = {}, []
    for md in chapters:
        nb = read_notebook(md)
        start = time.perf_counter()
        result = single_nb_execution(nb, cwd=str(md.parent), timeout=args.timeout,
                                     allow_errors=False, meta_override=False)
        seconds = time.perf_counter() - start
        rel = os.path.relpath(md, ROOT)
        if result.err is not None:
            failed.append(rel)
            print(f"LỖI  {rel} ({seconds:.0f} s)\n{(result.exc_string or '')[-2000:]}", flush=True)
            continue
        figures = {k: v for k, v in glued_values(nb).items() if FIGURES.search(k)}
        results[rel] = {"seconds": round(seconds, 1), "figures": figures}
        shown = ", ".join(f"{k} = {v}" for k, v in figures.items())
        print(f"{seconds:7.1f} s  {rel}\n          {shown}", flush=True)
    total = sum(r["seconds"] for r in results.values())
    print(f"Tổng: {total:.0f} s cho {len(results)} chương; lỗi: {len(failed)}")
    if args.json:
        Path(args.json).write_text(json.dumps({"device": device, "chapters": results,
                                               "failed": failed}, ensure_ascii=False, indent=1),
                                   encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
