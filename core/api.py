"""One handle on the core for a front end: the database and the services over it."""

from __future__ import annotations

from dataclasses import dataclass

from core.access.tokens import TokenService
from core.analysis.job import AnalysisJob
from core.analysis.review import ReviewService
from core.catalog.profiles import ProfileService
from core.catalog.scope import from_texts
from core.catalog.service import CatalogService
from core.clock import Clock, SystemClock
from core.errors import NotFound
from core.notify.mail_profiles import MailProfileService
from core.schedules.agenda_service import AgendaService
from core.schedules.runs import RunService
from core.schedules.service import ScheduleService
from core.schedules.spec import ScheduleSpec
from core.schedules.templates.service import TemplateService
from core.storage.engine import Database


@dataclass(frozen=True)
class Core:
    """The database plus the service objects every front end calls."""

    db: Database
    clock: Clock
    schedules: ScheduleService
    profiles: ProfileService
    catalog: CatalogService
    review: ReviewService
    runs: RunService
    job: AnalysisJob
    agenda: AgendaService
    templates: TemplateService

    @classmethod
    def open(cls, url: str | None = None, clock: Clock | None = None) -> Core:
        """Open (creating or migrating) the database at `url` or the configured default."""
        clock = clock or SystemClock()
        db = Database(url)
        profiles = ProfileService(db, clock)
        catalog = CatalogService(db, clock, profiles)

        def check_scope(spec: ScheduleSpec) -> None:
            try:
                catalog.check_scope(spec.db_profile, spec.database, sorted(from_texts(spec.scope)))
            except NotFound:
                return  # an unknown profile is refused, field by field, by the service itself

        schedules = ScheduleService(db, clock, scope_check=check_scope)
        review = ReviewService(db, clock)
        runs = RunService(db, clock)
        job = AnalysisJob(clock, schedules, profiles, catalog, review, runs)
        templates = TemplateService(db, clock, schedules)
        profiles.on_db_added = templates.on_profile_added
        agenda = AgendaService(db, clock)
        return cls(db, clock, schedules, profiles, catalog, review, runs, job, agenda, templates)

    @property
    def mail(self) -> MailProfileService:
        """The mail profiles (the SMTP servers reports go through)."""
        return MailProfileService(self.db, self.clock)

    @property
    def tokens(self) -> TokenService:
        """The bearer tokens of the HTTP API."""
        return TokenService(self.db, self.clock)

    def close(self) -> None:
        """Release the database connections."""
        self.db.dispose()
