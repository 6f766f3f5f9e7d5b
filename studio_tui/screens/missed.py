"""The missed-runs prompt: Run now or Skip, per schedule or for all."""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Static

from core.api import Core
from core.errors import AmxError
from core.schedules.views import ScheduleInfo
from core.text import counted
from studio_tui.keys import key_label
from studio_tui.literal import clipped
from studio_tui.widgets.schedule_table import fire_text

# Label, binding id and button id of each choice; below 110 columns the keys are left off the
# labels.
BUTTONS = (
    ("Run now", "missed.run", "run"),
    ("Skip", "missed.skip", "skip"),
    ("Run all", "missed.run_all", "run-all"),
    ("Skip all", "missed.skip_all", "skip-all"),
    ("Later", "missed.later", "later"),
)


class MissedScreen(ModalScreen[None]):
    """Lists Missed schedules; Run now and Skip act on the highlighted one, Run all and Skip all
    on every one."""

    DEFAULT_CSS = """
    MissedScreen { align: center middle; }
    MissedScreen > Vertical {
        width: 110; max-width: 100%; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 1 2;
    }
    MissedScreen DataTable { height: auto; max-height: 12; margin: 1 0; }
    MissedScreen Horizontal { height: auto; }
    MissedScreen Button { margin-right: 1; min-width: 0; width: auto; padding: 0 2; }
    """
    BINDINGS = [
        Binding("r", "decide('run')", "Run now", id="missed.run"),
        Binding("s", "decide('skip')", "Skip", id="missed.skip"),
        Binding("R", "decide_all('run')", "Run all", id="missed.run_all"),
        Binding("S", "decide_all('skip')", "Skip all", id="missed.skip_all"),
        Binding("escape", "dismiss(None)", "Later", id="missed.later"),
    ]

    def __init__(
        self,
        core: Core,
        missed: list[ScheduleInfo],
        ensure_firing: Callable[[], bool] = lambda: False,
    ) -> None:
        """`ensure_firing` (called in a worker thread) makes something fire a run-now occurrence,
        and says whether the studio started ticking for it."""
        super().__init__()
        self.core = core
        self.ensure_firing = ensure_firing
        self.missed = {str(s.id): s for s in missed}

    def compose(self) -> ComposeResult:
        one = len(self.missed) == 1
        with Vertical():
            yield Static(
                f"[b]{counted(len(self.missed), 'schedule')} missed {'its' if one else 'their'} "
                f"fire time[/b] while nothing could fire {'it' if one else 'them'}. Nothing runs "
                f"late on its own: {'choose what to do' if one else 'choose for each'}."
            )
            table: DataTable[str] = DataTable(cursor_type="row", id="missed")
            yield table
            with Horizontal():
                for label, binding_id, button_id in BUTTONS:
                    key = key_label(self.app, self.BINDINGS, binding_id)
                    text = f"{label} ({key})" if self.app.size.width >= 110 else label
                    yield Button(
                        Content(text),
                        id=button_id,
                        variant="primary" if button_id == "run" else "default",
                    )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        wide = self.app.size.width >= 110
        table.add_columns("Name", "Missed", *(["Rule"] if wide else []), "Why")
        for key, s in self.missed.items():
            rule = [clipped(s.rule, 14)] if wide else []
            name = clipped(s.name, 24 if wide else 16)
            why = clipped(s.missed_reason or "", 35 if wide else 30)
            table.add_row(name, fire_text(s, wide=True), *rule, why, key=key)
        table.focus()

    def _highlighted(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def action_decide(self, choice: str) -> None:
        key = self._highlighted()
        if key is not None:
            self._apply([key], choice)

    def action_decide_all(self, choice: str) -> None:
        self._apply(list(self.missed), choice)

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        actions = {"run": "decide('run')", "skip": "decide('skip')"}
        if event.button.id == "later":
            self.dismiss(None)
        elif event.button.id in actions:
            self.action_decide(event.button.id)
        elif event.button.id in ("run-all", "skip-all"):
            self.action_decide_all(event.button.id.split("-")[0])

    @work(thread=True, exclusive=True, description="Apply the missed runs' choice")
    def _apply(self, keys: list[str], choice: str) -> None:
        for key in keys:
            schedule = self.missed[key]
            try:
                if choice == "run":
                    self.core.schedules.run_now(schedule.id)
                else:
                    self.core.schedules.skip(schedule.id)
            except AmxError as exc:
                self.app.call_from_thread(self.notify, str(exc), severity="error")
                continue
            verb = "skipped"
            if choice == "run":
                verb = "runs now"
                if self.ensure_firing():
                    verb += ": nothing else was firing, so the studio ticks here while it is open"
            self.app.call_from_thread(self._done, key, f"{schedule.name!r} {verb}.")

    def _done(self, key: str, sentence: str) -> None:
        self.missed.pop(key)
        self.notify(sentence)
        table = self.query_one(DataTable)
        table.remove_row(key)
        if not self.missed:
            self.dismiss(None)
