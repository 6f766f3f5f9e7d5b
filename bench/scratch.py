"""A benchmark's scratch folder: its databases and logs, gone when the benchmark ends."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path


def scratch_folder(prefix: str = "amx-bench-") -> Path:
    """A new folder under the system's temporary one, removed with all it holds when the
    process exits (a benchmark at 1,000,000 schedules leaves a gigabyte otherwise)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
