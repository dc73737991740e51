"""The drill report from an event log: each step's outcome, why needs went unfilled, and the change since last time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dispatch.domain.after_action import LoggedEvent
from dispatch.domain.drill_report import Headline, PlannedStep, Why, compare, drill_report
from dispatch.domain.drills import DrillStatus, due_steps, status_after

T0 = datetime(2026, 7, 28, 3, 0, tzinfo=UTC)
SANDBAGS = PlannedStep(1, 0, ("logistics",), 5)
FIRST_AID = PlannedStep(2, 300, ("first_aid",), 2)
SHELTER = PlannedStep(3, 600, ("shelter_management",), 1)


def at(seconds: float, kind: str, need=None, assignment=None, organization=None, **data) -> LoggedEvent:
    return LoggedEvent(kind, T0 + timedelta(seconds=seconds), need, assignment, organization, data)


def sandbags_filled_first_aid_declined() -> list[LoggedEvent]:
    return [
        at(0, "drill.step", need=1, step=1),
        at(0, "need.posted", need=1),
        at(0, "offer.made", 1, assignment=10, organization=100),
        at(0, "offer.made", 1, assignment=11, organization=200),
        at(40, "offer.accepted", 1, assignment=10, organization=100, head_count=5),
        at(40, "need.filled", need=1),
        at(40, "offer.withdrawn", 1, assignment=11, organization=200),
        at(300, "drill.step", need=2, step=2),
        at(300, "need.posted", need=2),
        at(300, "offer.made", 2, assignment=12, organization=200),
        at(360, "offer.declined", 2, assignment=12, organization=200, reason="人手不足"),
        at(360, "need.unfilled", need=2, still_needed=2, options=["escalate_to_county"]),
        at(600, "drill.step_failed", step=3, errors=[{"code": "address.not_found", "params": {"suggestions": ""}}]),
        at(900, "assignment.on_site", 1, assignment=10, organization=100),
    ]


def test_each_step_says_what_it_asked_for_and_what_became_of_it():
    report = drill_report([SANDBAGS, FIRST_AID, SHELTER], sandbags_filled_first_aid_declined(), {1: 5, 2: 0})
    sandbags, first_aid, shelter = report.steps
    assert (sandbags.outcome, sandbags.need_id, sandbags.accepted, sandbags.ran_at) == ("filled", 1, 5, T0)
    assert first_aid.outcome == "unfilled" and first_aid.why == (
        Why("drill.why.declined", {"count": 1, "reasons": "人手不足"}),
        Why("drill.why.exhausted", {"still_needed": 2, "options": "escalate_to_county"}),
    )
    assert (shelter.outcome, shelter.need_id, shelter.why) == ("failed", None, (Why("address.not_found", {"suggestions": ""}),))


def test_each_offer_says_how_it_was_answered_and_how_fast():
    report = drill_report([SANDBAGS, FIRST_AID], sandbags_filled_first_aid_declined(), {1: 5})
    answers = {o.assignment_id: (o.answer, o.answer_s, o.head_count, o.reason) for o in report.offers}
    assert answers == {10: ("accepted", 40, 5, ""), 11: ("withdrawn", None, 0, ""), 12: ("declined", 60, 0, "人手不足")}


def test_the_headline_figures_come_from_the_log():
    headline = drill_report([SANDBAGS, FIRST_AID, SHELTER], sandbags_filled_first_aid_declined(), {1: 5}).headline
    assert headline == Headline(median_answer_s=40, accepted_share=1 / 3, filled_share=1 / 2, median_arrive_s=860)


def test_a_step_not_yet_run_and_a_need_no_one_could_be_asked_for():
    events = [at(0, "drill.step", need=1, step=1), at(0, "need.posted", need=1), at(0, "need.unfilled", need=1, still_needed=5)]
    first, second = drill_report([SANDBAGS, FIRST_AID], events, {1: 0}).steps
    assert (first.outcome, first.why) == ("unfilled", (Why("drill.why.no_candidates"),))
    assert (second.outcome, second.ran_at) == ("not_run", None)


def test_offers_still_open_and_people_short_are_reasons_too():
    events = [
        at(0, "drill.step", need=1, step=1),
        at(0, "offer.made", 1, assignment=10, organization=100),
        at(0, "offer.made", 1, assignment=11, organization=200),
        at(0, "offer.made", 1, assignment=12, organization=300),
        at(30, "offer.accepted", 1, assignment=10, organization=100, head_count=2),
        at(600, "offer.expired", 1, assignment=11, organization=200),
    ]
    (row,) = drill_report([SANDBAGS], events, {1: 2}).steps
    assert row.outcome == "open" and row.why == (
        Why("drill.why.short", {"accepted": 2, "head_count": 5}),
        Why("drill.why.expired", {"count": 1}),
        Why("drill.why.still_open", {"count": 1}),
    )


def test_the_comparison_says_which_way_each_figure_moved():
    this = Headline(median_answer_s=40, accepted_share=0.5, filled_share=0.5, median_arrive_s=None)
    previous = Headline(median_answer_s=90, accepted_share=0.5, filled_share=1.0, median_arrive_s=600)
    changes = {c.figure: (c.this, c.previous, c.change, c.better) for c in compare(this, previous)}
    assert changes == {
        "median_answer_s": (40, 90, -50, True),  # answering faster is better
        "accepted_share": (0.5, 0.5, 0, None),
        "filled_share": (0.5, 1.0, -0.5, False),
        "median_arrive_s": (None, 600, None, None),
    }


def test_due_steps_run_in_order_once_their_time_has_come():
    offsets = [0, 300, 300, 900]
    assert list(due_steps(offsets, 0, T0, T0)) == [0]
    assert list(due_steps(offsets, 1, T0, T0 + timedelta(seconds=299))) == []
    assert list(due_steps(offsets, 1, T0, T0 + timedelta(seconds=600))) == [1, 2]
    assert list(due_steps(offsets, 4, T0, T0 + timedelta(hours=2))) == []
    assert status_after(3, 4) is DrillStatus.RUNNING and status_after(4, 4) is DrillStatus.FINISHED
