#!/usr/bin/env bash
# Strict build (-W) of a small book made of the landing page, the given chapters, the glossary and
# the references, into /tmp/jb-NAME with its own execution cache (only changed chapters
# re-execute). Faster than tools/check_book.sh while writing a chapter; the full book is still
# built by the tests. Usage: tools/check_chapters.sh NAME book/p4-cnn/09-xu-ly-anh.md [...]
set -euo pipefail
cd "$(dirname "$0")/.."
name="$1"; shift
out="/tmp/jb-${name}"
mkdir -p "$out"
{
  echo "format: jb-book"
  echo "root: book/intro"
  echo "parts:"
  echo "  - caption: \"Chương đang viết\""
  echo "    numbered: true"
  echo "    chapters:"
  for md in "$@"; do echo "      - file: ${md%.md}"; done
  echo "  - caption: \"Phụ lục\""
  echo "    chapters:"
  echo "      - file: book/glossary"
  echo "      - file: book/references"
} > "$out/_toc.yml"
.venv/bin/python tools/build_glossary.py
.venv/bin/python tools/sync_chapters.py
bash tools/fetch_mathjax.sh >/dev/null
.venv/bin/jupyter-book build . --toc "$out/_toc.yml" --path-output "$out" -W --keep-going 2>&1 \
  | grep -vE "^\s*$|writing output|reading sources|copying|Kernel is running over TCP" | tail -40
echo "HTML: $out/_build/html ; lỗi chạy ô (nếu có): $out/_build/html/reports/"
