"""Scenario files: `amx scenario apply` creates, updates and leaves alone schedules by name,
refuses a bad file with its file, line and field, and `amx scenario export` writes what applies
back to no change."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.errors import InvalidInput
from core.schedules.scenario.files import ScenarioFileError, parse_documents
from tests.support.cli import Amx
from tests.support.shop import make_shop

NIGHTLY = """\
name: nightly-docs
trigger: {cron: "0 2 * * *", timezone: Asia/Jakarta}
steps:
  - {kind: cache_refresh, profile: shop}
  - {kind: analyze, profile: shop, scope: [public.users], review: manual}
  - {kind: snapshot_annotations, profile: shop, skip_hours: 6, parallel: true}
  - {kind: export_docs, profile: shop, format: dbt, path: docs/schema.yml, parallel: true}
on_failure:
  - {kind: notify, urls: ["mailto://ops@example.com"]}
missed_policy: run_once
retries: 2
"""

HOURLY = """\
- name: hourly
  trigger: {interval: 6h}
  steps:
    - kind: analyze
      profile: shop
      scope: [public.orders]
- name: once-more
  trigger: {once: "2026-12-24 09:00", timezone: Europe/Paris}
  steps: [{kind: cache_refresh, profile: shop}]
  misfire_grace: 300
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_apply_creates_then_is_unchanged_then_updates_the_fields_that_changed(
    amx: Amx, tmp_path: Path
) -> None:
    nightly = write(tmp_path, "nightly.yaml", NIGHTLY)
    more = write(tmp_path, "more.yaml", HOURLY)
    assert amx("scenario", "apply", "-f", nightly, "-f", more) == 0, amx.err
    assert amx.out.splitlines() == [
        "created 'nightly-docs' (id 1)",
        "created 'hourly' (id 2)",
        "created 'once-more' (id 3)",
    ]
    shown = amx.json("schedule", "show", "nightly-docs")["schedule"]
    assert [s["kind"] for s in shown["steps"]] == [
        "cache_refresh", "analyze", "snapshot_annotations", "export_docs",
    ]  # fmt: skip
    assert shown["steps"][2]["parallel"] is True
    assert shown["on_failure"][0]["kind"] == "notify"
    assert (shown["timezone"], shown["missed_policy"], shown["max_retries"]) == (
        "Asia/Jakarta", "run_once", 2,
    )  # fmt: skip
    assert amx.json("schedule", "show", "once-more")["schedule"]["misfire_grace_s"] == 300

    assert amx("scenario", "apply", "-f", nightly, "-f", more) == 0, amx.err
    assert amx.out.splitlines() == [
        "unchanged 'nightly-docs' (id 1)",
        "unchanged 'hourly' (id 2)",
        "unchanged 'once-more' (id 3)",
    ]

    changed = NIGHTLY.replace("skip_hours: 6", "skip_hours: 12").replace("retries: 2", "retries: 5")
    write(tmp_path, "nightly.yaml", changed)
    assert amx("scenario", "apply", "-f", nightly, "--json") == 0, amx.err
    [applied] = amx.json("scenario", "apply", "-f", nightly)["applied"]
    assert applied["action"] == "unchanged"
    assert amx("scenario", "apply", "-f", write(tmp_path, "n2.yaml", NIGHTLY)) == 0
    assert amx.out.splitlines() == ["updated 'nightly-docs' (id 1): steps, retries"]
    version = amx.json("schedule", "show", "1")["schedule"]["version"]
    assert amx("scenario", "apply", "-f", write(tmp_path, "n2.yaml", NIGHTLY)) == 0
    assert amx.json("schedule", "show", "1")["schedule"]["version"] == version


def test_dry_run_says_what_would_change_and_changes_nothing(amx: Amx, tmp_path: Path) -> None:
    nightly = write(tmp_path, "nightly.yaml", NIGHTLY)
    assert amx("scenario", "apply", "-f", nightly, "--dry-run") == 0, amx.err
    assert amx.out.splitlines() == ["would create 'nightly-docs'", "dry run: nothing was changed"]
    assert amx.json("schedule", "list")["total"] == 0
    # The dry run made the schedule and rolled it back: PostgreSQL's id sequence moved on.
    [applied] = amx.json("scenario", "apply", "-f", nightly)["applied"]
    sid = applied["schedule_id"]
    write(tmp_path, "nightly.yaml", NIGHTLY.replace("0 2 * * *", "30 3 * * *"))
    assert amx("scenario", "apply", "-f", nightly, "--dry-run") == 0, amx.err
    assert amx.out.splitlines()[0] == f"would update 'nightly-docs' (id {sid}): trigger"
    assert amx.json("schedule", "show", str(sid))["schedule"]["trigger"]["expr"] == "0 2 * * *"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            NIGHTLY.replace("review: manual", "review: maybe"),
            "bad.yaml:5: steps[2] (analyze): review 'maybe' is not accepted",
        ),
        (
            NIGHTLY.replace('"0 2 * * *"', '"0 25 * * *"'),
            "bad.yaml:2: trigger: cron expression '0 25 * * *' is invalid",
        ),
        (
            NIGHTLY.replace("  - {kind: notify", "  - {kind: notify, colour: red"),
            "bad.yaml:9: on_failure[1] (notify): colour is not a setting of this step",
        ),
        (NIGHTLY + "owner: me\n", "bad.yaml:12: 'owner' is not a key of a scenario; use name,"),
        (NIGHTLY.replace("retries: 2", "retries: 99"), "bad.yaml:11: retries 99 is not accepted"),
        (
            NIGHTLY.replace("timezone: Asia/Jakarta", "timezone: Asia/Atlantis"),
            "bad.yaml:2: unknown timezone 'Asia/Atlantis'",
        ),
        (
            NIGHTLY.replace(
                "  - {kind: cache_refresh, profile: shop}\n",
                "  - {kind: cache_refresh, profile: shop\n",
            ),
            "bad.yaml:5: this is not valid YAML",
        ),
        (
            NIGHTLY.replace('{cron: "0 2 * * *", timezone: Asia/Jakarta}', "{after: upstream}"),
            "bad.yaml:2: no schedule named 'upstream' to run after",
        ),
        (
            NIGHTLY.replace("retries: 2", "retries: 2\nretries: 3"),
            "bad.yaml:12: retries is given twice; keep one.",
        ),
        ("just text\n", "bad.yaml:1: a scenario is a mapping of name, trigger and steps."),
    ],
)
def test_a_bad_file_is_refused_with_its_file_line_and_field(
    amx: Amx, tmp_path: Path, text: str, said: str
) -> None:
    bad = write(tmp_path, "bad.yaml", text)
    good = write(tmp_path, "good.yaml", HOURLY)
    assert amx("scenario", "apply", "-f", good, "-f", bad) == 1
    assert said in amx.err, amx.err
    assert len(amx.err.strip().splitlines()) == 1 and "Traceback" not in amx.err
    assert amx.out == ""
    assert amx.json("schedule", "list")["total"] == 0  # nothing of the good file either


def test_an_unknown_profile_is_refused_at_its_step_line(amx: Amx, tmp_path: Path) -> None:
    text = NIGHTLY.replace(
        "- {kind: snapshot_annotations, profile: shop",
        "- {kind: snapshot_annotations, profile: nope",
    )
    assert amx("scenario", "apply", "-f", write(tmp_path, "p.yaml", text)) == 1
    assert amx.err.startswith("error: "), amx.err
    assert "p.yaml:6: steps[3]: no DB profile named 'nope'" in amx.err


def test_export_then_apply_is_a_no_op(amx: Amx, tmp_path: Path) -> None:
    nightly = write(tmp_path, "nightly.yaml", NIGHTLY)
    assert amx("scenario", "apply", "-f", nightly, "-f", write(tmp_path, "m.yaml", HOURLY)) == 0
    added = [
        "schedule", "add", "--name", "plain", "--every", "2h", "--db-profile", "shop",
        "--scope", "public.users", "--review", "auto",
    ]  # fmt: skip
    assert amx(*added) == 0, amx.err
    out = tmp_path / "all.yaml"
    assert amx("scenario", "export", "-o", str(out)) == 0, amx.err
    exported = out.read_text()
    assert exported.count("name: ") == 4
    assert "transactional" not in exported and "misfire_grace" in exported  # defaults left out
    assert amx("scenario", "apply", "-f", str(out)) == 0, amx.err
    assert amx.out.splitlines() == [
        "unchanged 'nightly-docs' (id 1)",
        "unchanged 'hourly' (id 2)",
        "unchanged 'once-more' (id 3)",
        "unchanged 'plain' (id 4)",
    ]
    assert amx("scenario", "export", "hourly") == 0, amx.err
    assert amx.out.startswith(
        "name: hourly\ntrigger: {interval: 6h, timezone: UTC}\nsteps:\n"
        "- {kind: analyze, profile: shop, scope: [public.orders]}\n"
    )


def test_exporting_all_leaves_out_what_cannot_fire_again_and_template_instances(
    amx: Amx, tmp_path: Path, clock: FrozenClock
) -> None:
    soon = "- name: soon\n  trigger: {once: 2026-11-21 03:00}\n  steps: [{kind: cache_refresh, profile: shop}]\n"
    assert amx("scenario", "apply", "-f", write(tmp_path, "m.yaml", HOURLY + soon)) == 0, amx.err
    assert amx("schedule", "cancel", "once-more") == 0, amx.err
    assert amx("template", "enable", "daily-catalog-refresh", "shop") == 0, amx.err
    clock.advance(timedelta(hours=2))
    assert amx("daemon", "tick") == 0, amx.err  # 'soon' has had its time
    out = tmp_path / "all.yaml"
    assert amx("scenario", "export", "-o", str(out)) == 0, amx.err
    assert [line for line in out.read_text().splitlines() if line.startswith("name:")] == [
        "name: hourly"
    ]
    said = amx.err.splitlines()
    assert said[0] == (
        "left out 2 schedules that will not fire again (cancelled, or a one-shot whose time has "
        "passed): 'once-more' and 'soon'; name one to export it"
    )
    assert said[1].startswith("left out 1 template instance ('daily-catalog-refresh · shop')")
    assert said[2] == f"wrote 1 scenario to {out}"
    # What was written applies as it is to a new database.
    fresh = Amx(f"sqlite:///{tmp_path / 'fresh.db'}", clock)
    assert fresh("profile", "db", "add", "shop", make_shop(tmp_path / "shop2")) == 0, fresh.err
    assert fresh("scenario", "apply", "-f", str(out)) == 0, fresh.err
    assert fresh.out == "created 'hourly' (id 1)\n"
    # Named, a spent schedule is exported all the same.
    assert amx("scenario", "export", "soon") == 0 and amx.out.startswith("name: soon\n")


def test_paused_travels_with_the_file_and_is_left_alone_when_not_given(
    amx: Amx, tmp_path: Path, clock: FrozenClock
) -> None:
    assert amx("scenario", "apply", "-f", write(tmp_path, "m.yaml", HOURLY)) == 0, amx.err
    assert amx("schedule", "pause", "hourly") == 0, amx.err
    out = tmp_path / "all.yaml"
    assert amx("scenario", "export", "-o", str(out)) == 0, amx.err
    first = out.read_text().split("---")[0]
    assert first.endswith("paused: true\n"), first
    assert "paused" not in out.read_text().split("---")[1]
    assert amx("scenario", "apply", "-f", str(out)) == 0 and "updated" not in amx.out
    # Left out, a file keeps what a person chose; false resumes, true pauses.
    assert amx("scenario", "apply", "-f", write(tmp_path, "m.yaml", HOURLY)) == 0
    assert "unchanged 'hourly' (id 1)" in amx.out
    assert amx.json("schedule", "show", "hourly")["schedule"]["status"] == "paused"
    resumed = HOURLY.replace(
        "  trigger: {interval: 6h}\n", "  trigger: {interval: 6h}\n  paused: false\n"
    )
    assert amx("scenario", "apply", "-f", write(tmp_path, "r.yaml", resumed)) == 0, amx.err
    assert "updated 'hourly' (id 1): paused" in amx.out
    assert amx.json("schedule", "show", "hourly")["schedule"]["status"] == "pending"
    # A new database gets the schedule paused, as it was where the file came from.
    fresh = Amx(f"sqlite:///{tmp_path / 'fresh.db'}", clock)
    assert fresh("profile", "db", "add", "shop", make_shop(tmp_path / "shop2")) == 0, fresh.err
    assert fresh("scenario", "apply", "-f", str(out)) == 0, fresh.err
    assert fresh.out.splitlines()[0] == "created 'hourly' (id 1): paused"
    assert fresh.json("schedule", "show", "hourly")["schedule"]["status"] == "paused"
    assert fresh.json("schedule", "show", "once-more")["schedule"]["status"] == "pending"
    bad = HOURLY.replace(
        "  trigger: {interval: 6h}\n", "  trigger: {interval: 6h}\n  paused: maybe\n"
    )
    assert amx("scenario", "apply", "-f", write(tmp_path, "b.yaml", bad)) == 1
    assert amx.err.startswith("error: ") and amx.err.count("\n") == 1
    assert amx.err.endswith("b.yaml:3: paused is 'maybe'; write true or false.\n")


def test_a_trigger_without_zone_takes_utc_or_the_configured_one(
    amx: Amx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The machine's zone is Asia/Jakarta here (see conftest): files and `add` do not take it.
    assert amx("scenario", "apply", "-f", write(tmp_path, "m.yaml", HOURLY)) == 0, amx.err
    assert amx.json("schedule", "show", "hourly")["schedule"]["timezone"] == "UTC"
    added = [
        "schedule", "add", "--name", "plain", "--cron", "0 9 * * *", "--db-profile", "shop",
        "--scope", "public.users",
    ]  # fmt: skip
    assert amx(*added) == 0, amx.err
    assert "next 2026-11-21 09:00 UTC" in amx.out
    monkeypatch.setenv("AMX_DEFAULT_TIMEZONE", "Europe/Paris")
    [doc, _] = parse_documents(HOURLY, "m.yaml")
    assert doc.spec.timezone == "Europe/Paris"
    assert amx("scenario", "apply", "-f", write(tmp_path, "m.yaml", HOURLY)) == 0, amx.err
    assert amx.out.splitlines()[0] == "updated 'hourly' (id 1): timezone"
    monkeypatch.setenv("AMX_DEFAULT_TIMEZONE", "Paris")
    with pytest.raises(InvalidInput, match="AMX_DEFAULT_TIMEZONE is set to 'Paris'"):
        parse_documents(HOURLY, "m.yaml")


def test_two_documents_naming_one_schedule_are_refused(amx: Amx, tmp_path: Path) -> None:
    both = write(
        tmp_path, "two.yaml", NIGHTLY + "---\n" + NIGHTLY.replace("retries: 2", "retries: 1")
    )
    assert amx("scenario", "apply", "-f", both) == 1
    assert "two.yaml:13: the scenario 'nightly-docs' is also given at" in amx.err, amx.err
    assert amx.json("schedule", "list")["total"] == 0


def test_a_past_fire_time_is_refused_at_the_trigger_line(amx: Amx, tmp_path: Path) -> None:
    text = "name: late\nsteps: [{kind: cache_refresh, profile: shop}]\ntrigger:\n  once: 2020-01-01 09:00\n"
    assert amx("scenario", "apply", "-f", write(tmp_path, "late.yaml", text)) == 1
    assert amx.err.startswith("error: ") and "late.yaml:4: fire-at 2020-01-01" in amx.err
    assert "2020-01-01 09:00" in amx.err
    assert amx("scenario", "export", "nope") == 1
    assert "no schedule has the id or name 'nope'" in amx.err


def test_a_refusal_in_a_later_document_applies_none_and_a_dry_run_finds_it(
    amx: Amx, tmp_path: Path
) -> None:
    assert amx("scenario", "apply", "-f", write(tmp_path, "m.yaml", HOURLY)) == 0, amx.err
    late = "- name: late\n  trigger: {once: 2026-11-20 09:00}\n  steps: [{kind: cache_refresh, profile: shop}]\n"
    changed = HOURLY.replace("interval: 6h", "interval: 2h")
    text = NIGHTLY.replace("name: nightly-docs", "name: first") + "---\n" + changed + late
    batch = write(tmp_path, "batch.yaml", text)
    before = amx.json("schedule", "list")
    for dry in ([], ["--dry-run"]):
        assert amx("scenario", "apply", "-f", batch, *dry) == 1
        assert amx.err.startswith("error: ") and amx.err.count("\n") == 1, amx.err
        assert "batch.yaml:24: fire-at 2026-11-20 09:00 UTC is in the past" in amx.err
        assert amx.out == ""
        assert amx.json("schedule", "list") == before  # 'first' not created, 'hourly' kept


def test_a_one_shot_whose_time_passed_takes_a_changed_step_and_keeps_where_it_stands(
    amx: Amx, tmp_path: Path
) -> None:
    text = "name: quarter\ntrigger: {once: 2026-11-21 10:00, timezone: Asia/Jakarta}\n"
    steps = "steps: [{kind: analyze, profile: shop, scope: [%s]}]\n"
    assert amx("scenario", "apply", "-f", write(tmp_path, "q.yaml", text + steps % "public")) == 0
    amx.clock.advance(timedelta(hours=2))
    assert amx("daemon", "tick") == 0
    changed = write(tmp_path, "q.yaml", text + steps % "public.users")
    assert amx("scenario", "apply", "-f", changed) == 0, amx.err
    [shown] = amx.json("schedule", "list")["items"]
    assert (shown["status"], shown["scope"]) == ("missed", ["public.users"])


def test_apply_reads_standard_input_says_json_and_refuses_a_missing_file(
    amx: Amx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(HOURLY))
    result = amx.json("scenario", "apply", "-f", "-")
    assert [(a["name"], a["action"], a["source"], a["line"]) for a in result["applied"]] == [
        ("hourly", "created", "<stdin>", 1),
        ("once-more", "created", "<stdin>", 7),
    ]
    assert result["dry_run"] is False
    missing = str(tmp_path / "nope.yaml")
    assert amx("scenario", "apply", "-f", missing) == 1
    assert amx.err == f"error: {missing}: no such file; check the path.\n"
    assert amx("scenario", "apply", "-f", write(tmp_path, "empty.yaml", "# nothing\n")) == 1
    assert "the files hold no scenario" in amx.err


def test_a_refusal_names_the_files_key_as_its_field(tmp_path: Path) -> None:
    with pytest.raises(ScenarioFileError) as caught:
        parse_documents(NIGHTLY.replace("retries: 2", "retries: -1"), "n.yaml", tmp_path)
    assert (caught.value.field, caught.value.line) == ("retries", 11)
    with pytest.raises(ScenarioFileError) as caught:
        parse_documents(NIGHTLY.replace("format: dbt", "format: xml"), "n.yaml", tmp_path)
    assert (caught.value.field, caught.value.line) == ("steps[4].format", 7)


def test_a_scenario_after_another_in_the_same_file_is_applied_after_it(
    amx: Amx, tmp_path: Path
) -> None:
    chained = (
        "name: publish\ntrigger: {after: refresh}\n"
        'steps:\n  - {kind: run_command, argv: ["true"]}\n'
        "---\n"
        'name: refresh\ntrigger: {cron: "0 2 * * *"}\n'
        "steps:\n  - {kind: cache_refresh, profile: shop}\n"
    )
    path = write(tmp_path, "chain.yaml", chained)
    assert amx("scenario", "apply", "-f", path) == 0, amx.err
    assert amx.out.splitlines() == ["created 'refresh' (id 1)", "created 'publish' (id 2)"]
    assert amx("scenario", "export", "-o", str(tmp_path / "out.yaml")) == 0, amx.err
    assert "{after: refresh" in (tmp_path / "out.yaml").read_text()
    assert amx("scenario", "apply", "-f", str(tmp_path / "out.yaml")) == 0, amx.err
    assert amx.out.splitlines() == ["unchanged 'refresh' (id 1)", "unchanged 'publish' (id 2)"]
