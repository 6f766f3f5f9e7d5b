"""`:` — the studio's command line: `amx schedule` verbs, run on the studio's own core.

The line takes `status`, `schedule status` or `/schedule status`. Its output scrolls above the
input, which stays pinned at the bottom; Up and Down walk the history, Tab completes."""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import RichLog, Static

from core.api import Core
from core.clock import Clock
from core.errors import AmxError
from studio_tui.cli import run_captured
from studio_tui.command_history import History
from studio_tui.command_words import parse
from studio_tui.commands.base import OsHooks
from studio_tui.keys import key_label
from studio_tui.messages import DataChanged
from studio_tui.screens.confirm import ConfirmScreen
from studio_tui.widgets.command_input import CommandInput


class CommandScreen(ModalScreen[None]):
    """A one-line command prompt pinned at the bottom, its output scrolling above it."""

    DEFAULT_CSS = """
    CommandScreen { align: center bottom; }
    CommandScreen > Vertical {
        width: 100%; height: auto; background: $surface;
        border-top: thick $primary; padding: 0 1;
    }
    CommandScreen.-output > Vertical { height: 75%; }
    CommandScreen #output { display: none; height: 1fr; min-height: 1; overflow-x: hidden; }
    CommandScreen.-output #output { display: block; }
    CommandScreen #hint { color: $text-muted; height: 1; }
    """
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close", id="command.close"),
        Binding("pageup", "scroll_output(-1)", "Scroll up", show=False, id="command.page_up"),
        Binding("pagedown", "scroll_output(1)", "Scroll down", show=False, id="command.page_down"),
    ]

    def __init__(
        self,
        core: Core,
        clock: Clock,
        *,
        history: History | None = None,
        os_hooks: OsHooks | None = None,
    ) -> None:
        super().__init__()
        self.core = core
        self.clock = clock
        self.history = history if history is not None else History()
        self.os_hooks = os_hooks
        self.schedules: list[tuple[int, str]] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield RichLog(id="output", wrap=True, markup=False, highlight=False, max_lines=2000)
            yield Static(self._hint(), id="hint", markup=False)
            yield CommandInput(
                self.history,
                lambda: self.schedules,
                id="line",
                placeholder="/schedule status, list, pause ID …",
            )

    def _hint(self) -> str:
        app = self.app
        line, screen = CommandInput.BINDINGS, self.BINDINGS
        said = [
            (key_label(app, line, "command.complete"), "completes"),
            (
                key_label(app, line, "command.older") + key_label(app, line, "command.newer"),
                "history",
            ),
            (
                f"{key_label(app, screen, 'command.page_up')}/"
                f"{key_label(app, screen, 'command.page_down')}",
                "scroll",
            ),
            (key_label(app, screen, "command.close"), "closes"),
        ]
        return "  ·  ".join(f"{key} {what}" for key, what in said)

    def on_mount(self) -> None:
        self.query_one(CommandInput).focus()
        self._load_schedules()

    @work(thread=True, group="command-names", exclusive=True, description="Load the schedule names")
    def _load_schedules(self) -> None:
        try:
            items = self.core.schedules.list().items
        except AmxError:
            return  # completion of ids and names waits for the database to answer again
        found = [(s.id, s.name) for s in items]
        self.app.call_from_thread(setattr, self, "schedules", found)

    def write(self, text: str) -> None:
        """Add lines to the output, shown literally (never read as markup), wrapped to the
        width left of the output's scrollbar."""
        self.set_class(True, "-output")
        self.call_after_refresh(self._write, text.rstrip("\n").splitlines() or [""])

    def _write(self, lines: list[str]) -> None:
        log = self.query_one(RichLog)
        width = self._output_width()
        for line in lines:
            log.write(Text(line), width=width)

    def _output_width(self) -> int:
        """The cells a line of output may take: the pane's less the output's scrollbar. The
        output's own width is settled only once it shows, and its scrollbar (always there) is
        counted later still: lines wrapped to it before then lost their ends under it."""
        scrollbar = self.query_one(RichLog).styles.scrollbar_size_vertical
        return max(self.query_one(Vertical).content_region.width - scrollbar, 20)

    def action_scroll_output(self, pages: int) -> None:
        log = self.query_one(RichLog)
        if pages < 0:
            log.scroll_page_up()
        else:
            log.scroll_page_down()

    @on(CommandInput.Choices)
    def _choices(self, event: CommandInput.Choices) -> None:
        self.write("   ".join(event.choices))

    @on(CommandInput.Submitted, "#line")
    def _submitted(self, event: CommandInput.Submitted) -> None:
        line = event.value
        if not line.strip():
            return
        self.history.add(line)
        event.input.value = ""
        self.write(f": {line}")
        try:
            argv = parse(line)
        except ValueError as exc:
            self.write(f"error: {exc}")
            return
        if argv[1] == "rm" and "--yes" not in argv and "-y" not in argv:

            def answered(yes: bool | None) -> None:
                if yes:
                    self._run([*argv, "--yes"])

            question = escape(f"Run {' '.join(argv)}?")
            self.app.push_screen(ConfirmScreen(question, "Delete", danger=True), answered)
            return
        self._run(argv)

    def _run(self, argv: list[str]) -> None:
        self._run_in_worker(argv, max(self._output_width(), 40))

    @work(thread=True, group="command", description="Run a command")
    def _run_in_worker(self, argv: list[str], width: int) -> None:
        said = run_captured(argv, self.core, clock=self.clock, os_hooks=self.os_hooks, width=width)
        self.app.call_from_thread(self._show, said.out + said.err, said.code)

    def _show(self, text: str, code: int) -> None:
        self.write(text if text.strip() else ("done" if code == 0 else f"exit code {code}"))
        self._load_schedules()
        self.app.post_message(DataChanged())
