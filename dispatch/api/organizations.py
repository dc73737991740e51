"""/api/organizations: the registry of organizations."""

from __future__ import annotations

from flask import Blueprint
from spectree import Response

from dispatch.api.phones import revealed
from dispatch.api.presenters import organization_out
from dispatch.api.spec import spec
from dispatch.api.validation import check_json_body
from dispatch.auth import current_actor
from dispatch.i18n import language
from dispatch.schemas.common import ErrorOut, Page, PhonesQuery
from dispatch.schemas.organizations import OrganizationIn, OrganizationOut, OrganizationPatch, OrganizationQuery
from dispatch.services.registry import organizations as service

bp = Blueprint("api_organizations", __name__, url_prefix="/api/organizations")
bp.before_request(check_json_body)

ERRORS = {"HTTP_401": ErrorOut, "HTTP_403": ErrorOut, "HTTP_404": ErrorOut, "HTTP_422": ErrorOut}
TAGS = ["organizations"]


def _out(organization, reveal: bool = False) -> OrganizationOut:
    counts = service.member_counts([organization.id])
    return organization_out(organization, current_actor(), language(), counts.get(organization.id, 0), reveal)


@bp.get("")
@spec.validate(query=OrganizationQuery, resp=Response(HTTP_200=Page[OrganizationOut], **ERRORS), tags=TAGS)
def list_organizations(query: OrganizationQuery):
    """List the organizations in your jurisdiction, filtered and paginated."""
    actor = current_actor()
    items, total = service.list_organizations(actor, query)
    counts = service.member_counts([o.id for o in items])
    reveal = revealed(query)
    out = [organization_out(o, actor, language(), counts.get(o.id, 0), reveal) for o in items]
    return Page[OrganizationOut](items=out, page=query.page, per_page=query.per_page, total=total)


@bp.get("/<int:organization_id>")
@spec.validate(query=PhonesQuery, resp=Response(HTTP_200=OrganizationOut, **ERRORS), tags=TAGS)
def get_organization(organization_id: int, query: PhonesQuery):
    """One organization."""
    organization = service.get_organization(current_actor(), organization_id)
    return _out(organization, revealed(query))


@bp.post("")
@spec.validate(json=OrganizationIn, resp=Response(HTTP_201=OrganizationOut, HTTP_409=ErrorOut, **ERRORS), tags=TAGS)
def create_organization(json: OrganizationIn):
    """Register, file or record a new organization in your jurisdiction."""
    return _out(service.create_organization(current_actor(), json)), 201


@bp.patch("/<int:organization_id>")
@spec.validate(json=OrganizationPatch, resp=Response(HTTP_200=OrganizationOut, HTTP_409=ErrorOut, **ERRORS), tags=TAGS)
def update_organization(organization_id: int, json: OrganizationPatch):
    """Change some fields of an organization."""
    return _out(service.update_organization(current_actor(), organization_id, json))


@bp.post("/<int:organization_id>/suspend")
@spec.validate(resp=Response(HTTP_200=OrganizationOut, **ERRORS), tags=TAGS)
def suspend_organization(organization_id: int):
    """Suspend an organization: it receives no offers until reinstated."""
    return _out(service.set_active(current_actor(), organization_id, False))


@bp.post("/<int:organization_id>/reinstate")
@spec.validate(resp=Response(HTTP_200=OrganizationOut, **ERRORS), tags=TAGS)
def reinstate_organization(organization_id: int):
    """Reinstate a suspended organization."""
    return _out(service.set_active(current_actor(), organization_id, True))
