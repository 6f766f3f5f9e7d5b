"""DB and LLM profiles: secrets by reference only, masking, validation, and removal rules."""

from __future__ import annotations

import pytest

from core.api import Core
from core.catalog.profiles import check_db_url, resolve_db_url
from core.errors import Conflict, InvalidInput, NotFound


def test_literal_password_is_refused() -> None:
    with pytest.raises(InvalidInput, match="never stored") as err:
        check_db_url("postgresql+psycopg://amx:hunter2@db/prod")
    assert "hunter2" not in str(err.value)


def test_env_reference_is_resolved_only_when_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql+psycopg://amx:env:AMX_TEST_PW@db/prod"
    check_db_url(url)
    monkeypatch.delenv("AMX_TEST_PW", raising=False)
    with pytest.raises(InvalidInput, match="AMX_TEST_PW holds the password but is not set"):
        resolve_db_url(url)
    monkeypatch.setenv("AMX_TEST_PW", "s3cret")
    assert resolve_db_url(url).password == "s3cret"


def test_no_password_is_fine() -> None:
    assert resolve_db_url("postgresql+psycopg://amx@db/prod").password is None


def test_stored_profile_never_shows_or_stores_a_secret(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WH_PW", "s3cret")
    info = core.profiles.add_db("wh", "postgresql+psycopg://amx:env:WH_PW@db/wh")
    assert info.url == "postgresql+psycopg://amx:***@db/wh"
    with core.db.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT url FROM db_profiles WHERE name = 'wh'").scalar()
    assert stored is not None and "s3cret" not in stored and "env:WH_PW" in stored


def test_a_postgres_scheme_is_kept_as_postgresql(core: Core) -> None:
    info = core.profiles.add_db("heroku", "postgres://amx@db.example.com/shop")
    assert info.url == "postgresql://amx@db.example.com/shop"
    info = core.profiles.set_db_url("heroku", "postgres+psycopg://amx@db.example.com/shop2")
    assert info.url == "postgresql+psycopg://amx@db.example.com/shop2"


def test_a_profile_in_use_names_some_of_its_schedules_and_how_many_more(core: Core) -> None:
    from core.schedules.spec import build_spec
    from core.schedules.triggers import cron

    for name in ("a", "b", "c", "d"):
        spec = build_spec(name=name, trigger=cron("0 2 * * *"), db_profile="shop", scope=["main"])
        core.schedules.create(spec)
    with pytest.raises(Conflict) as refused:
        core.profiles.remove_db("shop")
    assert str(refused.value) == (
        "DB profile 'shop' is used by 4 schedules ('a', 'b', 'c' and 1 more); delete or edit "
        "them first."
    )


def test_bad_urls_and_names(core: Core) -> None:
    with pytest.raises(InvalidInput, match="not a SQLAlchemy URL"):
        core.profiles.add_db("x", "not a url")
    with pytest.raises(InvalidInput, match="name is empty"):
        core.profiles.add_db(" ", "sqlite:///x.db")
    with pytest.raises(Conflict):
        core.profiles.add_db("shop", "sqlite:///other.db")


def test_llm_profile_rules(core: Core) -> None:
    with pytest.raises(InvalidInput, match="provider 'gpt' is unknown"):
        core.profiles.add_llm("x", "gpt")
    with pytest.raises(InvalidInput, match="needs --model"):
        core.profiles.add_llm("x", "openai-compatible", base_url="http://127.0.0.1:8080/v1")
    with pytest.raises(InvalidInput, match="needs --base-url"):
        core.profiles.add_llm("x", "openai-compatible", model="m", base_url="127.0.0.1")
    with pytest.raises(InvalidInput, match="NAME of an environment variable"):
        core.profiles.add_llm(
            "x", "openai-compatible", model="m", base_url="http://h/v1", api_key_env="sk-abc123"
        )
    info = core.profiles.add_llm(
        "local", "openai-compatible", model="m", base_url="http://h/v1/", api_key_env="KEY"
    )
    assert info.base_url == "http://h/v1" and not info.builtin
    assert [p.name for p in core.profiles.list_llm()] == ["heuristic", "local"]
    with pytest.raises(InvalidInput, match="built-in heuristic profile cannot be removed"):
        core.profiles.remove_llm("heuristic")
    core.profiles.remove_llm("local")
    with pytest.raises(NotFound):
        core.profiles.remove_llm("local")
