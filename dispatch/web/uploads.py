"""The upload page: a CSV or Excel workbook of organizations or members in, either everything imported or every bad row
listed."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from dispatch.audited import audited
from dispatch.auth import current_actor, login_required
from dispatch.i18n import language
from dispatch.messages import message
from dispatch.services.errors import InvalidInput
from dispatch.services.imports.uploads import KINDS, import_upload

bp = Blueprint("uploads", __name__)


@bp.get("/imports")
@login_required
def upload_form():
    return render_template("import.html", result=None, errors=[], kind=request.args.get("kind", "organizations"))


@bp.post("/imports")
@login_required
@audited("import", "upload")
def upload():
    kind = request.form.get("kind", "")
    if kind not in KINDS:
        abort(400)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template("import.html", result=None, errors=[_no_file()], kind=kind), 422
    try:
        report = import_upload(current_actor(), kind, upload.read(), upload.filename)
    except InvalidInput as failed:
        return render_template("import.html", result=None, errors=_rows(failed), kind=kind), 422
    return render_template("import.html", result=report.created, errors=[], kind=kind)


def _rows(failed: InvalidInput) -> list[dict]:
    lang = language()
    return [{"row": e.row, "field": e.field, "message": message(e.code, lang, **e.params)} for e in failed.errors]


def _no_file() -> dict:
    return {"row": None, "field": "file", "message": message("missing", language())}
