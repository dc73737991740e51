"""Production's web server: gevent's WSGI server (websockets through simple-websocket), with Nagle's algorithm off.

gevent writes a response's headers and its body in two sends. With Nagle's algorithm on, the body waits until the
client acknowledges the headers, and a client holding back its acknowledgement (delayed ACK, 40 ms on Linux) adds
40 ms to the answer: measured as a cluster of posts at about 60 ms where the rest took 20 ms (tests/bench/README.md).
"""

from __future__ import annotations

import socket

from gevent.pywsgi import WSGIHandler


class NoDelayHandler(WSGIHandler):
    """Turns Nagle's algorithm off on each accepted connection before handling it."""

    def __init__(self, sock, address, server, rfile=None):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().__init__(sock, address, server, rfile)


def server_options(async_mode: str) -> dict:
    """Extra arguments for ``socketio.run`` in this async mode."""
    return {"handler_class": NoDelayHandler} if async_mode == "gevent" else {"allow_unsafe_werkzeug": True}
