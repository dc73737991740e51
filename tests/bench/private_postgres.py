"""A PostgreSQL cluster of a bench's own, in a temporary folder on a free port, that it may stop and start at will.

The machine's shared PostgreSQL (127.0.0.1:5432) serves other people's tests: a bench that restarts the database
restarts this one instead. ``initdb`` with trust authentication, owned by the ``postgres`` user when the bench runs as
root (PostgreSQL refuses to run as root), its socket in its own folder; stopped and removed at the end, whatever
happened.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from tests import services


@dataclass
class PrivatePostgres:
    folder: Path
    port: int

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the database the app uses."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/dispatch"

    @property
    def dsn(self) -> str:
        """The same database, for psycopg."""
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=dispatch connect_timeout=5"

    def stop(self, mode: str = "fast") -> None:
        """``pg_ctl stop -m fast``: open sessions are ended, the server shuts down cleanly; returns once it has."""
        _pg_ctl(self, "stop", "-m", mode, "-w", "-t", "60")

    def start(self) -> None:
        """``pg_ctl start``; returns once it accepts connections."""
        log = self.folder / "postgres.log"
        _pg_ctl(self, "start", "-w", "-t", "60", "-l", str(log), "-o", f"-p {self.port} -k {self.folder} -h 127.0.0.1")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A fresh cluster with an empty database ``dispatch``; stopped and deleted afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="dispatch-bench-pg-"))
    cluster = PrivatePostgres(folder, _free_port())
    try:
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        _as_postgres([_binary("initdb"), "-D", str(cluster.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                      "--no-sync"])  # fmt: skip
        with (cluster.data / "postgresql.conf").open("a") as conf:
            conf.write("\nfsync = off\nmax_connections = 200\nlisten_addresses = '127.0.0.1'\n")
        cluster.start()
        _as_postgres([_binary("createdb"), "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "dispatch"])
        yield cluster
    finally:
        with suppress(Exception):
            if cluster.running():
                cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


def _binary(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if not found:
        services.ensure_postgres()  # installs Debian's postgresql when absent
        found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return found[-1]


def _pg_ctl(cluster: PrivatePostgres, *args: str) -> None:
    _as_postgres([_binary("pg_ctl"), "-D", str(cluster.data), *args])


def _as_postgres(command: list[str]) -> None:
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd="/tmp")
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {result.stderr[-1000:] or result.stdout[-1000:]}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
