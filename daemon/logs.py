"""Daemon logging: a rotating file in the user log directory, and standard error."""

from __future__ import annotations

import logging
import sys
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

import platformdirs

from core.private_files import make_private_dir, private_opener, tighten
from core.text import printable

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class InertFormatter(logging.Formatter):
    """Log lines whose text cannot steer a terminal: controls in a message (a schedule's name,
    a run's error) become visible escapes, so one message is one line; tracebacks keep theirs."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return printable(super().formatMessage(record))

    def formatException(self, ei: ExcInfo) -> str:
        return printable(super().formatException(ei), multiline=True)

    def formatStack(self, stack_info: str) -> str:
        return printable(super().formatStack(stack_info), multiline=True)


def default_log_file() -> Path:
    """`daemon.log` in the user log directory."""
    return Path(platformdirs.user_log_dir("amx-studio")) / "daemon.log"


BACKUPS = 5


class _PrivateRotatingFile(RotatingFileHandler):
    """A rotating log whose files (each new one after a rollover too) only the owner may read."""

    def _open(self) -> TextIOWrapper:
        path, mode = self.baseFilename, self.mode
        stream = open(path, mode, encoding=self.encoding, opener=private_opener)  # noqa: SIM115
        assert isinstance(stream, TextIOWrapper)  # text mode: the handler's mode is "a"
        return stream


def setup(log_file: Path | None = None, *, level: int = logging.INFO) -> Path:
    """Send the `amx` loggers to a rotating file (1 MB, 5 kept; 0600 in a 0700 directory) and
    to stderr; returns the file. Files left readable by others are tightened, one line each."""
    path = log_file or default_log_file()
    existed = path.parent.exists()
    make_private_dir(path.parent)
    logger = logging.getLogger("amx")
    logger.setLevel(level)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    formatter = InertFormatter(FORMAT)
    file_handler = _PrivateRotatingFile(
        path, maxBytes=1_000_000, backupCount=BACKUPS, encoding="utf-8"
    )
    stream_handler = logging.StreamHandler(sys.stderr)
    for handler in (file_handler, stream_handler):
        handler.setFormatter(formatter)
        logger.addHandler(handler)
    logger.propagate = False
    ours = [path.parent] if existed and path.parent == default_log_file().parent else []
    for item in (*ours, path, *(Path(f"{path}.{n}") for n in range(1, BACKUPS + 1))):
        tighten(item)
    return path
