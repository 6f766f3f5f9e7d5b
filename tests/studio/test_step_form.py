"""Each step kind's settings as form fields, read from the core's models: every kind has them,
their controls follow their types, and text read back gives the same values."""

from __future__ import annotations

import pytest

from core.schedules.scenario.steps import STEP_KINDS
from studio_tui.screens.dialog.step_form import as_text, fields_of, from_text, new_step


@pytest.mark.parametrize("kind", STEP_KINDS)
def test_every_kind_has_fields_its_own_first(kind: str) -> None:
    names = [f.name for f in fields_of(kind)]
    assert "kind" not in names
    assert names[-3:] == ["name", "parallel", "transactional"]


def test_controls_follow_the_settings_types() -> None:
    by_name = {f.name: f for f in fields_of("export_docs")}
    assert by_name["format"].control == "choice"
    assert by_name["format"].choices == ("json", "dbt")
    assert by_name["parallel"].control == "switch"
    assert by_name["path"].control == "text" and by_name["path"].required
    assert by_name["scope"].hint == "comma-separated"
    env = {f.name: f for f in fields_of("run_command")}["env"]
    assert env.shape == "mapping"
    sections = {f.name: f for f in fields_of("send_report")}["sections"]
    assert sections.shape == "list"


@pytest.mark.parametrize(
    ("kind", "name", "value"),
    [
        ("run_command", "argv", ["echo", "a b"]),
        ("run_command", "env", {"LANG": "C", "TOKEN": "env:API_TOKEN"}),
        ("notify", "title", "done"),
        ("snapshot_annotations", "skip_hours", "6"),
    ],
)
def test_text_reads_back_to_the_same_value(kind: str, name: str, value: object) -> None:
    field = next(f for f in fields_of(kind) if f.name == name)
    assert from_text(as_text(value, field), field) == value
    assert from_text("  ", field) is None  # empty: not set, so the default (or a refusal)


def test_a_new_step_works_on_the_dialogs_profile_when_its_kind_needs_one() -> None:
    assert new_step("export_docs", "demo") == {"kind": "export_docs", "profile": "demo"}
    assert new_step("notify", "demo") == {"kind": "notify"}
