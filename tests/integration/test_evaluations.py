"""Evaluations: scorecards recomputed from the event log match what the records say happened, drills apart;
publishing freezes them for a public page and CSV that name no person."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from statistics import median_low

from sqlalchemy import select

from dispatch.domain.assignments import AssignmentState
from dispatch.extensions import db
from dispatch.models import Assignment, Complaint, Evaluation
from dispatch.services.records import evaluations
from tests.factories import make_member
from tests.integration.dispatch_helpers import need_body, open_incident, post_need

YEAR = str(datetime.now(UTC).year)  # the incidents below happen now


def offer_to(need_id: int, organization) -> Assignment:
    return db.session.scalars(
        select(Assignment).where(Assignment.need_id == need_id, Assignment.organization_id == organization.id)
    ).one()


def a_season_of_work(world, browser) -> dict:
    """A real incident (A1 accepts, works and completes; A1b declines), a drill (A1 accepts), training, a complaint."""
    duty, leader = browser(world.duty), browser(world.leader)
    real = post_need(duty, open_incident(duty)["id"], need_body(world.cell_a1, head_count=3, broadcast_k=3)).get_json()
    drill = post_need(duty, open_incident(duty, drill=True)["id"], need_body(world.cell_a1, head_count=1)).get_json()
    mine, theirs = offer_to(real["id"], world.org_a1), offer_to(real["id"], world.org_a1b)
    assert leader.post(f"/api/assignments/{mine.id}/accept", {"head_count": 2}).status_code == 200
    for step, body in (("depart", {}), ("arrive", {}), ("complete", {"people": 2, "note": "清淤完成"})):
        assert leader.post(f"/api/assignments/{mine.id}/{step}", body).status_code == 200
    assert duty.post(f"/api/assignments/{theirs.id}/decline", {"reason": "人手不足"}).status_code == 200
    assert leader.post(f"/api/assignments/{offer_to(drill['id'], world.org_a1).id}/accept", {"head_count": 1}).status_code == 200

    member = make_member(world.org_a1, ("first_aid",))
    db.session.commit()
    course = {"title": "应急救护", "organizer": "红十字会", "held_on": datetime.now(UTC).date().isoformat(), "hours": 6}
    session = duty.post("/api/training-sessions", course).get_json()
    duty.post(f"/api/training-sessions/{session['id']}/attendees", {"member_ids": [member.id]})
    complaint = browser(world.grid).post("/api/complaints", {"organization_id": world.org_a1b.id, "summary": "迟到"}).get_json()
    duty.post(f"/api/complaints/{complaint['id']}/decision", {"outcome": "upheld"})
    return {"real": real["id"], "drill": drill["id"]}


def test_scorecards_from_the_log_match_the_records(world, browser):
    needs = a_season_of_work(world, browser)
    db.session.expire_all()
    cards = evaluations.scorecards([world.org_a1.id, world.org_a1b.id], *evaluations.period_bounds(YEAR))
    mine, theirs = cards[world.org_a1.id], cards[world.org_a1b.id]

    for card, organization in ((mine, world.org_a1), (theirs, world.org_a1b)):
        offers = db.session.scalars(
            select(Assignment).join(Assignment.need).where(Assignment.organization_id == organization.id)
        ).all()
        real = [a for a in offers if a.need_id == needs["real"]]
        assert card.real.offers == len(real)
        recorded = [(a.answered_at - a.offered_at).total_seconds() for a in real if a.answered_at]
        assert abs(card.real.median_answer_s - median_low(recorded)) < 0.5
    assert (mine.real.accepted, mine.real.completed, mine.real.people, mine.real.accepted_share) == (1, 1, 2, 1.0)
    assert (theirs.real.accepted, theirs.real.declined, theirs.real.accepted_share) == (0, 1, 0.0)
    assert (mine.drill.offers, mine.drill.accepted, len(mine.drill.incidents)) == (1, 1, 1)
    assert len(mine.real.incidents) == 1  # the drill is not counted with real incidents
    assert (mine.training_hours, theirs.upheld_complaints) == (6, 1)
    assert theirs.upheld_complaints == db.session.query(Complaint).filter_by(organization_id=world.org_a1b.id).count()
    assert mine.real.completed == db.session.query(Assignment).filter_by(state=AssignmentState.COMPLETED).count()


def test_the_officer_sees_the_subdistrict_summary_and_a_leader_only_their_own_card(world, browser):
    a_season_of_work(world, browser)
    seen = browser(world.duty).get(f"/api/evaluations?period={YEAR}").get_json()
    assert seen["subdistrict"]["id"] == world.sub_a1.id
    assert {row["organization"]["id"] for row in seen["organizations"]} == {world.org_a1.id, world.org_a1b.id}
    summary = seen["summary"]
    assert (summary["organizations"], summary["taking_part"], summary["real"]["offers"], summary["drill"]["incidents"]) == (
        2,
        1,
        2,
        1,
    )
    assert summary["upheld_complaints"] == 1

    own = browser(world.leader).get(f"/api/evaluations?period={YEAR}").get_json()
    assert [row["organization"]["id"] for row in own["organizations"]] == [world.org_a1.id]


def test_a_period_that_is_no_period_is_refused(world, browser):
    answer = browser(world.duty, language="en").get("/api/evaluations?period=2026-Q5")
    assert answer.status_code == 422
    assert "half (2026-H1), quarter (2026-Q3)" in answer.get_json()["error"]["errors"][0]["message"]


def next_month_in_beijing() -> str:
    today = datetime.now(evaluations.CHINA).date()
    return f"{today.year + today.month // 12}-{today.month % 12 + 1:02d}"


def test_a_period_that_has_not_started_is_not_published_through_the_api_nor_the_page(world, browser, app):
    english, chinese = browser(world.duty, language="en"), browser(world.duty)
    for period in ("2099", next_month_in_beijing()):
        answer = english.post("/api/evaluations/publish", {"period": period})
        assert answer.status_code == 422
        error = answer.get_json()["error"]["errors"][0]
        assert (error["field"], error["code"]) == ("period", "period.not_started")
        assert error["message"].startswith(f"“{period}” has not started yet (it starts on ")

    page = chinese.send("POST", "/evaluations/publish", None, data={"period": "2099"}, content_type="multipart/form-data")
    assert page.status_code == 422 and "期间“2099”尚未开始（2099-01-01 开始）" in page.get_data(as_text=True)
    assert db.session.query(Evaluation).count() == 0
    assert "2099" not in app.test_client().get("/scorecards").get_data(as_text=True)


def test_the_running_month_is_published(world, browser):
    month = datetime.now(evaluations.CHINA).date().strftime("%Y-%m")
    assert browser(world.duty).post("/api/evaluations/publish", {"period": month}).status_code == 200


def test_published_scorecards_are_public_and_name_no_person(world, browser, app):
    a_season_of_work(world, browser)
    published = browser(world.duty).post("/api/evaluations/publish", {"period": YEAR})
    assert published.status_code == 200 and published.get_json()["published_at"]
    anyone = app.test_client()
    code = world.sub_a1.code
    page = anyone.get(f"/scorecards/{code}/{YEAR}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert world.org_a1.name in text and world.org_a1b.name in text
    members = [m for org in (world.org_a1, world.org_a1b) for m in org.members]
    for secret in (
        world.org_a1.leader_name,
        world.org_a1.leader_phone[-8:],
        *(m.name for m in members),
        *(m.phone[-8:] for m in members),
    ):
        assert secret not in text

    exported = anyone.get(f"/scorecards/{code}/{YEAR}/scorecards.csv")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    mine = next(r for r in rows if int(r["organization_id"]) == world.org_a1.id)
    assert (mine["real_accepted"], mine["real_people"], mine["drill_incidents"], mine["training_hours"]) == ("1", "2", "1", "6.0")
    assert not any("phone" in column or "leader" in column for column in rows[0])

    assert f"/scorecards/{code}/{YEAR}" in anyone.get("/scorecards").get_data(as_text=True)
    assert anyone.get(f"/scorecards/{code}/1999").status_code == 404  # never published


def test_publishing_again_replaces_the_period(world, browser):
    duty = browser(world.duty)
    duty.post("/api/evaluations/publish", {"period": YEAR})
    a_season_of_work(world, browser)
    again = duty.post("/api/evaluations/publish", {"period": YEAR}).get_json()
    assert again["summary"]["real"]["offers"] == 2
    assert db.session.query(Evaluation).count() == 1
