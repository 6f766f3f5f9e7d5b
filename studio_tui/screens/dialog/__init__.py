"""The new / edit dialog: one modal for both (`n` opens it empty, `e` filled).

- `screen`: the modal itself — layout, keys, loading choices and the scope tree, cancel.
- `fields`: the form's fields: composing them, reading them into the core's form, filling them.
- `preview`: the trigger read aloud with its next fire times, and its refusals by field.
- `saving`: handing the checked form to the core and sorting its refusals by field.
"""

from studio_tui.screens.dialog.screen import ScheduleDialog

__all__ = ["ScheduleDialog"]
