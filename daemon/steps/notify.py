"""The notify step: a short message to each Apprise URL; a URL written env:VAR is read from the
environment when the step runs. Every URL is tried; any failure fails the step, naming it."""

from __future__ import annotations

import logging
import os
from urllib.parse import parse_qsl, unquote, urlsplit

import apprise

from core.schedules.scenario.steps import NotifyStep
from core.text import counted
from daemon.steps.base import StepContext, StepFailed, StepResult
from daemon.steps.send_report import run_status

# Services whose path is the receiver's own address: Apprise's privacy view leaves it as is, and
# a webhook path often holds a token.
_WEBHOOKS = {"json", "jsons", "xml", "xmls", "form", "forms"}
_SHOWN_HOSTS = _WEBHOOKS | {"mailto", "mailtos"}
_KINDS = {
    "failed": apprise.NotifyType.FAILURE,
    "missed": apprise.NotifyType.WARNING,
    "succeeded": apprise.NotifyType.SUCCESS,
}


def default_text(ctx: StepContext, status: str) -> tuple[str, str]:
    """The title and body said when the step gives none."""
    schedule = ctx.schedule
    title = f"AMX: {schedule.name} {status}"
    body = f"Schedule {schedule.name!r} (id {schedule.id}), run {ctx.run_id}: {status}."
    if ctx.failure:
        body += f"\nError: {ctx.failure}"
    if status == "missed" and schedule.note:
        body += f"\n{schedule.note}"
    return title, body


def shown(url: str) -> str:
    """A URL as messages may show it: scheme, and the host and port of a webhook or mail
    server; user-info, paths and the "host" of other services (often a token) hidden."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<unparseable URL>"
    if parts.scheme.lower() not in _SHOWN_HOSTS:
        return f"{parts.scheme}://…"
    user = "***@" if "@" in parts.netloc else ""
    path = "/…" if parts.path.strip("/") or parts.query else ""
    return f"{parts.scheme}://{user}{host}{port}{path}"


def _secrets_of(url: str) -> list[str]:
    """The parts of `url` that may be credentials, longest first, for scrubbing messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    found = [url, parts.password or "", parts.username or ""]
    found += [unquote(p) for p in parts.path.split("/")]
    found += [value for _, value in parse_qsl(parts.query)]
    if parts.scheme not in _WEBHOOKS:  # the "host" of most services is a token
        found.append(parts.hostname or "")
    return sorted({s for s in found if len(s) >= 4}, key=len, reverse=True)


def _scrub(text: str, url: str) -> str:
    for secret in _secrets_of(url):
        text = text.replace(secret, "***")
    return " ".join(text.split())


def _resolve(raw: str) -> tuple[str | None, str]:
    """(the URL, how to name it); the URL is None when its variable is not set."""
    if raw.startswith("env:"):
        var = raw.removeprefix("env:")
        return os.environ.get(var) or None, raw
    return raw, shown(raw)


def _send(url: str, title: str, body: str, kind: apprise.NotifyType) -> str | None:
    """Send to one URL; None when it was accepted, else why not (credentials scrubbed)."""
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        return "Apprise knows no service for this URL"
    with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]
        ok = plugin.notify(body=body, title=title, notify_type=kind)
        said = captured.getvalue()
    if ok:
        return None
    lines = [line.partition(" - WARNING - ")[2] or line for line in str(said).splitlines()]
    why = next((line for line in reversed(lines) if line.strip()), "the service refused it")
    return _scrub(why, url)


def run(ctx: StepContext, step: NotifyStep) -> StepResult:
    """Send the step's message to each of its URLs; fail naming those that did not take it."""
    status = run_status(ctx)
    title, body = default_text(ctx, status)
    title = step.title or title
    body = step.message or body
    kind = _KINDS.get(status, apprise.NotifyType.INFO)
    failed: list[str] = []
    for raw in step.urls:
        url, name = _resolve(raw)
        if url is None:
            failed.append(f"{name} (the variable is not set in the daemon's environment)")
            ctx.log.error(f"{name}: the variable is not set in the daemon's environment")
            continue
        if name.startswith("env:"):
            name = f"{name} ({shown(url)})"
        why = _send(url, title, body, kind)
        if why is None:
            ctx.log.info(f"{name}: sent")
        else:
            failed.append(f"{name} ({why})")
            ctx.log.error(f"{name}: not sent: {why}")
    sent = len(step.urls) - len(failed)
    if failed:
        raise StepFailed(
            f"{len(failed)} of {counted(len(step.urls), 'notification URL')} failed: "
            f"{'; '.join(failed)}.",
            summary={"sent": sent, "failed": len(failed)},
        )
    return StepResult({"sent": sent})
