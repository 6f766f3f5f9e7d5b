"""The schedule table: last runs, fire times in the viewer's zone, sorting, widths by size."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from core.schedules.list_order import SEVERITY
from core.schedules.spec import build_spec
from core.schedules.triggers import AfterTrigger
from studio_tui.screens.confirm import ConfirmScreen
from studio_tui.screens.schedules import SchedulesScreen
from studio_tui.widgets.schedule_table import ScheduleTable
from tests.studio.conftest import MakeStudio, settle
from tests.studio.test_studio_snapshots import NARROW, WIDE, keys

pytestmark = pytest.mark.anyio

ALL_COLUMNS = ["name", "fire", "scope", "status", "llm", "review", "actions"]


def table_of(app: Any) -> ScheduleTable:
    table: ScheduleTable = app.screen.query_one(ScheduleTable)
    return table


def statuses_shown(app: Any) -> list[str]:
    table = table_of(app)
    return [table.items[k].status.value for k in table._order]


def header(app: Any, key: str) -> str:
    return str(next(c.label for c in table_of(app).layout_shown if c.key == key))


async def test_last_run_column_shows_word_and_age(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        table = table_of(app)
        failed = next(k for k, s in table.items.items() if s.name == "Customer 360 profiling")
        assert str(table.get_cell(failed, "last")) == "failed 2 d ago"


async def test_status_sorts_by_severity_and_s_reverses(make_studio: MakeStudio) -> None:
    app = make_studio()
    rank = [s.value for s in SEVERITY]
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("s", "s")  # next fire → name → status
        await settle(pilot)
        shown = statuses_shown(app)
        assert shown == sorted(shown, key=rank.index) and shown[0] == "failed"
        assert header(app, "status") == "Status ▲"
        await pilot.press("S")
        await settle(pilot)
        shown = statuses_shown(app)
        assert shown == sorted(shown, key=rank.index, reverse=True)
        assert header(app, "status") == "Status ▼"
        assert header(app, "fire").startswith("Fire time (WIB)")


async def test_fire_times_read_in_order_in_the_viewers_zone(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        table = table_of(app)
        cells = [str(table.get_cell(k, "fire")) for k in table._order]
        dated = [c for c in cells if c != "—"]
        assert all(" WIB" not in c and " CET" not in c for c in dated)  # the zone is the header's
        nightly = next(k for k, s in table.items.items() if s.name == "Nightly PII sweep")
        assert str(table.get_cell(nightly, "fire")) == "Sun 02:00 in 17 h"
        await pilot.press("z")
        await settle(pilot)
        weekly = next(k for k, s in table.items.items() if s.name == "Weekly CRM review")
        assert str(table.get_cell(weekly, "fire")).startswith("Mon 07:00 CET")
        assert header(app, "fire").startswith("Fire time (own zone)")


async def test_every_column_stays_at_80x24_and_widths_follow_resize(
    make_studio: MakeStudio,
) -> None:
    app = make_studio()
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        narrow = {c.key: c.width for c in table_of(app).layout_shown}
        assert list(narrow) == ALL_COLUMNS
        assert header(app, "actions") == "Act"
        assert narrow["name"] >= 20
        await pilot.resize_terminal(*WIDE)
        await settle(pilot)
        wide = {c.key: c.width for c in table_of(app).layout_shown}
        assert "last" in wide and wide["name"] > 19
        names = [str(table_of(app).get_cell(k, "name")) for k in table_of(app)._order]
        assert "Customer 360 profiling" in names


async def test_a_run_the_person_started_that_fails_is_toasted(
    make_studio: MakeStudio, tmp_path: Path
) -> None:
    app = make_studio()
    shutil.rmtree(tmp_path / "demo")  # its database is gone: the run cannot read it
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        table = table_of(app)
        key = next(k for k, s in table.items.items() if s.name == "Orders deep-dive")
        table.move_cursor(row=table.get_row_index(key))
        await settle(pilot)
        await pilot.press("r")
        for _ in range(60):
            await pilot.pause(0.1)
            screen = app.screen
            assert isinstance(screen, SchedulesScreen)
            screen.reload()
            await settle(pilot)
            if any(n.title == "Run failed" for n in app._notifications):
                break
        failed = [n for n in app._notifications if n.title == "Run failed"]
        assert failed and "Orders deep-dive" in failed[0].message
        assert str(table_of(app).get_cell(key, "last")).startswith("failed")
        await pilot.press("t")
        await settle(pilot)


def test_sorted_by_severity_descending(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(), terminal_size=WIDE, run_before=keys("s", "s", "S"))


def test_own_zones(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(), terminal_size=WIDE, run_before=keys("z"))


def test_own_zones_80x24(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(), terminal_size=NARROW, run_before=keys("z"))


def test_sorted_by_severity_80x24(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(), terminal_size=NARROW, run_before=keys("s", "s"))


def add_after(app: Any, name: str, upstream: str) -> int:
    spec = build_spec(
        name=name, trigger=AfterTrigger(upstream=upstream), db_profile="demo", scope=["main"]
    )
    return int(app.core.schedules.create(spec).id)


async def test_a_schedule_run_after_another_names_it_in_place_of_a_fire_time(
    make_studio: MakeStudio,
) -> None:
    app = make_studio()
    waiting = add_after(app, "Orders [b]mail[/b]", "Orders deep-dive")
    gone = add_after(app, "Orders archive", "Orders deep-dive")
    app.core.schedules.cancel(gone)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        table = table_of(app)
        assert str(table.get_cell(str(waiting), "fire")) == "after Orders deep…"
        assert str(table.get_cell(str(gone), "fire")) == "—"


def test_schedules_run_after_others_80x24(snap: Any, make_studio: MakeStudio) -> None:
    app = make_studio()
    add_after(app, "Orders mail", "Orders deep-dive")
    add_after(app, "Orders archive", "Orders mail")
    assert snap(app, terminal_size=NARROW, run_before=keys("G"))


async def test_deleting_an_upstream_names_what_runs_after_it_which_then_waits_on_nothing(
    make_studio: MakeStudio,
) -> None:
    app = make_studio()
    mail = add_after(app, "Orders [b]mail[/b]", "Orders deep-dive")
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        table = table_of(app)
        upstream = next(k for k, s in table.items.items() if s.name == "Orders deep-dive")
        table.move_cursor(row=table.get_row_index(upstream))
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        question = str(app.screen.query_one("#question", Static).render())
        assert question.splitlines()[-1] == (
            "1 schedule that runs after it will not fire until given another upstream: "
            "'Orders [b]mail[/b]'."
        )
        await pilot.press("y")
        await settle(pilot)
        assert str(table_of(app).get_cell(str(mail), "fire")) == "—"
