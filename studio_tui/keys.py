"""Keys as people see them, read from the bindings: help, hints and labels name the key a
binding has now (after the app's keymap), so remapping a binding changes every place it is shown."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from textual.app import App
from textual.binding import Binding, BindingType


def keymap(app: App[object]) -> dict[str, str]:
    """The app's keymap: binding id → its keys, comma-separated."""
    # Textual keeps the keymap set with `App.set_keymap` / `update_keymap` on the app.
    return dict(app._keymap)


def binding(bindings: Iterable[BindingType], binding_id: str) -> Binding:
    """The binding with this id among `bindings`."""
    for found in Binding.make_bindings(bindings):
        if found.id == binding_id:
            return found
    raise KeyError(binding_id)


def bound_keys(app: App[object], bindings: Iterable[BindingType], binding_id: str) -> list[str]:
    """Every key bound to `binding_id`, shown as the footer shows keys (`^s`, `?`, `esc`)."""
    declared = [b for b in Binding.make_bindings(bindings) if b.id == binding_id]
    if not declared:
        raise KeyError(binding_id)
    remapped = keymap(app).get(binding_id)
    if remapped:
        declared = [
            replace(declared[0], key=k.strip(), key_display=None) for k in remapped.split(",")
        ]
    return [app.get_key_display(b) for b in declared]


def key_label(app: App[object], bindings: Iterable[BindingType], binding_id: str) -> str:
    """The first key bound to `binding_id`, as shown to people."""
    return bound_keys(app, bindings, binding_id)[0]


def entries(
    app: App[object], bindings: Iterable[BindingType], *, only: Iterable[str] | None = None
) -> list[tuple[str, str]]:
    """`(keys, what they do)` for each binding, in declaration order: the keys of one binding
    joined with `/`, as remapped by the keymap; `only` keeps those binding ids, in its order."""
    found: dict[str, list[Binding]] = {}
    for b in Binding.make_bindings(bindings):
        found.setdefault(b.id or b.action, []).append(b)
    chosen = list(only) if only is not None else list(found)
    said = []
    for name in chosen:
        group = found[name]
        first = group[0]
        keys = bound_keys(app, group, name) if first.id else [app.get_key_display(b) for b in group]
        said.append(("/".join(keys), first.tooltip or first.description))
    return said
