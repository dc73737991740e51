"""Standby (备勤): a warning in force asks the teams its covering plans designate, once, by SMS; the leader answers on
the phone (the API) or by SMS ("备勤 3", or a bare "3" while asked); the board reads readiness per subdistrict and
skill; unanswered teams are asked again in one action; once the warning ends, answers are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from dispatch.extensions import db
from dispatch.models import Event, OutboxMessage, StandbyPoll
from tests.integration.test_plans import keep, plan_text
from tests.integration.test_scope import middle_of
from tests.integration.test_twilio_webhooks import reply

WARNING = {"kind": "rainstorm", "colour": "orange", "headline": "暴雨橙色预警", "hours": 6}


def warn(client, world, **extra) -> dict:
    made = client.post("/api/warnings", {**WARNING, "subdistrict_ids": [world.sub_a1.id], **extra})
    assert made.status_code == 201, made.get_json()
    return made.get_json()


def polls() -> list[StandbyPoll]:
    db.session.expire_all()
    return list(db.session.scalars(select(StandbyPoll).order_by(StandbyPoll.id)))


def questions() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "standby").order_by(OutboxMessage.id)))


def test_a_warning_asks_the_teams_its_plans_designate_once(world, browser):
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1b.name]))
    warning = warn(duty, world)
    (poll,) = polls()
    assert (poll.warning_id, poll.organization_id, poll.ready) == (warning["id"], world.org_a1b.id, None)
    (question,) = questions()
    assert question.params["text"] == "【社区应急】暴雨橙色预警：请回复可出动人数，如“备勤 5”（0 表示无法出动）。"
    assert question.recipient == world.org_a1b.leader_phone
    asked = db.session.scalars(select(Event).where(Event.kind == "standby.asked")).all()
    assert [e.organization_id for e in asked] == [world.org_a1b.id]  # the leader's phone page hears it


def test_a_warning_no_plan_covers_asks_no_one(world, browser):
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="I", designated=[world.org_a1b.name]))  # only for the gravest
    warn(duty, world)
    assert polls() == [] and questions() == []


def test_the_leader_answers_on_the_phone_and_may_change_the_answer(world, browser):
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1.name]))
    warn(duty, world)
    leader = browser(world.leader)
    (asked,) = leader.get("/api/standby").get_json()["items"]
    assert (asked["warning"], asked["ready"]) == ("暴雨橙色预警", None)
    assert leader.post(f"/api/standby/{asked['id']}/answer", {"ready": 4}).get_json()["ready"] == 4
    assert leader.post(f"/api/standby/{asked['id']}/answer", {"ready": 2}).get_json()["ready"] == 2
    assert polls()[0].answered_via == "phone"


def test_a_leader_answers_by_sms_with_or_without_the_word(world, browser, twilio):
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1.name]))
    warn(duty, world)
    answered = reply(browser, twilio, world.org_a1.leader_phone, "备勤 3", sid="SM" + "1" * 32)
    assert "已收到：暴雨橙色预警备勤可出动 3 人" in answered.get_data(as_text=True)
    reply(browser, twilio, world.org_a1.leader_phone, "０", sid="SM" + "2" * 32)  # a bare number, full width
    assert [(p.ready, p.answered_via) for p in polls()] == [(0, "sms")]


def test_a_bare_number_from_a_team_not_asked_is_read_as_an_offer_reply(world, browser, twilio):
    answered = reply(browser, twilio, world.org_a1.leader_phone, "3", sid="SM" + "3" * 32).get_data(as_text=True)
    assert "备勤" not in answered and polls() == []


def test_the_board_reads_readiness_against_the_plans_need(world, browser):
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1.name, world.org_a1b.name]))
    warning = warn(duty, world)
    first = polls()[0]
    browser(world.leader).post(f"/api/standby/{first.id}/answer", {"ready": 3})
    standby = duty.get(f"/api/warnings/{warning['id']}/standby").get_json()
    (logistics,) = [r for r in standby["readiness"] if r["skill"] == "logistics"]
    assert (logistics["asked"], logistics["answered"], logistics["ready"], logistics["needed"]) == (2, 1, 3, 2)
    assert {p["organization"]["id"]: p["ready"] for p in standby["polls"]} == {world.org_a1.id: 3, world.org_a1b.id: None}


def asked_minutes_ago(minutes: int) -> None:
    db.session.execute(update(StandbyPoll).values(asked_at=datetime.now(UTC) - timedelta(minutes=minutes)))
    db.session.commit()


def test_asking_again_texts_only_the_teams_that_have_not_answered(world, browser):
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1.name, world.org_a1b.name]))
    warning = warn(duty, world)
    browser(world.leader).post(f"/api/standby/{polls()[0].id}/answer", {"ready": 1})
    assert duty.post(f"/api/warnings/{warning['id']}/ask-again").get_json()["asked"] == 0  # texted a moment ago
    asked_minutes_ago(6)
    assert duty.post(f"/api/warnings/{warning['id']}/ask-again").get_json()["asked"] == 1
    assert duty.post(f"/api/warnings/{warning['id']}/ask-again").get_json()["asked"] == 0  # a double click
    assert [q.organization_id for q in questions()] == [world.org_a1.id, world.org_a1b.id, world.org_a1b.id]


def test_once_the_warning_is_lifted_no_answer_is_taken(world, browser):
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1.name]))
    warning = warn(duty, world)
    poll = polls()[0]
    duty.post(f"/api/warnings/{warning['id']}/lift")
    refused = browser(world.leader).post(f"/api/standby/{poll.id}/answer", {"ready": 3})
    assert refused.status_code == 409
    assert browser(world.leader).get("/api/standby").get_json()["items"] == []
    assert polls()[0].ready is None


def test_a_leader_answers_only_for_their_own_team(world, browser):
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1b.name]))
    warn(duty, world)
    (poll,) = polls()
    assert browser(world.leader).post(f"/api/standby/{poll.id}/answer", {"ready": 3}).status_code == 404
    assert browser(world.leader).post(f"/api/standby/{poll.id}/answer", {"ready": -1}).status_code == 422
    assert polls()[0].ready is None


def test_a_team_that_said_none_is_not_offered_and_one_that_said_some_is_offered_no_more(world, browser):
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1.name]))
    warn(duty, world)
    leader, poll = browser(world.leader), polls()[0]
    incident = duty.post("/api/incidents", {"title": "暴雨", "category": "natural_disaster", "level": "IV"}).get_json()
    lon, lat = middle_of(world.cell_a1)
    need = {"skills": ["logistics"], "head_count": 5, "location": {"lon": lon, "lat": lat}}

    leader.post(f"/api/standby/{poll.id}/answer", {"ready": 0})
    asked = duty.post(f"/api/incidents/{incident['id']}/candidates", need).get_json()["items"]
    assert world.org_a1.id not in [c["organization"]["id"] for c in asked]

    leader.post(f"/api/standby/{poll.id}/answer", {"ready": 1})
    asked = duty.post(f"/api/incidents/{incident['id']}/candidates", need).get_json()["items"]
    (theirs,) = [c for c in asked if c["organization"]["id"] == world.org_a1.id]
    assert theirs["free"] == 1 and "备勤回复可出动 1 人" in theirs["reason"]


def test_asked_for_it_a_warning_also_asks_every_team_of_the_area_with_a_skill_the_plans_need(world, browser):
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1b.name]))
    warn(duty, world, ask_all_with_skills=True)
    assert sorted(p.organization_id for p in polls()) == sorted([world.org_a1.id, world.org_a1b.id])  # both in A1
