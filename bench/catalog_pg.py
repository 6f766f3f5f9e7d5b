"""Catalog and analysis benchmarks on a real, throwaway PostgreSQL.

Creates a database with 500 tables x 20 columns in 5 schemas, then prints: the first level
listed (schemas of the database, live and from the cache), one schema's tables, a whole-database
scope resolved to tables and columns, and heuristic analysis throughput in columns per second
(with a baseline of reflecting every table one by one, measured in the same run).

    .venv/bin/python bench/catalog_pg.py [--tables 500] [--columns 20]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, inspect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch import scratch_folder
from core.analysis.llm.heuristic import HeuristicAnnotator
from core.api import Core
from core.catalog.scope import from_texts
from tests.support.pg import start_cluster

COLUMN_TYPES = [
    ("id", "bigserial PRIMARY KEY"),
    ("email", "text"),
    ("full_name", "text"),
    ("phone", "text"),
    ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
    ("status", "text"),
    ("total_amount", "numeric(12,2)"),
    ("quantity", "integer"),
    ("country", "text"),
]


def build(cluster_dsn: dict[str, object], tables: int, columns: int, schemas: int) -> None:
    with psycopg.connect(**cluster_dsn, autocommit=True) as conn:  # type: ignore[arg-type]
        for s in range(schemas):
            conn.execute(f"CREATE SCHEMA s{s}")
        for t in range(tables):
            cols = []
            for c in range(columns):
                name, kind = COLUMN_TYPES[c] if c < len(COLUMN_TYPES) else (f"attr_{c}", "text")
                cols.append(f"{name} {kind}")
            conn.execute(f"CREATE TABLE s{t % schemas}.t{t:04d} ({', '.join(cols)})")


def ms(fn: object, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, (time.perf_counter() - started) * 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tables", type=int, default=500)
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument("--schemas", type=int, default=5)
    args = parser.parse_args()
    cluster = start_cluster()
    try:
        url = cluster.create_database("bench")
        dsn = {
            "host": str(cluster.socket_dir),
            "port": cluster.port,
            "user": "amx",
            "dbname": "bench",
        }
        started = time.perf_counter()
        build(dsn, args.tables, args.columns, args.schemas)
        print(
            f"built {args.tables} tables x {args.columns} columns in {time.perf_counter() - started:.1f} s"
        )
        folder = scratch_folder()
        core = Core.open(f"sqlite:///{folder / 'amx.db'}")
        core.profiles.add_db("pg", url)
        root = ms(lambda: core.catalog.children("pg", (), refresh=True))
        first = ms(lambda: core.catalog.children("pg", ("bench",), refresh=True))
        cached = ms(lambda: core.catalog.children("pg", ("bench",)))
        tables = ms(lambda: core.catalog.children("pg", ("bench", "s0"), refresh=True))
        print(f"databases of the profile, live:      {root:8.1f} ms   (target <= 200 ms)")
        print(f"first level (schemas), live:         {first:8.1f} ms   (target <= 200 ms)")
        print(f"first level (schemas), from cache:   {cached:8.1f} ms")
        print(f"one schema's {args.tables // args.schemas} tables, live:        {tables:8.1f} ms")
        whole = from_texts(["*"])
        resolved: list[object] = []
        resolve_ms = ms(lambda: resolved.append(core.catalog.resolve("pg", None, whole)), 3)
        metas = resolved[-1][0]  # type: ignore[index]
        n_cols = sum(len(m.columns) for m in metas)
        print(
            f"whole-database scope resolved:       {resolve_ms:8.1f} ms   ({len(metas)} tables, {n_cols} columns; target <= 2000 ms)"
        )
        engine = create_engine(url)

        def one_by_one() -> None:
            with engine.connect() as conn:
                insp = inspect(conn)
                for m in metas:
                    insp.get_columns(m.name, schema=m.schema)
                    insp.get_foreign_keys(m.name, schema=m.schema)

        baseline = ms(one_by_one, 1)
        print(
            f"baseline: reflect table by table:    {baseline:8.1f} ms   (ratio {baseline / resolve_ms:.1f}x)"
        )
        annotator = HeuristicAnnotator()
        started = time.perf_counter()
        for m in metas:
            annotator.annotate(m)
        secs = time.perf_counter() - started
        print(
            f"heuristic analysis:                  {n_cols / secs:8.0f} columns/s ({len(metas) / secs:.0f} tables/s)"
        )
        core.close()
        engine.dispose()
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
