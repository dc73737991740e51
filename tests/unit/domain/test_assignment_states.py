"""The assignment state machine: every state x action, head counts, and random runs of one need."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from dispatch.domain.assignments import (
    AssignmentAction,
    AssignmentState,
    HeadCountTooLarge,
    InvalidHeadCount,
    InvalidTransition,
    acceptable_head_count,
    allowed_actions,
    is_active,
    is_open,
    is_terminal,
    next_state,
)

S = AssignmentState
A = AssignmentAction

# Written out from the issue, independently of the module's table.
EXPECTED = {
    (S.OFFERED, A.ACCEPT): S.ACCEPTED,
    (S.OFFERED, A.DECLINE): S.DECLINED,
    (S.OFFERED, A.EXPIRE): S.EXPIRED,
    (S.OFFERED, A.WITHDRAW): S.WITHDRAWN,
    (S.ACCEPTED, A.DEPART): S.EN_ROUTE,
    (S.ACCEPTED, A.ABORT): S.ABORTED,
    (S.ACCEPTED, A.CANCEL): S.CANCELLED,
    (S.EN_ROUTE, A.ARRIVE): S.ON_SITE,
    (S.EN_ROUTE, A.ABORT): S.ABORTED,
    (S.EN_ROUTE, A.CANCEL): S.CANCELLED,
    (S.ON_SITE, A.COMPLETE): S.COMPLETED,
    (S.ON_SITE, A.ABORT): S.ABORTED,
    (S.ON_SITE, A.CANCEL): S.CANCELLED,
}
TERMINAL = {S.DECLINED, S.EXPIRED, S.WITHDRAWN, S.COMPLETED, S.ABORTED, S.CANCELLED}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(S, A)))
def test_every_state_and_action(state, action):
    if (state, action) in EXPECTED:
        assert next_state(state, action) is EXPECTED[state, action]
    else:
        with pytest.raises(InvalidTransition) as caught:
            next_state(state, action)
        assert (caught.value.state, caught.value.action) == (state, action)


def test_plain_strings_are_accepted_and_unknown_ones_refused():
    assert next_state("offered", "accept") is S.ACCEPTED
    with pytest.raises(InvalidTransition):
        next_state("lost", "accept")
    with pytest.raises(InvalidTransition):
        next_state("offered", "teleport")


@pytest.mark.parametrize("state", list(S))
def test_state_kinds(state):
    assert is_terminal(state) == (state in TERMINAL) == (not allowed_actions(state))
    assert is_open(state) == (state is S.OFFERED)
    assert is_active(state) == (state in {S.ACCEPTED, S.EN_ROUTE, S.ON_SITE})


def test_error_message_names_the_state_and_action():
    with pytest.raises(InvalidTransition, match="cannot accept an assignment that is withdrawn"):
        next_state(S.WITHDRAWN, A.ACCEPT)


@pytest.mark.parametrize(("requested", "still_needed"), [(1, 1), (3, 5), (5, 5)])
def test_head_count_up_to_what_is_still_needed(requested, still_needed):
    assert acceptable_head_count(requested, still_needed) == requested


def test_head_count_larger_than_still_needed_is_refused():
    with pytest.raises(HeadCountTooLarge) as caught:
        acceptable_head_count(6, 5)
    assert (caught.value.requested, caught.value.still_needed) == (6, 5)


@pytest.mark.parametrize("requested", [0, -1])
def test_head_count_below_one_is_refused(requested):
    with pytest.raises(InvalidHeadCount):
        acceptable_head_count(requested, 5)


class OneNeed(RuleBasedStateMachine):
    """A need of head count H with offers going out, answered and worked in random order.

    The rules play the service: accept through ``acceptable_head_count``, and a need that
    becomes filled withdraws its other open offers. Invariants are checked after every step.
    """

    @initialize(head_count=st.integers(1, 8))
    def start(self, head_count: int) -> None:
        self.head_count = head_count
        self.states: list[AssignmentState] = []
        self.people: list[int] = []
        self.ever_withdrawn: set[int] = set()
        self.terminal_seen: dict[int, AssignmentState] = {}

    def still_needed(self) -> int:
        committed = sum(n for state, n in zip(self.states, self.people, strict=True) if is_active(state))
        return self.head_count - committed

    # Like the service: no new offers for a filled need.
    @precondition(lambda self: len(self.states) < 12 and self.still_needed() > 0)
    @rule()
    def offer(self) -> None:
        self.states.append(S.OFFERED)
        self.people.append(0)

    @precondition(lambda self: self.states)
    @rule(data=st.data(), requested=st.integers(-1, 10))
    def accept(self, data: st.DataObject, requested: int) -> None:
        i = data.draw(st.integers(0, len(self.states) - 1))
        try:
            n = acceptable_head_count(requested, self.still_needed())
            self.states[i] = next_state(self.states[i], A.ACCEPT)
        except (InvalidTransition, HeadCountTooLarge, InvalidHeadCount):
            return
        self.people[i] = n
        if self.still_needed() == 0:
            self.withdraw_open_offers()

    @precondition(lambda self: self.states)
    @rule(data=st.data(), action=st.sampled_from([a for a in A if a is not A.ACCEPT]))
    def act(self, data: st.DataObject, action: AssignmentAction) -> None:
        i = data.draw(st.integers(0, len(self.states) - 1))
        before = self.states[i]
        try:
            self.states[i] = next_state(before, action)
        except InvalidTransition:
            assert (before, action) not in EXPECTED
            return
        if self.states[i] is S.WITHDRAWN:
            self.ever_withdrawn.add(i)

    def withdraw_open_offers(self) -> None:
        for i, state in enumerate(self.states):
            if is_open(state):
                self.states[i] = next_state(state, A.WITHDRAW)
                self.ever_withdrawn.add(i)

    @invariant()
    def states_are_in_the_enum(self) -> None:
        assert all(isinstance(state, AssignmentState) for state in self.states)

    @invariant()
    def terminal_states_never_change(self) -> None:
        for i, state in self.terminal_seen.items():
            assert self.states[i] is state
        self.terminal_seen.update((i, state) for i, state in enumerate(self.states) if is_terminal(state))

    @invariant()
    def never_more_people_than_the_need(self) -> None:
        assert 0 <= self.still_needed() <= self.head_count

    @invariant()
    def a_withdrawn_offer_is_never_accepted(self) -> None:
        assert all(self.states[i] is S.WITHDRAWN for i in self.ever_withdrawn)

    @invariant()
    def a_filled_need_has_no_open_offers(self) -> None:
        if self.still_needed() == 0:
            assert not any(is_open(state) for state in self.states)


OneNeed.TestCase.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)
test_one_need = OneNeed.TestCase
