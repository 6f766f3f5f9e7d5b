"""`?`: every key of the studio in one place."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP = """\
[b]Schedules[/b]
  n  new schedule          e  edit               p  pause / resume
  r  run now               d  delete (asks)      i, enter  details
  /  filter by text        esc  clear filter     1 2 3 4  Pending, Paused, Failed, Missed chips
  s  cycle the sort        [ ]  previous / next page of 200
  v  review queue          t  tick here (fire due schedules from the studio)
  :  command line (/schedule add|list|show|pause|resume|run-now|rm|status …)
  ctrl+p  command palette (every action, themes, install or uninstall the daemon)
  ctrl+q  quit

[b]New / edit dialog[/b]
  tab / shift+tab  next / previous field     ctrl+s  save     esc  cancel (asks if changed)
  Fire at: 2026-12-01 09:00, +1h, +30m, tomorrow 09:00, today 18:00
  Scope tree: enter expands, space ticks. Ticking a node selects everything below it;
  ticking deeper nodes narrows to them; unticking them widens back.

[b]Marks[/b]  \\[x] selected   \\[~] partly selected   \\[ ] not selected

[b]Review queue[/b]
  a  accept   x  reject   e  edit and accept   A  accept the whole run
"""


class HelpScreen(ModalScreen[None]):
    """Keys and conventions."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 96; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    """
    BINDINGS = [Binding("escape,question_mark,q", "dismiss(None)", "Close", id="help.close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(HELP)
