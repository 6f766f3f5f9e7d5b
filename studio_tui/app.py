"""The studio: a full-screen Textual app over the core, the daemon's tick and the hooks."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable
from functools import partial
from typing import Protocol, runtime_checkable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from core.api import Core
from core.clock import Clock, SystemClock
from core.schedules.views import ScheduleInfo
from core.text import printable
from daemon.hooks import CommandRunner, HookStatus, Platform, current_platform
from studio_tui import config
from studio_tui.command_history import History
from studio_tui.embedded import EmbeddedTicker
from studio_tui.messages import (
    DataChanged,
    HookKnown,
    MissedFound,
    OpenDetails,
    OpenDialog,
    OpenReview,
    Reloads,
    ToggleTicking,
)
from studio_tui.screens.schedules import SchedulesScreen
from themes import DEFAULT_THEME, THEMES, variable_defaults


@runtime_checkable
class HasCommands(Protocol):
    """A screen with palette commands of its own."""

    def system_commands(self) -> Iterable[SystemCommand]: ...


class StudioApp(App[None]):
    """AMX Studio: a thin shell over the screens — theme and config, the daemon hook, ticking
    here, and routing the messages screens post to the screens they ask for."""

    TITLE = "AMX Studio — Schedules"
    CSS = """
    Screen { background: $background; }
    """
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("colon", "command_line", "Command", tooltip="Command line", id="app.command"),
        Binding(
            "ctrl+p", "command_palette", "Palette", show=False, priority=True, id="app.palette"
        ),
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit_anywhere"),
    ]
    COMMAND_PALETTE_BINDING = "ctrl+p"

    def __init__(
        self,
        core: Core,
        *,
        clock: Clock | None = None,
        theme: str | None = None,
        platform: Platform | None = None,
        runner: CommandRunner | None = None,
        refresh_every: float = 2.0,
        ask_missed: bool = True,
    ) -> None:
        super().__init__()
        # What is loaded by now (the modules, the core) lives as long as the studio: the
        # collector leaves it be, or a full collection over it (as long as drawing the first
        # table) falls in the middle of the start-up. Thawed when the studio ends.
        gc.freeze()
        self.core = core
        self.clock = clock or core.clock or SystemClock()
        self.platform: Platform = platform or current_platform()
        self.runner = runner
        self.refresh_every = refresh_every
        self.ask_missed = ask_missed
        self.hook: HookStatus | None = None
        # Set once the first answer about the hook is in, so the first board can say it.
        self.hook_known = threading.Event()
        self.command_history: History | None = None
        self.ticker = EmbeddedTicker(core, self._ticker_failed)
        for theme_object in THEMES:
            self.register_theme(theme_object)
        self.theme = theme or config.load().get("theme") or DEFAULT_THEME

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return variable_defaults()

    def on_mount(self) -> None:
        self.push_screen(SchedulesScreen())
        self.check_hook()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A toast; its text is shown literally (it quotes names, scopes and errors)."""
        super().notify(
            printable(message, multiline=True),
            title=printable(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def watch_theme(self, theme: str) -> None:
        config.save(theme=theme)

    def check_hook(self) -> None:
        """Ask the OS whether the daemon hook is installed, in a worker."""
        self.run_worker(self._check_hook, thread=True, group="hook", exclusive=True)

    def _check_hook(self) -> None:
        from daemon import hooks
        from daemon.hooks import SubprocessRunner

        try:
            self.hook = hooks.status(self.platform, self.runner or SubprocessRunner())
        finally:
            self.hook_known.set()
        self.post_message(HookKnown())

    def on_hook_known(self, _: HookKnown) -> None:
        """The top bar says what the hook's state means: show it where it is not shown yet."""
        for screen in self.screen_stack:
            if isinstance(screen, SchedulesScreen):
                screen.hook_arrived()

    def on_data_changed(self, _: DataChanged) -> None:
        """Every screen on the stack that shows data loads it again."""
        for screen in self.screen_stack:
            if isinstance(screen, Reloads):
                screen.reload()

    # -- routing: screens post, the app pushes ------------------------------------------------

    def on_open_dialog(self, message: OpenDialog) -> None:
        """The new/edit dialog; a save is told in a toast and every screen reloads."""
        from studio_tui.screens.dialog import ScheduleDialog

        info = message.schedule

        def saved(result: ScheduleInfo | None) -> None:
            if result is not None:
                verb = "Saved" if info else "Created"
                self.notify(f"{verb} {result.name!r}: {result.status}.")
                self.post_message(DataChanged())

        self.push_screen(ScheduleDialog(self.core, info), saved)

    def on_open_details(self, message: OpenDetails) -> None:
        """A schedule's configuration, run history and log."""
        from studio_tui.screens.details import DetailsScreen

        self.push_screen(DetailsScreen(self.core, message.schedule_id))

    def on_open_review(self, _: OpenReview) -> None:
        """The review queue."""
        from studio_tui.screens.review import ReviewScreen

        self.push_screen(ReviewScreen(self.core))

    def on_missed_found(self, message: MissedFound) -> None:
        """The missed-runs prompt, once at a time."""
        from studio_tui.screens.missed import MissedScreen

        if not isinstance(self.screen, MissedScreen):
            self.push_screen(MissedScreen(self.core, message.missed, self.ensure_firing))

    def on_toggle_ticking(self, _: ToggleTicking) -> None:
        """Start or stop ticking here."""
        self.toggle_embedded()
        self.post_message(DataChanged())

    async def action_quit(self) -> None:
        """Quit; when an open dialog holds unsaved changes, ask first."""
        from studio_tui.screens.confirm import ConfirmScreen
        from studio_tui.screens.dialog import ScheduleDialog

        if not any(isinstance(s, ScheduleDialog) and s.dirty for s in self.screen_stack):
            self.exit()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(
            ConfirmScreen("Quit and drop the changes in the open dialog?", "Quit", danger=True),
            answered,
        )

    def action_agenda(self) -> None:
        """Every fire of the next 7 days, by day."""
        from studio_tui.screens.agenda import AgendaScreen

        self.push_screen(AgendaScreen(self.core))

    def action_catalog_cache(self) -> None:
        """Each DB profile's cached catalog, its age, and the schedules that refresh it."""
        from studio_tui.screens.catalog_cache import CatalogCacheScreen

        self.push_screen(CatalogCacheScreen(self.core))

    def action_templates(self) -> None:
        """The enable matrix of templates by DB profiles."""
        from studio_tui.screens.templates import TemplatesScreen

        self.push_screen(TemplatesScreen(self.core))

    def action_help(self) -> None:
        from studio_tui.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def action_command_line(self) -> None:
        from daemon.hooks import SubprocessRunner
        from studio_tui.commands.base import OsHooks
        from studio_tui.screens.command import CommandScreen

        if self.command_history is None:  # read once, then kept for the session
            self.command_history = History.load()
        hooks = OsHooks(self.platform, self.runner or SubprocessRunner())
        self.push_screen(
            CommandScreen(self.core, self.clock, history=self.command_history, os_hooks=hooks)
        )

    # -- embedded ticking and the daemon hook --------------------------------------------------

    @property
    def ticking_here(self) -> bool:
        """Whether the studio fires due work itself."""
        return self.ticker.running

    def toggle_embedded(self) -> None:
        """Start or stop the daemon's tick inside the studio."""
        if self.ticker.running:
            self.ticker.stop()
            self.notify("Stopped ticking here.")
            return
        self.ticker.start()
        self.notify("Ticking here while the studio is open: due schedules fire from this process.")

    def ensure_firing(self) -> bool:
        """From a worker thread: when no daemon is alive and the studio does not tick, start
        ticking here so that work due now runs; True when it started."""
        if not self.ticker.needed():
            return False
        self.call_from_thread(self.ticker.start)
        return True

    def _ticker_failed(self, sentence: str) -> None:
        """From the ticker's thread: it could not start."""
        self.call_from_thread(
            self.notify, sentence, title="Could not tick here", severity="error", timeout=10
        )

    def on_unmount(self) -> None:
        self.ticker.stop()
        gc.unfreeze()

    def install_daemon(self, install: bool) -> None:
        """Install or uninstall the OS hook, after a confirmation."""
        from studio_tui.screens.confirm import ConfirmScreen

        verb = "Install" if install else "Uninstall"
        question = (
            "Install the daemon hook so the OS keeps `amx daemon run` running?"
            if install
            else "Uninstall the daemon hook? Schedules stay queued but will not fire."
        )
        self.push_screen(
            ConfirmScreen(question, verb, danger=not install),
            partial(self._hook_answer, install),
        )

    def _hook_answer(self, install: bool, yes: bool | None) -> None:
        if yes:
            self.run_worker(partial(self._change_hook, install), thread=True, group="hook")

    def _change_hook(self, install: bool) -> None:
        from daemon import hooks
        from daemon.hooks import DaemonCommand, SubprocessRunner

        runner = self.runner or SubprocessRunner()
        try:
            if install:
                result = hooks.install(
                    self.platform, runner, DaemonCommand.build(self.core.db.url_text)
                )
            else:
                result = hooks.uninstall(self.platform, runner)
        except Exception as exc:  # a refusal from the core, shown as its sentence
            self.call_from_thread(self.notify, str(exc), severity="error", timeout=10)
            return
        severity = "information" if result.ok else "error"
        self.call_from_thread(self.notify, result.message, severity=severity, timeout=10)
        for warning in result.warnings:
            self.call_from_thread(self.notify, warning, severity="warning", timeout=15)
        self.hook = hooks.status(self.platform, runner)
        self.post_message(DataChanged())

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Install daemon",
            "Make the OS keep the daemon running",
            partial(self.install_daemon, True),
        )
        yield SystemCommand(
            "Uninstall daemon",
            "Remove the OS hook; schedules stay queued",
            partial(self.install_daemon, False),
        )
        yield SystemCommand(
            "Tick here",
            "Fire due schedules from the studio while it is open",
            partial(self.post_message, ToggleTicking()),
        )
        yield SystemCommand(
            "Review queue",
            "Proposals waiting for a person",
            partial(self.post_message, OpenReview()),
        )
        yield SystemCommand("Agenda", "Every fire of the next 7 days, by day", self.action_agenda)
        yield SystemCommand(
            "Catalog cache",
            "Each DB profile's cached catalog, its age, Refresh now",
            self.action_catalog_cache,
        )
        yield SystemCommand(
            "Templates",
            "The enable matrix: templates by DB profiles, on and off",
            self.action_templates,
        )
        yield SystemCommand("Command line", "Run /schedule … commands", self.action_command_line)
        if isinstance(screen, HasCommands):
            yield from screen.system_commands()
