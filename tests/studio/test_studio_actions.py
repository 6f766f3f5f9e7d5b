"""Every studio action driven by the keys a person would press, checked against the core."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import DataTable, Input, Static

from core.api import Core
from core.schedules.service import ListQuery
from studio_tui.app import StudioApp
from studio_tui.screens.command import CommandScreen
from studio_tui.screens.confirm import ConfirmScreen
from studio_tui.screens.dialog import ScheduleDialog
from studio_tui.screens.missed import MissedScreen
from studio_tui.screens.review import ReviewScreen
from studio_tui.screens.schedules import SchedulesScreen
from studio_tui.widgets.schedule_table import ScheduleTable
from studio_tui.widgets.scope_tree import ScopeTree
from tests.studio.conftest import MakeStudio, settle
from tests.support.schedule_rows import fill_schedules

pytestmark = pytest.mark.anyio


def core_of(app: StudioApp) -> Core:
    return app.core


def names_shown(app: StudioApp) -> list[str]:
    table = app.screen.query_one(ScheduleTable)
    return [table.items[key].name for key in table._order]


def by_name(app: StudioApp, name: str) -> Any:
    return next(s for s in core_of(app).schedules.list().items if s.name == name)


async def highlight(pilot: Any, name: str) -> None:
    table = pilot.app.screen.query_one(ScheduleTable)
    key = next(k for k, s in table.items.items() if s.name == name)
    table.move_cursor(row=table.get_row_index(key))
    await settle(pilot)


async def test_create_with_keys(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ScheduleDialog)
        await pilot.press(*"Users audit", "tab", "tab", "tab", *"tomorrow 10:00")
        await pilot.press("tab", "tab", "tab", "down", "down", "space")  # tick main
        await settle(pilot)
        assert app.screen.query_one(ScopeTree).ticked == {("main",)}
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SchedulesScreen)
        made = by_name(app, "Users audit")
        assert made.scope == ["main"] and made.next_fire_local == "2026-11-22T10:00:00+07:00"
        assert "Users audit" in names_shown(app)


async def test_edit_keeps_what_was_not_touched(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await highlight(pilot, "Nightly PII sweep")
        before = by_name(app, "Nightly PII sweep")
        await pilot.press("e")
        await settle(pilot)
        name = app.screen.query_one("#name", Input)
        name.value = "Nightly PII sweep v2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        after = by_name(app, "Nightly PII sweep v2")
        assert after.id == before.id and after.scope == before.scope
        assert after.trigger == before.trigger and after.version == before.version + 1


async def test_renaming_a_missed_one_shot_keeps_its_time_and_it_stays_missed(
    make_studio: MakeStudio,
) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = by_name(app, "Quarter-end ledger snapshot")
        assert before.status == "missed"
        await highlight(pilot, "Quarter-end ledger snapshot")
        await pilot.press("e")
        await settle(pilot)
        # The fire-at shown is the passed one; left as it is, it is no mistake.
        assert "in the past" not in str(app.screen.query_one("#err-fire_at", Static).render())
        app.screen.query_one("#name", Input).value = "Quarter-end ledger"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SchedulesScreen)
        after = by_name(app, "Quarter-end ledger")
        assert (after.id, after.status, after.next_fire_at) == (
            before.id,
            "missed",
            before.next_fire_at,
        )


async def test_scope_tree_narrows_and_widens_in_the_dialog(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        tree = app.screen.query_one(ScopeTree)
        tree.focus()
        await settle(pilot)
        await pilot.press("down", "down", "space")  # main
        assert tree.ticked == {("main",)}
        await pilot.press("right")  # open main
        await settle(pilot)
        await pilot.press("down", "space")  # main.addresses narrows main
        assert (
            app.screen.query_one("#scope-summary").render().plain.split(": ")[1] == "main.addresses"
        )
        await pilot.press("space")  # untick: widens back to everything in main
        await settle(pilot)
        assert tree.ticked == {("main",)}


async def test_escape_asks_before_dropping_changes(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"Half typed")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # keep editing
        await settle(pilot)
        assert isinstance(app.screen, ScheduleDialog)
        assert app.screen.query_one("#name", Input).value == "Half typed"
        await pilot.press("escape", "y")
        await settle(pilot)
        assert isinstance(app.screen, SchedulesScreen)


async def test_pause_resume_run_now_and_delete(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await highlight(pilot, "Orders deep-dive")
        await pilot.press("p")
        await settle(pilot)
        assert by_name(app, "Orders deep-dive").status == "paused"
        await pilot.press("p")
        await settle(pilot)
        assert by_name(app, "Orders deep-dive").status == "pending"
        await pilot.press("r")
        await settle(pilot)
        runs = core_of(app).schedules.show(by_name(app, "Orders deep-dive").id).runs
        # With no daemon alive, run now starts ticking here: the run is queued or already done.
        assert [r.trigger for r in runs] == ["manual"]
        assert runs[0].status in ("queued", "running", "succeeded")
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert "Orders deep-dive" in names_shown(app)
        await pilot.press("d", "y")
        await settle(pilot)
        assert "Orders deep-dive" not in names_shown(app)


async def test_chips_and_text_filter(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert len(names_shown(app)) == 9
        await pilot.press("1")
        await settle(pilot)
        assert {by_name(app, n).status for n in names_shown(app)} == {"pending"}
        await pilot.press("3")
        await settle(pilot)
        assert {by_name(app, n).status for n in names_shown(app)} == {"pending", "failed"}
        await pilot.press("1", "3")
        await settle(pilot)
        assert len(names_shown(app)) == 9
        await pilot.press("slash", *"crm")
        await settle(pilot)
        assert all("crm" in by_name(app, n).scope_summary for n in names_shown(app))
        await pilot.press("enter", "escape")
        await settle(pilot)
        assert len(names_shown(app)) == 9


def nothing_shown(app: StudioApp) -> tuple[str, str]:
    """The empty page's sentence and the pager's first part, while the table is hidden."""
    screen = app.screen
    assert screen.has_class("-empty")
    assert not screen.query_one(ScheduleTable).display
    pager = str(screen.query_one("#pager", Static).render()).split("  ·  ")[0]
    return str(screen.query_one("#empty", Static).render()), pager


async def test_a_text_matching_nothing_says_so_and_esc_brings_the_table_back(
    make_studio: MakeStudio,
) -> None:
    app = make_studio()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"[b]zq", "enter")
        await settle(pilot)
        assert nothing_shown(app) == (
            'No schedule\'s name or scope contains "[b]zq" — esc clears the text.',
            "no matches",
        )
        await pilot.press("3")
        await settle(pilot)
        assert nothing_shown(app)[0].startswith("No Failed schedule's name or scope contains")
        await pilot.press("3", "escape")
        await settle(pilot)
        assert not app.screen.has_class("-empty")
        assert len(names_shown(app)) == 9
        pager = str(app.screen.query_one("#pager", Static).render())
        assert pager.startswith("1-9 of 9  ·  sorted by")


async def test_a_chip_matching_nothing_names_the_key_that_turns_it_off(
    make_studio: MakeStudio,
) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        core_of(app).schedules.resume(by_name(app, "Weekly CRM review").id)
        app.update_keymap({"schedules.chip2": "w"})
        await pilot.press("w")
        await settle(pilot)
        assert nothing_shown(app) == ("No Paused schedules — w turns that chip off.", "no matches")
        await pilot.press("w")
        await settle(pilot)
        assert len(names_shown(app)) == 9


async def test_deleting_the_only_row_of_the_last_page_shows_the_page_before(
    make_studio: MakeStudio,
) -> None:
    app = make_studio(demo=False)
    fill_schedules(app.core, 240)  # 201 of them are live analyses, the studio's list
    assert app.core.schedules.list(ListQuery(limit=1)).total == 201
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)

        def pager() -> str:
            return str(app.screen.query_one("#pager", Static).render())

        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert pager().startswith("201-201 of 201"), pager()
        await pilot.press("d", "y")
        await settle(pilot)
        assert pager().startswith("1-200 of 200"), pager()
        assert len(names_shown(app)) == 200


async def test_missed_prompt_run_now_and_skip(make_studio: MakeStudio) -> None:
    app = make_studio(ask_missed=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, MissedScreen)
        await pilot.press("r")
        await settle(pilot)
        fired = by_name(app, "Quarter-end ledger snapshot")
        # It fires now (the studio ticks here, as no daemon is alive): never Missed again.
        assert fired.status in ("pending", "running", "completed")


async def test_missed_prompt_skip(make_studio: MakeStudio) -> None:
    app = make_studio(ask_missed=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("S")
        await settle(pilot)
        assert by_name(app, "Quarter-end ledger snapshot").status == "cancelled"
        assert isinstance(app.screen, SchedulesScreen)


async def test_review_accept_reject_and_accept_run(make_studio: MakeStudio) -> None:
    app = make_studio(review=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        review = core_of(app).review
        total = review.queue().total
        await pilot.press("down", "a")
        await settle(pilot)
        assert review.queue().total == total - 1
        assert review.queue(status="accepted").total == 1
        await pilot.press("x")
        await settle(pilot)
        assert review.queue(status="rejected").total == 1
        await pilot.press("A")
        await settle(pilot)
        assert review.queue().total == 0
        assert app.screen.query_one(DataTable).row_count == 0


async def test_schedule_command_line(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("colon")
        await settle(pilot)
        assert isinstance(app.screen, CommandScreen)
        nightly = by_name(app, "Nightly PII sweep")
        await pilot.press(*f"pause {nightly.id}", "enter")
        await settle(pilot)
        assert by_name(app, "Nightly PII sweep").status == "paused"
        await pilot.press(*"list --status paused", "enter")
        await settle(pilot)
        lines = [str(line.text) for line in app.screen.query_one("#output").lines]
        assert any("Nightly PII sweep" in line for line in lines)
        await pilot.press(*"frobnicate", "enter")
        await settle(pilot)
        lines = [str(line.text) for line in app.screen.query_one("#output").lines]
        assert any(line.startswith("error: unknown verb 'frobnicate'") for line in lines)


async def test_theme_switch_is_remembered(make_studio: MakeStudio) -> None:
    from studio_tui import config

    app = make_studio()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.theme = "amx-light"
        await settle(pilot)
    assert config.load()["theme"] == "amx-light"
    again = make_studio(theme=None)  # type: ignore[arg-type]
    assert again.theme == "amx-light"


async def test_embedded_ticking_fires_due_work(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await highlight(pilot, "Orders deep-dive")
        await pilot.press("r", "t")
        await settle(pilot)
        sid = by_name(app, "Orders deep-dive").id
        for _ in range(50):
            runs = core_of(app).schedules.show(sid).runs
            if runs and runs[0].status == "succeeded":
                break
            await pilot.pause(0.1)
        assert runs[0].status == "succeeded"
        await pilot.press("t")
        await settle(pilot)


async def test_running_schedule_shows_its_progress(make_studio: MakeStudio) -> None:
    app = make_studio()
    running = by_name(app, "Payments audit")
    run = core_of(app).schedules.show(running.id).runs[0]
    core_of(app).runs.progress(run.id, 1, 2)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ScheduleTable)
        cell = table.get_cell(str(running.id), "status")
        assert str(cell).strip() == "Run 1/2"


async def test_stale_edit_offers_to_reload(make_studio: MakeStudio) -> None:
    from core.schedules.spec import build_spec
    from core.schedules.triggers import trigger_from_data

    app = make_studio()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await highlight(pilot, "Nightly PII sweep")
        await pilot.press("e")
        await settle(pilot)
        # Someone else renames it while the dialog is open.
        info = by_name(app, "Nightly PII sweep")
        fields = {k: v for k, v in info.model_dump().items() if k in (
            "kind", "timezone", "db_profile", "database", "scope", "llm_profile",
            "review_strategy", "missed_policy", "misfire_grace_s", "max_retries")}  # fmt: skip
        spec = build_spec(
            name="Renamed elsewhere", trigger=trigger_from_data(info.trigger), **fields
        )
        core_of(app).schedules.update(info.id, spec, expected_version=info.version)
        app.screen.query_one("#name", Input).value = "My rename"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "changed since you opened it" in str(app.screen.question)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ScheduleDialog)
        assert app.screen.query_one("#name", Input).value == "Renamed elsewhere"
        assert by_name(app, "Renamed elsewhere").name == "Renamed elsewhere"


async def test_changes_made_elsewhere_appear_keeping_the_cursor(
    make_studio: MakeStudio,
) -> None:
    app = make_studio()
    app.refresh_every = 0.2
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await highlight(pilot, "Weekly CRM review")
        paused = by_name(app, "Weekly CRM review")
        core_of(app).schedules.resume(paused.id)  # as the CLI or the daemon would
        table = app.screen.query_one(ScheduleTable)
        for _ in range(40):
            await pilot.pause(0.05)
            if table.items[str(paused.id)].status == "pending":
                break
        assert table.items[str(paused.id)].status == "pending"
        assert table.highlighted() is not None and table.highlighted().name == "Weekly CRM review"  # type: ignore[union-attr]


async def test_sort_cycles_and_header_click(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        shown = names_shown(app)
        assert shown == sorted(shown, key=str.lower) or shown == sorted(shown)
        assert "sorted by name" in str(app.screen.query_one("#pager").render())
