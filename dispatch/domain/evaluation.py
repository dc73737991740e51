"""Evaluating organizations (评价评估, Article 12) from the event log alone: events in, scorecards out (pure).

One pass over an organization's events, in log order, gives per organization and separately for real incidents
and drills: offers received, the share accepted, the median time to answer (offer made → accepted or declined),
the median time from accepting to arriving (accepted → on site), the share of accepted work completed, the people
who came and the hours they gave, and the incidents taken part in; and, outside incidents, training hours
and upheld complaints. The figures carry no personal data, so they can be published as they are.

Hours: what a leader logged while the work went on (recovery work, ``assignment.progress`` with ``hours``); for
work with nothing logged, the people who came times the time from arriving to completing.

Standby (备勤): what the organization did when a warning asked how many people it could send
(dispatch/services/plans/standby.py). A poll is one team and one warning (the log's ``warning_id``): it counts from
its first ``standby.asked`` in the period; asking it again (``standby.asked_again``, or an ask repeated) is the same
poll, so it is no new poll and does not move the time of asking. A team with a question open is not texted again
for a new warning: that warning's poll rides on the earlier question (its first ask carries ``shared_poll_id``), and
the one answer the team gives counts for both (one ``standby.answered`` each). Such a poll is not a poll of its own:
it is neither asked nor answered and its people are not counted, so a team counts the questions it was actually
asked and one answer is not added up twice. A poll is answered by its first ``standby.answered`` after that ask; the
time to answer runs from the first ask to the first answer; the people said ready are each answered poll's last
answer (a leader may change it while the warning stands), summed over the polls of its own, as the people who came
are summed over work. Answers to polls asked before the period are not counted, as answers to offers made before it
are not. Warnings are never drills (standby events carry no incident), so standby is one set of figures beside real
incidents and drills.

An answered poll counts like an answered offer: the card's ``answered_share`` is the real offers answered (accepted
or declined) and the polls answered, over the real offers and the polls. The offers' own figures (``accepted_share``
and the others) and ``taking_part`` (organizations that did work or trained) do not change with standby, so a log
without standby events gives the figures it always gave, and ``answered_share`` is then the offers' share answered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from dispatch.domain.after_action import LoggedEvent, percentile

ANSWERS = ("offer.accepted", "offer.declined")
STANDBY_KINDS = ("standby.asked", "standby.answered")  # a poll asked again is the same poll: nothing to count
# The kinds the fold reads; a service reading the log asks for these only.
EVALUATED_KINDS = (
    "offer.made", *ANSWERS, "offer.expired", "assignment.on_site", "assignment.progress", "assignment.completed",
    "training.attended", "complaint.upheld", *STANDBY_KINDS,
)  # fmt: skip
PERIOD_PATTERN = r"^((?:19|20)[0-9]{2})(?:-(Q[1-4]|H[12]|0[1-9]|1[0-2]))?$"
_PERIOD = re.compile(PERIOD_PATTERN)


class InvalidPeriod(ValueError):
    """A period label that is not ``2026``, ``2026-H1``, ``2026-Q3`` or ``2026-07``."""


def period_bounds(label: str) -> tuple[date, date]:
    """The first day of a period and the first day after it: a year, half year, quarter or month."""
    match = _PERIOD.match(label.strip())
    if not match:
        raise InvalidPeriod(label)
    year, part = int(match[1]), match[2]
    if part is None:
        return date(year, 1, 1), date(year + 1, 1, 1)
    first, months = (
        (int(part[1]) * 3 - 2, 3) if part[0] == "Q" else (int(part[1]) * 6 - 5, 6) if part[0] == "H" else (int(part), 1)
    )
    end_month = first - 1 + months
    return date(year, first, 1), date(year + end_month // 12, end_month % 12 + 1, 1)


@dataclass
class Response:
    """What an organization did when asked: for real incidents, or for drills."""

    offers: int = 0
    accepted: int = 0
    declined: int = 0
    expired: int = 0
    completed: int = 0
    people: int = 0
    hours: float = 0.0
    incidents: set[int] = field(default_factory=set)  # those it accepted work in
    answer_s: list[float] = field(default_factory=list)
    arrive_s: list[float] = field(default_factory=list)

    @property
    def accepted_share(self) -> float | None:
        return self.accepted / self.offers if self.offers else None

    @property
    def completed_share(self) -> float | None:
        return self.completed / self.accepted if self.accepted else None

    @property
    def median_answer_s(self) -> float | None:
        return percentile(self.answer_s, 50)

    @property
    def median_arrive_s(self) -> float | None:
        return percentile(self.arrive_s, 50)

    def figures(self) -> dict:
        """The published figures: counts, shares and medians, nothing about anyone."""
        return {
            "offers": self.offers, "accepted": self.accepted, "declined": self.declined, "expired": self.expired,
            "accepted_share": _rounded(self.accepted_share, 3), "median_answer_s": _rounded(self.median_answer_s, 0),
            "median_arrive_s": _rounded(self.median_arrive_s, 0), "completed": self.completed,
            "completed_share": _rounded(self.completed_share, 3), "people": self.people, "hours": round(self.hours, 1),
            "incidents": len(self.incidents),
        }  # fmt: skip

    def add(self, other: Response) -> None:
        """Fold another organization's figures into these (for a subdistrict's summary)."""
        for name in ("offers", "accepted", "declined", "expired", "completed", "people", "hours"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.incidents |= other.incidents
        self.answer_s += other.answer_s
        self.arrive_s += other.arrive_s


@dataclass
class Standby:
    """What an organization did when a warning asked how many people it could send (备勤)."""

    polls: int = 0
    answered: int = 0
    ready: int = 0  # people said ready: each answered poll's last answer, summed (polls of its own only)
    answer_s: list[float] = field(default_factory=list)  # first ask → first answer, in the order the answers came

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.polls if self.polls else None

    @property
    def median_answer_s(self) -> float | None:
        return percentile(self.answer_s, 50)

    def figures(self) -> dict:
        return {
            "polls": self.polls, "answered": self.answered, "answered_share": _rounded(self.answered_share, 3),
            "median_answer_s": _rounded(self.median_answer_s, 0), "ready": self.ready,
        }  # fmt: skip

    def add(self, other: Standby) -> None:
        self.polls += other.polls
        self.answered += other.answered
        self.ready += other.ready
        self.answer_s += other.answer_s


def answered_share(real: Response, standby: Standby) -> float | None:
    """Offers of real incidents and standby polls answered, over both: an answered poll counts like an answered offer."""
    asked = real.offers + standby.polls
    return (real.accepted + real.declined + standby.answered) / asked if asked else None


@dataclass
class Scorecard:
    organization_id: int
    real: Response = field(default_factory=Response)
    drill: Response = field(default_factory=Response)
    training_hours: float = 0.0
    upheld_complaints: int = 0
    standby: Standby = field(default_factory=Standby)

    def response(self, drill: bool) -> Response:
        return self.drill if drill else self.real

    @property
    def answered_share(self) -> float | None:
        return answered_share(self.real, self.standby)

    def figures(self) -> dict:
        return {
            "real": self.real.figures(), "drill": self.drill.figures(),
            "training_hours": round(self.training_hours, 1), "upheld_complaints": self.upheld_complaints,
            "standby": self.standby.figures(), "answered_share": _rounded(self.answered_share, 3),
        }  # fmt: skip


@dataclass(slots=True)  # one per offer in the period: millions at province scale
class _Work:
    """One assignment as the fold follows it."""

    drill: bool
    offered_at: datetime
    accepted_at: datetime | None = None
    on_site_at: datetime | None = None
    head_count: int = 0
    logged_hours: bool = False


@dataclass(slots=True)
class _Poll:
    """One standby poll as the fold follows it."""

    asked_at: datetime
    shared: bool = False  # asked through an earlier poll's question: not a poll of its own, nothing of it counts
    answered: bool = False
    ready: int = 0


def evaluate(events: Iterable[LoggedEvent], organization_ids: Iterable[int] = ()) -> dict[int, Scorecard]:
    """Scorecards by organization id from events in log order; every id in ``organization_ids`` gets one, even empty."""
    cards = {org_id: Scorecard(org_id) for org_id in organization_ids}
    work: dict[int, _Work] = {}
    polls: dict[tuple[int, int], _Poll] = {}  # by organization and warning
    for event in events:
        if event.organization_id is None:
            continue
        card = cards.get(event.organization_id)
        if card is None:
            card = cards[event.organization_id] = Scorecard(event.organization_id)
        if event.kind in STANDBY_KINDS:
            _fold_standby(card, event, polls)
        else:
            _fold(card, event, work)
    return cards


def _fold_standby(card: Scorecard, event: LoggedEvent, polls: dict[tuple[int, int], _Poll]) -> None:
    warning_id = event.data.get("warning_id")
    if warning_id is None:
        return
    key = (card.organization_id, int(warning_id))
    poll = polls.get(key)
    if event.kind == "standby.asked":
        if poll is None:
            shared = event.data.get("shared_poll_id") is not None
            polls[key] = _Poll(event.at, shared)
            card.standby.polls += 0 if shared else 1
        return
    if poll is None or poll.shared:  # asked before the period evaluated, or through another poll's question
        return
    standby, ready = card.standby, int(event.data.get("ready") or 0)
    if not poll.answered:
        poll.answered = True
        standby.answered += 1
        standby.answer_s.append(_seconds(poll.asked_at, event.at))
    standby.ready += ready - poll.ready
    poll.ready = ready


def _fold(card: Scorecard, event: LoggedEvent, work: dict[int, _Work]) -> None:
    kind = event.kind
    if kind == "training.attended":
        card.training_hours += float(event.data.get("hours", 0))
        return
    if kind == "complaint.upheld":
        card.upheld_complaints += 1
        return
    if event.assignment_id is None:
        return
    if kind == "offer.made":
        work[event.assignment_id] = _Work(event.drill, event.at)
        card.response(event.drill).offers += 1
        return
    job = work.get(event.assignment_id)
    if job is None:  # its offer lies before the period evaluated
        return
    figures = card.response(job.drill)
    if kind in ANSWERS:
        figures.answer_s.append(_seconds(job.offered_at, event.at))
        if kind == "offer.accepted":
            figures.accepted += 1
            job.accepted_at, job.head_count = event.at, int(event.data.get("head_count", 0))
            if event.incident_id is not None:
                figures.incidents.add(event.incident_id)
        else:
            figures.declined += 1
    elif kind == "offer.expired":
        figures.expired += 1
    elif kind == "assignment.on_site" and job.accepted_at is not None:
        job.on_site_at = event.at
        figures.arrive_s.append(_seconds(job.accepted_at, event.at))
    elif kind == "assignment.progress":
        figures.hours += float(event.data.get("hours") or 0)
        job.logged_hours = job.logged_hours or bool(event.data.get("hours"))
    elif kind == "assignment.completed":
        _complete(figures, job, event)


def _complete(figures: Response, job: _Work, event: LoggedEvent) -> None:
    people = event.data.get("people")
    people = int(people) if people is not None else job.head_count
    figures.completed += 1
    figures.people += people
    if not job.logged_hours and job.on_site_at is not None:
        figures.hours += people * _seconds(job.on_site_at, event.at) / 3600


@dataclass
class Summary:
    """A subdistrict's figures for the grassroots safety assessment (Article 8): its organizations taken together."""

    organizations: int
    taking_part: int  # organizations that accepted work in a real incident or drill, or trained
    real: Response
    drill: Response
    training_hours: float
    upheld_complaints: int
    standby: Standby = field(default_factory=Standby)

    @property
    def answered_share(self) -> float | None:
        return answered_share(self.real, self.standby)

    def figures(self) -> dict:
        return {
            "organizations": self.organizations, "taking_part": self.taking_part, "real": self.real.figures(),
            "drill": self.drill.figures(), "training_hours": round(self.training_hours, 1),
            "upheld_complaints": self.upheld_complaints, "standby": self.standby.figures(),
            "answered_share": _rounded(self.answered_share, 3),
        }  # fmt: skip


def summarize(cards: Iterable[Scorecard]) -> Summary:
    real, drill, standby = Response(), Response(), Standby()
    count = taking_part = complaints = 0
    training = 0.0
    for card in cards:
        count += 1
        taking_part += bool(card.real.accepted or card.drill.accepted or card.training_hours)
        real.add(card.real)
        drill.add(card.drill)
        standby.add(card.standby)
        training += card.training_hours
        complaints += card.upheld_complaints
    return Summary(count, taking_part, real, drill, training, complaints, standby)


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _seconds(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds()
