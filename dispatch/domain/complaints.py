"""Complaints about an organization's conduct (Article 13): who decides them, and what a decision may be.

A complaint lands with the body that manages the organization (Article 3): the county's civil affairs for a
registered organization, the subdistrict for a filed one, the community for a guided one. Communities have no
login of their own here: the subdistrict's duty officers decide for them, as the body that guides the community.
"""

from __future__ import annotations

from enum import Enum

from dispatch.domain.registry import ManagingBody
from dispatch.domain.scope import Forbidden, Role


class ComplaintStatus(str, Enum):
    OPEN = "open"
    UPHELD = "upheld"  # counts against the organization in its evaluation
    DISMISSED = "dismissed"


OUTCOMES = frozenset({ComplaintStatus.UPHELD, ComplaintStatus.DISMISSED})

DECIDED_BY: dict[ManagingBody, Role] = {
    ManagingBody.COUNTY: Role.ADMIN,
    ManagingBody.SUBDISTRICT: Role.DUTY_OFFICER,
    ManagingBody.COMMUNITY: Role.DUTY_OFFICER,
}


class NotManagingBody(Forbidden):
    """The actor may read the complaint but another body decides it."""

    code = "complaint.not_managing_body"


class AlreadyDecided(Exception):
    def __init__(self, status: ComplaintStatus) -> None:
        super().__init__(f"the complaint is {status.value} already")
        self.status = status


def decision(current: ComplaintStatus, outcome: ComplaintStatus) -> bool:
    """Whether deciding ``outcome`` changes anything: False for the same decision again (safe to repeat);
    raises ``AlreadyDecided`` for a different one, and ``ValueError`` for an outcome that is no decision."""
    if outcome not in OUTCOMES:
        raise ValueError(outcome)
    if current is ComplaintStatus.OPEN:
        return True
    if current is outcome:
        return False
    raise AlreadyDecided(current)
