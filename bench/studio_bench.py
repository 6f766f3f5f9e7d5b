"""Studio speed with 100,000 schedules: time to the first painted table, time to re-show the
table after a filter chip toggle, beside two yardsticks measured in the same run: a bare Textual
app drawing a DataTable of 200 rows, and every row loaded into a plain DataTable (headless, so
the figures are the app's own work).

    .venv/bin/python bench/studio_bench.py [--rows 100000] [--no-plain]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual.app import App, ComposeResult
from textual.widgets import DataTable

import bench.queue_probe as queue_probe
from bench.scratch import scratch_folder
from core.api import Core
from core.schedules.service import ListQuery
from daemon.hooks import Completed, RecordingRunner
from studio_tui.app import StudioApp
from studio_tui.screens.schedules import SchedulesScreen
from studio_tui.widgets.schedule_table import ScheduleTable


async def until(check: Any, timeout: float = 120.0) -> float:
    started = time.perf_counter()
    while not check():
        if time.perf_counter() - started > timeout:
            raise TimeoutError
        await asyncio.sleep(0.002)
    return time.perf_counter() - started


class Painted:
    """When the schedule table last drew a line with rows in it (the studio's own rendering,
    which a terminal then shows)."""

    def __init__(self) -> None:
        self.at = 0.0
        self.shown_at = 0.0
        render_line, show = ScheduleTable.render_line, ScheduleTable.show

        def rendering(table: ScheduleTable, y: int) -> Any:
            if table.row_count:
                self.at = time.perf_counter()
            return render_line(table, y)

        def showing(table: ScheduleTable, *args: Any, **kwargs: Any) -> None:
            show(table, *args, **kwargs)
            self.shown_at = time.perf_counter()

        ScheduleTable.render_line = rendering  # type: ignore[method-assign,assignment]
        ScheduleTable.show = showing  # type: ignore[method-assign,assignment]

    def since(self, started: float) -> bool:
        """Whether rows shown after `started` have been drawn."""
        return self.at > self.shown_at > started


async def studio_timings(core: Core) -> tuple[float, float]:
    """Time to the first painted table, and the median time to the table painted again after a
    chip toggle."""
    painted = Painted()
    runner = RecordingRunner(default=Completed(1, "", "inactive"))
    started = time.perf_counter()
    app = StudioApp(core, platform="linux", runner=runner, refresh_every=3600, ask_missed=False)
    async with app.run_test(size=(120, 35)):
        await until(lambda: painted.since(started))
        first = painted.at - started
        screen = app.screen
        assert isinstance(screen, SchedulesScreen)
        await app.workers.wait_for_complete()
        toggles = []
        table = screen.query_one(ScheduleTable)
        for _ in range(5):
            for chip_on in (True, False):
                await asyncio.sleep(0.05)
                started_toggle = time.perf_counter()
                # The chip's own action, as its key runs it (the test pilot's key simulation
                # waits for a full repaint first, which a terminal does not).
                screen.action_chip("paused")

                def shown(on: bool = chip_on, since: float = started_toggle) -> bool:
                    statuses = {s.status for s in table.items.values()}
                    right = statuses == {"paused"} if on else len(statuses) > 1
                    return right and painted.since(since)

                await until(shown)
                toggles.append(painted.at - started_toggle)
        return first, sorted(toggles)[len(toggles) // 2]


class Bare(App[None]):
    """The yardstick: a DataTable of 200 short rows, nothing else."""

    def __init__(self) -> None:
        super().__init__()

    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*"abcdefg")
        table.add_rows([tuple(f"cell {i} {j}" for j in range(7)) for i in range(200)])


async def bare_timing() -> float:
    """Time to the first line of the bare table drawn with its rows."""
    drawn: list[float] = []
    render_line = DataTable.render_line

    def rendering(table: DataTable[Any], y: int) -> Any:
        if table.row_count and not drawn:
            drawn.append(time.perf_counter())
        return render_line(table, y)

    DataTable.render_line = rendering  # type: ignore[method-assign,assignment]
    started = time.perf_counter()
    try:
        async with Bare().run_test(size=(120, 35)):
            await until(lambda: bool(drawn))
    finally:
        DataTable.render_line = render_line  # type: ignore[method-assign]
    return drawn[0] - started


class Plain(App[None]):
    def __init__(self, core: Core) -> None:
        super().__init__()
        self.core = core
        self.done = False

    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Name", "Fire time", "Rule", "Scope", "Status", "LLM", "Review")
        page = self.core.schedules.list(ListQuery(limit=10_000_000))
        table.add_rows(
            (
                s.name,
                s.next_fire_local or "—",
                s.rule,
                s.scope_summary,
                s.status,
                s.llm_profile or "—",
                s.review_strategy or "—",
            )
            for s in page.items
        )
        self.done = True


async def plain_timing(core: Core) -> float:
    started = time.perf_counter()
    app = Plain(core)
    async with app.run_test(size=(120, 35)):
        await until(lambda: app.done, timeout=600)
        return time.perf_counter() - started


# The first paint's target grows with the queue: 250 ms at 100,000 schedules, 500 at 1,000,000.
def first_target(rows: int) -> int:
    return 250 if rows <= 100_000 else 500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--no-plain", action="store_true", help="skip the plain DataTable (minutes at 1,000,000)"
    )
    args = parser.parse_args()
    if args.bare:  # the yardstick, in a process of its own as the studio's first app is
        print(asyncio.run(bare_timing()))
        return
    folder = scratch_folder()
    core = Core.open(f"sqlite:///{folder / 'studio.db'}")
    core.profiles.add_db("shop", f"sqlite:///{folder / 'shop.db'}", create=True)
    # Fire times from now on: a queue that is up to date (nothing to mark missed on open).
    queue_probe.NOW = datetime.now(UTC)
    queue_probe.fill(core, args.rows)
    first, toggle = asyncio.run(studio_timings(core))
    bare = float(
        subprocess.run(
            [sys.executable, __file__, "--bare"], capture_output=True, text=True, check=True
        ).stdout
    )
    print(f"{args.rows:,} schedules, headless at 120x35")
    print(
        f"  first painted table:           {first * 1000:8.0f} ms   (target <= {first_target(args.rows)} ms)"
    )
    print(
        f"  re-show after a chip toggle:   {toggle * 1000:8.0f} ms   (median of 10; target <= 50 ms)"
    )
    print(
        f"  baseline: a bare Textual app's DataTable of 200 rows, first paint: {bare * 1000:.0f} ms"
    )
    print(f"  ratio studio first paint / bare app: {first / bare:6.2f}x")
    if not args.no_plain:
        plain = asyncio.run(plain_timing(core))
        print(f"  every row into a plain table:  {plain * 1000:8.0f} ms")
        print(f"  ratio plain / studio first paint: {plain / first:6.1f}x   (target >= 100x)")
    core.close()


if __name__ == "__main__":
    main()
