"""The menu behind a row's Actions cell."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from core.schedules.views import ScheduleInfo

LABELS = {
    "edit": "Edit  (e)",
    "pause": "Pause  (p)",
    "resume": "Resume  (p)",
    "run_now": "Run now  (r)",
    "skip": "Skip the missed run  (m)",
    "cancel": "Cancel the running run…  (x)",
    "delete": "Delete…  (d)",
    "details": "Details  (i)",
}


class ActionMenu(ModalScreen[str | None]):
    """Pick one of the actions available for a schedule."""

    DEFAULT_CSS = """
    ActionMenu { align: center middle; }
    ActionMenu > Vertical {
        width: 40; height: auto; border: thick $primary; background: $surface; padding: 0 1;
    }
    ActionMenu OptionList { height: auto; border: none; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Close", id="actions.close")]

    def __init__(self, info: ScheduleInfo, actions: list[str]) -> None:
        super().__init__()
        self.info = info
        self.actions = [*actions, "details"]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.info.name, style="bold"))
            yield OptionList(*(Option(LABELS[a], id=a) for a in self.actions))

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
