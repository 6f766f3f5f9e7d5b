"""The send_report step: the run's HTML report, e-mailed through a mail profile, with retries."""

from __future__ import annotations

from typing import Any

from core.errors import AmxError
from core.notify.digest import Digest, gather
from core.notify.report import compose
from core.notify.smtp import MailError, deliver
from core.schedules.scenario.steps import SendReportStep
from core.text import counted
from daemon.steps.base import StepContext, StepFailed, StepResult

ATTEMPTS = 4  # the first try and three retries
RETRY_BASE_S = 1.0  # waits of 1 s, 2 s and 4 s between tries


def run_status(ctx: StepContext) -> str:
    """How the run stands for a message: failed (on_failure), missed (on_missed) or succeeded."""
    if ctx.failure is not None:
        return "failed"
    try:
        trigger = ctx.core.runs.get(ctx.run_id).trigger
    except AmxError:
        trigger = ""
    return "missed" if trigger == "missed" else "succeeded"


def run(ctx: StepContext, step: SendReportStep) -> StepResult:
    """Render the report of the run and send it to `step.to`."""
    try:
        settings = ctx.core.mail.settings(step.mail_profile)
    except AmxError as exc:
        raise StepFailed(str(exc)) from None
    status = run_status(ctx)
    digest = Digest(
        schedule=ctx.schedule.name,
        schedule_id=ctx.schedule.id,
        run_id=ctx.run_id,
        status=status,
        sections=list(step.sections),
        profile=step.profile or ctx.schedule.db_profile or None,
        error=ctx.failure,
        note=ctx.schedule.note if status == "missed" else None,
    )
    scope = list(step.scope) or (list(ctx.schedule.scope) if step.profile is None else [])
    gather(ctx.core.db, digest, scope, own_step=ctx.step_run_id)
    message = compose(digest, settings.from_address, step.to, step.subject)
    ctx.log.info(
        f"sending the report ({', '.join(step.sections)}) to {counted(len(step.to), 'recipient')} "
        f"through mail profile {settings.name!r}"
    )
    try:
        attempt = deliver(
            settings,
            message,
            say=ctx.log.write,
            wait=ctx.cancel.wait,
            attempts=ATTEMPTS,
            base_s=RETRY_BASE_S,
        )
    except MailError as exc:
        raise StepFailed(
            f"mail profile {settings.name!r} could not send the report: {exc}."
        ) from None
    summary: dict[str, Any] = {
        "sent_to": len(step.to),
        "attempts": attempt,
        "pii_findings": len(digest.pii),
        "pending_review": digest.review_total,
    }
    return StepResult(summary)
