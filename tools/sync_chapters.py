"""Keep every chapter's install cell identical to tools/colab_setup_cell.py, then re-pair the
chapters with their .ipynb (jupytext --sync). Run by `make sync`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from colab_setup_cell import cell_source, replace_in_markdown  # noqa: E402

SETUP = cell_source()


def fix_first_cell(text: str) -> str:
    return replace_in_markdown(text, SETUP)


def main() -> int:
    chapters = sorted((ROOT / "book").glob("p*/*.md"))
    for md in chapters:
        text = md.read_text(encoding="utf-8")
        fixed = fix_first_cell(text)
        if fixed != text:
            md.write_text(fixed, encoding="utf-8")
            print(f"đã cập nhật ô cài đặt Colab: {md.relative_to(ROOT)}")
    jupytext = Path(sys.executable).with_name("jupytext")
    if chapters:
        subprocess.run([str(jupytext), "--sync", *map(str, chapters)], check=True, capture_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
