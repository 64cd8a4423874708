# dlbook: two commands do everything.
#   make book   create the environment if missing, execute every chapter, build the book, serve it
#   make test   create the environment if missing, install the test tools, run the whole test suite
#   make pdf    build the book, then print it to PDF (whole book + one per chapter) into _build/html/pdf
# Each target installs what it needs by itself. See README.md.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
PYTEST_ARGS ?= -n 2 --dist loadgroup --no-loadscope-reorder --durations=30
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: book build execute pdf serve test venv system mathjax sync exercises install-cell lock \
	gpu-check clean help

help:
	@echo "make book    — dựng sách (chạy mọi chương) và mở ở http://localhost:$(PORT)"
	@echo "make test    — chạy toàn bộ kiểm thử"
	@echo "make sync    — cập nhật bảng thuật ngữ và các notebook .ipynb ghép đôi"
	@echo "make exercises — sinh lại bài tập sinh viên (exercises/) từ solutions/"
	@echo "make pdf     — in sách ra PDF (cả cuốn và từng chương) vào _build/html/pdf/"
	@echo "make install-cell — chép ô cài đặt (tools/colab_setup_cell.py) vào mọi chương và bài tập"

# The environment: re-installed when pyproject.toml or constraints.txt changes. pyproject.toml has
# ranges; constraints.txt the exact versions of the book's build (torch==2.13.0: a CPU-only machine
# with the local wheel gets the CPU build, a Linux GPU machine the CUDA build). `make lock` rewrites
# constraints.txt from .venv after a dependency change.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[book,course,test]"
	@# jsonschema's optional IRI checker (rfc3987-syntax, pulled in by jupyter-events) compiles a
	@# grammar when imported: 1.9 s in every process that imports nbformat (each CLI call, grading
	@# worker, nbgrader and book-build process). Nothing here validates IRIs; jsonschema skips the
	@# check when the package is absent.
	$(BIN)/python -m pip uninstall -q -y rfc3987-syntax
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

# Chapters execute in parallel (JOBS kernels, default one per core) into the jupyter-cache first;
# Sphinx then finds them all in the cache. A chapter that fails stops here with its traceback.
execute: venv
	$(BIN)/python tools/execute_book.py -j $(JOBS)

build: venv mathjax
	$(BIN)/python tools/build_glossary.py --check
	$(BIN)/python tools/execute_book.py -j $(JOBS)
	$(BIN)/jupyter-book build . -W --keep-going

# The book as PDF, printed from the built site by Debian's Chromium (MathJax typeset first).
pdf: build system
	$(BIN)/python tools/build_pdf.py

serve:
	@echo "Sách đang được phục vụ ở http://localhost:$(PORT) (Ctrl+C để dừng)"
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 -d _build/html

book: build serve

test: venv system mathjax
	$(BIN)/python -m pytest $(PYTEST_ARGS)

exercises: venv
	$(BIN)/python tools/build_solutions.py
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dlbook course generate

# The one install cell (tools/colab_setup_cell.py) into every chapter, paired notebook and solution,
# then the exercises regenerated from the solutions by nbgrader.
install-cell: venv
	$(BIN)/python tools/colab_setup_cell.py
	$(MAKE) exercises
	$(BIN)/python tools/colab_setup_cell.py --check

lock: venv
	bash tools/lock.sh

# On a machine with a GPU: every chapter with a CPU budget in full mode, accuracy and time each.
gpu-check: venv
	bash tools/gpu_check.sh

clean:
	rm -rf _build
