"""A refusal about a state names the state and the action in words: "已拒绝的派单不能出发", "a declined offer cannot
depart", never "当前状态“declined”下不能“depart”"; and a conflict is called a duplicate only when it is one."""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path

import pytest

from dispatch.domain.assignments import TRANSITIONS, AssignmentAction, AssignmentState
from dispatch.domain.complaints import ComplaintStatus
from dispatch.domain.drills import DrillStatus
from dispatch.domain.incidents import IncidentCategory, IncidentStatus, NeedStatus
from dispatch.domain.recovery import RecoveryState
from dispatch.domain.risks import RiskStatus
from dispatch.message_words import (
    ASSIGNMENT_ACTIONS,
    ASSIGNMENT_OFFERS,
    ASSIGNMENT_STATES,
    COMPLAINT_STATUSES,
    DRILL_STATUSES,
    INCIDENT_CATEGORIES,
    INCIDENT_MOVES,
    INCIDENT_STATUSES,
    NEED_STATUSES,
    RECOVERY_STATES,
    RISK_STATUSES,
    WORDED,
)
from dispatch.messages import DUPLICATES, MESSAGES, message

ROOT = Path(__file__).resolve().parents[2]
STATE_PARAMS = {"state", "status", "action", "from", "to"}

EVERY_VALUE_HAS_WORDS = [
    (AssignmentState, ASSIGNMENT_STATES),
    (AssignmentState, ASSIGNMENT_OFFERS),
    (AssignmentAction, ASSIGNMENT_ACTIONS),
    (NeedStatus, NEED_STATUSES),
    (IncidentStatus, INCIDENT_STATUSES),
    (IncidentStatus, INCIDENT_MOVES),
    (RecoveryState, RECOVERY_STATES),
    (DrillStatus, DRILL_STATUSES),
    (ComplaintStatus, COMPLAINT_STATUSES),
    (RiskStatus, RISK_STATUSES),
]


@pytest.mark.parametrize(("values", "words"), EVERY_VALUE_HAS_WORDS, ids=lambda v: getattr(v, "__name__", ""))
def test_every_state_and_action_has_a_chinese_and_an_english_word(values: type[Enum], words):
    assert set(words) == {value.value for value in values}
    for zh, en in words.values():
        assert re.search(r"[\u4e00-\u9fff]", zh) and en.isascii() and "_" not in en


def test_a_declined_offer_cannot_depart():
    assert message("assignment.transition", "zh", state="declined", action="depart") == "已拒绝的派单不能出发"
    assert message("assignment.transition", "en", state="declined", action="depart") == "a declined offer cannot depart"


def test_every_refused_move_of_an_offer_reads_without_a_code():
    for state in AssignmentState:
        for action in set(AssignmentAction) - set(TRANSITIONS[state]):
            for language in ("zh", "en"):
                said = message("assignment.transition", language, state=state, action=action)
                assert "_" not in said and "“" not in said, said
                assert language == "en" or not re.search("[a-z]", said), said


def test_an_offer_that_ran_out_says_it_expired():
    assert message("offer.not_open", "zh", state="expired") == "该派单已过期，不能再接受或拒绝"
    assert message("offer.not_open", "en", state="expired") == "this offer is expired; it can no longer be answered"


def test_an_incident_in_recovery_takes_no_emergency_needs():
    assert message("incident.not_active", "zh", status="recovery") == "突发事件已转入恢复重建，不能再发布应急需求"
    assert message("incident.transition", "en", **{"from": "closed", "to": "recovery"}) == (
        "the incident is closed; it cannot move to recovery"
    )


def test_a_state_with_no_word_yet_still_gives_a_message():
    assert message("need.not_open", "zh", status="archived") == "该需求archived，不再派单"


def conflict_codes_in_source() -> dict[str, set[str]]:
    """Each code raised as a Conflict anywhere in dispatch/, with the names of its parameters."""
    raised = re.compile(r'Conflict\(\s*\[\s*FieldError\(\s*[^,]+,\s*"([a-z_.]+)"(?:,\s*\{([^}]*)\})?')
    found: dict[str, set[str]] = {}
    for path in (ROOT / "dispatch").rglob("*.py"):
        for code, params in raised.findall(path.read_text(encoding="utf-8")):
            found.setdefault(code, set()).update(re.findall(r'"([a-z_]+)":', params))
    return found


def test_the_conflicts_are_found_in_the_source():
    assert {"assignment.transition", "offer.not_open", "duplicate", "username.taken"} <= set(conflict_codes_in_source())


def test_every_conflict_is_a_duplicate_or_names_its_state_in_words():
    for code, params in conflict_codes_in_source().items():
        assert code in MESSAGES, code
        if code in DUPLICATES:
            continue
        states = params & STATE_PARAMS
        assert states <= set(WORDED.get(code, {})), (code, states)


def test_no_message_about_a_state_quotes_it_as_a_code():
    for code in WORDED:
        zh, _en = MESSAGES[code]
        assert "当前状态" not in zh and "“{" not in zh, code


@pytest.mark.parametrize(
    ("language", "said"),
    [("zh", "找不到该地址。相近的地名：翠苑一区、翠苑二区"), ("en", "address not found. Close names: 翠苑一区、翠苑二区")],
)
def test_an_unknown_address_lists_the_close_names(language, said):
    assert message("address.not_found", language, suggestions="翠苑一区、翠苑二区") == said


@pytest.mark.parametrize("nothing", ["", "—"])
def test_an_unknown_address_with_no_close_name_says_so_and_what_to_do(nothing):
    said = message("address.not_found", "zh", suggestions=nothing)
    assert said == "找不到该地址，也没有相近的地名；请在地图上点选位置，或填写经纬度"
    assert message("address.not_found", "en", suggestions=nothing).startswith("address not found, and no place name")


def test_a_plan_that_does_not_cover_says_the_category_in_words():
    assert message("plan.not_covering", "zh", category="public_health", level="II").startswith(
        "该预案不适用于此事件（公共卫生事件，II 级）"
    )
    assert "(public health event, level II)" in message("plan.not_covering", "en", category="public_health", level="II")
    assert INCIDENT_CATEGORIES.keys() == {category.value for category in IncidentCategory}
