"""The dialog's Steps section, driven by keys: add a step of a kind, reorder, mark parallel,
remove, save; a step's setting refused by the core beside that setting; a scenario of several
steps saved unchanged comes back the same."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, Static

from core.api import Core
from core.schedules.scenario.steps import ExportDocsStep
from core.schedules.spec import build_spec
from core.schedules.triggers import once
from studio_tui.screens.dialog import ScheduleDialog
from studio_tui.screens.dialog.steps import KindPicker, StepList, StepsSection
from studio_tui.screens.schedules import SchedulesScreen
from tests.studio.conftest import MakeStudio, settle
from tests.studio.test_dialog_form import open_edit, shown_errors

pytestmark = pytest.mark.anyio
WIDE = (120, 45)
# Tabs from the name to the list of steps, past every field before it.
TO_STEPS = 12
# The kinds in the picker's order, as the core lists them.
DOWN_TO = {"cache_refresh": 1, "export_docs": 3, "notify": 8}


async def to_steps(pilot: Any, dialog: ScheduleDialog) -> StepList:
    await pilot.press(*["tab"] * TO_STEPS)
    await settle(pilot)
    listing = dialog.query_one(StepList)
    assert dialog.focused is listing
    return listing


async def add(pilot: Any, kind: str) -> None:
    await pilot.press("a")
    await settle(pilot)
    assert isinstance(pilot.app.screen, KindPicker)
    await pilot.press(*["down"] * DOWN_TO[kind], "enter")
    await settle(pilot)


def kinds(dialog: ScheduleDialog) -> list[tuple[str, bool]]:
    section = dialog.query_one(StepsSection)
    return [(s["kind"], bool(s.get("parallel"))) for s in section.steps]


async def test_add_reorder_mark_parallel_remove_and_save(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=WIDE) as pilot:
        dialog = await open_edit(pilot, "Nightly PII sweep")
        await to_steps(pilot, dialog)
        await add(pilot, "notify")
        await add(pilot, "cache_refresh")  # after the highlighted one: notify
        assert kinds(dialog) == [("analyze", False), ("notify", False), ("cache_refresh", False)]
        assert dialog.dirty
        await pilot.press("K")  # cache_refresh up, above notify
        assert kinds(dialog)[1:] == [("cache_refresh", False), ("notify", False)]
        await pilot.press("p", "up", "p")  # cache_refresh and analyze fan out together
        assert kinds(dialog)[:2] == [("analyze", True), ("cache_refresh", True)]
        await pilot.press("x")  # the analyze step of the fields above stays
        await settle(pilot)
        assert len(kinds(dialog)) == 3
        await pilot.press("down", "down", "x")  # notify goes
        await settle(pilot)
        assert kinds(dialog) == [("analyze", True), ("cache_refresh", True)]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SchedulesScreen)
        saved = next(s for s in app.core.schedules.list().items if s.name == "Nightly PII sweep")
        assert [(s.kind, s.parallel) for s in saved.steps] == [
            ("analyze", True),
            ("cache_refresh", True),
        ]
        assert saved.steps_summary == "analyze → cache_refresh"


async def test_a_refused_setting_is_shown_beside_it(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=WIDE) as pilot:
        dialog = await open_edit(pilot, "Nightly PII sweep")
        await to_steps(pilot, dialog)
        await add(pilot, "export_docs")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ScheduleDialog)
        errors = shown_errors(dialog)
        assert errors == {"sf-path": "steps[2] (export_docs): path is required."}
        path = dialog.query_one("#sf-path", Input)
        assert dialog.focused is path
        await pilot.press(*"~/docs/shop.json")
        await settle(pilot)
        assert shown_errors(dialog) == {}  # typing in the field clears its refusal
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SchedulesScreen)
        saved = next(s for s in app.core.schedules.list().items if s.name == "Nightly PII sweep")
        assert [s.kind for s in saved.steps] == ["analyze", "export_docs"]
        step = saved.steps[1]
        assert isinstance(step, ExportDocsStep)
        assert (step.path, step.profile) == ("~/docs/shop.json", saved.db_profile)


async def test_a_bad_list_setting_is_refused_naming_the_step(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=WIDE) as pilot:
        dialog = await open_edit(pilot, "Nightly PII sweep")
        await to_steps(pilot, dialog)
        await add(pilot, "notify")
        await pilot.press("tab")
        await settle(pilot)
        assert dialog.focused is dialog.query_one("#sf-urls", Input)
        await pilot.press(*"not a url")
        await pilot.press("ctrl+s")
        await settle(pilot)
        box = dialog.query_one("#err-sf-urls", Static)
        assert "steps[2] (notify): urls is not accepted" in str(box.render())
        assert "is not a URL" in str(box.render())
        assert isinstance(app.screen, ScheduleDialog)


def _scenario(core: Core) -> int:
    profile = core.profiles.list_db()[0].name
    spec = build_spec(
        name="Docs after analysis",
        trigger=once("2026-12-01 09:00"),
        timezone="Asia/Jakarta",
        steps=[
            # The dialog names the database it shows (the profile's own) as every save does.
            {
                "kind": "analyze",
                "profile": profile,
                "database": "shop",
                "scope": ["main"],
                "review": "auto",
            },
            {
                "kind": "export_docs",
                "profile": profile,
                "format": "dbt",
                "path": "~/out/schema.yml",
            },
            {
                "kind": "run_command",
                "argv": ["echo", "done"],
                "parallel": True,
                "env": {"LANG": "C"},
            },
            {"kind": "notify", "urls": ["json://localhost/hook"], "parallel": True},
        ],
        on_failure=[{"kind": "notify", "urls": ["env:ALERT_URL"]}],
    )
    return core.schedules.create(spec).id


async def test_a_scenario_saved_unchanged_comes_back_the_same(make_studio: MakeStudio) -> None:
    app = make_studio()
    schedule_id = _scenario(app.core)
    before = app.core.schedules.get(schedule_id)
    async with app.run_test(size=WIDE) as pilot:
        dialog = await open_edit(pilot, "Docs after analysis")
        assert kinds(dialog) == [
            ("analyze", False),
            ("export_docs", False),
            ("run_command", True),
            ("notify", True),
        ]
        assert not dialog.dirty
        await to_steps(pilot, dialog)
        await pilot.press("down", "down")  # run_command's settings, as text
        await settle(pilot)
        assert dialog.query_one("#sf-argv", Input).value == "echo, done"
        assert dialog.query_one("#sf-env", Input).value == "LANG=C"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SchedulesScreen)
    after = app.core.schedules.get(schedule_id)
    assert after.steps == before.steps
    assert after.on_failure == before.on_failure
    assert (after.db_profile, after.scope, after.review_strategy) == (
        before.db_profile,
        before.scope,
        before.review_strategy,
    )


async def test_a_new_schedule_of_two_steps(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ScheduleDialog)
        await pilot.press(*"Refresh then analyse", "tab", "tab", "tab", *"+1h")
        await pilot.press("tab", "tab", "tab", "down", "down", "space")  # tick main
        await pilot.press(*["tab"] * 6)
        await settle(pilot)
        assert dialog.focused is dialog.query_one(StepList)
        await add(pilot, "cache_refresh")
        await pilot.press("K")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert shown_errors(dialog) == {}
        assert isinstance(app.screen, SchedulesScreen)
        made = next(s for s in app.core.schedules.list().items if s.name == "Refresh then analyse")
        assert [s.kind for s in made.steps] == ["cache_refresh", "analyze"]
        assert made.scope == ["main"] or made.scope_summary.startswith("main")


async def test_a_scenario_without_an_analyze_step_saves_unchanged(make_studio: MakeStudio) -> None:
    # Its analysis fields set nothing: they neither refuse the save nor add an analyze step.
    app = make_studio()
    spec = build_spec(
        name="Exports only",
        trigger=once("2026-12-01 09:00"),
        timezone="Asia/Jakarta",
        steps=[
            {"kind": "run_command", "argv": ["echo", "export"]},
            {"kind": "notify", "urls": ["json://localhost/hook"], "title": "exported"},
        ],
    )
    before = app.core.schedules.create(spec)
    async with app.run_test(size=WIDE) as pilot:
        dialog = await open_edit(pilot, "Exports only")
        await to_steps(pilot, dialog)
        await pilot.press("down", "p", "ctrl+s")
        await settle(pilot)
        assert shown_errors(dialog) == {}
        assert isinstance(app.screen, SchedulesScreen)
    after = app.core.schedules.get(before.id)
    assert [(s.kind, s.parallel) for s in after.steps] == [
        ("run_command", False),
        ("notify", True),
    ]
    assert after.steps[1].model_dump() == {**before.steps[1].model_dump(), "parallel": True}
