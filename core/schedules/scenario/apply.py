"""Applying scenario documents: create or update schedules by name, idempotently, and exporting
live schedules as the documents that re-apply to no change."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from core.errors import AmxError, NotFound
from core.schedules.lookup import NAME_PREFIX, resolve_schedule
from core.schedules.scenario.files import (
    PAUSED,
    ScenarioDocument,
    ScenarioFileError,
    changed_keys,
    document,
    spec_from_document,
)
from core.schedules.service import ListQuery, ScheduleService
from core.schedules.spec import ScheduleSpec, build_spec
from core.schedules.status import Status
from core.schedules.triggers import AfterTrigger, OnceTrigger
from core.schedules.views import ScheduleInfo
from core.storage.tables import Schedule
from core.text import name_key

Action = Literal["created", "updated", "unchanged"]
_T = TypeVar("_T")
_PAGE = 500


class Applied(BaseModel):
    """What applying one document did (or would do, in a dry run)."""

    model_config = ConfigDict(frozen=True)
    source: str
    line: int
    name: str
    action: Action
    changed: list[str]  # the keys an update changes, in the file's words (a creation: paused)
    schedule_id: int | None  # None for a creation in a dry run


def spec_of(info: ScheduleInfo) -> ScheduleSpec:
    """The spec a stored schedule was made from."""
    return build_spec(
        name=info.name,
        trigger=info.trigger,
        timezone=info.timezone,
        steps=info.steps,
        on_failure=info.on_failure,
        on_missed=info.on_missed,
        missed_policy=info.missed_policy,
        misfire_grace_s=info.misfire_grace_s,
        max_retries=info.max_retries,
    )


def _live_named(service: ScheduleService, name: str) -> ScheduleInfo | None:
    try:
        return service.get(resolve_schedule(service.db, NAME_PREFIX + name))
    except NotFound:
        return None


def check_names(documents: Sequence[ScenarioDocument]) -> None:
    """Refuse two documents that name the same schedule (names compare as the service does)."""
    seen: dict[str, ScenarioDocument] = {}
    for doc in documents:
        key = name_key(doc.spec.name)
        first = seen.setdefault(key, doc)
        if first is not doc:
            raise ScenarioFileError(
                doc.source,
                doc.line_of("name"),
                "name",
                f"the scenario {doc.spec.name!r} is also given at {first.source}:{first.line}; "
                "keep one.",
            )


def upstreams_first(
    service: ScheduleService, documents: Sequence[ScenarioDocument]
) -> list[ScenarioDocument]:
    """The documents with each after-trigger's upstream given in the batch applied before it;
    an upstream neither in the batch nor live is refused before anything is applied."""
    batch = {name_key(doc.spec.name): doc for doc in documents}
    for doc in documents:
        trigger = doc.spec.trigger
        if (
            isinstance(trigger, AfterTrigger)
            and name_key(trigger.upstream) not in batch
            and _live_named(service, trigger.upstream) is None
        ):
            raise ScenarioFileError(
                doc.source,
                doc.line_of("trigger"),
                "trigger.after",
                f"no schedule named {trigger.upstream!r} to run after, in these files or "
                "saved; give the name of an existing schedule.",
            )
    ordered: list[ScenarioDocument] = []
    placed: set[str] = set()

    def place(doc: ScenarioDocument, seen: tuple[str, ...]) -> None:
        key = name_key(doc.spec.name)
        if key in placed or key in seen:  # a loop is the service's to refuse, naming it
            return
        trigger = doc.spec.trigger
        if isinstance(trigger, AfterTrigger) and name_key(trigger.upstream) in batch:
            place(batch[name_key(trigger.upstream)], (*seen, key))
        placed.add(key)
        ordered.append(doc)

    for doc in documents:
        place(doc, ())
    return ordered


class _DryRun(Exception):
    """Raised at the end of a dry run's transaction, so that it rolls back."""


def apply_documents(
    service: ScheduleService, documents: Sequence[ScenarioDocument], *, dry_run: bool = False
) -> list[Applied]:
    """Create the schedules the documents name that do not exist and update those that differ,
    all in one transaction: a refusal (which names the document's file and line) changes
    nothing, and a dry run makes every check a real run makes before it rolls back."""
    check_names(documents)
    documents = upstreams_first(service, documents)
    planned = [(doc, _live_named(service, doc.spec.name)) for doc in documents]
    for doc, current in planned:  # each may read a remote catalog: before the write lock
        if current is None or changed_keys(spec_of(current), doc.spec):
            _as_refusal(doc, service.check_scope, doc.spec)
    done: list[Applied] = []
    try:
        with service.db.write() as session:
            for doc, current in planned:
                done.append(_as_refusal(doc, _apply, service, session, doc, current, dry_run))
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return done


def _as_refusal(doc: ScenarioDocument, call: Callable[..., _T], *args: Any) -> _T:
    """`call(*args)`, a refusal from it reworded to name `doc`'s file and line."""
    try:
        return call(*args)
    except ScenarioFileError:
        raise
    except AmxError as exc:
        raise doc.refusal(exc) from None


def _apply(
    service: ScheduleService,
    session: Session,
    doc: ScenarioDocument,
    current: ScheduleInfo | None,
    dry_run: bool,
) -> Applied:
    if current is None:
        created = service.create_in(session, doc.spec, paused=bool(doc.paused))
        return Applied(
            source=doc.source,
            line=doc.line,
            name=doc.spec.name,
            action="created",
            changed=[PAUSED] if doc.paused else [],
            schedule_id=None if dry_run else created.id,
        )
    changed = changed_keys(spec_of(current), doc.spec)
    if changed:
        service.update_in(session, _row(session, current), doc.spec, current.version)
    if doc.paused is not None and doc.paused != (current.status == Status.PAUSED):
        row = _row(session, current)
        if doc.paused:
            service.pause_in(session, row)
        else:
            service.resume_in(session, row)
        changed.append(PAUSED)
    return Applied(
        source=doc.source,
        line=doc.line,
        name=doc.spec.name,
        action="updated" if changed else "unchanged",
        changed=changed,
        schedule_id=current.id,
    )


def _row(session: Session, info: ScheduleInfo) -> Schedule:
    row = session.get(Schedule, info.id)
    if row is None or row.deleted_at is not None:
        raise NotFound(f"schedule {info.name!r} was deleted meanwhile; apply again.")
    return row


class Exported(BaseModel):
    """What `exported` found: the specs to write, and the names of the schedules left out."""

    model_config = ConfigDict(frozen=True)
    specs: list[ScheduleSpec]
    paused: frozenset[str] = frozenset()  # the names of those to write with `paused: true`
    spent: list[str] = []  # cancelled, or a one-shot whose time has passed
    instances: list[str] = []  # of templates, which `amx template export` writes


def exported(service: ScheduleService, names: Sequence[str] = ()) -> Exported:
    """The specs of the named live schedules (by id or name) for `files.dump`; with no names,
    of every live one that can still fire and is no template's instance. Left out: the spent
    (applied elsewhere they would fire again, or be refused) and the instances (their
    templates make them)."""
    if names:
        infos = [service.get(resolve_schedule(service.db, name)) for name in names]
        return Exported(specs=[spec_of(info) for info in infos], paused=_paused(infos))
    infos = []
    offset = 0
    while True:
        page = service.list(ListQuery(kind=None, sort="id", offset=offset, limit=_PAGE))
        infos += page.items
        offset += _PAGE
        if offset >= page.total:
            break
    now = service.clock.now()
    instances = [i for i in infos if i.template_slug]
    spent = [i for i in infos if not i.template_slug and not _may_fire(i, now)]
    kept = [i for i in infos if i not in instances and i not in spent]
    return Exported(
        specs=[spec_of(i) for i in kept],
        paused=_paused(kept),
        spent=[i.name for i in spent],
        instances=[i.name for i in instances],
    )


def _paused(infos: Sequence[ScheduleInfo]) -> frozenset[str]:
    return frozenset(i.name for i in infos if i.status == Status.PAUSED)


def _may_fire(info: ScheduleInfo, now: datetime) -> bool:
    if info.status == Status.CANCELLED:
        return False
    passed = info.next_fire_at is None or info.next_fire_at <= now
    return not (isinstance(info.trigger, OnceTrigger) and passed)


def patch_document(
    service: ScheduleService,
    schedule_id: int,
    changes: dict[str, Any],
    *,
    expected_version: int,
) -> ScheduleInfo:
    """Change some keys of a schedule's scenario document (a trigger given without a timezone
    keeps the schedule's); refused if the schedule changed since `expected_version`."""
    current = service.get(schedule_id)
    doc: dict[str, Any] = dict(document(spec_of(current)))
    trigger = changes.get("trigger")
    if isinstance(trigger, dict) and "timezone" not in trigger:
        changes = {**changes, "trigger": {**trigger, "timezone": current.timezone}}
    doc.update(changes)
    spec = spec_from_document(doc)
    return service.update(schedule_id, spec, expected_version=expected_version)
