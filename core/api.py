"""One handle on the core for a front end: the database and the services over it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from core.clock import Clock, SystemClock
from core.storage.engine import Database

if TYPE_CHECKING:
    from core.access.tokens import TokenService
    from core.analysis.job import AnalysisJob
    from core.analysis.review import ReviewService
    from core.catalog.profiles import ProfileService
    from core.catalog.service import CatalogService
    from core.notify.mail_profiles import MailProfileService
    from core.schedules.agenda_service import AgendaService
    from core.schedules.runs import RunService
    from core.schedules.service import ScheduleService
    from core.schedules.spec import ScheduleSpec
    from core.schedules.templates.service import TemplateService

S = TypeVar("S")


class lazy_service(Generic[S]):
    """A service made on first use and kept: the studio's worker threads may ask for it at
    once, so it is made under the core's lock and only once."""

    def __init__(self, make: Callable[[Any], S]) -> None:
        self.make = make
        self.__doc__ = make.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, core: None, owner: type) -> lazy_service[S]: ...
    @overload
    def __get__(self, core: object, owner: type) -> S: ...
    def __get__(self, core: object | None, owner: type) -> S | lazy_service[S]:
        if core is None:
            return self
        made: dict[str, Any] = core.__dict__
        if self.name not in made:
            with made["_lock"]:
                if self.name not in made:
                    made[self.name] = self.make(core)
        found: S = made[self.name]
        return found


class Core:
    """The database plus the service objects every front end calls.

    Each service is made, and its module loaded, on first use: a command that lists schedules
    loads none of the analysis, the templates or the catalog."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._lock = threading.RLock()  # services that need others are made under it too

    @classmethod
    def open(cls, url: str | None = None, clock: Clock | None = None) -> Core:
        """Open (creating or migrating) the database at `url` or the configured default."""
        return cls(Database(url), clock or SystemClock())

    @lazy_service
    def schedules(self) -> ScheduleService:
        """Schedules: create, edit, list, pause, run now, missed detection."""
        from core.schedules.service import ScheduleService

        return ScheduleService(self.db, self.clock, scope_check=self._check_scope)

    def _check_scope(self, spec: ScheduleSpec) -> None:
        from core.catalog.scope import from_texts
        from core.errors import NotFound

        try:
            self.catalog.check_scope(spec.db_profile, spec.database, sorted(from_texts(spec.scope)))
        except NotFound:
            return  # an unknown profile is refused, field by field, by the service itself

    @lazy_service
    def profiles(self) -> ProfileService:
        """DB and LLM profiles."""
        from core.catalog.profiles import ProfileService

        profiles = ProfileService(self.db, self.clock)
        profiles.on_db_added = self._db_profile_added
        return profiles

    def _db_profile_added(self, name: str) -> object:
        return self.templates.on_profile_added(name)

    @lazy_service
    def catalog(self) -> CatalogService:
        """What the DB profiles hold, and its cache."""
        from core.catalog.service import CatalogService

        return CatalogService(self.db, self.clock, self.profiles)

    @lazy_service
    def review(self) -> ReviewService:
        """The review queue and the applied annotations."""
        from core.analysis.review import ReviewService

        return ReviewService(self.db, self.clock)

    @lazy_service
    def runs(self) -> RunService:
        """Runs, their step runs and their logs."""
        from core.schedules.runs import RunService

        return RunService(self.db, self.clock)

    @lazy_service
    def job(self) -> AnalysisJob:
        """The analysis of a scope by an LLM profile."""
        from core.analysis.job import AnalysisJob

        return AnalysisJob(
            self.clock, self.schedules, self.profiles, self.catalog, self.review, self.runs
        )

    @lazy_service
    def agenda(self) -> AgendaService:
        """Every fire of the coming days."""
        from core.schedules.agenda_service import AgendaService

        return AgendaService(self.db, self.clock)

    @lazy_service
    def templates(self) -> TemplateService:
        """Scenario templates and the enable matrix."""
        from core.schedules.templates.service import TemplateService

        return TemplateService(self.db, self.clock, self.schedules)

    @property
    def mail(self) -> MailProfileService:
        """The mail profiles (the SMTP servers reports go through)."""
        from core.notify.mail_profiles import MailProfileService

        return MailProfileService(self.db, self.clock)

    @property
    def tokens(self) -> TokenService:
        """The bearer tokens of the HTTP API."""
        from core.access.tokens import TokenService

        return TokenService(self.db, self.clock)

    def close(self) -> None:
        """Release the database connections."""
        self.db.dispose()
