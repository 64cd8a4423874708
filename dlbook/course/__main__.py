"""``python -m dlbook.course …`` is ``dlbook course …``."""

import sys

from dlbook.cli import main

if __name__ == "__main__":
    sys.exit(main(["course", *sys.argv[1:]]))
