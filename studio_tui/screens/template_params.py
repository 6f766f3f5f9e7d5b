"""The values a template needs before a cell can be turned on: one input per parameter, the
core's refusal shown beside the field it names; the cell is turned on from here."""

from __future__ import annotations

import re

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from core.api import Core
from core.errors import AmxError, InvalidInput
from core.schedules.templates.model import Parameter
from core.schedules.templates.service import Cell
from studio_tui.keys import key_label
from studio_tui.literal import literal

_FROM_PARAMETER = re.compile(r"from parameter '([A-Za-z_][A-Za-z0-9_]*)'")


class TemplateParamsScreen(ModalScreen[Cell | None]):
    """Ask for the parameters without a default, then enable the cell on a worker thread."""

    DEFAULT_CSS = """
    TemplateParamsScreen { align: center middle; }
    TemplateParamsScreen > Vertical {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    TemplateParamsScreen #heading { text-style: bold; }
    TemplateParamsScreen .label { margin-top: 1; }
    TemplateParamsScreen .refusal { color: $text-error; height: auto; display: none; }
    TemplateParamsScreen .refusal.-shown { display: block; }
    TemplateParamsScreen #keys { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="params.cancel"),
        Binding(
            "ctrl+s",
            "enable",
            "Enable",
            tooltip="Turn the cell on with these values",
            id="params.enable",
        ),
    ]
    AUTO_FOCUS = "Input"

    def __init__(
        self,
        core: Core,
        slug: str,
        profile: str,
        parameters: list[Parameter],
        others: list[Parameter] | None = None,
    ) -> None:
        super().__init__()
        self.core = core
        self.slug = slug
        self.profile = profile
        self.parameters = list(parameters)
        # The template's other parameters: one the core's refusal names is asked for too.
        self.others = list(others or [])
        self.working = False

    def compose(self) -> ComposeResult:
        with Vertical():
            heading = Text("Turn on ")
            heading.append(literal(self.slug))
            heading.append(" for ")
            heading.append(literal(self.profile))
            yield Static(heading, id="heading")
            yield Static(
                "Give each parameter a value; a refusal shows under its field.", markup=False
            )
            for index, parameter in enumerate(self.parameters):
                yield from self._field(index, parameter)
            yield Static("", id="general", classes="refusal", markup=False)
            yield Static(self._keys(), id="keys", markup=False)

    @staticmethod
    def _field(index: int, parameter: Parameter) -> ComposeResult:
        label = Text.assemble(literal(parameter.name, "bold"), f" ({parameter.type})")
        if parameter.description:
            label.append(" — ")
            label.append(literal(parameter.description))
        yield Static(label, classes="label")
        yield Input(id=f"value-{index}", compact=True)
        yield Static("", id=f"refusal-{index}", classes="refusal", markup=False)

    def _keys(self) -> str:
        enable = key_label(self.app, self.BINDINGS, "params.enable")
        cancel = key_label(self.app, self.BINDINGS, "params.cancel")
        return f"enter or {enable} enables · tab next field · {cancel} cancels"

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_enable()

    def action_enable(self) -> None:
        """Turn the cell on with the values typed, on a worker thread."""
        if self.working:
            return
        self.working = True
        values = {
            p.name: self.query_one(f"#value-{i}", Input).value
            for i, p in enumerate(self.parameters)
        }
        self._show_refusal(None, "")
        self._enable(values)

    @work(thread=True, group="template-params", description="Enable a template")
    def _enable(self, values: dict[str, str]) -> None:
        try:
            cell = self.core.templates.enable(self.slug, self.profile, values)
        except InvalidInput as exc:
            self.app.call_from_thread(self._show_refusal, exc.field, str(exc))
            return
        except AmxError as exc:
            self.app.call_from_thread(self._show_refusal, None, str(exc))
            return
        self.app.call_from_thread(self.dismiss, cell)

    def _show_refusal(self, field: str | None, sentence: str) -> None:
        """The core's refusal beside the field it names (or below every field)."""
        self.working = False
        names = [p.name for p in self.parameters]
        for box in self.query(".refusal").results(Static):
            _say(box, "")
        general = self.query_one("#general", Static)
        if not sentence:
            return
        # A refusal of a rendered step names its place as the field and the parameter after it.
        source = _FROM_PARAMETER.search(sentence)
        if field not in names and source is not None:
            field = source.group(1)
        extra = next((p for p in self.others if p.name == field), None)
        if extra is not None and field not in names:
            self.others.remove(extra)
            self.parameters.append(extra)
            names.append(extra.name)
            index = len(self.parameters) - 1
            self.query_one(Vertical).mount_all(
                list(self._field(index, extra)), before=self.query_one("#general")
            )
        if field in names:
            index = names.index(field)
            _say(self.query_one(f"#refusal-{index}", Static), sentence)
            self.query_one(f"#value-{index}", Input).focus()
        else:
            _say(general, sentence)


def _say(box: Static, sentence: str) -> None:
    """Show `sentence` (literally) in a refusal's place, which takes no line while empty."""
    box.update(literal(sentence, multiline=True))
    box.set_class(bool(sentence), "-shown")


__all__ = ["TemplateParamsScreen"]
