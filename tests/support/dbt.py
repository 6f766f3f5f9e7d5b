"""A real dbt (core 1.10 with the duckdb adapter) in a venv of its own beside the project's,
built once from `dbt-requirements.txt`: its pins clash with the project's own test tools."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = Path(__file__).with_name("dbt-requirements.txt")


def dbt_executable(folder: Path = ROOT / ".venv-dbt") -> Path:
    """The `dbt` program of the dbt venv, made (or remade when the pins change) first."""
    want = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    stamp = folder / ".installed"
    program = folder / "bin" / "dbt"
    if program.exists() and stamp.exists() and stamp.read_text() == want:
        return program
    venv.EnvBuilder(with_pip=True, clear=True).create(folder)
    subprocess.run(
        [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", "-r", str(REQUIREMENTS)],
        check=True,
        env={**os.environ, "PIP_NO_INPUT": "1"},
        stdout=sys.stderr,
    )  # fmt: skip
    stamp.write_text(want)
    return program
