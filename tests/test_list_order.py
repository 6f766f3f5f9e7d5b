"""The schedule list sorts statuses by severity, pages in that order, and knows last runs."""

from __future__ import annotations

from pathlib import Path

from core.api import Core
from core.demo import create_demo
from core.schedules.list_order import SEVERITY
from core.schedules.service import ListQuery

RANK = [s.value for s in SEVERITY]


def statuses(core: Core, *, descending: bool = False, limit: int = 3) -> list[str]:
    found: list[str] = []
    offset = 0
    while True:
        query = ListQuery(sort="status", descending=descending, offset=offset, limit=limit)
        page = core.schedules.list(query)
        found += [s.status.value for s in page.items]
        offset += limit
        if offset >= page.total:
            return found


def test_status_sorts_by_severity_across_pages(core: Core, tmp_path: Path) -> None:
    create_demo(core, tmp_path / "demo")
    shown = statuses(core)
    assert shown == sorted(shown, key=RANK.index)
    assert shown[:3] == ["failed", "missed", "running"]
    backwards = statuses(core, descending=True)
    assert backwards == sorted(backwards, key=RANK.index, reverse=True)


def test_last_runs_are_the_newest_started_or_ended(core: Core, tmp_path: Path) -> None:
    create_demo(core, tmp_path / "demo")
    items = {s.name: s for s in core.schedules.list().items}
    failed = items["Customer 360 profiling"]
    pending = items["Orders deep-dive"]
    core.schedules.run_now(pending.id)  # queued: not a last run yet
    last = core.runs.last_runs([failed.id, pending.id])
    assert last[failed.id].status == "failed"
    assert pending.id not in last
