"""The Catalog cache page: each DB profile's cached catalog and its age, the schedules that
refresh catalogs, and Refresh now for the highlighted profile (read on a worker thread)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from core.api import Core
from core.errors import AmxError
from core.schedules.service import ListQuery
from core.schedules.views import ScheduleInfo
from core.text import counted, printable
from studio_tui import render
from studio_tui.keys import key_label
from studio_tui.literal import clipped, literal
from studio_tui.time_words import relative


@dataclass(frozen=True)
class CacheState:
    """What the page shows: every profile's cache age and the catalog-refresh schedules."""

    ages: dict[str, datetime | None]
    schedules: list[ScheduleInfo]
    now: datetime


def refresh_words(counts: dict[str, int]) -> str:
    """What a refresh read, in a few words: `2 schemas, 9 tables, 41 columns`."""
    return ", ".join(
        counted(counts.get(key, 0), key.removesuffix("s"))
        for key in ("schemas", "tables", "columns")
    )


def age_words(at: datetime | None, now: datetime) -> str:
    """How old a cached catalog is: `never`, `just now`, `3 h ago`."""
    if at is None:
        return "never"
    if (now - at).total_seconds() < 5:
        return "just now"
    return relative(at, now)


class CatalogCacheScreen(Screen[None]):
    """DB profiles' catalog caches (`c` on the Schedules page, or the palette)."""

    DEFAULT_CSS = """
    CatalogCacheScreen #title { height: 1; padding: 0 1; background: $panel; }
    CatalogCacheScreen #profiles { height: auto; max-height: 50%; }
    CatalogCacheScreen #schedules-title {
        height: 1; padding: 0 1; margin-top: 1; background: $panel;
    }
    CatalogCacheScreen #schedules { height: 1fr; }
    CatalogCacheScreen #outcome { height: auto; max-height: 4; padding: 0 1; background: $surface; }
    CatalogCacheScreen #outcome.-error { color: $text-error; }
    """
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back", id="cache.back"),
        Binding("r", "refresh_now", "Refresh now", id="cache.refresh"),
        Binding(
            "l", "reload", "Reload", show=False, tooltip="Read the page again", id="cache.reload"
        ),
    ]

    def __init__(self, core: Core) -> None:
        super().__init__()
        self.core = core
        self.state: CacheState | None = None
        # What each profile's refresh here is doing or did: words, and whether it failed.
        self.outcomes: dict[str, tuple[str, bool]] = {}

    def compose(self) -> ComposeResult:
        yield Static("Catalog cache · loading…", id="title", markup=False)
        profiles: DataTable[object] = DataTable(id="profiles", cursor_type="row")
        yield profiles
        yield Static("Refresh schedules", id="schedules-title", markup=False)
        yield DataTable(id="schedules", cursor_type="row", zebra_stripes=True)
        yield Static("", id="outcome")
        yield Footer(show_command_palette=False, compact=True)

    def on_mount(self) -> None:
        self.query_one("#profiles", DataTable).focus()
        self._say(self._hint(), error=False)
        self.reload()

    def _hint(self) -> str:
        refresh = key_label(self.app, self.BINDINGS, "cache.refresh")
        return f"{refresh} re-reads the highlighted profile's catalog into the cache."

    # -- loading ----------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the ages and the refresh schedules again, in a worker."""
        self._load()

    def action_reload(self) -> None:
        """Read the page again."""
        self.reload()

    @work(
        thread=True,
        exclusive=True,
        group="cache-page",
        description="Load a page of the catalog cache",
    )
    def _load(self) -> None:
        try:
            ages = self.core.catalog.cache_ages()
            page = self.core.schedules.list(ListQuery(kind="cache_refresh", sort="name"))
        except AmxError as exc:
            self.app.call_from_thread(self._say, str(exc), error=True)
            return
        state = CacheState(ages, page.items, self.core.clock.now())
        self.app.call_from_thread(self.show, state)

    def show(self, state: CacheState) -> None:
        """Draw `state`, keeping the highlighted profile."""
        self.state = state
        never = sum(1 for at in state.ages.values() if at is None)
        count = len(state.ages)
        plans = len(state.schedules)
        self.query_one("#title", Static).update(
            Text.assemble(
                ("Catalog cache", "bold"),
                f" · {count} DB profile{'s' * (count != 1)}"
                + (f", {never} never read" if never else "")
                + f" · {plans} refresh schedule{'s' * (plans != 1)}",
            )
        )
        self._draw_profiles()
        self._draw_schedules()

    def on_resize(self) -> None:
        if self.state is not None:
            self._draw_profiles()
            self._draw_schedules()

    def _refreshers(self, profile: str) -> list[ScheduleInfo]:
        assert self.state is not None
        return [
            s
            for s in self.state.schedules
            if profile in {getattr(p, "profile", "") for p in s.steps}
        ]

    def _draw_profiles(self) -> None:
        assert self.state is not None
        table: DataTable[object] = self.query_one("#profiles", DataTable)
        keep = self.highlighted_profile()
        width = max(self.size.width or self.app.size.width, 60)
        cached_w = 14 if width >= 100 else 10
        name_w = 16 if width >= 100 else 12
        by_w = 24 if width >= 100 else 14
        outcome_w = max(12, width - name_w - cached_w - by_w - 8 - 2)
        table.clear(columns=True)
        table.add_column("DB profile", key="profile", width=name_w)
        table.add_column("Cached", key="cached", width=cached_w)
        table.add_column("Refreshed by", key="by", width=by_w)
        table.add_column("Refresh here", key="outcome", width=outcome_w)
        for profile, at in self.state.ages.items():
            cached = age_words(at, self.state.now)
            names = ", ".join(s.name for s in self._refreshers(profile)) or "—"
            words, failed = self.outcomes.get(profile, ("", False))
            outcome = clipped(words or "—", outcome_w)
            if failed:
                outcome.stylize(f"bold {self.app.theme_variables.get('text-error', 'red')}")
            table.add_row(
                clipped(profile, name_w),
                Text(cached),
                clipped(names, by_w),
                outcome,
                key=profile,
            )
        if keep in self.state.ages:
            table.move_cursor(row=list(self.state.ages).index(keep), scroll=False)

    def _draw_schedules(self) -> None:
        assert self.state is not None
        table: DataTable[object] = self.query_one("#schedules", DataTable)
        width = max(self.size.width or self.app.size.width, 60)
        wide = width >= 100
        table.clear(columns=True)
        fire_w = max((len(s.timezone) for s in self.state.schedules), default=3) + 17
        fire_w = min(fire_w, 36) if wide else 16
        rule_w = 16 if wide else 0
        status_w = 9
        name_w = max(12, width - fire_w - rule_w - status_w - 14 - 2 * (4 if wide else 3) - 2)
        table.add_column("Name", key="name", width=name_w)
        table.add_column("Profiles", key="profiles", width=14)
        if wide:
            table.add_column("Rule", key="rule", width=rule_w)
        table.add_column("Next fire", key="fire", width=fire_w)
        table.add_column("Status", key="status", width=status_w)
        for s in self.state.schedules:
            profiles = ", ".join(dict.fromkeys(getattr(p, "profile", "") for p in s.steps))
            fire = render.local_time(s.next_fire_at, s.timezone, with_zone=wide)
            cells: list[object] = [clipped(s.name, name_w), clipped(profiles, 14)]
            if wide:
                cells.append(clipped(s.rule, rule_w))
            cells += [clipped(fire, fire_w), Text(s.status.capitalize())]
            table.add_row(*cells, key=str(s.id))
        self.query_one("#schedules-title", Static).update(
            "Refresh schedules" if self.state.schedules else "Refresh schedules: none yet"
        )
        # An empty table would only repeat the title's "none yet" under its column names.
        table.display = bool(self.state.schedules)

    def highlighted_profile(self) -> str | None:
        """The DB profile under the cursor, if any."""
        table: DataTable[object] = self.query_one("#profiles", DataTable)
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:  # the cursor sits outside a table that just shrank
            return None
        return str(key.value) if key.value is not None else None

    # -- refresh now ------------------------------------------------------------------------

    def action_refresh_now(self) -> None:
        """Re-read the highlighted profile's catalog into the cache, on a worker thread."""
        profile = self.highlighted_profile()
        if profile is None:
            return
        if self.outcomes.get(profile, ("", False))[0] == "refreshing…":
            return
        self.outcomes[profile] = ("refreshing…", False)
        self._say(f"Refreshing the catalog of {printable(profile)!r}…", error=False)
        if self.state is not None:
            self._draw_profiles()
        self._refresh(profile)

    @work(thread=True, group="cache-refresh", description="Refresh the catalog")
    def _refresh(self, profile: str) -> None:
        try:
            counts = self.core.catalog.refresh(profile)
        except AmxError as exc:
            self.app.call_from_thread(self._refreshed, profile, str(exc), True)
            return
        except Exception as exc:  # a driver's own error, shown as it said it
            self.app.call_from_thread(
                self._refreshed, profile, f"{type(exc).__name__}: {exc}", True
            )
            return
        self.app.call_from_thread(self._refreshed, profile, refresh_words(counts), False)

    def _refreshed(self, profile: str, words: str, failed: bool) -> None:
        self.outcomes[profile] = (("failed: " if failed else "read ") + words, failed)
        if failed:
            self._say(f"Could not refresh {profile!r}: {words}", error=True)
        else:
            self._say(f"Refreshed {profile!r}: {words}.", error=False)
        self.reload()

    def _say(self, sentence: str, *, error: bool) -> None:
        box = self.query_one("#outcome", Static)
        box.update(literal(sentence, multiline=True))
        box.set_class(error, "-error")

    @on(DataTable.RowSelected, "#profiles")
    def _selected(self) -> None:
        self.action_refresh_now()


__all__ = ["CatalogCacheScreen"]
