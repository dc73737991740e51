"""Production's server turns Nagle's algorithm off on every connection it accepts."""

from __future__ import annotations

import socket

from dispatch.serving import NoDelayHandler, server_options


def test_the_gevent_server_handles_connections_with_nagle_off():
    assert server_options("gevent") == {"handler_class": NoDelayHandler, "backlog": 2048}
    with socket.create_server(("127.0.0.1", 0)) as listener, socket.create_connection(listener.getsockname()) as _client:
        accepted, address = listener.accept()
        with accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
            NoDelayHandler(accepted, address, server=None)
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


def test_the_embedded_server_is_werkzeugs():
    assert server_options("threading") == {"allow_unsafe_werkzeug": True}
