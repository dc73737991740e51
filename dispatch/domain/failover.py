"""Failover: how an offer reaches a leader whose phone does not answer the socket.

The offer is pushed over the socket at once. If the phone has not acknowledged it ``sms_after_s`` seconds later,
an SMS goes; if the offer is still unanswered ``voice_after_s`` seconds after it was made, a voice call. Then the
offer's own deadline and escalation take over. Each incident level has its own timings (a level I emergency
texts at once and calls after a minute; level IV waits a minute before texting and never calls). A step that would
come due at or after the offer's deadline is not planned.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Failover:
    sms_after_s: int | None
    voice_after_s: int | None


DEFAULT_FAILOVER = {
    "I": Failover(sms_after_s=0, voice_after_s=60),
    "II": Failover(sms_after_s=15, voice_after_s=120),
    "III": Failover(sms_after_s=30, voice_after_s=300),
    "IV": Failover(sms_after_s=60, voice_after_s=None),
}


def parse_failover(text: str | None) -> dict[str, Failover]:
    """The ``FAILOVER`` setting: JSON like ``{"I": {"sms_after_s": 0, "voice_after_s": 60}, ...}``; levels it does not
    name keep their defaults. Raises ValueError saying what is wrong."""
    if not text:
        return dict(DEFAULT_FAILOVER)
    raw = json.loads(text)
    if not isinstance(raw, dict):
        raise ValueError("FAILOVER must be a JSON object keyed by incident level (I, II, III, IV)")
    table = dict(DEFAULT_FAILOVER)
    for level, steps in raw.items():
        if level not in DEFAULT_FAILOVER or not isinstance(steps, dict):
            raise ValueError(f"FAILOVER: unknown level {level!r} or its steps are not an object")
        values = {name: steps.get(name, getattr(DEFAULT_FAILOVER[level], name)) for name in ("sms_after_s", "voice_after_s")}
        if any(v is not None and (not isinstance(v, int) or v < 0) for v in values.values()):
            raise ValueError(f"FAILOVER: level {level}: seconds must be whole numbers ≥ 0 or null")
        table[level] = Failover(**values)
    return table


def planned_steps(failover: Failover, offered_at: datetime, deadline: datetime) -> list[tuple[str, datetime]]:
    """(channel, due time) of the SMS and voice steps for one offer, those due before its deadline."""
    steps = [("sms", failover.sms_after_s), ("voice", failover.voice_after_s)]
    due = [(channel, offered_at + timedelta(seconds=after)) for channel, after in steps if after is not None]
    return [(channel, at) for channel, at in due if at < deadline]
