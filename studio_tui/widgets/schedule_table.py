"""The schedule table: one keyed row per schedule, updated in place as data changes."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from core.schedules.status import can
from core.schedules.views import ScheduleInfo
from studio_tui.literal import clipped

WIDE = 110


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
    """Local next fire time with the zone's abbreviation (the full zone is in the details)."""
    if info.next_fire_at is None:
        return "—"
    local = info.next_fire_at.astimezone(ZoneInfo(info.timezone))
    zone = local.strftime("%Z") or info.timezone
    return f"{local:%a %d %b %H:%M} {zone}" if wide else f"{local:%a %H:%M} {zone}"


def action_keys(actions: list[str]) -> str:
    """The row's actions as the keys that run them: e p r d."""
    keys = {
        "edit": "e",
        "pause": "p",
        "resume": "p",
        "run_now": "r",
        "skip": "m",
        "cancel": "x",
        "delete": "d",
    }
    return " ".join(keys[a] for a in actions)


class ScheduleTable(DataTable[object]):
    """Schedules with their fire time, scope, status badge, profile, review and actions."""

    class ActionsClicked(Message):
        """The Actions cell of a row was clicked."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    DEFAULT_CSS = """
    ScheduleTable { height: 1fr; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.wide: bool | None = None
        self._rows: dict[str, tuple[object, ...]] = {}
        self._order: list[str] = []
        self.items: dict[str, ScheduleInfo] = {}

    def _columns(self, wide: bool) -> list[tuple[str, str, int | None]]:
        if wide:
            return [("name", "Name", 19), ("fire", "Fire time", 20), ("rule", "Rule", 13),
                    ("scope", "Scope", 17), ("status", "Status", 10), ("llm", "LLM", 9),
                    ("review", "Review", 6), ("actions", "Actions", 7)]  # fmt: skip
        return [("name", "Name", 16), ("fire", "Fire time", 14), ("scope", "Scope", 14),
                ("status", "Status", 10), ("actions", "", 7)]  # fmt: skip

    def _badge(self, info: ScheduleInfo, progress: tuple[int, int] | None) -> Text:
        label = info.status.capitalize()
        if info.status == "running":
            label = f"Run {progress[0]}/{progress[1]}" if progress and progress[1] else "Running…"
        color = self.app.theme_variables.get(f"status-{info.status}", "")
        return Text(f" {label} ", style=f"bold {color}" if color else "bold")

    def _cells(
        self, info: ScheduleInfo, wide: bool, progress: tuple[int, int] | None
    ) -> tuple[object, ...]:
        actions = actions_for(info)
        if wide:
            return (
                clipped(info.name, 19),
                fire_text(info, True),
                clipped(info.rule, 13),
                clipped(info.scope_summary, 17),
                self._badge(info, progress),
                clipped(info.llm_profile, 9),
                info.review_strategy.capitalize(),
                action_keys(actions),
            )
        return (
            clipped(info.name, 16),
            fire_text(info, False),
            clipped(info.scope_summary, 14),
            self._badge(info, progress),
            action_keys(actions),
        )

    def show(
        self, items: list[ScheduleInfo], progress: dict[int, tuple[int, int]] | None = None
    ) -> None:
        """Show `items` in order, touching only the cells that changed; keeps the cursor."""
        wide = self.size.width >= WIDE if self.size.width else True
        keep = self.highlighted_key()
        if wide != self.wide:
            self.clear(columns=True)
            for key, label, width in self._columns(wide):
                self.add_column(label, key=key, width=width)
            self.wide, self._rows, self._order = wide, {}, []
        order = [str(i.id) for i in items]
        self.items = {str(i.id): i for i in items}
        progress = progress or {}
        rows = {str(i.id): self._cells(i, wide, progress.get(i.id)) for i in items}
        with self.app.batch_update():
            if order != self._order:
                self.clear()
                for key in order:
                    self.add_row(*rows[key], key=key)
            else:
                columns = [c[0] for c in self._columns(wide)]
                for key in order:
                    old = self._rows.get(key)
                    for index, (col, value) in enumerate(zip(columns, rows[key], strict=True)):
                        if old is None or str(old[index]) != str(value):
                            self.update_cell(RowKey(key), ColumnKey(col), value)
            self._rows, self._order = rows, order
            if keep in rows:
                self.move_cursor(row=self.get_row_index(RowKey(keep)), scroll=False)

    def on_click(self, event: events.Click) -> None:
        meta = event.style.meta
        row, column = meta.get("row"), meta.get("column")
        if self.wide is None or not isinstance(row, int) or row < 0 or not isinstance(column, int):
            return
        if self._columns(self.wide)[column][0] == "actions" and row < len(self._order):
            self.post_message(self.ActionsClicked(self._order[row]))

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
