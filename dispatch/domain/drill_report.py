"""The drill report, from the drill incident's event log (pure: events in, rows and figures out).

Per step: when it ran, what it asked for, and whether its need was filled; for each need left unfilled, why
(no one could be asked, who declined and with what reason, offers that ran out, candidates exhausted). Per offer:
who was asked, how they answered and how fast. And the headline figures beside the previous drill's, with which
way each one moved.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dispatch.domain.after_action import ANSWERS, AfterAction, LoggedEvent, after_action, percentile

CLOSING = {"offer.accepted": "accepted", "offer.declined": "declined", "offer.expired": "expired", "offer.withdrawn": "withdrawn"}


@dataclass(frozen=True)
class Why:
    """One reason a need went unfilled, as a message code and its parameters (dispatch/messages.py words it)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PlannedStep:
    """A step as the scenario wrote it."""

    number: int
    offset_s: int
    skills: tuple[str, ...]
    head_count: int


@dataclass
class OfferRow:
    assignment_id: int
    need_id: int | None
    organization_id: int | None
    offered_at: datetime
    answer: str | None = None  # accepted, declined, expired, withdrawn; None while still open
    answer_s: float | None = None  # offered → accepted or declined
    head_count: int = 0
    reason: str = ""


@dataclass(frozen=True)
class StepRow:
    number: int
    offset_s: int
    skills: tuple[str, ...]
    head_count: int
    ran_at: datetime | None
    need_id: int | None
    accepted: int
    outcome: str  # filled; open (offers still out); unfilled; failed (its need could not be posted); not_run
    why: tuple[Why, ...]


@dataclass(frozen=True)
class Headline:
    """The figures two drills are compared on."""

    median_answer_s: float | None
    accepted_share: float | None  # of offers made
    filled_share: float | None  # of needs posted
    median_arrive_s: float | None  # accepted → on site


# Which way is better for each headline figure: times down, shares up.
LOWER_IS_BETTER = {"median_answer_s": True, "accepted_share": False, "filled_share": False, "median_arrive_s": True}


@dataclass(frozen=True)
class Change:
    figure: str
    this: float | None
    previous: float | None
    change: float | None  # this − previous
    better: bool | None  # None when unchanged or not comparable


@dataclass(frozen=True)
class DrillReport:
    steps: list[StepRow]
    offers: list[OfferRow]
    figures: AfterAction
    headline: Headline


def drill_report(planned: list[PlannedStep], events: list[LoggedEvent], accepted: dict[int, int]) -> DrillReport:
    """The report of one run, from its incident's events in log order; ``accepted`` is each posted need's people on
    accepted work now (from its row)."""
    ordered = list(events)
    offers = offer_rows(ordered)
    filled = {e.need_id for e in ordered if e.kind == "need.filled"}
    ran = _ran_steps(ordered)
    by_need: dict[int | None, list[OfferRow]] = defaultdict(list)
    for offer in offers:
        by_need[offer.need_id].append(offer)
    unfilled = {e.need_id: e for e in ordered if e.kind == "need.unfilled"}  # the last one of each need
    steps = [_step_row(p, ran.get(p.number), filled, accepted, by_need, unfilled) for p in planned]
    figures = after_action(ordered)
    return DrillReport(steps, offers, figures, headline(figures, steps))


def offer_rows(events: list[LoggedEvent]) -> list[OfferRow]:
    """Each offer made, with how it was answered and how fast (events in time order)."""
    rows: dict[int, OfferRow] = {}
    for event in events:
        if event.kind == "offer.made" and event.assignment_id is not None:
            rows[event.assignment_id] = OfferRow(event.assignment_id, event.need_id, event.organization_id, event.at)
        elif event.kind in CLOSING and (row := rows.get(event.assignment_id)) is not None and row.answer is None:
            row.answer = CLOSING[event.kind]
            if event.kind in ANSWERS:
                row.answer_s = (event.at - row.offered_at).total_seconds()
            row.head_count = int(event.data.get("head_count", 0) or 0)
            row.reason = str(event.data.get("reason", "") or "")
    return list(rows.values())


def _ran_steps(events: list[LoggedEvent]) -> dict[int, LoggedEvent]:
    return {int(e.data["step"]): e for e in events if e.kind in ("drill.step", "drill.step_failed") and "step" in e.data}


def _step_row(
    planned: PlannedStep,
    ran: LoggedEvent | None,
    filled: set[int | None],
    accepted: dict[int, int],
    by_need: dict[int | None, list[OfferRow]],
    unfilled: dict[int | None, LoggedEvent],
) -> StepRow:
    def row(need_id: int | None, outcome: str, why: tuple[Why, ...]) -> StepRow:
        people = accepted.get(need_id, 0) if need_id is not None else 0
        at = ran.at if ran is not None else None
        return StepRow(planned.number, planned.offset_s, planned.skills, planned.head_count, at, need_id, people, outcome, why)

    if ran is None:
        return row(None, "not_run", ())
    if ran.kind == "drill.step_failed":
        return row(None, "failed", tuple(Why(e["code"], e.get("params", {})) for e in ran.data.get("errors", [])))
    need_id = ran.need_id
    if need_id in filled:
        return row(need_id, "filled", ())
    offers = by_need.get(need_id, [])
    why = why_unfilled(planned.head_count, accepted.get(need_id, 0), offers, unfilled.get(need_id))
    return row(need_id, "open" if any(o.answer is None for o in offers) else "unfilled", why)


def why_unfilled(head_count: int, accepted: int, offers: list[OfferRow], alert: LoggedEvent | None) -> tuple[Why, ...]:
    """Why a need lacks people: who declined (and why), offers that ran out or are still open, no one left to ask."""
    if not offers:
        return (Why("drill.why.no_candidates"),)
    reasons: list[Why] = []
    if accepted:
        reasons.append(Why("drill.why.short", {"accepted": accepted, "head_count": head_count}))
    declined = [o for o in offers if o.answer == "declined"]
    if declined:
        said = "; ".join(o.reason for o in declined if o.reason) or "—"
        reasons.append(Why("drill.why.declined", {"count": len(declined), "reasons": said}))
    if expired := sum(o.answer == "expired" for o in offers):
        reasons.append(Why("drill.why.expired", {"count": expired}))
    if still_open := sum(o.answer is None for o in offers):
        reasons.append(Why("drill.why.still_open", {"count": still_open}))
    if alert is not None:
        options = ", ".join(alert.data.get("options", [])) or "—"
        reasons.append(Why("drill.why.exhausted", {"still_needed": alert.data.get("still_needed", "?"), "options": options}))
    return tuple(reasons)


def headline(figures: AfterAction, steps: list[StepRow]) -> Headline:
    posted = [s for s in steps if s.need_id is not None]
    return Headline(
        median_answer_s=percentile(figures.answer_s, 50),
        accepted_share=_share(figures.accepted, figures.offers),
        filled_share=_share(sum(s.outcome == "filled" for s in posted), len(posted)),
        median_arrive_s=percentile(figures.arrive_s, 50),
    )


def compare(this: Headline, previous: Headline) -> list[Change]:
    """Each headline figure beside the previous drill's, with the change and whether it is for the better."""
    return [_change(name, getattr(this, name), getattr(previous, name)) for name in LOWER_IS_BETTER]


def _change(name: str, this: float | None, previous: float | None) -> Change:
    if this is None or previous is None:
        return Change(name, this, previous, None, None)
    change = this - previous
    better = None if change == 0 else (change < 0) == LOWER_IS_BETTER[name]
    return Change(name, this, previous, change, better)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None
