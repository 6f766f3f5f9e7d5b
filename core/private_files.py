"""Files and directories only their owner may read, whatever the umask: 0600 and 0700.

Nothing here opens an existing file: closing any descriptor of a SQLite file drops every POSIX
lock this process holds on it, so existing files are only stat-ed and chmod-ed by path."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

FILE_MODE, DIR_MODE = 0o600, 0o700
log = logging.getLogger("amx.files")


def private_opener(path: str, flags: int) -> int:
    """An `open(opener=…)` that creates a missing file as 0600."""
    return os.open(path, flags, FILE_MODE)


def make_private_dir(path: Path) -> None:
    """Create `path` and any missing parent as 0700 (as XDG asks of its base directories)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue  # made by another process meanwhile; tighten() deals with its mode
        os.chmod(directory, DIR_MODE)  # mkdir's mode is cut by the umask, never widened


def create_private_file(path: Path) -> None:
    """Create `path` empty as 0600 if it does not exist; an existing file is left untouched."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    except FileExistsError:
        return
    os.close(fd)  # brand new and empty: no lock of this process can be on it yet


def is_loose(path: Path) -> bool:
    """Whether `path` exists and its group or others have any access to it (what `tighten`
    takes away)."""
    try:
        return bool(stat.S_IMODE(os.stat(path).st_mode) & 0o077)
    except FileNotFoundError:
        return False


def tighten(path: Path) -> bool:
    """Take group and other access away from an existing file or directory, with one log line
    saying so; False when it does not exist or needed nothing."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return False
    if not mode & 0o077:
        return False
    try:
        os.chmod(path, mode & 0o700)
    except OSError as exc:
        log.warning("%s can be read by others (%04o) and cannot be tightened: %s", path, mode, exc)
        return False
    log.warning(
        "tightened %s from %04o to %04o: only its owner may read it", path, mode, mode & 0o700
    )
    return True
