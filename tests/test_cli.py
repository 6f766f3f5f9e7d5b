"""The `amx` command line: the happy path, JSON output, exit codes and every refusal."""

from __future__ import annotations

import argparse
import shlex
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest

from core.clock import FrozenClock
from studio_tui.cli import build_parser
from tests.support.cli import Amx
from tests.support.dump import dump

ADD = [
    "schedule", "add", "--name", "nightly", "--cron", "0 2 * * *", "--timezone", "Asia/Jakarta",
    "--db-profile", "shop", "--scope", "public.users", "--scope", "public.orders",
]  # fmt: skip


def test_add_list_pause_resume_run_now_rm(amx: Amx) -> None:
    assert amx(*ADD) == 0, amx.err
    assert "added schedule 1 'nightly': Pending, next 2026-11-22 02:00 Asia/Jakarta" in amx.out
    listed = amx.json("schedule", "list")
    assert listed["total"] == 1
    item = listed["items"][0]
    assert {k: item[k] for k in ("id", "name", "status", "next_fire_at")} == {
        "id": 1,
        "name": "nightly",
        "status": "pending",
        "next_fire_at": "2026-11-21T19:00:00Z",
    }
    assert item["scope_summary"] == "public.orders, public.users"
    assert amx("schedule", "pause", "1") == 0 and "Paused" in amx.out
    assert amx.json("schedule", "show", "1")["schedule"]["status"] == "paused"
    assert amx("schedule", "resume", "1") == 0 and "Pending" in amx.out
    assert amx("schedule", "run-now", "1") == 0
    assert "queued run 1 of schedule 1 'nightly'" in amx.out
    shown = amx.json("schedule", "show", "1")
    assert [r["status"] for r in shown["runs"]] == ["queued"]
    assert amx("schedule", "rm", "1", "--yes") == 0 and "deleted" in amx.out
    assert amx.json("schedule", "list")["total"] == 0


def test_human_list_is_an_aligned_table(amx: Amx, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal: nothing is shortened
    amx(*ADD)
    amx("schedule", "add", "--name", "once", "--fire-at", "2026-12-01 09:30", "--db-profile",
        "shop", "--scope", "sales")  # fmt: skip
    assert amx("schedule", "list") == 0
    lines = amx.out.splitlines()
    assert lines[0].split() == [
        "ID",
        "NAME",
        "STATUS",
        "NEXT",
        "FIRE",
        "RULE",
        "SCOPE",
        "LLM",
        "REVIEW",
        "STEPS",
    ]
    assert "2026-11-22 02:00 Asia/Jakarta" in lines[1] and lines[1].endswith("analyze")
    # No --timezone: UTC, not the machine's zone.
    assert "2026-12-01 09:30 UTC" in lines[2] and "once" in lines[2]
    assert lines[1].index("Pending") == lines[2].index("Pending")


def test_show_human(amx: Amx) -> None:
    amx(*ADD)
    assert amx("schedule", "show", "1") == 0
    assert "scope          public.orders, public.users" in amx.out
    assert "no runs yet" in amx.out


def test_next_previews_fire_times(amx: Amx, capsys: pytest.CaptureFixture[str]) -> None:
    got = amx.json("schedule", "next", "--cron", "30 1 * * *", "--timezone", "America/New_York",
                   "--from", "2026-10-31T12:00:00+00:00", "-n", "3")  # fmt: skip
    # 2026-11-01 is the fall-back day in New York: 01:30 happens twice, fires once (EDT).
    assert got == [
        "2026-11-01T01:30:00-04:00",
        "2026-11-02T01:30:00-05:00",
        "2026-11-03T01:30:00-05:00",
    ]
    assert amx("schedule", "next", "--every", "2h", "-n", "2") == 0
    assert amx.out.splitlines() == [
        "Sat 2026-11-21 04:00 UTC (+0000)",
        "Sat 2026-11-21 06:00 UTC (+0000)",
    ]
    assert amx("schedule", "next", "--every", "2h", "--limit", "2") == 0  # as list's --limit
    assert len(amx.out.splitlines()) == 2
    assert amx("schedule", "next", "--help") == 0
    assert "UTC, or $AMX_DEFAULT_TIMEZONE when set" in " ".join(capsys.readouterr().out.split())


def test_next_previews_in_the_zone_schedule_add_gives_the_same_rule(
    amx: Amx, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The machine is in Asia/Jakarta; a rule without --timezone is UTC's in both commands.
    preview = amx.json("schedule", "next", "--cron", "0 9 * * *", "-n", "1")
    added = amx.json(*BASE, "--cron", "0 9 * * *", "--json")
    assert datetime.fromisoformat(added["next_fire_at"]) == datetime.fromisoformat(preview[0])
    monkeypatch.setenv("AMX_DEFAULT_TIMEZONE", "Europe/Oslo")
    assert amx.json("schedule", "next", "--cron", "0 9 * * *", "-n", "1") == [
        "2026-11-21T09:00:00+01:00"
    ]


def test_edit_changes_and_bumps_version(amx: Amx) -> None:
    amx(*ADD)
    edited = amx.json("schedule", "edit", "1", "--every", "1h", "--review", "auto")
    assert edited["rule"] == "every 1h" and edited["review_strategy"] == "auto"
    assert edited["version"] == 2 and edited["scope"] == ["public.orders", "public.users"]


def test_profiles(amx: Amx) -> None:
    assert amx("profile", "llm", "add", "local", "--provider", "openai-compatible", "--model",
               "llama3", "--base-url", "http://127.0.0.1:11434/v1", "--api-key-env", "OLLAMA_KEY") == 0  # fmt: skip
    names = [p["name"] for p in amx.json("profile", "llm", "list")]
    assert names == ["heuristic", "local"]
    assert amx("profile", "db", "add", "wh", "postgresql+psycopg://amx:env:WH_PASSWORD@db/wh") == 0
    urls = {p["name"]: p["url"] for p in amx.json("profile", "db", "list")}
    assert urls["wh"] == "postgresql+psycopg://amx:***@db/wh"
    amx(*ADD)
    assert amx("profile", "db", "rm", "shop") == 1
    assert "used by 1 schedule ('nightly')" in amx.err
    assert amx("profile", "db", "rm", "wh") == 0


def test_db_profiles_are_listed_with_readable_urls_that_fit_the_terminal(
    amx: Amx, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = {p["name"]: p["url"] for p in amx.json("profile", "db", "list")}["shop"]
    assert shop.endswith("?attach=public%3Apublic.db&attach=sales%3Asales.db")
    monkeypatch.delenv("COLUMNS", raising=False)  # not a terminal: whole rows
    assert amx("profile", "db", "list") == 0
    assert f"{unquote(shop)}  5" in amx.out
    monkeypatch.setenv("COLUMNS", "60")
    assert amx("profile", "db", "list") == 0
    lines = amx.out.splitlines()
    assert max(len(line) for line in lines) <= 60 and "…" in lines[1]
    assert lines[1].endswith("  5")


BASE = ["schedule", "add", "--name", "x", "--db-profile", "shop", "--scope", "public.users"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (BASE + ["--fire-at", "2026-11-20 09:00"], "is in the past"),
        (BASE + ["--fire-at", "2027-03-14 02:30", "--timezone", "America/New_York"], "does not exist in America/New_York"),
        (BASE + ["--cron", "0 9 * * *", "--timezone", "Mars/Base"], "unknown timezone 'Mars/Base'"),
        (BASE + ["--fire-at", "2026-13-01 09:00"], "not a valid date-time"),
        (BASE + ["--fire-at", "2026-12-01T09:00Z"], "local time in --timezone"),
        (BASE + ["--cron", "61 * * * *"], "'61 * * * *' is invalid"),
        (BASE + ["--cron", "* * *"], "'* * *' is invalid"),
        (BASE + ["--every", "30s"], "at least 1m"),
        # A value that starts with a minus and a digit is the option's value, not an option.
        (BASE + ["--every", "-5m"], "interval '-5m' is not valid"),
        (["schedule", "add", "--name", "  ", "--cron", "0 9 * * *", "--db-profile", "shop", "--scope", "public.users"], "name is empty"),
        (["schedule", "add", "--name", "nightly", "--cron", "0 9 * * *", "--db-profile", "shop", "--scope", "public.users"], "exists already"),
        (["schedule", "add", "--name", "y", "--cron", "0 9 * * *", "--db-profile", "shop", "--scope", ""], "scope"),
        (["schedule", "add", "--name", "y", "--cron", "0 9 * * *", "--db-profile", "nope", "--scope", "public.users"], "no DB profile named 'nope'"),
        (["schedule", "add", "--name", "y", "--cron", "0 9 * * *", "--db-profile", "shop", "--scope", "public.users", "--llm-profile", "gpt"], "no LLM profile named 'gpt'"),
        (["schedule", "pause", "99"], "no schedule with id 99"),
        (["schedule", "resume", "1"], "it is Pending; only a Paused schedule can be resumed"),
        (["schedule", "edit", "1", "--name", "renamed", "--if-version", "0"], "changed since you opened it"),
        (["profile", "db", "add", "bad", "postgresql://amx:secret@db/x"], "never stored"),
    ],
)  # fmt: skip
def test_bad_input_is_one_sentence_exit_1_and_changes_nothing(
    amx: Amx, argv: list[str], expected: str
) -> None:
    assert amx(*ADD) == 0
    before = dump(amx.url)
    assert amx(*argv) == 1
    assert expected in amx.err
    assert amx.err.startswith("error: ") and amx.err.count("\n") == 1
    assert "Traceback" not in amx.err
    assert dump(amx.url) == before


def test_usage_errors_exit_2(amx: Amx) -> None:
    assert amx("schedule", "add", "--name", "x") == 2
    assert amx.err.startswith("amx: ") and amx.err.count("\n") == 1
    assert amx("schedule", "frobnicate") == 2
    assert amx("schedule", "pause") == 2
    # A word is a name: not a usage error, but one that names no schedule.
    assert amx("schedule", "pause", "abc") == 1
    assert amx.err == (
        "error: no schedule has the id or name 'abc'; list them with `amx schedule list`.\n"
    )


def test_a_group_named_without_its_command_prints_its_help_and_exits_2(amx: Amx) -> None:
    assert amx("schedule") == 2
    assert amx.out.startswith("usage: amx schedule [-h] COMMAND ...")
    assert "    list            list schedules\n" in amx.out and amx.err == ""
    assert amx("profile", "db") == 2
    assert amx.out.startswith("usage: amx profile db [-h] COMMAND ...")
    assert amx() == 2
    assert amx.out.startswith("usage: amx [-h] [--database-url URL] COMMAND ...")
    assert "    schedule          manage schedules\n" in amx.out


def test_every_command_says_what_it_does_atop_its_own_help(
    amx: Amx, capsys: pytest.CaptureFixture[str]
) -> None:
    assert amx("demo", "--help") == 0
    said = capsys.readouterr().out.split("\n\n")
    assert said[1] == "Create the demo shop database, profile and schedules."
    assert amx("daemon", "health", "--help") == 0
    assert "\n\nIs a daemon alive? (exit 0 yes, 1 no).\n\n" in capsys.readouterr().out
    # Its own description stays: add's opens with how a scenario is given.
    assert amx("schedule", "add", "--help") == 0
    assert "\n\nQueue a schedule that analyses a scope." in capsys.readouterr().out
    unsaid = []
    walked = [build_parser()]
    while walked:
        parser = walked.pop()
        if parser.prog != "amx" and not parser.description:
            unsaid.append(parser.prog)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                walked.extend(action.choices.values())
    assert unsaid == []


def test_an_unknown_option_before_any_command_is_named_as_such(amx: Amx) -> None:
    assert amx("--bogus") == 2
    assert amx.err == "amx: unrecognized arguments: --bogus (see `amx --help`)\n"
    assert amx("schedule", "--bogus") == 2
    assert amx.err == "amx: unrecognized arguments: --bogus (see `amx schedule --help`)\n"


def test_a_word_no_command_takes_points_at_the_help_of_the_command_it_followed(
    amx: Amx,
) -> None:
    assert amx("api", "token", "create", "--name", "ci") == 2
    assert amx.err == ("amx: unrecognized arguments: --name (see `amx api token create --help`)\n")
    assert amx("schedule", "list", "--bogus") == 2
    assert amx.err == "amx: unrecognized arguments: --bogus (see `amx schedule list --help`)\n"


def test_renaming_a_missed_one_shot_needs_no_new_time_and_keeps_it_missed(amx: Amx) -> None:
    assert amx(*BASE, "--fire-at", "2026-11-21 03:00") == 0  # an hour from now, in UTC
    amx.clock.advance(timedelta(hours=2))
    assert amx("daemon", "tick") == 0
    assert amx("schedule", "edit", "x", "--name", "quarter-end") == 0, amx.err
    assert amx.out.startswith("edited schedule 1 'quarter-end': Missed, next 2026-11-21 03:00")


def test_foreign_sqlite_file_is_refused(tmp_path: Path, clock: FrozenClock) -> None:
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    before = foreign.read_bytes()
    tool = Amx(f"sqlite:///{foreign}", clock)
    assert tool("schedule", "list") == 1
    assert "holds tables that are not AMX Studio's (invoices)" in tool.err
    assert foreign.read_bytes() == before
    junk = tmp_path / "junk.db"
    junk.write_text("hello, not a database")
    tool = Amx(f"sqlite:///{junk}", clock)
    assert tool("schedule", "list") == 1 and "is not an SQLite database" in tool.err


def test_unwritable_database_directory_is_refused(tmp_path: Path, clock: FrozenClock) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    tool = Amx(f"sqlite:///{blocker}/sub/amx.db", clock)
    assert tool("schedule", "list") == 1
    assert "cannot create the database directory" in tool.err and "--database-url" in tool.err


def test_real_entry_point_exit_codes(db_url: str) -> None:
    amx = [sys.executable, "-m", "studio_tui.cli", "--database-url", db_url]
    ok = subprocess.run([*amx, "schedule", "list"], capture_output=True, text=True)
    assert ok.returncode == 0 and "no schedules yet" in ok.stdout
    refused = subprocess.run([*amx, "schedule", "show", "7"], capture_output=True, text=True)
    assert refused.returncode == 1
    assert refused.stderr == "error: no schedule with id 7; list them with `amx schedule list`.\n"
    usage = subprocess.run([*amx, "schedule"], capture_output=True, text=True)
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_closed_pipe_is_quiet(db_url: str) -> None:
    script = (
        f"{sys.executable} -m studio_tui.cli --database-url {shlex.quote(db_url)} "
        "schedule next --every 1h -n 1000 "
        "| head -1"
    )
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == ""
    assert len(result.stdout.splitlines()) == 1


def test_fire_at_shortcuts_as_in_the_studio(amx: Amx) -> None:
    base = [
        "schedule",
        "add",
        "--db-profile",
        "shop",
        "--scope",
        "public.users",
        "--timezone",
        "Asia/Jakarta",
    ]
    assert amx(*base, "--name", "in-an-hour", "--fire-at", "+1h") == 0, amx.err
    assert "next 2026-11-21 10:00 Asia/Jakarta" in amx.out
    assert amx(*base, "--name", "tomorrow", "--fire-at", "tomorrow 07:30") == 0, amx.err
    assert "next 2026-11-22 07:30 Asia/Jakarta" in amx.out
    assert amx(*base, "--name", "bad", "--fire-at", "+5x") == 1
    assert "is not a shortcut I know" in amx.err


def test_edit_help_claims_no_defaults_and_add_help_gives_them(
    amx: Amx, capsys: pytest.CaptureFixture[str]
) -> None:
    assert amx("schedule", "edit", "--help") == 0
    edit = " ".join(capsys.readouterr().out.split())
    assert "the others keep their values" in edit and "default" not in edit.split("options:")[1]
    assert amx("schedule", "add", "--help") == 0
    add = " ".join(capsys.readouterr().out.split())
    for said in ("(default 60)", "(default 3)", "(default manual)", "(default ask)"):
        assert said in add


def test_list_takes_a_kind_and_points_at_catalog_refreshes_it_leaves_out(
    amx: Amx, tmp_path: Path
) -> None:
    refresh = tmp_path / "refresh.yaml"
    refresh.write_text(
        "name: refresh\ntrigger: {cron: 0 5 * * *}\nsteps: [{kind: cache_refresh, profile: shop}]\n"
    )
    assert amx("scenario", "apply", "-f", str(refresh)) == 0, amx.err
    assert amx("schedule", "list") == 0
    assert amx.out == (
        "no analysis schedules; 1 catalog refresh schedule does: add --kind cache_refresh (or "
        "all) to list it\n"
    )
    assert amx("schedule", "list", "--kind", "cache_refresh") == 0
    [row] = amx.out.splitlines()[1:]
    assert row.split()[:3] == ["1", "refresh", "Pending"] and "whole profile" in row
    assert amx(*ADD) == 0
    assert [s["name"] for s in amx.json("schedule", "list", "--kind", "all")["items"]] == [
        "refresh",
        "nightly",
    ]
    assert [s["name"] for s in amx.json("schedule", "list")["items"]] == ["nightly"]
    assert amx("schedule", "list", "--filter", "refresh") == 0
    assert amx.out.startswith("no analysis schedules match; 1 catalog refresh schedule does")
