"""The tests pin their terminal: a shell's NO_COLOR, colour system or width changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import textual.constants

ROOT = Path(__file__).resolve().parent.parent
# What people keep exported in their shells, and would otherwise leak into every snapshot.
HOSTILE = {
    "NO_COLOR": "1",
    "FORCE_COLOR": "1",
    "TERM": "dumb",
    "COLORTERM": "",
    "COLUMNS": "50",
    "LINES": "10",
    "LC_ALL": "POSIX",
    "TZ": "America/New_York",
    "TEXTUAL_COLOR_SYSTEM": "standard",
    "TEXTUAL_ANIMATIONS": "none",
}


def test_the_callers_switches_do_not_reach_a_test() -> None:
    assert "NO_COLOR" not in os.environ
    assert os.environ["TERM"] == "xterm-256color"
    assert os.environ["TZ"] == "Asia/Jakarta"
    assert textual.constants.COLOR_SYSTEM == "auto"


@pytest.mark.slow
def test_studio_snapshots_pass_with_no_color_exported() -> None:
    chosen = [
        "tests/studio/test_studio_snapshots.py::test_populated_table[sqlite]",
        "tests/studio/test_studio_snapshots.py::test_new_dialog[sqlite]",
        "tests/studio/test_studio_snapshots.py::test_no_color[sqlite]",
    ]
    env = {**os.environ, **HOSTILE}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            *chosen,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:]
