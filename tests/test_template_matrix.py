"""The enable matrix of templates by DB profiles: enabling creates or resumes an instance,
disabling pauses it and keeps its history, new profiles get `default_enabled` templates, removing
a template keeps its instances' history readable, two processes toggling the same cells at once
make no duplicate and lose no toggle, and an instance is fired by a real daemon."""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from core.api import Core
from core.clock import SystemClock
from core.errors import InvalidInput, NotFound
from core.schedules.templates.files import parse_templates
from core.storage.tables import Schedule
from daemon.execute import execute
from daemon.tick import tick
from tests.support.daemons import start, stop_all, wait_until
from tests.support.shop import make_shop

PY = sys.executable
REFRESH = """\
slug: refresh
name: Refresh
parameters:
  - {name: hour, type: int, default: 2}
trigger: {cron: "0 {{ param.hour }} * * *", timezone: UTC}
steps:
  - {kind: cache_refresh, profile: "{{ profile.name }}"}
"""
MAILED = """\
slug: mailed
name: Mailed
default_enabled: true
parameters:
  - {name: to, type: email}
trigger: {cron: "0 5 * * *", timezone: UTC}
steps:
  - {kind: cache_refresh, profile: "{{ profile.name }}"}
"""
AUTO = """\
slug: auto
name: Reaches new profiles
default_enabled: true
trigger: {cron: "0 3 * * *", timezone: UTC}
steps:
  - {kind: cache_refresh, profile: "{{ profile.name }}"}
on_failure:
  - {kind: notify, urls: ["mailto://{{ profile.owner_email }}"]}
"""


def apply(core: Core, text: str) -> None:
    core.templates.apply(parse_templates(text, "t.yaml"))


def live_instances(core: Core, slug: str, profile: str) -> int:
    with core.db.read() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Schedule)
                .where(
                    Schedule.template_slug == slug,
                    Schedule.template_profile == profile,
                    Schedule.deleted_at.is_(None),
                )
            )
            or 0
        )


def fire_now(core: Core, schedule_id: int) -> None:
    core.schedules.run_now(schedule_id)
    for claim in tick(core, "w1", slots=1).claimed:
        execute(core, claim)


def test_enable_disable_enable_keeps_one_instance_and_its_history(core: Core) -> None:
    apply(core, REFRESH)
    assert core.templates.matrix().cell("refresh", "shop").state is None
    on = core.templates.enable("refresh", "shop", {"hour": "6"})
    assert on.state == "on" and on.status == "pending" and on.params == {"hour": 6}
    assert on.schedule_id is not None
    fire_now(core, on.schedule_id)
    assert core.schedules.show(on.schedule_id).runs_total == 1

    off = core.templates.disable("refresh", "shop")
    assert (off.state, off.status, off.schedule_id) == ("off", "paused", on.schedule_id)
    assert core.templates.matrix().cell("refresh", "shop").state == "off"
    assert core.templates.disable("refresh", "shop").version == off.version  # already off

    again = core.templates.enable("refresh", "shop")
    assert (again.state, again.schedule_id, again.params) == ("on", on.schedule_id, {"hour": 6})
    assert core.schedules.show(on.schedule_id).runs_total == 1
    assert live_instances(core, "refresh", "shop") == 1
    info = core.schedules.get(on.schedule_id)
    assert info.name == "refresh · shop" and info.template_slug == "refresh"


def test_enabling_with_new_parameters_re_renders_the_instance(core: Core) -> None:
    apply(core, REFRESH)
    first = core.templates.enable("refresh", "shop", {"hour": "6"})
    second = core.templates.enable("refresh", "shop", {"hour": "7"})
    assert second.schedule_id == first.schedule_id and second.params == {"hour": 7}
    assert second.schedule_id is not None
    assert core.schedules.get(second.schedule_id).rule == "cron 0 7 * * *"


def test_a_parameter_without_default_must_be_given(core: Core) -> None:
    apply(core, MAILED)
    with pytest.raises(InvalidInput) as refused:
        core.templates.enable("mailed", "shop")
    assert "needs parameter 'to'" in refused.value.message
    assert core.templates.matrix().cell("mailed", "shop").state is None
    cell = core.templates.enable("mailed", "shop", {"to": "ops@example.com"})
    assert cell.state == "on"


def test_a_paused_instance_is_enabled_again_with_the_values_it_keeps(core: Core) -> None:
    apply(core, MAILED)
    core.templates.enable("mailed", "shop", {"to": "ops@example.com"})
    assert core.templates.disable("mailed", "shop").state == "off"
    cell = core.templates.enable("mailed", "shop")  # no value given again: its own are kept
    assert cell.state == "on" and cell.params == {"to": "ops@example.com"}


def test_unknown_template_or_profile_is_refused(core: Core) -> None:
    apply(core, REFRESH)
    with pytest.raises(NotFound, match="no template 'nope'"):
        core.templates.enable("nope", "shop")
    with pytest.raises(NotFound, match="no DB profile named 'elsewhere'"):
        core.templates.enable("refresh", "elsewhere")


def test_a_new_profile_gets_default_enabled_templates_at_once(core: Core, tmp_path: Path) -> None:
    apply(core, REFRESH)
    apply(core, MAILED)  # default_enabled, but needs a value: left off
    apply(core, AUTO)
    core.profiles.add_db(
        "depot", make_shop(tmp_path / "depot"), owner_email="dba@example.com", labels=["prod"]
    )
    matrix = core.templates.matrix()
    assert "depot" in matrix.profiles
    assert matrix.cell("auto", "depot").state == "on"
    assert matrix.cell("refresh", "depot").state is None
    assert matrix.cell("mailed", "depot").state is None
    schedule_id = matrix.cell("auto", "depot").schedule_id
    assert schedule_id is not None
    urls = core.schedules.get(schedule_id).on_failure[0].urls  # type: ignore[union-attr]
    assert urls == ["mailto://dba@example.com"]


def test_removing_a_template_soft_deletes_its_instances(core: Core) -> None:
    apply(core, REFRESH)
    cell = core.templates.enable("refresh", "shop")
    assert cell.schedule_id is not None
    fire_now(core, cell.schedule_id)
    assert core.templates.remove("refresh") == ["refresh · shop"]
    assert "refresh" not in core.templates.matrix().templates
    with pytest.raises(NotFound):
        core.schedules.get(cell.schedule_id)
    with core.db.read() as session:
        row = session.get(Schedule, cell.schedule_id)
        assert row is not None and row.deleted_at is not None
    assert core.runs.latest(cell.schedule_id) is not None  # its history stays readable
    apply(core, REFRESH)  # the slug can be used again
    assert core.templates.enable("refresh", "shop").schedule_id != cell.schedule_id


# -- two processes toggling at once -----------------------------------------------------------

TOGGLES = 8


def _toggler(url: str, me: int, slugs: list[str], start_at: Any, out: Any) -> None:
    core = Core.open(url, SystemClock())
    results: list[dict[str, Any]] = []
    try:
        start_at.wait(30)
        for round_ in range(TOGGLES):
            for slug in slugs:
                if (round_ + me) % 3 == 2:
                    cell = core.templates.disable(slug, "shop")
                else:
                    cell = core.templates.enable(slug, "shop", {"hour": str(me * 10 + round_)})
                results.append(cell.model_dump(mode="json"))
        out.put((me, results, None))
    except Exception as exc:  # reported to the test, which fails with it
        out.put((me, results, f"{type(exc).__name__}: {exc}"))
    finally:
        core.close()


def test_two_processes_toggling_the_same_cells_make_no_duplicate_and_lose_no_toggle(
    core: Core,
) -> None:
    slugs = [f"cell-{n}" for n in range(4)]
    for slug in slugs:
        apply(core, REFRESH.replace("slug: refresh", f"slug: {slug}"))
    url = core.db.url_text
    context = multiprocessing.get_context("spawn")
    start_at, out = context.Barrier(2), context.Queue()
    workers = [
        context.Process(target=_toggler, args=(url, me, slugs, start_at, out)) for me in (0, 1)
    ]
    for worker in workers:
        worker.start()
    reports = [out.get(timeout=180) for _ in workers]
    for worker in workers:
        worker.join(30)
    assert [error for _, _, error in reports] == [None, None]
    results = [cell for _, cells, _ in reports for cell in cells]
    assert len(results) == 2 * TOGGLES * len(slugs)
    matrix = core.templates.matrix()
    for slug in slugs:
        assert live_instances(core, slug, "shop") == 1
        mine = [r for r in results if r["slug"] == slug and r["version"] is not None]
        assert len({r["schedule_id"] for r in mine}) == 1, "one instance, whoever made it"
        latest = max(mine, key=lambda r: r["version"])
        final = matrix.cell(slug, "shop")
        assert (final.state, final.params, final.version) == (
            latest["state"],
            latest["params"],
            latest["version"],
        )


# -- fired by a real daemon --------------------------------------------------------------------

FAST = ("--poll", "0.2", "--heartbeat", "0.5", "--lease", "2", "--retry-base", "1")


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[Core]:
    opened = Core.open(db_url, SystemClock())
    opened.profiles.add_db("shop", make_shop(tmp_path / "shop"))
    yield opened
    opened.close()
    stop_all()


def test_an_instance_is_fired_by_a_real_daemon(world: Core, tmp_path: Path) -> None:
    core = world
    marker = tmp_path / "fired.txt"
    at = (datetime.now(UTC) + timedelta(seconds=3)).replace(microsecond=0, tzinfo=None)
    text = f"""\
slug: fire-once
name: Fires once
parameters:
  - {{name: note, type: string, default: hello}}
trigger: {{once: "{at:%Y-%m-%d %H:%M:%S}", timezone: UTC}}
steps:
  - kind: run_command
    argv: ["{PY}", "-c", "open({str(marker)!r}, 'w').write('{{{{ param.note }}}} {{{{ profile.name }}}}')"]
"""
    apply(core, text)
    cell = core.templates.enable("fire-once", "shop", {"note": "hi"})
    assert cell.schedule_id is not None
    daemon = start(core.db.url_text, tmp_path / "d.log", *FAST, "--worker-id", "d")
    assert wait_until(lambda: core.schedules.get(cell.schedule_id).status == "completed", 60), (
        core.schedules.get(cell.schedule_id)
    )
    daemon.stop()
    assert marker.read_text() == "hi shop"
    assert [s for s, _, _ in daemon.fires()] == [cell.schedule_id]


def test_a_profile_parameter_must_name_a_profile(core: Core) -> None:
    apply(
        core,
        """\
slug: copy
parameters:
  - {name: source, type: profile}
trigger: {cron: "0 3 * * *", timezone: UTC}
steps:
  - {kind: cache_refresh, profile: "{{ param.source }}"}
""",
    )
    with pytest.raises(InvalidInput) as refused:
        core.templates.enable("copy", "shop", {"source": "nowhere"})
    assert refused.value.message == (
        "template 'copy': parameter 'source' names no DB profile ('nowhere'); give the name of "
        "an existing one."
    )
    assert core.templates.enable("copy", "shop", {"source": "shop"}).state == "on"
