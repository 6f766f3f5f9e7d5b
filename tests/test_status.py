"""The transition table is the single authority on status changes."""

from __future__ import annotations

import pytest

from core.errors import IllegalTransition
from core.schedules.status import TRANSITIONS, Status, can, check


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
@pytest.mark.parametrize("current", list(Status))
def test_every_action_from_every_status(action: str, current: Status) -> None:
    targets = TRANSITIONS[action].get(current)
    assert can(action, current) == (targets is not None)
    for target in Status:
        if targets is not None and target in targets:
            assert check(action, current, target, what="schedule 1 'x'") is target
        else:
            with pytest.raises(IllegalTransition) as err:
                check(action, current, target, what="schedule 1 'x'")
            message = str(err.value)
            assert message.startswith("cannot ") and message.endswith(".")
            assert "\n" not in message and "schedule 1 'x'" in message


def test_terminal_and_running_rules() -> None:
    assert not can("edit", Status.RUNNING) and not can("edit", Status.CANCELLED)
    assert not can("run_now", Status.CANCELLED) and not can("run_now", Status.RUNNING)
    assert not can("pause", Status.COMPLETED)
    assert can("cancel", Status.RUNNING) and not can("delete", Status.RUNNING)
    assert can("skip", Status.MISSED) and not can("skip", Status.PENDING)


def test_message_names_the_allowed_states() -> None:
    with pytest.raises(IllegalTransition) as err:
        check("skip", Status.PENDING, Status.CANCELLED, what="schedule 3 'nightly'")
    assert str(err.value) == (
        "cannot skip schedule 3 'nightly': it is Pending; only a Missed schedule can be skipped."
    )


def test_several_allowed_states_read_as_a_list() -> None:
    with pytest.raises(IllegalTransition) as err:
        check("edit", Status.CANCELLED, Status.PENDING, what="schedule 5 'legacy'")
    assert str(err.value) == (
        "cannot edit schedule 5 'legacy': it is Cancelled; only a Pending, Paused, Completed, "
        "Failed or Missed schedule can be edited."
    )
