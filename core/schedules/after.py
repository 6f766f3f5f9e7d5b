"""After triggers: which schedules run after which, the loops they may not form, and the runs an
upstream success queues for its downstream schedules."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.schedules.rule_text import orphaned_note
from core.schedules.status import RunStatus, Status
from core.schedules.triggers import AfterTrigger
from core.storage.tables import Run, Schedule
from core.text import name_key

# A stamp already taken by another run of the same schedule moves on by this much.
_NUDGE = timedelta(microseconds=1)
# Nobody keeps chains this long; the walk stops here even if stored data loops.
_LONGEST_CHAIN = 1000


def downstream_of(session: Session, upstream_id: int) -> list[Schedule]:
    """The live schedules that run after schedule `upstream_id`, in id order."""
    live = (Schedule.upstream_id == upstream_id, Schedule.deleted_at.is_(None))
    return list(session.scalars(select(Schedule).where(*live).order_by(Schedule.id)))


def resolve(session: Session, trigger: AfterTrigger, own_id: int | None) -> AfterTrigger:
    """The after trigger with its upstream found (by id when it has one, else by name) and
    named as it is now; refuses an unknown or deleted upstream, the schedule itself, and a
    loop of after triggers (naming it)."""
    if trigger.upstream_id is not None:
        upstream = session.get(Schedule, trigger.upstream_id)
        if upstream is None or upstream.deleted_at is not None:
            shown = trigger.upstream or f"id {trigger.upstream_id}"
            raise InvalidInput(
                "after",
                f"the schedule it runs after ({shown}) was deleted; choose another upstream.",
            )
    else:
        upstream = session.scalar(
            select(Schedule).where(
                Schedule.name_key == name_key(trigger.upstream), Schedule.deleted_at.is_(None)
            )
        )
        if upstream is None:
            raise InvalidInput(
                "after",
                f"no schedule named {trigger.upstream!r} to run after; give the name of an "
                "existing schedule.",
            )
    if own_id is not None and upstream.id == own_id:
        raise InvalidInput(
            "after", f"a schedule cannot run after itself ({upstream.name!r}); choose another."
        )
    if own_id is not None:
        _refuse_loop(session, upstream, own_id)
    return AfterTrigger(upstream=upstream.name, upstream_id=upstream.id)


def _refuse_loop(session: Session, upstream: Schedule, own_id: int) -> None:
    chain = [upstream]  # the upstream, its upstream, …
    seen = {upstream.id}
    while len(chain) < _LONGEST_CHAIN:
        trigger = chain[-1].trigger
        if not isinstance(trigger, AfterTrigger) or trigger.upstream_id is None:
            return
        if trigger.upstream_id == own_id:
            own = session.get(Schedule, own_id)
            names = [own.name if own else f"id {own_id}", *(s.name for s in reversed(chain))]
            loop = " → ".join([*names, names[0]])
            raise InvalidInput(
                "after",
                f"after triggers would form a loop ({loop}), so none of them would ever run; "
                "choose an upstream outside it.",
            )
        if trigger.upstream_id in seen:
            return  # an older loop upstream that does not pass through this schedule
        found = session.get(Schedule, trigger.upstream_id)
        if found is None or found.deleted_at is not None:
            return
        seen.add(found.id)
        chain.append(found)


def queue_downstream(session: Session, run: Run, now: datetime) -> list[Run]:
    """In the transaction that records `run`'s success: one queued run for each live, unpaused
    schedule that runs after its schedule. The upstream run succeeds once under its claim, so
    each of them is queued once."""
    upstream = session.get(Schedule, run.schedule_id)
    name = upstream.name if upstream is not None else f"schedule {run.schedule_id}"
    queued = []
    for schedule in downstream_of(session, run.schedule_id):
        if schedule.status in (Status.PAUSED, Status.CANCELLED):
            continue
        queued.append(
            add_queued(
                session,
                Run(
                    schedule_id=schedule.id,
                    scheduled_for=run.finished_at or now,
                    trigger="after",
                    attempt=1,
                    status=RunStatus.QUEUED,
                    note=f"after run {run.id} of «{name}» succeeded",
                    created_at=now,
                ),
            )
        )
    return queued


def add_queued(session: Session, run: Run) -> Run:
    """Insert a queued run; if its schedule has a run at that very moment already (the unique
    occurrence), it takes the next free microsecond instead of failing the transaction."""
    for _ in range(100):
        taken = session.scalar(
            select(Run.id).where(
                Run.schedule_id == run.schedule_id, Run.scheduled_for == run.scheduled_for
            )
        )
        if taken is None:
            try:
                with session.begin_nested():
                    session.add(run)
                return run
            except IntegrityError:  # another writer took it meanwhile
                pass
        run.scheduled_for += _NUDGE
    raise InvalidInput("after", "no free moment to queue the run after its upstream.")


def rename_upstream(session: Session, upstream_id: int, name: str) -> None:
    """The downstream schedules' triggers name their upstream as it is now called."""
    for schedule in downstream_of(session, upstream_id):
        trigger = schedule.trigger
        if isinstance(trigger, AfterTrigger) and trigger.upstream != name:
            schedule.trigger = AfterTrigger(upstream=name, upstream_id=upstream_id)


def orphan_downstream(session: Session, upstream: Schedule, now: datetime) -> None:
    """The upstream is deleted: its downstream schedules stay, and say they will not fire."""
    for schedule in downstream_of(session, upstream.id):
        schedule.note = orphaned_note(upstream.name)
        schedule.updated_at = now
