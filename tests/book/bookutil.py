"""Helpers shared by the book tests: paths, the TOC and the chapter list."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
sys.path.insert(0, str(BOOK / "_ext"))
sys.path.insert(0, str(ROOT / "tools"))


def toc_files() -> list[str]:
    """Every file named in _toc.yml (root, chapters and sections), without extension."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return files


def chapter_sources() -> list[Path]:
    """The chapters: MyST notebooks in the part folders book/p*/."""
    return sorted(BOOK.glob("p*/*.md"))


