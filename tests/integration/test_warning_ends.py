"""A warning's end is a moment of the event log: ``warning.ended`` (reason expired, lifted or cancelled), written once
whoever gets there first (two sweepers, a sweeper and a lift), pushed to the boards of the subdistricts it covered and
of the county; afterwards the warning is off the panel and standby answers are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from dispatch.extensions import db
from dispatch.jobs.sweeper import sweep_once
from dispatch.models import EarlyWarning, Event, StandbyPoll
from dispatch.services.plans.warnings import end_expired
from tests.integration.dispatch_helpers import all_at_once, inline_jobs_done
from tests.integration.test_plans import keep, plan_text
from tests.integration.test_sockets import connect, received
from tests.integration.test_standby import warn
from tests.integration.test_warnings import cap, read_in


def ended_events() -> list[Event]:
    db.session.expire_all()
    return list(db.session.scalars(select(Event).where(Event.kind == "warning.ended").order_by(Event.id)))


def expire(warning_id: int) -> None:
    past = datetime.now(UTC) - timedelta(minutes=1)
    db.session.execute(update(EarlyWarning).where(EarlyWarning.id == warning_id).values(expires_at=past))
    db.session.commit()


def heard(client) -> list[dict]:
    return [nudge for e in received(client) if e["name"] == "events" for nudge in e["args"][0]]


def test_a_warning_past_its_validity_ends_once_in_the_log_and_on_the_boards(app, world, browser):
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1.name]))
    warning = warn(duty, world)
    inline_jobs_done(app)  # the standby SMS (and its sms.sent) is out before the boards listen
    expire(warning["id"])
    officer_socket, admin_socket = connect(app, duty), connect(app, browser(world.admin))
    officer_socket.get_received(), admin_socket.get_received()
    sweep_once()
    sweep_once()  # the next pass, or a sweeper restarted: nothing more
    (ended,) = ended_events()
    assert (ended.subdistrict_id, ended.data["warning_id"], ended.data["reason"]) == (
        world.sub_a1.id,
        warning["id"],
        "expired",
    )
    for socket in (officer_socket, admin_socket):
        assert [n["kind"] for n in heard(socket)] == ["warning.ended"]  # the panel asks the API again
        socket.disconnect()
    assert [w["in_force"] for w in duty.get("/api/warnings").get_json()["items"]] == [False]
    poll = db.session.scalar(select(StandbyPoll))
    late = browser(world.leader).post(f"/api/standby/{poll.id}/answer", {"ready": 3})
    assert late.status_code == 409 and late.get_json()["error"]["errors"][0]["code"] == "standby.ended"


def test_two_sweepers_at_once_write_the_end_once(app, world, browser):
    warning = warn(browser(world.duty), world)
    expire(warning["id"])
    assert sorted(all_at_once(app, [end_expired, end_expired, end_expired])) == [0, 0, 1]
    assert len(ended_events()) == 1


def test_a_lifted_warning_ends_at_once_and_the_sweeper_adds_nothing_when_its_time_passes(world, browser):
    duty = browser(world.duty)
    warning = warn(duty, world)
    assert duty.post(f"/api/warnings/{warning['id']}/lift").status_code == 200
    again = duty.post(f"/api/warnings/{warning['id']}/lift")  # a double click
    assert again.status_code == 409 and again.get_json()["error"]["errors"][0]["code"] == "warning.already_ended"
    expire(warning["id"])
    assert end_expired() == 0
    assert [(e.data["reason"], e.actor_id) for e in ended_events()] == [("lifted", world.duty.id)]


def test_lifting_a_warning_that_has_expired_is_refused_and_changes_nothing(world, browser):
    duty = browser(world.duty)
    warning = warn(duty, world)
    expire(warning["id"])
    refused = duty.post(f"/api/warnings/{warning['id']}/lift")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["errors"][0]["message"] == "该预警已结束（已解除、撤销或过期），无需再解除"
    assert duty.get(f"/api/warnings/{warning['id']}").get_json()["lifted_at"] is None
    end_expired()
    assert [e.data["reason"] for e in ended_events()] == ["expired"]


def test_a_cap_cancel_ends_the_warning_in_every_subdistrict_it_covered(world, browser):
    admin = browser(world.admin)
    read_in(admin, cap("typhoon-xihu-orange.xml"))
    read_in(admin, cap("typhoon-xihu-cancel.xml"))
    ended = ended_events()
    assert {e.subdistrict_id for e in ended} == {world.sub_a1.id, world.sub_a2.id}
    assert {e.data["reason"] for e in ended} == {"cancelled"}
    assert end_expired() == 0


def test_an_update_giving_an_ended_warning_more_time_lets_it_end_again(world, browser):
    admin = browser(world.admin)
    read_in(admin, cap("typhoon-xihu-orange.xml"))  # written for September: over already
    assert end_expired() == 1
    now = datetime.now(UTC)
    times = {"2026-09-14T16:00:00+08:00": now.isoformat(timespec="seconds")}  # sent, effective
    times["2026-09-15T16:00:00+08:00"] = (now + timedelta(hours=6)).isoformat(timespec="seconds")  # expires
    updated = read_in(admin, cap("typhoon-xihu-update.xml", **times)).get_json()
    assert updated["warning"]["in_force"]
    admin.post(f"/api/warnings/{updated['warning']['id']}/lift")
    assert [e.data["reason"] for e in ended_events() if e.subdistrict_id == world.sub_a1.id] == ["expired", "lifted"]
