"""What a CAP warning is: its kind (台风、暴雨……), colour and the incident category and level it would open."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from dispatch.domain.incidents import IncidentCategory, IncidentLevel
from dispatch.domain.plans.cap import CapAlert, CapArea, CapInfo, InvalidAlert, MsgType, Status, read_alert
from dispatch.domain.plans.warning_types import (
    DEFAULT_KEYWORDS,
    WarningColour,
    WarningKind,
    WarningTable,
    WarningType,
    classify,
)

NATURAL = IncidentCategory.NATURAL_DISASTER
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cap"
SENT = datetime(2026, 9, 14, 10, 30, tzinfo=timezone(timedelta(hours=8)))
XIHU = CapArea("杭州市西湖区", (((120.05, 30.2), (120.2, 30.2), (120.2, 30.32), (120.05, 30.2)),), (), ())
BASE_INFO = CapInfo(
    language="zh-CN",
    event="台风",
    event_codes=(),
    categories=("Met",),
    urgency="Expected",
    severity="Unknown",
    certainty="Likely",
    effective=None,
    onset=None,
    expires=None,
    sender_name="杭州市气象台",
    headline="",
    description="",
    instruction="",
    parameters=(),
    areas=(XIHU,),
)


def make_alert(**info_fields) -> CapAlert:
    info = replace(BASE_INFO, **info_fields)
    return CapAlert(
        "33010041600000_20260914103000_0", "33010041600000", SENT, Status.ACTUAL, MsgType.ALERT, "Public", (), (info,)
    )


def kind_of(**info_fields) -> WarningKind:
    return classify(make_alert(**info_fields)).kind


def colour_of(**info_fields) -> WarningColour | None:
    return classify(make_alert(**info_fields)).colour


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("typhoon-xihu-orange.xml", WarningType(WarningKind.TYPHOON, WarningColour.ORANGE, NATURAL, IncidentLevel.II)),
        ("typhoon-xihu-update.xml", WarningType(WarningKind.TYPHOON, WarningColour.RED, NATURAL, IncidentLevel.I)),
        ("rainstorm-areadesc.xml", WarningType(WarningKind.RAINSTORM, WarningColour.YELLOW, NATURAL, IncidentLevel.III)),
    ],
)
def test_the_observatorys_warnings_open_natural_disasters_at_the_level_of_their_colour(name: str, expected: WarningType):
    assert classify(read_alert((FIXTURES / name).read_bytes())) == expected


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        ("台风", WarningKind.TYPHOON),
        ("暴雨", WarningKind.RAINSTORM),
        ("洪水", WarningKind.FLOOD),
        ("山洪灾害", WarningKind.FLOOD),
        ("大风", WarningKind.GALE),
        ("雷电", WarningKind.THUNDERSTORM),
        ("雷雨大风", WarningKind.THUNDERSTORM),  # not a gale, though it says 大风
        ("高温", WarningKind.HEAT),
        ("寒潮", WarningKind.COLD),
        ("大雾", WarningKind.FOG),
        ("地质灾害气象风险", WarningKind.GEOLOGICAL),
        ("山体滑坡", WarningKind.GEOLOGICAL),
        ("Typhoon", WarningKind.TYPHOON),
        ("Flash Flood Warning", WarningKind.FLOOD),
        ("Severe Thunderstorm", WarningKind.THUNDERSTORM),
        ("Dense FOG", WarningKind.FOG),
        ("Landslide", WarningKind.GEOLOGICAL),
        ("沙尘暴", WarningKind.OTHER),
    ],
)
def test_the_event_names_the_kind_in_chinese_or_english(event: str, kind: WarningKind):
    assert kind_of(event=event) is kind


def test_the_headline_names_the_kind_when_the_event_does_not():
    assert kind_of(event="气象灾害预警", headline="杭州市气象台发布大雾黄色预警") is WarningKind.FOG


def test_the_event_code_names_the_kind_before_any_text():
    assert kind_of(event="强对流天气", event_codes=(("预警事件类型", "11B20"),)) is WarningKind.THUNDERSTORM
    assert kind_of(event="台风", event_codes=(("预警事件类型", "11B06"),)) is WarningKind.GALE
    # 11B062 is no code the table knows, though it starts like 11B06: the text decides
    assert kind_of(event="台风", event_codes=(("预警事件类型", "11B062"),)) is WarningKind.TYPHOON


def test_an_english_keyword_must_start_a_word():
    assert kind_of(event="Nightingale concert") is WarningKind.OTHER


def test_an_unknown_weather_event_is_a_natural_disaster_of_kind_other():
    for category in ("Met", "Geo", "Env"):
        warning = classify(make_alert(event="沙尘暴", categories=("Safety", category), severity="Severe"))
        assert warning == WarningType(WarningKind.OTHER, WarningColour.ORANGE, NATURAL, IncidentLevel.II)


def test_an_unknown_event_that_is_not_weather_is_refused_rather_than_guessed():
    with pytest.raises(InvalidAlert) as caught:
        classify(make_alert(event="森林火险", categories=("Fire",)))

    (problem,) = caught.value.problems
    assert (problem.field, problem.code, problem.params) == ("info[1].event", "cap.unknown_event", {"event": "森林火险"})


def test_an_alert_without_info_cannot_be_classified():
    alert = replace(make_alert(), msg_type=MsgType.CANCEL, infos=())

    with pytest.raises(InvalidAlert) as caught:
        classify(alert)
    assert [(p.field, p.code) for p in caught.value.problems] == [("info", "cap.no_info")]


def test_colour_comes_from_a_colour_parameter_first_then_the_event_code_then_the_text_then_the_severity():
    stated = {
        "parameters": (("预警颜色", "红色"),),
        "event_codes": (("预警事件类型", "11B01_Orange"),),
        "headline": "杭州市气象台发布台风黄色预警",
        "event": "台风蓝色预警",
        "severity": "Minor",
    }
    assert colour_of(**stated) is WarningColour.RED
    assert colour_of(**stated | {"parameters": ()}) is WarningColour.ORANGE
    assert colour_of(**stated | {"parameters": (), "event_codes": ()}) is WarningColour.YELLOW
    assert colour_of(**stated | {"parameters": (), "event_codes": (), "headline": ""}) is WarningColour.BLUE
    unstated = {"parameters": (), "event_codes": (), "headline": "", "event": "台风"}
    assert colour_of(**stated | unstated | {"severity": "Extreme"}) is WarningColour.RED


@pytest.mark.parametrize(
    ("severity", "colour", "level"),
    [
        ("Extreme", WarningColour.RED, IncidentLevel.I),
        ("Severe", WarningColour.ORANGE, IncidentLevel.II),
        ("Moderate", WarningColour.YELLOW, IncidentLevel.III),
        ("Minor", WarningColour.BLUE, IncidentLevel.IV),
        ("Orange", WarningColour.ORANGE, IncidentLevel.II),  # feeds that write the colour in severity
        ("Unknown", None, None),
    ],
)
def test_without_a_stated_colour_the_severity_decides_and_the_colour_sets_the_level(severity: str, colour, level):
    warning = classify(make_alert(severity=severity))

    assert (warning.colour, warning.level) == (colour, level)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("预警颜色", "橙色"),
        ("预警颜色", "橙"),
        ("colour", "Orange"),
        ("Color", "orange warning"),
        ("level", "Ⅱ级"),
        ("level", "II"),
        ("预警级别", "2"),
        ("预警等级", "二级"),
    ],
)
def test_a_colour_parameter_may_name_the_colour_or_the_level(name: str, value: str):
    assert colour_of(parameters=(("台风编号", "2614"), (name, value)), severity="Minor") is WarningColour.ORANGE


def test_other_parameters_say_nothing_about_the_colour():
    assert colour_of(parameters=(("台风编号", "2614"),), severity="Unknown") is None  # the 4 of 2614 is no level IV


def test_a_headline_that_changes_colour_ends_on_the_colour_that_holds():
    assert colour_of(headline="杭州市气象台将台风黄色预警升级为红色预警") is WarningColour.RED
    assert colour_of(headline="杭州市气象台将暴雨橙色预警降级为蓝色预警") is WarningColour.BLUE


def test_english_colours_are_whole_words():
    assert colour_of(headline="Hangzhou issues an Orange typhoon warning") is WarningColour.ORANGE
    assert colour_of(headline="Reduced visibility, blueprint for shelters", severity="Moderate") is WarningColour.YELLOW


def test_a_deployment_can_pass_its_own_table():
    local = WarningTable(
        keywords=DEFAULT_KEYWORDS | {"龙卷风": WarningKind.GALE},
        event_codes={"ZJ-TY": WarningKind.TYPHOON},
        colour_parameters=("信号",),
    )

    assert kind_of(event="龙卷风") is WarningKind.OTHER
    assert classify(make_alert(event="龙卷风"), local).kind is WarningKind.GALE
    assert classify(make_alert(event="大风", event_codes=(("省级代码", "ZJ-TY"),)), local).kind is WarningKind.TYPHOON
    assert colour_of(parameters=(("信号", "红色"),), severity="Minor") is WarningColour.BLUE
    assert classify(make_alert(parameters=(("信号", "红色"),), severity="Minor"), local).colour is WarningColour.RED
