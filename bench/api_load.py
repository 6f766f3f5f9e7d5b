"""HTTP API under load: 50 concurrent clients for 20 s mixing reads, creates, patches and run
requests against a real `amx serve` process; then the database is counted: every acknowledged
write is there exactly once. p99 latencies are printed beside a baseline measured in the same
run (the token-free health probe under the same load). Each client pauses a random 0-2 s
between requests, as dashboards and CI jobs do; a smaller `--think-ms` (0: back to back)
measures saturation instead: one server process answers a few hundred requests a second on a
free core, and beyond that latency is queueing. Targets
on SQLite: p99 <= 50 ms for reads, <= 100 ms for writes.

    .venv/bin/python bench/api_load.py [--clients 50] [--seconds 20] [--pg URL]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.api import Core
from core.schedules.scenario.files import spec_from_document
from core.storage.tables import Run, Schedule
from tests.support.shop import make_shop

READ_TARGET_MS, WRITE_TARGET_MS = 50.0, 100.0
BASE = "/api/scheduler/scenarios"


@dataclass
class Tally:
    """What the clients saw, and what the server acknowledged."""

    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    created: dict[int, str] = field(default_factory=dict)  # id -> name
    patches: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    runs: dict[int, int] = field(default_factory=lambda: defaultdict(int))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def scenario(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "trigger": {"cron": "0 2 * * *", "timezone": "UTC"},
        "steps": [{"kind": "analyze", "profile": "shop", "scope": ["main"]}],
    }


async def timed(
    tally: Tally, kind: str, call: Any, *args: Any, want: int, **kwargs: Any
) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        answer: httpx.Response = await call(*args, **kwargs)
    except httpx.HTTPError as exc:
        tally.errors.append(f"{kind}: {type(exc).__name__}: {exc}")
        return None
    tally.latency[kind].append((time.perf_counter() - started) * 1000)
    if answer.status_code != want:
        tally.errors.append(f"{kind}: {answer.status_code} {answer.text[:200]}")
        return None
    return answer


async def pause(rng: random.Random, think_ms: float) -> None:
    if think_ms > 0:
        await asyncio.sleep(rng.uniform(0, 2 * think_ms) / 1000)


async def baseline_client(
    number: int, http: httpx.AsyncClient, tally: Tally, until: float, think_ms: float
) -> None:
    rng = random.Random(-number)
    while time.monotonic() < until:
        await pause(rng, think_ms)
        await timed(tally, "baseline", http.get, "/api/pipeline/scheduler/health", want=503)


async def client(
    number: int,
    http: httpx.AsyncClient,
    tally: Tally,
    until: float,
    seed_ids: list[int],
    think_ms: float,
) -> None:
    rng = random.Random(number)
    mine: dict[int, int] = {}  # id -> version
    made = 0
    while time.monotonic() < until:
        await pause(rng, think_ms)
        roll = rng.random()
        if roll < 0.55:
            if rng.random() < 0.5:
                await timed(tally, "read", http.get, BASE, params={"limit": 20}, want=200)
            else:
                target = rng.choice(seed_ids + list(mine))
                await timed(tally, "read", http.get, f"{BASE}/{target}", want=200)
        elif roll < 0.75 or not mine:
            made += 1
            name = f"load-{number}-{made}"
            answer = await timed(tally, "write", http.post, BASE, json=scenario(name), want=201)
            if answer is not None:
                body = answer.json()
                mine[body["id"]] = body["version"]
                tally.created[body["id"]] = name
        elif roll < 0.92:
            target = rng.choice(list(mine))
            answer = await timed(
                tally,
                "write",
                http.patch,
                f"{BASE}/{target}",
                json={"retries": rng.randint(0, 5)},
                headers={"If-Match": f'"{mine[target]}"'},
                want=200,
            )
            if answer is not None:
                mine[target] = answer.json()["version"]
                tally.patches[target] += 1
        else:
            target = rng.choice(list(mine))
            answer = await timed(tally, "write", http.post, f"{BASE}/{target}/run", want=202)
            if answer is not None:
                tally.runs[target] += 1


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def drive(
    url: str, token: str, clients: int, seconds: float, seed_ids: list[int], think_ms: float
) -> Tally:
    tally = Tally()
    limits = httpx.Limits(max_connections=clients + 5, max_keepalive_connections=clients + 5)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=30) as http:
        until = time.monotonic() + min(5.0, seconds / 4)
        await asyncio.gather(
            *(baseline_client(n, http, tally, until, think_ms) for n in range(clients))
        )
        until = time.monotonic() + seconds
        await asyncio.gather(
            *(client(n, http, tally, until, seed_ids, think_ms) for n in range(clients))
        )
    return tally


def count(core: Core, tally: Tally) -> list[str]:
    """Differences between what was acknowledged and what the database holds."""
    problems: list[str] = []
    with core.db.read() as session:
        rows = session.execute(
            select(Schedule.id, Schedule.name, Schedule.version).where(Schedule.name.like("load-%"))
        ).all()
        runs = dict(
            session.execute(
                select(Run.schedule_id, func.count(Run.id)).group_by(Run.schedule_id)
            ).all()
        )
    stored = {row.id: row for row in rows}
    if len(rows) != len(tally.created):
        problems.append(f"{len(tally.created)} creates acknowledged, {len(rows)} stored")
    if len({row.name for row in rows}) != len(rows):
        problems.append("a name is stored twice")
    for sid, name in tally.created.items():
        row = stored.get(sid)
        if row is None or row.name != name:
            problems.append(f"created scenario {sid} {name!r} is not stored as such")
        elif row.version != 1 + tally.patches.get(sid, 0):
            problems.append(
                f"scenario {sid}: {tally.patches.get(sid, 0)} patches acknowledged, version "
                f"{row.version}"
            )
        if runs.get(sid, 0) != tally.runs.get(sid, 0):
            problems.append(
                f"scenario {sid}: {tally.runs.get(sid, 0)} runs acknowledged, {runs.get(sid, 0)} stored"
            )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--think-ms",
        type=float,
        default=1000.0,
        help="each client's mean pause between requests (uniform from 0 to twice it); 0 "
        "sends back to back, which measures saturation instead",
    )
    parser.add_argument("--pg", metavar="URL", help="a PostgreSQL database instead of SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.pg or f"sqlite:///{Path(folder) / 'amx.db'}"
        core = Core.open(url)
        core.profiles.add_db("shop", make_shop(Path(folder) / "shop"))
        token = core.tokens.create(f"load-{time.time_ns()}").secret
        seed_ids = [
            core.schedules.create(spec_from_document(scenario(f"seed-{time.time_ns()}-{n}"))).id
            for n in range(20)
        ]
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "studio_tui.cli", "--database-url", url, "serve",
             "--port", str(port)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    httpx.get(f"{base}/api/pipeline/scheduler/health")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            tally = asyncio.run(
                drive(base, token, args.clients, args.seconds, seed_ids, args.think_ms)
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
        lost = count(core, tally)
        core.close()
    backend = "PostgreSQL" if args.pg else "SQLite"
    base_p99 = p(tally.latency["baseline"], 0.99)
    print(
        f"api load on {backend}: {args.clients} clients, {args.seconds:.0f} s, mean pause "
        f"{args.think_ms:.0f} ms"
    )
    for kind, target in (("baseline", None), ("read", READ_TARGET_MS), ("write", WRITE_TARGET_MS)):
        values = tally.latency[kind]
        p99 = p(values, 0.99)
        verdict = "" if target is None else (" ok" if p99 <= target else f" OVER {target:.0f} ms")
        ratio = "" if kind == "baseline" else f"  ({p99 / base_p99:.1f}x baseline)"
        print(
            f"  {kind:8} {len(values):6} requests  p50 {p(values, 0.5):7.1f} ms  "
            f"p99 {p99:7.1f} ms{ratio}{verdict}"
        )
    total = sum(len(tally.latency[k]) for k in ("read", "write"))
    print(f"  throughput {total / args.seconds:.0f} requests/s")
    print(
        f"  writes acknowledged: {len(tally.created)} creates, {sum(tally.patches.values())} "
        f"patches, {sum(tally.runs.values())} run requests"
    )
    for line in tally.errors[:10]:
        print(f"  error: {line}")
    for line in lost[:10]:
        print(f"  lost or duplicated: {line}")
    ok = not tally.errors and not lost
    print("  no errors, no lost or duplicated writes" if ok else "  FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
