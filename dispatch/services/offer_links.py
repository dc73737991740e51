"""The short link in an offer's SMS (``<PUBLIC_URL>/m/o/<code>``) and the offer it opens, for its own leader only."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from dispatch.domain.scope import Action, Actor, Forbidden, Resource, Role, require
from dispatch.extensions import db
from dispatch.models import Assignment
from dispatch.services.errors import NotFound
from dispatch.services.scoping import assignment_clause

LINK_PATH = "/m/o/"


def offer_link(code: str) -> str:
    """The address a leader taps in the SMS; ``PUBLIC_URL`` is where people reach this service."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + LINK_PATH + code


def offer_by_code(actor: Actor, code: str) -> Assignment:
    """The leader's own organization's latest offer with this code (codes are reused once an offer is over).
    Another organization's code is NotFound, so a link forwarded to another leader opens nothing; only leaders have
    offers (anyone else is Forbidden)."""
    require(actor, Action.READ, Resource.ASSIGNMENT)
    if actor.role is not Role.ORG_LEADER:
        raise Forbidden()
    query = select(Assignment).where(Assignment.short_code == code.upper(), assignment_clause(actor))
    assignment = db.session.scalar(query.order_by(Assignment.id.desc()).limit(1))
    if assignment is None:
        raise NotFound()
    return assignment
