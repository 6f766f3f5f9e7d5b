"""Daemon logging: a rotating file in the user log directory, and standard error."""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

import platformdirs

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


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
    formatter = logging.Formatter(FORMAT)
    file_handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    stream_handler = logging.StreamHandler(sys.stderr)
    for handler in (file_handler, stream_handler):
        handler.setFormatter(formatter)
        logger.addHandler(handler)
    logger.propagate = False
    return path
