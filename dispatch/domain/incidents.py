"""Incidents (突发事件) and needs (需求信息): their vocabulary and the rules that need no database."""

from __future__ import annotations

from datetime import datetime
from enum import Enum


class IncidentCategory(str, Enum):
    NATURAL_DISASTER = "natural_disaster"  # 自然灾害
    ACCIDENT = "accident"  # 事故灾难
    PUBLIC_HEALTH = "public_health"  # 公共卫生事件
    SOCIAL_SECURITY = "social_security"  # 社会安全事件


class IncidentLevel(str, Enum):
    I = "I"  # 特别重大  # noqa: E741  (the levels are Roman numerals by law)
    II = "II"  # 重大
    III = "III"  # 较大
    IV = "IV"  # 一般


class IncidentStatus(str, Enum):
    ACTIVE = "active"
    RECOVERY = "recovery"
    CLOSED = "closed"


INCIDENT_FLOW = {IncidentStatus.ACTIVE: IncidentStatus.RECOVERY, IncidentStatus.RECOVERY: IncidentStatus.CLOSED}


class Priority(str, Enum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"


PRIORITY_WEIGHT = {Priority.URGENT: 3, Priority.HIGH: 2, Priority.NORMAL: 1}


class DispatchPolicy(str, Enum):
    BROADCAST = "broadcast"  # offer to the top K at once; the first to accept fill it
    SEQUENTIAL = "sequential"  # one offer at a time


class NeedStatus(str, Enum):
    OPEN = "open"  # still lacks people; offers may be out
    FILLED = "filled"  # accepted head count reached
    UNFILLED = "unfilled"  # no candidate left; the duty officer has been alerted
    CANCELLED = "cancelled"
    CLOSED = "closed"


class InvalidIncidentTransition(Exception):
    def __init__(self, status: IncidentStatus, wanted: IncidentStatus) -> None:
        super().__init__(f"an incident cannot go from {status.value} to {wanted.value}")
        self.status, self.wanted = status, wanted


def next_incident_status(status: IncidentStatus, wanted: IncidentStatus) -> IncidentStatus:
    """Incidents only move forward: active → recovery → closed."""
    if INCIDENT_FLOW.get(status) is not wanted:
        raise InvalidIncidentTransition(status, wanted)
    return wanted


def window_is_valid(starts: datetime | None, ends: datetime | None) -> bool:
    return starts is None or ends is None or ends > starts
