"""Text that reaches a terminal is inert: names refuse controls, bidi overrides and invisible-only
text; every printed name, cell and log line shows controls as visible escapes; names are unique
after NFKC and case folding, enforced by the database, including for databases of earlier versions."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from core.api import Core
from core.clock import FrozenClock
from core.errors import Conflict, InvalidInput, NameTaken
from core.schedules.spec import build_spec
from core.schedules.triggers import cron
from core.storage.engine import _alembic_config
from core.storage.tables import DbProfile, LlmProfile, Schedule
from core.text import counted, json_inert, name_key, printable, some_of
from daemon import logs
from tests.support.cli import Amx
from tests.support.shop import make_shop

WIDE_NIGHTLY = "".join(chr(ord(c) + 0xFEE0) for c in "nightly")  # "nightly" in fullwidth letters
REFUSED = {
    "ESC (a colour escape)": "\x1b[31mred",
    "ESC (clear screen)": "x\x1b[2J",
    "BEL": "ding\x07",
    "NUL": "nul\x00name",
    "DEL": "del\x7fname",
    "C1 CSI": "c1\x9b31m",
    "C1 NEL": "next\x85line",
    "unit separator": "a\x1fb",
    "line feed": "two\nlines",
    "tab": "tab\tname",
    "RLO override": "invoice\u202efdp.exe",
    "LRE embedding": "a\u202ab",
    "PDF": "a\u202cb",
    "FSI isolate": "a\u2068b\u2069",
    "RLI isolate": "\u2067abc",
    "zero-width only": "\u200b\u200b",
    "BOM only": "\ufeff",
    "hangul filler only": "\u3164",
    "word joiner and spaces": " \u2060 \u200d ",
    "combining mark only": "\u0301",
}


def spec(name: str, **overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "name": name,
        "trigger": cron("0 2 * * *"),
        "timezone": "UTC",
        "db_profile": "shop",
        "scope": ["public.users"],
    }
    return build_spec(**{**fields, **overrides})


def one_sentence(message: str) -> bool:
    return message.endswith(".") and "\n" not in message and "Traceback" not in message


@pytest.mark.parametrize("name", list(REFUSED.values()), ids=list(REFUSED))
def test_schedule_name_refuses_controls_bidi_and_invisible_only(core: Core, name: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        core.schedules.create(spec(name))
    message = str(refused.value)
    assert refused.value.field == "name" and message.startswith("name ")
    assert one_sentence(message) and printable(message) == message
    assert core.schedules.list().total == 0


def test_an_edit_cannot_bring_a_control_character_into_a_name(core: Core) -> None:
    made = core.schedules.create(spec("nightly"))
    with pytest.raises(InvalidInput) as refused:
        core.schedules.edit(made.id, {"name": "nightly\x1b[8m"}, expected_version=1)
    assert refused.value.field == "name" and "control character \\x1b" in str(refused.value)
    assert core.schedules.get(made.id).name == "nightly"


@pytest.mark.parametrize(
    "name", ["Nightly PII sweep", "Café crème", "日次 スキャン", "👩‍💻 audit", "עברית report"]
)
def test_ordinary_names_in_any_script_are_accepted_and_print_unchanged(
    core: Core, name: str
) -> None:
    made = core.schedules.create(spec(name))
    assert made.name == name and printable(name) == name


def test_cli_refuses_an_escape_in_a_name_with_one_line_and_keeps_the_terminal_clean(
    amx: Amx,
) -> None:
    code = amx("schedule", "add", "--name", "\x1b]0;owned\x07", "--cron", "0 2 * * *",
               "--db-profile", "shop", "--scope", "public.users")  # fmt: skip
    assert code == 1
    assert len(amx.err.strip().splitlines()) == 1 and "Traceback" not in amx.err
    assert "name" in amx.err and "\\x1b" in amx.err
    assert "\x1b" not in amx.err + amx.out and "\x07" not in amx.err + amx.out
    assert amx.json("schedule", "list")["total"] == 0


@pytest.mark.parametrize("kind", ["db", "llm"])
@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("prod\x1b[2J", "control character \\x1b"),
        ("ding\x07", "control character \\x07"),
        ("nul\x00", "control character \\x00"),
        ("\u202eprod", "bidirectional control \\u202e"),
        ("\u200b", "only invisible characters"),
    ],
)
def test_profile_names_refuse_controls_bidi_and_invisible_only_naming_the_field(
    core: Core, tmp_path: Path, kind: str, name: str, says: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        if kind == "db":
            core.profiles.add_db(name, make_shop(tmp_path / "other"))
        else:
            core.profiles.add_llm(name, "heuristic")
    message = str(refused.value)
    assert refused.value.field == "name" and message.startswith("name ") and says in message
    assert one_sentence(message) and printable(message) == message


def test_printable_escapes_every_terminal_steering_character() -> None:
    assert printable("a\x1b[31mb\x07c\x00d\x7fe\x9bf") == "a\\x1b[31mb\\x07c\\x00d\\x7fe\\x9bf"
    assert printable("x\u202ey\u2066z\u2069") == "x\\u202ey\\u2066z\\u2069"
    assert printable("one\ntwo\tthree\r") == "one\\x0atwo\\x09three\\x0d"
    assert printable("one\ntwo", multiline=True) == "one\ntwo"
    assert printable("hidden\u200bspace\U000e0041tag") == "hidden\\u200bspace\\U000e0041tag"
    assert printable("line\u2028sep") == "line\\u2028sep"
    for plain in ("nightly", "Café crème", "日次", "👩‍💻", "a b\u00a0c", "C:\\path"):
        assert printable(plain) == plain


def test_names_clash_after_nfkc_and_case_folding(core: Core) -> None:
    first = core.schedules.create(spec("Nightly"))
    for twin in ("nightly", "NIGHTLY", WIDE_NIGHTLY, "night\u200bly", "Nightly\ufe0f"):
        with pytest.raises(NameTaken) as taken:
            core.schedules.create(spec(twin))
        assert taken.value.field == "name" and f"(id {first.id})" in str(taken.value)
    other = core.schedules.create(spec("weekly"))
    with pytest.raises(NameTaken):
        core.schedules.edit(other.id, {"name": "NIGHTLY"}, expected_version=1)
    renamed = core.schedules.edit(first.id, {"name": "NIGHTLY"}, expected_version=1)
    assert renamed.name == "NIGHTLY"  # a schedule may change the case of its own name
    core.schedules.delete(first.id)
    assert core.schedules.create(spec("nightly")).name == "nightly"  # deleted names are free
    assert core.schedules.list().total == 2


def test_the_database_itself_refuses_a_second_live_name_that_folds_the_same(core: Core) -> None:
    """The service's check reads before it writes; the unique index closes the gap between."""
    core.schedules.create(spec("Nightly"))
    now = datetime(2026, 11, 21, tzinfo=UTC)
    with pytest.raises(IntegrityError), core.db.write() as session:
        session.add(
            Schedule(
                name=WIDE_NIGHTLY.upper(),
                kind="analyze",
                trigger=cron("0 2 * * *"),
                timezone="UTC",
                db_profile="shop",
                scope=["public.users"],
                scenario={
                    "steps": [{"kind": "analyze", "profile": "shop", "scope": ["public.users"]}]
                },
                status="pending",
                created_at=now,
                updated_at=now,
            )
        )
    assert [s.name for s in core.schedules.list().items] == ["Nightly"]


def _old_row(conn: Any, name: str, *, deleted: bool = False, note: str | None = None) -> None:
    conn.execute(
        text(
            "INSERT INTO schedules (name, kind, trigger, timezone, db_profile, scope, llm_profile, "
            "review_strategy, status, missed_policy, misfire_grace_s, max_retries, retry_count, "
            "note, version, created_at, updated_at, deleted_at) VALUES (:name, 'analyze', "
            '\'{"kind": "cron", "expr": "0 2 * * *"}\', \'UTC\', \'shop\', \'["main"]\', '
            "'heuristic', 'manual', 'pending', 'ask', 60, 3, 0, :note, 1, "
            "'2026-11-01 00:00:00', '2026-11-01 00:00:00', :deleted)"
        ),
        {"name": name, "note": note, "deleted": "2026-11-02 00:00:00" if deleted else None},
    )


@pytest.fixture
def old_database(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A database as version 0005 left it (each backend in turn): clashing names after
    folding, and control characters stored before they were refused."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        command.upgrade(_alembic_config(conn), "0005")
        conn.commit()
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO db_profiles (name, url, sample_size, created_at) VALUES "
                 "('shop', :url, 5, '2026-11-01 00:00:00')"),
            {"url": make_shop(tmp_path / "shop")},
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO db_profiles (name, url, sample_size, created_at) VALUES "
                 "('SHOP', :url, 5, '2026-11-01 00:00:00')"),
            {"url": make_shop(tmp_path / "shop2")},
        )  # fmt: skip
        _old_row(conn, "Nightly")
        _old_row(conn, "nightly")
        _old_row(conn, WIDE_NIGHTLY.upper())
        _old_row(conn, "NIGHTLY", deleted=True)
        _old_row(conn, "bell\x07\x1b[2Jname", note="said \x1b]0;owned\x07")
    engine.dispose()
    yield db_url


def test_migration_keeps_names_that_clash_after_folding_and_backfills_every_key(
    old_database: str,
) -> None:
    core = Core.open(old_database, FrozenClock(datetime(2026, 11, 21, tzinfo=UTC)))
    assert [s.name for s in core.schedules.list().items] == [
        "Nightly",
        "nightly",
        WIDE_NIGHTLY.upper(),
        "bell\x07\x1b[2Jname",
    ]
    with core.db.engine.connect() as conn:
        keys: dict[int, str] = dict(conn.execute(text("SELECT id, name_key FROM schedules")).all())
        indexes = set(
            conn.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'schedules'"))
            .scalars()
            .all()
            if conn.dialect.name == "postgresql"
            else [row[1] for row in conn.exec_driver_sql("PRAGMA index_list('schedules')")]
        )
    assert keys[1] == "nightly" and keys[4] == "nightly"  # the deleted one keeps the plain key
    assert keys[2] != keys[3] and keys[2].startswith("nightly") and keys[3].startswith("nightly")
    assert keys[5] == name_key("bell\x07\x1b[2Jname")
    # SQLite keeps the list's next-fire order in the index that holds name and scope (0025).
    next_fire = "ix_schedules_next_text" if core.db.is_sqlite else "ix_schedules_next"
    assert {next_fire, "ix_schedules_due", "uq_schedules_live_name_key"} <= indexes
    # The kept twins still work: edited without renaming, and no new twin can join them.
    assert core.schedules.edit(2, {"max_retries": 5}, expected_version=1).max_retries == 5
    with pytest.raises(NameTaken):
        core.schedules.create(spec("NiGhTlY"))
    core.close()


def test_text_stored_by_an_earlier_version_prints_escaped(old_database: str) -> None:
    amx = Amx(old_database, FrozenClock(datetime(2026, 11, 21, tzinfo=UTC)))
    assert amx("schedule", "list") == 0, amx.err
    assert "bell\\x07\\x1b[2Jname" in amx.out
    assert "\x1b" not in amx.out and "\x07" not in amx.out
    assert amx("schedule", "show", "5") == 0, amx.err
    assert "bell\\x07\\x1b[2Jname" in amx.out and "said \\x1b]0;owned\\x07" in amx.out
    assert "\x1b" not in amx.out and "\x07" not in amx.out


def test_daemon_log_lines_show_controls_as_escapes(tmp_path: Path) -> None:
    path = logs.setup(tmp_path / "daemon.log")
    logger = logging.getLogger("amx.daemon.test")
    try:
        logger.info("fired %s", "evil\x1b[2J\x07\nFAKE ERROR line")
        try:
            raise RuntimeError("boom \x1b[31m")
        except RuntimeError:
            logger.exception("step failed for %s", "x\u202ey")
    finally:
        root = logging.getLogger("amx")
        for handler in list(root.handlers):
            handler.close()
            root.removeHandler(handler)
        root.propagate = True  # as before setup, so later tests' log capture sees amx records
        root.setLevel(logging.NOTSET)
    written = path.read_text(encoding="utf-8")
    assert "fired evil\\x1b[2J\\x07\\x0aFAKE ERROR line" in written
    assert "step failed for x\\u202ey" in written and "boom \\x1b[31m" in written
    assert "\x1b" not in written and "\x07" not in written and "\u202e" not in written
    assert not any(line.startswith("FAKE") for line in written.splitlines())
    assert "Traceback (most recent call last):\n" in written  # tracebacks keep their lines


def test_json_output_escapes_every_terminal_control_and_keeps_the_values() -> None:
    values = {label: text for label, text in REFUSED.items()}
    values["astral"] = "tag\U000e0041 and emoji \U0001f600 joined \u200d"
    document = json_inert(json.dumps(values, indent=2, ensure_ascii=False))
    assert json.loads(document) == values
    for char in "\x1b\x07\x00\x7f\x9b\x85\u202e\u202a\u2068\u2067\u200b\ufeff\U000e0041":
        assert char not in document, repr(char)
    assert "\U0001f600" in document and "\u200d" in document  # printable text stays as it is


def test_cli_json_of_text_stored_by_an_earlier_version_is_inert(old_database: str) -> None:
    note = "said \x1b]0;owned\x07, then \x9b2J (C1) and invoice\u202efdp.exe"
    engine = create_engine(old_database)
    with engine.begin() as conn:
        conn.execute(text("UPDATE schedules SET note = :note WHERE id = 5"), {"note": note})
    engine.dispose()
    amx = Amx(old_database, FrozenClock(datetime(2026, 11, 21, tzinfo=UTC)))
    shown = amx.json("schedule", "show", "5")
    assert shown["schedule"]["name"] == "bell\x07\x1b[2Jname"
    assert shown["schedule"]["note"] == note
    for char in "\x1b\x07\x9b\u202e":
        assert char not in amx.out, repr(char)


@pytest.mark.parametrize("kind", ["db", "llm"])
def test_profile_names_clash_after_nfkc_and_case_folding(
    core: Core, tmp_path: Path, kind: str
) -> None:
    def add(name: str) -> Any:
        if kind == "db":
            return core.profiles.add_db(name, make_shop(tmp_path / f"s{len(name)}{name_key(name)}"))
        return core.profiles.add_llm(name, "heuristic")

    add("Prod")
    for twin in ("prod", "PROD", "".join(chr(ord(c) + 0xFEE0) for c in "prod")):
        with pytest.raises(Conflict) as taken:
            add(twin)
        message = str(taken.value)
        assert taken.value.field == "name" and "'Prod'" in message and one_sentence(message)
    listed = core.profiles.list_db() if kind == "db" else core.profiles.list_llm()
    assert [p.name for p in listed if name_key(p.name) == "prod"] == ["Prod"]


def test_the_database_itself_refuses_a_profile_name_that_folds_the_same(
    core: Core, tmp_path: Path
) -> None:
    """Two processes adding "Prod" and "prod" at once: the unique index turns the later away."""
    core.profiles.add_db("Prod", make_shop(tmp_path / "a"))
    now = datetime(2026, 11, 21, tzinfo=UTC)
    with pytest.raises(IntegrityError), core.db.write() as session:
        session.add(DbProfile(name="pROD", url="sqlite:///x.db", sample_size=5, created_at=now))
    with pytest.raises(IntegrityError), core.db.write() as session:
        session.add(LlmProfile(name="HEURISTIC", provider="heuristic", created_at=now))


def test_migration_keeps_profiles_whose_names_clash_after_folding(old_database: str) -> None:
    core = Core.open(old_database, FrozenClock(datetime(2026, 11, 21, tzinfo=UTC)))
    assert [p.name for p in core.profiles.list_db()] == ["SHOP", "shop"]
    with pytest.raises(Conflict):
        core.profiles.add_db("Shop", "sqlite:///elsewhere.db", create=True)
    core.close()


def test_a_count_takes_the_noun_in_its_number() -> None:
    assert [counted(n, "schedule") for n in (0, 1, 2)] == [
        "0 schedules",
        "1 schedule",
        "2 schedules",
    ]
    assert counted(1, "notification URL") == "1 notification URL"
    assert counted(1200, "fire") == "1,200 fires"


def test_some_names_are_listed_with_how_many_more() -> None:
    assert some_of(["a"]) == "'a'"
    assert some_of(["a", "b"]) == "'a' and 'b'"
    assert some_of(["a", "b", "c"]) == "'a', 'b' and 'c'"
    assert some_of(["a", "b", "c", "d", "e"]) == "'a', 'b', 'c' and 2 more"
