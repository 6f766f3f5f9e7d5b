"""`:` — the studio's command line: `/schedule <verb> …` with the shell CLI's meanings."""

from __future__ import annotations

import io
import shlex

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, RichLog, Static

from core.api import Core
from core.clock import Clock
from studio_tui.screens.confirm import ConfirmScreen

VERBS = (
    "add",
    "edit",
    "list",
    "show",
    "pause",
    "resume",
    "run-now",
    "skip",
    "cancel",
    "rm",
    "next",
    "install-daemon",
    "uninstall-daemon",
    "status",
)


def parse(line: str) -> list[str]:
    """`/schedule pause 3` → ["schedule", "pause", "3"]; refuses anything else in one sentence."""
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise ValueError(f"cannot read that line: {exc}.") from None
    if not words:
        raise ValueError("type a command, e.g. /schedule list")
    head = words[0].lstrip("/")
    if head != "schedule":
        raise ValueError(f"unknown command {words[0]!r}; commands start with /schedule")
    if len(words) < 2 or words[1] not in VERBS:
        raise ValueError(f"give a verb after /schedule: {', '.join(VERBS)}")
    return ["schedule", *words[1:]]


class CommandScreen(ModalScreen[None]):
    """A one-line command prompt with its output below."""

    DEFAULT_CSS = """
    CommandScreen { align: center bottom; }
    CommandScreen > Vertical {
        width: 100%; height: auto; max-height: 70%; background: $surface;
        border-top: thick $primary; padding: 0 1;
    }
    CommandScreen RichLog { height: auto; max-height: 20; min-height: 3; }
    CommandScreen #hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Close", id="command.close")]

    def __init__(self, core: Core, clock: Clock) -> None:
        super().__init__()
        self.core = core
        self.clock = clock

    def compose(self) -> ComposeResult:
        with Vertical():
            yield RichLog(id="output", wrap=True, markup=False)
            yield Static(f"/schedule {'|'.join(VERBS)} …   (esc closes)", id="hint")
            yield Input(value="/schedule ", id="line", select_on_focus=False)

    def on_mount(self) -> None:
        line = self.query_one("#line", Input)
        line.focus()
        line.cursor_position = len(line.value)

    @on(Input.Submitted, "#line")
    def _submitted(self, event: Input.Submitted) -> None:
        log = self.query_one(RichLog)
        log.write(f": {event.value}")
        try:
            argv = parse(event.value)
        except ValueError as exc:
            log.write(f"error: {exc}")
            return
        event.input.value = "/schedule "
        if argv[1] == "rm" and "--yes" not in argv and "-y" not in argv:

            def answered(yes: bool | None) -> None:
                if yes:
                    self._run([*argv, "--yes"])

            self.app.push_screen(
                ConfirmScreen(f"Run {' '.join(argv)}?", "Delete", danger=True), answered
            )
            return
        self._run(argv)

    @work(thread=True, group="command")
    def _run(self, argv: list[str]) -> None:
        from studio_tui.cli import run

        out, err = io.StringIO(), io.StringIO()
        code = run(
            ["--database-url", self.core.db.url_text, *argv], out=out, err=err, clock=self.clock
        )
        self.app.call_from_thread(self._show, out.getvalue(), err.getvalue(), code)

    def _show(self, out: str, err: str, code: int) -> None:
        log = self.query_one(RichLog)
        for line in (out + err).rstrip("\n").splitlines():
            log.write(line)
        if code == 0 and not out and not err:
            log.write("done")
        for screen in self.app.screen_stack:
            reload = getattr(screen, "reload", None)
            if callable(reload):
                reload()
