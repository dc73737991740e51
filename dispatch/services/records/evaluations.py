"""Evaluations (评价评估, Article 12): scorecards of a subdistrict's organizations for a period, recomputed from
the event log every time (dispatch/domain/evaluation.py), and published as a frozen copy anyone may read.

Periods are calendar periods in China's time: ``2026-Q3`` runs from 1 July 00:00 to 1 October 00:00 in Beijing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Select, bindparam, select, type_coerce

from dispatch.domain.after_action import LoggedEvent
from dispatch.domain.evaluation import (
    EVALUATED_KINDS,
    InvalidPeriod,
    Scorecard,
    Summary,
    evaluate,
    period_bounds,
    summarize,
)
from dispatch.domain.scope import Action, Actor, Forbidden, Resource, Role, require
from dispatch.extensions import db
from dispatch.models import Community, Evaluation, EvaluationRow, Event, Organization, Subdistrict
from dispatch.services.errors import FieldError, InvalidInput, NotFound
from dispatch.services.records.evaluations_postgresql import scorecards_postgresql
from dispatch.services.registry.places import subdistrict_in_scope
from dispatch.services.scoping import subdistrict_clause

__all__ = [
    "evaluate_county",
    "evaluate_subdistrict",
    "period_bounds",
    "publish",
    "published",
    "published_evaluations",
    "scorecards",
    "scorecards_by_subdistrict",
]

CHINA = ZoneInfo("Asia/Shanghai")
STREAM_ROWS = 5_000


@dataclass(frozen=True)
class SubdistrictEvaluation:
    subdistrict: Subdistrict
    period: str
    starts_on: date
    ends_on: date
    cards: list[tuple[Organization, Scorecard]]
    summary: Summary


def evaluate_subdistrict(actor: Actor, subdistrict_id: int | None, period: str) -> SubdistrictEvaluation:
    """The scorecards as the log has them now (a leader sees their own organization's card and the summary)."""
    require(actor, Action.READ, Resource.EVALUATION)
    subdistrict = _subdistrict(actor, subdistrict_id)
    starts_on, ends_on = _period(period)
    organizations = list(db.session.scalars(_organizations_of(subdistrict.id).order_by(Organization.id)))
    cards = scorecards([o.id for o in organizations], starts_on, ends_on)
    shown = [o for o in organizations if actor.role is not Role.ORG_LEADER or o.id == actor.organization_id]
    return SubdistrictEvaluation(
        subdistrict, period, starts_on, ends_on, [(o, cards[o.id]) for o in shown], summarize(cards.values())
    )


@dataclass(frozen=True)
class CountyEvaluation:
    period: str
    starts_on: date
    ends_on: date
    subdistricts: list[tuple[Subdistrict, Summary]]
    summary: Summary


def evaluate_county(actor: Actor, period: str) -> CountyEvaluation:
    """The county administrator's view: every subdistrict's summary for the period, and the county's, in one pass
    over the log (a subdistrict's organizations' cards summed as on its own page)."""
    require(actor, Action.READ, Resource.EVALUATION)
    if actor.role is not Role.ADMIN:
        raise Forbidden()
    starts_on, ends_on = _period(period)
    subdistricts = list(db.session.scalars(select(Subdistrict).where(subdistrict_clause(actor)).order_by(Subdistrict.code)))
    split = scorecards_by_subdistrict([s.id for s in subdistricts], starts_on, ends_on)
    rows = [(s, summarize(split[s.id].values())) for s in subdistricts]
    everyone = (card for cards in split.values() for card in cards.values())
    return CountyEvaluation(period, starts_on, ends_on, rows, summarize(everyone))


def publish(actor: Actor, subdistrict_id: int | None, period: str) -> Evaluation:
    """Freeze the subdistrict's scorecards for the period for the public; publishing again replaces them."""
    require(actor, Action.EDIT, Resource.EVALUATION)
    _require_started(period)
    result = evaluate_subdistrict(actor, subdistrict_id, period)
    evaluation = db.session.scalar(
        select(Evaluation).where(Evaluation.subdistrict_id == result.subdistrict.id, Evaluation.period == period)
    ) or Evaluation(subdistrict=result.subdistrict, period=period)
    evaluation.starts_on, evaluation.ends_on = result.starts_on, result.ends_on
    evaluation.summary = result.summary.figures()
    evaluation.published_by, evaluation.published_at = actor.user_id, datetime.now(UTC)
    db.session.add(evaluation)
    evaluation.rows.clear()
    db.session.flush()  # the old rows go before the new ones arrive (one row per organization)
    evaluation.rows = [EvaluationRow(organization=o, figures=card.figures()) for o, card in result.cards]
    db.session.commit()
    return evaluation


def scorecards(organization_ids: list[int] | None, starts_on: date, ends_on: date) -> dict[int, Scorecard]:
    """Scorecards for [starts_on, ends_on), folded from the log as it streams by: every named organization's (even
    without events), or every organization's with events (None)."""
    return evaluate(logged_events(organization_ids, starts_on, ends_on), organization_ids or ())


def scorecards_by_subdistrict(subdistrict_ids: list[int], starts_on: date, ends_on: date) -> dict[int, dict[int, Scorecard]]:
    """Scorecards of every organization at home in the named subdistricts, by subdistrict id then organization id:
    one pass over the log for all of them, split afterwards. A subdistrict's share is what ``scorecards`` gives for
    its organizations alone (each organization's card is folded from its own events only), without a scan of the
    period per subdistrict, which is what made a province's evaluation slow (tests/bench/bench_evaluation.py).
    On PostgreSQL the database does the fold (dispatch/services/records/evaluations_postgresql.py: the same cards)."""
    where = Community.subdistrict_id.in_(subdistrict_ids)
    homes = dict(db.session.execute(select(Organization.id, Community.subdistrict_id).join(Community).where(where)).all())
    split: dict[int, dict[int, Scorecard]] = {subdistrict_id: {} for subdistrict_id in subdistrict_ids}
    for organization_id, card in _scorecards_of_many(sorted(homes), starts_on, ends_on).items():
        split[homes[organization_id]][organization_id] = card
    return split


def _scorecards_of_many(organization_ids: list[int], starts_on: date, ends_on: date) -> dict[int, Scorecard]:
    if db.session.get_bind().dialect.name != "postgresql":  # SQLite, the embedded default: the fold reads the log
        return scorecards(organization_ids, starts_on, ends_on)
    return scorecards_postgresql(organization_ids, _beijing_midnight(starts_on), _beijing_midnight(ends_on))


# What the fold reads of an event's data, picked out by the database rather than parsing the whole JSON per row: the
# numbers, and whether a standby poll was asked through an earlier poll's question (any value of the key says so).
DATA_KEYS = ("head_count", "people", "hours", "warning_id", "ready", "shared_poll_id")
NUMBERS = DATA_KEYS[:-1]
NO_DATA = [None] * len(DATA_KEYS)


def logged_events(organization_ids: list[int] | None, starts_on: date, ends_on: date) -> Iterator[LoggedEvent]:
    """The log's events the evaluation reads, in log order, a page of rows at a time (None: every organization).

    Measured on a year of 100,000 organizations (tests/bench/bench_evaluation.py), most of the time went on
    per-row work in Python, so this reads plain rows through the connection: only the data keys the fold uses,
    and the time as the driver gives it (the fold only subtracts times). The ids go inline, as many as there are
    (a bound parameter each would stop at the driver's limit of 65,535)."""
    picked = [Event.data[key].as_string().label(key) for key in DATA_KEYS]
    at = type_coerce(Event.at, DateTime(timezone=True))
    query = select(
        Event.kind, at.label("at"), Event.assignment_id, Event.organization_id, Event.incident_id, Event.drill, *picked
    )
    query = query.where(
        Event.at >= _beijing_midnight(starts_on), Event.at < _beijing_midnight(ends_on), Event.kind.in_(EVALUATED_KINDS)
    )
    if organization_ids is not None:
        query = query.where(Event.organization_id.in_(bindparam("organizations", organization_ids, literal_execute=True)))
    rows = db.session.connection().execute(query.order_by(Event.id), execution_options={"yield_per": STREAM_ROWS})
    for page in rows.partitions():  # a page at a time: no per-row call into the result
        for kind, at_, assignment_id, organization_id, incident_id, drill, *values in page:
            data = {} if values == NO_DATA else _picked(*values)
            yield LoggedEvent(kind, at_, None, assignment_id, organization_id, data, incident_id, bool(drill))


def _picked(*values: str | None) -> dict[str, float | str]:
    return {
        key: float(value) if key in NUMBERS else value for key, value in zip(DATA_KEYS, values, strict=True) if value is not None
    }


def published_evaluations() -> list[Evaluation]:
    """What has been published, for the public index: newest period first."""
    query = select(Evaluation).join(Subdistrict).order_by(Evaluation.period.desc(), Subdistrict.code)
    return list(db.session.scalars(query))


def published(subdistrict_code: str, period: str) -> Evaluation:
    query = select(Evaluation).join(Subdistrict).where(Subdistrict.code == subdistrict_code, Evaluation.period == period)
    found = db.session.scalar(query)
    if found is None:
        raise NotFound()
    return found


def _organizations_of(subdistrict_id: int) -> Select:
    return select(Organization).join(Community).where(Community.subdistrict_id == subdistrict_id)


def _subdistrict(actor: Actor, subdistrict_id: int | None) -> Subdistrict:
    if subdistrict_id is None:  # their own (an admin: the county's first)
        subdistrict_id = db.session.scalar(
            select(Subdistrict.id).where(subdistrict_clause(actor)).order_by(Subdistrict.code).limit(1)
        )
    errors: list[FieldError] = []
    found = subdistrict_in_scope(actor, subdistrict_id, errors)
    if errors:
        raise InvalidInput(errors)
    return found


def current_quarter() -> str:
    today = datetime.now(CHINA).date()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def _period(label: str) -> tuple[date, date]:
    try:
        return period_bounds(label)
    except InvalidPeriod as exc:
        raise InvalidInput([FieldError("period", "period.format", {"value": label})]) from exc


def _require_started(period: str) -> None:
    """A period that starts after today (in Beijing) has no work to show: its public card would be all zeros."""
    starts_on, _ = _period(period)
    if starts_on > datetime.now(CHINA).date():
        raise InvalidInput([FieldError("period", "period.not_started", {"value": period, "starts_on": starts_on.isoformat()})])


def _beijing_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), CHINA).astimezone(UTC)
