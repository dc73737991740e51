"""A live server, started the way ``make run`` starts it, on a free port of 127.0.0.1, in either column."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests import services
from tests.live_client import login
from tests.services import free_port

ROOT = Path(__file__).resolve().parents[2]


class LiveServer:
    def __init__(self, url: str, env: dict[str, str], logs: Path | None = None, processes: list | None = None) -> None:
        self.url, self.env, self.logs = url, env, logs
        self.processes: list[subprocess.Popen] = processes if processes is not None else []

    def login(self, username: str, password: str) -> requests.Session:
        """A requests session logged in through the login form, sending the CSRF token on writes."""
        return login(self.url, username, password)

    @property
    def workers(self) -> list[subprocess.Popen]:
        """The worker processes started so far (production), alive or not, oldest first."""
        return [p for p in self.processes if p.args[-1] == "worker"]

    def start_worker(self) -> subprocess.Popen:
        """One more worker, as a supervisor starts one (the tests kill and restart them)."""
        worker = _start(WORKER, self.env, self.logs / f"worker-{len(self.workers)}.log")
        self.processes.append(worker)
        return worker


def _flask(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, check=True, capture_output=True, timeout=300
    )


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code in {200, 503}:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("server did not come up")


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium, driven by Playwright (no `playwright install`)."""
    from playwright.sync_api import sync_playwright

    executable = services.ensure_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="module", params=["embedded", "production"])
def live_server(request, tmp_path_factory):
    with serve(request.param, tmp_path_factory) as server:
        yield server


@contextmanager
def serve(mode: str, tmp_path_factory, settings: Callable[[int], dict[str, str]] | None = None) -> Iterator[LiveServer]:
    """The app served as ``make run`` serves it (production: with a worker), on a free port of 127.0.0.1.
    ``settings(port)`` adds environment settings that depend on the port (a public URL, say)."""
    env = {
        **os.environ,
        "DISPATCH_INSTANCE_DIR": str(tmp_path_factory.mktemp("instance")),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "ALLOW_DEMO_LOGINS": "1",  # the demo district in production mode: its published password let through
        **services.HARNESS_SETTINGS,
    }
    database, port = None, free_port()
    extra = settings(port) if settings else {}
    if mode == "production":
        services.ensure_postgres()
        database = services.create_database()
        env.update(DATABASE_URL=database, SECRET_KEY="e2e-secret", SESSION_COOKIE_SECURE="0")
        if "REDIS_URL" not in extra:  # a test with a Redis of its own leaves the shared one alone
            services.ensure_redis()
            env.update(REDIS_URL=services.redis_url())
    env.update(HOST="127.0.0.1", PORT=str(port), **extra)
    _flask(env, "setup", "--demo")
    logs = tmp_path_factory.mktemp("logs")
    processes = [_start([sys.executable, "wsgi.py"], env, logs / "web.log")]
    if mode == "production":  # production has a worker: it runs jobs and the deadline sweeper
        processes.append(_start(WORKER, env, logs / "worker.log"))
    try:
        _wait_until_up(f"http://127.0.0.1:{port}", processes[0], logs / "web.log")
        yield LiveServer(f"http://127.0.0.1:{port}", env, logs, processes)
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGCONT)  # a test may have left one frozen
                process.terminate()
            process.wait(timeout=10)
        if database:
            services.drop_database(database)


WORKER = [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Output goes to a file: a pipe nobody reads would fill and stall the server. Each process leads a group of its
    own, so a test can kill it with everything it started, as a supervisor or the OOM killer would."""
    with log.open("wb") as handle:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
