"""The served app, end to end: health, login, and websockets that reach the right rooms (through Redis in production)."""

from __future__ import annotations

import threading
import time

import flask_socketio
import pytest
import requests
import socketio as socketio_client

from dispatch.demo.seed import DEMO_PASSWORD


def test_health_names_the_column(live_server):
    deadline = time.monotonic() + 20  # the production worker registers with Redis a moment after it starts
    while (body := requests.get(f"{live_server.url}/healthz", timeout=5).json())[
        "status"
    ] != "ok" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert body["status"] == "ok"
    production = "REDIS_URL" in live_server.env
    assert body["redis"]["mode"] == ("redis" if production else "embedded")
    assert body["server"]["async_mode"] == ("gevent" if production else "threading")


def connect(live_server, http: requests.Session | None) -> tuple[socketio_client.Client, list, threading.Event]:
    client, heard, arrived = socketio_client.Client(reconnection=False), [], threading.Event()

    @client.on("need.changed")
    def on_event(data):
        heard.append(data)
        arrived.set()

    cookie = "; ".join(f"{k}={v}" for k, v in (http.cookies.items() if http else []))
    client.connect(live_server.url, headers={"Cookie": cookie} if cookie else {}, transports=["websocket"], wait_timeout=10)
    return client, heard, arrived


def test_websocket_refuses_anonymous_callers(live_server):
    client, reasons = socketio_client.Client(reconnection=False), []
    client.on("connect_error", lambda data: reasons.append(data))
    with pytest.raises(socketio_client.exceptions.ConnectionError):
        client.connect(live_server.url, transports=["websocket"], wait_timeout=10)
    assert reasons == [{"message": "login_required"}]


def test_a_logged_in_phone_connects_over_a_real_websocket(live_server):
    client, _, _ = connect(live_server, live_server.login("demo-leader", DEMO_PASSWORD))
    assert client.connected and client.transport() == "websocket"
    client.disconnect()


def test_an_event_emitted_by_a_worker_reaches_the_right_room_only(live_server):
    if "REDIS_URL" not in live_server.env:
        pytest.skip("the embedded column has no message queue; in-process emits are in tests/integration/test_sockets.py")
    duty = live_server.login("demo-duty", DEMO_PASSWORD)
    me = duty.get(f"{live_server.url}/api/me", timeout=5).json()
    client, heard, arrived = connect(live_server, duty)
    # A worker process emits through the Redis message queue, on the channel the app is configured with.
    emitter = flask_socketio.SocketIO(message_queue=live_server.env["REDIS_URL"], channel="dispatch-socketio")
    emitter.emit("need.changed", {"id": "not for you"}, to=f"subdistrict:{me['subdistrict_id'] + 1}")
    emitter.emit("need.changed", {"id": "yours"}, to=f"subdistrict:{me['subdistrict_id']}")
    assert arrived.wait(10)
    client.disconnect()
    assert heard == [{"id": "yours"}]
