"""The words for states and actions inside messages: "已拒绝的派单不能出发", not "当前状态“declined”下不能“depart”".

A message code raised on a state conflict carries the stored values (``declined``, ``depart``); ``WORDED`` says
which of its parameters is which kind of value, and the tables give each value in Chinese and English, with the
words the pages already use for the same states (已过期, 在路上, 已放弃 ...).
"""

from __future__ import annotations

from typing import Any

Words = dict[str, tuple[str, str]]

ASSIGNMENT_STATES: Words = {
    "offered": ("待答复", "open"),
    "accepted": ("已接受", "accepted"),
    "declined": ("已拒绝", "declined"),
    "expired": ("已过期", "expired"),
    "withdrawn": ("已撤回", "withdrawn"),
    "en_route": ("在路上", "on the way"),
    "on_site": ("已到达", "on site"),
    "completed": ("已完成", "completed"),
    "aborted": ("已放弃", "given up"),
    "cancelled": ("已取消", "cancelled"),
}
ASSIGNMENT_OFFERS: Words = {  # the offer itself, by its state: the subject of "... cannot depart"
    "offered": ("待答复的派单", "an open offer"),
    "accepted": ("已接受的派单", "an accepted offer"),
    "declined": ("已拒绝的派单", "a declined offer"),
    "expired": ("已过期的派单", "an expired offer"),
    "withdrawn": ("已撤回的派单", "a withdrawn offer"),
    "en_route": ("在路上的派单", "an offer on the way"),
    "on_site": ("已到达的派单", "an offer on site"),
    "completed": ("已完成的派单", "a completed offer"),
    "aborted": ("已放弃的派单", "an offer given up"),
    "cancelled": ("已取消的派单", "a cancelled offer"),
}
ASSIGNMENT_ACTIONS: Words = {
    "accept": ("接受", "be accepted"),
    "decline": ("拒绝", "be declined"),
    "expire": ("过期", "expire"),
    "withdraw": ("撤回", "be withdrawn"),
    "depart": ("出发", "depart"),
    "arrive": ("到达", "arrive"),
    "complete": ("完成", "be completed"),
    "abort": ("放弃", "be given up"),
    "cancel": ("取消", "be cancelled"),
}
NEED_STATUSES: Words = {
    "open": ("正在派单", "open"),
    "filled": ("已满足", "filled"),
    "unfilled": ("未满足（已无可派的组织）", "unfilled (no one left to ask)"),
    "cancelled": ("已取消", "cancelled"),
    "closed": ("已结束", "closed"),
}
INCIDENT_STATUSES: Words = {
    "active": ("正在应急处置", "active"),
    "recovery": ("已转入恢复重建", "in recovery"),
    "closed": ("已结束", "closed"),
}
INCIDENT_MOVES: Words = {
    "active": ("回到应急处置阶段", "go back to the emergency response"),
    "recovery": ("转入恢复重建", "move to recovery"),
    "closed": ("结束", "be closed"),
}
RECOVERY_STATES: Words = {
    "waiting": ("等待组织接单", "waiting for an organization"),
    "in_progress": ("正在施工", "under way"),
    "done": ("已完成，待确认", "done, waiting to be confirmed"),
    "confirmed": ("已确认", "confirmed"),
}
DRILL_STATUSES: Words = {
    "running": ("进行中", "running"),
    "finished": ("步骤已全部执行", "finished: every step has run"),
    "stopped": ("已停止", "stopped"),
}
COMPLAINT_STATUSES: Words = {
    "open": ("待处理", "open"),
    "upheld": ("属实", "upheld"),
    "dismissed": ("不属实", "dismissed"),
}
RISK_STATUSES: Words = {
    "open": ("已报送街道", "in the subdistrict's inbox"),
    "incident": ("已立为突发事件", "an incident was opened"),
    "need": ("已派人处置", "help was sent"),
    "dismissed": ("已关闭", "closed"),
}

# which parameter of which message code holds which kind of value
WORDED: dict[str, dict[str, Words]] = {
    "assignment.transition": {"state": ASSIGNMENT_OFFERS, "action": ASSIGNMENT_ACTIONS},
    "offer.not_open": {"state": ASSIGNMENT_STATES},
    "recovery.not_active": {"state": ASSIGNMENT_STATES},
    "recovery.not_done": {"state": RECOVERY_STATES},
    "need.not_open": {"status": NEED_STATUSES},
    "incident.transition": {"from": INCIDENT_STATUSES, "to": INCIDENT_MOVES},
    "incident.not_active": {"status": INCIDENT_STATUSES},
    "incident.not_recovering": {"status": INCIDENT_STATUSES},
    "drill.not_running": {"status": DRILL_STATUSES},
    "complaint.decided": {"status": COMPLAINT_STATUSES},
    "risk.handled": {"status": RISK_STATUSES},
}


INCIDENT_CATEGORIES: Words = {
    "natural_disaster": ("自然灾害", "natural disaster"),
    "accident": ("事故灾难", "accident"),
    "public_health": ("公共卫生事件", "public health event"),
    "social_security": ("社会安全事件", "social security event"),
}

# codes whose parameters hold terms (a category), not states: said in words too, but no state conflict
TERMS: dict[str, dict[str, Words]] = {
    "plan.not_covering": {"category": INCIDENT_CATEGORIES},
}


def worded(code: str, params: dict[str, Any], language: str) -> dict[str, Any]:
    """``params`` with each state or action of the message ``code`` put in words of ``language`` (zh or en).

    A value with no word (a state added later) stays as it is rather than breaking the message."""
    kinds = WORDED.get(code) or TERMS.get(code)
    if not kinds:
        return params
    side = 1 if language == "en" else 0
    return {name: _word(kinds.get(name), value, side) for name, value in params.items()}


def _word(words: Words | None, value: Any, side: int) -> Any:
    key = getattr(value, "value", value)
    return words[key][side] if words and key in words else value
