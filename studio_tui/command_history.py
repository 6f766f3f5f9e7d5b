"""The lines typed on the studio's `:` line, newest last: walked with Up and Down, kept for the
session and in `command-history` beside the config (readable by the owner only)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from core.private_files import make_private_dir, private_opener
from studio_tui import config

KEEP = 500


def history_path() -> Path:
    """`command-history` in the user config directory."""
    return config.config_path().parent / "command-history"


class History:
    """Typed lines and a cursor into them for Up and Down."""

    def __init__(self, lines: list[str] | None = None, path: Path | None = None) -> None:
        self.lines = list(lines or [])[-KEEP:]
        self.path = path
        self._at = len(self.lines)
        self._draft = ""

    @classmethod
    def load(cls, path: Path | None = None) -> History:
        """The saved history, or an empty one when there is none or it cannot be read."""
        path = path or history_path()
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, ValueError):
            text = ""
        return cls([line for line in text.splitlines() if line.strip()], path)

    def add(self, line: str) -> None:
        """Remember a submitted line (a repeat of the last one is kept once) and save."""
        line = " ".join(line.splitlines()).strip()  # one entry is one line of the file
        if line and (not self.lines or self.lines[-1] != line):
            self.lines = [*self.lines, line][-KEEP:]
            self._save()
        self._at = len(self.lines)
        self._draft = ""

    def older(self, current: str) -> str | None:
        """The line before the one shown (the typed draft is kept for Down), or None at the
        oldest."""
        if self._at == 0:
            return None
        if self._at == len(self.lines):
            self._draft = current
        self._at -= 1
        return self.lines[self._at]

    def newer(self) -> str | None:
        """The line after the one shown, the draft after the newest, or None past it."""
        if self._at >= len(self.lines):
            return None
        self._at += 1
        return self.lines[self._at] if self._at < len(self.lines) else self._draft

    def _save(self) -> None:
        if self.path is None:
            return
        # An unwritable config directory must not break the command line: the session keeps it.
        with contextlib.suppress(OSError):
            make_private_dir(self.path.parent)
            with open(self.path, "w", encoding="utf-8", opener=private_opener) as file:
                file.write("".join(f"{line}\n" for line in self.lines))
