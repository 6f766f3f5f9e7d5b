"""Mail profiles: stored with the password only as env:VAR, names unique as names compare, the
`amx profile mail` commands against a real loopback SMTP server, and schedules that name them."""

from __future__ import annotations

from typing import Any

import pytest

from core.api import Core
from core.errors import Conflict, InvalidInput, NotFound
from core.schedules.spec import build_spec
from core.schedules.triggers import once
from tests.support.cli import Amx
from tests.support.receivers import free_port, smtp_server


def report_step(mail_profile: str = "office") -> dict[str, Any]:
    return {"kind": "send_report", "mail_profile": mail_profile, "to": ["dba@example.com"]}


def test_a_profile_is_stored_with_its_password_as_a_reference(core: Core) -> None:
    info = core.mail.add(
        "office", "smtp.example.com", from_address="amx@example.com", username="amx",
        password="env:SMTP_PASSWORD",
    )  # fmt: skip
    assert (info.host, info.port, info.security) == ("smtp.example.com", 587, "starttls")
    assert info.password == "env:SMTP_PASSWORD"
    assert [p.name for p in core.mail.list()] == ["office"]
    ssl = core.mail.add("ssl", "smtp.example.com", from_address="a@example.com", security="ssl")
    assert ssl.port == 465


@pytest.mark.parametrize(
    ("fields", "field", "said"),
    [
        ({"password": "hunter2"}, "password", "a password is never stored; put it in an environment"),
        ({"password": "env:1BAD"}, "password", "names no valid environment variable"),
        ({"host": "smtp example"}, "host", "is not a host name"),
        ({"port": 70000}, "port", "port 70000 is not between 1 and 65535."),
        ({"security": "tls"}, "security", "security 'tls' is unknown; use starttls, ssl, none."),
        ({"from_address": "amx"}, "from_address", "'amx' is not an e-mail address"),
        ({"name": "two words"}, "name", "is not usable"),
    ],
)  # fmt: skip
def test_bad_fields_are_refused_in_one_sentence(
    core: Core, fields: dict[str, Any], field: str, said: str
) -> None:
    given: dict[str, Any] = {"name": "office", "host": "smtp.example.com"}
    given["from_address"] = "amx@example.com"
    given.update(fields)
    with pytest.raises(InvalidInput) as err:
        core.mail.add(given.pop("name"), given.pop("host"), **given)
    assert err.value.field == field
    assert said in str(err.value)
    assert "hunter2" not in str(err.value)
    assert core.mail.list() == []


def test_names_are_unique_after_folding_case_and_form(core: Core) -> None:
    core.mail.add("Office", "smtp.example.com", from_address="amx@example.com")
    with pytest.raises(Conflict) as err:
        core.mail.add(
            "\uff4f\uff46\uff46\uff49\uff43\uff45",  # fullwidth "office"
            "smtp.example.com",
            from_address="amx@example.com",
        )
    assert "exists already ('Office', the same name in another form)" in str(err.value)


def test_a_schedule_naming_an_unknown_mail_profile_is_refused(core: Core) -> None:
    steps = [{"kind": "cache_refresh", "profile": "shop"}, report_step("nowhere")]
    spec = build_spec(name="r", trigger=once("2026-11-21 09:05"), timezone="UTC", steps=steps)
    with pytest.raises(InvalidInput) as err:
        core.schedules.create(spec)
    assert err.value.field == "steps[2].mail_profile"
    assert str(err.value).startswith("steps[2]: no mail profile named 'nowhere' (none exist yet)")
    failure = build_spec(
        name="r", trigger=once("2026-11-21 09:05"), timezone="UTC",
        steps=[{"kind": "cache_refresh", "profile": "shop"}], on_failure=[report_step("nowhere")],
    )  # fmt: skip
    with pytest.raises(InvalidInput) as err:
        core.schedules.create(failure)
    assert err.value.field == "on_failure[1].mail_profile"


def test_a_profile_in_use_is_not_removed(core: Core) -> None:
    core.mail.add("office", "smtp.example.com", from_address="amx@example.com")
    steps = [{"kind": "cache_refresh", "profile": "shop"}, report_step()]
    spec = build_spec(name="nightly", trigger=once("2026-11-21 09:05"), timezone="UTC", steps=steps)
    sid = core.schedules.create(spec).id
    with pytest.raises(Conflict) as err:
        core.mail.remove("office")
    assert "used by 1 schedule ('nightly')" in str(err.value)
    core.schedules.delete(sid)
    core.mail.remove("office")
    with pytest.raises(NotFound):
        core.mail.get("office")


def test_the_cli_adds_lists_tests_and_removes(amx: Amx) -> None:
    with smtp_server() as (port, _box):
        assert amx(
            "profile", "mail", "add", "office", "--host", "127.0.0.1", "--port", str(port),
            "--security", "none", "--from", "amx@example.com",
        ) == 0, amx.err  # fmt: skip
        assert f"added mail profile 'office': 127.0.0.1:{port} (none)" in amx.out
        [shown] = amx.json("profile", "mail", "list")
        assert shown["from_address"] == "amx@example.com" and shown["password"] is None
        assert amx("profile", "mail", "list") == 0
        assert "office" in amx.out and "SECURITY" in amx.out
        assert amx("profile", "mail", "test", "office") == 0, amx.err
        assert f"mail profile 'office': 127.0.0.1:{port} answered 250 (none)" in amx.out
    assert amx("profile", "mail", "rm", "office") == 0
    assert amx.json("profile", "mail", "list") == []


def test_the_cli_refuses_a_literal_password_and_says_why_a_test_failed(
    amx: Amx, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = amx(
        "profile", "mail", "add", "office", "--host", "smtp.example.com",
        "--from", "amx@example.com", "--password", "hunter2",
    )  # fmt: skip
    assert code == 1
    assert "a password is never stored" in amx.err and "hunter2" not in amx.err
    assert amx.json("profile", "mail", "list") == []
    port = free_port()  # nothing listens there
    assert amx(
        "profile", "mail", "add", "office", "--host", "127.0.0.1", "--port", str(port),
        "--security", "none", "--from", "amx@example.com", "--username", "amx",
        "--password", "env:AMX_TEST_SMTP_PASSWORD",
    ) == 0, amx.err  # fmt: skip
    monkeypatch.delenv("AMX_TEST_SMTP_PASSWORD", raising=False)
    assert amx("profile", "mail", "test", "office") == 1
    assert "reads its password from $AMX_TEST_SMTP_PASSWORD, which is not set" in amx.err
    monkeypatch.setenv("AMX_TEST_SMTP_PASSWORD", "s3cret-value")
    assert amx("profile", "mail", "test", "office") == 1
    assert f"mail profile 'office': cannot reach 127.0.0.1:{port}" in amx.err
    assert "s3cret-value" not in amx.err
    assert "Traceback" not in amx.err
