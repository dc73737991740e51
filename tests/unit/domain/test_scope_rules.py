"""Which role may take which action on which kind of record (the jurisdiction itself is tested on the database)."""

from __future__ import annotations

import pytest

from dispatch.domain.scope import Action, Actor, Forbidden, Resource, Role, may, require, sees_phone_numbers


def actor(role: Role, organization_id: int | None = None) -> Actor:
    return Actor(user_id=1, role=role, organization_id=organization_id)


@pytest.mark.parametrize("role", list(Role))
def test_everyone_may_read_organizations_and_cells(role):
    assert may(actor(role), Action.READ, Resource.ORGANIZATION) and may(actor(role), Action.READ, Resource.CELL)


@pytest.mark.parametrize("role", [Role.ORG_LEADER, Role.GRID_WORKER])
def test_only_administrators_keep_the_registry(role):
    for action in (Action.CREATE, Action.EDIT, Action.SUSPEND):
        with pytest.raises(Forbidden):
            require(actor(role), action, Resource.ORGANIZATION)


def test_grid_workers_do_not_see_member_lists():
    assert not may(actor(Role.GRID_WORKER), Action.READ, Resource.MEMBER)
    assert may(actor(Role.ORG_LEADER), Action.READ, Resource.MEMBER)


def test_phone_numbers_are_for_dispatchers_and_the_organizations_own_leader():
    assert sees_phone_numbers(actor(Role.DUTY_OFFICER), 7)
    assert sees_phone_numbers(actor(Role.ORG_LEADER, organization_id=7), 7)
    assert not sees_phone_numbers(actor(Role.ORG_LEADER, organization_id=8), 7)
    assert not sees_phone_numbers(actor(Role.GRID_WORKER), 7)
