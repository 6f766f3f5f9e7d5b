"""Generated values for every option of the schedule and profile commands: a refusal is one line
on stderr, never an unexpected error, and changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.clock import FrozenClock
from tests.support.cli import Amx
from tests.support.dump import dump
from tests.support.shop import make_shop

# Values at the edges of each range the command line and the core know about.
_EDGES = [
    "",
    " ",
    "0",
    "-1",
    "1",
    str(2**31),
    str(2**63 - 1),
    str(2**63),
    str(-(2**63) - 1),
    str(2**64),
    "9" * 5000,
    "1e9",
    "NaN",
    "0001-01-01 00:00",
    "0001-01-01T00:00+00:00",
    "1899-12-31 23:59",
    "1900-01-01 00:00",
    "9998-12-31 23:59",
    "9999-12-31 23:59",
    "9999-12-31T23:59:59+14:00",
    "2026-03-08 02:30",
    "2026-02-30 09:00",
    "+0m",
    "+1h",
    "+52w",
    "+99999d",
    "+" + "9" * 40 + "d",
    "today 24:00",
    "tomorrow 23:59",
    "@yearly",
    "@reboot",
    "0 0 31 12 *",
    "59 23 31 12 *",
    "0 0 30 2 *",
    "* * * * * *",
    "H * * * *",
    "1m",
    "59s",
    "52w",
    "53w",
    "1h30m",
    "²",
    "٣m",
    "UTC",
    "Europe/Paris",
    "europe/paris",
    "America/New_York",
    "public",
    "public.users",
    "main.public.users.id",
    "shop",
    "heuristic",
    "pending,paused",
    "sqlite:///",
    "sqlite:////dev/null",
    "postgresql://u:secret@h/db",
    "env:NOPE",
    "a\x00b",
    "bad\udcffbyte",
    "line\nbreak",
    "\x1b[2J",
    "\u202eevil",
    "\u2028",
]

_TEXT = st.one_of(
    st.text(max_size=24),
    st.text(st.characters(codec="ascii"), max_size=12),
    st.text(st.characters(categories=["Cc", "Cf", "Cs", "Zl", "Zp", "Nd", "No"]), max_size=6),
)
VALUES = st.one_of(
    st.sampled_from(_EDGES),
    _TEXT,
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.integers(min_value=-5, max_value=2000).map(str),
)


@dataclass(frozen=True)
class Command:
    """A command line with a valid value for each option, so one bad value reaches the core."""

    words: tuple[str, ...]
    options: dict[str, str | None]  # option → valid value, or None when left out by default
    positionals: tuple[str, ...] = ()
    one_of: tuple[str, ...] = ()  # mutually exclusive options: one is given, valid or not


_SPEC = {
    "--name": "fuzzed",
    "--db-profile": "shop",
    "--scope": "public",
    "--timezone": "UTC",
    "--database": None,
    "--llm-profile": None,
    "--review": None,
    "--missed": None,
    "--grace": None,
    "--retries": None,
}
_TRIGGER = ("--fire-at", "--cron", "--every")
_TRIGGER_VALID = {"--fire-at": "+2h", "--cron": "0 9 * * 1-5", "--every": "15m"}
_ID = ("1",)

COMMANDS = {
    "schedule add": Command(("schedule", "add"), _SPEC, one_of=_TRIGGER),
    "schedule edit": Command(
        ("schedule", "edit"),
        {**dict.fromkeys(_SPEC), "--name": "renamed", "--if-version": None},
        _ID,
        one_of=_TRIGGER,
    ),
    "schedule list": Command(
        ("schedule", "list"),
        {"--status": None, "--filter": None, "--sort": None, "--offset": None, "--limit": None},
    ),
    "schedule next": Command(
        ("schedule", "next"), {"--timezone": "UTC", "--from": None, "-n": None}, one_of=_TRIGGER
    ),
    **{
        f"schedule {verb}": Command(("schedule", verb), {}, _ID)
        for verb in ("show", "pause", "resume", "run-now", "skip", "cancel", "rm")
    },
    "profile db add": Command(
        ("profile", "db", "add"), {"--sample-size": None}, ("extra", "sqlite:///extra.db")
    ),
    "profile db rm": Command(("profile", "db", "rm"), {}, ("nosuch",)),
    "profile llm add": Command(
        ("profile", "llm", "add"),
        {
            "--provider": "heuristic",
            "--model": None,
            "--base-url": None,
            "--api-key-env": None,
            "--concurrency": None,
        },
        ("offline",),
    ),
    "profile llm rm": Command(("profile", "llm", "rm"), {}, ("nosuch",)),
}


@st.composite
def command_lines(draw: st.DrawFn, command: Command) -> list[str]:
    """The command with some of its options and positionals given generated values."""
    slots = [*command.options, *(f"#{i}" for i in range(len(command.positionals)))]
    if command.one_of:
        slots.append("trigger")
    fuzzed = set(draw(st.lists(st.sampled_from(slots), min_size=1, max_size=3, unique=True)))
    argv = list(command.words)
    for option, valid in command.options.items():
        value = draw(VALUES) if option in fuzzed else valid
        if value is not None:
            argv.append(f"{option}={value}")
    if command.one_of:
        option = draw(st.sampled_from(command.one_of))
        value = draw(VALUES) if "trigger" in fuzzed else _TRIGGER_VALID[option]
        argv.append(f"{option}={value}")
    positionals = [
        draw(VALUES) if f"#{i}" in fuzzed else valid for i, valid in enumerate(command.positionals)
    ]
    if positionals:
        argv += ["--", *positionals]
    return argv


def _kept(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every table but the catalog cache, which checking a scope may fill as it reads the
    profile's database: a refusal still keeps everything a person entered."""
    return {table: rows for table, rows in dump(url).items() if table != "catalog_cache"}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_generated_values_are_refused_in_one_sentence_and_change_nothing(
    name: str, sqlite_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    tool = Amx(sqlite_url, clock)
    assert tool("profile", "db", "add", "shop", make_shop(tmp_path / "shop")) == 0, tool.err
    argv = ("schedule", "add", "--name", "first", "--db-profile", "shop", "--scope", "public")
    assert tool(*argv, "--fire-at", "+1h") == 0, tool.err

    @settings(
        max_examples=30,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(command_lines(COMMANDS[name]))
    def refused_in_one_sentence(argv: list[str]) -> None:
        before = _kept(sqlite_url)
        code = tool(*argv)
        assert "unexpected" not in tool.err and "Traceback" not in tool.err, tool.err
        if code == 0:
            return
        assert code in (1, 2), (code, tool.err)
        assert tool.err.startswith("error: " if code == 1 else "amx: "), tool.err
        assert tool.err.endswith("\n") and tool.err.count("\n") == 1, tool.err
        assert not any(c in tool.err[:-1] for c in "\r\x1b\u2028\u2029\x85"), tool.err
        assert _kept(sqlite_url) == before

    refused_in_one_sentence()
