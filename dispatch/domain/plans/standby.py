"""Standby (备勤): while a warning stands, the leaders of the teams its plans name are asked once how many people
they could send; the answer is their ready head count until the warning ends.

- A reply by SMS is ``备勤 5`` (also ``备勤5人``, ``READY 5``) or a bare number (``5``, ``５人``) when the phone's team
  has a standby question open; 0 means the team cannot go. Full-width forms read as ASCII (NFKC). A reply that says
  备勤 but no whole number after it (``备勤 -3``, ``备勤 2.5``, ``备勤 五``), or a bare text that looks like a number
  and is none (``-3``, ``2.5``, ``五``), is a standby answer that cannot be read: the leader is told the form again.
- A team cannot say it has more people ready than it could send at all: the most it declared for any skill, or the
  members it lists if they are more (``most_ready``).
- Ranking uses the ready count: a team that said 0 is not offered, one that said 5 is offered for up to 5, whatever
  its members would allow otherwise, and its reason says so.
- Readiness is counted per subdistrict and skill: teams asked, teams answered, people ready, against the people the
  covering plans' tasks need.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

MAX_READY = 1000
_SAID_STANDBY = r"(?:备勤人数|备勤|可出动|ready|standby)"
_PREFIXED = re.compile(rf"^{_SAID_STANDBY}[\s:：,，]*(\d{{1,9}})\s*(?:人|名|位)?[。.!！]?$", re.IGNORECASE)
_BARE = re.compile(r"^(\d{1,9})\s*(?:人|名|位)?[。.!！]?$")
_STARTS_STANDBY = re.compile(rf"^{_SAID_STANDBY}", re.IGNORECASE)
_NUMBER_LIKE = re.compile(r"^[-+]?[\d零〇一二两三四五六七八九十百千万.,，、]+\s*(?:人|名|位)?[。.!！]?$")

COLOUR_WORDS = {"blue": ("蓝色", "blue"), "yellow": ("黄色", "yellow"), "orange": ("橙色", "orange"), "red": ("红色", "red")}
KIND_WORDS = {
    "typhoon": ("台风", "typhoon"), "rainstorm": ("暴雨", "rainstorm"), "flood": ("洪水", "flood"), "gale": ("大风", "gale"),
    "thunderstorm": ("雷电", "thunderstorm"), "heat": ("高温", "heat"), "cold": ("寒潮", "cold wave"), "fog": ("大雾", "fog"),
    "geological": ("地质灾害", "landslide"), "other": ("", ""),
}  # fmt: skip


@dataclass(frozen=True)
class StandbyReply:
    ready: int
    prefixed: bool  # said 备勤: a standby answer even when no question is open (then it is answered as such)


@dataclass(frozen=True)
class UnreadStandby:
    """A reply meant as a standby answer whose count cannot be read: it says 备勤 (``prefixed``) with no whole number
    after it, or it is a bare text that looks like a number and is none (``-3``, ``2.5``, ``五``)."""

    prefixed: bool


def read_standby_reply(text: str) -> StandbyReply | UnreadStandby | None:
    """The ready head count a reply gives (however many: the team's limit is the service's to check), a standby
    answer that cannot be read, or None when it is no standby answer (an offer's reply, say)."""
    plain = unicodedata.normalize("NFKC", text).strip().strip("\"'“”")
    for pattern, prefixed in ((_PREFIXED, True), (_BARE, False)):
        if (match := pattern.match(plain)) is not None:
            return StandbyReply(int(match.group(1)), prefixed)
    if _STARTS_STANDBY.match(plain):
        return UnreadStandby(prefixed=True)
    return UnreadStandby(prefixed=False) if _NUMBER_LIKE.match(plain) else None


def most_ready(capacities: Iterable[int], members: int) -> int:
    """The most people a team can say it has ready: the most it declared for any skill, or the members it lists
    when they are more (a team that declared nothing and lists no one can only say 0)."""
    return max((*capacities, members))


def warning_words(kind: str, colour: str | None, language: str = "zh") -> str:
    """台风橙色预警 / orange typhoon warning."""
    index = 1 if language == "en" else 0
    kind_word = KIND_WORDS.get(kind, ("", ""))[index]
    colour_word = COLOUR_WORDS[colour][index] if colour in COLOUR_WORDS else ""
    if language == "en":
        return " ".join(filter(None, (colour_word, kind_word, "warning")))
    return f"{kind_word}{colour_word}预警"


def standby_question(kind: str, colour: str | None, language: str = "zh") -> str:
    """The SMS a leader gets: the warning, and how to answer."""
    warning = warning_words(kind, colour, language)
    if language == "en":
        return f"[Community emergency] {warning[0].upper()}{warning[1:]}: reply with how many people could go, e.g. READY 5 (0: none)."
    return f"【社区应急】{warning}：请回复可出动人数，如“备勤 5”（0 表示无法出动）。"


def capped(free: int, ready: int | None) -> int:
    """The people a team could send now: its free members, no more than it said on standby."""
    return free if ready is None else min(free, ready)


def left_of_answer(ready: int | None, taken: int | None) -> int | None:
    """What is left of a standby answer: the people it said it has ready, less those it has since accepted work for
    (an answer of 5 is 5 in all while the warning stands, not 5 an offer). None: no answer stands."""
    return None if ready is None else max(0, int(ready) - int(taken or 0))


@dataclass(frozen=True)
class PollFacts:
    """One team asked: where it is, its skills, and its answer (None: not yet)."""

    subdistrict_id: int
    skills: tuple[str, ...]
    ready: int | None


@dataclass(frozen=True)
class TaskFacts:
    """One covering plan task: where, its skills and how many people it needs."""

    subdistrict_id: int
    skills: tuple[str, ...]
    head_count: int


@dataclass(frozen=True)
class Readiness:
    subdistrict_id: int
    skill: str
    asked: int
    answered: int
    ready: int  # people
    needed: int  # people the covering plans' tasks need


def readiness(polls: Iterable[PollFacts], tasks: Iterable[TaskFacts]) -> list[Readiness]:
    """Per subdistrict and skill: teams asked and answered, people ready, people the plans need (a team with several
    skills counts under each, as it could go for any)."""
    rows: dict[tuple[int, str], list[int]] = {}
    for poll in polls:
        for skill in poll.skills:
            row = rows.setdefault((poll.subdistrict_id, skill), [0, 0, 0, 0])
            row[0] += 1
            if poll.ready is not None:
                row[1] += 1
                row[2] += poll.ready
    for task in tasks:
        for skill in task.skills:
            rows.setdefault((task.subdistrict_id, skill), [0, 0, 0, 0])[3] += task.head_count
    return [Readiness(sub, skill, *counts) for (sub, skill), counts in sorted(rows.items())]
