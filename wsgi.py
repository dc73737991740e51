"""The WSGI entry point: ``app = create_app()``; ``python wsgi.py`` serves it with websockets.

Production (``DATABASE_URL`` or ``REDIS_URL`` set) serves with gevent's WSGI server and simple-websocket: the
standard library is monkey-patched before anything else is imported, so a request waiting on PostgreSQL or Redis
lets the others run, and thousands of leaders' sockets cost a greenlet each, not a thread. The embedded default
serves with Werkzeug's threaded server. ``SOCKETIO_ASYNC_MODE=gevent`` or ``threading`` chooses either way.
"""

from __future__ import annotations

import os


def serves_with_gevent() -> bool:
    production = os.environ.get("DATABASE_URL") or os.environ.get("REDIS_URL")
    return os.environ.get("SOCKETIO_ASYNC_MODE", "gevent" if production else "threading") == "gevent"


if __name__ == "__main__" and serves_with_gevent():
    from gevent import monkey

    monkey.patch_all()

from dispatch import create_app  # noqa: E402  (after the patching above)
from dispatch.config import ConfigError  # noqa: E402
from dispatch.extensions import socketio  # noqa: E402

try:
    app = create_app()
except ConfigError as exc:  # a setting the app cannot run with: said in one line, not a traceback
    raise SystemExit(f"设置有误，无法启动 · cannot start, a setting is wrong: {exc}") from None

if __name__ == "__main__":
    from dispatch import logs
    from dispatch.jobs.heartbeat import Background
    from dispatch.serving import server_options

    logs.configure(json_lines=app.config["SOCKETIO_ASYNC_MODE"] == "gevent")  # production: one JSON object a line

    if not app.config["REDIS_URL"]:  # the embedded default runs jobs here; production's workers sweep (`make worker`)
        Background(app, "web").start()
    if app.config["SOCKETIO_ASYNC_MODE"] == "gevent":
        from dispatch.serving import keep_collections_short, prepare_process
        from dispatch.telemetry.metrics import forget_dead_processes

        prepare_process()
        forget_dead_processes()  # a web process killed before this one leaves its sockets gauge behind
        socketio.start_background_task(keep_collections_short, socketio.sleep)
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    socketio.run(app, host=host, port=port, **server_options(app.config["SOCKETIO_ASYNC_MODE"]))
