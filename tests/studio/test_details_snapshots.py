"""Details of a schedule at both sizes: its run history, one run's outcome and its log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import RichLog

from core.analysis import job
from core.analysis.llm.protocol import Annotator
from core.schedules.spec import build_spec
from core.schedules.triggers import AfterTrigger, cron
from tests.studio.conftest import MakeStudio
from tests.studio.test_studio_snapshots import NARROW, WIDE, keys
from tests.support.shop import make_shop


@pytest.fixture(autouse=True)
def _steady_worker_id(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run started here is named after this host and process: the same in every picture."""
    monkeypatch.setattr("core.schedules.runs.here_worker_id", lambda: "here:vm:4242")


@pytest.fixture(autouse=True)
def _one_table_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables analysed in parallel finish in any order: one at a time, the log reads the same."""
    real = job.annotator_for_profile

    def one_at_a_time(profile: Any) -> Annotator:
        annotator = real(profile)
        annotator.concurrency = 1
        return annotator

    monkeypatch.setattr(job, "annotator_for_profile", one_at_a_time)


# The failed one-shot, "Customer 360 profiling", is the last row of the demo.
LAST_ROW = ["down"] * 8


def log_at_its_end(*presses: str) -> Any:
    """`keys(*presses)`, then until the details' log has scrolled to its last line (its lines
    come from a worker; on a loaded machine the picture could be taken before the scroll)."""
    pressed = keys(*presses)

    async def run(pilot: Pilot[Any]) -> None:
        await pressed(pilot)
        log = pilot.app.screen.query_one("#log", RichLog)
        for _ in range(100):
            if log.lines and log.scroll_y == log.max_scroll_y:
                break
            await pilot.pause(0.02)
        await pilot.pause()

    return run


def test_details_80x24(snap: Any, make_studio: MakeStudio) -> None:
    # Its run history keeps rows, its summary is whole, and it says when it was set for.
    assert snap(make_studio(), terminal_size=NARROW, run_before=log_at_its_end(*LAST_ROW, "i"))


def test_details_with_a_log(snap: Any, make_studio: MakeStudio) -> None:
    # The first schedule has run once in this process: its log is shown.
    assert snap(make_studio(review=True), terminal_size=WIDE, run_before=keys("i"))


def test_details_with_a_log_80x24(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(review=True), terminal_size=NARROW, run_before=keys("i"))


def test_details_of_the_demo_running_run(snap: Any, make_studio: MakeStudio) -> None:
    # "Payments audit", second row, is running: its log so far, with a warning, followed live.
    assert snap(make_studio(), terminal_size=WIDE, run_before=keys("down", "i"))


def test_details_of_the_demo_completed_run_80x24(snap: Any, make_studio: MakeStudio) -> None:
    # "Revenue columns check", next to last, succeeded: each table's progress and the outcome.
    assert snap(make_studio(), terminal_size=NARROW, run_before=keys(*["down"] * 7, "i"))


def test_details_of_a_schedule_run_after_another_80x24(snap: Any, make_studio: MakeStudio) -> None:
    # It has no fire time of its own: the trigger line says what runs it, and nothing more.
    app = make_studio()
    spec = build_spec(
        name="Orders mail",
        trigger=AfterTrigger(upstream="Orders deep-dive"),
        db_profile="demo",
        scope=["main"],
    )
    app.core.schedules.create(spec)
    assert snap(app, terminal_size=NARROW, run_before=keys("G", "i"))


def test_details_of_a_schedule_not_run_yet_80x24(
    snap: Any, make_studio: MakeStudio, tmp_path: Path
) -> None:
    # In place of a run: when it first fires.
    app = make_studio(demo=False)
    app.core.profiles.add_db("demo", make_shop(tmp_path / "shop"))
    spec = build_spec(
        name="Fresh nightly", trigger=cron("0 2 * * *"), db_profile="demo", scope=["main"]
    )
    app.core.schedules.create(spec)
    assert snap(app, terminal_size=NARROW, run_before=keys("i"))
