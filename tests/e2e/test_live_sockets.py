"""The served app, end to end: health, login, and websockets that reach the right rooms (through Redis in production)."""

from __future__ import annotations

import threading
import time

import flask_socketio
import pytest
import requests
import socketio as socketio_client

from dispatch.demo.seed import DEMO_PASSWORD
from notifications.socket_queue import BatchedRedisManager


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


def duty_officer_listening(live_server) -> tuple[socketio_client.Client, list, threading.Event, int]:
    """Production only: the demo duty officer's socket, what it hears, and the officer's subdistrict."""
    if "REDIS_URL" not in live_server.env:
        pytest.skip("the embedded column has no message queue; in-process emits are in tests/integration/test_sockets.py")
    duty = live_server.login("demo-duty", DEMO_PASSWORD)
    me = duty.get(f"{live_server.url}/api/me", timeout=5).json()
    return (*connect(live_server, duty), me["subdistrict_id"])


def test_an_event_emitted_by_a_worker_reaches_the_right_room_only(live_server):
    client, heard, arrived, subdistrict_id = duty_officer_listening(live_server)
    # A worker process emits through the Redis message queue, on the channel the app is configured with.
    emitter = flask_socketio.SocketIO(message_queue=live_server.env["REDIS_URL"], channel="dispatch-socketio")
    emitter.emit("need.changed", {"id": "not for you"}, to=f"subdistrict:{subdistrict_id + 1}")
    emitter.emit("need.changed", {"id": "yours"}, to=f"subdistrict:{subdistrict_id}")
    assert arrived.wait(10)
    client.disconnect()
    assert heard == [{"id": "yours"}]


def test_a_batch_of_emits_from_another_web_process_reaches_the_right_rooms_in_order(live_server):
    client, heard, _, subdistrict_id = duty_officer_listening(live_server)
    # Another web process posting a need: its emits travel as one message, which this server splits.
    other = BatchedRedisManager(live_server.env["REDIS_URL"], channel="dispatch-socketio", write_only=True)
    with other.batch():
        other.emit("need.changed", {"id": "first"}, room=f"subdistrict:{subdistrict_id}")
        other.emit("need.changed", {"id": "not for you"}, room=f"subdistrict:{subdistrict_id + 1}")
        other.emit("need.changed", {"id": "second"}, room=f"subdistrict:{subdistrict_id}")
    until = time.monotonic() + 10
    while len(heard) < 2 and time.monotonic() < until:
        time.sleep(0.05)
    time.sleep(0.2)  # long enough for a stray third one to arrive
    client.disconnect()
    assert heard == [{"id": "first"}, {"id": "second"}]


def test_a_phone_that_drops_and_reconnects_at_random_misses_no_event_and_handles_none_twice(live_server):
    """Offers flow while the leader's phone keeps losing its connection. On each reconnect it sends its cursor and
    gets the backlog; live nudges and backlog may overlap, and the phone handles each event id once. At the end it
    has handled exactly the events the event log holds for its organization."""
    import random

    from tests.live_client import cell_polygons, interior_points, login, open_incident

    rng = random.Random(11)
    duty, leader = login(live_server.url, "demo-duty", DEMO_PASSWORD), login(live_server.url, "demo-leader", DEMO_PASSWORD)
    organization = leader.get(f"{live_server.url}/api/me", timeout=5).json()["organization_id"]
    skills = leader.get(f"{live_server.url}/api/organizations/{organization}", timeout=5).json()["skills"]
    skill = next(s["code"] for s in skills if s["capacity"] > 0)
    start = events_after(live_server, leader, 0)[-1]["id"] if events_after(live_server, leader, 0) else 0
    incident = open_incident(duty, live_server.url, "断线重连")
    points = interior_points(cell_polygons(duty, live_server.url), 12, rng)
    phone = Phone(live_server, leader, start)
    posting = threading.Thread(target=post_needs, args=(live_server, duty, incident, skill, points))
    posting.start()
    while posting.is_alive() or phone.reconnects < 6:
        phone.online_for(rng.uniform(0.05, 0.6))
        time.sleep(rng.uniform(0.0, 0.4))
    time.sleep(1.0)
    phone.online_for(1.5)  # a last reconnect catches up
    truth = events_after(live_server, leader, start)
    assert [e["id"] for e in truth] == phone.handled  # none missed, none twice, in order
    assert sum(e["kind"] == "offer.made" for e in truth) == len(points)


def events_after(live_server, http, after: int) -> list[dict]:
    """The event log in the caller's scope after ``after``, every page of it."""
    found = []
    while items := http.get(f"{live_server.url}/api/events", params={"after": after}, timeout=5).json()["items"]:
        found.extend(items)
        after = items[-1]["id"]
    return found


def post_needs(live_server, duty, incident: int, skill: str, points) -> None:
    for lon, lat in points:
        body = {"skills": [skill], "head_count": 1, "broadcast_k": 20, "location": {"lon": lon, "lat": lat}}
        assert duty.post(f"{live_server.url}/api/incidents/{incident}/needs", json=body, timeout=10).status_code == 201
        time.sleep(0.15)


class Phone:
    """A leader's phone as the page would run it: handle an event id once, move the saved cursor only after a
    complete resync."""

    def __init__(self, live_server, http, cursor: int) -> None:
        self.live_server, self.cookie = live_server, "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        self.cursor, self.handled, self.reconnects = cursor, [], 0
        self._seen: set[int] = set()
        self._lock = threading.Lock()

    def _handle(self, nudges: list[dict]) -> None:
        with self._lock:
            for nudge in sorted(nudges, key=lambda n: n["id"]):
                if nudge["id"] > self.cursor and nudge["id"] not in self._seen:
                    self._seen.add(nudge["id"])
                    self.handled.append(nudge["id"])

    def online_for(self, seconds: float) -> None:
        client = socketio_client.Client(reconnection=False)
        client.on("events", self._handle)

        @client.on("resync")
        def on_resync(page):
            self._handle(page["items"])
            if not page["more"]:
                with self._lock:
                    self.cursor = max(self.cursor, page["last_id"])

        client.connect(
            self.live_server.url,
            headers={"Cookie": self.cookie},
            auth={"after": self.cursor},
            transports=["websocket"],
            wait_timeout=10,
        )
        self.reconnects += 1
        time.sleep(seconds)
        # The client's own close waits 3 s for the closing handshake; the phone is gone at once, like a lost signal.
        threading.Thread(target=client.disconnect, daemon=True).start()
        with self._lock:
            self.handled.sort()
