"""Failover: how an offer reaches a leader whose phone does not answer the socket.

Each incident level has a chain of steps, written the way an operator says it: ``socket, sms@15s, voice@120s``. The
offer is pushed over the socket at once (``socket`` is always the first step, written or not). Each later step is a
channel and how many seconds after the offer it comes due: if the offer is still unanswered then (and, for an SMS,
not seen on the phone), that message goes. A second SMS step is a reminder. A step that would come due at or after
the offer's deadline is not planned; then the offer's own deadline and escalation take over.

Defaults: a level I emergency texts at once and calls after a minute; level IV waits a minute before texting and
never calls.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

CHANNELS = ("sms", "voice")  # what a later step can use; the socket is the offer's own push
LEVELS = ("I", "II", "III", "IV")
_STEP = re.compile(r"^(?P<channel>[a-z]+)(?:@(?P<after>[0-9]{1,6})s?)?$")
LONGEST_S = 86_400  # no offer waits a day for its next step


@dataclass(frozen=True)
class Step:
    channel: str
    after_s: int


@dataclass(frozen=True)
class Failover:
    steps: tuple[Step, ...]

    def __str__(self) -> str:
        return ", ".join(["socket", *(f"{step.channel}@{step.after_s}s" for step in self.steps)])


def chain(text: str) -> Failover:
    """``"socket, sms@15s, voice@120s"`` → its steps in time order. Raises ValueError saying what is wrong."""
    steps = []
    for written in (part.strip() for part in text.split(",")):
        match = _STEP.match(written.replace(" ", "").lower())
        if match is None:
            raise ValueError(f"FAILOVER: step {written!r} is not channel@seconds (like sms@15s)")
        channel, after = match["channel"], match["after"]
        if channel == "socket":
            if after not in (None, "0"):
                raise ValueError("FAILOVER: the socket push is the offer itself, at 0 s")
            continue
        if channel not in CHANNELS:
            raise ValueError(f"FAILOVER: unknown channel {channel!r} (use {', '.join(CHANNELS)})")
        if after is None:
            raise ValueError(f"FAILOVER: step {written!r} needs its time, like {channel}@30s")
        if int(after) > LONGEST_S:
            raise ValueError(f"FAILOVER: step {written!r} comes after more than a day ({LONGEST_S} s)")
        steps.append(Step(channel, int(after)))
    return Failover(tuple(sorted(steps, key=lambda step: step.after_s)))


DEFAULT_FAILOVER = {
    "I": chain("socket, sms@0s, voice@60s"),
    "II": chain("socket, sms@15s, voice@120s"),
    "III": chain("socket, sms@30s, voice@300s"),
    "IV": chain("socket, sms@60s"),
}


def parse_failover(text: str | None) -> dict[str, Failover]:
    """The ``FAILOVER`` setting: JSON keyed by incident level, each a chain (``{"II": "socket, sms@15s, voice@120s"}``)
    or, as older settings wrote it, ``{"I": {"sms_after_s": 0, "voice_after_s": 60}}``. Levels it does not name keep
    their defaults. Raises ValueError saying what is wrong."""
    if not text:
        return dict(DEFAULT_FAILOVER)
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise ValueError(f'FAILOVER is not JSON ({exc}); write it like {{"II": "socket, sms@15s, voice@120s"}}') from exc
    if not isinstance(raw, dict):
        raise ValueError("FAILOVER must be a JSON object keyed by incident level (I, II, III, IV)")
    table = dict(DEFAULT_FAILOVER)
    for level, steps in raw.items():
        if level not in LEVELS:
            raise ValueError(f"FAILOVER: unknown level {level!r} (use {', '.join(LEVELS)})")
        if isinstance(steps, str):
            table[level] = chain(steps)
        elif isinstance(steps, dict):
            table[level] = _older_form(level, steps)
        else:
            raise ValueError(f'FAILOVER: level {level}: write its chain as text, like "socket, sms@15s, voice@120s"')
    return table


def _older_form(level: str, steps: dict) -> Failover:
    """``{"sms_after_s": 0, "voice_after_s": 60}``; a key it leaves out keeps the level's default."""
    default = {step.channel: step.after_s for step in DEFAULT_FAILOVER[level].steps}
    values = {channel: steps.get(f"{channel}_after_s", default.get(channel)) for channel in CHANNELS}
    if any(v is not None and (not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= LONGEST_S) for v in values.values()):
        raise ValueError(f"FAILOVER: level {level}: seconds must be whole numbers from 0 to {LONGEST_S}, or null")
    return Failover(tuple(sorted((Step(c, v) for c, v in values.items() if v is not None), key=lambda s: s.after_s)))


@dataclass(frozen=True)
class Planned:
    channel: str
    due_at: datetime
    reminder: bool  # an SMS step after the first SMS step


def planned_steps(failover: Failover, offered_at: datetime, deadline: datetime) -> list[Planned]:
    """The steps after the socket push for one offer, those due before its deadline, in time order."""
    planned, texted = [], False
    for step in failover.steps:
        due_at = offered_at + timedelta(seconds=step.after_s)
        if due_at >= deadline:
            continue
        planned.append(Planned(step.channel, due_at, reminder=step.channel == "sms" and texted))
        texted = texted or step.channel == "sms"
    return planned
