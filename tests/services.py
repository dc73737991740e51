"""Real PostgreSQL and Redis for the integration tests: use them when running, start them when stopped,
install them with apt-get when absent. Each test session gets its own PostgreSQL database and Redis db number.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import time
import uuid

PG_HOST, PG_PORT = "127.0.0.1", 5432
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


# Production refuses to start without the keys of personal data: a harness running production mode passes these
# (fixed, for tests only), the same to every process it starts, so each opens what another sealed.
PERSONAL_DATA_TEST_KEYS = {
    "PERSONAL_DATA_KEYS": "1:dGVzdHMgb25seSBrZXkgMQ==",
    "PERSONAL_DATA_HASH_KEY": "dGVzdHMgb25seTogdGhlIGxvb2t1cCBoYXNoIGtleQ==",
}


# What a harness that drives the app from one address (a live server for the browser suite, a benchmark) turns
# off, as a test of its own proves each guard (tests/integration/test_login_protection.py, test_two_factor.py):
# the second factor for staff, which production requires, and the per-address budgets, which a benchmark posting
# hundreds of needs a second from 127.0.0.1 would meet first.
HARNESS_SETTINGS = {
    "TWO_FACTOR": "0",
    "RATE_LIMIT_LOGIN": "100000/minute",
    "RATE_LIMIT_LOGIN_CODE": "100000/minute",
    "RATE_LIMIT_API": "1000000/minute",
    "RATE_LIMIT_WEBHOOKS": "1000000/minute",
    **PERSONAL_DATA_TEST_KEYS,
}


class ServiceUnavailable(RuntimeError):
    pass


def listening(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def wait_for(host: str, port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if listening(host, port):
            return
        time.sleep(0.2)
    raise ServiceUnavailable(f"nothing is listening on {host}:{port} after {seconds}s")


def run(*command: str) -> None:
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)


def apt_install(*packages: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, capture_output=True, timeout=600)
    subprocess.run(["apt-get", "install", "-y", "-q", *packages], check=True, env=env, capture_output=True, timeout=900)


def ensure_postgres() -> None:
    if listening(PG_HOST, PG_PORT):
        return
    if not shutil.which("pg_ctlcluster"):
        apt_install("postgresql")
    versions = sorted(os.path.basename(p) for p in glob.glob("/etc/postgresql/*"))
    if not versions:
        raise ServiceUnavailable("postgresql is installed but has no cluster")
    run("pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start")
    wait_for(PG_HOST, PG_PORT)
    _trust_local_tcp(versions[-1])


def _trust_local_tcp(version: str) -> None:
    """A fresh Debian cluster asks for passwords over TCP; the tests connect as ``postgres`` without one."""
    hba = f"/etc/postgresql/{version}/main/pg_hba.conf"
    with open(hba) as handle:
        text = handle.read()
    if "127.0.0.1/32            trust" in text:
        return
    with open(hba, "a") as handle:
        handle.write("\nhost all all 127.0.0.1/32            trust\nhost all all ::1/128 trust\n")
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "reload"], check=True, timeout=60)


def create_database() -> str:
    """A fresh, empty database for this test session; returns its URL."""
    import psycopg

    name = f"dispatch_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"host={PG_HOST} port={PG_PORT} user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"


def drop_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[-1]
    with psycopg.connect(f"host={PG_HOST} port={PG_PORT} user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def ensure_redis() -> None:
    if listening(REDIS_HOST, REDIS_PORT):
        return
    if not shutil.which("redis-server"):
        apt_install("redis-server")
    os.makedirs("/var/lib/redis", exist_ok=True)
    os.makedirs("/var/log/redis", exist_ok=True)
    run(
        "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(REDIS_PORT),
        "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log",
    )  # fmt: skip
    wait_for(REDIS_HOST, REDIS_PORT)


def redis_url() -> str:
    """A Redis database number chosen per session, emptied before use, so parallel runs do not meet."""
    import redis

    db_number = 1 + os.getpid() % 15
    url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{db_number}"
    redis.Redis.from_url(url).flushdb()
    return url


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_private_redis(port: int) -> subprocess.Popen:
    """A Redis of a test's own on 127.0.0.1:``port``, in the foreground so the test can kill and restart it."""
    if not shutil.which("redis-server"):
        apt_install("redis-server")
    command = ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(REDIS_HOST, port)
    return process


def ensure_chromium() -> str:
    """Debian's Chromium for the browser tests (Playwright drives it; no `playwright install`), with CJK fonts so
    the screenshots show Chinese."""
    if not os.path.exists(CHROMIUM):
        apt_install("chromium", "fonts-noto-cjk")
    return CHROMIUM


CHROMIUM = "/usr/bin/chromium"


def ensure_nginx() -> str:
    """Debian's nginx for the deployment tests (tests/deploy/); each test runs its own, on a free port, from its own
    configuration. Installing it may start Debian's own site on port 80: the tests leave that alone."""
    if not shutil.which("nginx") and not os.path.exists(NGINX):
        apt_install("nginx")
    return shutil.which("nginx") or NGINX


NGINX = "/usr/sbin/nginx"


def ensure_promtool() -> str:
    """Prometheus's rule checker, from Debian's prometheus package (the tests only run ``promtool``)."""
    if not shutil.which("promtool"):
        apt_install("prometheus")
    return shutil.which("promtool") or "/usr/bin/promtool"
