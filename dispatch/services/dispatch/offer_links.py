"""The links in an offer's messages and the offer each opens.

``<PUBLIC_URL>/m/o/<code>`` opens the phone page at the offer, for its own leader once logged in. The one-tap link
``<PUBLIC_URL>/t/<token>`` needs no login: its token (``dispatch/domain/offer_tokens.py``) names one offer and is
signed with ``OFFER_LINK_KEY`` (or a key derived from ``SECRET_KEY``), and it lets whoever holds it see that offer and
answer it, until the offer's deadline, through the same accept and decline as every other answer; nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select

from dispatch.domain.assignments import AssignmentState
from dispatch.domain.offer_tokens import assignment_of, token_for
from dispatch.domain.scope import Action, Actor, Forbidden, Resource, Role, require
from dispatch.extensions import db
from dispatch.models import Assignment
from dispatch.services.dispatch import answers
from dispatch.services.dispatch.candidates import free_people
from dispatch.services.errors import NotFound
from dispatch.services.scoping import assignment_clause

LINK_PATH = "/m/o/"
TAP_PATH = "/t/"
VIA_LINK = "link"  # what an answer's event says about how it came


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


def link_key() -> bytes:
    """``OFFER_LINK_KEY``, or a key derived from ``SECRET_KEY``; changing either voids every link already sent."""
    configured = current_app.config.get("OFFER_LINK_KEY")
    if configured:
        return configured.encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), b"dispatch offer links", hashlib.sha256).digest()


def tap_token(assignment_id: int) -> str:
    """The one-tap link's token for this offer (at most 22 letters and digits)."""
    return token_for(assignment_id, link_key())


def tap_link(assignment_id: int) -> str:
    """The one-tap link for this offer, to put in its SMS, robot message or voice follow-up."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + TAP_PATH + tap_token(assignment_id)


def offer_by_token(token: str) -> Assignment:
    """The offer a one-tap link's token names; NotFound for a token this service did not sign (tampered, cut,
    made with another key) or an offer that no longer exists."""
    assignment_id = assignment_of(token, link_key())
    assignment = db.session.get(Assignment, assignment_id) if assignment_id is not None else None
    if assignment is None:
        raise NotFound()
    return assignment


def open_for_answer(assignment: Assignment) -> bool:
    """Whether the offer can still be answered: offered and before its deadline (the sweeper may not have run)."""
    return assignment.state is AssignmentState.OFFERED and assignment.deadline > datetime.now(UTC)


def suggested_head_count(assignment: Assignment) -> int:
    """What the link's form starts with: as many as the need lacks and the organization has free (at least one)."""
    need = assignment.need
    return max(1, min(need.still_needed, free_people(need, assignment.organization_id, datetime.now(UTC).date())))


def accept_by_link(assignment: Assignment, head_count: int) -> Assignment:
    """Accept the offer for its organization's leader, as their phone page or SMS reply would."""
    return answers.accept(answers.leader_actor(assignment), assignment.id, head_count, via=VIA_LINK)


def decline_by_link(assignment: Assignment, reason: str) -> Assignment:
    """Decline the offer for its organization's leader, as their phone page or SMS reply would."""
    return answers.decline(answers.leader_actor(assignment), assignment.id, reason, via=VIA_LINK)
