#!/usr/bin/env bash
# On a machine with a GPU: run every chapter that has a CPU budget in full mode (DLBOOK_FULL=1)
# and print the accuracy (and the other figures the chapter glues) and the time of each chapter.
# Usage: tools/gpu_check.sh [book/<part>/<chapter>.md ...]   (or: make gpu-check)
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python tools/gpu_check.py "$@"
