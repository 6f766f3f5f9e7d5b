"""How long a whole `amx` process takes to answer: `--help`, `schedule --help`, `schedule next`
(no database), and `schedule list` (the quick SQLite read, and `--json` through the schedule
service) and `schedule status` on the demo database, created in a temporary HOME. Each figure
is the median of N runs after a warm-up, beside two baselines measured in the same run: the
bare interpreter (`python -c pass`) and `import sqlalchemy`.

    .venv/bin/python bench/cli_startup.py [--runs 15]
    .venv/bin/python bench/cli_startup.py --importtime [--top 15]   # where `schedule list`'s
                                                                   # imports spend their time
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The console script pip installs beside the interpreter (`[project.scripts]` amx), else the
# module it calls.
_SCRIPT = Path(sys.executable).parent / "amx"
AMX = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "studio_tui.cli"]
PY = sys.executable
# `import sqlalchemy` on this machine when nothing else runs (measured when the targets were
# set): other work on a shared machine slows every process alike, so each figure is also shown
# scaled to that.
QUIET_SQLALCHEMY_S = 0.160

# label, argv, target in seconds (None: measured, no target)
CASES: list[tuple[str, list[str], float | None]] = [
    ("python -c pass (baseline)", [PY, "-c", "pass"], None),
    ('python -c "import sqlalchemy" (baseline)', [PY, "-c", "import sqlalchemy"], None),
    ("amx --help", [*AMX, "--help"], 0.150),
    ("amx schedule --help", [*AMX, "schedule", "--help"], None),
    (
        "amx schedule next --cron '0 9 * * 1-5'",
        [*AMX, "schedule", "next", "--cron", "0 9 * * 1-5"],
        0.150,
    ),
    ("amx schedule list (demo database)", [*AMX, "schedule", "list"], 0.250),
    # The same page through the schedule service (JSON always takes it): the quick read's
    # baseline, measured in the same run.
    ("amx schedule list --json (the service)", [*AMX, "schedule", "list", "--json"], None),
    ("amx schedule status (demo database)", [*AMX, "schedule", "status"], None),
]


def demo_env(home: Path) -> dict[str, str]:
    """The environment of a person whose HOME is `home`: the default database lives there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AMX_", "XDG_"))}
    env.update(HOME=str(home), PYTHONPATH=str(ROOT), NO_COLOR="1", COLUMNS="120")
    return env


def make_demo(env: dict[str, str]) -> None:
    """The demo database and shop in the default place, as `amx studio --demo` makes them."""
    code = (
        "from core.api import Core\n"
        "from core.demo import create_demo\n"
        "core = Core.open()\n"
        "create_demo(core)\n"
        "core.close()\n"
    )
    subprocess.run([PY, "-c", code], env=env, check=True, cwd=ROOT)


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time of one whole process and its exit code."""
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, check=False)
    return time.perf_counter() - started, done.returncode


def medians(env: dict[str, str], runs: int) -> list[tuple[float, int]]:
    """Each case's median wall time over `runs` processes after one warm-up, and its last exit
    code. The cases take turns, so a load that comes and goes weighs on all of them alike."""
    for _, argv, _ in CASES:
        timed(argv, env)
    times: list[list[float]] = [[] for _ in CASES]
    codes = [0] * len(CASES)
    for _ in range(runs):
        for i, (_, argv, _) in enumerate(CASES):
            took, codes[i] = timed(argv, env)
            times[i].append(took)
    return [(statistics.median(t), code) for t, code in zip(times, codes, strict=True)]


def importtime(env: dict[str, str], top: int) -> None:
    """The `top` imports of `amx schedule list` by cumulative time, from `python -X importtime`."""
    code = "import sys; from studio_tui.cli import main; sys.argv = ['amx', 'schedule', 'list']; main()"
    done = subprocess.run(
        [PY, "-X", "importtime", "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )
    rows: list[tuple[int, int, str]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|", 2)
        rows.append((int(cumulative), int(own), name.rstrip()))
    total = sum(own for _, own, _ in rows)
    print(f"`amx schedule list`: {len(rows)} modules imported, {total / 1000:.0f} ms in all (self)")
    print(f"{'cumulative':>12} {'self':>8}  module")
    for cumulative, own, name in sorted(rows, reverse=True)[:top]:
        print(f"{cumulative / 1000:9.1f} ms {own / 1000:5.1f} ms  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs per command (default 15)")
    parser.add_argument("--importtime", action="store_true", help="print import times instead")
    parser.add_argument("--top", type=int, default=15, help="with --importtime: how many")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="amx-cli-bench-") as tmp:
        env = demo_env(Path(tmp))
        make_demo(env)
        if args.importtime:
            importtime(env, args.top)
            return
        print(f"whole processes, median of {args.runs} after a warm-up ({os.cpu_count()} CPUs):")
        base = yardstick = 0.0
        for (label, _, target), (took, code) in zip(CASES, medians(env, args.runs), strict=True):
            base = base or took
            if "import sqlalchemy" in label:
                yardstick = took
            scaled = (
                f"  (~{took * QUIET_SQLALCHEMY_S / yardstick * 1000:4.0f} ms quiet)"
                if yardstick
                else ""
            )
            goal = ""
            if target is not None:
                goal = f"  target <= {target * 1000:.0f} ms: {'PASS' if took <= target else 'FAIL'}"
            failed = f"  (exit {code})" if code else ""
            print(
                f"  {label:<44} {took * 1000:7.1f} ms  {took / base:5.1f}x baseline{scaled}{goal}{failed}"
            )
        print(
            "(~ quiet: the figure scaled by this run's import of SQLAlchemy to the "
            f"{QUIET_SQLALCHEMY_S * 1000:.0f} ms it takes on this machine when nothing else runs)"
        )


if __name__ == "__main__":
    main()
