"""Keep every chapter's Colab set-up cell identical to tools/colab_setup_cell.py, then re-pair the
chapters with their .ipynb (jupytext --sync). Run by `make sync`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETUP = (ROOT / "tools" / "colab_setup_cell.py").read_text(encoding="utf-8").strip()
FIRST_CELL = re.compile(r"(```\{code-cell\}[^\n]*\n(?::[^\n]*\n)*\n?)(.*?)(\n```)", re.S)


def fix_first_cell(text: str) -> str:
    match = FIRST_CELL.search(text)
    if match is None:
        return text
    return text[: match.start(2)] + SETUP + text[match.end(2) :]


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
