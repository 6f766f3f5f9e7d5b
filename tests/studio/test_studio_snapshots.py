"""One SVG snapshot per screen state, on the demo data under a frozen clock in Asia/Jakarta."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from tests.studio.conftest import MakeStudio, settle

WIDE = (120, 35)
NARROW = (80, 24)


def keys(*presses: str) -> Any:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in presses:
            await pilot.press(key)
            await settle(pilot)

    return run


def test_empty_state(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(demo=False), terminal_size=WIDE, run_before=keys())


def test_populated_table(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(), terminal_size=WIDE, run_before=keys())


@pytest.mark.parametrize("chip", ["1", "2", "3", "4"])
def test_each_filter_chip(snap: Any, make_studio: MakeStudio, chip: str) -> None:
    assert snap(make_studio(), terminal_size=WIDE, run_before=keys(chip))


def test_two_chips_at_once(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(), terminal_size=WIDE, run_before=keys("1", "3"))


def test_text_filter(snap: Any, make_studio: MakeStudio) -> None:
    run = keys("slash", *"sales", "enter")
    assert snap(make_studio(), terminal_size=WIDE, run_before=run)


def test_text_filter_80x24(snap: Any, make_studio: MakeStudio) -> None:
    """Beside the chips at 80 columns the filter's hint shows its text alone."""
    run = keys("slash", *"sales", "enter")
    assert snap(make_studio(), terminal_size=NARROW, run_before=run)


def test_text_filter_matching_nothing_80x24(snap: Any, make_studio: MakeStudio) -> None:
    """The table gives way to a sentence naming the text and the key that clears it."""
    run = keys("slash", *"zqxx", "enter")
    assert snap(make_studio(), terminal_size=NARROW, run_before=run)


def test_text_and_chip_matching_nothing(snap: Any, make_studio: MakeStudio) -> None:
    run = keys("3", "slash", *"crm orders", "enter")
    assert snap(make_studio(), terminal_size=WIDE, run_before=run)


def test_new_dialog(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(), terminal_size=WIDE, run_before=keys("n"))


def test_edit_dialog_with_scope_tree_partly_selected(snap: Any, make_studio: MakeStudio) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await keys("down", "down", "down", "e")(pilot)  # Nightly PII sweep
        from studio_tui.widgets.scope_tree import ScopeTree

        tree = pilot.app.screen.query_one(ScopeTree)
        await tree.expand_path(("main",))
        tree.focus()
        tree.scroll_visible()
        await settle(pilot)

    assert snap(make_studio(), terminal_size=WIDE, run_before=run)


def test_validation_error(snap: Any, make_studio: MakeStudio) -> None:
    # Name, a past fire-at, then down the form to the scope tree to tick a schema, then save.
    fill = ("n", *"Audit", "tab", "tab", "tab", *"2020-01-01 09:00")
    run = keys(*fill, "tab", "tab", "tab", "down", "space", "ctrl+s")
    assert snap(make_studio(), terminal_size=WIDE, run_before=run)


def test_daemon_not_installed(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(), terminal_size=(120, 6), run_before=keys())


def test_daemon_alive(snap: Any, make_studio: MakeStudio) -> None:
    studio = make_studio(installed=True, heartbeat_age=12)
    assert snap(studio, terminal_size=(120, 6), run_before=keys())


def test_daemon_team_with_a_skewed_clock(snap: Any, make_studio: MakeStudio) -> None:
    team = (("etl-01", 0.2), ("etl-02", -0.4), ("etl-03", 7.4))
    studio = make_studio(installed=True, heartbeat_age=12, team=team)
    assert snap(studio, terminal_size=(120, 6), run_before=keys())


def test_daemon_team_narrow(snap: Any, make_studio: MakeStudio) -> None:
    studio = make_studio(installed=True, team=(("etl-01", 0.2), ("etl-03", -7.4)))
    assert snap(studio, terminal_size=(80, 6), run_before=keys())


def test_daemon_stale(snap: Any, make_studio: MakeStudio) -> None:
    studio = make_studio(installed=True, heartbeat_age=300)
    assert snap(studio, terminal_size=(120, 6), run_before=keys())


def test_missed_prompt(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(ask_missed=True), terminal_size=WIDE, run_before=keys())


def test_details_with_run_history(snap: Any, make_studio: MakeStudio) -> None:
    # The failed one-shot, "Customer 360 profiling", is the last row.
    run = keys(*["down"] * 8, "i")
    assert snap(make_studio(), terminal_size=WIDE, run_before=run)


def test_review_queue(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(review=True), terminal_size=WIDE, run_before=keys("v"))


def test_review_queue_80x24(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(review=True), terminal_size=NARROW, run_before=keys("v"))


def test_light_theme(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(theme="amx-light"), terminal_size=WIDE, run_before=keys())


def test_missed_prompt_80x24(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(ask_missed=True), terminal_size=NARROW, run_before=keys())


def test_80x24(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(), terminal_size=NARROW, run_before=keys())


def test_80x24_dialog(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(), terminal_size=NARROW, run_before=keys("n"))


def test_help(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(), terminal_size=WIDE, run_before=keys("question_mark"))


def test_delete_confirmation(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(), terminal_size=WIDE, run_before=keys("down", "d"))


def test_no_color(snap: Any, make_studio: MakeStudio, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    studio = make_studio()
    assert studio.no_color
    assert snap(studio, terminal_size=NARROW, run_before=keys())


def test_command_line_after_a_long_list(snap: Any, make_studio: MakeStudio) -> None:
    run = keys("colon", *"/schedule list", "enter", *"status", "enter", *"sh")
    assert snap(make_studio(), terminal_size=WIDE, run_before=run)


def test_command_line_after_a_long_list_80x24(snap: Any, make_studio: MakeStudio) -> None:
    run = keys("colon", *"/schedule list", "enter", *"status", "enter", *"sh")
    assert snap(make_studio(), terminal_size=NARROW, run_before=run)


def test_command_line_empty(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(), terminal_size=NARROW, run_before=keys("colon"))


def test_help_80x24(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(), terminal_size=NARROW, run_before=keys("question_mark"))


# Tabs from the name to each control of the dialog (a Select, the radio set), as a person moves.
DIALOG_CONTROLS = {"trigger": 1, "db_profile": 4, "database": 5, "llm_profile": 7, "review": 8,
                   "missed_policy": 9}  # fmt: skip


@pytest.mark.parametrize("control", list(DIALOG_CONTROLS))
def test_dialog_control_focused(snap: Any, make_studio: MakeStudio, control: str) -> None:
    run = keys("n", *["tab"] * DIALOG_CONTROLS[control])
    assert snap(make_studio(), terminal_size=NARROW, run_before=run)


def test_dialog_trigger_chosen_from_the_dropdown(snap: Any, make_studio: MakeStudio) -> None:
    # Open the Trigger dropdown, go down to "Cron rule", take it: nothing of the list stays.
    run = keys("n", "tab", "enter", "down", "enter")
    assert snap(make_studio(), terminal_size=NARROW, run_before=run)


def test_dialog_every_error_at_once(snap: Any, make_studio: MakeStudio) -> None:
    # No name, no scope and a past fire-at: one save shows all three, each once.
    run = keys("n", "tab", "tab", "tab", *"2020-01-01 09:00", "ctrl+s")
    assert snap(make_studio(), terminal_size=WIDE, run_before=run)


def test_dialog_cron_rule_read_aloud(snap: Any, make_studio: MakeStudio) -> None:
    run = keys("n", "tab", "enter", "down", "enter", "tab", "tab", *"0 9 * * 1-5")
    assert snap(make_studio(), terminal_size=WIDE, run_before=run)


def test_dialog_interval_with_its_start(snap: Any, make_studio: MakeStudio) -> None:
    every = ("n", "tab", "enter", "down", "down", "enter", "tab", "tab", *"6h")
    run = keys(*every, "tab", *"2026-11-21 12:30")
    assert snap(make_studio(), terminal_size=WIDE, run_before=run)


def test_dialog_scrolled_to_its_last_row(snap: Any, make_studio: MakeStudio) -> None:
    # The form scrolled to Retries: the buttons sit in their own band below it, not over it.
    run = keys("n", *["tab"] * 11)
    assert snap(make_studio(), terminal_size=WIDE, run_before=run)
