"""The daemon-status bar: is anything going to fire, and when is the next fire."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from core.schedules.triggers import default_zone_name
from core.text import printable
from daemon.overview import Overview, in_words
from studio_tui.time_words import relative, zone_abbreviation


@dataclass(frozen=True)
class Firing:
    """What the bar shows: the daemon's `Overview` plus the studio's own state."""

    hook_installed: bool | None = None  # None: not known yet
    hook_detail: str = ""
    alive: bool = False
    workers: int = 0
    last_seen: datetime | None = None
    next_name: str | None = None
    next_at: datetime | None = None
    next_zone: str = "UTC"
    queued: int = 0
    embedded: bool = False
    skewed: tuple[tuple[str, float], ...] = ()  # (host, seconds off the database clock)

    @classmethod
    def of(cls, seen: Overview, *, embedded: bool) -> Firing:
        """The bar's state from an overview; `embedded` while the studio ticks by itself."""
        hook, nxt = seen.hook, seen.next
        return cls(
            hook_installed=None if hook is None else hook.installed,
            hook_detail="" if hook is None else hook.detail,
            alive=seen.alive,
            workers=len(seen.workers),
            last_seen=seen.last_seen,
            next_name=nxt.name if nxt else None,
            next_at=nxt.at if nxt else None,
            next_zone=nxt.timezone if nxt else "UTC",
            queued=seen.queued,
            embedded=embedded,
            skewed=tuple((w.host, w.clock_skew_s or 0.0) for w in seen.skewed),
        )


class StatusBar(Static):
    """One line at the top: hook, daemon liveness and the next fire window, counting down."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $foreground;
    }
    StatusBar.-warning { background: $warning 25%; }
    """

    firing: reactive[Firing] = reactive(Firing, always_update=True)
    now: reactive[datetime | None] = reactive(None)
    # Since when the database has not answered (None: it answers); the screen keeps the last
    # data it loaded meanwhile.
    lost_since: reactive[datetime | None] = reactive(None)
    # The viewer's zone: the next fire time is shown in it, as the table's are.
    zone: reactive[str] = reactive(default_zone_name)
    # The key that starts and stops ticking here, as bound now (the page sets it).
    tick_key: reactive[str] = reactive("t")

    def watch_firing(self, firing: Firing) -> None:
        self._warn()

    def watch_lost_since(self, _lost: datetime | None) -> None:
        self._warn()

    def _warn(self) -> None:
        f = self.firing
        warn = self.lost_since is not None or self._nothing_fires(f) or bool(f.skewed)
        self.set_class(warn, "-warning")

    def _nothing_fires(self, f: Firing) -> bool:
        return bool(f.queued) and not f.alive and not f.embedded and f.hook_installed is not None

    def render(self) -> Text:
        f, now, t = self.firing, self.now, self.tick_key
        if self.lost_since is not None:
            return self._render_lost(self.lost_since, now)
        if self.size.width and self.size.width < 100:
            return self._render_narrow(f, now, t)
        text = Text(no_wrap=True, overflow="ellipsis")
        if f.embedded:
            text.append("◆ ticking here", style="bold")
            text.append(f" while the studio is open ({t} stops)")
        elif f.alive:
            text.append("● daemon alive", style="bold")
            seen = in_words(int((f.last_seen - now).total_seconds())) if f.last_seen and now else ""
            workers = f"{f.workers} workers · " if f.workers > 1 else ""
            text.append(f" · {workers}seen {seen}")
            if f.skewed:
                host, off = f.skewed[0]
                more = f" +{len(f.skewed) - 1} more" if len(f.skewed) > 1 else ""
                text.append(f" · ▲ {host} clock {off:+.0f} s off{more}", style="bold")
        elif f.last_seen is not None and now is not None:
            ago = in_words(int((f.last_seen - now).total_seconds()))
            text.append("▲ daemon silent", style="bold")
            text.append(f" {ago.removesuffix(' ago')} — schedules won't fire ({t}: tick here)")
        elif f.hook_installed:
            text.append("▲ daemon installed but not running", style="bold")
        elif f.hook_installed is None:
            text.append("… checking the daemon")
        else:
            text.append("○ daemon not installed", style="bold")
            text.append(f" — schedules won't fire ({t}: tick here)")
        text.append("  │  ")
        text.append_text(self._next(f, now, room=self._room() - text.cell_len))
        return text

    def _room(self) -> int:
        return (self.size.width or 120) - 2  # the padding

    def _next(self, f: Firing, now: datetime | None, room: int) -> Text:
        """`next: Wed 08:13 WIB · in 5 h 59 m · Orders deep-dive`, the name cut to the room."""
        text = Text(no_wrap=True, overflow="ellipsis")
        if f.next_at is None or now is None:
            text.append("nothing pending", style="dim")
            return text
        local = f.next_at.astimezone(ZoneInfo(self.zone))
        text.append("next: ", style="dim")
        text.append(f"{local:%a %H:%M} {zone_abbreviation(self.zone, f.next_at)}", style="bold")
        text.append(f" · {relative(f.next_at, now, precise=True)}")
        if f.next_name:
            left = room - text.cell_len - 3
            if left >= 6:
                name = printable(f.next_name)
                name = name if len(name) <= left else name[: left - 1] + "…"
                text.append(f" · {name}", style="dim")
        return text

    def _render_lost(self, since: datetime, now: datetime | None) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("▲ database not answering", style="bold")
        if now is not None:
            lasted = in_words(-int((now - since).total_seconds()))  # "45 s ago" (or "in 0 s")
            text.append(f" for {lasted.removesuffix(' ago').removeprefix('in ')}")
        text.append(" — retrying; the table shows what was last loaded")
        return text

    def _render_narrow(self, f: Firing, now: datetime | None, t: str) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        if f.embedded:
            text.append("◆ ticking here", style="bold")
        elif f.alive:
            text.append("● daemon alive", style="bold")
            if f.skewed:
                text.append(f" ▲ clock {f.skewed[0][1]:+.0f} s", style="bold")
        elif f.last_seen is not None:
            text.append(f"▲ daemon silent ({t}: tick)", style="bold")
        elif f.hook_installed is None:
            text.append("… daemon?")
        else:
            text.append(f"○ no daemon ({t}: tick)", style="bold")
        text.append(" │ ")
        if f.next_at is not None and now is not None:
            local = f.next_at.astimezone(ZoneInfo(self.zone))
            zone = zone_abbreviation(self.zone, f.next_at)
            text.append(f"next {local:%a %H:%M} {zone}", style="bold")
            text.append(f" {relative(f.next_at, now, precise=True)}")
        else:
            text.append("nothing pending", style="dim")
        return text
