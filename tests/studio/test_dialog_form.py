"""The new/edit dialog's form: every refusal at once and once each, the cron rule read aloud,
an interval's start, and the missed policy, grace and retries, all driven by keys."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, Static

from studio_tui.screens.confirm import ConfirmScreen
from studio_tui.screens.dialog import ScheduleDialog
from studio_tui.screens.schedules import SchedulesScreen
from studio_tui.widgets.schedule_table import ScheduleTable
from tests.studio.conftest import MakeStudio, settle

pytestmark = pytest.mark.anyio
WIDE = (120, 45)


def shown_errors(dialog: Any) -> dict[str, str]:
    return {
        str(box.id)[4:]: str(box.render()) for box in dialog.query(".error.-shown").results(Static)
    }


def screen_text(dialog: Any) -> str:
    return "\n".join(str(box.render()) for box in dialog.query(Static).results(Static))


async def open_new(pilot: Any) -> ScheduleDialog:
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, ScheduleDialog)
    return dialog


async def test_every_field_error_shows_at_once(make_studio: MakeStudio) -> None:
    # Nothing named, nothing in scope, a past fire-at: one save shows them all.
    app = make_studio()
    async with app.run_test(size=WIDE) as pilot:
        dialog = await open_new(pilot)
        await pilot.press("tab", "tab", "tab", *"2020-01-01 09:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
        errors = shown_errors(dialog)
        assert set(errors) == {"name", "fire_at", "scope"}
        assert "in the past" in errors["fire_at"]
        assert dialog.focused is dialog.query_one("#name", Input)
        assert isinstance(app.screen, ScheduleDialog)


@pytest.mark.parametrize(
    ("zone", "fire_at", "words"),
    [
        ("Mars/Base", "tomorrow 09:00", "unknown timezone 'Mars/Base'"),
        ("America/New_York", "2027-03-14 02:30", "does not exist in America/New_York"),
    ],
)
async def test_zone_and_dst_gap_refusals_print_once(
    make_studio: MakeStudio, zone: str, fire_at: str, words: str
) -> None:
    app = make_studio()
    async with app.run_test(size=WIDE) as pilot:
        dialog = await open_new(pilot)
        await pilot.press(*"Audit", "tab", "tab")
        dialog.query_one("#timezone", Input).value = zone
        await pilot.press("tab", *fire_at)
        await settle(pilot)
        assert screen_text(dialog).count(words) == 1  # beside its field, not in the preview
        await pilot.press("tab", "tab", "tab", "down", "down", "space")  # tick main
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen_text(dialog).count(words) == 1


async def test_a_new_schedule_proposes_the_configured_zone_else_the_machines(
    make_studio: MakeStudio, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_studio()
    async with app.run_test(size=WIDE) as pilot:
        dialog = await open_new(pilot)
        assert dialog.query_one("#timezone", Input).value == "Asia/Jakarta"  # the machine's
        await pilot.press("escape")
        monkeypatch.setenv("AMX_DEFAULT_TIMEZONE", "Europe/Oslo")  # as amx schedule add takes
        dialog = await open_new(pilot)
        assert dialog.query_one("#timezone", Input).value == "Europe/Oslo"
        assert "Fire at (local): 2026-11-22 09:00" in screen_text(dialog)


async def test_fire_at_hint_is_a_future_time(make_studio: MakeStudio) -> None:
    app = make_studio()  # the clock says Sat 2026-11-21 09:00 in Asia/Jakarta
    async with app.run_test(size=WIDE) as pilot:
        dialog = await open_new(pilot)
        assert dialog.query_one("#fire_at", Input).placeholder == "2026-11-22 09:00"
        assert "2026-11-22 09:00" in screen_text(dialog)


async def test_cron_rule_is_read_aloud_as_it_is_typed(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=WIDE) as pilot:
        dialog = await open_new(pilot)
        await pilot.press("tab", "enter", "down", "enter", "tab", "tab", *"30 2 * * *")
        await settle(pilot)
        preview = str(dialog.query_one("#preview", Static).render())
        assert preview.startswith("at 02:30 every day\nnext: Sun 2026-11-22 02:30")
        await pilot.press("backspace", *"1-5")
        await settle(pilot)
        preview = str(dialog.query_one("#preview", Static).render())
        assert preview.startswith("at 02:30 on Monday to Friday\nnext: Mon 2026-11-23 02:30")


async def test_interval_start_missed_policy_grace_and_retries_are_saved(
    make_studio: MakeStudio,
) -> None:
    app = make_studio()
    async with app.run_test(size=WIDE) as pilot:
        dialog = await open_new(pilot)
        await pilot.press(*"Every six", "tab", "enter", "down", "down", "enter", "tab", "tab")
        await pilot.press(*"6h", "tab", *"2026-11-21 12:30")
        await pilot.press("tab", "tab", "tab", "down", "down", "space")  # tick main
        await pilot.press("tab", "tab", "tab", "enter", "down", "enter")  # missed: skip
        await pilot.press("tab", "ctrl+a", "ctrl+k", *"5m", "tab", "ctrl+a", "ctrl+k", "7")
        await settle(pilot)
        preview = str(dialog.query_one("#preview", Static).render())
        assert preview.startswith("next: Sat 2026-11-21 12:30, Sat 2026-11-21 18:30")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert shown_errors(dialog) == {}
        assert isinstance(app.screen, SchedulesScreen)
        made = next(s for s in app.core.schedules.list().items if s.name == "Every six")
        assert made.next_fire_local == "2026-11-21T12:30:00+07:00"
        assert (made.missed_policy, made.misfire_grace_s, made.max_retries) == ("skip", 300, 7)


async def open_edit(pilot: Any, name: str) -> ScheduleDialog:
    await settle(pilot)
    table = pilot.app.screen.query_one(ScheduleTable)
    key = next(k for k, s in table.items.items() if s.name == name)
    table.move_cursor(row=table.get_row_index(key))
    await settle(pilot)
    await pilot.press("e")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, ScheduleDialog)
    return dialog


@pytest.mark.parametrize("opening", ["new", "edit"])
async def test_escape_closes_an_unchanged_dialog_at_once(
    make_studio: MakeStudio, opening: str
) -> None:
    # Filling the choices from the database is not a change the person made.
    app = make_studio()
    async with app.run_test(size=WIDE) as pilot:
        for typed in (False, True):
            if opening == "new":
                dialog = await open_new(pilot)
            else:
                dialog = await open_edit(pilot, "Nightly PII sweep")
            assert not dialog.dirty
            if typed:
                await pilot.press("x")  # into the name, which has the focus
                assert dialog.dirty
            await pilot.press("escape")
            await settle(pilot)
            if not typed:
                assert isinstance(app.screen, SchedulesScreen)
                continue
            assert isinstance(app.screen, ConfirmScreen)
            assert "Discard your changes?" in str(
                app.screen.query_one("#question", Static).render()
            )
            await pilot.press("y")
            await settle(pilot)
            assert isinstance(app.screen, SchedulesScreen)


async def test_an_after_trigger_names_its_upstream_with_completion(
    make_studio: MakeStudio,
) -> None:
    app = make_studio()
    async with app.run_test(size=WIDE) as pilot:
        upstream = app.core.schedules.list().items[0].name
        dialog = await open_new(pilot)
        await pilot.press(*"Report after", "tab", "enter", *["down"] * 3, "enter", "tab", "tab")
        assert isinstance(app.focused, Input) and app.focused.id == "after"
        await pilot.press(*upstream[:4])
        await settle(pilot)
        await pilot.press("right")  # takes the completion
        await settle(pilot)
        assert dialog.query_one("#after", Input).value == upstream
        preview = str(dialog.query_one("#preview", Static).render())
        # What it runs after, read as saving would find it: its status and when it next fires.
        assert preview.splitlines() == [
            f"runs once after each successful run of {upstream!r}",
            f"{upstream}: Missed · missed at 2026-11-20 21:00 Asia/Jakarta",
        ]
        await pilot.press("tab", "tab", "tab", "down", "down", "space")  # tick main
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert shown_errors(dialog) == {}
        made = next(s for s in app.core.schedules.list().items if s.name == "Report after")
        assert made.trigger.kind == "after" and made.rule == f"after «{upstream}» succeeds"


async def test_an_after_trigger_is_checked_as_it_is_typed(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=WIDE) as pilot:
        dialog = await open_new(pilot)
        await pilot.press(*"Report", "tab", "enter", *["down"] * 3, "enter", "tab", "tab")
        preview = dialog.query_one("#preview", Static)
        assert str(preview.render()) == "name the schedule it runs after"
        await pilot.press(*"nope")
        await settle(pilot)
        assert shown_errors(dialog) == {
            "after": "no schedule named 'nope' to run after; give the name of an existing schedule."
        }
        assert str(preview.render()) == ""
        await pilot.press(*["backspace"] * 4, *"weekly crm review")
        await settle(pilot)
        assert shown_errors(dialog) == {}
        assert str(preview.render()).splitlines()[1] == (
            "Weekly CRM review: Paused · next fire 2026-11-23 07:00 Europe/Berlin"
        )


async def test_an_after_trigger_naming_no_schedule_is_refused_beside_it(
    make_studio: MakeStudio,
) -> None:
    app = make_studio()
    async with app.run_test(size=WIDE) as pilot:
        dialog = await open_new(pilot)
        await pilot.press(*"Orphan", "tab", "enter", *["down"] * 3, "enter", "tab", "tab")
        await pilot.press(*"no such schedule")
        await pilot.press("tab", "tab", "tab", "down", "down", "space")
        await pilot.press("ctrl+s")
        await settle(pilot)
        said = shown_errors(dialog)
        assert "no schedule named 'no such schedule' to run after" in said["after"], said
