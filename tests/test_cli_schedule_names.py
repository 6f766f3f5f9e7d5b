"""`amx schedule …` names a schedule by id or by name, and its tables fit the terminal."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from core.clock import FrozenClock
from tests.support.cli import Amx

ADD = ("schedule", "add", "--db-profile", "shop", "--scope", "public", "--timezone", "UTC")


def _add(amx: Amx, name: str, *trigger: str) -> int:
    assert amx(*ADD, "--name", name, *(trigger or ("--cron", "0 2 * * *")), "--json") == 0, amx.err
    return int(json.loads(amx.out)["id"])


def test_show_pause_resume_run_now_rm_take_a_name(amx: Amx) -> None:
    _add(amx, "first")
    sid = _add(amx, "Nightly sweep")
    assert amx("schedule", "show", "Nightly sweep") == 0, amx.err
    assert amx.out.startswith(f"id             {sid}\nname           Nightly sweep\n")
    # Names compare as the product compares them: NFKC and case folding.
    assert amx("schedule", "pause", "NIGHTLY SWEEP") == 0, amx.err
    assert amx.out.startswith(f"paused schedule {sid} 'Nightly sweep': Paused")
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c != " " else c for c in "nightly sweep")
    assert amx("schedule", "resume", fullwidth) == 0, amx.err
    assert amx("schedule", "run-now", "nightly sweep") == 0, amx.err
    assert f"queued run 1 of schedule {sid} 'Nightly sweep'" in amx.out
    assert amx("schedule", "rm", "Nightly sweep", "--yes") == 0, amx.err
    assert amx("schedule", "show", "Nightly sweep") == 1
    # A deleted schedule is no longer found, but its history is.
    assert amx.err == (
        f"error: schedule {sid} 'Nightly sweep' was deleted on 2026-11-21 02:00 UTC; its runs "
        f"are kept: `amx runs list --schedule {sid}` lists them.\n"
    )
    assert amx("schedule", "show", "no such one") == 1
    assert amx.err == (
        "error: no schedule has the id or name 'no such one'; list them with `amx schedule list`.\n"
    )


def test_digits_are_an_id_and_name_prefix_reaches_a_name_of_digits(amx: Amx) -> None:
    first = _add(amx, "first")
    named_one = _add(amx, str(first))  # a schedule named "1", while schedule 1 exists
    year = _add(amx, "2024")
    assert amx.json("schedule", "show", str(first))["schedule"]["name"] == "first"
    assert amx.json("schedule", "show", f"name:{first}")["schedule"]["id"] == named_one
    assert amx("schedule", "show", "2024") == 1
    assert amx.err == (
        "error: no schedule with id 2024; a schedule is named '2024': say name:2024; list them "
        "with `amx schedule list`.\n"
    )
    assert amx("schedule", "pause", "name:2024") == 0 and f"schedule {year} '2024'" in amx.out
    assert amx("schedule", "show", "name:") == 1
    assert amx.err == "error: give a name after name:, e.g. name:nightly.\n"


@pytest.mark.parametrize("columns", [80, 60])
def test_list_fits_the_terminal_width(
    amx: Amx, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    _add(amx, "A rather long schedule name that says a great deal about it")
    _add(amx, "short")
    monkeypatch.setenv("COLUMNS", str(columns))
    assert amx("schedule", "list") == 0, amx.err
    lines = amx.out.splitlines()
    print(amx.out)
    assert len(lines) == 3, "one line a row, none wrapped"
    assert all(len(line) <= columns for line in lines), [len(line) for line in lines]
    assert "A rat" in lines[1] and "…" in lines[1]
    assert lines[0].split()[:3] == ["ID", "NAME", "STATUS"]
    monkeypatch.delenv("COLUMNS")
    assert amx("schedule", "list") == 0  # not a terminal: whole rows, for grep
    assert max(len(line) for line in amx.out.splitlines()) > 80


def test_show_of_a_finished_one_shot_says_when_it_was_set_for(amx: Amx, clock: FrozenClock) -> None:
    _add(amx, "one shot", "--fire-at", "2026-11-21 03:00")
    clock.advance(timedelta(hours=1, minutes=0, seconds=1))
    assert amx("daemon", "tick") == 0, amx.err
    assert amx("schedule", "show", "one shot") == 0, amx.err
    print(amx.out)
    assert "status         Completed" in amx.out
    assert "was set for    2026-11-21 03:00 UTC" in amx.out
    assert "next fire" not in amx.out


def test_show_of_a_missed_schedule_names_the_time_it_missed(amx: Amx, clock: FrozenClock) -> None:
    _add(amx, "one shot", "--fire-at", "2026-11-21 03:00")
    _add(amx, "hourly", "--cron", "15 * * * *")
    clock.advance(timedelta(hours=2))
    assert amx("daemon", "tick") == 0, amx.err
    assert amx("schedule", "show", "one shot") == 0, amx.err
    assert "status         Missed" in amx.out
    assert "missed at      2026-11-21 03:00 UTC" in amx.out
    assert "next fire" not in amx.out
    assert amx("schedule", "show", "hourly") == 0, amx.err
    assert "missed at      2026-11-21 02:15 UTC" in amx.out
