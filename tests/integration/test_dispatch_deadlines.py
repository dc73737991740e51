"""Deadlines: an unanswered offer runs out and the work passes on, exactly once, whoever sweeps and however often,
after a restart too."""

from __future__ import annotations

import time

from dispatch.jobs.sweeper import SweepLoop, sweep_once
from dispatch.services.dispatch.answers import sweep_overdue
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
    assert "已过期" in late.get_json()["error"]["errors"][0]["message"]
    assert snapshot() == before


def _wait_for(condition, seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_the_sweep_loop_catches_up_on_deadlines_missed_while_it_was_down(app, world, browser):
    need = posted_need(browser(world.duty), world.cell_a1, policy="sequential")
    first = SweepLoop(app, interval_s=0.05)
    first.start()
    first.stop()
    first.join(5)
    make_overdue(need["assignments"][0]["id"])  # runs out while no sweeper runs
    restarted = SweepLoop(app, interval_s=60)  # its first pass, at start, is the catch-up
    restarted.start()
    try:
        assert _wait_for(lambda: states(need["id"]).get(world.org_a1b.id) == "offered")
    finally:
        restarted.stop()
        restarted.join(5)
    assert states(need["id"])[world.org_a1.id] == "expired"
    assert len(event_kinds(need["id"], "offer.expired")) == 1


def test_a_sweep_pass_expires_the_offer_and_passes_the_need_on_until_nobody_is_left(world, browser):
    need = posted_need(browser(world.duty), world.cell_a1, policy="sequential")
    make_overdue(need["assignments"][0]["id"])
    assert sweep_once() == 1
    assert states(need["id"]) == {world.org_a1.id: "expired", world.org_a1b.id: "offered"}

    make_overdue(open_offers(need["id"])[0].id)
    assert sweep_once() == 1
    assert need_row(need["id"]).status.value == "unfilled"
    assert len(event_kinds(need["id"], "offer.expired")) == 2
