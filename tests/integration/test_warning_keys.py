"""An officer's warning sent twice (a double click, a retry after a timeout) with the same Idempotency-Key is entered
once and texts every team once; the same key with another warning is refused, as for needs."""

from __future__ import annotations

from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.models import EarlyWarning, Event
from tests.integration.dispatch_helpers import all_at_once
from tests.integration.test_plans import keep, plan_text
from tests.integration.test_standby import WARNING, questions


def counts() -> tuple[int, int, int]:
    db.session.expire_all()
    warnings = db.session.scalar(select(func.count()).select_from(EarlyWarning))
    asked = db.session.scalar(select(func.count()).where(Event.kind == "standby.asked"))
    return warnings, asked, len(questions())


def test_the_same_key_enters_one_warning_and_texts_each_team_once(world, browser):
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1.name, world.org_a1b.name]))
    body, key = {**WARNING, "subdistrict_ids": [world.sub_a1.id]}, {"Idempotency-Key": "warn-7f3c"}
    first = duty.post("/api/warnings", body, headers=key)
    assert first.status_code == 201
    again = duty.post("/api/warnings", body, headers=key)
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    assert counts() == (1, 2, 2)
    other_officer = browser(world.duty)  # the same user in another tab: still the same warning
    assert other_officer.post("/api/warnings", body, headers=key).get_json()["id"] == first.get_json()["id"]
    assert duty.post("/api/warnings", body).status_code == 201  # no key: a new warning, as before
    assert counts()[0] == 2


def test_the_same_key_with_another_warning_is_refused(world, browser):
    duty = browser(world.duty)
    key = {"Idempotency-Key": "warn-1"}
    duty.post("/api/warnings", {**WARNING, "subdistrict_ids": [world.sub_a1.id]}, headers=key)
    refused = duty.post("/api/warnings", {**WARNING, "colour": "red", "subdistrict_ids": [world.sub_a1.id]}, headers=key)
    assert refused.status_code == 422
    (error,) = refused.get_json()["error"]["errors"]
    assert error["code"] == "idempotency_key.reused" and "幂等键" in error["message"]
    assert counts()[0] == 1


def test_another_users_key_is_their_own(world, browser):
    body, key = {**WARNING, "subdistrict_ids": [world.sub_a1.id]}, {"Idempotency-Key": "k"}
    mine = browser(world.duty).post("/api/warnings", body, headers=key).get_json()
    theirs = browser(world.admin).post("/api/warnings", body, headers=key)
    assert theirs.status_code == 201 and theirs.get_json()["id"] != mine["id"]


def test_a_double_click_racing_itself_enters_one_warning(app, world, browser):
    duty = browser(world.duty)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1.name]))
    body, key = {**WARNING, "subdistrict_ids": [world.sub_a1.id]}, {"Idempotency-Key": "race"}
    answers = all_at_once(app, [lambda: duty.post("/api/warnings", body, headers=key).status_code] * 3)
    assert sorted(answers) == [200, 200, 201]
    assert counts() == (1, 1, 1)


def test_a_bad_key_is_a_clear_refusal(world, browser):
    refused = browser(world.duty).post(
        "/api/warnings", {**WARNING, "subdistrict_ids": [world.sub_a1.id]}, headers={"Idempotency-Key": "键" * 3}
    )
    assert refused.status_code == 422
    assert counts()[0] == 0
