"""Users: creating them with their jurisdiction, and checking passwords."""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from dispatch.domain.scope import Role
from dispatch.extensions import db
from dispatch.models import County, GridCell, Organization, Subdistrict, User
from dispatch.services import audit
from dispatch.services.errors import Conflict, FieldError, InvalidInput
from dispatch.services.identity import passwords

# A hash to compare against when the username is unknown, so both paths cost the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def create_user(
    username: str,
    password: str,
    role: Role,
    *,
    display_name: str = "",
    county_id: int | None = None,
    subdistrict_id: int | None = None,
    organization_id: int | None = None,
    cell_ids: list[int] | None = None,
    phone: str | None = None,
    issued: bool = True,
) -> User:
    """Create a user; the scope a role needs must be given, and the county is derived where it can be.

    The password must pass the rules (every reason it fails is told). ``issued``: an account an operator or an
    administrator hands to someone, who must change the password at first login; its creation is audited. The demo
    district's accounts and test fixtures are not issued."""
    if errors := passwords.policy_errors(password, username):
        raise InvalidInput(errors)
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise Conflict([FieldError("username", "username.taken")])
    user = User(
        username=username,
        password_hash=passwords.hash_password(password),
        role=role,
        display_name=display_name,
        phone=phone,
        must_change_password=issued,
    )
    _set_scope(user, county_id, subdistrict_id, organization_id, cell_ids or [])
    db.session.add(user)
    db.session.commit()
    if issued:
        detail = {"username": user.username, "role": user.role.value}
        audit.record("user.created", object_type="user", object_id=user.id, county_id=user.county_id, detail=detail)
    return user


def _set_scope(user: User, county_id, subdistrict_id, organization_id, cell_ids: list[int]) -> None:
    if user.role is Role.ADMIN:
        user.county_id = _get(County, _required(county_id, "county"), "county").id
    elif user.role is Role.DUTY_OFFICER:
        subdistrict = _get(Subdistrict, _required(subdistrict_id, "subdistrict"), "subdistrict")
        user.subdistrict_id, user.county_id = subdistrict.id, subdistrict.county_id
    elif user.role is Role.ORG_LEADER:
        organization = _get(Organization, _required(organization_id, "organization"), "organization")
        user.organization_id = organization.id
        user.county_id = organization.community.subdistrict.county_id
    else:
        wanted = set(_required(cell_ids, "cells"))
        user.cells = list(db.session.scalars(select(GridCell).where(GridCell.id.in_(wanted))))
        if missing := wanted - {cell.id for cell in user.cells}:
            raise InvalidInput([FieldError("cells", "scope.unknown", {"field": "cells", "value": sorted(missing)})])
        # Not their scope (that is the cells): the county whose administrators look after the account.
        user.county_id = user.cells[0].community.subdistrict.county_id


def _required(value, field: str):
    if not value:
        raise InvalidInput([FieldError(field, "role.scope_missing", {"field": field})])
    return value


def _get(model, record_id: int, field: str):
    record = db.session.get(model, record_id)
    if record is None:
        raise InvalidInput([FieldError(field, "scope.unknown", {"field": field, "value": record_id})])
    return record
