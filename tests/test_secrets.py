"""Secrets never at rest, never echoed: every credential-bearing part of a URL is refused at input
with one sentence, masked in every message, and a secret an earlier version stored is reported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from core.api import Core
from core.clock import FrozenClock
from core.errors import AmxError, InvalidInput, StorageError
from core.storage.engine import Database, masked
from tests.support.cli import Amx
from tests.support.daemons import start, wait_until
from tests.support.dump import dump

ROOT = Path(__file__).resolve().parents[1]
SECRET = "hunter2Zq"
PG = "postgresql+psycopg://amx@127.0.0.1:1/prod"

# Every place a database URL can carry a credential.
DB_URLS = [
    f"postgresql+psycopg://amx:{SECRET}@db/prod",
    f"postgresql+psycopg://amx:{SECRET}%40x@db/prod",
    "postgresql+psycopg://amx:env:not-a-name@db/prod",
    *(
        f"{PG}?{key}={SECRET}"
        for key in (
            "password", "PASSWORD", "sslpassword", "pass", "passwd", "pwd", "token",
            "auth_token", "access_token", "secret", "client_secret", "api_key", "apikey",
            "api-key", "key", "private_key", "aws_secret_access_key", "credentials",
        )
    ),
    f"{PG}?sslmode=require&password={SECRET}",
    f"mysql+pymysql://amx@db/prod?passwd={SECRET}",
]  # fmt: skip

# Every place an LLM base URL can carry one.
LLM_URLS = [
    f"http://amx:{SECRET}@127.0.0.1:8080/v1",
    f"https://{SECRET}@api.example.com/v1",
    f"https://api.example.com/v1?api_key={SECRET}",
    f"https://api.example.com/v1?key={SECRET}",
    f"https://api.example.com/v1?access_token={SECRET}",
    f"https://api.example.com/v1?x-api-key={SECRET}&v=2",
]


def one_sentence(text: str) -> bool:
    return text.count("\n") <= 1 and "Traceback" not in text and text.rstrip().endswith(".")


@pytest.mark.parametrize("url", DB_URLS)
def test_db_profile_url_with_a_credential_is_refused_unechoed_and_unstored(
    sqlite_url: str, clock: FrozenClock, url: str
) -> None:
    amx = Amx(sqlite_url, clock)
    assert amx("schedule", "list") == 0
    before = dump(sqlite_url)
    assert amx("profile", "db", "add", "prod", url) == 1
    assert amx.err.startswith("error: ") and one_sentence(amx.err), amx.err
    assert SECRET not in amx.err and "env:" in amx.err and "pgpass" in amx.err
    assert dump(sqlite_url) == before


@pytest.mark.parametrize("url", LLM_URLS)
def test_llm_base_url_with_a_credential_is_refused_unechoed_and_unstored(
    sqlite_url: str, clock: FrozenClock, url: str
) -> None:
    amx = Amx(sqlite_url, clock)
    assert amx("schedule", "list") == 0
    before = dump(sqlite_url)
    code = amx("profile", "llm", "add", "gpt", "--provider", "openai-compatible",
               "--model", "m", "--base-url", url)  # fmt: skip
    assert code == 1
    assert amx.err.startswith("error: ") and one_sentence(amx.err), amx.err
    assert SECRET not in amx.err and "environment variable" in amx.err
    assert dump(sqlite_url) == before


def test_references_stay_usable_in_the_query_too(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_PW", SECRET)
    info = core.profiles.add_db("wh", f"{PG}?sslpassword=env:SSL_PW&sslmode=require")
    assert SECRET not in info.url and "sslmode=require" in info.url
    from core.catalog.profiles import resolve_db_url

    assert resolve_db_url(core.profiles.get_db("wh").url).query["sslpassword"] == SECRET


@pytest.mark.parametrize("url", [*DB_URLS, *LLM_URLS])
def test_masked_hides_every_credential(url: str) -> None:
    shown = masked(url)
    assert SECRET not in shown and "not-a-name" not in shown
    assert "127.0.0.1" in shown or "db" in shown or "example.com" in shown


def test_masked_keeps_what_is_not_secret() -> None:
    url = "postgresql+psycopg://amx:env:PW@/prod?host=/run/pg&port=5433&sslmode=require"
    assert (
        masked(url)
        == "postgresql+psycopg://amx:***@/prod?host=%2Frun%2Fpg&port=5433&sslmode=require"
    )
    assert masked("http://127.0.0.1:8080/v1") == "http://127.0.0.1:8080/v1"


@pytest.mark.parametrize(
    "url",
    [f"postgresql+psycopg://amx:{SECRET}@127.0.0.1:1/amx", f"{PG}?password={SECRET}",
     f"{PG}?sslpassword={SECRET}", f"sqlite:///{{tmp}}/never.db?token={SECRET}"],
)  # fmt: skip
def test_own_database_url_with_a_credential_is_refused(
    url: str, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = url.replace("{tmp}", str(tmp_path))
    with pytest.raises(StorageError) as err:
        Database(url)
    message = str(err.value)
    assert SECRET not in message and one_sentence(message)
    assert "env:" in message and "pgpass" in message
    amx = Amx(url, clock)
    assert amx("schedule", "list") == 1
    assert SECRET not in amx.err and one_sentence(amx.err)
    monkeypatch.setenv("AMX_DATABASE_URL", url)
    with pytest.raises(StorageError, match="AMX_DATABASE_URL"):
        Database()
    assert not (tmp_path / "never.db").exists()


@pytest.mark.parametrize("url", [f"postgresql+psycopg://amx:{SECRET}@127.0.0.1:1/amx",
                                 f"{PG}?sslpassword={SECRET}"])  # fmt: skip
def test_daemon_refuses_a_secret_in_its_url_without_echoing_it(tmp_path: Path, url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "daemon", "--database-url", url, "--log-file",
         str(tmp_path / "d.log")],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 1
    assert SECRET not in done.stderr + done.stdout
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
    log = tmp_path / "d.log"
    assert not log.exists() or SECRET not in log.read_text()


def _store_as_an_earlier_version(url: str, rows: dict[str, str], llm: str | None = None) -> None:
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        for name, value in rows.items():
            conn.execute(
                text(
                    "INSERT INTO db_profiles (name, url, sample_size, created_at) "
                    "VALUES (:n, :u, 5, '2026-01-01 00:00:00')"
                ),
                {"n": name, "u": value},
            )
        if llm is not None:
            conn.execute(
                text(
                    "INSERT INTO llm_profiles (name, provider, model, base_url, concurrency, "
                    "created_at) VALUES ('gpt', 'openai-compatible', 'm', :b, 2, "
                    "'2026-01-01 00:00:00')"
                ),
                {"b": llm},
            )
    engine.dispose()


def test_a_secret_stored_by_an_earlier_version_is_reported_and_never_shown(
    sqlite_url: str, clock: FrozenClock
) -> None:
    Core.open(sqlite_url, clock).close()
    _store_as_an_earlier_version(
        sqlite_url,
        {"legacy": f"postgresql+psycopg://amx@127.0.0.1:1/prod?password={SECRET}"},
        llm=f"http://amx:{SECRET}@127.0.0.1:1/v1?api_key={SECRET}",
    )
    amx = Amx(sqlite_url, clock)
    assert amx("profile", "db", "list") == 0
    warnings = amx.err.splitlines()
    assert len(warnings) == 2, amx.err
    assert "DB profile 'legacy'" in warnings[0] and "env:" in warnings[0]
    assert "LLM profile 'gpt'" in warnings[1] and "environment variable" in warnings[1]
    assert "legacy" in amx.out and SECRET not in amx.out + amx.err
    assert amx("profile", "llm", "list") == 0 and SECRET not in amx.out
    assert amx("profile", "llm", "list", "--json") == 0 and SECRET not in amx.out
    assert amx("profile", "db", "list", "--json") == 0 and SECRET not in amx.out
    assert amx("profile", "db", "test", "legacy") == 1
    assert SECRET not in amx.out + amx.err and "error: " in amx.err


def test_a_daemon_reports_a_stored_secret_in_its_log(sqlite_url: str, tmp_path: Path) -> None:
    Core.open(sqlite_url).close()
    _store_as_an_earlier_version(sqlite_url, {"legacy": f"{PG}?token={SECRET}"})
    daemon = start(sqlite_url, tmp_path / "d.log", "--poll", "0.2")

    def log() -> str:
        return daemon.log.read_text() if daemon.log.exists() else ""

    try:
        assert wait_until(lambda: "DB profile 'legacy'" in log(), 30), log()
    finally:
        daemon.stop()
    assert SECRET not in log()
    assert next(line for line in log().splitlines() if "legacy" in line).count("WARNING") == 1


def test_llm_errors_never_show_credentials_of_a_stored_base_url() -> None:
    from core.analysis.llm.openai_compat import OpenAICompatibleAnnotator
    from core.catalog.metadata import ColumnMeta, TableMeta

    annotator = OpenAICompatibleAnnotator(
        name="gpt",
        model="m",
        base_url=f"http://amx:{SECRET}@127.0.0.1:1/v1?api_key={SECRET}",
        api_key=None,
        timeout=2,
        max_attempts=1,
    )
    table = TableMeta(schema="s", name="t", columns=(ColumnMeta("id", "INTEGER"),))
    with pytest.raises(AmxError) as err:
        annotator.annotate(table)
    assert SECRET not in str(err.value) and "127.0.0.1:1" in str(err.value)


def test_refusals_are_invalid_input_on_the_field(core: Core) -> None:
    with pytest.raises(InvalidInput) as err:
        core.profiles.add_db("x", f"{PG}?password={SECRET}")
    assert err.value.field == "url"
    with pytest.raises(InvalidInput) as err:
        core.profiles.add_llm(
            "x", "openai-compatible", model="m", base_url=f"http://u:{SECRET}@h/v1"
        )
    assert err.value.field == "base_url"
    assert os.environ.get("AMX_DATABASE_URL") is None


@pytest.mark.parametrize("key", ["sslpassword", "token", "api_key", "pass", "secret"])
def test_install_daemon_never_writes_a_credential_parameter(key: str) -> None:
    from daemon.hooks.spec import DaemonCommand

    with pytest.raises(InvalidInput) as err:
        DaemonCommand.build(f"{PG}?{key}={SECRET}")
    assert err.value.field == "database_url" and SECRET not in str(err.value)
    built = DaemonCommand.build(f"{PG}?{key}=env:AMX_SSL_PW")
    assert built.password_variables == ("AMX_SSL_PW",)
