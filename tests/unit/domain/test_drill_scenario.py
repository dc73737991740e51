"""Drill scenarios from YAML: the timed steps they describe, and every problem with its line when they are wrong."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dispatch.domain.drill_scenario import (
    MAX_STEPS,
    InvalidScenario,
    as_yaml_reads,
    parse_offset,
    parse_scenario,
    scenario_yaml,
)
from dispatch.domain.incidents import IncidentCategory, IncidentLevel
from dispatch.messages import MESSAGES

SAMPLE = Path(__file__).resolve().parents[3] / "docs" / "drills" / "typhoon-sandbags.yaml"

GOOD = """\
title: 台风防汛演练
level: III
steps:
  - at: 0m
    need:
      skills: [logistics]
      head_count: 20
      address: 文新社区
      description: 装填沙袋
  - at: 5m
    need: {skills: [first_aid], head_count: 4, location: {lon: 120.1, lat: 30.27}}
"""


def problems(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(InvalidScenario) as caught:
        parse_scenario(text)
    return [(p.line, p.field, p.code) for p in caught.value.problems]


def test_a_scenario_is_its_title_and_timed_needs():
    scenario = parse_scenario(GOOD)
    assert (scenario.title, scenario.category, scenario.level) == (
        "台风防汛演练",
        IncidentCategory.NATURAL_DISASTER,
        IncidentLevel.III,
    )
    first, second = scenario.steps
    assert (first.number, first.offset_s, first.line, first.need["head_count"]) == (1, 0, 4, 20)
    assert first.line_of("description") == 9 and first.line_of("radius_km") == 4  # a field not written: the step's line
    assert (second.offset_s, second.need["location"]) == (300, {"lon": 120.1, "lat": 30.27})


def test_level_defaults_to_general_and_the_sample_file_parses():
    scenario = parse_scenario(SAMPLE.read_text(encoding="utf-8"))
    assert scenario.level is IncidentLevel.IV and len(scenario.steps) >= 2
    assert [s.offset_s for s in scenario.steps] == sorted(s.offset_s for s in scenario.steps)


@pytest.mark.parametrize(
    ("written", "seconds"),
    [("0m", 0), (0, 0), ("90s", 90), ("5m", 300), ("5 min", 300), ("+5m", 300), ("1h", 3600), ("1h30m", 5400)],
)
def test_offsets_are_written_with_a_unit(written, seconds):
    assert parse_offset(written) == seconds


@pytest.mark.parametrize("written", ["5", 5, 90, "m", "", "5 minutes", "-5m", True, None, "1:30"])
def test_anything_else_is_not_an_offset(written):
    assert parse_offset(written) is None


def test_text_that_is_not_yaml_names_the_line_yaml_stopped_at():
    assert problems("title: 演练\nsteps:\n  - at: 0m\n    need: {skills: [logistics]\n") == [(5, "scenario", "drill.not_yaml")]


def test_a_character_yaml_cannot_read_names_its_line():
    assert problems("title: 演练\nsteps: \x9a\n") == [(2, "scenario", "drill.not_yaml")]


@pytest.mark.parametrize("text", ["[" * 5000, "- " * 3000])
def test_a_scenario_nested_deeper_than_yaml_can_read_is_refused(text):
    assert problems(text) == [(None, "scenario", "drill.too_deep")]


@pytest.mark.parametrize("text", ["", "# only a comment\n"])
def test_an_empty_file_is_refused(text):
    assert problems(text) == [(None, "scenario", "drill.empty")]


def test_a_list_at_the_top_is_not_a_scenario():
    assert problems("- at: 0m\n") == [(1, "scenario", "drill.not_mapping")]


def test_missing_title_and_steps_are_both_reported():
    assert problems("level: IV\n") == [(1, "title", "drill.missing"), (1, "steps", "drill.no_steps_or_plan")]


def test_every_problem_is_reported_with_its_line_not_just_the_first():
    text = """\
title: 演练
colour: red
category: flood
steps:
  - at: 10m
    need: {skills: [logistics], head_count: 2, address: 文新社区}
  - at: soon
    need: {skills: [logistics], head_count: 2, address: 文新社区}
  - at: 5m
    need: {skills: [logistics], head_count: 2, address: 文新社区}
  - at: 20m
  - at: 25m
    need: [logistics]
    when: later
"""
    assert problems(text) == [
        (2, "scenario", "drill.unknown_key"),
        (3, "category", "enum"),
        (7, "steps[2].at", "drill.bad_offset"),
        (11, "steps[4].need", "drill.step_without_need"),
        (14, "steps[5]", "drill.unknown_key"),
        (13, "steps[5].need", "drill.not_mapping"),
        (9, "steps[3].at", "drill.out_of_order"),
    ]


def test_a_repeated_key_is_refused_not_silently_overwritten():
    assert problems(GOOD.replace("level: III\n", "level: III\nlevel: IV\n")) == [(3, "scenario", "drill.duplicate_key")]


def test_no_more_than_the_step_limit():
    step = "  - at: 0m\n    need: {skills: [logistics], head_count: 1, address: x}\n"
    assert problems("title: 演练\nsteps:\n" + step * (MAX_STEPS + 1)) == [(2, "steps", "drill.too_many_steps")]


def test_an_empty_step_list_and_a_far_offset_are_refused():
    assert problems("title: 演练\nsteps: []\n") == [(2, "steps", "drill.no_steps")]
    far = "title: 演练\nsteps:\n  - at: 25h\n    need: {skills: [logistics], head_count: 1, address: x}\n"
    assert problems(far) == [(3, "steps[1].at", "drill.offset_too_far")]


def test_aliases_are_refused_so_a_small_file_cannot_grow_in_memory():
    text = "title: 演练\nsteps:\n  - at: 0m\n    need: &n {skills: [logistics], head_count: 1, address: x}\n  - at: 1m\n    need: *n\n"
    assert problems(text) == [(4, "steps[2].need", "drill.alias")]


def test_a_blank_title_is_refused():
    assert problems(GOOD.replace("台风防汛演练", "''")) == [(1, "title", "drill.bad_title")]


def test_every_code_a_drill_can_give_has_both_languages():
    domain = Path(__file__).resolve().parents[3] / "dispatch" / "domain"
    source = "".join((domain / name).read_text() for name in ("drill_scenario.py", "drill_report.py"))
    codes = set(re.findall(r'"(drill\.[a-z_.]+)"', source)) - {"drill.step", "drill.step_failed"}  # event kinds
    assert len(codes) > 15 and codes - set(MESSAGES) == set()


def test_the_same_drill_written_two_ways_is_the_same_scenario():
    flowing = GOOD.replace(
        "    need:\n      skills: [logistics]\n      head_count: 20\n      address: 文新社区\n      description: 装填沙袋\n",
        "    need: {description: 装填沙袋, address: 文新社区, head_count: 20, skills: [logistics]}\n",
    )
    assert flowing != GOOD
    assert parse_scenario(flowing) == parse_scenario(GOOD)  # where a step was written is not what it is
    assert parse_scenario(GOOD.replace("head_count: 20", "head_count: 21")) != parse_scenario(GOOD)


def test_a_scenario_given_as_plain_values_is_written_as_the_yaml_that_says_the_same():
    steps = [
        ("0m", {"skills": ["logistics"], "head_count": 20, "address": "文新社区", "description": "装填沙袋"}),
        ("5m", {"skills": ["first_aid"], "head_count": 4, "location": {"lon": 120.1, "lat": 30.27}}),
    ]
    assert parse_scenario(scenario_yaml("台风防汛演练", "natural_disaster", "III", steps)) == parse_scenario(GOOD)


def test_text_that_looks_like_yaml_stays_text():
    title = "演练: &a *a [1, 2] {x: 1} # 不是注释\n'引号' \"双引号\" - 列表"
    steps = [("0m", {"skills": ["logistics"], "head_count": 1, "address": "- *a", "description": "yes"})]
    scenario = parse_scenario(scenario_yaml(title, "accident", "IV", steps))
    assert scenario.title == title.strip() and scenario.steps[0].need["address"] == "- *a"
    assert scenario.steps[0].need["description"] == "yes"  # not True: a form's words are words


@pytest.mark.parametrize(
    ("typed", "read"), [("0", 0), ("5", 5), ("120.13", 120.13), ("-3", -3), ("5m", "5m"), ("五", "五"), ("", ""), ("yes", "yes")]
)
def test_a_typed_number_is_read_as_yaml_reads_it_and_anything_else_stays_the_text(typed, read):
    assert as_yaml_reads(typed) == read and type(as_yaml_reads(typed)) is type(read)


def test_a_title_of_invisible_characters_is_no_title():
    assert problems("title: '\u200b\u2060'\nsteps:\n  - at: 0m\n    need: {skills: [logistics], head_count: 1}\n") == [
        (1, "title", "drill.bad_title")
    ]


def test_a_tagged_value_yaml_cannot_make_plain_is_refused_on_its_line_not_a_crash():
    text = "title: 演练\nsteps:\n  - at: 0m\n    need: {skills: [logistics], head_count: !!int 三}\n"
    assert problems(text) == [(4, "steps[1].need.head_count", "drill.bad_value")]
