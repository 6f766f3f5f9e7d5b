"""Scenarios: the ordered steps a schedule fires, and each step kind's settings."""

from core.schedules.scenario.model import (
    SECTIONS,
    Scenario,
    Section,
    groups,
    parse_steps,
    steps_summary,
)
from core.schedules.scenario.steps import (
    STEP_KINDS,
    AnalyzeStep,
    CacheRefreshStep,
    ExportDocsStep,
    NotifyStep,
    RunCommandStep,
    RunPythonStep,
    SendReportStep,
    SnapshotAnnotationsStep,
    Step,
    StepKind,
    WriteCommentsStep,
)

__all__ = [
    "SECTIONS",
    "STEP_KINDS",
    "AnalyzeStep",
    "CacheRefreshStep",
    "ExportDocsStep",
    "NotifyStep",
    "RunCommandStep",
    "RunPythonStep",
    "Scenario",
    "Section",
    "SendReportStep",
    "SnapshotAnnotationsStep",
    "Step",
    "StepKind",
    "WriteCommentsStep",
    "groups",
    "parse_steps",
    "steps_summary",
]
