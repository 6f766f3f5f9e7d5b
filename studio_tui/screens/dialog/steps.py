"""The dialog's Steps section: the scenario's steps as a list (add, remove, move, mark parallel)
and the highlighted step's settings, built from its kind's model, with the core's refusal
beside the setting it names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from core.schedules.scenario.steps import STEP_KINDS
from studio_tui.keys import key_label
from studio_tui.literal import literal
from studio_tui.screens.dialog.step_form import (
    StepField,
    StepProblem,
    as_text,
    fields_of,
    from_text,
    label,
    lead_index,
    new_step,
    value_of,
    with_value,
)

# What the lead analyze step's fields say instead of its settings (the fields above hold them).
LEAD_NOTE = "Its DB profile, database, scope, LLM profile and review are the fields above."


class StepList(OptionList):
    """The steps in order; keys add, remove, move and mark the highlighted one."""

    BINDINGS = [
        Binding("a,plus", "add_step", "Add step", id="steps.add"),
        Binding("x,delete", "remove_step", "Remove step", id="steps.remove"),
        Binding("K,shift+up", "move_step(-1)", "Move up", tooltip="Move step up", id="steps.up"),
        Binding(
            "J,shift+down", "move_step(1)", "Move down", tooltip="Move step down", id="steps.down"
        ),
        Binding("p", "parallel", "Parallel", tooltip="Mark parallel / not", id="steps.parallel"),
    ]

    def action_add_step(self) -> None:
        self._section().add_step()

    def action_remove_step(self) -> None:
        self._section().remove_step()

    def action_move_step(self, by: int) -> None:
        self._section().move_step(by)

    def action_parallel(self) -> None:
        self._section().toggle_parallel()

    def _section(self) -> StepsSection:
        return self.query_ancestor(StepsSection)


class KindPicker(ModalScreen[str | None]):
    """Choose a new step's kind."""

    DEFAULT_CSS = """
    KindPicker { align: center middle; }
    KindPicker > Vertical {
        width: 40; height: auto; border: thick $primary; background: $surface; padding: 0 1;
    }
    KindPicker OptionList { height: auto; max-height: 12; border: none; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="kind-picker.cancel")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Add a step of kind:", markup=False)
            yield OptionList(*(Option(kind, id=kind) for kind in STEP_KINDS), id="kinds")

    def on_mount(self) -> None:
        kinds = self.query_one(OptionList)
        kinds.highlighted = 0
        kinds.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class StepsSection(Vertical):
    """The steps of the scenario being edited, as plain data (kind first, then what differs
    from its defaults), and the highlighted one's settings."""

    DEFAULT_CSS = """
    StepsSection { height: auto; }
    StepsSection StepList, StepsSection StepList:focus {
        height: auto; max-height: 8; border: none; padding: 0; background: $boost;
    }
    StepsSection StepList:focus { background: $primary 10%; background-tint: $foreground 0%; }
    StepsSection #step-fields { height: auto; padding-left: 2; }
    StepsSection .step-box { height: auto; }
    StepsSection #step-title { margin-top: 1; text-style: bold; }
    StepsSection .note { color: $text-muted; }
    StepsSection Checkbox, StepsSection Checkbox:focus {
        border: none; height: 1; padding: 0 1; background: $boost; margin-top: 1;
    }
    StepsSection Checkbox:focus { background: $primary 25%; }
    """

    def __init__(
        self, steps: list[dict[str, Any]], profile: Callable[[], str | None], **kw: Any
    ) -> None:
        super().__init__(**kw)
        self.steps = [dict(s) for s in steps]
        self._profile = profile
        self.problem: StepProblem | None = None
        self._shown: int | None = None  # the step whose settings are on show
        self._fields: dict[str, StepField] = {}
        # The settings on show: each one's control and the line under it for its refusal.
        self._box: Vertical | None = None
        self._controls: dict[str, Widget] = {}
        self._errors: dict[str, Static] = {}

    def compose(self) -> ComposeResult:
        keys = StepList.BINDINGS
        app = self.app

        def k(name: str) -> str:
            return key_label(app, keys, name)

        yield Label(
            f"Steps ({k('steps.add')} adds, {k('steps.remove')} removes, {k('steps.up')}/"
            f"{k('steps.down')} move, {k('steps.parallel')} parallel)",
            markup=False,
        )
        yield StepList(id="steps")
        yield Static(classes="error", id="err-steps")
        yield Vertical(id="step-fields")

    def on_mount(self) -> None:
        self._draw_list(0)

    # -- the list -------------------------------------------------------------------------

    @property
    def lead(self) -> int | None:
        """The step the analysis fields above set."""
        return lead_index(self.steps)

    def _draw_list(self, highlight: int | None, *, rebuild: bool = True) -> None:
        if rebuild:
            self._shown = None  # the step at a place may be another one now
        listing = self.query_one(StepList)
        lead = self.lead
        options = []
        for i, data in enumerate(self.steps):
            text = label(data, i, i == lead)
            if self.problem is not None and self.problem.index == i:
                text = "!" + text[1:]
            options.append(Option(literal(text), id=f"step-{i}"))
        listing.set_options(options)
        if self.steps:
            listing.highlighted = min(max(highlight or 0, 0), len(self.steps) - 1)
        self._show_fields()

    @property
    def current(self) -> int | None:
        """The highlighted step's place."""
        return self.query_one(StepList).highlighted

    @on(OptionList.OptionHighlighted, "#steps")
    def _highlighted(self) -> None:
        self._show_fields()

    def add_step(self) -> None:
        """Ask for a kind and add a step of it after the highlighted one."""

        def chosen(kind: str | None) -> None:
            if kind:
                at = (self.current if self.current is not None else len(self.steps) - 1) + 1
                self.steps.insert(at, new_step(kind, self._profile()))
                self._moved()
                self._draw_list(at)

        self.app.push_screen(KindPicker(), chosen)

    def remove_step(self) -> None:
        """Remove the highlighted step (not the analyze step the fields above set)."""
        at = self.current
        if at is None:
            return
        if at == self.lead:
            self.notify(
                "This analyze step takes the analysis fields above; a schedule on this page keeps "
                "it. Remove the other steps instead.",
                severity="warning",
            )
            return
        del self.steps[at]
        self._moved()
        self._draw_list(min(at, len(self.steps) - 1))

    def move_step(self, by: int) -> None:
        """Move the highlighted step up (-1) or down (1)."""
        at = self.current
        if at is None or not 0 <= at + by < len(self.steps):
            return
        self.steps[at], self.steps[at + by] = self.steps[at + by], self.steps[at]
        self._moved()
        self._draw_list(at + by)

    def toggle_parallel(self) -> None:
        """Mark the highlighted step parallel (with its parallel neighbours), or not."""
        at = self.current
        if at is None:
            return
        field = next(f for f in fields_of(self.steps[at]["kind"]) if f.name == "parallel")
        self.steps[at] = with_value(self.steps[at], field, not self.steps[at].get("parallel"))
        self._draw_list(at, rebuild=False)

    def replace_steps(self, steps: list[dict[str, Any]]) -> None:
        """Show `steps` instead (a reloaded schedule's)."""
        self.steps = [dict(s) for s in steps]
        self.problem = None
        self._shown = None
        self._draw_list(0)

    def _moved(self) -> None:
        # A refusal names a step by its place: once places change, it no longer points right.
        self.show_problem(None)

    # -- the highlighted step's settings --------------------------------------------------

    def _show_fields(self) -> None:
        at = self.current
        if at == self._shown and self._fields and at is not None:
            self._sync_fields(at)
            return
        self._shown = at
        if self._box is not None:
            self._box.remove()
            self._box = None
        self._fields, self._controls, self._errors = {}, {}, {}
        if at is None or at >= len(self.steps):
            return
        data = self.steps[at]
        widgets: list[Widget] = [Static(literal(f"Step {at + 1}: {data['kind']}"), id="step-title")]
        lead = at == self.lead
        if lead:
            widgets.append(Static(LEAD_NOTE, classes="note", markup=False))
        for field in fields_of(data["kind"]):
            if lead and field.name in ("profile", "database", "scope", "llm_profile", "review"):
                continue
            self._fields[field.name] = field
            widgets += self._field_widgets(field, value_of(data, field))
        # A new box each time: the old one's controls keep their ids until they are gone.
        self._box = Vertical(*widgets, classes="step-box")
        self.query_one("#step-fields", Vertical).mount(self._box)
        self._show_problem_here()

    def _field_widgets(self, field: StepField, value: Any) -> list[Widget]:
        wid = f"sf-{field.name}"
        said = f"{field.name} ({field.hint})" if field.hint else field.name
        error = Static(classes="error", id=f"err-{wid}")
        self._errors[field.name] = error
        if field.control == "switch":
            check = Checkbox(field.name, bool(value), id=wid, classes="step-field")
            self._controls[field.name] = check
            return [check, error]
        if field.control == "choice":
            control: Widget = Select(
                [(c, c) for c in field.choices],
                value=str(value),
                allow_blank=False,
                id=wid,
                classes="step-field",
            )
        else:
            control = Input(as_text(value, field), id=wid, classes="step-field")
        self._controls[field.name] = control
        return [Label(said, markup=False), control, error]

    def _sync_fields(self, at: int) -> None:
        """Bring a shown switch up to date after a key changed the step (parallel)."""
        check = self._controls.get("parallel")
        want = bool(self.steps[at].get("parallel"))
        if isinstance(check, Checkbox) and check.value != want:
            check.value = want

    @on(Input.Changed, ".step-field")
    @on(Select.Changed, ".step-field")
    @on(Checkbox.Changed, ".step-field")
    def _setting_changed(self, event: Input.Changed | Select.Changed | Checkbox.Changed) -> None:
        event.stop()
        at = self._shown
        widget_id = event.control.id or ""
        field = self._fields.get(widget_id.removeprefix("sf-"))
        if at is None or field is None or at >= len(self.steps):
            return
        data = self.steps[at]
        if isinstance(event, Input.Changed):
            if event.value == as_text(value_of(data, field), field):
                return
            value = from_text(event.value, field)
        else:
            value = event.value
            if value == value_of(data, field):
                return
        self.steps[at] = with_value(data, field, value)
        if self.problem is not None and self.problem.index == at:
            self.show_problem(None)
        if field.name in ("parallel", "name"):
            listing = self.query_one(StepList)
            text = label(self.steps[at], at, at == self.lead)
            listing.replace_option_prompt_at_index(at, literal(text))

    # -- refusals -------------------------------------------------------------------------

    def show_problem(self, problem: StepProblem | None) -> None:
        """Show the core's refusal of a step beside its setting (highlighting that step), or
        clear it."""
        had = self.problem
        self.problem = problem
        general = self.query_one("#err-steps", Static)
        general.update("")
        general.remove_class("-shown")
        for box in self._errors.values():
            box.update("")
            box.remove_class("-shown")
        if problem is None:
            if had is not None and had.index < len(self.steps):
                self._draw_list(self.current, rebuild=False)  # its mark goes; typing goes on
            return
        self._draw_list(problem.index)

    def _show_problem_here(self) -> None:
        problem = self.problem
        if problem is None or problem.index != self.current:
            return
        box = self._errors.get(problem.field.partition(".")[0]) or self.query_one(
            "#err-steps", Static
        )
        box.update(literal(problem.message, multiline=True))
        box.add_class("-shown")

    def focus_problem(self) -> None:
        """Put the focus on the refused setting (else on the list)."""
        problem = self.problem
        if problem is None:
            return
        setting = problem.field.partition(".")[0]
        found = self._controls.get(setting)
        target: Widget = found if found is not None else self.query_one(StepList)
        target.focus()
        # Once the refused step's settings are laid out: the setting and its sentence in view.
        shown: Widget = self._errors.get(setting) or self.query_one("#err-steps", Static)
        self.call_after_refresh(shown.scroll_visible, animate=False)
