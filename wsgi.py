"""The WSGI entry point: ``app = create_app()``; ``python wsgi.py`` serves it with websockets."""

from __future__ import annotations

from dispatch import create_app
from dispatch.extensions import socketio

app = create_app()

if __name__ == "__main__":
    import os

    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True)
