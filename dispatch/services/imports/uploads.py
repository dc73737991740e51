"""The importers by kind, and uploads (CSV or Excel .xlsx) from the pages and the API narrowed to the uploader's
jurisdiction."""

from __future__ import annotations

from dispatch.domain.scope import Actor
from dispatch.schemas.landmark_rows import LANDMARK_COLUMNS, LANDMARK_REQUIRED
from dispatch.schemas.rows import MEMBER_COLUMNS, MEMBER_REQUIRED, ORGANIZATION_COLUMNS, ORGANIZATION_REQUIRED
from dispatch.services.imports.batch import ImportReport
from dispatch.services.imports.csv_rows import rows_from_bytes
from dispatch.services.imports.landmarks import import_landmarks
from dispatch.services.imports.members import import_members
from dispatch.services.imports.organizations import import_organizations
from dispatch.services.imports.xlsx_rows import is_workbook, rows_from_workbook

KINDS = {
    "organizations": (ORGANIZATION_COLUMNS, ORGANIZATION_REQUIRED, import_organizations),
    "members": (MEMBER_COLUMNS, MEMBER_REQUIRED, import_members),
    "landmarks": (LANDMARK_COLUMNS, LANDMARK_REQUIRED, import_landmarks),
}


# In a workbook of several sheets, the one to import is named for what it holds (as the registry export names them).
SHEET_NAMES = {"organizations": ("组织", "社区社会组织", "organizations"), "members": ("成员", "members")}


def import_upload(actor: Actor, kind: str, raw: bytes, filename: str = "") -> ImportReport:
    """Import an uploaded CSV or Excel workbook of ``organizations``, ``members`` or ``landmarks``, all or nothing,
    within the actor's scope."""
    aliases, required, run = KINDS[kind]
    if is_workbook(raw, filename):
        return run(rows_from_workbook(raw, aliases, required, SHEET_NAMES.get(kind, (kind,))), actor=actor)
    return run(rows_from_bytes(raw, aliases, required), actor=actor)
