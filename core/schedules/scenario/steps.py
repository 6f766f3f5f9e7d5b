"""Each step kind's settings, validated once here for every front end (dialog, CLI, scenario
files, the HTTP API). A step is plain data: what runs it lives in `daemon.steps`."""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.catalog.scope import normalize_paths
from core.schedules.policies import DEFAULT_LLM_PROFILE, DEFAULT_REVIEW, Review
from core.secrets import ENV_NAME, is_credential_key

StepKind = Literal[
    "analyze",
    "cache_refresh",
    "snapshot_annotations",
    "export_docs",
    "write_comments",
    "run_command",
    "run_python",
    "send_report",
    "notify",
]
STEP_KINDS: tuple[str, ...] = StepKind.__args__  # type: ignore[attr-defined]
TIMEOUT_MAX_S = 7 * 86_400
ReportSection = Literal["summary", "pii", "review", "dictionary"]
REPORT_SECTIONS: tuple[ReportSection, ...] = ("summary", "pii", "review", "dictionary")
_MODULE_FUNCTION = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class _Step(BaseModel):
    """What every step has: its place in a parallel group and how its writes commit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = Field(default=None, max_length=120)
    # Consecutive steps marked parallel form a group that fans out and is waited for together.
    parallel: bool = False
    # A parallel group's writes to the AMX store commit together (all or nothing) when true.
    transactional: bool = True

    @property
    def label(self) -> str:
        """The step as a person names it: its own name, else its kind."""
        return self.name or str(getattr(self, "kind", "step"))


class _OnProfile(_Step):
    """A step that works on one DB profile (and optionally one database and a scope in it)."""

    profile: str = Field(min_length=1, max_length=120)
    database: str | None = None
    scope: list[str] = Field(default_factory=list)

    @field_validator("profile")
    @classmethod
    def _profile(cls, value: str) -> str:
        return value.strip()

    @field_validator("database")
    @classmethod
    def _database(cls, value: str | None) -> str | None:
        return (value or "").strip() or None

    @model_validator(mode="after")
    def _scope(self) -> Any:
        if self.scope or isinstance(self, AnalyzeStep):
            object.__setattr__(self, "scope", normalize_paths(self.scope, self.database))
        return self


class AnalyzeStep(_OnProfile):
    """The LLM analysis of a scope: proposals, applied at once with review auto."""

    kind: Literal["analyze"] = "analyze"
    llm_profile: str = Field(default=DEFAULT_LLM_PROFILE, min_length=1, max_length=120)
    review: Review = DEFAULT_REVIEW


class CacheRefreshStep(_OnProfile):
    """Re-read a DB profile's catalog (or the part under `scope`) into the catalog cache."""

    kind: Literal["cache_refresh"] = "cache_refresh"


class SnapshotAnnotationsStep(_OnProfile):
    """Snapshot every annotated table of a profile into the annotation revisions."""

    kind: Literal["snapshot_annotations"] = "snapshot_annotations"
    skip_hours: float = Field(default=12, ge=0, le=24 * 366)
    max_tables: int = Field(default=500, ge=1, le=100_000)
    change_note: str = Field(default="Daily auto-snapshot", max_length=500)
    author: str = Field(default="amx", min_length=1, max_length=120)


class ExportDocsStep(_OnProfile):
    """Write a scope's annotations to a file: JSON, or a dbt schema.yml."""

    kind: Literal["export_docs"] = "export_docs"
    format: Literal["json", "dbt"] = "json"
    # dbt: `models` for tables dbt builds; `sources` (by schema) for the raw tables it reads.
    dbt_shape: Literal["models", "sources"] = "models"
    # Absolute, or from ~: the daemon's working directory is nobody's choice.
    path: str = Field(min_length=1, max_length=4096)

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        value = value.strip()
        if "\x00" in value:
            raise ValueError("it holds a NUL character")
        if not (value.startswith("~") or PurePath(value).is_absolute()):
            raise ValueError(
                "it is relative; write an absolute path (or one starting with ~/), "
                "since the daemon does not run in your working directory"
            )
        return value


class WriteCommentsStep(_OnProfile):
    """Apply accepted descriptions to the database as table and column comments."""

    kind: Literal["write_comments"] = "write_comments"


def _check_env(env: dict[str, str]) -> dict[str, str]:
    for key, value in env.items():
        if not ENV_NAME.match(key):
            raise ValueError(f"environment variable name {key!r} is not valid")
        if is_credential_key(key) and not value.startswith("env:"):
            raise ValueError(
                f"{key} looks like a secret; write it as env:VAR, naming a variable of the "
                "daemon's environment, not the value itself"
            )
        ref = value.removeprefix("env:")
        if value.startswith("env:") and not ENV_NAME.match(ref):
            raise ValueError(f"{key}: {value!r} names no valid environment variable")
    return env


class _Process(_Step):
    """A step that runs a child process, in a working directory, with a timeout."""

    cwd: str | None = None
    # Values are literal, or env:VAR to pass on a variable of the daemon's own environment.
    env: dict[str, str] = Field(default_factory=dict)
    timeout_s: float = Field(default=3600, gt=0, le=TIMEOUT_MAX_S)

    @field_validator("env")
    @classmethod
    def _env(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_env(value)


class RunCommandStep(_Process):
    """Run a program (an argv list, no shell); a non-zero exit fails the step."""

    kind: Literal["run_command"] = "run_command"
    argv: list[str] = Field(min_length=1)

    @field_validator("argv")
    @classmethod
    def _argv(cls, value: list[str]) -> list[str]:
        if not value[0].strip():
            raise ValueError("the program (argv[0]) is empty")
        if any("\x00" in part for part in value):
            raise ValueError("an argument holds a NUL character")
        return value


class RunPythonStep(_Process):
    """Run a Python file, or `module:function` with `params`, in a child process."""

    kind: Literal["run_python"] = "run_python"
    file: str | None = None
    function: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _target(self) -> RunPythonStep:
        if (self.file is None) == (self.function is None):
            raise ValueError("give either file or function (module:function), not both or none")
        if self.function is not None and not _MODULE_FUNCTION.match(self.function):
            raise ValueError(f"function {self.function!r} is not written as module:function")
        return self


class SendReportStep(_Step):
    """E-mail an HTML digest of the run (summary, PII findings, review queue, dictionary)."""

    kind: Literal["send_report"] = "send_report"
    mail_profile: str = Field(min_length=1, max_length=120)
    to: list[str] = Field(min_length=1)
    subject: str | None = Field(default=None, max_length=300)
    profile: str | None = None  # the DB profile whose review queue and dictionary are reported
    scope: list[str] = Field(default_factory=list)
    sections: list[ReportSection] = Field(default_factory=lambda: list(REPORT_SECTIONS))

    @field_validator("to")
    @classmethod
    def _to(cls, value: list[str]) -> list[str]:
        for address in value:
            if not _EMAIL.match(address.strip()):
                raise ValueError(f"{address!r} is not an e-mail address")
        return [address.strip() for address in value]


class NotifyStep(_Step):
    """Send a short message to Apprise URLs (mailto://, slack://, json://…)."""

    kind: Literal["notify"] = "notify"
    # Each URL is written out, or env:VAR to read it (with its token) from the environment.
    urls: list[str] = Field(min_length=1)
    title: str | None = Field(default=None, max_length=200)
    message: str | None = Field(default=None, max_length=4000)

    @field_validator("urls")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        for url in value:
            ref = url.removeprefix("env:")
            if url.startswith("env:") and not ENV_NAME.match(ref):
                raise ValueError(f"{url!r} names no valid environment variable")
            if not url.startswith("env:") and "://" not in url:
                raise ValueError(f"{url!r} is not a URL such as mailto://… or json://…")
        return value


Step = Annotated[
    AnalyzeStep
    | CacheRefreshStep
    | SnapshotAnnotationsStep
    | ExportDocsStep
    | WriteCommentsStep
    | RunCommandStep
    | RunPythonStep
    | SendReportStep
    | NotifyStep,
    Field(discriminator="kind"),
]
