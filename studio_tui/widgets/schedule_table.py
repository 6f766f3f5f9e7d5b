"""The schedule table: one keyed row per schedule, updated in place as data changes.

Columns follow the terminal's width: every column the page specifies stays at 80 columns
(abbreviated), the name takes what the others leave, and a wide terminal adds the last run's
age, the rule, and the steps when some schedule runs more than one (in place of the LLM and
review columns below 150 columns; at 80 columns the details say them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from core.schedules.scenario.model import steps_summary
from core.schedules.status import can
from core.schedules.views import RunInfo, ScheduleInfo
from studio_tui.literal import clipped
from studio_tui.render import waits_on
from studio_tui.time_words import local_clock, relative, zone_abbreviation
from studio_tui.widgets.one_line_cell import one_line

WIDE = 110
RULE_FROM = 150  # the Rule column joins at this width
NAME_MIN = 12
STEPS_WIDTH = 25  # "analyze → export_docs, +2"
PAD = 2  # DataTable's cell padding, both sides together
# The sort each column header stands for.
SORT_OF_COLUMN = {"name": "name", "fire": "next_fire_at", "status": "status"}
# A run's outcome in the Last run column.
RUN_WORDS = {"succeeded": "ok", "failed": "failed", "missed": "missed", "cancelled": "cancelled"}


def actions_for(info: ScheduleInfo) -> list[str]:
    """The actions this row offers, in display order."""
    found = []
    if can("edit", info.status):
        found.append("edit")
    if can("pause", info.status):
        found.append("pause")
    elif can("resume", info.status):
        found.append("resume")
    if can("run_now", info.status):
        found.append("run_now")
    if can("skip", info.status):
        found.append("skip")
    if info.status == "running":  # other states stop with pause or delete
        found.append("cancel")
    if can("delete", info.status):
        found.append("delete")
    return found


def fire_text(info: ScheduleInfo, wide: bool) -> str:
    """Next fire time in the schedule's own zone, with the zone's abbreviation."""
    if info.next_fire_at is None:
        return "—"
    local = info.next_fire_at.astimezone(ZoneInfo(info.timezone))
    zone = local.strftime("%Z") or info.timezone
    return f"{local:%a %d %b %H:%M} {zone}" if wide else f"{local:%a %H:%M} {zone}"


# Each row action's key until the page hands in the keys its bindings have now.
DEFAULT_KEYS = {
    "edit": "e",
    "pause": "p",
    "resume": "p",
    "run_now": "r",
    "skip": "m",
    "cancel": "x",
    "delete": "d",
}


def action_keys(actions: list[str], keys: dict[str, str] | None = None) -> str:
    """The row's actions as the keys that run them: e p r d."""
    keys = keys or DEFAULT_KEYS
    return " ".join(keys.get(a, "?") for a in actions)


def last_run_text(run: RunInfo | None, now: datetime) -> str:
    """`failed 3 m ago`, `ok 2 d ago`, `running`, or `—` before the first run."""
    if run is None:
        return "—"
    if run.status == "running":
        return "running"
    at = run.finished_at or run.started_at or run.scheduled_for
    return f"{RUN_WORDS.get(run.status, run.status)} {relative(at, now)}"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int


@dataclass
class View:
    """How the table shows times and order: the viewer's zone (or each schedule's own), the
    sort it marks in the headers, and the time the relative words count from."""

    viewer_zone: str = "UTC"
    own_zone: bool = False
    sort: str = "next_fire_at"
    descending: bool = False
    now: datetime | None = None


class ScheduleTable(DataTable[object]):
    """Schedules with their fire time, scope, status, last run, profile, review and actions."""

    class ActionsClicked(Message):
        """The Actions cell of a row was clicked."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    DEFAULT_CSS = """
    ScheduleTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("down,j", "cursor_down", "Next row", show=False, id="table.down"),
        Binding("up,k", "cursor_up", "Previous row", show=False, id="table.up"),
        Binding("home,g", "first_row", "First row", show=False, id="table.first"),
        Binding("end,G", "last_row", "Last row", show=False, id="table.last"),
        Binding("enter", "select_cursor", "Details", show=False, id="table.open"),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.view = View()
        self.layout_shown: tuple[Column, ...] = ()
        self._rows: dict[str, tuple[object, ...]] = {}
        self._order: list[str] = []
        self.items: dict[str, ScheduleInfo] = {}
        self.action_key_labels: dict[str, str] = dict(DEFAULT_KEYS)
        self._progress: dict[int, tuple[int, int]] = {}
        self._last: dict[int, RunInfo] = {}

    @property
    def several_steps(self) -> bool:
        """Whether a schedule shown runs more than one step (else a Steps column says nothing)."""
        return any(len(i.steps) > 1 for i in self.items.values())

    @property
    def wide(self) -> bool:
        """Whether the table has room for the long forms."""
        return (self.size.width or self.app.size.width) >= WIDE

    # -- layout -----------------------------------------------------------------------------

    def _header(self, key: str, label: str) -> str:
        if SORT_OF_COLUMN.get(key) == self.view.sort:
            return f"{label} {'▼' if self.view.descending else '▲'}"
        return label

    def columns_for(self, width: int, rows: int) -> tuple[Column, ...]:
        """The columns at `width` cells for `rows` rows; the name takes what is left."""
        zone = self.view.viewer_zone
        if self.view.now is not None:
            zone = zone_abbreviation(zone, self.view.now)
        wide = width >= WIDE
        if wide:
            steps = [("steps", "Steps", STEPS_WIDTH)] if self.several_steps else []
            # Below RULE_FROM the steps take the room of the analyze step's LLM and review.
            analysis = not steps or width >= RULE_FROM
            fire = "Fire time (own zone)" if self.view.own_zone else f"Fire time ({zone})"
            fixed = [
                ("fire", fire, 21 if self.view.own_zone else 18),
                *([("rule", "Rule", 13)] if width >= RULE_FROM else []),
                ("scope", "Scope", 16),
                *steps,
                ("status", "Status", 9),
                ("last", "Last run", 15),
                *([("llm", "LLM", 9), ("review", "Review", 6)] if analysis else []),
                ("actions", "Actions", 7),
            ]
        else:
            own = self.view.own_zone
            fixed = [
                ("fire", "Own zone" if own else f"Fire {zone}", 13 if own else 9),
                ("scope", "Scope", 11),
                ("status", "Status", 9),
                ("llm", "LLM", 5),
                ("review", "Rev", 4),
                ("actions", "Act", 7),
            ]
        height = self.size.height or self.app.size.height
        scrollbar = 2 if rows > max(height - 1, 1) else 0
        used = sum(w + PAD for _k, _l, w in fixed) + PAD + scrollbar
        name = max(NAME_MIN, width - used)
        columns = [Column("name", self._header("name", "Name"), name)]
        columns += [Column(k, self._header(k, label), w) for k, label, w in fixed]
        return tuple(columns)

    # -- cells ------------------------------------------------------------------------------

    def _badge(self, info: ScheduleInfo, wide: bool) -> Text:
        progress = self._progress.get(info.id)
        label = info.status.capitalize()
        if info.status == "running":
            label = f"Run {progress[0]}/{progress[1]}" if progress and progress[1] else "Running…"
        color = self.app.theme_variables.get(f"status-{info.status}", "")
        text = Text(label, style=f"bold {color}" if color else "bold")
        last = self._last.get(info.id)
        if not wide and last is not None and last.status == "failed" and info.status != "failed":
            # No Last run column here: a failed last run still shows on the row.
            failed = self.app.theme_variables.get("status-failed", "")
            text.append(" ✗", style=f"bold {failed}" if failed else "bold")
        return text

    def _fire(self, info: ScheduleInfo, width: int, wide: bool) -> Text:
        if info.next_fire_at is None:
            upstream = waits_on(info)
            return Text("—") if upstream is None else clipped(f"after {upstream}", width, "dim")
        now = self.view.now or info.next_fire_at
        zone = info.timezone if self.view.own_zone else self.view.viewer_zone
        at = local_clock(info.next_fire_at, zone, now, with_zone=self.view.own_zone)
        if wide and abs((info.next_fire_at - now).total_seconds()) < 6 * 86400:
            at = f"{at} {relative(info.next_fire_at, now)}"  # further off, the date says it
        return clipped(at, width)

    def _cells(self, info: ScheduleInfo, columns: tuple[Column, ...]) -> tuple[object, ...]:
        wide = any(c.key == "last" for c in columns)
        now = self.view.now or info.updated_at
        cells: list[object] = []
        for column in columns:
            width = column.width
            if column.key == "name":
                cells.append(clipped(info.name, width))
            elif column.key == "fire":
                cells.append(self._fire(info, width, wide))
            elif column.key == "rule":
                cells.append(clipped(info.rule, width))
            elif column.key == "scope":
                cells.append(clipped(info.scope_summary, width))
            elif column.key == "steps":
                summary = info.steps_summary
                if len(summary) > width:
                    summary = steps_summary(info.steps, shown=1)
                cells.append(clipped(summary, width))
            elif column.key == "status":
                cells.append(self._badge(info, wide))
            elif column.key == "last":
                cells.append(self._last_cell(info, now, width))
            elif column.key == "llm":
                cells.append(clipped(info.llm_shown, width))
            elif column.key == "review":
                review = info.review_shown
                cells.append(Text(review if len(review) <= width else review[:3]))
            else:
                cells.append(Text(action_keys(actions_for(info), self.action_key_labels)))
        return tuple(cells)

    def _last_cell(self, info: ScheduleInfo, now: datetime, width: int) -> Text:
        run = self._last.get(info.id)
        text = clipped(last_run_text(run, now), width)
        if run is not None and run.status == "failed":
            color = self.app.theme_variables.get("status-failed", "")
            text.stylize(f"bold {color}" if color else "bold")
        return text

    # -- showing ----------------------------------------------------------------------------

    def show(
        self,
        items: list[ScheduleInfo],
        progress: dict[int, tuple[int, int]] | None = None,
        last_runs: dict[int, RunInfo] | None = None,
    ) -> None:
        """Show `items` in order, touching only the cells that changed; keeps the cursor."""
        self.items = {str(i.id): i for i in items}
        self._progress = progress or {}
        self._last = last_runs or {}
        self._draw(items)

    def redraw(self) -> None:
        """Draw the rows shown again (after a resize, a zone or sort change)."""
        self._draw([self.items[k] for k in self._order if k in self.items])

    def _draw(self, items: list[ScheduleInfo]) -> None:
        width = self.size.width or self.app.size.width
        columns = self.columns_for(width, len(items))
        keep = self.highlighted_key()
        if columns != self.layout_shown:
            self.clear(columns=True)
            for column in columns:
                self.add_column(Text(column.label), key=column.key, width=column.width)
            self.layout_shown, self._rows, self._order = columns, {}, []
        order = [str(i.id) for i in items]
        rows = {str(i.id): self._cells(i, columns) for i in items}
        with self.app.batch_update():
            if order != self._order:
                self.clear()
                for key in order:
                    self.add_row(*rows[key], key=key)
            else:
                for key in order:
                    old = self._rows.get(key)
                    for index, (column, value) in enumerate(zip(columns, rows[key], strict=True)):
                        if old is None or _differs(old[index], value):
                            self.update_cell(RowKey(key), ColumnKey(column.key), value)
            self._rows, self._order = rows, order
            if keep in rows:
                self.move_cursor(row=self.get_row_index(RowKey(keep)), scroll=False)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        # A fresh page draws every visible cell anew; a row's cells are one-line texts that
        # fit, which `one_line` draws without Rich's general layout. Headers and anything
        # else take DataTable's own way.
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        if row_key is None or column_key is None or self.fixed_rows or self.fixed_columns:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        key = (
            row_key,
            column_key,
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._cell_render_cache.get(key)
        if cached is not None:
            return cached
        cell = self._get_row_renderables(row_index).cells[column_index]
        line = None
        if isinstance(cell, Text) and self.rows[row_key].height == 1:
            component, post = self._get_styles_to_render_cell(
                False,
                False,
                False,
                hover,
                cursor,
                self.show_cursor,
                self._show_hover_cursor,
                self.cursor_foreground_priority == "css",
                self.cursor_background_priority == "css",
            )
            meta = Style.from_meta({"row": row_index, "column": column_index})
            pre = base_style + meta + component
            line = one_line(cell, width, self.cell_padding, pre, post, self.app.console)
        if line is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        self._cell_render_cache[key] = [line]
        return [line]

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # Every column has a fixed width and every row one line, so DataTable's measuring of
        # each new cell (most of the cost of showing a page) would change nothing.
        if not any(column.auto_width for column in self.columns.values()):
            new_rows = ()
        super()._update_dimensions(new_rows)

    def on_resize(self, _event: events.Resize) -> None:
        if self.items:
            self.redraw()

    def on_click(self, event: events.Click) -> None:
        meta = event.style.meta
        row, column = meta.get("row"), meta.get("column")
        if not isinstance(row, int) or row < 0 or not isinstance(column, int):
            return
        columns = self.layout_shown
        if column < len(columns) and columns[column].key == "actions" and row < len(self._order):
            self.post_message(self.ActionsClicked(self._order[row]))

    def action_first_row(self) -> None:
        """Move the cursor to the first row."""
        if self.row_count:
            self.move_cursor(row=0)

    def action_last_row(self) -> None:
        """Move the cursor to the last row."""
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)

    def highlighted_key(self) -> str | None:
        """The id (as text) of the highlighted schedule, if any."""
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:  # the cursor sits outside a table that just shrank
            return None
        return str(key.value) if key.value is not None else None

    def highlighted(self) -> ScheduleInfo | None:
        """The highlighted schedule."""
        key = self.highlighted_key()
        return self.items.get(key) if key else None


def _differs(old: object, new: object) -> bool:
    if isinstance(old, Text) and isinstance(new, Text):
        return old.plain != new.plain or old.spans != new.spans
    return str(old) != str(new)
