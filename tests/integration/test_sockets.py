"""Socket.IO: only logged-in users connect, and the server alone decides which rooms they are in."""

from __future__ import annotations

import time

import pytest

from dispatch.extensions import socketio
from dispatch.sockets import rooms_for


def connect(app, browser_client):
    if app.config["REDIS_URL"]:
        pytest.skip("Flask-SocketIO's test client cannot run with a message queue; tests/e2e/test_live_sockets.py covers it")
    with app.app_context():
        return socketio.test_client(app, flask_test_client=browser_client.client)


def received(client, seconds: float = 3.0) -> list[dict]:
    """Events arrive through Redis in the production column, so give them a moment."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if events := client.get_received():
            return events
        time.sleep(0.05)
    return []


def test_anonymous_connections_are_refused(app, browser):
    assert not connect(app, browser()).is_connected()


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("admin", lambda w: {f"user:{w.admin.id}", f"county:{w.county_a.id}"}),
        ("duty", lambda w: {f"user:{w.duty.id}", f"subdistrict:{w.sub_a1.id}"}),
        ("leader", lambda w: {f"user:{w.leader.id}", f"organization:{w.org_a1.id}"}),
        ("grid", lambda w: {f"user:{w.grid.id}", f"cell:{w.cell_a1.id}"}),
    ],
)
def test_each_role_joins_the_rooms_of_its_scope(world, user, expected):
    assert set(rooms_for(getattr(world, user).actor())) == expected(world)


def test_a_connection_hears_its_own_room_and_not_others(app, world, browser):
    client = connect(app, browser(world.duty))
    assert client.is_connected()
    with app.app_context():
        socketio.emit("need.changed", {"id": 1}, to=f"subdistrict:{world.sub_a2.id}")
        socketio.emit("need.changed", {"id": 2}, to=f"subdistrict:{world.sub_a1.id}")
    events = received(client)
    assert [e["args"][0]["id"] for e in events] == [2]
    client.disconnect()


def test_a_client_cannot_join_a_room_by_asking(app, world, browser):
    client = connect(app, browser(world.leader))
    client.emit("join", {"room": f"organization:{world.org_a2.id}"})
    with app.app_context():
        socketio.emit("offer", {"id": 9}, to=f"organization:{world.org_a2.id}")
    assert received(client, seconds=0.5) == []
    client.disconnect()


def test_a_posted_need_nudges_the_officers_room_and_the_offered_leaders_once_each(app, world, browser):
    from tests.integration.dispatch_helpers import need_body, open_incident, post_need

    duty, leader = browser(world.duty), browser(world.leader)
    officer_socket, leader_socket = connect(app, duty), connect(app, leader)
    incident = open_incident(duty)
    officer_socket.get_received()
    need = post_need(duty, incident["id"], need_body(world.cell_a1)).get_json()
    officer_heard = [e for e in received(officer_socket) if e["name"] == "events"]
    assert len(officer_heard) == 1  # one message for the whole transaction
    kinds = [nudge["kind"] for nudge in officer_heard[0]["args"][0]]
    assert kinds == ["need.posted", "offer.made", "offer.made"]
    leader_nudges = [n for e in received(leader_socket) if e["name"] == "events" for n in e["args"][0]]
    mine = next(a["id"] for a in need["assignments"] if a["organization"]["id"] == world.org_a1.id)
    assert [(n["kind"], n["assignment_id"]) for n in leader_nudges] == [("offer.made", mine)]


def connect_after(app, browser_client, after: int):
    if app.config["REDIS_URL"]:
        pytest.skip("Flask-SocketIO's test client cannot run with a message queue; tests/e2e/test_live_sockets.py covers it")
    with app.app_context():
        return socketio.test_client(app, flask_test_client=browser_client.client, auth={"after": after})


def test_a_phone_that_reconnects_gets_what_it_missed_in_its_scope_and_nothing_before(app, world, browser):
    from tests.integration.dispatch_helpers import event_kinds, need_body, open_incident, post_need

    duty = browser(world.duty)
    incident = open_incident(duty)
    seen_before = max(e.id for e in event_kinds())
    post_need(duty, incident["id"], need_body(world.cell_a1))  # offers to A1's organizations, while the phone is away
    other = browser(world.duty)  # and another subdistrict's offer it must never hear of
    post_need(other, open_incident(other)["id"], need_body(world.cell_a1))
    mine = [e.id for e in event_kinds() if e.id > seen_before and e.organization_id == world.org_a1.id]

    phone = connect_after(app, browser(world.leader), seen_before)
    [resync] = [e["args"][0] for e in received(phone) if e["name"] == "resync"]
    assert [n["id"] for n in resync["items"]] == mine and resync["more"] is False
    assert resync["last_id"] == mine[-1] and {n["kind"] for n in resync["items"]} == {"offer.made"}
    phone.disconnect()
    again = connect_after(app, browser(world.leader), resync["last_id"])
    [nothing] = [e["args"][0] for e in received(again) if e["name"] == "resync"]
    assert nothing == {"items": [], "last_id": resync["last_id"], "more": False}
    again.disconnect()


def test_a_phone_acknowledges_an_offer_once_and_only_its_own(app, world, browser):
    from tests.integration.dispatch_helpers import event_kinds, posted_need

    need = posted_need(browser(world.duty), world.cell_a1, broadcast_k=2)
    mine = next(a["id"] for a in need["assignments"] if a["organization"]["id"] == world.org_a1.id)
    theirs = next(a["id"] for a in need["assignments"] if a["organization"]["id"] != world.org_a1.id)
    phone = connect(app, browser(world.leader))
    assert phone.emit("seen", {"assignment_id": mine}, callback=True) == {"ok": True, "first": True}
    assert phone.emit("seen", {"assignment_id": mine}, callback=True) == {"ok": True, "first": False}
    assert phone.emit("seen", {"assignment_id": theirs}, callback=True) == {"ok": False, "error": "not_found"}
    assert phone.emit("seen", {"assignment_id": "x"}, callback=True) == {"ok": False, "error": "assignment_id"}
    assert [e.assignment_id for e in event_kinds(kind="offer.seen")] == [mine]
    officer = connect(app, browser(world.duty))
    assert officer.emit("seen", {"assignment_id": mine}, callback=True) == {"ok": False, "error": "forbidden"}


def test_the_grid_worker_of_the_needs_cell_hears_of_it(app, world, browser):
    from tests.integration.dispatch_helpers import need_body, open_incident, post_need

    duty = browser(world.duty)
    incident = open_incident(duty)
    grid_socket = connect(app, browser(world.grid))
    post_need(duty, incident["id"], need_body(world.cell_a1))
    heard = [n["kind"] for e in received(grid_socket) if e["name"] == "events" for n in e["args"][0]]
    assert "need.posted" in heard and "offer.made" in heard
    grid_socket.disconnect()


@pytest.mark.parametrize("number", [2**31, 2**63, 10**22, -1])
def test_numbers_no_row_can_have_are_ignored_or_refused_before_any_query(app, world, browser, number):
    phone = connect_after(app, browser(world.leader), number)  # a cursor past any event: no resync, no error
    assert phone.is_connected() and [e for e in received(phone, 0.5) if e["name"] == "resync"] == []
    assert phone.emit("seen", {"assignment_id": number}, callback=True) == {"ok": False, "error": "assignment_id"}
    phone.disconnect()


def test_connects_wait_their_turn_to_read_the_database_so_a_reconnect_storm_leaves_the_pool_to_posts(app, world, browser):
    import threading

    from dispatch import sockets

    if app.config["REDIS_URL"]:
        pytest.skip("Flask-SocketIO's test client cannot run with a message queue")
    leader = browser(world.leader)
    taken = [sockets._connecting.acquire(timeout=1) for _ in range(sockets.CONNECTS_AT_ONCE)]  # every turn is in use
    assert all(taken)
    connected = {}
    phone = threading.Thread(target=lambda: connected.setdefault("client", connect(app, leader)))
    try:
        phone.start()
        phone.join(0.5)
        assert phone.is_alive()  # waiting for a turn, not failing and not reading the database
    finally:
        for _ in taken:
            sockets._connecting.release()
    phone.join(10)
    assert connected["client"].is_connected()
    connected["client"].disconnect()
