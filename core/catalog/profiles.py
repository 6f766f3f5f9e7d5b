"""DB and LLM profiles: validation, secret references, and the service calls that manage them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Text, cast, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError
from sqlalchemy.orm import Session

from core.catalog.llm_profiles import LlmProfileConfig
from core.clock import Clock
from core.errors import Conflict, InvalidInput, NotFound
from core.secrets import refuse_literal_secrets, resolve_secret
from core.storage.engine import Database, masked, postgresql_spelled
from core.storage.tables import DbProfile, LlmProfile, Schedule
from core.text import counted, name_key, name_problem, some_of

BUILTIN_LLM = "heuristic"


class DbProfileInfo(BaseModel):
    """A DB profile as front ends show it (URL masked)."""

    model_config = ConfigDict(frozen=True)
    name: str
    url: str
    sample_size: int
    owner_email: str | None = None
    labels: list[str] = []


class LlmProfileInfo(BaseModel):
    """An LLM profile as front ends show it."""

    model_config = ConfigDict(frozen=True)
    name: str
    provider: str
    model: str | None
    base_url: str | None
    api_key_env: str | None
    concurrency: int
    builtin: bool


def _check_email(address: str | None) -> str | None:
    if address is None or not address.strip():
        return None
    address = address.strip()
    if len(address) > 320 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
        raise InvalidInput(
            "owner_email",
            f"owner e-mail {address!r} is not an e-mail address; write it like dba@example.com.",
        )
    return address


def _check_labels(labels: Sequence[str]) -> list[str]:
    kept: list[str] = []
    for label in labels:
        label = label.strip()
        if not re.fullmatch(r"[\w.:/-]{1,60}", label):
            raise InvalidInput(
                "labels",
                f"label {label!r} is not usable; use up to 60 letters, digits, '.', ':', '/', "
                "'-' or '_'.",
            )
        if label not in kept:
            kept.append(label)
    return kept


def _check_name(name: str, field: str) -> str:
    problem = name_problem(name, field)
    if problem:
        raise InvalidInput(field, problem)
    name = name.strip()
    if not name:
        raise InvalidInput(field, f"{field} is empty; give the profile a name such as 'prod'.")
    if len(name) > 120 or not re.fullmatch(r"[\w.@-]+", name):
        raise InvalidInput(
            field,
            f"{field} {name!r} is not usable; use up to 120 letters, digits, '.', '-' or '_'.",
        )
    return name


def check_db_url(url: str) -> URL:
    """Parse a DB profile URL and refuse one that carries a literal secret (a password in the
    user-info or any credential query parameter); references such as env:VAR are kept."""
    try:
        parsed = make_url(url.strip())
    except ArgumentError:
        # The text is not echoed: a URL that does not parse may still hold a secret.
        raise InvalidInput(
            "url",
            "the URL is not a SQLAlchemy URL; write it like "
            "postgresql+psycopg://user@host/db or sqlite:////path/file.db.",
        ) from None
    refuse_literal_secrets(parsed, "url", "the URL")
    return parsed


def resolve_db_url(url: str) -> URL:
    """The profile URL with its password reference replaced by the secret, for connecting."""
    return resolve_secret(make_url(url), "url")


def _refuse_taken(
    session: Session, table: type[DbProfile] | type[LlmProfile], name: str, label: str
) -> None:
    """Conflict when a profile's name folds to `name`'s ("Shop", "shop", fullwidth "shop")."""
    taken = session.scalar(select(table.name).where(table.name_key == name_key(name)))
    if taken is not None:
        same = "" if taken == name else f" ({taken!r}, the same name in another case or form)"
        raise Conflict(
            f"{label} profile named {name!r} exists already{same}; choose another name.",
            field="name",
        )


def _flush_unique(session: Session, name: str, label: str) -> None:
    try:
        session.flush()
    except IntegrityError:  # another process added the same name since the check
        raise Conflict(
            f"{label} profile named {name!r} exists already; choose another name.", field="name"
        ) from None


def _db_info(row: DbProfile) -> DbProfileInfo:
    return DbProfileInfo(
        name=row.name,
        url=masked(row.url),
        sample_size=row.sample_size,
        owner_email=row.owner_email,
        labels=list(row.labels or []),
    )


def _llm_info(row: LlmProfile) -> LlmProfileInfo:
    return LlmProfileInfo(
        name=row.name,
        provider=row.provider,
        model=row.model,
        base_url=masked(row.base_url) if row.base_url else None,
        api_key_env=row.api_key_env,
        concurrency=row.concurrency,
        builtin=row.name == BUILTIN_LLM,
    )


class ProfileService:
    """Create, list and remove DB and LLM profiles."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        # Called with a new DB profile's name once it is stored (Core wires in the templates
        # that reach new profiles).
        self.on_db_added: Callable[[str], object] | None = None

    def add_db(
        self,
        name: str,
        url: str,
        *,
        sample_size: int = 5,
        create: bool = False,
        owner_email: str | None = None,
        labels: Sequence[str] = (),
    ) -> DbProfileInfo:
        """Add a DB profile; the URL may reference a password but never hold one.

        A SQLite target must open as a database; `create` creates missing files empty. The
        templates that reach new profiles are instantiated for it once it is stored.
        """
        name = _check_name(name, "name")
        check_db_url(url)
        if not 0 <= sample_size <= 1000:
            raise InvalidInput("sample_size", "sample size must be between 0 and 1000.")
        owner_email = _check_email(owner_email)
        kept_labels = _check_labels(labels)
        info = self._insert_db(name, url, sample_size, create, owner_email, kept_labels)
        if self.on_db_added is not None:
            self.on_db_added(name)
        return info

    def _insert_db(
        self,
        name: str,
        url: str,
        sample_size: int,
        create: bool,
        owner_email: str | None,
        labels: list[str],
    ) -> DbProfileInfo:
        from core.catalog.targets import check_target  # targets imports this module

        url = postgresql_spelled(url)
        with self.db.write() as session:
            _refuse_taken(session, DbProfile, name, "a DB")
            check_target(url, profile=name, create=create)
            row = DbProfile(
                name=name,
                url=url,
                sample_size=sample_size,
                owner_email=owner_email,
                labels=labels,
                created_at=self.clock.now(),
            )
            session.add(row)
            _flush_unique(session, name, "a DB")
            return _db_info(row)

    def set_db_url(self, name: str, url: str) -> DbProfileInfo:
        """Give a DB profile a new URL, checked like a new one's (the fix for a stored secret)."""
        url = postgresql_spelled(url)
        check_db_url(url)
        with self.db.write() as session:
            row = session.scalar(select(DbProfile).where(DbProfile.name == name))
            if row is None:
                raise NotFound(f"no DB profile named {name!r}.", field="db_profile")
            row.url = url
            session.flush()
            return _db_info(row)

    def set_llm_base_url(self, name: str, base_url: str) -> LlmProfileInfo:
        """Give an LLM profile a new base URL, checked like a new one's."""
        with self.db.write() as session:
            row = session.scalar(select(LlmProfile).where(LlmProfile.name == name))
            if row is None:
                raise NotFound(f"no LLM profile named {name!r}.", field="llm_profile")
            config = LlmProfileConfig.check(
                name=row.name,
                provider=row.provider,
                model=row.model,
                base_url=base_url,
                api_key_env=row.api_key_env,
                concurrency=row.concurrency,
            )
            row.base_url = config.base_url
            session.flush()
            return _llm_info(row)

    def list_db(self) -> list[DbProfileInfo]:
        """Every DB profile, by name."""
        with self.db.read() as session:
            return [
                _db_info(r) for r in session.scalars(select(DbProfile).order_by(DbProfile.name))
            ]

    def get_db(self, name: str) -> DbProfile:
        """The stored DB profile row, or NotFound."""
        row = None
        if "\x00" not in name:  # a NUL names no profile, and PostgreSQL refuses it in SQL
            with self.db.read() as session:
                row = session.scalar(select(DbProfile).where(DbProfile.name == name))
        if row is None:
            raise NotFound(
                f"no DB profile named {name!r}; use an existing DB profile or add it first.",
                field="db_profile",
            )
        return row

    def remove_db(self, name: str) -> None:
        """Remove a DB profile that no live schedule uses."""
        self._remove(DbProfile, "profile", name, "DB")

    def add_llm(
        self,
        name: str,
        provider: str,
        *,
        model: str | None = None,
        base_url: str | None = None,
        api_key_env: str | None = None,
        concurrency: int = 2,
    ) -> LlmProfileInfo:
        """Add an LLM profile; the key is named by an environment variable, never stored."""
        config = LlmProfileConfig.check(
            name=_check_name(name, "name"),
            provider=provider,
            model=model,
            base_url=base_url,
            api_key_env=api_key_env,
            concurrency=concurrency,
        )
        with self.db.write() as session:
            _refuse_taken(session, LlmProfile, config.name, "an LLM")
            row = LlmProfile(
                name=config.name,
                provider=config.provider,
                model=config.model,
                base_url=config.base_url,
                api_key_env=config.api_key_env,
                concurrency=config.concurrency,
                created_at=self.clock.now(),
            )
            session.add(row)
            _flush_unique(session, config.name, "an LLM")
            return _llm_info(row)

    def list_llm(self) -> list[LlmProfileInfo]:
        """Every LLM profile, by name."""
        with self.db.read() as session:
            return [
                _llm_info(r) for r in session.scalars(select(LlmProfile).order_by(LlmProfile.name))
            ]

    def get_llm(self, name: str) -> LlmProfile:
        """The stored LLM profile row, or NotFound."""
        with self.db.read() as session:
            row = session.scalar(select(LlmProfile).where(LlmProfile.name == name))
        if row is None:
            raise NotFound(
                f"no LLM profile named {name!r}; use an existing LLM profile or add it first.",
                field="llm_profile",
            )
        return row

    def remove_llm(self, name: str) -> None:
        """Remove an LLM profile that no live schedule uses; the built-in one stays."""
        if name == BUILTIN_LLM:
            raise InvalidInput("name", "the built-in heuristic profile cannot be removed.")
        self._remove(LlmProfile, "llm_profile", name, "LLM")

    def _remove(
        self,
        table: type[DbProfile] | type[LlmProfile],
        key: str,
        name: str,
        label: str,
    ) -> None:
        with self.db.write() as session:
            row = session.scalar(select(table).where(table.name == name))
            if row is None:
                raise NotFound(
                    f"no {label} profile named {name!r}.", field=f"{label.lower()}_profile"
                )
            users = _schedules_naming(session, key, name)
            if users:
                raise Conflict(
                    f"{label} profile {name!r} is used by {counted(len(users), 'schedule')} "
                    f"({some_of(users)}); delete or edit them first."
                )
            session.delete(row)


def _schedules_naming(session: Session, key: str, name: str) -> list[str]:
    """The live schedules whose scenario names profile `name` as `key` (profile, llm_profile)
    in any step, by name. Scenarios are JSON: the text finds candidates, the data decides."""
    needle = json.dumps(name)
    rows = session.execute(
        select(Schedule.name, Schedule.scenario)
        .where(Schedule.deleted_at.is_(None))
        .where(cast(Schedule.scenario, Text).contains(needle, autoescape=True))
        .order_by(Schedule.name)
    ).all()
    return [
        row.name
        for row in rows
        if any(
            step.get(key) == name
            for steps in (row.scenario or {}).values()
            if isinstance(steps, list)
            for step in steps
            if isinstance(step, dict)
        )
    ]
