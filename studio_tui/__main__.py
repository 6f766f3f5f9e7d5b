"""`python -m studio_tui`: the studio, like `amx studio`."""

from __future__ import annotations

import sys

from studio_tui.cli import run

if __name__ == "__main__":
    sys.exit(run(["studio", *sys.argv[1:]]))
