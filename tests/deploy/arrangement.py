"""The deployment of deploy/, brought up on loopback as a server runs it: the files rendered by ``deploy/render.py``,
supervisord with N web processes and M workers, a real nginx in front, PostgreSQL and Redis behind.

Only what a server has and a test cannot is changed: ports are free ones of 127.0.0.1, folders are temporary, the
processes keep the test's user, and nginx runs from a small main configuration of its own (a server's is Debian's
``nginx.conf``, which includes the site the same way). Everything is stopped, and the database dropped, at the end.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import requests

from tests import services

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
MAIN_CONF = """\
user root;
worker_processes 2;
pid {run}/nginx.pid;
error_log {log}/nginx-main-error.log warn;
events {{ worker_connections 8192; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    server_tokens off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {site};
}}
"""
TEST_SETTINGS = {
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "ALLOW_DEMO_LOGINS": "1",
    **services.HARNESS_SETTINGS,
}


@dataclass
class Deployment:
    url: str
    etc: Path
    logs: Path
    env: dict[str, str]
    web_ports: list[int]
    verify: str | bool = True

    def ctl(self, *args: str) -> str:
        """supervisorctl against this deployment's supervisord; its output."""
        command = [str(BIN / "supervisorctl"), "-c", str(self.etc / "supervisord.conf"), *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=60).stdout

    def pids(self) -> dict[str, int]:
        """Each program's process id, as supervisord reports it (RUNNING ones only)."""
        found = {}
        for line in self.ctl("status").splitlines():
            parts = line.split()
            if len(parts) >= 4 and parts[1] == "RUNNING" and parts[2] == "pid":
                found[parts[0].split(":")[-1]] = int(parts[3].rstrip(","))
        return found

    def access_log(self) -> list[dict]:
        path = self.logs / "nginx-access.log"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def logged(self, path_prefix: str, since: int = 0) -> list[dict]:
        """The access log's lines after the first ``since`` for paths under ``path_prefix``; nginx writes a request's
        line just after answering it, so one is waited for (up to 3 s)."""
        deadline = time.monotonic() + 3
        while True:
            found = [e for e in self.access_log()[since:] if e["path"].startswith(path_prefix)]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def upstreams(self, path_prefix: str, since: int = 0) -> set[str]:
        """The web processes (127.0.0.1:port) nginx sent those requests to."""
        return {e["upstream"] for e in self.logged(path_prefix, since) if e["upstream"]}

    def wait_until_all_running(self, seconds: float = 180) -> dict[str, int]:  # a busy machine starts slowly
        deadline = time.monotonic() + seconds
        expected = len(self.web_ports) + int(self.env["DEPLOY_WORKERS"])
        while time.monotonic() < deadline:
            pids = self.pids()
            if len(pids) == expected and all(_healthy(port) for port in self.web_ports):
                return pids
            time.sleep(0.3)
        raise RuntimeError(f"not all processes came up:\n{self.ctl('status')}")


@contextmanager
def deployed(
    tmp: Path,
    web: int = 3,
    workers: int = 2,
    tls: bool = False,
    extra_settings: dict[str, str] | None = None,
    database_url: str | None = None,
) -> Iterator[Deployment]:
    """The arrangement of deploy/ running on loopback; ``tls``: the https site with a certificate made for 127.0.0.1.
    ``extra_settings`` go into the environment file over the test's own (a fake provider's address, say);
    ``database_url``: an empty database the caller made and drops (a PostgreSQL it may restart), else one is made here."""
    services.ensure_postgres()
    services.ensure_redis()
    nginx = services.ensure_nginx()
    etc, logs, run, scratch = (tmp / name for name in ("etc", "log", "run", "nginx"))
    for folder in (etc, logs, run, scratch):
        folder.mkdir(parents=True, exist_ok=True)
    web_ports, front = _free_ports(web), _free_ports(1)[0]
    scheme = "https" if tls else "http"
    url = f"{scheme}://127.0.0.1:{front}"
    render = [
        sys.executable, str(DEPLOY / "render.py"), "--out", str(etc), "--web", str(web), "--workers", str(workers),
        "--first-port", str(web_ports[0]), "--python", sys.executable, "--log-dir", str(logs), "--run-dir", str(run),
        "--user", "", "--server-name", "127.0.0.1",
    ]  # fmt: skip
    render += ["--https-port", str(front), "--http-port", str(_free_ports(1)[0])] if tls else ["--http-port", str(front)]
    verify: str | bool = True
    if tls:
        verify = _certificate(etc)
        render += ["--tls-cert", str(etc / "cert.pem"), "--tls-key", str(etc / "key.pem")]
    subprocess.run(render, check=True, capture_output=True, timeout=60)
    database = database_url or services.create_database()
    settings = {
        "DATABASE_URL": database,
        "REDIS_URL": services.redis_url(),
        "SECRET_KEY": uuid.uuid4().hex,
        "PUBLIC_URL": url,
        "SOCKETIO_CHANNEL": f"dispatch-deploy-{uuid.uuid4().hex[:8]}",
        "RQ_QUEUE": f"dispatch-deploy-{uuid.uuid4().hex[:8]}",
        "DISPATCH_INSTANCE_DIR": str(tmp / "instance"),
        "SESSION_COOKIE_SECURE": "1" if tls else "0",
        "PROMETHEUS_MULTIPROC_DIR": str(run / "metrics"),
        "METRICS_TOKEN": uuid.uuid4().hex,
        **TEST_SETTINGS,
        **(extra_settings or {}),
    }
    env_file = etc / "dispatch.env"
    env_file.write_text(env_file_from_example(settings))
    env = {**os.environ, **settings, "DEPLOY_WORKERS": str(workers)}
    processes: list[subprocess.Popen] = []
    children: dict[str, int] = {}
    try:
        setup = [str(DEPLOY / "with-env"), str(env_file), sys.executable, "-m", "flask", "--app", "wsgi", "setup", "--demo"]
        subprocess.run(setup, cwd=ROOT, check=True, capture_output=True, timeout=300)
        processes.append(_start([str(BIN / "supervisord"), "-c", str(etc / "supervisord.conf")], logs / "supervisord.out"))
        site = etc / ("nginx-dispatch.conf" if tls else "nginx-dispatch-http.conf")
        main = etc / "nginx.conf"
        main.write_text(MAIN_CONF.format(run=run, log=logs, tmp=scratch, site=site))
        subprocess.run([nginx, "-t", "-c", str(main)], check=True, capture_output=True, timeout=60)
        processes.append(_start([nginx, "-c", str(main), "-g", "daemon off;"], logs / "nginx.out"))
        deployment = Deployment(url, etc, logs, env, web_ports, verify)
        children = deployment.wait_until_all_running()
        _wait_for_front(url, verify)
        yield deployment
    finally:
        if processes:
            children |= Deployment(url, etc, logs, env, web_ports).pids()
        for process in reversed(processes):  # nginx first, then supervisord, which stops its programs
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        for pid in children.values():  # one supervisord could not stop in time would hold its port: none is left
            with suppress(OSError):
                if b"wsgi" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGKILL)
        if database_url is None:
            services.drop_database(database)


def env_file_from_example(settings: dict[str, str]) -> str:
    """deploy/dispatch.env.example with its values replaced by ``settings`` (and the settings it lacks added), so the
    example's form is what the processes read."""
    lines, done = [], set()
    for line in (DEPLOY / "dispatch.env.example").read_text().splitlines():
        key = line.split("=", 1)[0]
        if "=" in line and not line.startswith("#") and key in settings:
            lines.append(f"{key}={_quoted(settings[key])}")
            done.add(key)
        else:
            lines.append(line)
    lines += [f"{key}={_quoted(value)}" for key, value in settings.items() if key not in done]
    return "\n".join(lines) + "\n"


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


def _free_ports(count: int) -> list[int]:
    """``count`` consecutive free ports of 127.0.0.1 (supervisord numbers the web processes by port)."""
    rng = random.Random()
    for _ in range(200):
        first = rng.randrange(20_000, 60_000)
        ports = list(range(first, first + count))
        if all(_free(port) for port in ports):
            return ports
    raise RuntimeError("no run of free ports")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _healthy(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code in {200, 503}
    except requests.RequestException:
        return False


def _wait_for_front(url: str, verify: str | bool, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=2, verify=verify).status_code in {200, 503}:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"nginx did not answer on {url}")


def _certificate(etc: Path) -> str:
    """A self-signed certificate for 127.0.0.1, as a server's real one would sit; returns its path to verify with."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(etc / "key.pem"), "-out", str(etc / "cert.pem")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return str(etc / "cert.pem")


def _start(command: list[str], log: Path) -> subprocess.Popen:
    with log.open("wb") as handle:
        return subprocess.Popen(command, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
