"""Schedule statuses and the one table of legal transitions between them."""

from __future__ import annotations

from enum import StrEnum

from core.errors import IllegalTransition


class Status(StrEnum):
    """Where a schedule stands."""

    PENDING = "pending"
    PAUSED = "paused"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    MISSED = "missed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """The capitalised word people see."""
        return self.value.capitalize()


class RunStatus(StrEnum):
    """Where one run stands."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    MISSED = "missed"
    CANCELLED = "cancelled"


P, Z, R, C, F, M, X = (
    Status.PENDING,
    Status.PAUSED,
    Status.RUNNING,
    Status.COMPLETED,
    Status.FAILED,
    Status.MISSED,
    Status.CANCELLED,
)

# action -> {from status: to status}. Anything not listed is illegal.
TRANSITIONS: dict[str, dict[Status, frozenset[Status]]] = {
    "pause": {P: frozenset({Z})},
    # resume lands on Pending, or on Missed/Cancelled when the fire time passed while paused.
    "resume": {Z: frozenset({P, M, X})},
    "claim": {P: frozenset({R})},
    # a recurring schedule returns to Pending; a one-shot ends Completed.
    "succeed": {R: frozenset({P, C})},
    # a failure retries (Pending) until max_retries, then Failed (a recurring one moves on).
    "fail": {R: frozenset({P, F})},
    "release": {R: frozenset({P})},
    "miss": {P: frozenset({M, P, X})},
    # run now on a Missed schedule fires its occurrence now.
    "run_now": {
        M: frozenset({P}),
        P: frozenset({P}),
        Z: frozenset({Z}),
        F: frozenset({F}),
        C: frozenset({C}),
    },
    "skip": {M: frozenset({P, X})},
    "edit": {s: frozenset({P, Z}) for s in (P, Z, M, F, C)},
    "cancel": {s: frozenset({X}) for s in (P, Z, M, F, R)},
    "delete": {s: frozenset({X}) for s in (P, Z, M, F, C, X)},
}

# action -> (verb, past participle) for messages.
_WORDS = {
    "pause": ("pause", "paused"),
    "resume": ("resume", "resumed"),
    "claim": ("start", "started"),
    "succeed": ("complete", "completed"),
    "fail": ("fail", "failed"),
    "release": ("release", "released"),
    "miss": ("mark missed", "marked missed"),
    "run_now": ("run now", "run now"),
    "skip": ("skip", "skipped"),
    "edit": ("edit", "edited"),
    "cancel": ("cancel", "cancelled"),
    "delete": ("delete", "deleted"),
}


def allowed_from(action: str) -> frozenset[Status]:
    """The statuses from which `action` may be taken."""
    return frozenset(TRANSITIONS[action])


def can(action: str, current: Status | str) -> bool:
    """Whether `action` is legal on a schedule that is `current`."""
    return Status(current) in TRANSITIONS[action]


def check(action: str, current: Status | str, target: Status | str, *, what: str) -> Status:
    """Refuse an illegal transition with one sentence; return the target status if legal."""
    current, target = Status(current), Status(target)
    targets = TRANSITIONS[action].get(current)
    if targets is None:
        sources = sorted(TRANSITIONS[action], key=list(Status).index)
        labels = [s.label for s in sources]
        allowed = " or ".join([", ".join(labels[:-1]), labels[-1]] if len(labels) > 2 else labels)
        raise IllegalTransition(
            f"cannot {_WORDS[action][0]} {what}: it is {current.label}; only a {allowed} schedule "
            f"can be {_WORDS[action][1]}."
        )
    if target not in targets:
        raise IllegalTransition(
            f"cannot {_WORDS[action][0]} {what}: {current.label} cannot become {target.label}."
        )
    return target
