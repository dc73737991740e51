"""A drill that rehearses a plan (预案演练对照): the plan beside what happened, task by task (pure: values in, rows out).

For each task of the plan version the drill started: whether its need was posted, whether it was filled (people
accepted against its head count), how long from the plan's start until it was filled (or until now, or until the
drill incident closed, when it was not), and how each designated organization (预案指定队伍) answered: the ones
that let the offer run out or have not answered yet, and the ones that declined, are what a rehearsal is for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from dispatch.domain.after_action import LoggedEvent
from dispatch.domain.drill_report import OfferRow, Why


class Answer(str, Enum):
    """How a designated organization answered its offer for the task (the last offer made to it)."""

    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"  # the offer ran out unanswered
    OPEN = "open"  # offered, not answered yet
    WITHDRAWN = "withdrawn"  # the offer was taken back (the need filled or closed) before an answer
    NOT_OFFERED = "not_offered"  # could not answer now, as the ranking judged it (busy, out of reach)


SILENT = frozenset({Answer.EXPIRED, Answer.OPEN})  # offered and did not answer


@dataclass(frozen=True)
class PlannedTask:
    """A task as the started plan version says it."""

    number: int
    name: str
    head_count: int


@dataclass(frozen=True)
class PostedTask:
    """The need a task was posted as: its accepted people now and its designated organizations, first asked first."""

    need_id: int
    accepted: int
    designated: tuple[int, ...]


@dataclass(frozen=True)
class DesignatedAnswer:
    organization_id: int
    position: int  # 1: asked first
    answer: Answer
    reason: str = ""  # a decline's reason


@dataclass(frozen=True)
class TaskOutcome:
    number: int
    name: str
    head_count: int
    need_id: int | None  # None: not posted
    accepted: int
    filled: bool
    elapsed_s: float | None  # plan start → filled; when not filled, → now or the close (None: not started)
    designated: tuple[DesignatedAnswer, ...]

    @property
    def posted(self) -> bool:
        return self.need_id is not None

    @property
    def silent(self) -> tuple[DesignatedAnswer, ...]:
        """The designated organizations offered the task that did not answer (ran out, or still open)."""
        return tuple(d for d in self.designated if d.answer in SILENT)

    @property
    def declined(self) -> tuple[DesignatedAnswer, ...]:
        return tuple(d for d in self.designated if d.answer is Answer.DECLINED)


@dataclass(frozen=True)
class Rehearsal:
    plan_id: int
    title: str
    version: int
    started_at: datetime | None  # None: the drill has not started the plan (not yet due, or it could not)
    tasks: tuple[TaskOutcome, ...]
    why: tuple[Why, ...] = ()  # why the drill could not start the plan, when it could not

    @property
    def posted(self) -> int:
        return sum(task.posted for task in self.tasks)

    @property
    def filled(self) -> int:
        return sum(task.filled for task in self.tasks)


def rehearsal(
    plan: tuple[int, str, int],
    started_at: datetime | None,
    tasks: Sequence[PlannedTask],
    posted: dict[int, PostedTask],
    events: Sequence[LoggedEvent],
    offers: Sequence[OfferRow],
    until: datetime,
    why: tuple[Why, ...] = (),
) -> Rehearsal:
    """The plan (id, title, version) beside what happened: ``posted`` by task number, the drill incident's events
    and offers in log order, ``until`` when the clock stops for a task still unfilled (now, or the close), and
    ``why`` the plan could not be started, if it could not."""
    filled_at: dict[int | None, datetime] = {}
    for event in events:
        if event.kind == "need.filled":
            filled_at.setdefault(event.need_id, event.at)
    rows = tuple(_outcome(task, posted.get(task.number), started_at, filled_at, offers, until) for task in tasks)
    return Rehearsal(plan[0], plan[1], plan[2], started_at, rows, why)


def _outcome(
    task: PlannedTask,
    need: PostedTask | None,
    started_at: datetime | None,
    filled_at: dict[int | None, datetime],
    offers: Sequence[OfferRow],
    until: datetime,
) -> TaskOutcome:
    if need is None:
        return TaskOutcome(task.number, task.name, task.head_count, None, 0, False, None, ())
    filled = need.need_id in filled_at or need.accepted >= task.head_count
    end = filled_at.get(need.need_id, until) if filled else until
    elapsed = max(0.0, (end - started_at).total_seconds()) if started_at is not None else None
    answers = designated_answers(need.designated, [o for o in offers if o.need_id == need.need_id])
    return TaskOutcome(task.number, task.name, task.head_count, need.need_id, need.accepted, filled, elapsed, answers)


def designated_answers(designated: Sequence[int], offers: Sequence[OfferRow]) -> tuple[DesignatedAnswer, ...]:
    """How each designated organization answered the need's offers: an acceptance counts whenever it came,
    otherwise the last offer made to it says."""
    answers = []
    for position, organization_id in enumerate(designated, start=1):
        theirs = [o for o in offers if o.organization_id == organization_id]
        answers.append(_answer_of(organization_id, position, theirs))
    return tuple(answers)


def _answer_of(organization_id: int, position: int, offers: list[OfferRow]) -> DesignatedAnswer:
    if not offers:
        return DesignatedAnswer(organization_id, position, Answer.NOT_OFFERED)
    if any(o.answer == "accepted" for o in offers):
        return DesignatedAnswer(organization_id, position, Answer.ACCEPTED)
    last = offers[-1]
    answer = Answer(last.answer) if last.answer is not None else Answer.OPEN
    return DesignatedAnswer(organization_id, position, answer, last.reason if answer is Answer.DECLINED else "")
