"""The WSGI entry point: ``app = create_app()``; ``python wsgi.py`` serves it with websockets."""

from __future__ import annotations

from dispatch import create_app
from dispatch.extensions import socketio

app = create_app()

if __name__ == "__main__":
    import os

    from dispatch.jobs.sweeper import SweeperThread

    if not app.config["REDIS_URL"]:  # production sweeps on the RQ scheduler (`flask --app wsgi worker`)
        SweeperThread(app).start()
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True)
