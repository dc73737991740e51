"""The board's timeline says every event of an incident in words: none appears as its code ("drill.started")."""

from __future__ import annotations

import re
from pathlib import Path

from dispatch.domain.incidents import IncidentStatus
from dispatch.domain.risks import RiskStatus

ROOT = Path(__file__).resolve().parents[2]
NOT_OF_AN_INCIDENT = {
    "certificates.reminded", "login.code_sent", "training.attended", "complaint.filed", "plan.saved", "plan.withdrawn",
    "warning.issued", "warning.updated", "warning.widened", "warning.cancelled", "warning.lifted", "warning.ended",
    "standby.asked", "standby.asked_again", "standby.answered",
}  # fmt: skip


def board_words() -> set[str]:
    return set(re.findall(r'"([a-z_]+\.[a-z_]+)": _\(', (ROOT / "dispatch/templates/board.html").read_text()))


def recorded_kinds() -> set[str]:
    """Every event kind the services write by name into the event log, and those written from an incident's or a
    risk's status."""
    code = "\n".join(p.read_text() for p in (ROOT / "dispatch/services").rglob("*.py"))
    named = set(re.findall(r'(?<!audit\.)record\(\s*"([a-z_]+\.[a-z_]+)"', code))  # the security audit is not the log
    from_status = {f"incident.{s.value}" for s in IncidentStatus if s is not IncidentStatus.ACTIVE}
    return (named | from_status | {f"risk.{s.value}" for s in RiskStatus if s is not RiskStatus.OPEN}) - NOT_OF_AN_INCIDENT


def test_every_kind_of_event_an_incident_records_has_words_on_the_board():
    assert len(recorded_kinds()) > 15
    assert recorded_kinds() - board_words() == set()
