"""The menu behind a row's Actions cell."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from core.schedules.views import ScheduleInfo

LABELS = {
    "edit": "Edit",
    "pause": "Pause",
    "resume": "Resume",
    "run_now": "Run now",
    "skip": "Skip the missed run",
    "cancel": "Cancel the running run…",
    "delete": "Delete…",
    "details": "Details",
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

    def __init__(
        self, info: ScheduleInfo, actions: list[str], keys: Mapping[str, str] | None = None
    ) -> None:
        """`keys`: the key bound now to each action, shown beside it (none shown without)."""
        super().__init__()
        self.info = info
        self.actions = [*actions, "details"]
        self.keys = dict(keys or {})

    def label(self, action: str) -> str:
        """`Run now  (r)`: what the action does and the key that does it from the page."""
        key = self.keys.get(action)
        return f"{LABELS[action]}  ({key})" if key else LABELS[action]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.info.name, style="bold"))
            yield OptionList(*(Option(Content(self.label(a)), id=a) for a in self.actions))

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
