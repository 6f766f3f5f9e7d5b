"""The send_report step: a run's HTML report, e-mailed through a real loopback SMTP server that
refuses the first attempt, with the retry seen in the step's log and hostile names escaped."""

from __future__ import annotations

import sys
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest

import daemon.steps.send_report as send_report
from core.api import Core
from core.clock import FrozenClock
from core.schedules.spec import build_spec
from core.schedules.triggers import once
from daemon.execute import execute
from daemon.tick import tick
from tests.support.receivers import free_port, smtp_server

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(autouse=True)
def _quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(send_report, "RETRY_BASE_S", 0.05)


def mail_profile(core: Core, port: int) -> None:
    core.mail.add("office", "127.0.0.1", port=port, security="none", from_address="amx@example.com")


def schedule(core: Core, steps: list[dict[str, Any]], **kw: Any) -> int:
    spec = build_spec(
        name=kw.pop("name", "nightly"),
        trigger=once("2026-11-21 09:05"),
        timezone="Asia/Jakarta",
        steps=steps,
        **kw,
    )
    return core.schedules.create(spec).id


def fire(core: Core, clock: FrozenClock, ahead: timedelta = timedelta(minutes=5)) -> list[Any]:
    clock.advance(ahead)
    return [execute(core, c) for c in tick(core, "w1", slots=10).claimed]


def report(**kw: Any) -> dict[str, Any]:
    return {"kind": "send_report", "mail_profile": "office", "to": ["dba@example.com"], **kw}


ANALYZE = {"kind": "analyze", "profile": "shop", "scope": ["public.users"]}


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def test_the_report_is_sent_after_a_refused_first_attempt(core: Core, clock: FrozenClock) -> None:
    core.review.set_value("shop", "main.public.users", "description", HOSTILE)
    with smtp_server(refuse=1) as (port, box):
        mail_profile(core, port)
        schedule(core, [ANALYZE, report(profile="shop")], name="<b>nightly</b> & co")
        [run] = fire(core, clock)
    assert run.status == "succeeded", run.error
    assert box.tries == 2
    [message] = box.messages
    assert box.recipients == [["dba@example.com"]]
    assert message["Subject"] == f"AMX report: <b>nightly</b> & co — run {run.id} succeeded"
    assert message["From"] == "amx@example.com"
    html = html_of(message)
    for heading in (
        "Summary",
        "New PII findings",
        "Review queue of shop",
        "Data dictionary of shop",
    ):
        assert f">{heading}</h2>" in html
    assert "&lt;b&gt;nightly&lt;/b&gt; &amp; co" in html
    assert "<b>nightly</b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and HOSTILE not in html
    assert "public.users.email" in html and "pii:email" in html
    text = text_of(message)
    assert "NEW PII FINDINGS" in text and "- main.public.users.email: pii:email (pending)" in text
    assert HOSTILE in text  # plain text is not markup: shown as written
    steps = core.runs.steps.of_run(run.id)
    [sent] = [s for s in steps if s.kind == "send_report"]
    assert sent.status == "succeeded" and sent.summary is not None
    assert sent.summary["attempts"] == 2 and sent.summary["pii_findings"] >= 1
    said = [
        (line.level, line.text)
        for line in core.runs.log.lines(run.id)
        if line.step_run_id == sent.id
    ]
    assert ("warning", "attempt 1 of 4 failed: 127.0.0.1:" + str(port) + " answered 451 4.3.0 "
            "Mailbox busy, try again later; trying again in 0.05 s") in said  # fmt: skip
    assert ("info", "attempt 2 of 4: the server accepted the message") in said


def test_sections_choose_what_the_report_holds(core: Core, clock: FrozenClock) -> None:
    core.review.set_value("shop", "main.public.orders", "description", "Orders people placed")
    core.review.set_value("shop", "main.sales.invoices", "description", "Out of scope")
    with smtp_server() as (port, box):
        mail_profile(core, port)
        steps = [
            {"kind": "cache_refresh", "profile": "shop"},
            report(sections=["dictionary"], profile="shop", scope=["public"], subject="Docs"),
        ]
        schedule(core, steps)
        [run] = fire(core, clock)
    assert run.status == "succeeded", run.error
    [message] = box.messages
    assert message["Subject"] == "Docs"
    html = html_of(message)
    assert ">Data dictionary of shop</h2>" in html
    assert "Orders people placed" in html and "Out of scope" not in html
    assert "Summary" not in html and "Review queue" not in html and "PII" not in html


def test_delivery_gives_up_after_four_attempts_naming_the_profile_and_the_error(
    core: Core, clock: FrozenClock
) -> None:
    with smtp_server(refuse=10) as (port, box):
        mail_profile(core, port)
        schedule(core, [{"kind": "cache_refresh", "profile": "shop"}, report()], max_retries=0)
        [run] = fire(core, clock)
    assert box.tries == 4 and box.messages == []
    assert run.status == "failed"
    assert run.error == (
        f"step 2/2 send_report: mail profile 'office' could not send the report: 127.0.0.1:{port} "
        "answered 451 4.3.0 Mailbox busy, try again later."
    )
    [_, sent] = core.runs.steps.of_run(run.id)
    said = [line.text for line in core.runs.log.lines(run.id) if line.step_run_id == sent.id]
    assert [line.split(":")[0] for line in said if line.startswith("attempt")] == [
        "attempt 1 of 4 failed", "attempt 2 of 4 failed", "attempt 3 of 4 failed",
        "attempt 4 of 4 failed",
    ]  # fmt: skip
    assert "trying again in 0.2 s" in said[3]  # 0.05, 0.1, 0.2: doubling


def test_an_unreachable_server_and_a_missing_password_fail_in_one_sentence(
    core: Core, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    core.mail.add(
        "office", "127.0.0.1", port=port, security="none", from_address="amx@example.com",
        username="amx", password="env:AMX_TEST_SMTP_PASSWORD",
    )  # fmt: skip
    monkeypatch.delenv("AMX_TEST_SMTP_PASSWORD", raising=False)
    schedule(core, [{"kind": "cache_refresh", "profile": "shop"}, report()], max_retries=0)
    [run] = fire(core, clock)
    assert run.status == "failed"
    assert run.error.endswith(
        "mail profile 'office' reads its password from $AMX_TEST_SMTP_PASSWORD, which is not "
        "set in this environment; set it where the daemon runs."
    )


def test_an_on_failure_report_says_why_the_run_failed(core: Core, clock: FrozenClock) -> None:
    bad = {
        "kind": "run_command",
        "argv": [sys.executable, "-c", "print('<boom>'); raise SystemExit(4)"],
    }
    with smtp_server() as (port, box):
        mail_profile(core, port)
        schedule(core, [bad], on_failure=[report(sections=["summary"])], max_retries=0)
        [run] = fire(core, clock)
    assert run.status == "failed"
    [message] = box.messages
    assert message["Subject"] == f"AMX report: nightly — run {run.id} failed"
    html = html_of(message)
    assert "<b>failed</b>" in html
    assert "Error: step 1/1 run_command: " in html
    assert "exited with code 4: &lt;boom&gt;</p>" in html
    [step, told] = core.runs.steps.of_run(run.id)
    assert (step.status, told.section, told.status) == ("failed", "on_failure", "succeeded")
