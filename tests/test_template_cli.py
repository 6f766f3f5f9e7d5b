"""`amx template …` and the profile flags templates use, in-process on both backends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.cli import Amx
from tests.support.shop import make_shop

TEMPLATE = """\
slug: refresh
name: Refresh
parameters:
  - {name: hour, type: int, default: 2}
  - {name: to, type: email}
trigger: {cron: "0 {{ param.hour }} * * *", timezone: UTC}
steps:
  - {kind: cache_refresh, profile: "{{ profile.name }}"}
on_failure:
  - {kind: notify, urls: ["mailto://{{ param.to }}"]}
"""


def write(tmp_path: Path, text: str, name: str = "t.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_list_and_matrix_show_the_builtins(amx: Amx) -> None:
    assert amx("template", "list") == 0, amx.err
    for slug in ("nightly-pii", "weekly-dbt-docs", "daily-catalog-refresh", "failure-digest"):
        assert slug in amx.out
    assert amx("template", "matrix") == 0
    assert amx.out.splitlines()[0].split() == ["TEMPLATE", "shop"]
    assert amx.json("template", "matrix")["profiles"] == ["shop"]


def test_enable_needs_parameters_without_default(amx: Amx, tmp_path: Path) -> None:
    assert amx("template", "apply", "-f", write(tmp_path, TEMPLATE)) == 0, amx.err
    assert "created template 'refresh'" in amx.out
    assert amx("template", "enable", "refresh", "shop") == 1
    assert "needs parameter 'to' (email), which has no default; give --param to=…" in amx.err
    assert amx("template", "enable", "refresh", "shop", "--param", "to") == 1
    assert "--param 'to' is not NAME=VALUE" in amx.err
    assert amx("template", "enable", "refresh", "shop", "--param", "to=x") == 1
    assert "parameter 'to' is an e-mail address; 'x' is not one." in amx.err
    code = amx("template", "enable", "refresh", "shop", "--param", "to=ops@example.com",
               "--param", "hour=4")  # fmt: skip
    assert code == 0, amx.err
    assert "enabled template 'refresh' for 'shop'" in amx.out
    cell = amx.json("template", "matrix")["cells"][0]
    assert (cell["slug"], cell["state"], cell["params"]) == (
        "refresh", "on", {"hour": 4, "to": "ops@example.com"}
    )  # fmt: skip
    assert amx("template", "disable", "refresh", "shop") == 0
    assert "disabled template 'refresh' for 'shop'" in amx.out and "paused" in amx.out
    assert amx("template", "matrix") == 0
    assert any(line.split() == ["refresh", "off"] for line in amx.out.splitlines())


def test_apply_dry_run_shows_each_instance_change(amx: Amx, tmp_path: Path) -> None:
    amx("template", "apply", "-f", write(tmp_path, TEMPLATE))
    amx("template", "enable", "refresh", "shop", "--param", "to=ops@example.com")
    edited = write(tmp_path, TEMPLATE.replace('"0 {{', '"15 {{'), "t2.yaml")
    assert amx("template", "apply", "-f", edited, "--dry-run") == 0, amx.err
    assert amx.out.splitlines() == [
        "would update template 'refresh': trigger",
        "  'refresh · shop' (id 1): trigger",
        "dry run: nothing was changed",
    ]
    assert amx("template", "apply", "-f", edited) == 0
    assert amx.out.splitlines()[0] == "updated template 'refresh': trigger"
    assert amx("template", "apply", "-f", edited) == 0
    assert amx.out.splitlines() == ["unchanged template 'refresh'"]
    assert amx("template", "show", "refresh") == 0
    assert "# version 2, yours" in amx.out
    assert "# instance 1 'refresh · shop': pending (hour=2, to=ops@example.com)" in amx.out
    assert amx("schedule", "show", "1") == 0, amx.err
    assert amx.out.splitlines()[2].split(None, 1) == [
        "template", "refresh for shop (hour=2, to=ops@example.com)"
    ]  # fmt: skip


def test_a_bad_template_file_names_its_line(amx: Amx, tmp_path: Path) -> None:
    bad = TEMPLATE.replace("type: email", "type: colour")
    assert amx("template", "apply", "-f", write(tmp_path, bad)) == 1
    assert "t.yaml:5: parameters[2] (to): type 'colour' is not accepted" in amx.err


def test_export_applies_back_to_no_change(amx: Amx, tmp_path: Path) -> None:
    out = tmp_path / "all.yaml"
    assert amx("template", "export", "-o", str(out)) == 0
    assert "wrote 4 templates" in amx.err
    assert amx("template", "apply", "-f", str(out)) == 0
    assert all(line.startswith("unchanged ") for line in amx.out.splitlines())


def test_an_output_that_cannot_be_written_is_one_sentence(amx: Amx, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert amx("template", "export", "-o", str(blocker / "all.yaml")) == 1
    assert amx.err.startswith(f"error: cannot write {blocker / 'all.yaml'}: ")
    assert "Traceback" not in amx.err and amx.out == ""


def test_rm_asks_first_and_keeps_history(amx: Amx, tmp_path: Path) -> None:
    amx("template", "apply", "-f", write(tmp_path, TEMPLATE))
    amx("template", "enable", "refresh", "shop", "--param", "to=ops@example.com")
    assert amx("template", "rm", "refresh") == 1
    assert "add --yes" in amx.err
    assert amx("template", "rm", "refresh", "--yes") == 0
    assert amx.out.strip() == (
        "removed template 'refresh' and its instances 'refresh · shop'; their run history is kept"
    )
    assert amx("template", "show", "refresh") == 1
    assert "no template 'refresh'" in amx.err


def test_profile_owner_and_labels_reach_templates(amx: Amx, tmp_path: Path) -> None:
    auto = """\
slug: auto
default_enabled: true
trigger: {cron: "0 3 * * *", timezone: UTC}
steps:
  - {kind: cache_refresh, profile: "{{ profile.name }}"}
on_failure:
  - {kind: notify, urls: ["mailto://{{ profile.owner_email }}"], title: "{{ profile.labels | join(',') }}"}
"""
    amx("template", "apply", "-f", write(tmp_path, auto))
    url = make_shop(tmp_path / "depot")
    code = amx("profile", "db", "add", "depot", url, "--owner-email", "dba@example.com",
               "--label", "prod", "--label", "eu")  # fmt: skip
    assert code == 0, amx.err
    assert "enabled template 'auto' for it" in amx.out
    listed = {p["name"]: p for p in amx.json("profile", "db", "list")}
    assert listed["depot"]["owner_email"] == "dba@example.com"
    assert listed["depot"]["labels"] == ["prod", "eu"]
    shown = amx.json("template", "show", "auto")["instances"]
    assert [(i["name"], i["on_failure"][0]["title"]) for i in shown] == [
        ("auto · depot", "prod,eu")
    ]
    assert amx("profile", "db", "add", "x", url, "--owner-email", "nobody") == 1
    assert "owner e-mail 'nobody' is not an e-mail address" in amx.err


def test_two_shells_toggling_one_cell_at_once_leave_one_instance(amx: Amx, tmp_path: Path) -> None:
    """Real `amx template enable/disable` processes racing on the same cell."""
    amx("template", "apply", "-f", write(tmp_path, TEMPLATE))
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    verbs = ["enable", "disable", "enable", "enable", "disable", "enable"]
    scripts = []
    for me in (0, 1):
        lines = []
        for i, verb in enumerate(verbs[me:] + verbs[:me]):
            line = f"amx --database-url {amx.url!r} template {verb} refresh shop"
            if verb == "enable":
                line += f" --param to=p{me}@example.com --param hour={me * 10 + i}"
            lines.append(line)
        scripts.append(lines)
    code = (
        "import shlex, sys\nfrom studio_tui.cli import run\n"
        "for line in sys.argv[1:]:\n"
        "    if run(shlex.split(line)[1:]):\n        sys.exit(1)\n"
    )
    shells = [
        subprocess.Popen(
            [sys.executable, "-c", code, *lines],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for lines in scripts
    ]
    for shell in shells:
        _, err = shell.communicate(timeout=180)
        assert shell.returncode == 0, err
    matrix = amx.json("template", "matrix")
    cells = [c for c in matrix["cells"] if c["slug"] == "refresh"]
    # Both shells end by enabling: whichever came last, the cell is on with its values.
    assert len(cells) == 1 and cells[0]["state"] == "on" and cells[0]["schedule_id"] == 1
    assert cells[0]["params"] in (
        {"hour": 5, "to": "p0@example.com"},
        {"hour": 15, "to": "p1@example.com"},
    )


SCOPED = """\
slug: scoped
name: Scoped
trigger: {cron: "0 3 * * *", timezone: UTC}
steps:
  - {kind: analyze, profile: "{{ profile.name }}", scope: [public.orders]}
"""
FRESH = """\
slug: fresh
name: Fresh
trigger: {cron: "0 4 * * *", timezone: UTC}
steps:
  - {kind: cache_refresh, profile: "{{ profile.name }}"}
"""


def test_a_refused_instance_applies_none_of_the_templates(amx: Amx, tmp_path: Path) -> None:
    assert amx("template", "apply", "-f", write(tmp_path, SCOPED)) == 0, amx.err
    assert amx("template", "enable", "scoped", "shop") == 0, amx.err
    both = FRESH + "---\n" + SCOPED.replace("public.orders", "public.nosuch")
    assert amx("template", "apply", "-f", write(tmp_path, both, "both.yaml")) == 1
    assert "nosuch" in amx.err and amx.err.count("\n") == 1, amx.err
    assert "fresh" not in [t["definition"]["slug"] for t in amx.json("template", "list")]
    assert amx.json("schedule", "show", "scoped · shop")["schedule"]["scope"] == ["public.orders"]
