import pytest

from dispatch.domain.complaints import DECIDED_BY, AlreadyDecided, ComplaintStatus, decision
from dispatch.domain.registry import ManagingBody, OrgStatus, managing_body
from dispatch.domain.risks import RiskHandled, RiskStatus, handle
from dispatch.domain.scope import Role

OPEN, UPHELD, DISMISSED = ComplaintStatus.OPEN, ComplaintStatus.UPHELD, ComplaintStatus.DISMISSED


def test_a_complaint_goes_to_the_body_that_manages_the_organization():
    assert DECIDED_BY[managing_body(OrgStatus.REGISTERED)] is Role.ADMIN
    assert DECIDED_BY[managing_body(OrgStatus.FILED)] is Role.DUTY_OFFICER
    assert DECIDED_BY[ManagingBody.COMMUNITY] is Role.DUTY_OFFICER


def test_an_open_complaint_is_decided_once_and_the_same_decision_may_be_repeated():
    assert decision(OPEN, UPHELD) is True
    assert decision(UPHELD, UPHELD) is False
    with pytest.raises(AlreadyDecided):
        decision(UPHELD, DISMISSED)
    with pytest.raises(ValueError):
        decision(OPEN, OPEN)


def test_a_risk_is_handled_once():
    assert handle(RiskStatus.OPEN, RiskStatus.INCIDENT) is RiskStatus.INCIDENT
    with pytest.raises(RiskHandled):
        handle(RiskStatus.NEED, RiskStatus.DISMISSED)
    with pytest.raises(ValueError):
        handle(RiskStatus.OPEN, RiskStatus.OPEN)
