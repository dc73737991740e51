"""Production's server turns Nagle's algorithm off on every connection it accepts, and keeps full garbage collections
to what is new: their survivors are frozen, and everything is walked again at each thaw."""

from __future__ import annotations

import gc
import socket
import weakref

import pytest

from dispatch.serving import (
    THAW_EVERY_S,
    NoDelayHandler,
    keep_collections_short,
    server_options,
)


def test_the_gevent_server_handles_connections_with_nagle_off():
    options = server_options("gevent")
    assert (options["handler_class"], options["backlog"]) == (NoDelayHandler, 2048)
    with socket.create_server(("127.0.0.1", 0)) as listener, socket.create_connection(listener.getsockname()) as _client:
        accepted, address = listener.accept()
        with accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
            NoDelayHandler(accepted, address, server=None)
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


def test_the_embedded_server_is_werkzeugs():
    assert server_options("threading") == {"allow_unsafe_werkzeug": True}


class Stop(Exception):
    pass


@pytest.fixture
def collections_kept_short():
    """Runs the loop up to its first sleep, then the test owns the thaws; the process's collector is put back after."""
    callbacks = list(gc.callbacks)
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) > 1:
            raise Stop

    yield sleeps, sleep
    gc.callbacks[:] = callbacks
    gc.unfreeze()


def test_a_full_collection_freezes_what_survived_it(collections_kept_short):
    sleeps, sleep = collections_kept_short
    with pytest.raises(Stop):
        keep_collections_short(sleep)
    survivors = [[n] for n in range(5_000)]
    gc.unfreeze()

    gc.collect(1)  # a younger collection freezes nothing
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert gc.get_freeze_count() >= len(survivors)
    assert sleeps == [THAW_EVERY_S, THAW_EVERY_S]


def test_each_thaw_walks_everything_once_and_frees_the_garbage_frozen_meanwhile(collections_kept_short):
    _sleeps, sleep = collections_kept_short
    socket_state = Linked()
    socket_state.me = socket_state  # alive when frozen, garbage later in a cycle: only a walk of everything frees it
    gone = weakref.ref(socket_state)
    gc.collect()
    gc.freeze()
    del socket_state
    gc.collect()
    assert gone() is not None  # frozen: no ordinary collection walks it

    with pytest.raises(Stop):
        keep_collections_short(sleep)  # one sleep, the thaw, then stopped in the second sleep

    assert gone() is None


class Linked:
    me: Linked | None = None


def test_the_gevent_servers_own_complaints_go_to_the_logs_not_to_bare_stderr():
    """A request line it cannot parse is a JSON log line in production, like everything else the process says."""
    assert server_options("gevent")["error_log"].name == "dispatch.server"
