"""Scorecards computed by PostgreSQL: the fold of dispatch/domain/evaluation.py as one query, for many organizations.

Folding a province's year in Python cost about 9 µs an event (a row, a ``LoggedEvent``, a step of the fold), so
for 300,000 organizations and 8 million events the database does the work instead and hands back one row per
organization: its counts, hours, incidents, and its answer and arrival times in log order
(tests/bench/bench_evaluation.py). The fold stays the reference: the query gives the same ``Scorecard``s, field
for field, which tests/integration/test_evaluations_postgresql.py checks on real traffic and on odd logs. How:

- an event counts for the latest ``offer.made`` of its assignment before it, as in the fold's ``work``
  dictionary (``max(ARRAY[id, ...])`` over the assignment's events so far picks that offer, its time and drill
  flag, and likewise the latest acceptance); events before any offer in the period are not counted;
- times are whole microseconds, and a duration is their difference divided by 10⁶ in double precision: the same
  correctly rounded value ``timedelta.total_seconds()`` gives;
- hours are summed in log order (``sum(... ORDER BY id)`` adds one value at a time, as the fold does), so each sum
  is the fold's to the last bit, and no figure rounded to a tenth can come out otherwise;
- a standby poll is an organization and a warning: its first ``standby.asked`` in the period
  (``min(ARRAY[id, µs, shared])``) starts it, and only answers after that ask count: the first (``min``) for the time
  to answer, the last (``max``) for the people said ready, as the fold's ``polls`` dictionary keeps them; a poll whose
  first ask carries ``shared_poll_id`` (asked through an earlier poll's question) is dropped whole, as the fold
  drops it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Connection, text

from dispatch.domain.evaluation import Response, Scorecard, Standby
from dispatch.extensions import db

__all__ = ["scorecards_postgresql"]

# Per assignment in log order. Kind codes: 1 offer.made, 2 offer.accepted, 3 offer.declined, 4 offer.expired,
# 5 assignment.on_site, 6 assignment.progress, 7 assignment.completed. ``offer`` is the latest offer so far
# [id, µs, drill], ``accepted`` the latest acceptance [id, µs, head count], ``logged`` the latest progress with
# hours, ``on_site`` the latest arrival after an acceptance: each the job's only if after its offer. An assignment's
# events all carry its organization (services/events.record), so partitioning by organization and assignment is
# partitioning by assignment, as the fold keys its work, and the rows come out in organization order for GROUP BY.
ASSIGNMENT_FIGURES = """
WITH event AS (
    SELECT events.id, assignment_id, organization_id AS org, incident_id, drill::int AS drill,
        (extract(epoch FROM at) * 1000000)::bigint AS us,
        CASE kind WHEN 'offer.made' THEN 1 WHEN 'offer.accepted' THEN 2 WHEN 'offer.declined' THEN 3
            WHEN 'offer.expired' THEN 4 WHEN 'assignment.on_site' THEN 5 WHEN 'assignment.progress' THEN 6
            WHEN 'assignment.completed' THEN 7 END AS kind,
        CASE WHEN kind = 'assignment.progress' THEN (data ->> 'hours')::float8 END AS hours,
        CASE WHEN kind = 'assignment.completed' THEN trunc((data ->> 'people')::float8)::bigint END AS people,
        CASE WHEN kind = 'offer.accepted' THEN coalesce(trunc((data ->> 'head_count')::float8)::bigint, 0) END AS head_count
    FROM events JOIN unnest(CAST(:organizations AS integer[])) AS named (id) ON named.id = events.organization_id
    WHERE at >= :starts AND at < :ends AND assignment_id IS NOT NULL
        AND kind IN ('offer.made', 'offer.accepted', 'offer.declined', 'offer.expired', 'assignment.on_site',
                     'assignment.progress', 'assignment.completed')
), job AS (
    SELECT id, org, assignment_id, incident_id, us, kind, hours, people,
        max(ARRAY[id, us, drill]) FILTER (WHERE kind = 1) OVER assignment AS offer,
        max(ARRAY[id, us, head_count]) FILTER (WHERE kind = 2) OVER assignment AS accepted,
        max(id) FILTER (WHERE kind = 6 AND hours <> 0) OVER assignment AS logged
    FROM event
    WINDOW assignment AS (PARTITION BY org, assignment_id ORDER BY id ROWS UNBOUNDED PRECEDING)
), step AS (
    SELECT id, org, kind, incident_id, us, hours, offer[1] AS offer_id, offer[3] = 1 AS drill, logged,
        CASE WHEN kind IN (2, 3) THEN (us - offer[2])::float8 / 1000000 END AS answer_s,
        CASE WHEN kind = 5 AND accepted[1] > offer[1] THEN (us - accepted[2])::float8 / 1000000 END AS arrive_s,
        CASE WHEN kind = 7 THEN coalesce(people, CASE WHEN accepted[1] > offer[1] THEN accepted[3] END, 0) END AS came,
        max(ARRAY[id, us]) FILTER (WHERE kind = 5 AND accepted[1] > offer[1]) OVER assignment AS on_site
    FROM job
    WHERE offer IS NOT NULL
    WINDOW assignment AS (PARTITION BY org, assignment_id ORDER BY id ROWS UNBOUNDED PRECEDING)
), figure AS (
    SELECT id, org, kind, incident_id, drill, answer_s, arrive_s, came,
        CASE WHEN kind = 6 THEN hours
            WHEN kind = 7 AND on_site[1] > offer_id AND NOT coalesce(logged > offer_id, false)
            THEN came::float8 * ((us - on_site[2])::float8 / 1000000) / 3600 END AS hours
    FROM step
)
SELECT org, {real}, {drill}
FROM figure
GROUP BY org
"""
# A ``Response``'s fields in order, for the events of real incidents ({when} = NOT drill) or of drills (drill).
RESPONSE_COLUMNS = """
    count(*) FILTER (WHERE kind = 1 AND {when}), count(*) FILTER (WHERE kind = 2 AND {when}),
    count(*) FILTER (WHERE kind = 3 AND {when}), count(*) FILTER (WHERE kind = 4 AND {when}),
    count(*) FILTER (WHERE kind = 7 AND {when}), coalesce(sum(came) FILTER (WHERE kind = 7 AND {when}), 0)::bigint,
    sum(hours ORDER BY id) FILTER (WHERE kind IN (6, 7) AND {when}),
    array_agg(DISTINCT incident_id) FILTER (WHERE kind = 2 AND incident_id IS NOT NULL AND {when}),
    array_agg(answer_s ORDER BY id) FILTER (WHERE kind IN (2, 3) AND {when}),
    array_agg(arrive_s ORDER BY id) FILTER (WHERE kind = 5 AND arrive_s IS NOT NULL AND {when})"""
OUTSIDE_INCIDENTS = """
SELECT organization_id,
    sum(coalesce((data ->> 'hours')::float8, 0) ORDER BY events.id) FILTER (WHERE kind = 'training.attended'),
    count(*) FILTER (WHERE kind = 'complaint.upheld')
FROM events JOIN unnest(CAST(:organizations AS integer[])) AS named (id) ON named.id = events.organization_id
WHERE at >= :starts AND at < :ends AND kind IN ('training.attended', 'complaint.upheld')
GROUP BY organization_id
"""

# Per organization and warning (a poll): the first ask, then the first and the last answer after it; a poll first
# asked through another poll's question (``shared`` = 1) is none of its own. Per organization: polls, polls
# answered, the people said ready (each poll's last answer), the times to answer in the order the first answers came.
STANDBY_FIGURES = """
WITH event AS (
    SELECT events.id, organization_id AS org, kind = 'standby.asked' AS ask,
        (extract(epoch FROM at) * 1000000)::bigint AS us, trunc((data ->> 'warning_id')::float8)::bigint AS warning,
        coalesce(trunc((data ->> 'ready')::float8)::bigint, 0) AS ready,
        (kind = 'standby.asked' AND data ->> 'shared_poll_id' IS NOT NULL)::int::bigint AS shared
    FROM events JOIN unnest(CAST(:organizations AS integer[])) AS named (id) ON named.id = events.organization_id
    WHERE at >= :starts AND at < :ends AND kind IN ('standby.asked', 'standby.answered')
        AND data ->> 'warning_id' IS NOT NULL
), step AS (
    SELECT id, org, warning, ask, us, ready,
        min(ARRAY[id, us, shared]) FILTER (WHERE ask) OVER (PARTITION BY org, warning) AS asked
    FROM event
), poll AS (
    SELECT org, min(asked) AS asked,
        min(ARRAY[id, us]) FILTER (WHERE NOT ask AND id > asked[1]) AS answered,
        max(ARRAY[id, ready]) FILTER (WHERE NOT ask AND id > asked[1]) AS said
    FROM step
    WHERE asked IS NOT NULL AND asked[3] = 0
    GROUP BY org, warning
)
SELECT org, count(*), count(answered), coalesce(sum(said[2]), 0)::bigint,
    array_agg((answered[2] - asked[2])::float8 / 1000000 ORDER BY answered[1]) FILTER (WHERE answered IS NOT NULL)
FROM poll
GROUP BY org
"""


def scorecards_postgresql(organization_ids: list[int], starts: datetime, ends: datetime) -> dict[int, Scorecard]:
    """Every named organization's scorecard for the events at [starts, ends), as ``evaluate`` folds them from
    the log in id order, computed by PostgreSQL."""
    named = list(dict.fromkeys(organization_ids))
    window = {"starts": starts, "ends": ends, "organizations": named}
    query = ASSIGNMENT_FIGURES.format(real=RESPONSE_COLUMNS.format(when="NOT drill"), drill=RESPONSE_COLUMNS.format(when="drill"))
    connection = db.session.connection()
    with _python_at_work(connection):
        responses = {row[0]: row for row in connection.execute(text(query), window).all()}
        outside = {org_id: (hours, upheld) for org_id, hours, upheld in connection.execute(text(OUTSIDE_INCIDENTS), window)}
        standby = {row[0]: _standby(row) for row in connection.execute(text(STANDBY_FIGURES), window)}
        return {
            org_id: _scorecard(org_id, responses.get(org_id), *outside.get(org_id, (None, 0)), standby.get(org_id))
            for org_id in named
        }


@contextmanager
def _python_at_work(connection: Connection) -> Iterator[None]:
    """A province's cards are made after the last query: hundreds of thousands of lists, sets and cards, all of
    which live on. For that time PostgreSQL's limit on idle transactions (``DB_IDLE_TRANSACTION_S``, seconds) is
    lifted, so the transaction survives a slow machine, and put back after; and the cycle collector is paused, as
    it would scan the new objects again and again for nothing (measured: four fifths of this module's Python time;
    reference counting still frees what dies)."""
    limit = connection.execute(text("SELECT current_setting('idle_in_transaction_session_timeout')")).scalar_one()
    connection.execute(text("SET LOCAL idle_in_transaction_session_timeout = 0"))
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
        connection.execute(text("SELECT set_config('idle_in_transaction_session_timeout', :limit, true)"), {"limit": limit})


def _scorecard(
    org_id: int, row: Sequence | None, training_hours: float | None, upheld: int, standby: Standby | None
) -> Scorecard:
    card = Scorecard(org_id) if row is None else Scorecard(org_id, _response(row, 1), _response(row, 11))
    card.training_hours = 0.0 + (training_hours or 0.0)  # the fold's sum starts at 0.0 (so never at -0.0)
    card.upheld_complaints = upheld
    if standby is not None:
        card.standby = standby
    return card


def _standby(row: Sequence) -> Standby:
    _org, polls, answered, ready, answer_s = row
    return Standby(polls, answered, ready, answer_s or [])


def _response(row: Sequence, first: int) -> Response:
    offers, accepted, declined, expired, completed, people, hours, incidents, answer_s, arrive_s = row[first : first + 10]
    return Response(
        offers, accepted, declined, expired, completed, people, 0.0 + (hours or 0.0), set(incidents or ()),
        answer_s or [], arrive_s or [],
    )  # fmt: skip
