"""What the Schedules page shows, loaded together off the event loop through the core."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from core.api import Core
from core.schedules.service import ListQuery
from core.schedules.views import Page, RunInfo, ScheduleInfo
from daemon.hooks import HookStatus
from daemon.overview import overview
from studio_tui.widgets.status_bar import Firing

# How long one board load spends on missed detection; each refresh continues it.
MISSED_CHECK_S = 0.5


@dataclass(frozen=True)
class Board:
    """Everything the page shows."""

    page: Page
    counts: dict[str, int]
    firing: Firing
    missed: list[ScheduleInfo]
    now: datetime
    progress: dict[int, tuple[int, int]] = field(default_factory=dict)
    last_runs: dict[int, RunInfo] = field(default_factory=dict)


def load_board(
    core: Core,
    query: ListQuery,
    hook: HookStatus | None,
    *,
    embedded: bool,
    also: list[int] | None = None,
    shown: Board | None = None,
) -> Board:
    """The whole board: missed detection (bounded), counts, the daemon's state and the page.
    `shown` is a first page just loaded for the same query: it is kept unless missed detection
    changed a schedule since."""
    # Bounded, so the first board after a long downtime comes at once; each refresh goes on.
    check = core.schedules.detect_missed_within(MISSED_CHECK_S)
    counts = core.schedules.counts()
    data = overview(core, hook, counts)
    missed = []
    if data.counts["missed"]:
        missed = core.schedules.list(ListQuery(statuses=frozenset({"missed"}), limit=50)).items
    firing = Firing.of(data, embedded=embedded)
    if shown is not None and not check.changed:
        return replace(shown, counts=counts, firing=firing, missed=missed, now=core.clock.now())
    return load_page(core, query, _blank(query, counts, firing, missed, core), also=also)


def first_page(core: Core, query: ListQuery, *, also: list[int] | None = None) -> Board:
    """The table's first page alone, drawn before the rest of the board is loaded: missed
    detection (bounded, so the page shows what is missed), the page and its runs. Its counts,
    firing state and missed list are empty."""
    core.schedules.detect_missed_within(MISSED_CHECK_S)
    return load_page(core, query, _blank(query, {}, Firing(), [], core), also=also)


def _blank(
    query: ListQuery,
    counts: dict[str, int],
    firing: Firing,
    missed: list[ScheduleInfo],
    core: Core,
) -> Board:
    """A board with no page yet."""
    return Board(
        page=Page(items=[], total=0, offset=0, limit=query.limit),
        counts=counts,
        firing=firing,
        missed=missed,
        now=core.clock.now(),
    )


def load_page(
    core: Core, query: ListQuery, previous: Board, *, also: list[int] | None = None
) -> Board:
    """`previous` with a new page of the table (chips, filter, sort or paging changed); the last
    runs of the page's schedules and of those in `also`."""
    page = core.schedules.list(query)
    ids = [s.id for s in page.items]
    ids += [i for i in also or [] if i not in ids]
    running = [s.id for s in page.items if s.status == "running"]
    return replace(
        previous,
        page=page,
        now=core.clock.now(),
        progress=core.runs.running_progress(running),
        last_runs=core.runs.last_runs(ids),
    )
