"""The after-action figures of an incident, computed from its event log alone (pure: events in, figures out).

For each offer: how long the organization took to answer (``offer.made`` → accepted or declined), and for
accepted work how long it took to arrive (accepted → ``assignment.on_site``). For each need: how long until it
was filled. Medians and 90th percentiles, a histogram of answer times, and a row per organization.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

ANSWERS = ("offer.accepted", "offer.declined")
ANSWER_BINS_S = (30, 60, 120, 300, 600)  # the histogram's upper edges; the last bin is "longer"


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    kind: str
    at: datetime
    need_id: int | None
    assignment_id: int | None
    organization_id: int | None
    data: dict
    incident_id: int | None = None
    drill: bool = False


@dataclass
class OrganizationRow:
    organization_id: int
    offers: int = 0
    accepted: int = 0
    declined: int = 0
    expired: int = 0
    people: int = 0
    answer_s: list[float] = field(default_factory=list)
    arrive_s: list[float] = field(default_factory=list)

    @property
    def median_answer_s(self) -> float | None:
        return percentile(self.answer_s, 50)

    @property
    def median_arrive_s(self) -> float | None:
        return percentile(self.arrive_s, 50)


@dataclass(frozen=True)
class AfterAction:
    needs: int
    filled: int
    unfilled: int
    offers: int
    accepted: int
    declined: int
    expired: int
    people_accepted: int
    answer_s: list[float]
    arrive_s: list[float]
    fill_s: list[float]
    histogram: list[tuple[str, int]]  # (label, count) of answer times
    organizations: list[OrganizationRow]

    def figure(self, name: str, q: float) -> float | None:
        return percentile(getattr(self, name), q)


def after_action(events: list[LoggedEvent]) -> AfterAction:
    offered_at: dict[int, datetime] = {}
    accepted_at: dict[int, datetime] = {}
    posted_at: dict[int, datetime] = {}
    rows: dict[int, OrganizationRow] = {}
    answer_s: list[float] = []
    arrive_s: list[float] = []
    fill_s: list[float] = []
    counts: dict[str, int] = defaultdict(int)
    for event in sorted(events, key=lambda e: e.at):
        counts[event.kind] += 1
        row = rows.setdefault(event.organization_id, OrganizationRow(event.organization_id)) if event.organization_id else None
        if event.kind == "need.posted" and event.need_id is not None:
            posted_at[event.need_id] = event.at
        elif event.kind == "need.filled" and event.need_id in posted_at:
            fill_s.append((event.at - posted_at[event.need_id]).total_seconds())
        elif event.kind == "offer.made" and event.assignment_id is not None:
            offered_at[event.assignment_id] = event.at
            row.offers += 1
        elif event.kind in ANSWERS and event.assignment_id in offered_at:
            seconds = (event.at - offered_at[event.assignment_id]).total_seconds()
            answer_s.append(seconds)
            row.answer_s.append(seconds)
            if event.kind == "offer.accepted":
                accepted_at[event.assignment_id] = event.at
                row.accepted += 1
                row.people += int(event.data.get("head_count", 0))
            else:
                row.declined += 1
        elif event.kind == "offer.expired" and row is not None:
            row.expired += 1
        elif event.kind == "assignment.on_site" and event.assignment_id in accepted_at:
            seconds = (event.at - accepted_at[event.assignment_id]).total_seconds()
            arrive_s.append(seconds)
            row.arrive_s.append(seconds)
    needs = counts["need.posted"]
    return AfterAction(
        needs=needs, filled=counts["need.filled"], unfilled=counts["need.unfilled"], offers=counts["offer.made"],
        accepted=counts["offer.accepted"], declined=counts["offer.declined"], expired=counts["offer.expired"],
        people_accepted=sum(r.people for r in rows.values()), answer_s=answer_s, arrive_s=arrive_s, fill_s=fill_s,
        histogram=histogram(answer_s), organizations=sorted(rows.values(), key=lambda r: (-r.accepted, -r.offers, r.organization_id)),
    )  # fmt: skip


def histogram(seconds: list[float]) -> list[tuple[str, int]]:
    edges = [0, *ANSWER_BINS_S]
    bins = [(f"{_short(low)}–{_short(high)}", sum(low <= s < high for s in seconds)) for low, high in pairwise(edges)]
    return [*bins, (f"≥ {_short(edges[-1])}", sum(s >= edges[-1] for s in seconds))]


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), -(-q * len(ordered) // 100)))
    return ordered[int(rank) - 1]


def _short(seconds: int) -> str:
    return f"{seconds // 60}m" if seconds >= 60 else f"{seconds}s"
