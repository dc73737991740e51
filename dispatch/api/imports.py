"""/api/imports/<kind>: upload a CSV of organizations, members or landmarks (all or nothing, within your jurisdiction)."""

from __future__ import annotations

from flask import Blueprint
from pydantic import BaseModel
from spectree import Response
from spectree.model_adapter.pydantic_adapter import BaseFile

from dispatch.api.spec import spec
from dispatch.api.validation import check_upload
from dispatch.audited import audited
from dispatch.auth import current_actor
from dispatch.schemas.common import ErrorOut
from dispatch.services.imports.uploads import import_upload

bp = Blueprint("api_imports", __name__, url_prefix="/api/imports")
bp.before_request(check_upload)

ERRORS = {"HTTP_401": ErrorOut, "HTTP_403": ErrorOut, "HTTP_413": ErrorOut, "HTTP_422": ErrorOut}


class Upload(BaseModel):
    file: BaseFile


class ImportOut(BaseModel):
    created: dict[str, int]


def _run(kind: str, form: Upload) -> ImportOut:
    report = import_upload(current_actor(), kind, form.file.read(), form.file.filename or "")
    return ImportOut(created=report.created)


@bp.post("/organizations")
@audited("import", "upload")
@spec.validate(form=Upload, resp=Response(HTTP_200=ImportOut, **ERRORS), tags=["imports"])
def import_organizations(form: Upload):
    """A CSV (UTF-8 or GB18030/GBK) or Excel workbook (.xlsx) of organizations, Chinese or English headers; every bad
    row is listed."""
    return _run("organizations", form)


@bp.post("/members")
@audited("import", "upload")
@spec.validate(form=Upload, resp=Response(HTTP_200=ImportOut, **ERRORS), tags=["imports"])
def import_members(form: Upload):
    """A CSV or Excel workbook (.xlsx) of members of organizations you keep (a leader: their own); every bad row is
    listed."""
    return _run("members", form)


@bp.post("/landmarks")
@audited("import", "upload")
@spec.validate(form=Upload, resp=Response(HTTP_200=ImportOut, **ERRORS), tags=["imports"])
def import_landmarks(form: Upload):
    """A CSV of landmarks and roads of your county (名称, 类型 地标/道路, 经度, 纬度; optional 英文名称, 坐标系, 走向):
    messages name a need's place by the nearest. A name already stored is moved; every bad row is listed."""
    return _run("landmarks", form)
