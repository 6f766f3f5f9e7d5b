"""The template service: templates in the store, their instances, and the enable matrix of
templates by DB profiles. Every toggle of a cell is one write transaction that locks the
template's row first, so toggles of a template follow one another and the last one stands."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.clock import Clock
from core.errors import AmxError, Conflict, InvalidInput, NotFound
from core.schedules.scenario.apply import spec_of
from core.schedules.scenario.files import changed_keys
from core.schedules.service import ScheduleService
from core.schedules.status import Status, check
from core.schedules.templates.builtin import builtin_templates
from core.schedules.templates.errors import ParameterRefused
from core.schedules.templates.model import KEYS, TemplateDef, is_slug
from core.schedules.templates.render import parameter_values, render_spec
from core.schedules.views import ScheduleInfo
from core.storage.engine import Database
from core.storage.tables import DbProfile, Schedule, Template

CellState = Literal["on", "off"]
Action = Literal["created", "updated", "unchanged"]


class TemplateInfo(BaseModel):
    """A template as front ends show it, with its definition and how many live instances."""

    model_config = ConfigDict(frozen=True)
    definition: TemplateDef
    builtin: bool
    version: int
    instances: int

    @property
    def slug(self) -> str:
        """The template's slug."""
        return self.definition.slug


class Cell(BaseModel):
    """One cell of the enable matrix: a template's instance for a DB profile, if it has one."""

    model_config = ConfigDict(frozen=True)
    slug: str
    profile: str
    state: CellState | None  # None: never enabled
    schedule_id: int | None
    status: Status | None
    params: dict[str, Any] | None
    version: int | None  # the instance's; the highest one is the latest toggle's


class Matrix(BaseModel):
    """Templates by DB profiles, by slug and by name."""

    model_config = ConfigDict(frozen=True)
    templates: list[str]
    profiles: list[str]
    cells: list[Cell]

    def cell(self, slug: str, profile: str) -> Cell:
        """The cell of a template and a profile."""
        found = next((c for c in self.cells if c.slug == slug and c.profile == profile), None)
        return found or Cell(
            slug=slug,
            profile=profile,
            state=None,
            schedule_id=None,
            status=None,
            params=None,
            version=None,
        )


class InstanceChange(BaseModel):
    """What editing a template does to one of its instances."""

    model_config = ConfigDict(frozen=True)
    name: str
    schedule_id: int
    changed: list[str]


class TemplateApplied(BaseModel):
    """What applying one template did (or would do, in a dry run)."""

    model_config = ConfigDict(frozen=True)
    slug: str
    action: Action
    changed: list[str]
    instances: list[InstanceChange]


def _cell(slug: str, profile: str, row: Schedule | None) -> Cell:
    if row is None:
        return Cell(
            slug=slug,
            profile=profile,
            state=None,
            schedule_id=None,
            status=None,
            params=None,
            version=None,
        )
    return Cell(
        slug=slug,
        profile=profile,
        state="off" if row.status == Status.PAUSED else "on",
        schedule_id=row.id,
        status=Status(row.status),
        params=dict(row.template_params or {}),
        version=row.version,
    )


def _definition(row: Template) -> TemplateDef:
    return TemplateDef(
        slug=row.slug,
        name=row.name,
        description=row.description,
        parameters=row.body.get("parameters", []),
        default_enabled=row.default_enabled,
        body={k: v for k, v in row.body.items() if k != "parameters"},
    )


def _write_row(
    session: Session, row: Template | None, definition: TemplateDef, now: datetime
) -> Template:
    """`row` (or a new one) holding `definition`, one version on, live again."""
    if row is None:
        row = Template(slug=definition.slug, builtin=False, version=0, created_at=now, body={})
        session.add(row)
    row.name = definition.name
    row.description = definition.description
    row.body = _stored_body(definition)
    row.default_enabled = definition.default_enabled
    row.version = (row.version or 0) + 1
    row.updated_at = now
    row.deleted_at = None
    return row


def _stored_body(definition: TemplateDef) -> dict[str, Any]:
    params = [p.model_dump() for p in definition.parameters]
    return {"parameters": params, **definition.body}


def _facts(row: DbProfile) -> dict[str, Any]:
    return {"name": row.name, "owner_email": row.owner_email, "labels": list(row.labels or [])}


def _template_changes(current: TemplateDef, wanted: TemplateDef) -> list[str]:
    now, then = current.model_dump(), wanted.model_dump()
    changed = [k for k in ("name", "description", "parameters", "default_enabled")
               if now[k] != then[k]]  # fmt: skip
    body_keys = [k for k in KEYS if k in now["body"] or k in then["body"]]
    return changed + [k for k in body_keys if now["body"].get(k) != then["body"].get(k)]


class TemplateService:
    """Templates, their instances (ordinary schedules) and the enable matrix."""

    def __init__(self, db: Database, clock: Clock, schedules: ScheduleService) -> None:
        self.db = db
        self.clock = clock
        self.schedules = schedules
        self._builtins_loaded = False

    # -- templates ------------------------------------------------------------------------

    def ensure_builtins(self) -> None:
        """Store the templates that ship with the product, once: a built-in a person removed
        or edited is left as it is."""
        if self._builtins_loaded:
            return
        shipped = builtin_templates()
        now = self.clock.now()
        try:
            with self.db.write() as session:
                known = set(session.scalars(select(Template.slug)))
                for definition in shipped:
                    if definition.slug in known:
                        continue
                    session.add(
                        Template(
                            slug=definition.slug,
                            name=definition.name,
                            description=definition.description,
                            body=_stored_body(definition),
                            default_enabled=definition.default_enabled,
                            builtin=True,
                            version=1,
                            created_at=now,
                            updated_at=now,
                        )
                    )
        except IntegrityError:  # another process stored them at the same moment
            pass
        self._builtins_loaded = True

    def all(self) -> list[TemplateInfo]:
        """Every live template, by slug."""
        self.ensure_builtins()
        with self.db.read() as session:
            rows = session.scalars(
                select(Template).where(Template.deleted_at.is_(None)).order_by(Template.slug)
            ).all()
            return [self._info(session, row) for row in rows]

    def get(self, slug: str) -> TemplateInfo:
        """One live template, or NotFound."""
        self.ensure_builtins()
        with self.db.read() as session:
            return self._info(session, self._row(session, slug))

    def _info(self, session: Session, row: Template) -> TemplateInfo:
        count = len(self._instances(session, row.slug))
        return TemplateInfo(
            definition=_definition(row), builtin=row.builtin, version=row.version, instances=count
        )

    def _row(self, session: Session, slug: str, *, lock: bool = False) -> Template:
        row = None
        if is_slug(slug):  # anything else names no template (and may not reach SQL: NUL)
            query = select(Template).where(Template.slug == slug, Template.deleted_at.is_(None))
            row = session.scalar(query.with_for_update() if lock else query)
        if row is None:
            known = session.scalars(
                select(Template.slug).where(Template.deleted_at.is_(None)).order_by(Template.slug)
            ).all()
            raise NotFound(
                f"no template {slug!r} (known: {', '.join(known) or 'none'}); "
                "see `amx template list`.",
                field="template",
            )
        return row

    def _instances(self, session: Session, slug: str) -> list[Schedule]:
        return list(
            session.scalars(
                select(Schedule)
                .where(Schedule.template_slug == slug, Schedule.deleted_at.is_(None))
                .order_by(Schedule.template_profile)
            )
        )

    def instances(self, slug: str) -> list[ScheduleInfo]:
        """The live instances of a template, by DB profile."""
        with self.db.read() as session:
            self._row(session, slug)
            return [ScheduleInfo.of(row) for row in self._instances(session, slug)]

    def create(self, definition: TemplateDef) -> TemplateInfo:
        """Store a new template; a live template with its slug already is a Conflict (apply
        the changed definition to update one)."""
        self.ensure_builtins()
        now = self.clock.now()
        taken = Conflict(
            f"a template {definition.slug!r} exists already; choose another slug, or apply the "
            "changed template to update it.",
            field="slug",
        )
        try:
            with self.db.write() as session:
                row = session.scalar(
                    select(Template).where(Template.slug == definition.slug).with_for_update()
                )
                if row is not None and row.deleted_at is None:
                    raise taken
                row = _write_row(session, row, definition, now)
                session.flush()
                return self._info(session, row)
        except IntegrityError:  # created by another request at the same moment
            raise taken from None

    def apply(
        self, definitions: Sequence[TemplateDef], *, dry_run: bool = False
    ) -> list[TemplateApplied]:
        """Create the templates that do not exist and update those that differ; an update
        re-renders every instance with its own parameter values, keeping its history. Every
        instance is rendered and its scope checked before anything is written, and all is
        written in one transaction, so a refusal changes nothing."""
        self.ensure_builtins()
        slugs = [d.slug for d in definitions]
        twice = next((s for s in slugs if slugs.count(s) > 1), None)
        if twice:
            raise InvalidInput("slug", f"template {twice!r} is given twice; keep one.")
        plans: list[tuple[TemplateDef, TemplateApplied, list[tuple[int, int, Any]]]] = []
        with self.db.read() as session:
            for definition in definitions:
                plans.append(self._plan(session, definition))
        if dry_run:
            return [applied for _, applied, _ in plans]
        changing = [plan for plan in plans if plan[1].action != "unchanged"]
        for _, _, updates in changing:  # each may read a remote catalog: before the write lock
            for _, _, spec in updates:
                self.schedules.check_scope(spec)
        now = self.clock.now()
        with self.db.write() as session:
            for definition, _, updates in changing:
                self._write_in(session, definition, updates, now)
        return [applied for _, applied, _ in plans]

    def _plan(
        self, session: Session, definition: TemplateDef
    ) -> tuple[TemplateDef, TemplateApplied, list[tuple[int, int, Any]]]:
        row = session.scalar(select(Template).where(Template.slug == definition.slug))
        if row is None or row.deleted_at is not None:
            applied = TemplateApplied(
                slug=definition.slug, action="created", changed=[], instances=[]
            )
            return definition, applied, []
        changed = _template_changes(_definition(row), definition)
        changes: list[InstanceChange] = []
        updates: list[tuple[int, int, Any]] = []
        if changed:
            for instance in self._instances(session, definition.slug):
                profile = session.scalar(
                    select(DbProfile).where(DbProfile.name == instance.template_profile)
                )
                if profile is None:
                    continue
                try:
                    values = parameter_values(definition, instance.template_params or {})
                    spec = render_spec(definition, _facts(profile), values)
                except InvalidInput as exc:
                    raise InvalidInput(
                        exc.field or "template",
                        f"{exc.message.rstrip('.')} (for the instance {instance.name!r}).",
                    ) from None
                info = ScheduleInfo.of(instance)
                keys = changed_keys(spec_of(info), spec)
                if keys and instance.status == Status.RUNNING:
                    raise Conflict(
                        f"the instance {instance.name!r} of template {definition.slug!r} is "
                        "running; apply the template again when its run has ended.",
                        field="running",
                    )
                changes.append(
                    InstanceChange(name=instance.name, schedule_id=instance.id, changed=keys)
                )
                if keys:
                    updates.append((instance.id, instance.version, spec))
        applied = TemplateApplied(
            slug=definition.slug,
            action="updated" if changed else "unchanged",
            changed=changed,
            instances=changes,
        )
        return definition, applied, updates

    def _write_in(
        self,
        session: Session,
        definition: TemplateDef,
        updates: list[tuple[int, int, Any]],
        now: datetime,
    ) -> None:
        row = session.scalar(
            select(Template).where(Template.slug == definition.slug).with_for_update()
        )
        _write_row(session, row, definition, now)
        for schedule_id, version, spec in updates:
            instance = session.get(Schedule, schedule_id)
            if instance is not None and instance.deleted_at is None:
                self.schedules.update_in(session, instance, spec, version)

    def remove(self, slug: str) -> list[str]:
        """Remove a template and its instances; their run history stays readable. The names of
        the removed instances."""
        self.ensure_builtins()
        now = self.clock.now()
        with self.db.write() as session:
            row = self._row(session, slug, lock=True)
            instances = self._instances(session, slug)
            running = [i.name for i in instances if i.status == Status.RUNNING]
            if running:
                raise Conflict(
                    f"the instance {running[0]!r} is running; remove the template when its "
                    "run has ended.",
                    field="running",
                )
            for instance in instances:
                self.schedules.delete_in(session, instance)
            row.deleted_at = now
            row.updated_at = now
            return [i.name for i in instances]

    # -- the enable matrix ----------------------------------------------------------------

    def matrix(self) -> Matrix:
        """Every live template by every DB profile, with each cell's instance."""
        self.ensure_builtins()
        with self.db.read() as session:
            slugs = list(
                session.scalars(
                    select(Template.slug)
                    .where(Template.deleted_at.is_(None))
                    .order_by(Template.slug)
                )
            )
            profiles = list(session.scalars(select(DbProfile.name).order_by(DbProfile.name)))
            rows = session.scalars(
                select(Schedule).where(
                    Schedule.template_slug.is_not(None), Schedule.deleted_at.is_(None)
                )
            )
            cells = [
                _cell(str(r.template_slug), str(r.template_profile), r)
                for r in rows
                if r.template_slug in slugs
            ]
        return Matrix(templates=slugs, profiles=profiles, cells=cells)

    def enable(self, slug: str, profile: str, params: Mapping[str, Any] | None = None) -> Cell:
        """Turn a cell on: create the template's instance for the profile, or resume it (its
        history intact); given parameters replace the instance's own."""
        self.ensure_builtins()
        given = dict(params or {})
        with self.db.read() as session:  # checked first: the scope check reads no store lock
            template = self._row(session, slug)
            self._profile(session, profile)
            kept = self._live_instance(session, slug, profile)
            spec, _ = self._render(session, template, profile, given, kept)
        self.schedules.check_scope(spec)
        with self.db.write() as session:
            template = self._row(session, slug, lock=True)
            row = self._live_instance(session, slug, profile)
            spec, values = self._render(session, template, profile, given, row)
            if row is None:
                self.schedules.create_in(
                    session,
                    spec,
                    template={
                        "template_slug": slug,
                        "template_profile": profile,
                        "template_params": values,
                    },
                )
                row = self._live_instance(session, slug, profile)
                assert row is not None
                return _cell(slug, profile, row)
            if values != (row.template_params or {}) or changed_keys(
                spec_of(ScheduleInfo.of(row)), spec
            ):
                self.schedules.update_in(session, row, spec, row.version)
                row.template_params = values
            if row.status == Status.PAUSED:
                self.schedules.resume_in(session, row)
            session.flush()
            return _cell(slug, profile, row)

    def disable(self, slug: str, profile: str) -> Cell:
        """Turn a cell off: pause the instance (never delete it); a cell that is off stays."""
        self.ensure_builtins()
        with self.db.write() as session:
            self._row(session, slug, lock=True)
            self._profile(session, profile)
            row = self._live_instance(session, slug, profile)
            if row is None or row.status == Status.PAUSED:
                return _cell(slug, profile, row)
            if row.status == Status.RUNNING:
                raise Conflict(
                    f"the instance {row.name!r} is running; disable it when the run has ended.",
                    field="running",
                )
            row.status = check("edit", Status(row.status), Status.PAUSED, what=repr(row.name))
            row.updated_at = self.clock.now()
            session.flush()
            return _cell(slug, profile, row)

    def on_profile_added(self, profile: str) -> list[Cell]:
        """Give a new DB profile the instances of every `default_enabled` template whose
        parameters all have values; one that cannot be made is left off."""
        made: list[Cell] = []
        for info in self.all():
            definition = info.definition
            if not definition.default_enabled:
                continue
            if any(p.needs_value for p in definition.parameters):
                continue
            try:
                made.append(self.enable(definition.slug, profile))
            except AmxError:
                continue
        return made

    def _live_instance(self, session: Session, slug: str, profile: str) -> Schedule | None:
        return session.scalar(
            select(Schedule).where(
                Schedule.template_slug == slug,
                Schedule.template_profile == profile,
                Schedule.deleted_at.is_(None),
            )
        )

    def _profile(self, session: Session, name: str) -> DbProfile:
        row = None
        if "\x00" not in name:  # a NUL names no profile, and PostgreSQL refuses it in SQL
            row = session.scalar(select(DbProfile).where(DbProfile.name == name))
        if row is None:
            known = session.scalars(select(DbProfile.name).order_by(DbProfile.name).limit(5))
            raise NotFound(
                f"no DB profile named {name!r} (known: {', '.join(known) or 'none'}); add it "
                "first.",
                field="db_profile",
            )
        return row

    def _render(
        self,
        session: Session,
        template: Template,
        profile: str,
        given: Mapping[str, Any],
        row: Schedule | None = None,
    ) -> tuple[Any, dict[str, Any]]:
        definition = _definition(template)
        facts = _facts(self._profile(session, profile))
        kept = dict(row.template_params or {}) if row is not None else {}
        values = parameter_values(definition, {**kept, **given})
        self._check_profile_params(session, definition, values)
        return render_spec(definition, facts, values), values

    def _check_profile_params(
        self, session: Session, definition: TemplateDef, values: Mapping[str, Any]
    ) -> None:
        for parameter in definition.parameters:
            if parameter.type == "profile" and parameter.name in values:
                name = values[parameter.name]
                if session.scalar(select(DbProfile.id).where(DbProfile.name == name)) is None:
                    raise ParameterRefused(
                        parameter.name,
                        f"template {definition.slug!r}: parameter {parameter.name!r} names "
                        f"no DB profile ({name!r}); give the name of an existing one.",
                    )
