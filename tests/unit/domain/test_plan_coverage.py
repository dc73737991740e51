"""Which plans an incident calls for (a subdistrict's own first, the narrower first), which start by themselves, and
which of a plan's tasks an officer starts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dispatch.domain.incidents import IncidentCategory, IncidentLevel
from dispatch.domain.plans.coverage import (
    InvalidTaskChoice,
    PlanSummary,
    chosen_tasks,
    covers,
    proposed_plans,
    starts_by_itself,
)
from dispatch.domain.plans.document import Place, PlanTask
from dispatch.messages import MESSAGES

NATURAL, ACCIDENT = IncidentCategory.NATURAL_DISASTER, IncidentCategory.ACCIDENT
I, II, III, IV = IncidentLevel.I, IncidentLevel.II, IncidentLevel.III, IncidentLevel.IV  # noqa: E741
XIXI, CUIYUAN = 4, 5


def make_plan(plan_id: int, subdistrict_id: int | None = XIXI, min_level=IV, category=NATURAL, auto_start=False) -> PlanSummary:
    return PlanSummary(plan_id, 1, subdistrict_id, category, min_level, auto_start)


def make_task(number: int, name: str) -> PlanTask:
    return PlanTask(number, name, {"skills": ["logistics"], "head_count": 2}, Place("address", "文三路"), (), number, {})


TASKS = (make_task(1, "转移低洼地区群众"), make_task(2, "装填沙袋"), make_task(3, "走访独居老人"), make_task(4, "2"))


@pytest.mark.parametrize(("min_level", "covered"), [(I, {I}), (II, {I, II}), (III, {I, II, III}), (IV, {I, II, III, IV})])
def test_a_plan_covers_its_level_and_every_graver_one(min_level, covered):
    assert {level for level in IncidentLevel if covers(min_level, level)} == covered


def test_levels_may_be_given_as_their_numerals():
    assert covers("III", "II") and not covers("II", "III")


def test_only_plans_of_the_incidents_category_level_and_subdistricts_are_proposed():
    plans = [
        make_plan(1),
        make_plan(2, category=ACCIDENT),
        make_plan(3, min_level=II),  # an incident of level III is below it
        make_plan(4, subdistrict_id=CUIYUAN),
        make_plan(5, subdistrict_id=None),
    ]
    assert [plan.id for plan in proposed_plans(plans, NATURAL, III, [XIXI])] == [1, 5]
    assert [plan.id for plan in proposed_plans(plans, "natural_disaster", "I", [XIXI, CUIYUAN])] == [3, 1, 4, 5]


def test_a_subdistricts_own_plans_come_before_the_countys_and_the_narrower_first():
    plans = [
        make_plan(1, subdistrict_id=None, min_level=I),
        make_plan(2, min_level=IV),
        make_plan(3, subdistrict_id=None, min_level=III),
        make_plan(4, min_level=II),
        make_plan(5, min_level=II),
    ]
    assert [plan.id for plan in proposed_plans(plans, NATURAL, I, [XIXI])] == [4, 5, 2, 1, 3]


def test_an_incident_in_no_subdistrict_is_offered_the_countys_plans_only():
    assert [plan.id for plan in proposed_plans([make_plan(1), make_plan(2, None)], NATURAL, IV, [])] == [2]


def test_only_a_plan_that_says_so_starts_by_itself_and_only_at_level_i():
    automatic, by_hand = make_plan(1, min_level=I, auto_start=True), make_plan(2, min_level=I)
    assert starts_by_itself(automatic, I) and starts_by_itself(automatic, "I")
    assert not starts_by_itself(automatic, II) and not starts_by_itself(by_hand, I)


def test_tasks_are_chosen_by_name_or_number_and_start_in_the_plans_order():
    chosen = chosen_tasks(TASKS, ["走访独居老人", 1, " 装填沙袋 "])
    assert [task.number for task in chosen] == [1, 2, 3]
    assert chosen_tasks(TASKS, ["3"]) == (TASKS[2],)  # a number typed into a form
    assert chosen_tasks(TASKS, ["2"]) == (TASKS[3],)  # the task named "2", not task 2


def choice_problems(*wanted: str | int) -> list[tuple[str, str, dict]]:
    with pytest.raises(InvalidTaskChoice) as caught:
        chosen_tasks(TASKS, list(wanted))
    return [(p.field, p.code, p.params) for p in caught.value.problems]


def test_a_task_the_plan_lacks_is_refused_with_every_other_problem():
    assert choice_problems("清理倒伏树木", 1, 9, True) == [
        ("tasks[1]", "plan.unknown_task", {"task": "清理倒伏树木"}),
        ("tasks[3]", "plan.unknown_task", {"task": "9"}),
        ("tasks[4]", "plan.unknown_task", {"task": "True"}),
    ]


def test_a_task_chosen_twice_is_refused_however_it_is_named():
    assert choice_problems("装填沙袋", 2) == [("tasks[2]", "plan.task_chosen_twice", {"task": "装填沙袋"})]


def test_choosing_no_task_is_refused():
    assert choice_problems() == [("tasks", "plan.no_task_chosen", {})]


def test_every_code_choosing_gives_has_both_languages():
    source = (Path(__file__).resolve().parents[3] / "dispatch" / "domain" / "plans" / "coverage.py").read_text(encoding="utf-8")
    codes = set(re.findall(r'"(plan\.[a-z_.]+)"', source))
    assert len(codes) == 3 and codes - set(MESSAGES) == set()
