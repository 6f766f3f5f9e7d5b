"""The Templates page: the enable matrix of templates by DB profiles as a table of check cells,
`space` turning a cell on or off on a worker thread, `enter` opening the cell's instance."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from core.api import Core
from core.errors import AmxError
from core.schedules.status import RunStatus, Status
from core.schedules.templates.model import Parameter
from core.schedules.templates.service import Cell, Matrix, TemplateInfo
from studio_tui.keys import key_label
from studio_tui.literal import clipped, literal
from studio_tui.messages import DataChanged, OpenDetails

NONE = "·"
ON = "✓ on"
PAUSED = "‖ paused"
FAILING = "✗ failing"
BUSY = "… "


@dataclass(frozen=True)
class MatrixState:
    """What the page shows: the matrix, each template, and which instances are failing."""

    matrix: Matrix
    templates: dict[str, TemplateInfo]
    failing: set[int] = field(default_factory=set)


def cell_word(cell: Cell, failing: bool) -> str:
    """A cell as the matrix shows it: `✓ on`, `‖ paused`, `✗ failing` or `·` (never on)."""
    if cell.state is None:
        return NONE
    if cell.state == "off":
        return PAUSED
    return FAILING if failing or cell.status == Status.FAILED else ON


def missing_values(info: TemplateInfo, cell: Cell) -> list[Parameter]:
    """The parameters that turning `cell` on must ask for: those without a default that the
    instance holds no value of."""
    kept = cell.params or {}
    return [p for p in info.definition.parameters if p.needs_value and p.name not in kept]


class TemplatesScreen(Screen[None]):
    """The enable matrix (`T` on the Schedules page, or the palette)."""

    DEFAULT_CSS = """
    TemplatesScreen #title { height: 1; padding: 0 1; background: $panel; }
    TemplatesScreen #matrix { height: 1fr; }
    TemplatesScreen #info {
        height: 2; padding: 0 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis;
    }
    TemplatesScreen #outcome { height: auto; max-height: 3; padding: 0 1; background: $surface; }
    TemplatesScreen #outcome.-error { color: $text-error; }
    """
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back", id="templates.back"),
        Binding(
            "space",
            "toggle_cell",
            "On / off",
            tooltip="Turn the cell on or off",
            id="templates.toggle",
        ),
        Binding(
            "enter", "details", "Details", tooltip="The cell's instance", id="templates.details"
        ),
        Binding(
            "r,ctrl+r", "reload", "Reload", tooltip="Read the matrix again", id="templates.reload"
        ),
    ]

    def __init__(self, core: Core) -> None:
        super().__init__()
        self.core = core
        self.state: MatrixState | None = None
        self.busy: dict[tuple[str, str], str] = {}  # cells being toggled: what they become

    def compose(self) -> ComposeResult:
        yield Static("Templates · loading…", id="title", markup=False)
        table: DataTable[object] = DataTable(id="matrix", cursor_type="cell", fixed_columns=1)
        yield table
        yield Static("", id="info", markup=False)
        yield Static("", id="outcome", markup=False)
        yield Footer(show_command_palette=False, compact=True)

    def on_mount(self) -> None:
        self.query_one("#matrix", DataTable).focus()
        self._say(self._hint(), error=False)
        self.reload()

    def _hint(self) -> str:
        toggle = key_label(self.app, self.BINDINGS, "templates.toggle")
        details = key_label(self.app, self.BINDINGS, "templates.details")
        return f"{toggle} turns the highlighted cell on or off; {details} opens its instance."

    # -- loading ----------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the matrix again, in a worker."""
        self._load()

    def action_reload(self) -> None:
        """Read the matrix again."""
        self.reload()

    @work(
        thread=True, exclusive=True, group="templates-page", description="Load a page of templates"
    )
    def _load(self) -> None:
        try:
            templates = {info.slug: info for info in self.core.templates.all()}
            matrix = self.core.templates.matrix()
            ids = [c.schedule_id for c in matrix.cells if c.schedule_id is not None]
            last = self.core.runs.last_runs(ids)
        except AmxError as exc:
            self.app.call_from_thread(self._say, str(exc), error=True)
            return
        failing = {i for i, run in last.items() if run.status == RunStatus.FAILED}
        self.app.call_from_thread(self.show, MatrixState(matrix, templates, failing))

    def show(self, state: MatrixState) -> None:
        """Draw `state`, keeping the highlighted cell."""
        self.state = state
        words = [self._word(c) for c in state.matrix.cells]
        counts = [(words.count(w), w.split()[-1]) for w in (ON, PAUSED, FAILING)]
        said = ", ".join(f"{n} {w}" for n, w in counts if n)
        t, p = len(state.matrix.templates), len(state.matrix.profiles)
        self.query_one("#title", Static).update(
            Text.assemble(
                ("Templates", "bold"),
                f" · {t} template{'s' * (t != 1)} by {p} DB profile{'s' * (p != 1)}"
                + (f" · {said}" if said else ""),
            )
        )
        self._draw()

    def _word(self, cell: Cell) -> str:
        assert self.state is not None
        return cell_word(cell, cell.schedule_id in self.state.failing)

    def _draw(self) -> None:
        assert self.state is not None
        table: DataTable[object] = self.query_one("#matrix", DataTable)
        keep = table.cursor_coordinate
        matrix = self.state.matrix
        name_w = min(max((len(s) for s in matrix.templates), default=8), 22)
        table.clear(columns=True)
        table.add_column("Template", key="", width=name_w)
        for profile in matrix.profiles:
            table.add_column(clipped(profile, 12), key=profile, width=max(min(len(profile), 12), 9))
        colors = {
            ON: self._color("status-completed"),
            PAUSED: self._color("status-paused"),
            FAILING: self._color("status-failed"),
        }
        for slug in matrix.templates:
            cells: list[object] = [clipped(slug, name_w, "bold")]
            for profile in matrix.profiles:
                becoming = self.busy.get((slug, profile))
                if becoming is not None:
                    cells.append(Text(BUSY + becoming))
                    continue
                word = self._word(matrix.cell(slug, profile))
                cells.append(Text(word, style=colors.get(word, "")))
            table.add_row(*cells, key=slug)
        if table.row_count:
            row = min(keep.row, table.row_count - 1)
            column = min(max(keep.column, 1 if matrix.profiles else 0), len(matrix.profiles))
            table.move_cursor(row=row, column=column)
        self._describe()

    def _color(self, variable: str) -> str:
        return self.app.theme_variables.get(variable, "")

    def highlighted(self) -> tuple[str, str | None] | None:
        """The template and DB profile under the cursor (no profile on the name column)."""
        if self.state is None or not self.state.matrix.templates:
            return None
        coordinate = self.query_one("#matrix", DataTable).cursor_coordinate
        matrix = self.state.matrix
        if coordinate.row >= len(matrix.templates):
            return None
        slug = matrix.templates[coordinate.row]
        column = coordinate.column - 1
        profile = matrix.profiles[column] if 0 <= column < len(matrix.profiles) else None
        return slug, profile

    @on(DataTable.CellHighlighted, "#matrix")
    def _describe(self) -> None:
        spot = self.highlighted()
        info_box = self.query_one("#info", Static)
        if spot is None or self.state is None:
            info_box.update("")
            return
        slug, profile = spot
        info = self.state.templates.get(slug)
        text = Text(no_wrap=True, overflow="ellipsis")
        if info is not None:
            text.append(literal(info.definition.name, "bold"))
            if info.definition.description:
                text.append(" — ")
                text.append(literal(info.definition.description))
        text.append("\n")
        if not self.state.matrix.profiles:
            text.append("no DB profile yet: add one with `amx profile db add NAME URL`")
        elif profile is None:
            text.append("move right to a DB profile's cell")
        else:
            cell = self.state.matrix.cell(slug, profile)
            text.append(literal(profile, "bold"))
            if cell.schedule_id is None:
                text.append(": no instance yet")
            else:
                text.append(f": {self._word(cell)} · schedule {cell.schedule_id}")
                if cell.status is not None:
                    text.append(f" · {cell.status.label}")
                values = ", ".join(f"{k}={v}" for k, v in (cell.params or {}).items())
                if values:
                    text.append(" · ")
                    text.append(literal(values))
        info_box.update(text)

    # -- toggling ---------------------------------------------------------------------------

    def action_toggle_cell(self) -> None:
        """Turn the highlighted cell off when it is on, else on (asking for the values it
        needs first)."""
        spot = self.highlighted()
        if spot is None or self.state is None:
            return
        slug, profile = spot
        if not self.state.matrix.profiles:
            self._say("There is no DB profile to turn a template on for yet.", error=False)
            return
        if profile is None:
            self._say("Move right to a DB profile's cell to turn it on or off.", error=False)
            return
        if (slug, profile) in self.busy:
            return
        cell = self.state.matrix.cell(slug, profile)
        if cell.state == "on":
            self._start(slug, profile, None, "off")
            return
        info = self.state.templates.get(slug)
        needed = missing_values(info, cell) if info is not None else []
        if not needed:  # a paused instance keeps its own values
            self._start(slug, profile, {}, "on")
            return
        from studio_tui.screens.template_params import TemplateParamsScreen

        def answered(done: Cell | None) -> None:
            if done is None:
                self._say(f"Left {slug} for {profile} as it was.", error=False)
                return
            self._toggled(slug, profile, done, None)

        assert info is not None
        others = [p for p in info.definition.parameters if p not in needed]
        self.app.push_screen(
            TemplateParamsScreen(self.core, slug, profile, needed, others), answered
        )

    def _start(self, slug: str, profile: str, params: dict[str, Any] | None, to: str) -> None:
        self.busy[(slug, profile)] = to
        self._say(f"Turning {slug} {to} for {profile}…", error=False)
        if self.state is not None:
            self._draw()
        self._toggle(slug, profile, params)

    @work(thread=True, group="template-toggle", description="Switch a template")
    def _toggle(self, slug: str, profile: str, params: dict[str, Any] | None) -> None:
        try:
            if params is None:
                cell = self.core.templates.disable(slug, profile)
            else:
                cell = self.core.templates.enable(slug, profile, params)
        except AmxError as exc:
            self.app.call_from_thread(self._toggled, slug, profile, None, str(exc))
            return
        self.app.call_from_thread(self._toggled, slug, profile, cell, None)

    def _toggled(self, slug: str, profile: str, cell: Cell | None, error: str | None) -> None:
        self.busy.pop((slug, profile), None)
        if cell is None:
            self._say(f"Could not change {slug} for {profile}: {error}", error=True)
        elif cell.state == "on":
            self._say(f"Turned {slug} on for {profile} (schedule {cell.schedule_id}).", error=False)
        else:
            self._say(f"Turned {slug} off for {profile}: its instance is paused.", error=False)
        # The Schedules page lists the instances too: every screen showing data reads again.
        self.post_message(DataChanged())

    def _say(self, sentence: str, *, error: bool) -> None:
        box = self.query_one("#outcome", Static)
        box.update(literal(sentence, multiline=True))
        box.set_class(error, "-error")

    # -- details ----------------------------------------------------------------------------

    def action_details(self) -> None:
        """Open the highlighted cell's instance: its configuration, runs and log."""
        spot = self.highlighted()
        if spot is None or self.state is None:
            return
        slug, profile = spot
        if profile is None:
            return
        cell = self.state.matrix.cell(slug, profile)
        if cell.schedule_id is None:
            toggle = key_label(self.app, self.BINDINGS, "templates.toggle")
            self._say(
                f"{slug} has no instance for {profile} yet; {toggle} turns it on.", error=False
            )
            return
        self.post_message(OpenDetails(cell.schedule_id))

    @on(DataTable.CellSelected, "#matrix")
    def _selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        self.action_details()

    def cursor_at(self, slug: str, profile: str) -> None:
        """Put the cursor on a template's cell for a DB profile."""
        assert self.state is not None
        row = self.state.matrix.templates.index(slug)
        column = self.state.matrix.profiles.index(profile) + 1
        self.query_one("#matrix", DataTable).cursor_coordinate = Coordinate(row, column)


__all__ = ["TemplatesScreen", "cell_word", "missing_values"]
