"""Templates: parameters of every type, strict and sandboxed rendering, refusals that name the
template, the step, the field and the parameter, template files, built-ins, and editing a
template re-rendering its instances with their history kept."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from core.api import Core
from core.clock import FrozenClock
from core.errors import Conflict, InvalidInput
from core.schedules.scenario.files import ScenarioFileError
from core.schedules.templates.builtin import builtin_templates
from core.schedules.templates.files import dump, parse_templates
from core.schedules.templates.model import TemplateDef, template_def
from core.schedules.templates.render import parameter_values, render_spec
from core.schedules.triggers import CronTrigger
from daemon.execute import execute
from daemon.tick import tick

SHOP = {"name": "shop", "owner_email": "dba@example.com", "labels": ["prod"]}


def every_type() -> TemplateDef:
    return template_def(
        {
            "slug": "all-types",
            "name": "All types",
            "parameters": [
                {"name": "source", "type": "profile", "default": "shop"},
                {"name": "scope", "type": "scope", "default": ["main"]},
                {"name": "note", "type": "string", "default": "weekly"},
                {"name": "to", "type": "email", "default": "ops@example.com"},
                {"name": "hour", "type": "int", "default": 3},
                {"name": "every", "type": "duration", "default": "6h"},
                {"name": "skip", "type": "int", "default": 12},
            ],
            "trigger": {"interval": "{{ param.every }}", "timezone": "UTC"},
            "steps": [
                {"kind": "analyze", "profile": "{{ param.source }}", "scope": "{{ param.scope }}"},
                {
                    "kind": "snapshot_annotations",
                    "profile": "{{ profile.name }}",
                    "skip_hours": "{{ param.skip }}",
                    "change_note": "{{ param.note }} at {{ param.hour }}h",
                },
            ],
            "on_failure": [
                {
                    "kind": "notify",
                    "urls": ["mailto://{{ param.to }}", "mailto://{{ profile.owner_email }}"],
                }
            ],
        }
    )


def test_every_parameter_type_renders_in_its_type() -> None:
    template = every_type()
    values = parameter_values(template, {"hour": "5", "scope": "main, other", "every": "1d"})
    assert values == {"source": "shop", "scope": ["main", "other"], "note": "weekly",
                      "to": "ops@example.com", "hour": 5, "every": "1d", "skip": 12}  # fmt: skip
    spec = render_spec(template, SHOP, values)
    assert spec.name == "all-types · shop"
    analyze, snapshot = spec.steps
    assert analyze.scope == ["main", "other"]  # type: ignore[union-attr]
    assert snapshot.skip_hours == 12  # type: ignore[union-attr]
    assert snapshot.change_note == "weekly at 5h"  # type: ignore[union-attr]
    assert spec.on_failure[0].urls == ["mailto://ops@example.com", "mailto://dba@example.com"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({"hour": "three"}, "parameter 'hour' is an int; 'three' is not a number."),
        ({"to": "nobody"}, "parameter 'to' is an e-mail address; 'nobody' is not one."),
        ({"every": "soon"}, "parameter 'every': interval 'soon' is not valid"),
        ({"scope": " , "}, "parameter 'scope' is a scope and is empty"),
        ({"scope": 7}, "parameter 'scope' is a scope"),
        ({"note": 7}, "parameter 'note' is a string; 7 is not text."),
        ({"colour": "red"}, "template 'all-types' has no parameter 'colour'"),
    ],
)
def test_a_wrong_value_is_refused_naming_the_parameter(given: dict[str, Any], said: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parameter_values(every_type(), given)
    assert said in refused.value.message
    assert refused.value.message.startswith("template 'all-types'")


def test_a_required_parameter_without_value_is_refused() -> None:
    template = template_def(
        {"slug": "t", "parameters": [{"name": "mail", "type": "string"}],
         "trigger": {"cron": "0 2 * * *"}, "steps": [{"kind": "cache_refresh", "profile": "x"}]}
    )  # fmt: skip
    with pytest.raises(InvalidInput) as refused:
        parameter_values(template, {})
    assert refused.value.message == (
        "template 't' needs parameter 'mail' (string), which has no default; give it a value."
    )
    assert refused.value.field == "mail"


def _with_step(step: dict[str, Any], parameters: list[dict[str, Any]] | None = None) -> TemplateDef:
    return template_def(
        {"slug": "nightly-pii", "parameters": parameters or [], "trigger": {"cron": "0 2 * * *"},
         "steps": [{"kind": "cache_refresh", "profile": "{{ profile.name }}"}, step]}
    )  # fmt: skip


def test_an_undefined_name_is_refused_strictly() -> None:
    template = _with_step({"kind": "analyze", "profile": "shop", "scope": ["{{ param.nope }}"]})
    with pytest.raises(InvalidInput) as refused:
        render_spec(template, SHOP, {})
    message = refused.value.message
    assert message.startswith(
        "template 'nightly-pii', steps[2] (analyze), field scope, from parameter 'nope': "
    )
    assert "'nope'" in message


def test_a_missing_profile_field_is_undefined_not_none() -> None:
    template = _with_step({"kind": "notify", "urls": ["mailto://{{ profile.owner_email }}"]})
    with pytest.raises(InvalidInput) as refused:
        render_spec(template, {"name": "shop", "owner_email": None}, {})
    assert "steps[2] (notify), field urls" in refused.value.message
    assert "owner_email" in refused.value.message


@pytest.mark.parametrize(
    "expression",
    [
        "{{ param.__class__ }}",
        "{{ ''.__class__.__mro__ }}",
        "{{ param.items.__globals__ }}",
        "{{ profile.name.__class__.__base__.__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
    ],
)
def test_the_sandbox_refuses_reaching_outside_the_context(expression: str) -> None:
    template = _with_step({"kind": "run_command", "argv": ["echo", expression]})
    with pytest.raises(InvalidInput) as refused:
        render_spec(template, SHOP, {})
    assert refused.value.message.startswith("template 'nightly-pii', steps[2] (run_command)")
    assert "cannot be rendered" in refused.value.message


def test_a_rendered_step_that_fails_validation_names_step_field_and_parameter() -> None:
    template = _with_step(
        {"kind": "export_docs", "profile": "shop", "format": "{{ param.fmt }}", "path": "/tmp/d"},
        [{"name": "fmt", "type": "string", "default": "xml"}],
    )
    with pytest.raises(InvalidInput) as refused:
        render_spec(template, SHOP, parameter_values(template, {}))
    assert refused.value.message == (
        "template 'nightly-pii', steps[2] (export_docs), field format, from parameter 'fmt': "
        "format 'xml' is not accepted: Input should be 'json' or 'dbt'."
    )


def test_a_rendered_trigger_is_checked() -> None:
    template = template_def(
        {"slug": "t", "parameters": [{"name": "hour", "type": "int", "default": 30}],
         "trigger": {"cron": "0 {{ param.hour }} * * *"},
         "steps": [{"kind": "cache_refresh", "profile": "shop"}]}
    )  # fmt: skip
    with pytest.raises(InvalidInput) as refused:
        render_spec(template, SHOP, parameter_values(template, {}))
    assert refused.value.message.startswith("template 't', trigger, from parameter 'hour': ")


def test_a_template_file_refusal_names_its_line() -> None:
    text = "slug: t\nparameters:\n  - {name: a, type: colour}\ntrigger: {cron: '0 2 * * *'}\n"
    text += "steps: [{kind: cache_refresh, profile: x}]\n"
    with pytest.raises(ScenarioFileError) as refused:
        parse_templates(text, "t.yaml")
    assert refused.value.message.startswith("t.yaml:3: parameters[1] (a): type 'colour'")


def test_the_builtins_parse_and_export_back_to_themselves() -> None:
    shipped = builtin_templates()
    assert {t.slug for t in shipped} == {
        "nightly-pii", "weekly-dbt-docs", "daily-catalog-refresh", "failure-digest"
    }  # fmt: skip
    assert parse_templates(dump(list(shipped)), "again.yaml") == list(shipped)


def test_builtins_render_for_a_profile() -> None:
    for template in builtin_templates():
        given = {"mail_profile": "office"} if template.slug == "failure-digest" else {}
        spec = render_spec(template, SHOP, parameter_values(template, given))
        assert spec.name == f"{template.slug} · shop"
        assert isinstance(spec.trigger, CronTrigger)


def test_the_builtins_are_stored_once(core: Core) -> None:
    slugs = [t.slug for t in core.templates.all()]
    assert slugs == ["daily-catalog-refresh", "failure-digest", "nightly-pii", "weekly-dbt-docs"]
    assert all(t.builtin for t in core.templates.all())
    again = Core.open(core.db.url_text, core.clock)
    try:
        assert len(again.templates.all()) == 4
    finally:
        again.close()


NIGHTLY = """\
slug: nightly
name: Nightly refresh
parameters:
  - {name: hour, type: int, default: 2}
trigger: {cron: "0 {{ param.hour }} * * *", timezone: UTC}
steps:
  - {kind: cache_refresh, profile: "{{ profile.name }}"}
"""


def test_editing_a_template_re_renders_instances_and_keeps_history(
    core: Core, clock: FrozenClock, tmp_path: Path
) -> None:
    (applied,) = core.templates.apply(parse_templates(NIGHTLY, "n.yaml"))
    assert applied.action == "created"
    cell = core.templates.enable("nightly", "shop", {"hour": "4"})
    assert cell.state == "on" and cell.params == {"hour": 4}
    schedule_id = cell.schedule_id
    assert schedule_id is not None
    core.schedules.run_now(schedule_id)
    for claim in tick(core, "w1", slots=1).claimed:
        execute(core, claim)
    runs_before = core.schedules.show(schedule_id).runs_total
    assert runs_before == 1

    edited = NIGHTLY.replace("0 {{ param.hour }} * * *", "30 {{ param.hour }} * * *")
    (dry,) = core.templates.apply(parse_templates(edited, "n.yaml"), dry_run=True)
    assert dry.action == "updated" and dry.changed == ["trigger"]
    assert [(i.name, i.changed) for i in dry.instances] == [("nightly · shop", ["trigger"])]
    info = core.schedules.get(schedule_id)
    assert isinstance(info.trigger, CronTrigger) and info.trigger.expr == "0 4 * * *"

    (done,) = core.templates.apply(parse_templates(edited, "n.yaml"))
    assert done.action == "updated"
    info = core.schedules.get(schedule_id)
    assert isinstance(info.trigger, CronTrigger) and info.trigger.expr == "30 4 * * *"
    assert info.template_params == {"hour": 4}
    assert core.schedules.show(schedule_id).runs_total == runs_before
    assert core.templates.get("nightly").version == 2
    (again,) = core.templates.apply(parse_templates(edited, "n.yaml"))
    assert again.action == "unchanged"


def test_an_edit_an_instance_cannot_take_is_refused_and_changes_nothing(core: Core) -> None:
    core.templates.apply(parse_templates(NIGHTLY, "n.yaml"))
    core.templates.enable("nightly", "shop")
    broken = NIGHTLY.replace("default: 2", "default: 2}\n  - {name: mail, type: email").replace(
        "2}}", "2}"
    )
    with pytest.raises(InvalidInput) as refused:
        core.templates.apply(parse_templates(broken, "n.yaml"))
    assert "needs parameter 'mail'" in refused.value.message
    assert "'nightly · shop'" in refused.value.message
    assert core.templates.get("nightly").version == 1


def test_an_edit_waits_for_a_running_instance(core: Core, clock: FrozenClock) -> None:
    core.templates.apply(parse_templates(NIGHTLY, "n.yaml"))
    cell = core.templates.enable("nightly", "shop")
    assert cell.schedule_id is not None
    clock.advance(timedelta(days=1))
    (claim,) = tick(core, "w1", slots=1).claimed
    assert core.schedules.get(cell.schedule_id).status == "running"
    edited = NIGHTLY.replace("0 {{ param.hour }}", "45 {{ param.hour }}")
    with pytest.raises(Conflict) as refused:
        core.templates.apply(parse_templates(edited, "n.yaml"))
    assert refused.value.message == (
        "the instance 'nightly · shop' of template 'nightly' is running; apply the template "
        "again when its run has ended."
    )
    assert core.templates.get("nightly").version == 1
    execute(core, claim)
    (done,) = core.templates.apply(parse_templates(edited, "n.yaml"))
    assert done.action == "updated" and done.instances[0].changed == ["trigger"]


@pytest.mark.parametrize(
    ("data", "field", "said"),
    [
        ({"name": "Night\x00ly"}, "name", "name holds a NUL character; remove it."),
        ({"description": "half \ud800"}, "description", "holds a lone surrogate \\ud800"),
        (
            {"steps": [{"kind": "analyze", "scope": ["main", "x\x00"]}]},
            "steps[1].scope[2]",
            "steps[1].scope[2] holds a NUL character; remove it.",
        ),
        ({"name": "a\u202eb"}, "name", "name holds the bidirectional control \\u202e"),
    ],
)
def test_text_no_database_can_store_is_refused_naming_its_place(
    data: dict[str, Any], field: str, said: str
) -> None:
    document = {"slug": "t", "trigger": {"cron": "0 2 * * *"},
                "steps": [{"kind": "cache_refresh", "profile": "x"}], **data}  # fmt: skip
    with pytest.raises(InvalidInput) as refused:
        template_def(document)
    assert refused.value.field == field and said in refused.value.message


def test_a_parameter_value_holding_a_nul_is_refused() -> None:
    template = template_def(
        {"slug": "t", "parameters": [{"name": "note"}], "trigger": {"cron": "0 2 * * *"},
         "steps": [{"kind": "cache_refresh", "profile": "x"}]}
    )  # fmt: skip
    with pytest.raises(InvalidInput) as refused:
        parameter_values(template, {"note": "a\x00b"})
    assert refused.value.field == "note"
    assert "parameter 'note' holds a NUL character; remove it." in refused.value.message
