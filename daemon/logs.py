"""Daemon logging: a rotating file in the user log directory, and standard error."""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

import platformdirs

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


def setup(log_file: Path | None = None, *, level: int = logging.INFO) -> Path:
    """Send the `amx` loggers to a rotating file (1 MB, 5 kept) and to stderr; returns the file."""
    path = log_file or default_log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger("amx")
    logger.setLevel(level)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    formatter = InertFormatter(FORMAT)
    file_handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    stream_handler = logging.StreamHandler(sys.stderr)
    for handler in (file_handler, stream_handler):
        handler.setFormatter(formatter)
        logger.addHandler(handler)
    logger.propagate = False
    return path
