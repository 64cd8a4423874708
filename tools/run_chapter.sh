#!/usr/bin/env bash
# Pair a chapter with its .ipynb (jupytext) and execute it once, printing the wall time and the
# prose word count. Usage: tools/run_chapter.sh book/p2-hoc-may/04-hoi-quy-tuyen-tinh.md
set -euo pipefail
cd "$(dirname "$0")/.."
md="$1"
nb="${md%.md}.ipynb"
.venv/bin/jupytext --sync "$md" >/dev/null
out=$(mktemp -d)/executed.ipynb
start=$(date +%s.%N)
(cd "$(dirname "$md")" && ../../.venv/bin/jupyter nbconvert --to notebook --execute \
   --ExecutePreprocessor.timeout=600 --output "$out" "$(basename "$nb")" >/dev/null 2>&1) || {
  echo "LỖI: chương không chạy được; chạy lại để xem lỗi:"; 
  (cd "$(dirname "$md")" && ../../.venv/bin/jupyter nbconvert --to notebook --execute --output "$out" "$(basename "$nb")" 2>&1 | tail -30); exit 1; }
end=$(date +%s.%N)
printf 'thời gian chạy: %.1f s   (%s)\n' "$(echo "$end - $start" | bc)" "$md"
.venv/bin/python tools/chapter_stats.py "$md"
echo "notebook đã chạy: $out"
