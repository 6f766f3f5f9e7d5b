"""Sending mail over SMTP per a mail profile (STARTTLS, SSL or plain), and delivery with retries
that say, in one sentence each, what the server answered."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Literal

from core.choices import Security

SayLevel = Literal["info", "warning"]

TIMEOUT_S = 30.0
ATTEMPTS = 4  # the first try and up to three retries
RETRY_BASE_S = 1.0  # waits of 1 s, 2 s, 4 s between tries


@dataclass(frozen=True)
class MailSettings:
    """What sending needs: the server, how to secure it, and the login (password resolved)."""

    name: str
    host: str
    port: int
    security: Security
    username: str | None
    password: str | None = field(repr=False)
    from_address: str


class MailError(Exception):
    """Sending failed; the message is one sentence naming what the server or network said."""


def _open(settings: MailSettings, timeout: float) -> smtplib.SMTP:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.security == "ssl":
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    try:
        if settings.security == "starttls":
            smtp.starttls(context=context)
        if settings.username:
            smtp.login(settings.username, settings.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def explain(exc: Exception, settings: MailSettings) -> str:
    """An SMTP or network failure as a few words, without the password."""
    where = f"{settings.host}:{settings.port}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = ", ".join(
            f"{who} ({code} {_text(reply)})" for who, (code, reply) in exc.recipients.items()
        )
        return f"{where} refused every recipient: {refused}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{where} answered {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"{where} closed the connection"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"{where} does not support this ({exc})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS with {where} failed ({exc.reason or exc})"
    if isinstance(exc, TimeoutError):
        return f"{where} did not answer within {TIMEOUT_S:g} s"
    if isinstance(exc, OSError):
        return f"cannot reach {where} ({exc.strerror or exc})"
    return f"{type(exc).__name__}: {exc}"


def _text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())


def send(settings: MailSettings, message: EmailMessage, timeout: float = TIMEOUT_S) -> None:
    """Send `message` once; raise MailError saying why it was not accepted."""
    try:
        with _open(settings, timeout) as smtp:
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(explain(exc, settings)) from None


def probe(settings: MailSettings, timeout: float = TIMEOUT_S) -> str:
    """Connect, secure and log in as the profile says; say what was reached."""
    try:
        with _open(settings, timeout) as smtp:
            code, _ = smtp.noop()
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(explain(exc, settings)) from None
    login = f", logged in as {settings.username}" if settings.username else ""
    return f"{settings.host}:{settings.port} answered {code} ({settings.security}{login})"


def deliver(
    settings: MailSettings,
    message: EmailMessage,
    *,
    say: Callable[[SayLevel, str], None],
    wait: Callable[[float], bool],
    attempts: int = ATTEMPTS,
    base_s: float = RETRY_BASE_S,
    timeout: float = TIMEOUT_S,
) -> int:
    """Send with retries after 1, 2, 4 times `base_s`; `say` hears each attempt, `wait(s)` pauses
    and returns True to give up early. Returns the attempt that succeeded; raises MailError
    with the last failure."""
    last = ""
    for attempt in range(1, attempts + 1):
        try:
            send(settings, message, timeout)
        except MailError as exc:
            last = str(exc)
            if attempt == attempts:
                say("warning", f"attempt {attempt} of {attempts} failed: {last}")
                break
            delay = base_s * (2 ** (attempt - 1))
            say(
                "warning",
                f"attempt {attempt} of {attempts} failed: {last}; trying again in {delay:g} s",
            )
            if wait(delay):
                raise MailError(f"{last} (given up: the run was cancelled)") from None
            continue
        say("info", f"attempt {attempt} of {attempts}: the server accepted the message")
        return attempt
    raise MailError(last)
