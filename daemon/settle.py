"""After a run: the schedule's next step — next occurrence, completion, retry or failure."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.schedules.after import add_queued, queue_downstream
from core.schedules.outcome import ClaimLost, Outcome, finish_run, hold_claim
from core.schedules.queue import describe_row
from core.schedules.status import RunStatus, Status, check
from core.schedules.triggers import AfterTrigger, next_fire_time
from core.storage.engine import Database
from core.storage.tables import Run, Schedule, Worker
from core.text import counted

RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)
# Runs queued beside the schedule's own occurrences: run now, the on_missed steps that tell of a
# missed occurrence, and the on_failure steps that tell of a last attempt its worker lost. Their
# end never moves the schedule (a Missed one waits for a person).
QUEUED_TRIGGERS = ("manual", "missed", "failure")


def backoff(attempt: int, base: timedelta = RETRY_BASE) -> timedelta:
    """Delay before retry number `attempt` (1, 2, …): 30 s, 1 min, 2 min … capped at 1 h."""
    return min(base * (1 << min(max(attempt - 1, 0), 20)), RETRY_CAP)


def finish_and_settle(
    db: Database,
    now: datetime,
    run_id: int,
    ended: Outcome,
    *,
    released: bool = False,
    retry_base: timedelta = RETRY_BASE,
) -> tuple[Run, str | None]:
    """Record a run's outcome and move its schedule on in one transaction, so a worker that
    dies in between cannot leave the schedule Running with its run already ended."""
    with db.write() as session:
        run = finish_run(session, run_id, ended.status, now, ended.summary, ended.error)
        if run.status == RunStatus.SUCCEEDED:
            queue_downstream(session, run, now)
        outcome = _settle_in(session, run, now, released, retry_base)
        session.flush()
        return run, outcome


def _settle_in(
    session: Session, run: Run, now: datetime, released: bool, retry_base: timedelta
) -> str | None:
    schedule = session.get(Schedule, run.schedule_id)
    queued = _queued_run(schedule, run)
    if released and run.status == RunStatus.CANCELLED:
        run.note = "released: the daemon stopped before the run finished"
        if queued:
            add_queued(session, _requeued(run, now))
            return "re-queued"
    if run.trigger in QUEUED_TRIGGERS:
        return None
    if schedule is not None and queued:
        return _settle_queued(session, schedule, run, now, retry_base)
    if schedule is None or schedule.status != Status.RUNNING:
        return None  # cancelled, deleted or recovered meanwhile: leave it as it is
    if schedule.claimed_by not in (None, run.worker_id):
        return None
    return _advance(session, schedule, run, now, retry_base)


def _advance(
    session: Session, schedule: Schedule, run: Run, now: datetime, retry_base: timedelta
) -> str:
    what = describe_row(schedule)
    trigger = schedule.trigger
    once = trigger.kind == "once"
    schedule.claimed_by = None
    schedule.lease_until = None
    schedule.updated_at = now
    if run.status == RunStatus.SUCCEEDED:
        schedule.retry_count = 0
        schedule.note = None
        if once:
            schedule.status = check("succeed", Status.RUNNING, Status.COMPLETED, what=what)
            schedule.next_fire_at = None
            return "completed"
        schedule.status = check("succeed", Status.RUNNING, Status.PENDING, what=what)
        schedule.next_fire_at = next_fire_time(trigger, schedule.timezone, now)
        return "next occurrence"
    if run.status == RunStatus.CANCELLED:
        # Released, not failed: the same occurrence fires again at once.
        schedule.status = check("release", Status.RUNNING, Status.PENDING, what=what)
        schedule.next_fire_at = now
        schedule.note = run.note or "released"
        return "released"
    if schedule.retry_count < schedule.max_retries:
        schedule.retry_count += 1
        delay = backoff(schedule.retry_count, retry_base)
        schedule.status = check("fail", Status.RUNNING, Status.PENDING, what=what)
        schedule.next_fire_at = now + delay
        schedule.note = (
            f"attempt {run.attempt} failed: {run.error or 'unknown error'}; retry "
            f"{schedule.retry_count} of {schedule.max_retries} in {int(delay.total_seconds())} s"
        )
        return "retry"
    tries = schedule.retry_count + 1
    schedule.retry_count = 0
    if once:
        schedule.status = check("fail", Status.RUNNING, Status.FAILED, what=what)
        schedule.next_fire_at = None
        schedule.note = f"failed after {counted(tries, 'attempt')}: {run.error or 'unknown error'}"
        return "failed"
    # A recurring schedule records the failure and moves on to its next occurrence.
    schedule.status = check("fail", Status.RUNNING, Status.PENDING, what=what)
    schedule.next_fire_at = next_fire_time(trigger, schedule.timezone, now)
    schedule.note = (
        f"last occurrence failed after {counted(tries, 'attempt')}: {run.error or 'unknown error'}"
    )
    return "failed, next occurrence"


def _queued_run(schedule: Schedule | None, run: Run) -> bool:
    """Whether `run` came from the queue rather than from its schedule's own fire time: a run
    now, or a run after an upstream success (and its retries), which leave the schedule be."""
    if run.trigger in (*QUEUED_TRIGGERS, "after"):
        return True
    return (
        run.trigger == "retry"
        and schedule is not None
        and isinstance(schedule.trigger, AfterTrigger)
        and schedule.status != Status.RUNNING
    )


def _settle_queued(
    session: Session, schedule: Schedule, run: Run, now: datetime, retry_base: timedelta
) -> str | None:
    """A run after an upstream success ended: the schedule stays Pending for the next one; a
    failure is retried (as a queued run that resumes at the failed step) while the schedule's
    retries allow."""
    if schedule.deleted_at is not None:
        return None
    if run.status == RunStatus.SUCCEEDED:
        if schedule.note and schedule.note.startswith(("attempt ", "last run ")):
            schedule.note = None
            schedule.updated_at = now
        return "waits for the next upstream success"
    if run.status != RunStatus.FAILED:
        return None
    error = run.error or "unknown error"
    schedule.updated_at = now
    if run.attempt <= schedule.max_retries:
        delay = backoff(run.attempt, retry_base)
        add_queued(
            session,
            Run(
                schedule_id=run.schedule_id,
                scheduled_for=now + delay,
                trigger="retry",
                attempt=run.attempt + 1,
                status=RunStatus.QUEUED,
                note=f"retry {run.attempt} of {schedule.max_retries} of run {run.id}",
                created_at=now,
            ),
        )
        schedule.note = (
            f"attempt {run.attempt} failed: {error}; retry {run.attempt} of "
            f"{schedule.max_retries} in {int(delay.total_seconds())} s"
        )
        return "retry"
    schedule.note = f"last run failed after {counted(run.attempt, 'attempt')}: {error}"
    return "failed, waits for the next upstream success"


def recover(db: Database, now: datetime, retry_base: timedelta = RETRY_BASE) -> list[int]:
    """Fail runs whose lease ran out and retry them per policy.

    Only the lease decides: a worker renews the leases of the runs it holds with its heartbeat,
    so a silent worker's runs come back once their lease (whatever length it chose) runs out,
    and never sooner while the writer it left behind may still hold its claim.
    """
    recovered = []
    with db.write() as session:
        query = (
            select(Run, Worker)
            .outerjoin(Worker, Worker.id == Run.worker_id)
            .where(Run.status == RunStatus.RUNNING, Run.lease_until.is_not(None))
            .where(Run.lease_until < now)
            .execution_options(populate_existing=True)
        )
        if db.is_postgres:  # a writer holding its run's row (hold_claim) is passed over for now
            query = query.with_for_update(of=Run, skip_locked=True)
        for run, worker in session.execute(query).all():
            host = worker.host if worker is not None else _host_of(run.worker_id)
            since = f"{run.lease_until:%Y-%m-%d %H:%M:%S} UTC" if run.lease_until else "?"
            lease = f"its {run.lease_s:g} s lease" if run.lease_s else "its lease"
            run.status = RunStatus.FAILED
            run.finished_at = now
            run.error = f"worker lost on {host} ({lease} ran out at {since})"
            run.lease_until = None
            session.flush()
            schedule = session.get(Schedule, run.schedule_id)
            if (
                schedule is not None
                and run.trigger not in QUEUED_TRIGGERS
                and _queued_run(schedule, run)
            ):
                _settle_queued(session, schedule, run, now, retry_base)
            elif (
                run.trigger not in QUEUED_TRIGGERS
                and schedule is not None
                and schedule.status == Status.RUNNING
                and schedule.claimed_by in (None, run.worker_id)
            ):
                _advance(session, schedule, run, now, retry_base)
            if schedule is not None and _last_try(schedule, run):
                notice = failure_notice(schedule, run, now)
                if notice is not None:
                    session.add(notice)
            recovered.append(run.id)
    return recovered


def _last_try(schedule: Schedule, run: Run) -> bool:
    # As the worker would have judged it: no retry follows a run now or a last attempt.
    if run.trigger in ("missed", "failure"):
        return False
    return run.trigger == "manual" or run.attempt > schedule.max_retries


def failure_notice(schedule: Schedule, run: Run, now: datetime) -> Run | None:
    """The queued run of `schedule`'s on_failure steps telling of `run`, a last attempt whose
    worker was lost (a worker that finishes its run tells of it itself), or None when it has
    none. It is keyed two microseconds after the lost run's occurrence."""
    if not (schedule.scenario or {}).get("on_failure"):
        return None
    return Run(
        schedule_id=schedule.id,
        scheduled_for=run.scheduled_for + timedelta(microseconds=2),
        trigger="failure",
        attempt=1,
        status=RunStatus.QUEUED,
        note=f"run {run.id} failed: {run.error}",
        created_at=now,
    )


def _host_of(worker_id: str | None) -> str:
    # Worker ids are "host:pid:nonce", or "here:host:pid" for a run started by hand.
    parts = (worker_id or "").split(":")
    if parts[0] == "here" and len(parts) > 1:
        return parts[1]
    return parts[0] or "an unknown host"


def release(
    db: Database, now: datetime, run_id: int, note: str, retry_base: timedelta = RETRY_BASE
) -> None:
    """Give a run back at shutdown: the run ends cancelled, its occurrence fires again."""
    with db.write() as session:
        try:
            run = hold_claim(session, run_id, now)
        except (ClaimLost, NotFound):  # recovered meanwhile, or its lease ran out: not ours
            return
        if run.status != RunStatus.RUNNING:
            return
        run.status = RunStatus.CANCELLED
        run.note = note
        run.finished_at = now
        run.lease_until = None
        schedule = session.get(Schedule, run.schedule_id)
        if _queued_run(schedule, run):
            add_queued(session, _requeued(run, now))
            return
        if schedule is not None and schedule.status == Status.RUNNING:
            session.flush()
            _advance(session, schedule, run, now, retry_base)


def _requeued(run: Run, now: datetime) -> Run:
    # The request stays: a new queued run takes the released one's place.
    return Run(
        schedule_id=run.schedule_id,
        scheduled_for=now,
        trigger=run.trigger,
        attempt=run.attempt,
        status=RunStatus.QUEUED,
        note="re-queued after the daemon stopped",
        created_at=now,
    )
