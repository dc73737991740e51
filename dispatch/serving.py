"""Production's web server: gevent's WSGI server (websockets through simple-websocket), with Nagle's algorithm off.

gevent writes a response's headers and its body in two sends. With Nagle's algorithm on, the body waits until the
client acknowledges the headers, and a client holding back its acknowledgement (delayed ACK, 40 ms on Linux) adds
40 ms to the answer: measured as a cluster of posts at about 60 ms where the rest took 20 ms (tests/bench/README.md).
"""

from __future__ import annotations

import gc
import logging
import resource
import socket
from collections.abc import Callable

from gevent.pywsgi import WSGIHandler


class NoDelayHandler(WSGIHandler):
    """Turns Nagle's algorithm off on each accepted connection before handling it."""

    def __init__(self, sock, address, server, rfile=None):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().__init__(sock, address, server, rfile)


LISTEN_BACKLOG = 2048  # gevent's default of 128 overflows when thousands of phones reconnect at once


def server_options(async_mode: str) -> dict:
    """Extra arguments for ``socketio.run`` in this async mode."""
    if async_mode == "gevent":
        # The server's own complaints (a request it cannot parse) go through logging: one JSON line each, not text.
        return {"handler_class": NoDelayHandler, "backlog": LISTEN_BACKLOG, "error_log": logging.getLogger("dispatch.server")}
    return {"allow_unsafe_werkzeug": True}


def prepare_process() -> None:
    """Production's web process before it serves: room for many sockets, and shorter garbage-collection pauses.

    Each phone's websocket holds two file descriptors (simple-websocket keeps a copy under gevent), so the soft limit
    is raised to the hard one. The app's own objects (modules, mappers, compiled templates) live as long as the
    process: frozen, the full garbage collections, which pause every request and socket, no longer walk them
    (about 350 → 210 ms with 2,000 sockets; tests/bench/README.md). Python's thresholds stay: collecting the youngest
    generation every 10,000 allocations instead of 700 saved a post about 0.36 ms, but made the full collections so
    rare that 5,000 phones reconnecting met one walking all of them (a 0.9 s pause, against 0.16 s).
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else max(soft, 65_536), hard))
    gc.collect()
    gc.freeze()


THAW_EVERY_S = 900.0  # once a quarter of an hour everything is walked once, so frozen garbage is freed


def keep_collections_short(sleep: Callable[[float], object]) -> None:
    """Loop for a background greenlet: keep each full collection to what is new, not to every socket the process holds.

    A full collection walks every tracked object and pauses every request and socket meanwhile: about 0.06 ms per
    leader's socket, over 100 ms with 2,000 of them, several times a minute while needs are posted (requests' objects
    reach the oldest generation as they outlive younger collections). After each full collection its survivors are
    frozen, so the next one walks only what came since. An object frozen while alive (a socket) that later dies in a
    reference cycle waits for the thaw: every ``THAW_EVERY_S`` one full walk of everything, the one long pause left.
    """
    gc.callbacks.append(_freeze_survivors)
    while True:
        sleep(THAW_EVERY_S)
        gc.unfreeze()
        gc.collect()  # frozen again by the callback


def _freeze_survivors(phase: str, info: dict) -> None:
    if phase == "stop" and info["generation"] == 2:
        gc.freeze()
