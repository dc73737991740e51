"""/api/evaluations: scorecards recomputed from the event log, and publishing them for the public."""

from __future__ import annotations

from flask import Blueprint
from spectree import Response

from dispatch.api.spec import spec
from dispatch.api.validation import check_json_body
from dispatch.audited import audited
from dispatch.auth import current_actor
from dispatch.i18n import language
from dispatch.models import Organization
from dispatch.models.places import Named
from dispatch.schemas.common import ErrorOut, Ref
from dispatch.schemas.evaluations import (
    CountyEvaluationOut,
    CountyEvaluationQuery,
    EvaluationOut,
    EvaluationQuery,
    PublishIn,
    ScorecardOut,
    SubdistrictSummaryOut,
)
from dispatch.services.records import evaluations

bp = Blueprint("api_evaluations", __name__, url_prefix="/api/evaluations")
bp.before_request(check_json_body)

ERRORS = {"HTTP_401": ErrorOut, "HTTP_403": ErrorOut, "HTTP_422": ErrorOut}
TAGS = ["evaluations"]


def _place(place: Named) -> Ref:
    return Ref(id=place.id, code=place.code, name=place.label(language()))


def scorecard_out(organization: Organization, figures: dict) -> ScorecardOut:
    return ScorecardOut(
        organization=Ref(id=organization.id, name=organization.name), status=organization.status,
        community=_place(organization.community), figures=figures,
    )  # fmt: skip


@bp.get("")
@spec.validate(query=EvaluationQuery, resp=Response(HTTP_200=EvaluationOut, **ERRORS), tags=TAGS)
def evaluation(query: EvaluationQuery):
    """A subdistrict's scorecards for a period as the event log has them now, with its summary (Article 8)."""
    result = evaluations.evaluate_subdistrict(current_actor(), query.subdistrict_id, query.period)
    return EvaluationOut(
        subdistrict=_place(result.subdistrict), period=result.period, starts_on=result.starts_on, ends_on=result.ends_on,
        summary=result.summary.figures(), organizations=[scorecard_out(o, card.figures()) for o, card in result.cards],
    )  # fmt: skip


@bp.get("/county")
@spec.validate(query=CountyEvaluationQuery, resp=Response(HTTP_200=CountyEvaluationOut, **ERRORS), tags=TAGS)
def county(query: CountyEvaluationQuery):
    """The county administrator's summary: every subdistrict's for the period side by side, and the county's."""
    result = evaluations.evaluate_county(current_actor(), query.period or evaluations.current_quarter())
    return CountyEvaluationOut(
        period=result.period, starts_on=result.starts_on, ends_on=result.ends_on, summary=result.summary.figures(),
        subdistricts=[SubdistrictSummaryOut(subdistrict=_place(s), summary=summary.figures()) for s, summary in result.subdistricts],
    )  # fmt: skip


@bp.post("/publish")
@audited("evaluation.published", "evaluation")
@spec.validate(json=PublishIn, resp=Response(HTTP_200=EvaluationOut, **ERRORS), tags=TAGS)
def publish(json: PublishIn):
    """Publish the period's scorecards (public page and CSV); publishing the period again replaces them."""
    published = evaluations.publish(current_actor(), json.subdistrict_id, json.period)
    return EvaluationOut(
        subdistrict=_place(published.subdistrict), period=published.period, starts_on=published.starts_on,
        ends_on=published.ends_on, summary=published.summary, published_at=published.published_at,
        organizations=[scorecard_out(row.organization, row.figures) for row in published.rows],
    )  # fmt: skip
