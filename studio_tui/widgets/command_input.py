"""The `:` line's input: Up and Down walk the history, Tab completes verbs, ids and names."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

from studio_tui.command_history import History
from studio_tui.command_words import complete


class CommandInput(Input):
    """A one-line input with history and completion."""

    BINDINGS = [
        Binding("up", "history(-1)", "Older", show=False, id="command.older"),
        Binding("down", "history(1)", "Newer", show=False, id="command.newer"),
        Binding("tab", "complete", "Complete", show=False, id="command.complete"),
    ]

    class Choices(Message):
        """Tab found several fits; they are listed for the person to choose."""

        def __init__(self, choices: list[str]) -> None:
            super().__init__()
            self.choices = choices

    def __init__(
        self,
        history: History,
        schedules: Callable[[], Sequence[tuple[int, str]]],
        **kwargs: str,
    ) -> None:
        super().__init__(select_on_focus=False, **kwargs)  # type: ignore[arg-type]
        self.history = history
        self.schedules = schedules

    def action_history(self, step: int) -> None:
        """Show an older (-1) or newer (1) line."""
        line = self.history.older(self.value) if step < 0 else self.history.newer()
        if line is not None:
            self.value = line
            self.cursor_position = len(line)

    def action_complete(self) -> None:
        """Complete the word at the end of the line."""
        done = complete(self.value[: self.cursor_position], self.schedules())
        rest = self.value[self.cursor_position :]
        self.value = done.line + rest
        self.cursor_position = len(done.line)
        if done.choices:
            self.post_message(self.Choices(done.choices))
