"""The tick: one stateless pass over the queue, shared by `amx daemon run`, `amx daemon tick`
and the studio's embedded ticking."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from core.errors import StorageError
from core.schedules import kept_counts
from core.schedules.queue import Site, detect_missed
from daemon.claim import Claim, Claimed, claim_due
from daemon.settle import RETRY_BASE, recover
from daemon.trouble import Trouble

log = logging.getLogger("amx.daemon")
LEASE = timedelta(seconds=90)
RECORD_RETRY_S = 2.0
T = TypeVar("T")


@dataclass
class TickReport:
    """What one tick did."""

    recovered: list[int] = field(default_factory=list)
    missed: list[int] = field(default_factory=list)
    claimed: list[Claimed] = field(default_factory=list)


def tick(
    site: Site,
    worker_id: str,
    *,
    slots: int,
    lease: timedelta = LEASE,
    claim: Claim = claim_due,
    retry_base: timedelta = RETRY_BASE,
    recover_lost: bool = True,
) -> TickReport:
    """Recover lost runs and fold the kept counts (unless told not to this time), mark missed
    schedules, then claim up to `slots` units of due work."""
    report = TickReport()
    now = site.clock.now()
    if recover_lost:
        report.recovered = recover(site.db, now, retry_base)
        kept_counts.fold(site.db)
    for run_id in report.recovered:
        log.warning("recovered run %s from a lost worker", run_id)
    report.missed = [s.id for s in detect_missed(site.db, now)]
    for schedule_id in report.missed:
        log.info("schedule %s missed its fire time", schedule_id)
    report.claimed = claim(site.db, site.clock.now(), worker_id, slots, lease)
    return report


def until_recorded(step: Callable[[], T], what: str, giving_up: threading.Event) -> T:
    """`step()`, tried again every RECORD_RETRY_S while the database does not answer, until it
    works or `giving_up` is set (then the StorageError is raised)."""
    trouble = Trouble(what)
    while True:
        try:
            result = step()
        except StorageError as exc:
            if giving_up.is_set():
                raise
            trouble.failed(exc, retry_in=RECORD_RETRY_S)
            giving_up.wait(RECORD_RETRY_S)
            continue
        trouble.ok()
        return result
