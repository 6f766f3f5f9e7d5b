"""Noticing that the SQLite file a process has open is no longer the one its path names.

`rm amx.db*` (or a restore that moves another file into place) under a running daemon leaves it
writing to a deleted file that nobody else can see. The daemon and its job process compare the
path's device and inode with the ones they opened, and stop when they differ. Only `os.stat`
is used: opening and closing any descriptor of a SQLite file would drop this process's POSIX
locks on it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import URL, make_url


def sqlite_path(url: str | URL) -> Path | None:
    """The file a SQLite URL names, or None (another backend, in memory, or a `file:` URI)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser().absolute()


def existing_only(url: str | URL) -> str:
    """The same SQLite URL, opened so that SQLite never creates the file (`mode=rw`)."""
    parsed = make_url(url)
    path = sqlite_path(parsed)
    if path is None:
        return parsed.render_as_string(hide_password=False)
    query = {**parsed.query, "mode": "rw", "uri": "true"}
    uri = parsed.set(database=f"file:{quote(str(path))}", query=query)
    return uri.render_as_string(hide_password=False)


@dataclass(frozen=True)
class FileIdentity:
    """Which file a path named when it was opened: its device and inode."""

    path: Path
    device: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> FileIdentity | None:
        """The identity of the file at `path` now, or None if there is none."""
        try:
            found = os.stat(path)
        except FileNotFoundError:
            return None
        return cls(path, found.st_dev, found.st_ino)

    @classmethod
    def of_url(cls, url: str | URL) -> FileIdentity | None:
        """The identity of the SQLite file `url` names (None for other databases)."""
        path = sqlite_path(url)
        return cls.of(path) if path is not None else None

    def gone(self) -> str | None:
        """None while the path still names this file; else one sentence saying what happened."""
        try:
            now = FileIdentity.of(self.path)
        except OSError as exc:  # a vanished directory, say: the file is out of reach either way
            return f"the database file {self.path} cannot be checked any more ({exc.strerror})"
        if now is None:
            return f"the database file {self.path} was deleted while in use"
        if (now.device, now.inode) != (self.device, self.inode):
            return f"the database file {self.path} was replaced by another file while in use"
        return None

    def as_data(self) -> dict[str, str | int]:
        """For the job process's set-up message."""
        return {"path": str(self.path), "device": self.device, "inode": self.inode}

    @classmethod
    def from_data(cls, data: dict[str, str | int]) -> FileIdentity:
        """The inverse of `as_data`."""
        return cls(Path(str(data["path"])), int(data["device"]), int(data["inode"]))
