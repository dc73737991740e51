"""Deadlines: an unanswered offer runs out and the work passes on, exactly once, whoever sweeps and however often,
after a restart too; in production the sweep runs on the RQ scheduler."""

from __future__ import annotations

import time

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from rq.registry import ScheduledJobRegistry

from dispatch.jobs.sweeper import SweeperThread, schedule_next, sweep_and_reschedule
from dispatch.services.answers import sweep_overdue
from tests.integration.dispatch_helpers import (
    add_organizations,
    all_at_once,
    error_code,
    event_kinds,
    make_overdue,
    need_row,
    open_offers,
    posted_need,
    snapshot,
    states,
)


def test_an_overdue_offer_expires_and_passes_on_once_however_often_the_sweep_runs(world, browser):
    need = posted_need(browser(world.duty), world.cell_a1, policy="sequential")
    make_overdue(need["assignments"][0]["id"])
    assert sweep_overdue() == 1
    assert sweep_overdue() == 0
    assert states(need["id"]) == {world.org_a1.id: "expired", world.org_a1b.id: "offered"}
    assert len(event_kinds(need["id"], "offer.expired")) == 1


def test_two_sweeps_at_once_expire_each_offer_once_and_pass_it_on_once(app, world, browser):
    add_organizations(world.community_a1, 3)
    need = posted_need(browser(world.duty), world.cell_a1, broadcast_k=3)
    make_overdue(*[a["id"] for a in need["assignments"]])
    results = all_at_once(app, [sweep_overdue, sweep_overdue])
    assert sum(results) == 3, results  # shared between them, never doubled
    expired = event_kinds(need["id"], "offer.expired")
    assert sorted(e.assignment_id for e in expired) == sorted(a["id"] for a in need["assignments"])
    made = [e.organization_id for e in event_kinds(need["id"], "offer.made")]
    assert len(made) == len(set(made)) == 5  # three first offers, then the two organizations left, once each
    assert len(open_offers(need["id"])) == 2


def test_an_offer_past_its_deadline_cannot_be_accepted_even_before_the_sweeper_comes(world, browser):
    need = posted_need(browser(world.duty), world.cell_a1)
    offer = need["assignments"][0]["id"]
    make_overdue(offer, seconds=1)
    before = snapshot()
    late = browser(world.leader).post(f"/api/assignments/{offer}/accept", {"head_count": 1})
    assert late.status_code == 409 and error_code(late) == "offer.not_open"
    assert "expired" in late.get_json()["error"]["errors"][0]["message"]
    assert snapshot() == before


def _wait_for(condition, seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_the_sweeper_thread_catches_up_on_deadlines_missed_while_it_was_down(app, world, browser):
    need = posted_need(browser(world.duty), world.cell_a1, policy="sequential")
    first = SweeperThread(app, interval_s=0.05)
    first.start()
    first.stop()
    first.join(5)
    make_overdue(need["assignments"][0]["id"])  # runs out while no sweeper runs
    restarted = SweeperThread(app, interval_s=60)  # its first pass, at start, is the catch-up
    restarted.start()
    try:
        assert _wait_for(lambda: states(need["id"]).get(world.org_a1b.id) == "offered")
    finally:
        restarted.stop()
        restarted.join(5)
    assert states(need["id"])[world.org_a1.id] == "expired"
    assert len(event_kinds(need["id"], "offer.expired")) == 1


@pytest.fixture
def rq_redis(app):
    if not app.config["REDIS_URL"]:
        pytest.skip("the embedded column sweeps on a thread (above); the RQ scheduler is production's")
    redis = Redis.from_url(app.config["REDIS_URL"])
    registry = ScheduledJobRegistry(app.config["RQ_QUEUE"], connection=redis)
    for job_id in registry.get_job_ids():
        registry.remove(job_id, delete_job=True)
    yield redis
    for job_id in registry.get_job_ids():
        registry.remove(job_id, delete_job=True)


def test_in_production_the_sweep_is_a_scheduled_rq_job_that_expires_the_offer_and_schedules_the_next(
    app, world, browser, rq_redis
):
    need = posted_need(browser(world.duty), world.cell_a1, policy="sequential")
    registry = ScheduledJobRegistry(app.config["RQ_QUEUE"], connection=rq_redis)
    schedule_next()
    schedule_next()  # a second web process starting in the same slot does not double it
    later = registry.get_job_ids()
    assert len(later) == 1 and later[0].startswith("sweeper-")

    make_overdue(need["assignments"][0]["id"])
    schedule_next(delay_s=0)  # what the worker does when it starts: catch up now
    SimpleWorker([app.config["RQ_QUEUE"]], connection=rq_redis).work(burst=True, with_scheduler=True)
    assert states(need["id"]) == {world.org_a1.id: "expired", world.org_a1b.id: "offered"}
    assert Queue(app.config["RQ_QUEUE"], connection=rq_redis).count == 0
    assert registry.get_job_ids()  # the job put its own next run on the schedule

    make_overdue(open_offers(need["id"])[0].id)
    assert sweep_and_reschedule() == 1  # the job's body, called directly
    assert need_row(need["id"]).status.value == "unfilled"
    assert len(event_kinds(need["id"], "offer.expired")) == 2
