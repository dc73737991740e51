#!/usr/bin/env python3
"""Write one server's configuration from the templates in deploy/: the nginx site (TLS, or plain http), supervisord
with N web processes and M workers, and the systemd unit that starts supervisord.

    python3 deploy/render.py --out /etc/dispatch --web 3 --workers 2 --server-name dispatch.example.gov.cn

Standard library only: it runs before the virtualenv exists. Prints what it wrote. The tests render the same
templates with loopback ports and temporary folders (tests/deploy/), so what they prove is what a server runs.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
OUTPUTS = {
    "nginx/dispatch.conf.in": "nginx-dispatch.conf",
    "nginx/dispatch-http.conf.in": "nginx-dispatch-http.conf",
    "nginx/dispatch-common.conf.in": "nginx-dispatch-common.conf",
    "nginx/dispatch-locations.conf.in": "nginx-dispatch-locations.conf",
    "nginx/dispatch-proxy.conf.in": "nginx-dispatch-proxy.conf",
    "supervisor/supervisord.conf.in": "supervisord.conf",
    "systemd/dispatch.service.in": "dispatch.service",
}
APP_UPLOAD_LIMIT = 2 * 1024 * 1024  # the app's MAX_UPLOAD_BYTES default


def fill(template: str, values: dict[str, str]) -> str:
    """The template with each ``{{name}}`` replaced; a name without a value is an error, not an empty string."""
    missing = sorted({name for name in PLACEHOLDER.findall(template) if name not in values})
    if missing:
        raise KeyError(f"no value for {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def values(options: argparse.Namespace) -> dict[str, str]:
    app_dir = Path(options.app_dir).resolve()
    python = Path(options.python) if options.python else app_dir / ".venv" / "bin" / "python"
    ports = range(options.first_port, options.first_port + options.web)
    return {
        "out": str(Path(options.out).resolve()),
        "app_dir": str(app_dir),
        "python": str(python),
        "supervisord": str(python.parent / "supervisord"),
        "supervisorctl": str(python.parent / "supervisorctl"),
        "env_file": str(Path(options.env_file or Path(options.out) / "dispatch.env").resolve()),
        "web": str(options.web),
        "workers": str(options.workers),
        "first_port": str(options.first_port),
        "upstream_servers": "\n".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in ports),
        "server_name": options.server_name,
        "https_origin": https_origin(options.server_name, options.https_port),
        "http_port": str(options.http_port),
        "https_port": str(options.https_port),
        "tls_cert": options.tls_cert,
        "tls_key": options.tls_key,
        "nginx_body_limit": str(2 * options.max_upload_bytes),
        "log_dir": options.log_dir,
        "run_dir": options.run_dir,
        "user_line": f"user={options.user}" if options.user else "",
        "owner_option": f"-o {shlex.quote(options.user)}" if options.user else "",
    }


def https_origin(server_name: str, https_port: int) -> str:
    """Where plain http sends a browser: the site's own name when it has exactly one, so a request naming another host
    is not sent there; the host the request named only when the site answers to any (``_``) or to a pattern."""
    host = server_name if re.fullmatch(r"[A-Za-z0-9.-]+", server_name) and server_name != "_" else "$host"
    return f"https://{host}" + ("" if https_port == 443 else f":{https_port}")


def render(options: argparse.Namespace) -> list[Path]:
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    filled = values(options)
    written = []
    for template, name in OUTPUTS.items():
        target = out / name
        target.write_text(fill((HERE / template).read_text(encoding="utf-8"), filled), encoding="utf-8")
        written.append(target)
    return written


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="/etc/dispatch", help="folder to write into (default /etc/dispatch)")
    p.add_argument("--app-dir", default=str(HERE.parent), help="the checkout (default: the one holding this script)")
    p.add_argument("--python", help="the virtualenv's python (default APP_DIR/.venv/bin/python)")
    p.add_argument("--env-file", help="the settings file (default OUT/dispatch.env)")
    p.add_argument("--web", type=int, default=3, help="web processes (default 3; about one per core)")
    p.add_argument("--workers", type=int, default=2, help="workers (default 2)")
    p.add_argument("--first-port", type=int, default=8001, help="the first web process's port on 127.0.0.1")
    p.add_argument("--server-name", default="_", help="the site's host name for nginx (default: any)")
    p.add_argument("--http-port", type=int, default=80)
    p.add_argument("--https-port", type=int, default=443)
    p.add_argument("--tls-cert", default="/etc/dispatch/tls/fullchain.pem")
    p.add_argument("--tls-key", default="/etc/dispatch/tls/privkey.pem")
    p.add_argument("--max-upload-bytes", type=int, default=APP_UPLOAD_LIMIT, help="the app's MAX_UPLOAD_BYTES")
    p.add_argument("--log-dir", default="/var/log/dispatch")
    p.add_argument("--run-dir", default="/run/dispatch")
    p.add_argument("--user", default="dispatch", help="the user the processes run as ('' to keep supervisord's)")
    return p


def main(argv: list[str] | None = None) -> int:
    options = parser().parse_args(argv)
    if options.web < 1 or options.workers < 1:
        print("render.py: --web and --workers must be at least 1", file=sys.stderr)
        return 2
    if not 1024 <= options.first_port <= 65536 - options.web:
        print(f"render.py: the web processes' ports {options.first_port}… must lie in 1024–65535", file=sys.stderr)
        return 2
    for path in render(options):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
