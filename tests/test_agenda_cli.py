"""`amx schedule agenda`: the core's agenda, by day in this machine's zone, fitting the width."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.clock import FrozenClock
from studio_tui.agenda_text import RANGE
from tests.support.cli import Amx


def add(amx: Amx, name: str, rule: str, *extra: str) -> None:
    args = ["schedule", "add", "--name", name, "--cron", rule, "--db-profile", "shop"]
    assert amx(*args, "--scope", "main", "--timezone", "Asia/Jakarta", *extra) == 0, amx.err


def test_empty_agenda_says_so_and_how_to_fill_it(amx: Amx) -> None:
    assert amx("schedule", "agenda") == 0, amx.err
    assert amx.out.startswith("nothing fires in the next 7 days (Asia/Jakarta)")


def test_agenda_lists_days_collapses_dense_and_marks_clashes(
    amx: Amx, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    add(amx, "Nightly [bold]PII[/] sweep", "0 2 * * *")
    add(amx, "Orders", "0 2 * * *")
    add(amx, "Every minute", "* * * * *")
    assert amx("schedule", "agenda", "--days", "2") == 0, amx.err
    lines = amx.out.splitlines()
    # The every-minute schedule's 02:00 run is on the same profile in the same minute too.
    assert lines[0] == "2,341 fires in the next 2 days · 3 in a clash (Asia/Jakarta)"
    assert lines[2] == "Sat 21 Nov 2026 · today"
    assert (
        " ".join(lines[3].split()) == f"09:01{RANGE}23:59 Every minute cron * * * * * · 899 fires"
    )
    assert lines[5] == "Sun 22 Nov 2026 · tomorrow"
    assert "Every minute" in lines[6] and "Nightly [bold]PII[/] sweep" in lines[8]
    assert lines[7].strip() == "! clash on shop: Nightly [bold]PII[/] sweep, Orders"
    assert lines[8].endswith("  ! clash on shop: Orders, Every minute")
    assert lines[10].strip() == "! clash on shop: Nightly [bold]PII[/] sweep, Every minute"
    assert max(len(x) for x in lines) <= 120


def test_narrow_terminal_puts_marks_on_their_own_line(
    amx: Amx, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    add(amx, "A rather long schedule name for a narrow terminal", "0 2 * * *")
    add(amx, "Orders", "0 2 * * *")
    assert amx("schedule", "agenda", "--days", "2") == 0, amx.err
    lines = amx.out.splitlines()
    assert max(len(x) for x in lines) <= 60
    assert any(x.strip().startswith("! clash on shop:") for x in lines)


def test_json_carries_utc_times_and_the_marks(amx: Amx) -> None:
    add(amx, "One", "0 2 * * *")
    add(amx, "Two", "0 2 * * *")
    data = amx.json("schedule", "agenda", "--days", "2")
    assert data["zone"] == "Asia/Jakarta"
    assert data["start"] == "2026-11-21T02:00:00Z" and data["end"] == "2026-11-22T17:00:00Z"
    (day, tomorrow) = data["days"]
    assert day["lines"] == []
    assert [(x["name"], x["at"], x["clashes_with"]) for x in tomorrow["lines"]] == [
        ("One", "2026-11-21T19:00:00Z", [2]),
        ("Two", "2026-11-21T19:00:00Z", [1]),
    ]


def test_what_runs_after_a_fire_is_listed_under_it(
    amx: Amx, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    add(amx, "Nightly", "30 2 * * *")
    add(amx, "Hourly", "0 * * * *")
    for name, upstream in (("Mail report", "Nightly"), ("Archive", "Mail report")):
        args = ["schedule", "add", "--name", name, "--after", upstream, "--db-profile", "shop"]
        assert amx(*args, "--scope", "main") == 0, amx.err
    assert amx("schedule", "agenda", "--days", "2") == 0, amx.err
    said = [" ".join(x.split()) for x in amx.out.splitlines()]
    assert said[0] == "39 fires in the next 2 days (Asia/Jakarta)"
    nightly = said.index("02:30 Nightly cron 30 2 * * *")
    assert said[nightly + 1 : nightly + 3] == [
        "then Mail report after it succeeds",
        "then Archive after it succeeds",
    ]
    assert f"00:00{RANGE}23:00 Hourly cron 0 * * * * · 24 fires" in said
    assert said.count("then Mail report after it succeeds") == 1
    lines = amx.json("schedule", "agenda", "--days", "2")["days"][1]["lines"]
    assert [(x["name"], x["after"], x["rule"]) for x in lines[1:4]] == [
        ("Nightly", None, "cron 30 2 * * *"),
        ("Mail report", 1, "after «Nightly» succeeds"),
        ("Archive", 3, "after «Mail report» succeeds"),
    ]


def test_dst_change_in_the_viewer_zone_is_shown(
    amx: Amx, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    clock.set(datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
    args = ["schedule", "add", "--name", "Berlin", "--cron", "30 2 * * *", "--scope", "main"]
    assert amx(*args, "--db-profile", "shop", "--timezone", "Europe/Berlin") == 0, amx.err
    assert amx("schedule", "agenda", "--days", "4", "--timezone", "Europe/Berlin") == 0, amx.err
    out = amx.out
    assert "Sun 29 Mar 2026 · clocks go forward here: 02:00 becomes 03:00 (CET to CEST)" in out
    moved = next(x for x in out.splitlines() if x.startswith("  03:00"))
    assert " ".join(moved.split()) == (
        "03:00 Berlin cron 30 2 * * * · DST: moved from 02:30 (clocks jump forward)"
    )
    assert "Clock changes:\n  Berlin: 2026-03-29 02:30 falls in the DST gap" in out


@pytest.mark.parametrize("days", ["0", "32"])
def test_days_out_of_range_get_one_sentence(amx: Amx, days: str) -> None:
    assert amx("schedule", "agenda", "--days", days) == 1
    assert amx.err == f"error: days must be a whole number from 1 to 31; got {days}.\n"
