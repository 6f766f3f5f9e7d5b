"""Every refusal is one sentence: locked databases, ids and times at the edges of their ranges,
a directory given as the database, and input the command line cannot store or print."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.errors import InvalidInput
from core.schedules.triggers import (
    IntervalTrigger,
    interval,
    next_fire_times,
    once,
    parse_fire_at,
    trigger_from_data,
)
from tests.conftest import NOW
from tests.support.cli import Amx
from tests.support.dump import dump
from tests.support.shop import make_shop

_ADD = ("schedule", "add", "--name", "edge", "--db-profile", "shop", "--scope", "public")


def _one_sentence(tool: Amx, code: int, prefix: str = "error: ") -> str:
    assert code == (1 if prefix == "error: " else 2), tool.err
    assert tool.err.startswith(prefix), tool.err
    assert tool.err.count("\n") == 1 and tool.err.endswith("\n"), tool.err
    assert "unexpected" not in tool.err and "Traceback" not in tool.err, tool.err
    return tool.err


@pytest.fixture
def sqlite_amx(sqlite_url: str, clock: FrozenClock, tmp_path: Path) -> Amx:
    """`amx` on a new SQLite database with a DB profile `shop` and one schedule, id 1."""
    tool = Amx(sqlite_url, clock)
    assert tool("profile", "db", "add", "shop", make_shop(tmp_path / "shop")) == 0, tool.err
    assert tool(*_ADD, "--fire-at", "+1h") == 0, tool.err
    return tool


_HOLD_WRITE_LOCK = textwrap.dedent(
    """
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    conn.rollback()
    """
)


@contextmanager
def _write_lock_held(url: str) -> Iterator[subprocess.Popen[str]]:
    """A second process holding the database's write lock well past the busy timeout."""
    path = url.removeprefix("sqlite:///")
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_WRITE_LOCK, path, "30"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        yield holder
    finally:
        holder.kill()
        holder.wait()


def test_write_lock_held_by_another_process_is_one_sentence(sqlite_amx: Amx) -> None:
    with _write_lock_held(sqlite_amx.url) as holder:
        code = sqlite_amx("schedule", "pause", "1")
        assert holder.poll() is None  # the lock was still held when amx gave up
    message = _one_sentence(sqlite_amx, code)
    assert "another process holds its write lock" in message
    assert "try again" in message
    assert sqlite_amx.json("schedule", "show", "1")["schedule"]["status"] == "pending"


def test_write_lock_on_a_rollback_journal_database_is_one_sentence(sqlite_amx: Amx) -> None:
    # A database that is not (yet) in WAL mode is switched to it on open, which needs the lock.
    path = sqlite_amx.url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
    with _write_lock_held(sqlite_amx.url):
        code = sqlite_amx("schedule", "list")
    assert "another process holds its write lock" in _one_sentence(sqlite_amx, code)


def test_a_directory_given_as_the_database_is_refused(tmp_path: Path, clock: FrozenClock) -> None:
    folder = tmp_path / "amx.db"
    folder.mkdir()
    tool = Amx(f"sqlite:///{folder}", clock)
    message = _one_sentence(tool, tool("schedule", "list"))
    assert "is a directory, not a file" in message
    assert list(folder.iterdir()) == []


def test_a_database_path_that_is_not_a_regular_file_is_refused(clock: FrozenClock) -> None:
    tool = Amx("sqlite:////dev/null", clock)
    assert "is not a regular file" in _one_sentence(tool, tool("schedule", "list"))


@pytest.mark.parametrize("verb", ["show", "pause", "resume", "run-now", "skip", "cancel", "rm"])
@pytest.mark.parametrize("given", [str(2**63), str(2**64), "9" * 40])
def test_ids_beyond_the_database_integer_range_are_refused(
    sqlite_amx: Amx, verb: str, given: str
) -> None:
    before = dump(sqlite_amx.url)
    message = _one_sentence(sqlite_amx, sqlite_amx("schedule", verb, given), prefix="amx: ")
    assert "too large" in message
    assert dump(sqlite_amx.url) == before


@pytest.mark.parametrize(
    "option", [("list", "--offset"), ("list", "--limit"), ("edit", "1", "--if-version")]
)
def test_whole_numbers_beyond_the_database_integer_range_are_refused(
    sqlite_amx: Amx, option: tuple[str, ...]
) -> None:
    before = dump(sqlite_amx.url)
    code = sqlite_amx("schedule", *option, str(2**63), "--name", "x")
    assert "too large" in _one_sentence(sqlite_amx, code, prefix="amx: ")
    assert dump(sqlite_amx.url) == before


@pytest.mark.parametrize(
    ("timezone", "fire_at"),
    [
        ("America/New_York", "9999-12-31 23:59"),
        ("UTC", "9999-12-31 23:59"),
        ("Asia/Tokyo", "0001-01-01 00:00"),
        ("Pacific/Kiritimati", "0001-01-01 00:00"),
        ("UTC", "+9999999d"),
        ("UTC", "+" + "9" * 30 + "d"),
    ],
)
def test_fire_at_at_the_edges_of_the_calendar_is_refused(
    sqlite_amx: Amx, timezone: str, fire_at: str
) -> None:
    before = dump(sqlite_amx.url)
    for argv in (
        (*_ADD[:3], "other", *_ADD[4:], "--timezone", timezone, "--fire-at", fire_at),
        ("schedule", "edit", "1", "--timezone", timezone, "--fire-at", fire_at),
        ("schedule", "next", "--timezone", timezone, "--fire-at", fire_at),
    ):
        message = _one_sentence(sqlite_amx, sqlite_amx(*argv))
        assert "fire-at" in message and "--fire-at" in message, message
    assert dump(sqlite_amx.url) == before


@pytest.mark.parametrize("rule", [("--every", "1d"), ("--cron", "@daily"), ("--cron", "0 * * * *")])
@pytest.mark.parametrize(
    ("timezone", "start"),
    [
        ("America/New_York", "9999-12-31T23:00"),
        ("UTC", "9999-12-31T00:00"),
        ("America/New_York", "0001-01-01T00:00"),
        ("UTC", "0001-01-01T00:00+00:00"),
        ("UTC", "9999-12-31 23:59"),
    ],
)
def test_previews_from_the_edges_of_the_calendar_are_refused(
    sqlite_amx: Amx, rule: tuple[str, str], timezone: str, start: str
) -> None:
    code = sqlite_amx("schedule", "next", *rule, "--timezone", timezone, "--from", start)
    assert "start time" in _one_sentence(sqlite_amx, code)


def test_previews_stop_at_the_end_of_the_supported_calendar(sqlite_amx: Amx) -> None:
    for rule in (("--every", "52w"), ("--cron", "0 0 31 12 *"), ("--cron", "@hourly")):
        argv = ("schedule", "next", *rule, "--from", "9998-12-31T12:00", "-n", "1000")
        assert sqlite_amx(*argv, "--timezone", "America/New_York") == 0, sqlite_amx.err
        assert all(
            line.startswith(("Thu 9998-12-31", "no fire")) for line in sqlite_amx.out.splitlines()
        )


def test_interval_arithmetic_never_leaves_the_calendar() -> None:
    from datetime import UTC, datetime

    late = datetime(9998, 12, 31, 23, 0, tzinfo=UTC)
    weekly = IntervalTrigger(every_seconds=604800, anchor=late)
    assert next_fire_times(weekly, "UTC", late, 1000) == []
    with pytest.raises(InvalidInput) as refused:
        IntervalTrigger(every_seconds=3600, anchor=datetime(9999, 12, 31, tzinfo=UTC))
    assert refused.value.field == "anchor"
    with pytest.raises(InvalidInput) as refused:
        trigger_from_data({"kind": "once", "fire_at": "9999-12-31T23:59:00"})
    assert refused.value.field == "fire_at"
    with pytest.raises(InvalidInput) as refused:
        once(datetime(1, 1, 1))
    assert refused.value.field == "fire_at"
    with pytest.raises(InvalidInput) as refused:
        parse_fire_at("+3000000d", "UTC", NOW)
    assert refused.value.field == "fire_at"
    assert interval("52w").every_seconds == 52 * 604800


@pytest.mark.parametrize("every", ["²", "٣m", "9" * 5000, "1" + "0" * 5000 + "m"])
def test_odd_digits_and_huge_intervals_are_refused(sqlite_amx: Amx, every: str) -> None:
    before = dump(sqlite_amx.url)
    for argv in (
        (*_ADD[:3], "other", *_ADD[4:], "--every", every),
        ("schedule", "next", "--every", every),
    ):
        assert "interval" in _one_sentence(sqlite_amx, sqlite_amx(*argv))
    assert dump(sqlite_amx.url) == before


def test_a_cron_field_with_a_huge_number_is_refused(sqlite_amx: Amx) -> None:
    code = sqlite_amx("schedule", "next", "--cron", "9" * 5000 + " * * * *")
    assert "minute must be 0-59" in _one_sentence(sqlite_amx, code)


@pytest.mark.parametrize("text", ["bad\udcffname", "nul\x00name"])
def test_arguments_that_cannot_be_stored_are_refused(sqlite_amx: Amx, text: str) -> None:
    before = dump(sqlite_amx.url)
    code = sqlite_amx(*_ADD[:3], text, *_ADD[4:], "--fire-at", "+2h")
    assert "is not valid text" in _one_sentence(sqlite_amx, code, prefix="amx: ")
    assert dump(sqlite_amx.url) == before


@pytest.mark.parametrize(
    "text", ["2026-13-01\n09:00", "x\ry", "\x1b[31mred", "a\u2028b", "\u202eevil"]
)
def test_control_characters_in_a_refusal_stay_on_one_line(sqlite_amx: Amx, text: str) -> None:
    for argv in (
        ("schedule", "next", "--fire-at", text),
        ("schedule", "next", "--every", text),
        ("schedule", "list", "--status", text),
        ("schedule", "list", "surplus", text),
    ):
        code = sqlite_amx(*argv)
        message = _one_sentence(sqlite_amx, code, prefix="amx: " if code == 2 else "error: ")
        assert not any(c in message[:-1] for c in "\n\r\x1b\u2028\u202e"), message
