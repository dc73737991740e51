"""A team asked by several warnings at once is texted once: while it has a question of another warning open (asked,
not answered), a new warning makes its poll (readiness counts it, the phone shows it) but sends no SMS, and its one
answer counts for every question. Asking again texts a team once, whichever of its warnings asks."""

from __future__ import annotations

from sqlalchemy import select, update

from dispatch.extensions import db
from dispatch.models import Event, StandbyPoll
from tests.integration.dispatch_helpers import inline_jobs_done
from tests.integration.test_plans import keep, plan_text
from tests.integration.test_sockets import connect, received
from tests.integration.test_standby import asked_minutes_ago, polls, questions, warn
from tests.integration.test_twilio_webhooks import reply


def asked_events() -> list[Event]:
    db.session.expire_all()
    return list(db.session.scalars(select(Event).where(Event.kind == "standby.asked").order_by(Event.id)))


def test_a_team_with_a_question_open_is_not_texted_again_and_one_answer_counts_for_both(world, browser, twilio):
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1.name]))
    first = warn(duty, world)
    second = warn(duty, world, headline="暴雨橙色预警（更新范围）")
    earlier, later = polls()
    assert (earlier.warning_id, later.warning_id) == (first["id"], second["id"])
    assert (earlier.shared_poll_id, later.shared_poll_id) == (None, earlier.id)
    assert [q.organization_id for q in questions()] == [world.org_a1.id]  # one SMS
    asked = asked_events()  # one standby.asked per poll, the second through the first's text
    assert [(e.data["poll_id"], e.data.get("shared_poll_id")) for e in asked] == [(earlier.id, None), (later.id, earlier.id)]
    shown = browser(world.leader).get("/api/standby").get_json()["items"]
    assert {p["warning_id"] for p in shown} == {first["id"], second["id"]}
    reply(browser, twilio, world.org_a1.leader_phone, "3", sid="SM" + "4" * 32)
    assert [(p.ready, p.answered_via) for p in polls()] == [(3, "sms"), (3, "sms")]


def test_a_team_that_answered_the_earlier_question_is_asked_the_new_one(world, browser):
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1.name]))
    warn(duty, world)
    browser(world.leader).post(f"/api/standby/{polls()[0].id}/answer", {"ready": 2})
    warn(duty, world, headline="暴雨橙色预警（更新范围）")
    assert [p.shared_poll_id for p in polls()] == [None, None]
    assert len(questions()) == 2


def test_the_phone_hears_the_new_question_though_no_sms_goes(app, world, browser):
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1.name]))
    warn(duty, world)
    inline_jobs_done(app)  # the first question's SMS (and its sms.sent) is out before the phone listens
    phone = connect(app, browser(world.leader))
    phone.get_received()
    warn(duty, world, headline="暴雨橙色预警（更新范围）")
    heard = [n["kind"] for e in received(phone) if e["name"] == "events" for n in e["args"][0]]
    assert heard == ["standby.asked"]
    phone.disconnect()


def test_asking_again_texts_a_team_once_whichever_warning_asks(world, browser):
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1.name]))
    first, second = warn(duty, world), warn(duty, world, headline="暴雨橙色预警（更新范围）")
    asked_minutes_ago(6)
    assert duty.post(f"/api/warnings/{first['id']}/ask-again").get_json()["asked"] == 1
    assert duty.post(f"/api/warnings/{second['id']}/ask-again").get_json()["asked"] == 0  # texted a moment ago
    assert len(questions()) == 2  # the first question and the one asked again
    asked_minutes_ago(12)
    db.session.execute(update(StandbyPoll).values(asked_again_at=None))
    db.session.commit()
    assert duty.post(f"/api/warnings/{second['id']}/ask-again").get_json()["asked"] == 1
