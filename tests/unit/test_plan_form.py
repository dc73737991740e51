"""The plan form's boxes and the plan document are one: a plan read into the boxes writes back the same plan, typed
boxes make the YAML a person would write, and each problem of the document lands on the box it is about."""

from __future__ import annotations

import pytest
from hypothesis import given
from werkzeug.datastructures import MultiDict

from dispatch.domain.plans.document import parse_plan
from dispatch.web.plan_form import PlanForm, TaskRow, box_error
from tests.unit.domain.test_plan_document import GOOD, plans


def _boxes_can_hold(plan) -> bool:
    """An empty description is no description (left out), and a skill is ticked once: a file may say either."""
    needs = [task.need for task in plan.tasks]
    return all(need.get("description") != "" and len(set(need["skills"])) == len(need["skills"]) for need in needs)


@given(plans().filter(_boxes_can_hold))
def test_any_plan_read_into_the_form_writes_back_as_itself(plan):
    assert parse_plan(PlanForm.of(plan).text()) == plan


def test_the_example_plan_goes_through_the_form_unchanged():
    example = parse_plan(GOOD)
    assert parse_plan(PlanForm.of(example).text()) == example


def test_typed_boxes_make_the_yaml_a_file_would_hold():
    posted = MultiDict(
        [("title", " 防台风预案 "), ("category", "accident"), ("min_level", "I"), ("auto_start", "true"),
         ("tasks-0-name", "装填沙袋"), ("tasks-0-skills", "logistics"), ("tasks-0-skills", "rescue"),
         ("tasks-0-head_count", "20"), ("tasks-0-place_kind", "location"), ("tasks-0-place_value", "120.15，30.28 gcj02"),
         ("tasks-0-priority", "urgent"), ("tasks-0-designated-1", "文三红十字救护队"), ("tasks-0-designated-0", "西溪应急救援队"),
         ("tasks-1-name", ""), ("tasks-1-place_kind", "cell"), ("tasks-1-priority", "")]
    )  # fmt: skip
    form = PlanForm.read(posted)
    assert len(form.rows) == 2 and len(form.tasks) == 1  # the second row is blank: no task
    plan = parse_plan(form.text())
    (task,) = plan.tasks
    assert (plan.title, plan.category.value, plan.min_level.value, plan.auto_start) == ("防台风预案", "accident", "I", True)
    assert task.need == {"skills": ["logistics", "rescue"], "head_count": 20, "priority": "urgent"}
    assert (task.place.kind, task.place.value) == ("location", {"lon": 120.15, "lat": 30.28, "system": "gcj02"})
    assert task.designated == ("西溪应急救援队", "文三红十字救护队")  # in the order of their boxes


def test_a_number_box_is_read_as_yaml_reads_it():
    row = TaskRow(name="a", head_count="五", broadcast_k="3", offer_timeout_s="")
    assert row.need() == {"head_count": "五", "broadcast_k": 3}  # 五 stays text, for the needs check to refuse


def test_a_hidden_box_changed_into_something_else_carries_nothing():
    assert TaskRow(extra="[1, 2]").extras == {} and TaskRow(extra="{").extras == {}
    assert TaskRow(extra='{"radius_km": 5, "head_count": 9}').extras == {"radius_km": 5}  # a box of its own wins


def test_adding_and_removing_rows_keeps_what_was_typed():
    form = PlanForm(title="预案", rows=[TaskRow(name="一"), TaskRow(name="二")])
    assert [row.name for row in form.with_another_row().rows] == ["一", "二", ""]
    assert [row.name for row in form.without_row(0).rows] == ["二"]
    assert [row.name for row in form.without_row(0).without_row(0).rows] == [""]  # never no row at all


def test_designated_boxes_offer_a_spare_up_to_ten():
    assert TaskRow().designated_boxes == ["", ""]
    assert TaskRow(designated=["甲", "乙"]).designated_boxes == ["甲", "乙", ""]
    assert len(TaskRow(designated=[str(n) for n in range(10)]).designated_boxes) == 10


@pytest.mark.parametrize(
    "where, box, task, name",
    [
        ("title", "title", None, "title"),
        ("tasks", "tasks", None, "tasks"),
        ("plan", "plan-form", None, "form"),
        ("subdistrict_id", "plan-form", None, "form"),
        ("tasks[2]", "tasks-1", 2, "row"),
        ("tasks[1].name", "tasks-0-name", 1, "name"),
        ("tasks[1].need.skills", "tasks-0-skills", 1, "skills"),
        ("tasks[1].need.skills.0", "tasks-0-skills", 1, "skills"),
        ("tasks[3].need.head_count", "tasks-2-head_count", 3, "head_count"),
        ("tasks[1].need.radius_km", "tasks-0-extra", 1, "extra"),
        ("tasks[1].need", "tasks-0", 1, "row"),
        ("tasks[1].need.location.lon", "tasks-0-place_value", 1, "place"),
        ("tasks[1].place", "tasks-0-place_value", 1, "place"),
        ("tasks[1].place.location.lat", "tasks-0-place_value", 1, "place"),
        ("tasks[1].designated", "tasks-0-designated", 1, "designated"),
        ("tasks[1].designated[2]", "tasks-0-designated-1", 1, "designated"),
    ],
)
def test_each_problem_lands_on_its_box(where, box, task, name):
    found = box_error(where, "错")
    assert (found.box, found.task, found.name, found.message) == (box, task, name, "错")


def test_a_hidden_box_carries_plain_values_only():
    assert TaskRow(extra='{"radius_km": 5, "window": {"a": [1]}}').extras == {"radius_km": 5}
    assert TaskRow(extra="[" * 100_000).extras == {}  # nested past what a reader can follow: nothing
