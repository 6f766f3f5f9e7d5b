"""A child interpreter started from the project's root, as a fresh `amx` process starts: what
it imports and prints is its own, not what the test process has loaded already."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def python(code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` with `python -c` from the project's root and return its output as text; a
    non-zero exit fails the test with the child's error."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
