"""A step that keeps failing is logged once, reminded about now and then, and its recovery said."""

from __future__ import annotations

import logging

import pytest

from core.errors import StorageError
from daemon.trouble import Trouble


def test_first_failure_reminders_and_recovery(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="amx.daemon")
    quiet = Trouble("tick", every=3600)
    for _ in range(50):
        quiet.failed(StorageError("cannot reach the database x: gone."), retry_in=1.0)
    quiet.ok()
    quiet.ok()
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "tick failed: cannot reach the database x: gone.; trying again every 1.0s",
        lines[1],
    ]
    assert lines[1].startswith("tick works again after ") and "(50 failed attempts)" in lines[1]
    assert not any(r.exc_info for r in caplog.records), "an expected error is one line"


def test_reminders_and_tracebacks_for_the_unexpected(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="amx.daemon")
    chatty = Trouble("heartbeat", every=0)
    for _ in range(3):
        try:
            raise ValueError("a bug")
        except ValueError as exc:
            chatty.failed(exc, retry_in=1.0)
    [first, *reminders] = caplog.records
    assert first.exc_info is not None, "the unexpected keeps its traceback the first time"
    assert [r.getMessage().split(" after ")[0] for r in reminders] == [
        "heartbeat still failing"
    ] * 2
    assert "(3 attempts): a bug" in reminders[-1].getMessage()
