"""After-action figures from an event log: answer, arrival and fill times, per organization and in a histogram."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dispatch.domain.after_action import LoggedEvent, after_action, histogram, percentile

T0 = datetime(2026, 7, 28, 3, 0, tzinfo=UTC)


def at(seconds: float, kind: str, need=1, assignment=None, organization=None, **data) -> LoggedEvent:
    return LoggedEvent(kind, T0 + timedelta(seconds=seconds), need, assignment, organization, data)


def test_answer_arrival_and_fill_times_come_from_the_log():
    events = [
        at(0, "need.posted"),
        at(1, "offer.made", assignment=10, organization=100),
        at(1, "offer.made", assignment=11, organization=200),
        at(46, "offer.accepted", assignment=10, organization=100, head_count=3),
        at(91, "offer.declined", assignment=11, organization=200, reason="太远"),
        at(92, "offer.made", assignment=12, organization=300),
        at(150, "offer.accepted", assignment=12, organization=300, head_count=2),
        at(150, "need.filled"),
        at(646, "assignment.on_site", assignment=10, organization=100),
        at(800, "offer.made", assignment=13, organization=400, need=2),
        at(1400, "offer.expired", assignment=13, organization=400, need=2),
    ]
    report = after_action(events)
    assert (report.offers, report.accepted, report.declined, report.expired, report.people_accepted) == (4, 2, 1, 1, 5)
    assert report.answer_s == [45, 90, 58] and report.arrive_s == [600] and report.fill_s == [150]
    assert report.figure("answer_s", 50) == 58 and report.figure("fill_s", 90) == 150
    first = report.organizations[0]
    assert (first.organization_id, first.accepted, first.people, first.median_answer_s, first.median_arrive_s) == (
        100,
        1,
        3,
        45,
        600,
    )
    assert [r.organization_id for r in report.organizations] == [100, 300, 200, 400]
    assert dict(report.histogram) == {"0s–30s": 0, "30s–1m": 2, "1m–2m": 1, "2m–5m": 0, "5m–10m": 0, "≥ 10m": 0}


def test_an_empty_log_gives_empty_figures():
    report = after_action([])
    assert report.offers == 0 and report.figure("answer_s", 50) is None and sum(n for _, n in report.histogram) == 0


def test_percentiles_are_nearest_rank():
    assert percentile([5, 1, 3, 2, 4], 50) == 3 and percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == 9
    assert histogram([29.9, 30, 600, 601])[0] == ("0s–30s", 1)
