"""Template files: YAML text to template definitions (a refusal names the file, the line and the
field, as scenario files do), and definitions back to the YAML that re-applies to no change.

    slug: nightly-pii
    name: Nightly PII sweep
    parameters:
      - {name: scope, type: scope, default: [public]}
      - {name: hour, type: int, default: 2}
    trigger: {cron: "0 {{ param.hour }} * * *", timezone: UTC}
    steps:
      - {kind: analyze, profile: "{{ profile.name }}", scope: "{{ param.scope }}"}
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from core.errors import InvalidInput
from core.schedules.scenario.files import (
    Dumper,
    Flow,
    ScenarioFileError,
    key_lines,
    yaml_items,
)
from core.schedules.templates.model import KEYS, Parameter, TemplateDef, template_def

_SEGMENT = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")


def parse_templates(text: str, source: str) -> list[TemplateDef]:
    """The templates in a file's text (one document, several `---`-separated, or a list)."""
    return [_template(source, node, data) for node, data in yaml_items(text, source)]


def _template(source: str, node: yaml.Node, data: Any) -> TemplateDef:
    start = node.start_mark.line + 1
    if not isinstance(data, dict):
        raise ScenarioFileError(
            source, start, "file", "a template is a mapping of slug, parameters, trigger and steps."
        )
    lines = key_lines(node, source)
    try:
        return template_def(data)
    except InvalidInput as exc:
        path: tuple[str | int, ...] = tuple(
            name if name else int(number) - 1 for name, number in _SEGMENT.findall(exc.field or "")
        )
        while path and path not in lines:
            path = path[:-1]
        raise ScenarioFileError(
            source, lines[path] if path else start, exc.field or "file", exc.message
        ) from None


def document(definition: TemplateDef) -> dict[str, Any]:
    """A template as a file writes it, leaving out settings at their defaults."""
    doc: dict[str, Any] = {"slug": definition.slug, "name": definition.name}
    if definition.description:
        doc["description"] = definition.description
    if definition.default_enabled:
        doc["default_enabled"] = True
    if definition.parameters:
        doc["parameters"] = [
            Flow(_parameter_document(p.model_dump())) for p in definition.parameters
        ]
    for key in KEYS:
        if key in definition.body:
            value = definition.body[key]
            if key == "trigger" and isinstance(value, dict):
                value = Flow(value)
            elif key in ("steps", "on_failure", "on_missed") and isinstance(value, list):
                value = [Flow(v) if isinstance(v, dict) else v for v in value]
            doc[key] = value
    return doc


def _parameter_document(data: dict[str, Any]) -> dict[str, Any]:
    """A parameter as a file writes it: its name, and the settings not at their defaults."""
    return {k: v for k, v in data.items() if k == "name" or v != Parameter.model_fields[k].default}


def dump(definitions: list[TemplateDef]) -> str:
    """The YAML of template documents, `---`-separated."""
    return yaml.dump_all(
        [document(d) for d in definitions],
        Dumper=Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
