"""A throwaway PostgreSQL cluster for tests and benchmarks: initdb + pg_ctl on a private socket."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg


def find_bindir() -> Path | None:
    """Where initdb and pg_ctl live, newest version first, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    """A running throwaway cluster reachable over a unix socket with the superuser `amx`."""

    root: Path
    bindir: Path
    port: int
    as_postgres: bool

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL for `database` on this cluster."""
        return f"postgresql+psycopg://amx@/{database}?host={self.socket_dir}&port={self.port}"

    def connect(self, database: str = "postgres", *, autocommit: bool = True) -> psycopg.Connection:
        """A psycopg connection as the superuser `amx`."""
        return psycopg.connect(
            host=str(self.socket_dir), port=self.port, user="amx", dbname=database,
            autocommit=autocommit,
        )  # fmt: skip

    def create_database(self, name: str) -> str:
        """Create a fresh database and return its URL."""
        with self.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def add_password_role(self, role: str, password: str, database: str) -> None:
        """A login role that must give its password (scram) over the socket, owning `database`."""
        hba = self.root / "data" / "pg_hba.conf"
        rule = f"local all {role} scram-sha-256\n"
        if rule not in hba.read_text():
            hba.write_text(rule + hba.read_text())
        with self.connect() as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(f"{verb} ROLE {role} LOGIN PASSWORD '{password}'")
            conn.execute(f'ALTER DATABASE "{database}" OWNER TO {role}')
            conn.execute("SELECT pg_reload_conf()")

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, text=True)

    @property
    def options(self) -> str:
        """The server's command-line options: private socket, no TCP, no durability."""
        return (
            f"-k {self.socket_dir} -p {self.port} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )

    def pause(self) -> None:
        """Shut the server down (fast: every connection is cut), keeping its files."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w",
                  "stop")  # fmt: skip

    def resume(self) -> None:
        """Start the server again after `pause`."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-o", self.options,
                  "-l", str(self.root / "server.log"), "-w", "-t", "60", "start")  # fmt: skip

    def stop(self) -> None:
        """Stop the server (if it runs) and delete its files."""
        try:
            if (self.root / "data" / "postmaster.pid").exists():
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m",
                          "immediate", "stop")  # fmt: skip
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> Cluster:
    """initdb a new cluster in a temp dir and start it; the caller stops it."""
    bindir = find_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server programs are not installed (run scripts/postgres)")
    as_postgres = os.geteuid() == 0  # initdb refuses to run as root
    root = Path(tempfile.mkdtemp(prefix="amxpg-"))
    (root / "sock").mkdir()
    if as_postgres:
        shutil.chown(root, "postgres")
        shutil.chown(root / "sock", "postgres")
    cluster = Cluster(root, bindir, _free_port(), as_postgres)
    data = root / "data"
    cluster._run(
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-U",
        "amx",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--no-sync",
        "--locale=C",
    )
    cluster.resume()
    return cluster
