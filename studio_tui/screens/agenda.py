"""The Agenda: every fire of the next days across all schedules, by day in the viewer's zone,
with clashes on a DB profile and clock changes marked; enter opens a fire's schedule."""

from __future__ import annotations

from typing import cast
from zoneinfo import ZoneInfo

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from core.api import Core
from core.choices import DEFAULT_DAYS
from core.errors import AmxError
from core.schedules.agenda import Agenda, AgendaLine
from core.schedules.triggers import default_zone_name
from studio_tui.agenda_text import LineText, day_title, line_text, summary
from studio_tui.keys import key_label
from studio_tui.messages import OpenDetails
from studio_tui.render import clip
from studio_tui.shell import Studio

# Narrower than this, the rule column gives its room to the name.
RULE_AT = 70


class AgendaList(OptionList, inherit_bindings=False):
    """The agenda's lines: the list's cursor keys, vi-style too; enter is the screen's, so the
    footer shows it."""

    BINDINGS = [
        Binding("down,j", "cursor_down", "Down", show=False, id="agenda.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="agenda.up"),
        Binding("home,g", "first", "First", show=False, id="agenda.first"),
        Binding("end,G", "last", "Last", show=False, id="agenda.last"),
        Binding("pagedown", "page_down", "Page down", show=False, id="agenda.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="agenda.page_up"),
    ]


class AgendaScreen(Screen[None]):
    """The coming days' fires (`a` on the Schedules page, or the palette)."""

    DEFAULT_CSS = """
    AgendaScreen #title { height: 1; padding: 0 1; background: $panel; }
    AgendaScreen #agenda {
        height: 1fr; max-height: 100%; border: none; padding: 0; background: $background;
    }
    AgendaScreen #agenda:focus { border: none; background-tint: $foreground 0%; }
    AgendaScreen #agenda > .option-list--option-disabled { color: $foreground; }
    AgendaScreen #detail {
        height: auto; max-height: 5; padding: 0 1; background: $surface; color: $text;
    }
    AgendaScreen #empty {
        display: none; height: 1fr; content-align: center middle; color: $text-muted;
    }
    AgendaScreen.-empty #empty { display: block; }
    AgendaScreen.-empty #agenda { display: none; }
    """
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back", id="agenda.back"),
        Binding("enter", "open", "Details", id="agenda.open"),
        Binding("r", "reload", "Refresh", id="agenda.reload"),
    ]

    def __init__(self, core: Core, *, zone_name: str | None = None, days: int = DEFAULT_DAYS):
        super().__init__()
        self.core = core
        self.zone_name = zone_name or default_zone_name()
        self.days = days
        self.agenda: Agenda | None = None
        self.lines: dict[str, AgendaLine] = {}

    @property
    def studio(self) -> Studio:
        return cast("Studio", self.app)

    def compose(self) -> ComposeResult:
        yield Static(f"Agenda · loading the next {self.days} days…", id="title", markup=False)
        yield AgendaList(id="agenda")
        yield Static("", id="empty", markup=False)
        yield Static("", id="detail", markup=False)
        yield Footer(show_command_palette=False, compact=True)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.action_reload()
        self.set_interval(self.studio.refresh_every, self.action_reload)

    # -- loading ----------------------------------------------------------------------------

    def action_reload(self) -> None:
        """Read the agenda again, in a worker."""
        self._load()

    @work(thread=True, exclusive=True, group="agenda", description="Load the agenda")
    def _load(self) -> None:
        try:
            agenda = self.core.agenda.upcoming(self.zone_name, self.days)
        except AmxError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self.show, agenda)

    def show(self, agenda: Agenda) -> None:
        """Draw `agenda`, keeping the highlighted fire where it still is."""
        self.agenda = agenda
        self.query_one("#title", Static).update(
            Content.assemble(("Agenda", "bold"), " · ", summary(agenda, self.days))
        )
        self.set_class(agenda.empty, "-empty")
        self.query_one("#empty", Static).update(self.empty_text(agenda))
        self._draw()

    def empty_text(self, agenda: Agenda) -> str:
        """What an empty agenda says, naming the keys bound now."""
        from studio_tui.screens.schedules import SchedulesScreen

        back = key_label(self.app, self.BINDINGS, "agenda.back")
        new = key_label(self.app, SchedulesScreen.BINDINGS, "schedules.new")
        return (
            f"Nothing fires in the next {self.days} days ({agenda.zone}). Press {back}, then "
            f"{new} to add a schedule, or resume a paused one."
        )

    def on_resize(self) -> None:
        if self.agenda is not None:
            self._draw()

    def _draw(self) -> None:
        agenda = self.agenda
        assert agenda is not None
        listing = self.query_one(OptionList)
        keep = listing.highlighted_option.id if listing.highlighted_option else None
        viewer = ZoneInfo(agenda.zone)
        today = agenda.start.astimezone(viewer).date()
        width = max(self.size.width - 2, 40)
        texts = {
            day.day: [(x, line_text(x, viewer, agenda.names)) for x in day.lines]
            for day in agenda.days
        }
        every = [t for found in texts.values() for _x, t in found]
        when_w = max((len(t.when) for t in every), default=5)
        rule_w = min(max((len(t.what) for t in every), default=0), 26) if width >= RULE_AT else 0
        name_w = min(max((len(t.name) for t in every), default=8), 32, width - when_w - 8)
        options: list[Option] = []
        self.lines = {}
        for day in agenda.days:
            title = day_title(day.day, today)
            head = Content.assemble((title, "bold"))
            if day.note:
                head = Content.assemble(head, " · ", (day.note, "$warning"))
            options.append(Option(head, disabled=True))
            if not texts[day.day]:
                options.append(
                    Option(Content.styled("   nothing fires", "$text-muted"), disabled=True)
                )
            for n, (line, text) in enumerate(texts[day.day]):
                key = f"{day.day.isoformat()}:{n}"
                self.lines[key] = line
                options.append(Option(self._row(text, when_w, name_w, rule_w, width), id=key))
        for note in agenda.dst_notes:
            if note is agenda.dst_notes[0]:
                options.append(Option(Content.styled("Clock changes", "bold"), disabled=True))
            sentence = Content.assemble(" ", (note.name, "bold"), f": {note.text}")
            options.append(Option(sentence, disabled=True))
        listing.set_options(options)
        target = keep if keep in self.lines else next(iter(self.lines), None)
        if target is not None:
            listing.highlighted = listing.get_option_index(target)
        self._detail()

    @staticmethod
    def _row(text: LineText, when_w: int, name_w: int, rule_w: int, width: int) -> Content:
        muted = "$text-muted" if text.paused else ""
        sign, sign_style = ("!", "bold $warning") if text.clash else (" ", "")
        parts: list[tuple[str, str]] = [
            (f" {text.when.ljust(when_w)} ", muted),
            (sign, sign_style),
            (f" {clip(text.name, name_w).ljust(name_w)}", f"bold {muted}".strip()),
        ]
        used = sum(len(p) for p, _ in parts)
        short = " · ".join(text.short_marks)
        if rule_w:
            # Where the marks' short words would be cut, the rule's padding, then its end, give
            # way to them: "paused" is never cut.
            rule = clip(text.what, rule_w)
            over = (used + 2 + rule_w + 2 + len(short) - width) if short else 0
            pad = rule_w - len(rule) - max(over, 0)
            if pad < 0:
                rule = clip(text.what, max(len(rule) + pad, 0))
            parts.append((f"  {rule}{' ' * max(pad, 0)}", "$text-muted"))
            used += 2 + len(rule) + max(pad, 0)
        room = width - used - 2
        marks = " · ".join(text.marks)
        if len(marks) > room:
            marks = short
        if marks and room > 3:
            style = "$warning" if text.clash or text.dst else "$text-muted"
            parts.append((f"  {clip(marks, room)}", style))
        return Content.assemble(*parts)

    # -- the highlighted fire ---------------------------------------------------------------

    @on(OptionList.OptionHighlighted)
    def _highlighted(self) -> None:
        self._detail()

    def _detail(self) -> None:
        line = self.current()
        box = self.query_one("#detail", Static)
        if line is None or self.agenda is None:
            box.update("")
            return
        viewer = ZoneInfo(self.agenda.zone)
        text = line_text(line, viewer, self.agenda.names)
        rule = line.rule if line.after is not None else f"{text.what} in {line.timezone}"
        found = [f"{line.name} · {rule} · DB profile {line.db_profile}"]
        if line.after is not None:
            found.append("It has no time of its own: each success of that schedule runs it once.")
        if line.paused and line.after is not None:
            found.append("Paused, or after a paused schedule: it runs only once both are live.")
        elif line.paused:
            found.append("Paused: it fires only if resumed.")
        if text.clash:
            found.append(
                f"Clash: {', '.join(self._clash_names(line))} on the same profile at once."
            )
        if line.dst:
            found.append(f"DST: {line.dst}.")
        box.update("\n".join(found))

    def _clash_names(self, line: AgendaLine) -> list[str]:
        names = self.agenda.names if self.agenda else {}
        return [repr(names.get(i, f"#{i}")) for i in line.clashes_with]

    def current(self) -> AgendaLine | None:
        """The highlighted fire, if any."""
        listing = self.query_one(OptionList)
        option = listing.highlighted_option
        return self.lines.get(option.id) if option and option.id else None

    # -- keys -------------------------------------------------------------------------------

    def action_open(self) -> None:
        """The highlighted fire's schedule: its configuration and runs."""
        line = self.current()
        if line is not None:
            self.post_message(OpenDetails(line.schedule_id))

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open()
