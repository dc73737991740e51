"""A drill that rehearses a plan: the scenario names the plan and when it starts, and the report lays the plan's
tasks beside what happened (posted, filled, how long it took, and how the designated teams answered)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dispatch.domain.after_action import LoggedEvent
from dispatch.domain.drill_report import Why, offer_rows
from dispatch.domain.drill_scenario import InvalidScenario, PlanStart, Step, parse_scenario
from dispatch.domain.plans.document import parse_plan
from dispatch.domain.plans.rehearsal import Answer, PlannedTask, PostedTask, designated_answers, rehearsal

T0 = datetime(2026, 7, 28, 3, 0, tzinfo=UTC)

STEPS = """\
steps:
  - at: 0m
    need: {skills: [logistics], head_count: 2, address: 文新社区}
  - at: 10m
    need: {skills: [first_aid], head_count: 1, address: 文新社区}
"""


def problems(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(InvalidScenario) as caught:
        parse_scenario(text)
    return [(p.line, p.field, p.code) for p in caught.value.problems]


def test_a_scenario_may_name_a_plan_and_when_it_starts_among_its_steps():
    scenario = parse_scenario(f"title: 预案演练\nplan: 西溪街道防台风预案\nplan_at: 5m\n{STEPS}")
    assert scenario.plan == PlanStart("西溪街道防台风预案", 300, line=2)
    first, plan, second = scenario.timeline
    assert (isinstance(first, Step), plan, isinstance(second, Step)) == (True, scenario.plan, True)
    assert [moment.offset_s for moment in scenario.timeline] == [0, 300, 600]


def test_a_plan_alone_is_a_scenario_started_at_once_by_default():
    scenario = parse_scenario("title: 预案演练\nplan: 12\n")
    assert (scenario.steps, scenario.plan.offset_s, scenario.plan.by_id) == ((), 0, 12)
    assert scenario.timeline == (scenario.plan,)
    assert parse_scenario("title: 预案演练\nplan: 防台风\nsteps: []\n").timeline == (PlanStart("防台风", 0, 2),)


def test_a_plan_due_with_a_step_starts_before_it():
    scenario = parse_scenario(f"title: 预案演练\nplan: 防台风\nplan_at: 0m\n{STEPS}")
    assert scenario.timeline[0] == scenario.plan


def test_without_a_plan_the_timeline_is_the_steps_as_before():
    scenario = parse_scenario(f"title: 演练\n{STEPS}")
    assert (scenario.plan, scenario.timeline) == (None, scenario.steps)


def test_neither_steps_nor_a_plan_is_refused_on_the_scenarios_line():
    assert problems("title: 演练\nlevel: IV\n") == [(1, "steps", "drill.no_steps_or_plan")]


def test_a_bad_plan_offset_is_refused_on_its_line():
    assert problems("title: 演练\nplan: 防台风\nplan_at: 5\n") == [(3, "plan_at", "drill.bad_offset")]
    assert problems("title: 演练\nplan: 防台风\nplan_at: 25h\n") == [(3, "plan_at", "drill.offset_too_far")]


def test_a_plan_named_wrong_or_a_start_without_a_plan_is_refused_on_its_line():
    assert problems("title: 演练\nplan: [a, b]\n") == [(2, "plan", "drill.bad_plan")]
    assert problems(f"title: 演练\nplan: ''\n{STEPS}") == [(2, "plan", "drill.bad_plan")]
    assert problems(f"title: 演练\nplan_at: 5m\n{STEPS}") == [(2, "plan_at", "drill.plan_at_without_plan")]


def test_an_empty_step_list_without_a_plan_is_still_refused():
    assert problems("title: 演练\nsteps: []\n") == [(2, "steps", "drill.no_steps")]


def at(seconds: float, kind: str, need=None, assignment=None, organization=None, **data) -> LoggedEvent:
    return LoggedEvent(kind, T0 + timedelta(seconds=seconds), need, assignment, organization, data)


SANDBAGS, EVACUATE, SHELTER = PlannedTask(1, "装填沙袋", 2), PlannedTask(2, "转移群众", 3), PlannedTask(3, "开放避难所", 1)
TEAM_A, TEAM_B, TEAM_C = 100, 200, 300


def drill_log() -> list[LoggedEvent]:
    """Sandbags: team A (designated first) accepts after 90 s, filled. Evacuation: team B (designated) lets its offer
    run out, team C (designated) declines, team A takes 1 of 3. The shelter task was not posted."""
    return [
        at(0, "plan.started", plan_id=7, version=2),
        at(1, "offer.made", 1, assignment=10, organization=TEAM_A),
        at(1, "offer.made", 2, assignment=11, organization=TEAM_B),
        at(1, "offer.made", 2, assignment=12, organization=TEAM_C),
        at(1, "offer.made", 2, assignment=13, organization=TEAM_A),
        at(90, "offer.accepted", 1, assignment=10, organization=TEAM_A, head_count=2),
        at(90, "need.filled", need=1),
        at(120, "offer.declined", 2, assignment=12, organization=TEAM_C, reason="人在外地"),
        at(150, "offer.accepted", 2, assignment=13, organization=TEAM_A, head_count=1),
        at(601, "offer.expired", 2, assignment=11, organization=TEAM_B),
    ]


def compared(until_s: float = 1800):
    log = drill_log()
    posted = {1: PostedTask(1, 2, (TEAM_A,)), 2: PostedTask(2, 1, (TEAM_B, TEAM_C, 400))}
    return rehearsal(
        (7, "防台风预案", 2), T0, [SANDBAGS, EVACUATE, SHELTER], posted, log, offer_rows(log), T0 + timedelta(seconds=until_s)
    )


def test_each_task_says_whether_it_was_posted_and_filled_and_how_long_it_took():
    found = compared()
    sandbags, evacuate, shelter = found.tasks
    assert (sandbags.posted, sandbags.filled, sandbags.accepted, sandbags.elapsed_s) == (True, True, 2, 90)
    assert (evacuate.posted, evacuate.filled, evacuate.accepted, evacuate.elapsed_s) == (True, False, 1, 1800)  # until now
    assert (shelter.posted, shelter.filled, shelter.elapsed_s, shelter.designated) == (False, False, None, ())
    assert (found.posted, found.filled, found.version, found.title) == (2, 1, 2, "防台风预案")


def test_the_designated_teams_that_did_not_answer_or_declined_are_named():
    evacuate = compared().tasks[1]
    assert [(d.organization_id, d.answer) for d in evacuate.silent] == [(TEAM_B, Answer.EXPIRED)]
    assert [(d.organization_id, d.answer, d.reason) for d in evacuate.declined] == [(TEAM_C, Answer.DECLINED, "人在外地")]
    assert evacuate.designated[2].answer is Answer.NOT_OFFERED  # the ranking judged it could not go


def test_an_offer_not_answered_yet_is_silent_and_a_later_acceptance_counts():
    log = [at(0, "offer.made", 5, assignment=1, organization=TEAM_A), at(0, "offer.made", 5, assignment=2, organization=TEAM_B)]
    log += [
        at(30, "offer.expired", 5, assignment=1, organization=TEAM_A),
        at(40, "offer.made", 5, assignment=3, organization=TEAM_A),
    ]
    log += [at(50, "offer.accepted", 5, assignment=3, organization=TEAM_A, head_count=1)]
    answers = designated_answers([TEAM_A, TEAM_B], offer_rows(log))
    assert [(d.position, d.answer) for d in answers] == [(1, Answer.ACCEPTED), (2, Answer.OPEN)]


def test_a_plan_not_started_lists_its_tasks_unposted_and_says_why():
    why = (Why("plan.not_covering", {"category": "accident", "level": "IV"}),)
    found = rehearsal((7, "防台风预案", 1), None, [SANDBAGS], {}, [], [], T0, why)
    assert (found.started_at, found.posted, found.why) == (None, 0, why)
    assert (found.tasks[0].posted, found.tasks[0].elapsed_s) == (False, None)


def test_the_sample_rehearsal_names_the_example_plan_and_parses():
    docs = Path(__file__).resolve().parents[3] / "docs"
    scenario = parse_scenario((docs / "drills" / "typhoon-plan-rehearsal.yaml").read_text(encoding="utf-8"))
    assert scenario.plan.named == parse_plan((docs / "example-plan.yaml").read_text(encoding="utf-8")).title
    assert [moment.offset_s for moment in scenario.timeline] == [0, 300, 1200]
