# dlbook: two commands do everything.
#   make book   create the environment if missing, execute every chapter, build the book, serve it
#   make test   create the environment if missing, install the test tools, run the whole test suite
# Each target installs what it needs by itself. See README.md.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
PYTEST_ARGS ?= -n 2 --dist loadgroup

.PHONY: book build serve test venv system mathjax sync exercises clean help

help:
	@echo "make book    — dựng sách (chạy mọi chương) và mở ở http://localhost:$(PORT)"
	@echo "make test    — chạy toàn bộ kiểm thử"
	@echo "make sync    — cập nhật bảng thuật ngữ và các notebook .ipynb ghép đôi"
	@echo "make exercises — sinh lại bài tập sinh viên (exercises/) từ solutions/"

# The environment: re-installed when pyproject.toml changes. torch is pinned (torch==2.13.0):
# a CPU-only machine with the local wheel gets the CPU build, a Linux GPU machine the CUDA build.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e ".[book,course,test]"
	@touch $@

venv: $(STAMP)

# System packages for the tests (headless Chromium for the browser test, sandbox tools for
# grading): tools/apt-packages.txt, installed with apt-get when missing (needs root or sudo).
system:
	@bash tools/install_system_packages.sh

mathjax:
	@bash tools/fetch_mathjax.sh

sync: venv
	$(BIN)/python tools/build_glossary.py
	$(BIN)/python tools/sync_chapters.py

build: venv mathjax
	$(BIN)/python tools/build_glossary.py --check
	$(BIN)/jupyter-book build . -W --keep-going

serve:
	@echo "Sách đang được phục vụ ở http://localhost:$(PORT) (Ctrl+C để dừng)"
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 -d _build/html

book: build serve

test: venv system mathjax
	$(BIN)/python -m pytest $(PYTEST_ARGS)

exercises: venv
	$(BIN)/dlbook course generate

clean:
	rm -rf _build
