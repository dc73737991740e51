"""Published scorecards, for anyone (评价结果公开): an index, a page per subdistrict and period, and its CSV.

Only what was published is shown, and only figures: organizations by name, never a person's name or phone.
The officers' page (``/evaluations``) shows the figures as they stand now and publishes them.
"""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, redirect, render_template, request, url_for

from dispatch.audited import audited
from dispatch.auth import current_actor, login_required
from dispatch.domain.scope import Action, Resource, require
from dispatch.services.records import evaluations
from dispatch.services.records.exports import inert
from dispatch.services.registry.places import list_subdistricts
from dispatch.web.forms import row_id

bp = Blueprint("scorecards", __name__)

RESPONSE_COLUMNS = ("offers", "accepted", "accepted_share", "median_answer_s", "median_arrive_s", "completed",
                    "completed_share", "people", "hours", "incidents")  # fmt: skip
STANDBY_COLUMNS = ("polls", "answered", "answered_share", "median_answer_s", "ready")


@bp.get("/scorecards")
def index():
    return render_template("scorecards_index.html", published=evaluations.published_evaluations())


@bp.get("/scorecards/<code>/<period>")
def scorecard(code: str, period: str):
    evaluation = evaluations.published(code, period)
    rows = [(row.organization, row.figures) for row in evaluation.rows]
    return render_template("scorecards.html", evaluation=evaluation, summary=evaluation.summary, rows=rows, live=False)


@bp.get("/scorecards/<code>/<period>/scorecards.csv")
def scorecard_csv(code: str, period: str):
    evaluation = evaluations.published(code, period)
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads UTF-8 with a BOM
    writer = csv.writer(out)
    writer.writerow(
        ["period", "subdistrict_code", "organization_id", "organization", "status", "community_code",
         *(f"real_{c}" for c in RESPONSE_COLUMNS), *(f"drill_{c}" for c in RESPONSE_COLUMNS), "training_hours", "upheld_complaints",
         *(f"standby_{c}" for c in STANDBY_COLUMNS), "answered_share"]
    )  # fmt: skip
    for row in evaluation.rows:
        org, figures = row.organization, row.figures
        standby = figures.get("standby") or {}  # none in a copy published before standby was evaluated
        writer.writerow(
            [inert(v) for v in (
                evaluation.period, evaluation.subdistrict.code, org.id, org.name, org.status.value, org.community.code,
                *(figures["real"][c] for c in RESPONSE_COLUMNS), *(figures["drill"][c] for c in RESPONSE_COLUMNS),
                figures["training_hours"], figures["upheld_complaints"], *(standby.get(c) for c in STANDBY_COLUMNS),
                figures.get("answered_share") if standby else None,
            )]
        )  # fmt: skip
    filename = f"scorecards-{evaluation.subdistrict.code}-{evaluation.period}.csv"
    return Response(out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={filename}"})


@bp.get("/evaluations")
@login_required
def live():
    """Officers and leaders: the figures as the log has them now; officers publish them from here."""
    actor = current_actor()
    require(actor, Action.READ, Resource.EVALUATION)
    period = request.args.get("period") or evaluations.current_quarter()
    subdistrict_id = row_id(request.args, "subdistrict_id")
    result = evaluations.evaluate_subdistrict(actor, subdistrict_id, period)
    rows = [(organization, card.figures()) for organization, card in result.cards]
    return render_template(
        "scorecards.html", evaluation=result, summary=result.summary.figures(), rows=rows, live=True,
        subdistricts=list_subdistricts(actor),
    )  # fmt: skip


@bp.get("/evaluations/county")
@login_required
def county():
    """The county administrator: every subdistrict's summary side by side, and the county's."""
    period = request.args.get("period") or evaluations.current_quarter()
    result = evaluations.evaluate_county(current_actor(), period)
    return render_template("scorecards_county.html", evaluation=result)


@bp.post("/evaluations/publish")
@login_required
@audited("evaluation.published", "evaluation")
def publish():
    published = evaluations.publish(current_actor(), row_id(request.form, "subdistrict_id"), request.form.get("period", ""))
    return redirect(url_for("scorecards.scorecard", code=published.subdistrict.code, period=published.period))
