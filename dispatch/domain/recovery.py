"""Recovery (恢复重建, Article 7): what state a recovery task is in, derived from its offers and the confirmation.

A recovery task is work offered like any need (the same assignments); its state is never stored, it follows
from the states of its assignments and whether the cell's grid worker has confirmed the work done.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from dispatch.domain.assignments import ACTIVE_STATES, AssignmentState


class NeedKind(str, Enum):
    RESPONSE = "response"  # emergency response, while the incident is active
    RECOVERY = "recovery"  # restoring production, daily life and order, while the incident is in recovery


class RecoveryState(str, Enum):
    WAITING = "waiting"  # nobody has taken it on yet
    IN_PROGRESS = "in_progress"  # an organization is working on it
    DONE = "done"  # work completed, waiting for the grid worker to confirm
    CONFIRMED = "confirmed"  # the grid worker confirmed it done


class NotDone(Exception):
    """Only finished work can be confirmed."""

    def __init__(self, state: RecoveryState) -> None:
        super().__init__(f"the task is {state.value}, not done")
        self.state = state


def recovery_state(assignment_states: Iterable[AssignmentState], confirmed: bool) -> RecoveryState:
    if confirmed:
        return RecoveryState.CONFIRMED
    states = set(assignment_states)
    if states & ACTIVE_STATES:
        return RecoveryState.IN_PROGRESS
    if AssignmentState.COMPLETED in states:
        return RecoveryState.DONE
    return RecoveryState.WAITING


def percent_done(state: RecoveryState, reported: int) -> int:
    """What the board shows: the last per cent reported, and 100 once the work is done."""
    return 100 if state in (RecoveryState.DONE, RecoveryState.CONFIRMED) else reported


def confirmable(state: RecoveryState) -> None:
    """Raise ``NotDone`` unless the work is done and not yet confirmed."""
    if state is not RecoveryState.DONE:
        raise NotDone(state)
