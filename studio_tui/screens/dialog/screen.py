"""The new / edit dialog's modal: layout, keys, choices and scope loaded in workers, cancel."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Select, Static

from core.api import Core
from core.catalog.scope import ScopePath, from_texts, summary
from core.catalog.service import Listing
from core.errors import AmxError, InvalidInput
from core.schedules.form import ScheduleForm, check_form, example_fire_at
from core.schedules.triggers import AfterTrigger, Trigger
from core.schedules.views import ScheduleInfo
from core.schedules.zone_default import proposed_zone_name
from studio_tui import render
from studio_tui.keys import key_label
from studio_tui.literal import literal
from studio_tui.screens.confirm import ConfirmScreen
from studio_tui.screens.dialog.fields import FIELD_WIDGET, compose_fields, fill_fields, read_form
from studio_tui.screens.dialog.names import ScheduleNames
from studio_tui.screens.dialog.preview import trigger_preview
from studio_tui.screens.dialog.saving import (
    Refused,
    Stale,
    first_field,
    opened_steps,
    patch,
    save,
    scenario_fields,
)
from studio_tui.screens.dialog.step_form import (
    LEAD_SETTINGS,
    check_steps,
    problem_of,
    without_analysis,
)
from studio_tui.screens.dialog.steps import StepsSection
from studio_tui.widgets.scope_tree import ScopeTree


class ScheduleDialog(ModalScreen[ScheduleInfo | None]):
    """Create or edit a schedule; the core validates, errors appear beside their field."""

    DEFAULT_CSS = """
    ScheduleDialog { align: center middle; }
    ScheduleDialog > Vertical {
        width: 110; max-width: 100%; height: 100%; max-height: 44;
        border: thick $primary; background: $surface;
    }
    ScheduleDialog #title { height: 1; padding: 0 1; background: $primary 30%; text-style: bold; }
    ScheduleDialog VerticalScroll { padding: 0 1; }
    ScheduleDialog Label { margin-top: 1; color: $text-muted; }
    ScheduleDialog Input { border: none; height: 1; padding: 0 1; background: $boost; }
    ScheduleDialog Input:focus { background: $primary 25%; border: none; }
    /* One line per control, focused or not: Textual's focus border is two rows tall and would
       cover the value of a one-row control. */
    ScheduleDialog Select > SelectCurrent, ScheduleDialog Select:focus > SelectCurrent {
        border: none; height: 1; padding: 0 1; background: $boost;
    }
    ScheduleDialog Select:focus > SelectCurrent { background: $primary 25%; text-style: bold; }
    ScheduleDialog Select { height: auto; }
    ScheduleDialog #scope-box { height: auto; }
    ScheduleDialog .error { color: $error; height: auto; display: none; }
    ScheduleDialog .error.-shown { display: block; }
    ScheduleDialog .trigger { display: none; }
    ScheduleDialog .trigger.-shown { display: block; }
    ScheduleDialog #preview { color: $text-muted; height: auto; }
    ScheduleDialog ScopeTree { height: 10; background: $boost; }
    ScheduleDialog ScopeTree:focus { background: $primary 10%; }
    ScheduleDialog #scope-summary { height: 1; }
    ScheduleDialog RadioSet, ScheduleDialog RadioSet:focus {
        layout: horizontal; height: auto; border: none; padding: 0; background: $boost;
    }
    ScheduleDialog RadioSet:focus { background: $primary 25%; }
    /* Its own band below the scrolling form, so the form never seems to run on under it. */
    ScheduleDialog #buttons {
        height: 3; align-horizontal: right; padding: 0 1; background: $panel;
    }
    ScheduleDialog #buttons Button { margin-left: 1; }
    ScheduleDialog Horizontal.row { height: auto; }
    ScheduleDialog Horizontal.row > Vertical { width: 1fr; height: auto; margin-right: 1; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="dialog.save"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    def __init__(self, core: Core, existing: ScheduleInfo | None = None) -> None:
        super().__init__()
        self.core = core
        self.existing = existing
        self.version = existing.version if existing else None
        self.ticked: frozenset[ScopePath] = from_texts(existing.scope) if existing else frozenset()
        self._loading = True
        # The form as opened, with what the database filled in; `dirty` compares against it.
        self._baseline: ScheduleForm | None = None
        self._steps_opened = opened_steps(existing)
        self.steps_section = StepsSection(
            self._steps_opened, self._chosen_profile, id="steps-section"
        )

    # -- layout -------------------------------------------------------------------------------

    def _scope_label(self) -> str:
        tree = ScopeTree.BINDINGS
        expand = key_label(self.app, tree, "scope-tree.expand")
        tick = key_label(self.app, tree, "scope-tree.tick")
        return f"Scope ({expand} expands, {tick} ticks)"

    def compose(self) -> ComposeResult:
        e = self.existing
        example = example_fire_at(e.timezone if e else proposed_zone_name(), self.core.clock.now())
        with Vertical():
            yield Static(
                literal(f"Edit schedule {e.id}: {e.name}" if e else "New schedule"), id="title"
            )
            with VerticalScroll(id="form"):
                yield from compose_fields(e, example, self._scope_label(), self.steps_section)
            with Horizontal(id="buttons"):
                yield Button("Cancel (esc)", id="cancel")
                yield Button(
                    f"Save ({key_label(self.app, self.BINDINGS, 'dialog.save')})",
                    id="save",
                    variant="primary",
                )

    def on_mount(self) -> None:
        self.query_one("#after", Input).suggester = ScheduleNames(self.core)
        self._show_kind(self.query_one("#kind", Select).value)
        self.query_one("#name", Input).focus()
        self._load_choices()
        self.update_preview()
        self._baseline = self._form()

    @property
    def dirty(self) -> bool:
        """Whether the person changed anything since the dialog opened (or was reloaded)."""
        if self._baseline is None:
            return False
        return self._form() != self._baseline or self.steps_section.steps != self._steps_opened

    def _chosen_profile(self) -> str | None:
        value = self.query_one("#db_profile", Select).value
        return value if isinstance(value, str) else None

    def _take_as_opened(self, *fields: str) -> None:
        """Count what was just filled in for the person (not by them) as part of the form."""
        now = self._form()
        if self._baseline is None:
            return
        self._baseline = replace(self._baseline, **{f: getattr(now, f) for f in fields})

    # -- choices that come from the database -----------------------------------------------------

    @work(thread=True, exclusive=True, group="choices", description="Load the dialog's choices")
    def _load_choices(self) -> None:
        try:
            dbs = [p.name for p in self.core.profiles.list_db()]
            llms = [p.name for p in self.core.profiles.list_llm()]
        except AmxError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=10)
            return
        self.app.call_from_thread(self._set_choices, dbs, llms)

    def _set_choices(self, dbs: list[str], llms: list[str]) -> None:
        e = self.existing
        db_select = self.query_one("#db_profile", Select)
        db_select.set_options([(n, n) for n in dbs])
        llm = self.query_one("#llm_profile", Select)
        llm.set_options([(n, n) for n in llms])
        llm.value = (
            e.llm_profile
            if e and e.llm_profile in llms
            else ("heuristic" if "heuristic" in llms else Select.BLANK)
        )
        chosen = e.db_profile if e and e.db_profile in dbs else (dbs[0] if len(dbs) == 1 else None)
        if chosen:
            db_select.value = chosen
        self._take_as_opened("db_profile", "llm_profile")
        self._loading = False

    @on(Select.Changed, "#db_profile")
    def _profile_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self._load_databases(event.value)

    @work(thread=True, exclusive=True, group="databases", description="Load the databases")
    def _load_databases(self, profile: str) -> None:
        try:
            names = [n.name for n in self.core.catalog.children(profile).nodes]
            default = self.core.catalog.default_database(profile)
        except AmxError as exc:
            self.app.call_from_thread(self.show_error, "db_profile", str(exc))
            return
        self.app.call_from_thread(self._set_databases, profile, names, default)

    def _set_databases(self, profile: str, names: list[str], default: str) -> None:
        select = self.query_one("#database", Select)
        select.set_options([(n, n) for n in names])
        e = self.existing
        wanted = e.database if e and e.db_profile == profile and e.database else None
        # Picked automatically when there is only one (or the profile's own default).
        pick = wanted or (names[0] if len(names) == 1 else default if default in names else None)
        if pick:
            select.value = pick
        self._take_as_opened("database")
        self.show_error("db_profile", None)

    @on(Select.Changed, "#database")
    def _database_changed(self, event: Select.Changed) -> None:
        profile = self.query_one("#db_profile", Select).value
        if isinstance(profile, str) and isinstance(event.value, str):
            self._mount_tree(profile, event.value)

    def _mount_tree(self, profile: str, database: str) -> None:
        box = self.query_one("#scope-box", Vertical)
        box.remove_children()
        catalog = self.core.catalog

        def loader(parent: tuple[str, ...]) -> Listing:
            # The database first, so a cached listing is never shown as if it were current.
            return catalog.children(profile, parent, refresh=True)

        keep = self.ticked if not self._loading or self.existing else frozenset()
        box.mount(ScopeTree(loader, profile, database, keep, now=self.core.clock.now, id="scope"))
        self._show_summary()

    @on(ScopeTree.Changed)
    def _scope_changed(self, event: ScopeTree.Changed) -> None:
        self.ticked = event.ticked
        self._show_summary()
        self.show_error("scope", None)

    def _show_summary(self) -> None:
        text = summary(self.ticked, limit=90) if self.ticked else "nothing selected yet"
        self.query_one("#scope-summary", Static).update(literal(f"Selected: {text}"))

    # -- trigger and preview --------------------------------------------------------------------

    @on(Select.Changed, "#kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        self._show_kind(event.value)
        self.update_preview()

    def _show_kind(self, kind: object) -> None:
        for widget in self.query(".trigger"):
            widget.set_class(widget.has_class(str(kind)), "-shown")

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        if event.input.id in ("fire_at", "cron", "every", "start", "timezone", "after"):
            self.update_preview()
        elif event.input.id:
            for box in self.query(f"#err-{event.input.id}").results(Static):
                box.update("")
                box.remove_class("-shown")

    def _form(self) -> ScheduleForm:
        """What the person typed and chose, as the core's form."""
        return read_form(self, self.ticked)

    def _kept(self) -> tuple[Trigger, str] | None:
        """The edited schedule's trigger and zone, which may stay as they are."""
        e = self.existing
        return (e.trigger, e.timezone) if e is not None else None

    def update_preview(self) -> None:
        """The rule read aloud, the next three fire times in the chosen zone and a DST note; the
        trigger's refusals go beside their fields, once each."""
        form = self._form()
        shown = trigger_preview(form, self.core.clock.now(), self._kept())
        for field, message in shown.problems.items():
            self.show_error(field, message)
        self.query_one("#preview", Static).update(literal(shown.text, multiline=True))
        if form.kind == "after" and form.when.strip() and not shown.problems.get("after"):
            self._read_upstream(form.when.strip(), shown.text)

    @work(thread=True, exclusive=True, group="upstream", description="Read the upstream")
    def _read_upstream(self, name: str, said: str) -> None:
        """The schedule named to run after, as saving would find it: its status and next fire
        below the preview, or the refusal beside the field."""
        own = self.existing.id if self.existing else None
        try:
            found = self.core.schedules.upstream(AfterTrigger(upstream=name), own)
        except InvalidInput as exc:
            self.app.call_from_thread(self._upstream_read, name, said, exc.message)
        except AmxError:
            return  # the store is not answering: saving will say so
        else:
            label, when = render.fire_line(found)
            line = f"{found.name}: {found.status.capitalize()} · {label} {when}"
            self.app.call_from_thread(self._upstream_read, name, f"{said}\n{line}", None)

    def _upstream_read(self, name: str, text: str, refused: str | None) -> None:
        form = self._form()
        if form.kind != "after" or form.when.strip() != name:
            return  # typed on meanwhile
        if refused is not None:
            self.show_error("after", refused)
            self.query_one("#preview", Static).update("")
        else:
            self.query_one("#preview", Static).update(literal(text, multiline=True))

    # -- errors, save and cancel ------------------------------------------------------------------

    def show_error(self, field: str, message: str | None) -> None:
        """Show (or clear) the core's sentence beside the field it names."""
        target = FIELD_WIDGET.get(field, "form")
        found = self.query(f"#err-{target}")
        box = found.first(Static) if found else self.query_one("#err-form", Static)
        box.update(literal(message or "", multiline=True))
        box.set_class(bool(message), "-shown")

    def _focus_field(self, field: str) -> None:
        target = FIELD_WIDGET.get(field)
        if target and self.query(f"#{target}"):
            widget: Widget = self.query_one(f"#{target}")
            widget.focus()
            widget.scroll_visible()

    def action_save(self) -> None:
        """Check every field at once; save when all are accepted, else show each refusal."""
        for box in self.query(".error").results(Static):
            box.update("")
            box.remove_class("-shown")
        section = self.steps_section
        form = self._form() if section.lead is not None else without_analysis(self._form())
        checked = check_form(form, self.core.clock.now(), self._kept())
        step_problem = check_steps(section.steps, section.lead)
        section.show_problem(step_problem)
        if checked.problems:
            for field, message in checked.problems.items():
                self.show_error(field, message)
            self._focus_field(first_field(checked.problems))
            return
        if step_problem is not None:
            section.focus_problem()
            return
        fields = scenario_fields(self.existing, checked.fields, section.steps)
        self._save(patch(self.existing, fields))

    @work(thread=True, exclusive=True, group="save", description="Save the schedule")
    def _save(self, fields: dict[str, Any]) -> None:
        result = save(self.core, self.existing, self.version, fields)
        if isinstance(result, Stale):
            self.app.call_from_thread(self._stale, result.message)
        elif isinstance(result, Refused):
            self.app.call_from_thread(self._refused, result.field, result.message)
        else:
            self.app.call_from_thread(self.dismiss, result)

    def _refused(self, field: str, message: str) -> None:
        section = self.steps_section
        step = problem_of(InvalidInput(field, message))
        if step is not None:
            flat = LEAD_SETTINGS.get(step.field.partition(".")[0])
            if step.index != section.lead or flat is None:
                section.show_problem(step)
                section.focus_problem()
                return
            field = flat  # a refusal of the analysis fields above: shown beside them
        self.show_error(field, message)
        self._focus_field(field)

    def _stale(self, message: str) -> None:
        def answered(reload: bool | None) -> None:
            if reload:
                self._reload_existing()

        self.app.push_screen(
            ConfirmScreen(
                f"{message[0].upper()}{message[1:]}\nReload it? Your edits here are lost.", "Reload"
            ),
            answered,
        )

    @work(thread=True, exclusive=True, group="reload", description="Read the schedule again")
    def _reload_existing(self) -> None:
        assert self.existing is not None
        try:
            fresh = self.core.schedules.get(self.existing.id)
        except AmxError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=10)
            return
        self.app.call_from_thread(self._replace, fresh)

    def _replace(self, fresh: ScheduleInfo) -> None:
        """Load the current version into the form, as if it had just been opened."""
        self._loading = True
        self.existing, self.version = fresh, fresh.version
        self.query_one("#title", Static).update(literal(f"Edit schedule {fresh.id}: {fresh.name}"))
        fill_fields(self, fresh)
        self._steps_opened = opened_steps(fresh)
        self.steps_section.replace_steps(self._steps_opened)
        self.ticked = from_texts(fresh.scope)
        if self.query(ScopeTree):
            self.query_one(ScopeTree).set_ticked(self.ticked)
        self._show_summary()
        self._baseline = self._form()
        self._loading = False
        self.notify("Reloaded the current version; make your change again.")

    def action_cancel(self) -> None:
        if not self.dirty:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen("Discard your changes?", "Discard", danger=True), answered
        )

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
