"""The demo: a deterministic SQLite shop with attached schemas, its profile, and seeded schedules."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import platformdirs
import pytest
from sqlalchemy import func, inspect, select

import core.demo.shop as demo
from core.analysis.pii import luhn_ok
from core.api import Core
from core.catalog.targets import open_target
from core.clock import FrozenClock
from core.demo import DEMO_PROFILE, DemoInfo, create_demo
from core.schedules.service import ListQuery
from core.schedules.triggers import trigger_to_data
from core.storage.tables import Run, Schedule

PII_COLUMNS = {
    ("main", "users"): {"email", "phone", "first_name", "last_name", "birth_date"},
    ("main", "addresses"): {"street", "city", "postal_code", "country"},
    ("sales", "payments"): {"card_number", "card_last4"},
    ("crm", "customers"): {"full_name", "email", "phone"},
    ("crm", "events"): {"ip_address"},
}


def digests(info: DemoInfo) -> dict[str, str]:
    files = [info.main_file, *(path for _schema, path in info.schema_files)]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def state(core: Core) -> dict[str, Any]:
    with core.db.read() as s:
        schedules = [
            (r.id, r.name, r.status, r.next_fire_at, r.version, r.note, r.deleted_at)
            for r in s.scalars(select(Schedule).order_by(Schedule.id))
        ]
        runs = s.scalar(select(func.count(Run.id)))
    profiles = [(p.name, p.url) for p in core.profiles.list_db()]
    return {"schedules": schedules, "runs": runs, "profiles": profiles}


def _schema(name: str) -> str | None:
    return None if name == "main" else name


def test_shop_has_schemas_tables_columns_pii_rows_and_keys(core: Core, tmp_path: Path) -> None:
    info = create_demo(core, tmp_path / "demo")
    assert info.profile == DEMO_PROFILE
    assert info.url == core.profiles.get_db(DEMO_PROFILE).url
    assert [s for s, _ in info.schema_files] == ["sales", "crm"]
    assert all(p.parent == info.folder and p.is_file() for _, p in info.schema_files)

    engine = open_target(info.url)
    try:
        insp = inspect(engine)
        schemas = set(insp.get_schema_names())
        assert {"main", "sales", "crm"} <= schemas
        tables = {s: insp.get_table_names(schema=_schema(s)) for s in ("main", "sales", "crm")}
        columns = {
            (s, t): {c["name"] for c in insp.get_columns(t, schema=_schema(s))}
            for s, names in tables.items()
            for t in names
        }
        assert 9 <= len(columns) <= 14 and len(columns) == info.table_count
        assert sum(len(c) for c in columns.values()) == info.column_count >= 75
        for where, wanted in PII_COLUMNS.items():
            assert wanted <= columns[where], where
        assert "order_totals" in insp.get_view_names(schema="sales")
        keys = {
            (s, t): {(fk["referred_table"], tuple(fk["constrained_columns"])) for fk in fks}
            for s in ("main", "sales", "crm")
            for t in tables[s]
            if (fks := insp.get_foreign_keys(t, schema=_schema(s)))
        }
        assert ("users", ("user_id",)) in keys[("main", "addresses")]
        assert ("categories", ("parent_id",)) in keys[("main", "categories")]
        assert ("orders", ("order_id",)) in keys[("sales", "order_items")]
        assert ("customers", ("customer_id",)) in keys[("crm", "events")]
        assert insp.get_pk_constraint("orders", schema="sales")["constrained_columns"] == ["id"]
        with engine.connect() as conn:
            for s, t in columns:
                rows = conn.exec_driver_sql(f"SELECT COUNT(*) FROM {s}.{t}").scalar_one()
                assert rows >= 8, (s, t)
            cards = [
                r[0]
                for r in conn.exec_driver_sql(
                    "SELECT card_number FROM sales.payments WHERE card_number IS NOT NULL"
                )
            ]
            totals = conn.exec_driver_sql(
                "SELECT COUNT(*) FROM sales.order_totals WHERE ABS(items_total - "
                "(SELECT subtotal FROM sales.orders WHERE id = order_id)) > 0.005"
            ).scalar_one()
            emails = [r[0] for r in conn.exec_driver_sql("SELECT email FROM main.users")]
    finally:
        engine.dispose()
    assert len(cards) >= 10 and all(luhn_ok(c) and len(c) == 16 for c in cards)
    assert totals == 0  # the view works across the attached file, and the sums add up
    assert len(set(emails)) == len(emails)
    assert all(
        e.rpartition("@")[2].endswith(("example.com", "example.org", "example.net")) for e in emails
    )


def test_every_status_has_a_schedule(core: Core, clock: FrozenClock, tmp_path: Path) -> None:
    now = clock.now()
    info = create_demo(core, tmp_path / "demo")
    counts = core.schedules.counts()
    assert all(n >= 1 for n in counts.values()), counts
    assert len(info.schedules_created) == sum(counts.values())
    items = core.schedules.list(ListQuery(limit=50)).items
    pending = {trigger_to_data(s.trigger)["kind"] for s in items if s.status == "pending"}
    assert pending == {"once", "cron", "interval"}
    assert {s.db_profile for s in items} == {DEMO_PROFILE}
    assert {s.llm_profile for s in items} == {"heuristic"}
    assert {s.review_strategy for s in items} == {"auto", "manual"}
    zones = [s.timezone for s in items]
    assert "Asia/Jakarta" in zones and "Europe/Berlin" in zones
    by_status = {s.status: s for s in items}
    missed = by_status["missed"]
    assert missed.note and "missed" in missed.note
    runs = {status: core.schedules.show(by_status[status].id).runs for status in by_status}
    assert [r.status for r in runs["running"]] == ["running"]
    assert runs["running"][0].finished_at is None
    done = runs["completed"][0]
    assert done.status == "succeeded" and done.summary and done.summary["errors"] == []
    assert done.duration_s and done.duration_s > 0
    failed = runs["failed"][0]
    assert failed.status == "failed" and failed.error and failed.summary
    assert [r.status for r in runs["missed"]] == ["missed"]
    assert core.clock.now() == now  # the demo never moves the core's clock


def test_running_it_twice_changes_nothing(core: Core, tmp_path: Path) -> None:
    first = create_demo(core, tmp_path / "demo")
    before, hashes = state(core), digests(first)
    inodes = {p: p.stat().st_ino for p in (tmp_path / "demo").iterdir()}
    second = create_demo(core, tmp_path / "demo")
    assert second.schedules_created == ()
    assert state(core) == before and digests(second) == hashes
    assert {p: p.stat().st_ino for p in (tmp_path / "demo").iterdir()} == inodes
    assert (second.table_count, second.column_count) == (first.table_count, first.column_count)


def test_files_are_deterministic_across_folders(core: Core, tmp_path: Path) -> None:
    one = create_demo(core, tmp_path / "one")
    two = create_demo(core, tmp_path / "two")
    assert digests(one) == digests(two)
    assert two.schedules_created == ()  # the second folder reuses the existing schedules
    assert str(tmp_path / "one") in two.url  # and the existing profile, as it was


def test_default_folder_is_the_user_data_dir(
    core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not every OS honours the isolated HOME; point platformdirs at tmp_path outright.
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda app: str(tmp_path / "data" / app))
    info = create_demo(core)
    assert info.folder == tmp_path / "data" / "amx-studio" / "demo"
    assert info.main_file == info.folder / "shop.db"
    assert info.main_file.is_file()


def test_a_deleted_demo_schedule_comes_back(core: Core, tmp_path: Path) -> None:
    create_demo(core, tmp_path / "demo")
    gone = next(s for s in core.schedules.list().items if s.status == "cancelled")
    core.schedules.delete(gone.id)
    again = create_demo(core, tmp_path / "demo")
    assert again.schedules_created == (gone.name,)
    assert core.schedules.counts()["cancelled"] == 1


def test_a_crash_mid_build_keeps_the_old_files(
    core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = create_demo(core, tmp_path / "demo")
    hashes = digests(info)
    real = demo._build

    def crash(path: Path, ddl: tuple[str, ...], tables: dict[str, list[dict[str, Any]]]) -> None:
        real(path, ddl, tables)
        raise RuntimeError("power cut")

    monkeypatch.setattr(demo, "_build", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        create_demo(core, tmp_path / "demo")
    assert digests(info) == hashes
    assert sorted(p.name for p in (tmp_path / "demo").iterdir()) == [
        "crm.db",
        "sales.db",
        "shop.db",
    ]


def test_a_changed_file_is_rebuilt(core: Core, tmp_path: Path) -> None:
    info = create_demo(core, tmp_path / "demo")
    hashes = digests(info)
    with sqlite3.connect(info.main_file) as conn:
        conn.execute("DELETE FROM reviews")
    conn.close()
    assert digests(info) != hashes
    create_demo(core, tmp_path / "demo")
    assert digests(info) == hashes


def test_luhn() -> None:
    assert luhn_ok("4242424242424242") and luhn_ok("5555555555554444")
    assert not luhn_ok("4242424242424241")


def test_the_running_demo_run_is_recovered_when_its_lease_runs_out(
    core: Core, clock: FrozenClock, tmp_path: Path
) -> None:
    from datetime import timedelta

    from daemon.settle import recover

    create_demo(core, tmp_path / "demo")
    running = core.schedules.list(ListQuery(statuses=frozenset({"running"}))).items
    assert [s.name for s in running] == ["Payments audit"]
    run = core.schedules.show(running[0].id).runs[0]
    assert recover(core.db, clock.now()) == []  # its lease still holds
    assert recover(core.db, clock.now() + timedelta(minutes=6)) == [run.id]
    after = core.schedules.get(running[0].id)
    assert after.status != "running"
    assert core.runs.get(run.id).status == "failed"


def test_the_demo_runs_have_logs_written_as_they_went(
    core: Core, clock: FrozenClock, tmp_path: Path
) -> None:
    create_demo(core, tmp_path / "demo")
    items = core.schedules.list(ListQuery(limit=50)).items
    by_status = {s.status: s for s in items}
    logs = {}
    for status in ("running", "completed", "failed"):
        run = core.schedules.show(by_status[status].id).runs[0]
        lines = core.runs.log.lines(run.id)
        assert run.started_at is not None
        end = run.finished_at or clock.now()
        assert lines and all(run.started_at <= line.at <= end for line in lines), status
        assert [line.at for line in lines] == sorted(line.at for line in lines)
        assert lines[0].text.startswith("analysing ") and f"'{DEMO_PROFILE}'" in lines[0].text
        logs[status] = (run, lines)
    run, lines = logs["running"]
    assert [line.level for line in lines] == ["info", "info", "warning"]
    assert lines[1].text.startswith("[1/2] ")
    assert core.runs.running_progress([run.schedule_id]) == {run.schedule_id: (1, 2)}
    run, lines = logs["completed"]
    assert lines[-1].text.startswith("succeeded: ") and lines[-1].at == run.finished_at
    assert all(line.level == "info" for line in lines)
    run, lines = logs["failed"]
    errors = [line.text for line in lines if line.level == "error"]
    assert run.error and errors[-1] == f"failed: {run.error}"
    assert any(text.startswith("[2/3] crm.events failed: ") for text in errors)
    assert core.clock.now() == clock.now()
