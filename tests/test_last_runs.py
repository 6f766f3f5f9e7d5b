"""The runs a list shows beside its schedules, read from the runs table's own columns: the same
views the ORM's rows make, and a first list in a fresh process neither configures the ORM's
mappers nor loads the run history's modules."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from core.api import Core
from core.demo import create_demo
from core.schedules.status import RunStatus
from core.schedules.views import RunInfo
from core.storage.tables import Run
from tests.support.child import python


def orm_last_runs(core: Core, ids: list[int]) -> dict[int, RunInfo]:
    """The newest started or ended run of each schedule, read through the ORM's rows."""
    newest = (
        select(func.max(Run.id))
        .where(Run.schedule_id.in_(ids), Run.status != RunStatus.QUEUED)
        .group_by(Run.schedule_id)
    )
    with core.db.read() as session:
        rows = session.scalars(select(Run).where(Run.id.in_(newest))).all()
        return {run.schedule_id: RunInfo.of(run) for run in rows}


def test_last_runs_are_the_views_the_orm_rows_make(core: Core, tmp_path: Path) -> None:
    create_demo(core, tmp_path / "demo")
    items = core.schedules.list().items
    ids = [s.id for s in items]
    core.schedules.run_now(ids[-1])  # a queued run waits aside
    found = core.runs.last_runs(ids)
    assert found == orm_last_runs(core, ids)
    assert {run.status for run in found.values()} >= {"failed", "running", "succeeded"}
    failed = next(run for run in found.values() if run.status == "failed")
    assert failed.error and failed.duration_s is not None and failed.finished_at is not None
    assert core.runs.last_runs([]) == {}


def test_running_progress_reads_each_running_runs_summary(core: Core, tmp_path: Path) -> None:
    create_demo(core, tmp_path / "demo")
    ids = [s.id for s in core.schedules.list().items]
    running = {
        run.schedule_id: run.summary["progress"]
        for run in orm_last_runs(core, ids).values()
        if run.status == "running" and run.summary
    }
    assert running
    progress = core.runs.running_progress(ids)
    assert progress == {i: (p["done"], p["total"]) for i, p in running.items()}
    assert core.runs.running_progress([]) == {}


def test_a_first_list_loads_no_orm_mappers_nor_run_history(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'amx.db'}"
    core = Core.open(url)
    create_demo(core, tmp_path / "demo")
    core.close()
    code = (
        "import json, sys\n"
        "from core.api import Core\n"
        "from core.storage.tables import Schedule\n"
        f"core = Core.open({url!r})\n"
        "page = core.schedules.list()\n"
        "ids = [s.id for s in page.items]\n"
        "last = core.runs.last_runs(ids)\n"
        "progress = core.runs.running_progress(ids)\n"
        "print(json.dumps([len(last), len(progress), Schedule.__mapper__.configured,\n"
        "    'core.schedules.run_history' in sys.modules]))\n"
    )
    done = python(code)
    last, progress, configured, history = json.loads(done.stdout)
    assert last > 0 and progress > 0
    assert not configured
    assert not history
