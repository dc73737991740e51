"""Risks reported from the ground (Article 6): what kind, and what the subdistrict made of each."""

from __future__ import annotations

from enum import Enum


class RiskCategory(str, Enum):
    FLOODING = "flooding"  # 积水内涝
    LANDSLIDE = "landslide"  # 山体滑坡
    FIRE = "fire"  # 火灾隐患
    STRUCTURE = "structure"  # 危房、广告牌等建筑隐患
    TRAFFIC = "traffic"  # 道路交通
    PUBLIC_HEALTH = "public_health"  # 公共卫生
    OTHER = "other"


class RiskStatus(str, Enum):
    OPEN = "open"  # in the subdistrict's inbox
    INCIDENT = "incident"  # an incident was opened from it
    NEED = "need"  # a need was posted for it in an incident
    DISMISSED = "dismissed"


class RiskHandled(Exception):
    def __init__(self, status: RiskStatus) -> None:
        super().__init__(f"the risk was handled already ({status.value})")
        self.status = status


def handle(current: RiskStatus, outcome: RiskStatus) -> RiskStatus:
    """A risk is handled once: an open report becomes an incident, a need, or is dismissed."""
    if current is not RiskStatus.OPEN:
        raise RiskHandled(current)
    if outcome is RiskStatus.OPEN:
        raise ValueError(outcome)
    return outcome
