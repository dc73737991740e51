"""Emergency plans from YAML: the tasks they describe, written back as the same text, and every problem with its line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch.domain.drill_scenario import InvalidScenario, parse_scenario
from dispatch.domain.incidents import DispatchPolicy, IncidentCategory, IncidentLevel, Priority
from dispatch.domain.plans.document import (
    MAX_DESIGNATED,
    MAX_TASKS,
    PLACE_TEXTS,
    InvalidPlan,
    Place,
    PlanDocument,
    PlanTask,
    parse_plan,
    plan_yaml,
)
from dispatch.domain.skills import SKILL_CODES
from dispatch.domain.yaml_documents import visible_text
from dispatch.messages import MESSAGES, message
from dispatch.schemas.dispatching import NeedIn

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "docs" / "example-plan.yaml"

GOOD = """\
title: 西溪街道防台风预案
category: natural_disaster
min_level: III
tasks:
  - name: 转移低洼地区群众
    need:
      skills: [rescue]
      head_count: 20
      priority: urgent
    place: {cell: "330106004003-02"}
    designated: [西溪应急救援队, 西溪防汛抢险队]
  - name: 走访独居老人
    need: {skills: [elderly_care], head_count: 6}
    place: {location: {lon: 120.15, lat: 30.28, system: gcj02}}
"""

TASK = "  - name: {name}\n    need: {{skills: [logistics], head_count: 2}}\n    place: {{address: 文三路}}\n"


def plan_with(*tasks: str, top: str = "title: 预案\ncategory: accident\nmin_level: IV\n") -> str:
    return top + "tasks:\n" + "".join(tasks)


def problems(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(InvalidPlan) as caught:
        parse_plan(text)
    return [(p.line, p.field, p.code) for p in caught.value.problems]


def test_a_plan_is_its_title_coverage_and_tasks():
    plan = parse_plan(GOOD)
    assert (plan.title, plan.category, plan.min_level, plan.auto_start) == (
        "西溪街道防台风预案",
        IncidentCategory.NATURAL_DISASTER,
        IncidentLevel.III,
        False,
    )
    first, second = plan.tasks
    assert (first.number, first.name, first.need["head_count"], first.line) == (1, "转移低洼地区群众", 20, 5)
    assert first.place == Place("cell", "330106004003-02") and first.place.line == 10
    assert first.designated == ("西溪应急救援队", "西溪防汛抢险队") and first.designated_lines == (11, 11)
    assert first.line_of("priority") == 9 and first.line_of("description") == 5  # a field not written: the task's line
    assert second.place == Place("location", {"lon": 120.15, "lat": 30.28, "system": "gcj02"}) and second.designated == ()


def test_the_example_plan_is_a_typhoon_plan_for_xixi_whose_needs_the_needs_api_takes():
    plan = parse_plan(EXAMPLE.read_text(encoding="utf-8"))
    assert "西溪街道" in plan.title and plan.category is IncidentCategory.NATURAL_DISASTER
    assert 5 <= len(plan.tasks) <= 8
    for task in plan.tasks:
        assert set(task.need["skills"]) <= SKILL_CODES, task.name
        NeedIn.model_validate({**task.need, "address": "文三路"})  # the place comes from the task, not the need
    assert {task.place.kind for task in plan.tasks} == set(PLACE_TEXTS) | {"location"}


@pytest.mark.parametrize("text", [GOOD, EXAMPLE.read_text(encoding="utf-8")])
def test_a_plan_written_back_as_yaml_reads_as_the_same_plan(text):
    plan = parse_plan(text)
    assert parse_plan(plan_yaml(plan)) == plan


def test_the_same_plan_written_two_ways_is_the_same_plan():
    flowing = GOOD.replace(
        "    need:\n      skills: [rescue]\n      head_count: 20\n      priority: urgent\n",
        "    need: {priority: urgent, head_count: 20, skills: [rescue]}\n",
    )
    assert flowing != GOOD and parse_plan(flowing) == parse_plan(GOOD)  # where a task was written is not what it is
    assert parse_plan(GOOD.replace("head_count: 20", "head_count: 21")) != parse_plan(GOOD)
    assert parse_plan(GOOD.replace("西溪应急救援队, 西溪防汛抢险队", "西溪防汛抢险队, 西溪应急救援队")) != parse_plan(GOOD)


def test_codes_and_names_are_read_as_written_not_as_numbers():
    text = plan_with("  - name: 2026\n    need: {skills: [logistics], head_count: 2}\n    place: {community: 0330}\n")
    task = parse_plan(text).tasks[0]
    assert (task.name, task.place.value) == ("2026", "0330")  # YAML would read 0330 as octal 216


def test_auto_start_is_for_level_i_plans_only():
    level_i = parse_plan(GOOD.replace("min_level: III", "min_level: I\nauto_start: true"))
    assert level_i.auto_start is True
    assert problems(GOOD.replace("min_level: III", "min_level: III\nauto_start: true")) == [
        (4, "auto_start", "plan.auto_start_below_level_i")
    ]
    assert problems(GOOD.replace("min_level: III", "min_level: III\nauto_start: 是")) == [(4, "auto_start", "bool_type")]


def test_a_place_is_exactly_one_kind():
    two = GOOD.replace('place: {cell: "330106004003-02"}', "place: {cell: 330106004003-02, address: 文三路}")
    assert problems(two) == [(10, "tasks[1].place", "plan.two_places")]
    assert problems(GOOD.replace('place: {cell: "330106004003-02"}', "place: {}")) == [(10, "tasks[1].place", "plan.no_place")]
    unknown = GOOD.replace('place: {cell: "330106004003-02"}', "place: {street: 文三路}")
    assert problems(unknown) == [(10, "tasks[1].place", "plan.unknown_key"), (10, "tasks[1].place", "plan.no_place")]


def test_the_place_is_the_tasks_not_the_needs():
    text = plan_with(
        "  - name: 巡查\n    need:\n      skills: [patrol_security]\n      address: 文三路\n    place: {address: 文三路}\n"
    )
    assert problems(text) == [(8, "tasks[1].need.address", "plan.place_in_need")]


def test_a_designated_organization_is_asked_once():
    text = GOOD.replace(
        "[西溪应急救援队, 西溪防汛抢险队]", "\n      - 西溪应急救援队\n      - 西溪防汛抢险队\n      - 西溪应急救援队"
    )
    assert problems(text) == [(14, "tasks[1].designated[3]", "plan.designated_repeated")]


def test_no_more_designated_organizations_or_tasks_than_the_limits():
    names = ", ".join(f"队伍{n}" for n in range(MAX_DESIGNATED + 1))
    assert problems(GOOD.replace("西溪应急救援队, 西溪防汛抢险队", names)) == [(11, "tasks[1].designated", "too_long")]
    tasks = [TASK.format(name=f"任务{n}") for n in range(MAX_TASKS + 1)]
    assert problems(plan_with(*tasks)) == [(4, "tasks", "plan.too_many_tasks")]


def test_task_names_are_unique_within_the_plan():
    assert problems(plan_with(TASK.format(name="装沙袋"), TASK.format(name="巡查"), TASK.format(name="装沙袋"))) == [
        (11, "tasks[3].name", "plan.duplicate_task")
    ]


def test_aliases_are_refused_so_a_small_file_cannot_grow_in_memory():
    text = plan_with(
        "  - name: 装沙袋\n    need: &n {skills: [logistics], head_count: 2}\n    place: {address: 文三路}\n",
        "  - name: 巡查\n    need: *n\n    place: {address: 文三路}\n",
    )
    assert problems(text) == [(6, "tasks[2].need", "plan.alias")]  # where the anchor is
    assert problems(
        GOOD.replace("title: 西溪街道防台风预案", "title: &t 西溪街道防台风预案").replace("- name: 走访独居老人", "- name: *t")
    ) == [(1, "tasks[2].name", "plan.alias")]  # where the anchor is


def test_every_problem_is_reported_with_its_line_not_just_the_first():
    text = """\
title: ''
category: flood
min_level: V
auto_start: maybe
colour: red
tasks:
  - name: [转移]
    need: [rescue]
    place: 文三路
  - need: {skills: [rescue], head_count: 2}
    place: {location: {lon: 东经120度}}
    designated: 西溪应急救援队
  - name: 清理倒伏树木
    need: {skills: [rescue], head_count: 2}
    place: {landmark: '', cell: 330106004003-02-0000000000000000000000000}
  - name: 巡查
    need: {skills: [patrol_security], head_count: 2, location: {lon: 120.1, lat: 30.2}}
    place: {cell: 330106004003-02-0000000000000000000000000}
  - 扫地
"""
    assert problems(text) == [
        (5, "plan", "plan.unknown_key"),
        (1, "title", "plan.blank"),
        (2, "category", "enum"),
        (3, "min_level", "enum"),
        (4, "auto_start", "bool_type"),
        (7, "tasks[1].name", "string_type"),
        (8, "tasks[1].need", "plan.not_mapping"),
        (9, "tasks[1].place", "plan.not_mapping"),
        (10, "tasks[2].name", "plan.missing"),
        (11, "tasks[2].place.location.lon", "float_type"),
        (11, "tasks[2].place.location.lat", "plan.missing"),
        (12, "tasks[2].designated", "list_type"),
        (15, "tasks[3].place", "plan.two_places"),
        (17, "tasks[4].need.location", "plan.place_in_need"),
        (18, "tasks[4].place.cell", "string_too_long"),
        (19, "tasks[5]", "plan.not_mapping"),
    ]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("", [(None, "plan", "plan.empty")]),
        ("title: 预案\ntasks: [\n", [(3, "plan", "plan.not_yaml")]),
        ("[" * 5000, [(None, "plan", "plan.too_deep")]),
        ("- 预案\n", [(1, "plan", "plan.not_mapping")]),
        ("category: accident\n", [(1, "title", "plan.missing"), (1, "min_level", "plan.missing"), (1, "tasks", "plan.missing")]),
        (
            plan_with(TASK.format(name="装沙袋"), top="title: 预案\ntitle: 预案\ncategory: accident\nmin_level: IV\n"),
            [(2, "plan", "plan.duplicate_key")],
        ),
        (plan_with(top="title: 预案\ncategory: accident\nmin_level: IV\n") + "  []\n", [(4, "tasks", "plan.no_tasks")]),
        (plan_with(TASK.format(name="x" * 101)), [(5, "tasks[1].name", "string_too_long")]),
        (
            plan_with(TASK.format(name="装沙袋").replace("    place: {address: 文三路}\n", "")),
            [(5, "tasks[1].place", "plan.missing")],
        ),
        (plan_with(TASK.format(name="装沙袋") + "    designated: ['  ']\n"), [(8, "tasks[1].designated[1]", "plan.blank")]),
    ],
)
def test_each_problem_has_its_code_and_line(text, found):
    assert problems(text) == found


def test_a_plan_past_the_size_limit_is_refused_before_it_is_read():
    assert problems("#" * 200_001) == [(None, "plan", "plan.too_large")]


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("", None, "empty"),
        ("title: [\n", 2, "not_yaml"),
        ("[" * 5000, None, "too_deep"),
        ("- 演练\n", 1, "not_mapping"),
        ("title: 一\ntitle: 二\n", 2, "duplicate_key"),
        ("title: &t 一\ncategory: *t\n", 1, "alias"),
    ],
)
def test_drills_and_plans_are_read_alike_each_in_its_own_words(text, line, problem):
    with pytest.raises(InvalidScenario) as caught:
        parse_scenario(text)
    assert (line, f"drill.{problem}") in [(p.line, p.code) for p in caught.value.problems]
    assert (line, f"plan.{problem}") in [(found_line, code) for found_line, _, code in problems(text)]


def test_every_code_a_plan_can_give_has_both_languages():
    source = (ROOT / "dispatch" / "domain" / "plans" / "document.py").read_text(encoding="utf-8")
    own = set(re.findall(r'"(plan\.[a-z_.]+)"', source))
    pydantics = set(re.findall(r'self\.problem\([^,]+, [^,]+, "([a-z_]+)"', source))  # string_type, bool_type, ...
    assert len(own) >= 17 and len(pydantics) >= 5 and (own | pydantics) - set(MESSAGES) == set()


def _text(max_size: int) -> st.SearchStrategy[str]:
    return st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=max_size).map(visible_text).filter(bool)


_NEEDS = st.fixed_dictionaries(
    {"skills": st.lists(st.sampled_from(sorted(SKILL_CODES)), min_size=1, max_size=5), "head_count": st.integers(1, 1000)},
    optional={
        "description": st.text(st.characters(exclude_categories=("Cs",)), max_size=50),
        "priority": st.sampled_from([p.value for p in Priority]),
        "policy": st.sampled_from([p.value for p in DispatchPolicy]),
        "broadcast_k": st.integers(1, 20),
        "offer_timeout_s": st.integers(30, 86_400),
        "radius_km": st.floats(0.1, 200),
    },
)
_POINTS = st.fixed_dictionaries(
    {"lon": st.floats(-180, 180), "lat": st.floats(-90, 90)}, optional={"system": st.sampled_from(["wgs84", "gcj02", "bd09"])}
)
_PLACES = st.one_of(
    *(st.builds(Place, st.just(kind), _text(limit)) for kind, limit in PLACE_TEXTS.items()),
    st.builds(Place, st.just("location"), _POINTS),
)
_TASKS = st.lists(
    st.tuples(_text(100), _NEEDS, _PLACES, st.lists(_text(100), max_size=MAX_DESIGNATED, unique=True)),
    min_size=1,
    max_size=4,
    unique_by=lambda task: task[0],
)


@st.composite
def plans(draw: st.DrawFn) -> PlanDocument:
    level = draw(st.sampled_from(IncidentLevel))
    tasks = tuple(
        PlanTask(number, name, need, place, tuple(designated), 0, {})
        for number, (name, need, place, designated) in enumerate(draw(_TASKS), start=1)
    )
    auto_start = level is IncidentLevel.I and draw(st.booleans())
    return PlanDocument(draw(_text(200)), draw(st.sampled_from(IncidentCategory)), level, auto_start, tasks)


@given(plans())
def test_any_plan_written_as_yaml_reads_back_as_itself(plan):
    assert parse_plan(plan_yaml(plan)) == plan


@pytest.mark.parametrize(
    "text, kind",
    [
        ("title: 预案\n\tcategory: accident\n", "yaml.tab"),
        ("title: 预案: 修订\n", "yaml.colon"),
        ('title: "预案\n', "yaml.unclosed_quote"),
        ("title: [预案\n", "yaml.unclosed_bracket"),
        ("title: 预案\n- 任务\n", "yaml.indentation"),
        ("title: @预案\n", "yaml.bad_start"),
        ('title: "\\q"\n', "yaml.escape"),
        ("title: 预案\n---\ntitle: 二\n", "yaml.two_documents"),
        ("title: \x07\n", "yaml.control_character"),
    ],
)
def test_a_yaml_mistake_is_told_as_a_sentence_in_each_language_not_in_the_parsers_words(text, kind):
    with pytest.raises(InvalidPlan) as caught:
        parse_plan(text)
    (found,) = caught.value.problems
    chinese, english = (message(found.code, lang, **found.params) for lang in ("zh", "en"))
    assert found.code == "plan.not_yaml"  # the code stays: only the words are the kind's
    assert (chinese, english) == tuple(words.format(**found.params) for words in MESSAGES[kind])
    assert not re.search(r"[A-Za-z]{3,}", chinese.replace("YAML", "").replace("Tab", ""))  # no English in the Chinese
    assert not re.search(r"expected|found|token|scanning", english)


@pytest.mark.parametrize("tagged", ["!!binary aGk=", "!!int 五", "!!timestamp 明天", "!!python/object:os.system ls"])
def test_a_tagged_value_that_is_no_plain_value_is_refused_on_its_line(tagged):
    text = plan_with(TASK.format(name="装沙袋")).replace("head_count: 2", f"head_count: {tagged}")
    assert problems(text) == [(6, "tasks[1].need.head_count", "plan.bad_value")]


@pytest.mark.parametrize("blank", ["\u200b", "\u200b\u200c\u2060", " \u3000 ", "\ufeff", "\u3164"])
def test_a_title_or_task_name_of_invisible_characters_is_empty(blank):
    text = plan_with(TASK.format(name=f"'{blank}'")).replace("title: 预案", f"title: '{blank}'", 1)
    assert {(field, code) for _line, field, code in problems(text)} == {("title", "plan.blank"), ("tasks[1].name", "plan.blank")}


def test_invisible_characters_around_a_name_are_not_part_of_it():
    plan = parse_plan(plan_with(TASK.format(name="'\u200b装沙袋\u200b'")))
    assert plan.tasks[0].name == "装沙袋"
