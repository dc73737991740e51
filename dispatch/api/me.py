"""/api/me: who you are logged in as, and your jurisdiction; /api/csrf: the token for cookie-authenticated writes."""

from __future__ import annotations

from flask import Blueprint, g
from flask_wtf.csrf import generate_csrf
from pydantic import BaseModel
from spectree import Response

from dispatch.api.spec import spec
from dispatch.auth import current_actor
from dispatch.schemas.common import ErrorOut
from dispatch.schemas.places import MeOut

bp = Blueprint("api_me", __name__, url_prefix="/api")


class CsrfOut(BaseModel):
    csrf_token: str


@bp.get("/me")
@spec.validate(resp=Response(HTTP_200=MeOut, HTTP_401=ErrorOut), tags=["session"])
def me():
    """The logged-in user and their scope."""
    actor, user = current_actor(), g.user
    return MeOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role.value,
        county_id=actor.county_id,
        subdistrict_id=actor.subdistrict_id,
        organization_id=actor.organization_id,
        cell_ids=sorted(actor.cell_ids),
        language=user.language,
    )


@bp.get("/csrf")
@spec.validate(resp=Response(HTTP_200=CsrfOut, HTTP_401=ErrorOut), tags=["session"])
def csrf_token():
    """A CSRF token to send as ``X-CSRFToken`` with every write made with the session cookie."""
    current_actor()
    return CsrfOut(csrf_token=generate_csrf())
