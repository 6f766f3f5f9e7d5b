"""What every OS hook shares: results, atomic file writes and command-line display."""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from daemon.hooks.spec import DaemonCommand

# What a hook keeps running: the daemon, or the HTTP API beside it (`install-daemon --api`).
Which = Literal["daemon", "api"]
KEEP_QUEUED = "schedules stay queued; they fire again when the daemon is back"
NO_MANAGER_HINT = (
    "run `amx daemon run` under tmux instead, or keep `amx studio` open so it ticks schedules "
    "itself"
)


@dataclass(frozen=True)
class InstallResult:
    """The outcome of install or uninstall: one sentence, plus warnings worth reading."""

    ok: bool
    message: str
    path: Path | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class HookStatus:
    """Whether the hook is installed and whether the OS reports the daemon running.

    `active` is None when the OS service manager could not be asked.
    """

    installed: bool
    active: bool | None
    detail: str


@dataclass(frozen=True)
class Step:
    """One command install runs, with a note for `--print`."""

    argv: list[str]
    note: str = ""


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write data to path so readers see the old file or the new one, never a torn one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates 0600; the service manager and `ls` readers expect a plain 0644 file.
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def restore(path: Path, previous: bytes | None) -> None:
    """Put back what was at path before a failed install (or remove what it wrote)."""
    if previous is None:
        path.unlink(missing_ok=True)
    else:
        write_atomic(path, previous)


def read_or_none(path: Path) -> bytes | None:
    """The file's bytes, or None when it does not exist."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def command_line(argv: Sequence[str], *, windows: bool = False) -> str:
    """argv as one line a person could paste into the platform's shell."""
    return subprocess.list2cmdline(list(argv)) if windows else shlex.join(argv)


def format_preview(
    what: str, path: Path, content: str, steps: Sequence[Step], *, windows: bool = False
) -> str:
    """The `--print` text: target path, file content, and the command lines install runs."""
    lines = [f"# {what}: {path}", "# --print installs nothing; install would write this file:", ""]
    lines.append(content.rstrip("\n"))
    lines += ["", "# and then run:"]
    for step in steps:
        shown = command_line(step.argv, windows=windows)
        lines.append(f"{shown}    # {step.note}" if step.note else shown)
    return "\n".join(lines) + "\n"


def password_warnings(cmd: DaemonCommand) -> tuple[str, ...]:
    """Warnings for each env:VAR password the daemon needs but the hook must not store."""
    return tuple(
        f"the database password comes from ${name}, which the hook does not hold; give it to "
        "the daemon another way (e.g. ~/.pgpass) or it cannot connect"
        for name in cmd.password_variables
    )
