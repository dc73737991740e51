"""Excel downloads of the reports people pass on, beside their pages and CSVs: each one the page's figures, in the
caller's scope, with headers in the reader's language."""

from __future__ import annotations

import io

from flask import Blueprint, request, send_file

from dispatch.audited import audited
from dispatch.auth import current_actor, login_required
from dispatch.domain.scope import Action, Resource, require
from dispatch.i18n import language
from dispatch.services import audit
from dispatch.services.records import drills, evaluations, reports
from dispatch.services.records.exports import registry_workbook
from dispatch.services.records.report_workbooks import after_action_workbook, drill_workbook, scorecards_workbook
from dispatch.services.records.spreadsheets import XLSX_MIMETYPE
from dispatch.services.registry.skills import list_skills
from dispatch.web.forms import row_id

bp = Blueprint("workbooks", __name__)


def _download(content: bytes, filename: str):
    return send_file(io.BytesIO(content), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=filename, max_age=0)


@bp.get("/incidents/<int:incident_id>/report.xlsx")
@login_required
@audited("export", "incident")
def after_action(incident_id: int):
    incident, figures, names = reports.incident_report(current_actor(), incident_id)
    return _download(after_action_workbook(incident, figures, names, language()), f"after-action-{incident.id}.xlsx")


@bp.get("/drills/<int:run_id>/report.xlsx")
@login_required
@audited("export", "drill")
def drill(run_id: int):
    found = drills.report(current_actor(), run_id)
    lang = language()
    skill_names = {skill.code: skill.label(lang) for skill in list_skills()}
    return _download(drill_workbook(found, skill_names, lang), f"drill-{found.run.id}.xlsx")


@bp.get("/evaluations.xlsx")
@login_required
@audited("export", "evaluation")
def live_scorecards():
    """The figures as they stand now, as on ``/evaluations`` (officers and leaders)."""
    actor = current_actor()
    require(actor, Action.READ, Resource.EVALUATION)
    period = request.args.get("period") or evaluations.current_quarter()
    result = evaluations.evaluate_subdistrict(actor, row_id(request.args, "subdistrict_id"), period)
    rows = [(organization, card.figures()) for organization, card in result.cards]
    content = scorecards_workbook(result.subdistrict, result.period, result.starts_on, result.ends_on, rows, language())
    return _download(content, f"scorecards-{result.subdistrict.code}-{result.period}.xlsx")


@bp.get("/scorecards/<code>/<period>/scorecards.xlsx")
def published_scorecards(code: str, period: str):
    """Published scorecards, for anyone, like their page and CSV."""
    found = evaluations.published(code, period)
    rows = [(row.organization, row.figures) for row in found.rows]
    content = scorecards_workbook(
        found.subdistrict, found.period, found.starts_on, found.ends_on, rows, language(), published_at=found.published_at
    )
    return _download(content, f"scorecards-{found.subdistrict.code}-{found.period}.xlsx")


@bp.get("/registry.xlsx")
@login_required
@audited("export", "registry")
def registry():
    """The organizations and members the caller keeps, in the columns the import reads back; phones masked unless
    asked for in full (``?phones=full``), which is recorded."""
    full = request.args.get("phones") == "full"
    content = registry_workbook(current_actor(), language(), full_phones=full)
    if full:
        audit.record("phone.revealed", object_type="registry", object_id="registry.xlsx")
    return _download(content, "registry-full-phones.xlsx" if full else "registry.xlsx")
