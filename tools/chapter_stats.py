"""Word count of the Vietnamese prose of each chapter (code cells, math, front matter, directives'
options and glossary roles' targets excluded). Usage: python tools/chapter_stats.py [files...]"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _drop_code_fences(text: str) -> str:
    """Drop code cells and plain code blocks; keep the body of other directives (a figure's
    caption is prose), dropping only their fence lines."""
    kept, skipping, open_directives = [], False, 0
    for line in text.splitlines():
        fence = re.match(r"^(`{3,}|~{3,})\s*(.*)$", line.strip())
        if skipping:
            skipping = not (fence and not fence.group(2))
            continue
        if not fence:
            kept.append(line)
        elif not fence.group(2):  # a bare fence closes a directive or opens a code block
            if open_directives:
                open_directives -= 1
            else:
                skipping = True
        elif fence.group(2).startswith("{code-cell}") or not fence.group(2).startswith("{"):
            skipping = True
        else:
            open_directives += 1
    return "\n".join(kept)


def prose_words(text: str) -> int:
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)  # front matter
    text = _drop_code_fences(text)
    text = re.sub(r"\$\$.*?\$\$", "", text, flags=re.S)  # display math
    text = re.sub(r"\$[^$\n]+\$", " ", text)  # inline math
    text = re.sub(r"^:[a-z-]+:.*$", "", text, flags=re.M)  # directive options
    text = re.sub(r"\{[a-z:]+\}`([^`<]*)(<[^>]*>)?`", r"\1", text)  # roles -> their text
    text = re.sub(r"[`*_#>|{}\[\]()]", " ", text)
    return len([w for w in text.split() if re.search(r"\w", w)])


def chapters() -> list[Path]:
    return sorted(p for p in (ROOT / "book").glob("p*/*.md"))


def main(argv: list[str]) -> int:
    files = [Path(a).resolve() for a in argv] or chapters()
    for path in files:
        print(f"{prose_words(path.read_text(encoding='utf-8')):6d}  {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
