#!/usr/bin/env bash
# Strict build of the whole book (warnings are errors) into a private output folder, with its own
# execution cache so only changed chapters re-execute. Usage: tools/check_book.sh NAME
set -euo pipefail
cd "$(dirname "$0")/.."
out="/tmp/jb-${1:-check}"
.venv/bin/python tools/build_glossary.py
.venv/bin/python tools/sync_chapters.py
bash tools/fetch_mathjax.sh >/dev/null
.venv/bin/jupyter-book build . --path-output "$out" --all -W --keep-going 2>&1 | grep -vE "^\s*$|writing output|reading sources|copying|Kernel is running over TCP" | tail -40
echo "HTML: $out/_build/html ; lỗi chạy ô (nếu có): $out/_build/html/reports/"
