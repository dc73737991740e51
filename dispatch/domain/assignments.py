"""The life of one offer of one need to one organization (派单), as one transition table.

An ``Assignment`` is offered to an organization; its leader accepts with a head count or
declines; an unanswered offer expires; a filled need (or the duty officer) withdraws the
other open offers. Accepted work goes en route, on site and is completed, unless the leader
aborts it or the officer cancels it. Services guard every transition on the current state in
one transaction; this module only says which transitions exist.
"""

from __future__ import annotations

from enum import Enum

__all__ = [
    "ACTIVE_STATES",
    "OPEN_STATES",
    "TERMINAL_STATES",
    "TRANSITIONS",
    "AssignmentAction",
    "AssignmentState",
    "HeadCountTooLarge",
    "InvalidHeadCount",
    "InvalidTransition",
    "acceptable_head_count",
    "allowed_actions",
    "is_active",
    "is_open",
    "is_terminal",
    "next_state",
]


class AssignmentState(str, Enum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    COMPLETED = "completed"
    ABORTED = "aborted"
    CANCELLED = "cancelled"


class AssignmentAction(str, Enum):
    ACCEPT = "accept"  # the leader, with a head count
    DECLINE = "decline"  # the leader, with a reason
    EXPIRE = "expire"  # the deadline sweeper
    WITHDRAW = "withdraw"  # the need was filled, or the officer took the offer back
    DEPART = "depart"  # the leader: on the way
    ARRIVE = "arrive"  # the leader: on site
    COMPLETE = "complete"  # the leader: done
    ABORT = "abort"  # the leader gives up accepted work
    CANCEL = "cancel"  # the officer calls accepted work off


_S = AssignmentState
_A = AssignmentAction

# Once accepted, the leader may abort and the officer may cancel at every step until completion.
_STOPPABLE = {_A.ABORT: _S.ABORTED, _A.CANCEL: _S.CANCELLED}

TRANSITIONS: dict[AssignmentState, dict[AssignmentAction, AssignmentState]] = {
    _S.OFFERED: {_A.ACCEPT: _S.ACCEPTED, _A.DECLINE: _S.DECLINED, _A.EXPIRE: _S.EXPIRED, _A.WITHDRAW: _S.WITHDRAWN},
    _S.ACCEPTED: {_A.DEPART: _S.EN_ROUTE, **_STOPPABLE},
    _S.EN_ROUTE: {_A.ARRIVE: _S.ON_SITE, **_STOPPABLE},
    _S.ON_SITE: {_A.COMPLETE: _S.COMPLETED, **_STOPPABLE},
    _S.DECLINED: {},
    _S.EXPIRED: {},
    _S.WITHDRAWN: {},
    _S.COMPLETED: {},
    _S.ABORTED: {},
    _S.CANCELLED: {},
}

OPEN_STATES = frozenset({_S.OFFERED})
# People in these states are committed to the need: they count toward its head count.
ACTIVE_STATES = frozenset({_S.ACCEPTED, _S.EN_ROUTE, _S.ON_SITE})
LIVE_STATES = frozenset({_S.OFFERED, *ACTIVE_STATES})  # an open offer or work under way: one per organization and need
TERMINAL_STATES = frozenset(state for state, moves in TRANSITIONS.items() if not moves)


class InvalidTransition(Exception):
    """``action`` is not allowed from ``state``."""

    def __init__(self, state: AssignmentState | str, action: AssignmentAction | str) -> None:
        super().__init__(f"cannot {_value(action)} an assignment that is {_value(state)}")
        self.state = state
        self.action = action


class InvalidHeadCount(Exception):
    """A head count below one."""

    def __init__(self, requested: int) -> None:
        super().__init__(f"head count must be at least 1, got {requested}")
        self.requested = requested


class HeadCountTooLarge(Exception):
    """More people offered than the need still lacks."""

    def __init__(self, requested: int, still_needed: int) -> None:
        super().__init__(f"head count {requested} is more than the {still_needed} still needed")
        self.requested = requested
        self.still_needed = still_needed


def next_state(state: AssignmentState | str, action: AssignmentAction | str) -> AssignmentState:
    """The state ``action`` leads to from ``state``; raises ``InvalidTransition`` if it is not allowed.

    Plain strings work too: a ``str`` enum member hashes and compares as its value.
    """
    target = TRANSITIONS.get(state, {}).get(action)  # type: ignore[call-overload]
    if target is None:
        raise InvalidTransition(state, action)
    return target


def allowed_actions(state: AssignmentState | str) -> frozenset[AssignmentAction]:
    """The actions allowed from ``state`` (empty for a terminal or unknown state)."""
    return frozenset(TRANSITIONS.get(state, {}))  # type: ignore[call-overload]


def is_open(state: AssignmentState | str) -> bool:
    """An offer still waiting for the leader's answer."""
    return state in OPEN_STATES


def is_active(state: AssignmentState | str) -> bool:
    """Accepted work under way: its people count toward the need's head count."""
    return state in ACTIVE_STATES


def is_terminal(state: AssignmentState | str) -> bool:
    """No action leads out of this state."""
    return state in TERMINAL_STATES


def acceptable_head_count(requested: int, still_needed: int) -> int:
    """``requested`` if a leader may accept with it: at least one, never more than the need still lacks."""
    if requested < 1:
        raise InvalidHeadCount(requested)
    if requested > still_needed:
        raise HeadCountTooLarge(requested, still_needed)
    return requested


def _value(member: Enum | str) -> str:
    return member.value if isinstance(member, Enum) else str(member)
