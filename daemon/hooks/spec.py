"""What the OS hooks start: the daemon's argv, its directories, and a secret-free environment."""

from __future__ import annotations

import itertools
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import platformdirs
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from core.errors import InvalidInput
from core.secrets import literal_secrets
from core.storage.location import ENV_URL, default_url
from daemon.api.address import check_host, check_port

APP = "amx-studio"
API_MODULE = "daemon.api"
# Where libpq finds passwords and services: file locations and names, never a password itself.
LIBPQ_ENV = ("PGPASSFILE", "PGSERVICEFILE", "PGSERVICE", "PGSYSCONFDIR")
PASSED_ENV = ("PATH", "LANG", *LIBPQ_ENV)
URL_FLAG = "--database-url"
_ENV_REF = re.compile(r"^env:([A-Za-z_][A-Za-z0-9_]*)$")


def _refuse_password(origin: str) -> InvalidInput:
    return InvalidInput(
        "database_url",
        f"{origin} holds a password, which is never written into the daemon's service file; "
        "write it as env:VAR (e.g. postgresql+psycopg://amx:env:PGPASSWORD@host/db) or leave it "
        "out and let the driver use ~/.pgpass.",
    )


def check_url(url: str, origin: str = "the database URL") -> URL:
    """Parse url and refuse it when it carries a literal password (in userinfo or the query)."""
    try:
        parsed = make_url(url.strip())
    except ArgumentError:
        raise InvalidInput(
            "database_url",
            f"{origin} is not a SQLAlchemy URL; write it like sqlite:////path/amx.db or "
            "postgresql+psycopg://user@host/db.",
        ) from None
    if literal_secrets(parsed):
        raise _refuse_password(origin)
    return parsed


def _absolute_sqlite(url: str, parsed: URL) -> str:
    # The daemon runs in another working directory, so a relative SQLite path must be pinned.
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return url
    if database.startswith("file:") or Path(database).expanduser().is_absolute():
        return url
    absolute = Path(database).expanduser().absolute()
    return parsed.set(database=str(absolute)).render_as_string(hide_password=False)


@dataclass(frozen=True)
class DaemonCommand:
    """The daemon's absolute argv, where it runs and logs, and the only environment it gets."""

    argv: tuple[str, ...]
    working_directory: Path
    log_directory: Path
    environment: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not self.argv or not os.path.isabs(self.argv[0]):
            raise InvalidInput("daemon", "the daemon's program must be an absolute path.")
        allowed = {*PASSED_ENV, ENV_URL}
        for name, value in self.environment:
            if name not in allowed:
                raise InvalidInput(
                    "environment",
                    f"{name} is not passed to the daemon; only PATH, LANG and {ENV_URL} are.",
                )
            if name == ENV_URL:
                check_url(value, ENV_URL)
        for flag, value in zip(self.argv, self.argv[1:], strict=False):
            if flag == URL_FLAG:
                check_url(value)

    @property
    def env(self) -> dict[str, str]:
        """The environment as a dict."""
        return dict(self.environment)

    @property
    def database_url(self) -> str | None:
        """The non-default URL the daemon uses (flag first, then environment), if any."""
        for flag, value in zip(self.argv, self.argv[1:], strict=False):
            if flag == URL_FLAG:
                return value
        return self.env.get(ENV_URL)

    @property
    def password_variables(self) -> tuple[str, ...]:
        """Environment variables the URL reads its password from (the hook never stores them)."""
        url = self.database_url
        if url is None:
            return ()
        parsed = make_url(url)
        refs = [str(parsed.password or "")]
        for value in parsed.query.values():
            refs.extend((value,) if isinstance(value, str) else value)
        names = (m.group(1) for m in map(_ENV_REF.match, refs) if m)
        return tuple(dict.fromkeys(names))

    @classmethod
    def build(
        cls,
        database_url: str | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        python: str | None = None,
    ) -> DaemonCommand:
        """The standard command: this Python running `python -m daemon` on the chosen database.

        Raises InvalidInput when the URL (flag or AMX_DATABASE_URL) holds a literal password.
        """
        environ = os.environ if environ is None else environ
        program = os.path.abspath(python or sys.executable)
        argv: list[str] = [program, "-m", "daemon"]
        env = {name: environ[name] for name in PASSED_ENV if environ.get(name)}
        if database_url:
            url = _absolute_sqlite(database_url.strip(), check_url(database_url))
            if url != default_url():
                argv += [URL_FLAG, url]
        elif environ.get(ENV_URL):
            url = environ[ENV_URL].strip()
            env[ENV_URL] = _absolute_sqlite(url, check_url(url, ENV_URL))
        return cls(
            argv=tuple(argv),
            working_directory=Path.home(),
            log_directory=Path(platformdirs.user_log_dir(APP)),
            environment=tuple(sorted(env.items())),
        )


def api_command(daemon: DaemonCommand, host: str, port: int) -> DaemonCommand:
    """The HTTP API's command beside the daemon's: the same program, database and environment,
    running `python -m daemon.api --host HOST --port PORT`.

    Raises InvalidInput when the host is not an address or the port not a TCP port.
    """
    program, *rest = daemon.argv
    if rest[:2] == ["-m", "daemon"]:
        rest = rest[2:]
    host = check_host(host, "api_host")
    port = check_port(port, "api_port")
    return replace(
        daemon, argv=(program, "-m", API_MODULE, *rest, "--host", host, "--port", str(port))
    )


def listens_on(argv: Sequence[str]) -> tuple[str, int] | None:
    """The host and port an API command line names (its last --host and --port), if any."""
    found: dict[str, str] = {}
    for flag, value in itertools.pairwise(argv):
        if flag in ("--host", "--port"):
            found[flag] = value
    host, port = found.get("--host"), found.get("--port", "")
    if host is None or not port.isdigit():
        return None
    return host, int(port)
