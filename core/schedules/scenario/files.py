"""Scenario files: YAML text to schedule specs that remember the line of every key (so a refusal
names the file, the line and the field), and a spec back to the document that `apply` reads.

A file holds one scenario document, several (`---`-separated), or a top-level list of them:

    name: nightly-docs
    trigger: {cron: "0 2 * * *", timezone: Asia/Jakarta}
    steps:
      - {kind: analyze, profile: shop, scope: [main.users]}
    on_failure: [{kind: notify, urls: ["mailto://ops@example.com"]}]
    missed_policy: ask        # skip | run_once
    retries: 3
    misfire_grace: 60         # seconds
    paused: true              # create it paused, or pause it; false resumes it

`paused` is where the schedule stands, not how it is made: left out, apply keeps whatever a
person chose in the studio or with `amx schedule pause`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path as FilePath
from typing import Any

import yaml

from core.errors import AmxError, InvalidInput
from core.schedules import triggers
from core.schedules.scenario.model import SECTIONS, first_analysis
from core.schedules.spec import ScheduleSpec, build_spec
from core.schedules.triggers import (
    AfterTrigger,
    CronTrigger,
    IntervalTrigger,
    OnceTrigger,
    Trigger,
    format_interval,
    trigger_to_data,
)
from core.schedules.zone_default import configured_zone_name
from core.text import name_key

Path = tuple[str | int, ...]
KEYS = ("name", "trigger", "steps", "on_failure", "on_missed", "missed_policy", "retries",
        "misfire_grace")  # fmt: skip
# A file's key for where the schedule stands rather than what it is (not a template's key).
PAUSED = "paused"
TRIGGER_KINDS = ("once", "cron", "interval", "after")
# The file's words for the spec's fields, where they differ.
FILE_KEY = {"max_retries": "retries", "misfire_grace_s": "misfire_grace"}
_SPEC_KEY = {v: k for k, v in FILE_KEY.items()}
# Fields the analysis form names, found in the scenario's first analyze step.
_LEAD_STEP_KEY = {
    "db_profile": "profile",
    "review_strategy": "review",
    "llm_profile": "llm_profile",
    "scope": "scope",
    "database": "database",
}
_STEP_FIELD = re.compile(r"^(steps|on_failure|on_missed)\[(\d+)\](?:\.(.+))?$")


class ScenarioFileError(InvalidInput):
    """A refusal about a scenario file: `source:line: ` and the core's sentence."""

    def __init__(self, source: str, line: int, field: str, message: str) -> None:
        super().__init__(field, f"{source}:{line}: {message}")
        self.source = source
        self.line = line


@dataclass(frozen=True)
class ScenarioDocument:
    """One scenario read from a file: its spec and where each of its keys stands."""

    source: str
    line: int  # where the document starts
    spec: ScheduleSpec
    lines: dict[Path, int] = field(default_factory=dict, compare=False)
    paused: bool | None = None  # None: the file leaves it to where the schedule stands

    def line_of(self, field_name: str) -> int:
        """The line of the key a core refusal's `field` names (the document's first line when
        the file does not have it)."""
        return _place(self.lines, self.line, field_name, self.spec)[1]

    def refusal(self, error: AmxError) -> ScenarioFileError:
        """A core refusal about this document, with the file and line of its field (the
        refusal's field becomes the file's key, `steps[3].profile`)."""
        key, line = _place(self.lines, self.line, error.field or "name", self.spec)
        return ScenarioFileError(self.source, line, key, _in_file_words(error))


def default_zone() -> str:
    """The zone of a document whose trigger names none."""
    return configured_zone_name()


def parse_documents(text: str, source: str, base: FilePath | None = None) -> list[ScenarioDocument]:
    """The scenarios in a file's text, each validated by `build_spec`; the first refusal is a
    ScenarioFileError naming the file, the line and the field. Relative paths in steps (an
    export's `path`, a command's `cwd`, a Python `file`) are taken relative to `base`, the
    file's folder, as a person writing the file next to them means them."""
    return [_document(source, node, data, base) for node, data in yaml_items(text, source)]


def yaml_items(text: str, source: str) -> list[tuple[yaml.Node, Any]]:
    """The items of a YAML file, each with its node (for line numbers): its documents, or the
    entries of a top-level list; a syntax error is a ScenarioFileError naming its line."""
    loader = yaml.SafeLoader(text)
    found: list[tuple[yaml.Node, Any]] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            data = loader.construct_document(node)
            if isinstance(node, yaml.SequenceNode):
                found += list(zip(node.value, data or [], strict=True))
            else:
                found.append((node, data))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "it cannot be read"
        raise ScenarioFileError(
            source, line, "file", f"this is not valid YAML ({problem}); fix the file's syntax."
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioFileError(source, 1, "file", f"this is not valid YAML ({exc}).") from None
    finally:
        loader.dispose()
    return found


def key_lines(node: yaml.Node, source: str) -> dict[Path, int]:
    """The line of every key and list item of a YAML document, by its path; a key given twice
    is refused naming its line."""
    out: dict[Path, int] = {}
    _lines(node, (), out, source)
    return out


def _lines(node: yaml.Node, path: Path, out: dict[Path, int], source: str) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            here = (*path, key)
            if here in out:
                raise ScenarioFileError(
                    source,
                    key_node.start_mark.line + 1,
                    _dotted(here),
                    f"{_dotted(here)} is given twice; keep one.",
                )
            out[here] = key_node.start_mark.line + 1
            _lines(value_node, here, out, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            out[(*path, index)] = item.start_mark.line + 1
            _lines(item, (*path, index), out, source)


def _dotted(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _anchored(fields: dict[str, Any], base: FilePath) -> None:
    for section in SECTIONS:
        steps = fields.get(section)
        if isinstance(steps, list):
            fields[section] = [_anchored_step(step, base) for step in steps]


def _anchored_step(step: Any, base: FilePath) -> Any:
    if not isinstance(step, dict):
        return step
    out = dict(step)
    for key in _PATH_KEYS.get(str(step.get("kind")), ()):
        value = out.get(key)
        relative = isinstance(value, str) and value and not value.startswith("~")
        if relative and not FilePath(str(value)).is_absolute():
            out[key] = str(base / str(value))
    return out


def _document(
    source: str, node: yaml.Node, data: Any, base: FilePath | None = None
) -> ScenarioDocument:
    start = node.start_mark.line + 1
    if not isinstance(data, dict):
        raise ScenarioFileError(
            source, start, "file", "a scenario is a mapping of name, trigger and steps."
        )
    lines: dict[Path, int] = {}
    _lines(node, (), lines, source)
    data = dict(data)
    paused = data.pop(PAUSED, None)
    if paused is not None and not isinstance(paused, bool):
        raise ScenarioFileError(
            source,
            lines.get((PAUSED,), start),
            PAUSED,
            f"paused is {paused!r}; write true or false.",
        )
    unknown = _unknown_key(data)
    if unknown is not None:
        raise ScenarioFileError(
            source, lines.get((unknown,), start), unknown, _not_a_key(unknown, (*KEYS, PAUSED))
        )
    try:
        spec = _spec(data, base)
    except InvalidInput as exc:
        key, line = _place(lines, start, exc.field, None, data)
        raise ScenarioFileError(source, line, key, _in_file_words(exc)) from None
    return ScenarioDocument(source, start, spec, lines, paused)


def spec_from_document(data: Any) -> ScheduleSpec:
    """A scenario document already read (a JSON object of a file's shape) as a spec; a refusal
    is InvalidInput whose field is the document's key in the file's words (`steps[2].format`)."""
    if not isinstance(data, dict):
        raise InvalidInput("body", "a scenario is a mapping of name, trigger and steps.")
    unknown = _unknown_key(data)
    if unknown is not None:
        raise InvalidInput(unknown, _not_a_key(unknown))
    try:
        return _spec(data, None)
    except InvalidInput as exc:
        key, _ = _place({}, 1, exc.field, None, data)
        raise InvalidInput(key, _in_file_words(exc)) from None


def _unknown_key(data: dict[Any, Any]) -> str | None:
    return next((str(key) for key in data if key not in KEYS), None)


def _not_a_key(key: str, keys: tuple[str, ...] = KEYS) -> str:
    return f"{key!r} is not a key of a scenario; use {', '.join(keys)}."


def _spec(data: dict[Any, Any], base: FilePath | None) -> ScheduleSpec:
    """A document's mapping (of known keys) as a spec: the file's words mapped to the spec's,
    relative paths anchored at `base`; refusals name the spec's field."""
    fields: dict[str, Any] = {_SPEC_KEY.get(str(k), str(k)): v for k, v in data.items()}
    if base is not None:
        _anchored(fields, base)
    if isinstance(fields.get("missed_policy"), str):
        fields["missed_policy"] = fields["missed_policy"].replace("-", "_")
    if "trigger" in fields:
        fields["trigger"], fields["timezone"] = _trigger(fields["trigger"])
    return build_spec(**fields)


def _trigger(data: Any) -> tuple[Trigger, str]:
    """A trigger mapping: one kind (once, cron, interval, after) and an optional timezone."""
    if not isinstance(data, dict):
        raise InvalidInput(
            "trigger", "trigger is a mapping such as {cron: '0 2 * * *', timezone: UTC}."
        )
    kinds = [key for key in data if key in TRIGGER_KINDS]
    extra = [str(key) for key in data if key not in (*TRIGGER_KINDS, "timezone")]
    if extra:
        raise InvalidInput(
            f"trigger.{extra[0]}",
            f"trigger: {extra[0]!r} is not a trigger setting; use one of "
            f"{', '.join(TRIGGER_KINDS)}, and timezone.",
        )
    if len(kinds) != 1:
        raise InvalidInput("trigger", f"trigger: give exactly one of {', '.join(TRIGGER_KINDS)}.")
    kind = kinds[0]
    zone_name = data.get("timezone")
    if zone_name is None:
        zone_name = default_zone()
    if not isinstance(zone_name, str):
        raise InvalidInput("timezone", f"timezone {zone_name!r} is not an IANA zone name.")
    triggers.zone(zone_name)
    try:
        return _BUILD[kind](data[kind]), zone_name
    except InvalidInput as exc:
        raise InvalidInput(f"trigger.{kind}", f"trigger: {exc.message}") from None


def _once(value: Any) -> Trigger:
    if isinstance(value, datetime) and value.tzinfo is None:
        return triggers.once(value)
    if not isinstance(value, str):
        raise InvalidInput(
            "fire_at", f"once {value!r} is not a date-time; write 'YYYY-MM-DD HH:MM'."
        )
    return triggers.once(value)


def _interval(value: Any) -> Trigger:
    if isinstance(value, int) and not isinstance(value, bool):
        return triggers.interval(value)
    return triggers.interval(str(value))


def _cron(value: Any) -> Trigger:
    return triggers.cron(value)


def _after(value: Any) -> Trigger:
    return triggers.after(value)


# Step settings that name a file or folder, by step kind.
_PATH_KEYS = {"export_docs": ("path",), "run_command": ("cwd",), "run_python": ("cwd", "file")}
_BUILD = {"once": _once, "cron": _cron, "interval": _interval, "after": _after}


def _in_file_words(error: AmxError) -> str:
    """The core's sentence with the spec's field names written as the file writes them."""
    message = error.message
    for spec_key, file_key in FILE_KEY.items():
        if message.startswith(spec_key + " "):
            return file_key + message.removeprefix(spec_key)
    return message


def _place(
    lines: dict[Path, int],
    start: int,
    field_name: str,
    spec: ScheduleSpec | None,
    data: Any = None,
) -> tuple[str, int]:
    """(the key a refusal's `field` names, in the file's words; the line of that key, else of
    the nearest key above it that the file has, else the document's first line)."""
    path: Path
    match = _STEP_FIELD.match(field_name)
    if match:
        section, number, rest = match.groups()
        path = (section, int(number) - 1, *(rest.split(".")[:1] if rest else ()))
    elif field_name in ("fire_at", "cron", "every", "anchor", "after", "trigger") or (
        field_name.startswith("trigger.")
    ):
        given = field_name.split(".")[1:2]
        kind = next((k for k in TRIGGER_KINDS if ("trigger", k) in lines), None)
        path = ("trigger", *(given or ([kind] if kind else [])))
    elif field_name == "timezone":
        path = ("trigger", "timezone")
    elif field_name in _LEAD_STEP_KEY:
        steps = spec.steps if spec is not None else None
        index = _lead_index(steps, data)
        path = ("steps", index, _LEAD_STEP_KEY[field_name]) if index is not None else ("steps",)
    else:
        path = (FILE_KEY.get(field_name, field_name),)
    found = path
    while found and found not in lines:
        found = found[:-1]
    return _dotted(path), lines[found] if found else start


def _lead_index(steps: Any, data: Any) -> int | None:
    if steps is not None:
        lead = first_analysis(steps)
        return next((i for i, s in enumerate(steps) if s is lead), None)
    items = data.get("steps") if isinstance(data, dict) else None
    if isinstance(items, list):
        return next(
            (i for i, s in enumerate(items) if isinstance(s, dict) and s.get("kind") == "analyze"),
            None,
        )
    return None


# -- writing ------------------------------------------------------------------------------


def trigger_document(trigger: Trigger, zone_name: str) -> dict[str, Any]:
    """A trigger as a file writes it: its kind's key, then its timezone."""
    if isinstance(trigger, OnceTrigger):
        at = trigger.fire_at
        return {"once": at.strftime("%Y-%m-%d %H:%M:%S" if at.second else "%Y-%m-%d %H:%M"),
                "timezone": zone_name}  # fmt: skip
    if isinstance(trigger, CronTrigger):
        return {"cron": trigger.expr, "timezone": zone_name}
    if isinstance(trigger, IntervalTrigger):
        return {"interval": format_interval(trigger.every_seconds), "timezone": zone_name}
    return {"after": trigger.upstream, "timezone": zone_name}


class Flow(dict[str, Any]):
    """A mapping written on one line, as a step or a trigger reads best."""


class Dumper(yaml.SafeDumper):
    """Writes YAML without anchors, and `Flow` mappings on one line."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


Dumper.add_representer(
    Flow, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data, True)
)


def document(spec: ScheduleSpec, *, paused: bool = False) -> dict[str, Any]:
    """A spec as a scenario document, leaving out the settings at their defaults; `paused`
    writes `paused: true`."""
    doc: dict[str, Any] = {
        "name": spec.name,
        "trigger": Flow(trigger_document(spec.trigger, spec.timezone)),
    }
    for section, steps in spec.scenario.as_data().items():
        doc[section] = [Flow(step) for step in steps]
    for key in ("missed_policy", "max_retries", "misfire_grace_s"):
        value = getattr(spec, key)
        if value != ScheduleSpec.model_fields[key].default:
            doc[FILE_KEY.get(key, key)] = value
    if paused:
        doc[PAUSED] = True
    return doc


def dump(specs: list[ScheduleSpec], paused: frozenset[str] = frozenset()) -> str:
    """The YAML of scenario documents, `---`-separated; those named in `paused` are written
    with `paused: true`."""
    return yaml.dump_all(
        [document(spec, paused=spec.name in paused) for spec in specs],
        Dumper=Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )


# -- comparing ----------------------------------------------------------------------------


def changed_keys(current: ScheduleSpec, wanted: ScheduleSpec) -> list[str]:
    """The keys (in the file's words) where `wanted` differs from `current`. An interval
    without an anchor keeps the current one's rhythm, so only its length counts."""
    changed: list[str] = []
    if current.name != wanted.name:
        changed.append("name")
    if not _same_trigger(current.trigger, wanted.trigger):
        changed.append("trigger")
    if current.timezone != wanted.timezone:
        changed.append("timezone")
    now, then = current.scenario.as_data(), wanted.scenario.as_data()
    changed += [s for s in ("steps", "on_failure", "on_missed") if now.get(s) != then.get(s)]
    for key in ("missed_policy", "max_retries", "misfire_grace_s"):
        if getattr(current, key) != getattr(wanted, key):
            changed.append(FILE_KEY.get(key, key))
    return changed


def _same_trigger(current: Trigger, wanted: Trigger) -> bool:
    if isinstance(current, IntervalTrigger) and isinstance(wanted, IntervalTrigger):
        return current.every_seconds == wanted.every_seconds and (
            wanted.anchor is None or wanted.anchor == current.anchor
        )
    if isinstance(current, AfterTrigger) and isinstance(wanted, AfterTrigger):
        return name_key(current.upstream) == name_key(wanted.upstream)  # the id is the core's
    return trigger_to_data(current) == trigger_to_data(wanted)


def spec_of_document(data: dict[str, Any]) -> ScheduleSpec:
    """A scenario document's mapping (the file's keys, as from a template) as a spec; a refusal
    is the core's InvalidInput naming the spec's field."""
    unknown = [str(key) for key in data if key not in KEYS]
    if unknown:
        raise InvalidInput(
            unknown[0], f"{unknown[0]!r} is not a key of a scenario; use {', '.join(KEYS)}."
        )
    fields: dict[str, Any] = {_SPEC_KEY.get(str(k), str(k)): v for k, v in data.items()}
    if isinstance(fields.get("missed_policy"), str):
        fields["missed_policy"] = fields["missed_policy"].replace("-", "_")
    if "trigger" in fields:
        fields["trigger"], fields["timezone"] = _trigger(fields["trigger"])
    return build_spec(**fields)
