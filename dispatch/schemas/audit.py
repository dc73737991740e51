"""The audit page's filters."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from dispatch.schemas.common import PageQuery


class AuditQuery(PageQuery):
    action: str | None = Field(None, max_length=40, description="login.password, access.refused, export, …")
    result: str | None = Field(None, max_length=20, description="ok, failed, refused, locked")
    actor: str | None = Field(None, max_length=60, description="part of the user name")
    since: date | None = Field(None, ge=date(2000, 1, 1), le=date(2999, 12, 31))
    until: date | None = Field(None, ge=date(2000, 1, 1), le=date(2999, 12, 31))
