"""Mail profiles: the SMTP servers reports are sent through. The password is never stored: a
profile names the environment variable that holds it (written `env:VAR`)."""

from __future__ import annotations

import os
import re

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from core.catalog.profiles import _check_name, _schedules_naming
from core.choices import SECURITIES, Security
from core.clock import Clock
from core.errors import Conflict, InvalidInput, NotFound
from core.notify.smtp import MailError, MailSettings, probe
from core.secrets import ENV_NAME
from core.storage.engine import Database
from core.storage.tables import MailProfile
from core.text import counted, name_key, some_of

DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "ssl": 465, "none": 25}
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_HOST = re.compile(r"^[A-Za-z0-9._:\[\]-]+$")


class MailProfileInfo(BaseModel):
    """A mail profile as front ends show it (the password only as its env:VAR reference)."""

    model_config = ConfigDict(frozen=True)
    name: str
    host: str
    port: int
    security: Security
    username: str | None
    password: str | None  # "env:VAR", or None
    from_address: str


def _info(row: MailProfile) -> MailProfileInfo:
    return MailProfileInfo(
        name=row.name,
        host=row.host,
        port=row.port,
        security=row.security,
        username=row.username,
        password=f"env:{row.password_env}" if row.password_env else None,
        from_address=row.from_address,
    )


def check_password(password: str | None) -> str | None:
    """The variable named by an `env:VAR` password, None for no password; a literal one is
    refused without echoing it."""
    if password is None or not password.strip():
        return None
    ref = password.strip()
    if not ref.startswith("env:"):
        raise InvalidInput(
            "password",
            "a password is never stored; put it in an environment variable of the daemon and "
            "write it as env:VAR (e.g. env:SMTP_PASSWORD).",
        )
    var = ref.removeprefix("env:")
    if not ENV_NAME.match(var):
        raise InvalidInput("password", f"{ref!r} names no valid environment variable.")
    return var


def _check_fields(
    host: str, port: int | None, security: str, username: str | None, from_address: str
) -> tuple[str, int, Security, str | None, str]:
    host = host.strip()
    if not host or not _HOST.match(host) or len(host) > 255:
        raise InvalidInput("host", f"host {host!r} is not a host name such as smtp.example.com.")
    if security not in SECURITIES:
        raise InvalidInput(
            "security", f"security {security!r} is unknown; use {', '.join(SECURITIES)}."
        )
    port = DEFAULT_PORTS[security] if port is None else port
    if not 1 <= port <= 65535:
        raise InvalidInput("port", f"port {port} is not between 1 and 65535.")
    username = (username or "").strip() or None
    if username is not None and (len(username) > 255 or any(c in username for c in "\r\n")):
        raise InvalidInput("username", "the username must be one line of at most 255 characters.")
    from_address = from_address.strip()
    if not _EMAIL.match(from_address) or len(from_address) > 320:
        raise InvalidInput(
            "from_address", f"{from_address!r} is not an e-mail address such as amx@example.com."
        )
    return host, port, security, username, from_address


class MailProfileService:
    """Add, list, read and remove mail profiles."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def add(
        self,
        name: str,
        host: str,
        *,
        from_address: str,
        port: int | None = None,
        security: str = "starttls",
        username: str | None = None,
        password: str | None = None,
    ) -> MailProfileInfo:
        """Add a mail profile; the password may only be an env:VAR reference."""
        name = _check_name(name, "name")
        password_env = check_password(password)
        host, port, checked, username, from_address = _check_fields(
            host, port, security, username, from_address
        )
        with self.db.write() as session:
            taken = session.scalar(
                select(MailProfile.name).where(MailProfile.name_key == name_key(name))
            )
            if taken is not None:
                same = "" if taken == name else f" ({taken!r}, the same name in another form)"
                raise Conflict(
                    f"a mail profile named {name!r} exists already{same}; choose another name.",
                    field="name",
                )
            row = MailProfile(
                name=name,
                host=host,
                port=port,
                security=checked,
                username=username,
                password_env=password_env,
                from_address=from_address,
                created_at=self.clock.now(),
            )
            session.add(row)
            session.flush()
            return _info(row)

    def list(self) -> list[MailProfileInfo]:
        """Every mail profile, by name."""
        with self.db.read() as session:
            rows = session.scalars(select(MailProfile).order_by(MailProfile.name)).all()
            return [_info(r) for r in rows]

    def get(self, name: str) -> MailProfileInfo:
        """One mail profile, or NotFound."""
        with self.db.read() as session:
            row = session.scalar(select(MailProfile).where(MailProfile.name == name))
            if row is None:
                raise NotFound(
                    f"no mail profile named {name!r}; add it with its SMTP server first.",
                    field="mail_profile",
                )
            return _info(row)

    def settings(self, name: str) -> MailSettings:
        """What sending through profile `name` needs, its password read from the environment."""
        info = self.get(name)
        password = None
        if info.password:
            var = info.password.removeprefix("env:")
            password = os.environ.get(var)
            if password is None:
                raise InvalidInput(
                    "password",
                    f"mail profile {name!r} reads its password from ${var}, which is not set in "
                    "this environment; set it where the daemon runs.",
                )
        return MailSettings(
            name=info.name,
            host=info.host,
            port=info.port,
            security=info.security,
            username=info.username,
            password=password,
            from_address=info.from_address,
        )

    def test(self, name: str) -> str:
        """Connect, secure and log in as profile `name` says; one sentence on what answered."""
        settings = self.settings(name)
        try:
            return probe(settings)
        except MailError as exc:
            raise InvalidInput("mail_profile", f"mail profile {name!r}: {exc}.") from None

    def remove(self, name: str) -> None:
        """Remove a mail profile that no live schedule sends through."""
        with self.db.write() as session:
            row = session.scalar(select(MailProfile).where(MailProfile.name == name))
            if row is None:
                raise NotFound(f"no mail profile named {name!r}.", field="mail_profile")
            users = _schedules_naming(session, "mail_profile", name)
            if users:
                raise Conflict(
                    f"mail profile {name!r} is used by {counted(len(users), 'schedule')} "
                    f"({some_of(users)}); delete or edit them first."
                )
            session.delete(row)
