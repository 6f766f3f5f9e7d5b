"""The command each browser tab runs: the terminal studio with the same options."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Sequence

from core.storage.location import ENV_URL


def studio_argv(*, demo: bool, theme: str | None) -> list[str]:
    """The command line of one tab's studio: this Python, by its absolute path, running the
    studio with the options the server was given."""
    argv = [os.path.abspath(sys.executable), "-m", "studio_tui.web.tab"]
    if demo:
        argv.append("--demo")
    if theme:
        argv += ["--theme", theme]
    return argv


def shell_line(argv: Sequence[str]) -> str:
    """`argv` quoted for the shell that textual-serve starts each tab's studio with."""
    if os.name == "nt":
        return subprocess.list2cmdline(list(argv))
    return shlex.join(argv)


def child_environment(database_url: str | None) -> dict[str, str]:
    """What the server's environment must add so each tab's studio opens the same database.

    The URL travels in the environment rather than on the command line, where any user of the
    machine could read its password in the process list."""
    return {ENV_URL: database_url} if database_url else {}
