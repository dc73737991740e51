"""Every text limit the API and imports accept fits the column it is stored in (SQLite would not notice; PostgreSQL would)."""

from __future__ import annotations

import pytest

from dispatch.models import GridCell, Member, Organization
from dispatch.schemas.organizations import MemberIn, MemberPatch, OrganizationIn, OrganizationPatch
from dispatch.schemas.places import CellIn, CellPatch
from dispatch.schemas.rows import MemberRow, OrganizationRow

PAIRS = [
    (OrganizationIn, "name", Organization.name), (OrganizationPatch, "name", Organization.name),
    (OrganizationIn, "leader_name", Organization.leader_name), (OrganizationPatch, "leader_name", Organization.leader_name),
    (OrganizationRow, "name", Organization.name), (OrganizationRow, "leader_name", Organization.leader_name),
    (MemberIn, "name", Member.name), (MemberPatch, "name", Member.name), (MemberRow, "name", Member.name),
    (CellIn, "code", GridCell.code), (CellIn, "name", GridCell.name), (CellPatch, "name", GridCell.name),
]  # fmt: skip


def max_length(model, field: str) -> int | None:
    """The limit as the JSON schema states it, so ``Name | None`` is read the same as ``Name``."""
    schema = model.model_json_schema()["properties"][field]
    lengths = [option["maxLength"] for option in schema.get("anyOf", [schema]) if "maxLength" in option]
    return min(lengths) if lengths else None


@pytest.mark.parametrize(("model", "field", "column"), PAIRS, ids=lambda v: getattr(v, "__name__", str(v)))
def test_the_schema_limit_fits_the_column(model, field, column):
    limit = max_length(model, field)
    assert limit is not None and limit <= column.property.columns[0].type.length
