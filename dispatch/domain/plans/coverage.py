"""Which plans an incident calls for, which start by themselves, and which of a plan's tasks an officer starts.

A plan covers one category of event from its ``min_level`` up: levels run IV (一般) < III (较大) < II (重大) <
I (特别重大), so a plan with min_level III covers III, II and I. A subdistrict's own plans come before the county's,
since they know its streets and teams; among those, the narrower plan (the graver min_level) comes first, because it
was written for events like this one rather than for every event of the kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dispatch.domain.incidents import IncidentCategory, IncidentLevel
from dispatch.domain.plans.document import PlanTask
from dispatch.domain.yaml_documents import Problem

GRAVITY = {IncidentLevel.IV: 1, IncidentLevel.III: 2, IncidentLevel.II: 3, IncidentLevel.I: 4}


@dataclass(frozen=True)
class PlanSummary:
    """What choosing a plan reads of it: the plan version in force, without its tasks."""

    id: int
    version: int
    subdistrict_id: int | None  # None: a county plan, for every subdistrict
    category: IncidentCategory
    min_level: IncidentLevel
    auto_start: bool


class InvalidTaskChoice(Exception):
    """The tasks chosen to start are not tasks of the plan; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the tasks chosen")
        self.problems = problems


def covers(min_level: IncidentLevel | str, level: IncidentLevel | str) -> bool:
    """Whether a plan written from ``min_level`` up applies to an incident of ``level``."""
    return _gravity(level) >= _gravity(min_level)


def proposed_plans(
    plans: Iterable[PlanSummary], category: IncidentCategory | str, level: IncidentLevel | str, subdistrict_ids: Iterable[int]
) -> list[PlanSummary]:
    """The plans that cover an incident of this category and level in these subdistricts, in the order to offer
    them: the subdistricts' own before the county's, then the narrower min_level first, then the older plan."""
    category, places = IncidentCategory(category), set(subdistrict_ids)
    fitting = [
        plan
        for plan in plans
        if IncidentCategory(plan.category) is category
        and covers(plan.min_level, level)
        and (plan.subdistrict_id is None or plan.subdistrict_id in places)
    ]
    return sorted(fitting, key=lambda plan: (plan.subdistrict_id is None, -_gravity(plan.min_level), plan.id))


def starts_by_itself(plan: PlanSummary, level: IncidentLevel | str) -> bool:
    """Whether the plan starts with no officer's word: only a level I incident, and only a plan that says so."""
    return plan.auto_start and IncidentLevel(level) is IncidentLevel.I


def chosen_tasks(tasks: Sequence[PlanTask], names_or_numbers: Sequence[str | int]) -> tuple[PlanTask, ...]:
    """The tasks an officer chose to start, named or numbered (1-based, as listed), in the plan's order. A name or
    number the plan lacks, a task chosen twice, or no task at all is refused with InvalidTaskChoice, every problem
    placed at its position in the choice (``tasks[2]``)."""
    chosen: set[int] = set()
    problems = []
    for position, wanted in enumerate(names_or_numbers, start=1):
        if (problem := _choose(tasks, wanted, chosen, f"tasks[{position}]")) is not None:
            problems.append(problem)
    if not names_or_numbers:
        problems.append(Problem(None, "tasks", "plan.no_task_chosen"))
    if problems:
        raise InvalidTaskChoice(problems)
    return tuple(task for task in tasks if task.number in chosen)


def _gravity(level: IncidentLevel | str) -> int:
    return GRAVITY[IncidentLevel(level)]


def _choose(tasks: Sequence[PlanTask], wanted: str | int, chosen: set[int], where: str) -> Problem | None:
    """Adds the wanted task's number to ``chosen``, or says why it cannot."""
    task = _task_called(tasks, wanted)
    if task is None:
        return Problem(None, where, "plan.unknown_task", {"task": str(wanted)})
    if task.number in chosen:
        return Problem(None, where, "plan.task_chosen_twice", {"task": task.name})
    chosen.add(task.number)
    return None


def _task_called(tasks: Sequence[PlanTask], wanted: str | int) -> PlanTask | None:
    """The task by name, or by number (a form sends "2" as text; a task named "2" is still found by its name)."""
    if isinstance(wanted, str):
        by_name = next((task for task in tasks if task.name == wanted.strip()), None)
        if by_name is not None or not wanted.strip().isdecimal():
            return by_name
        wanted = int(wanted)
    if isinstance(wanted, bool) or not isinstance(wanted, int):
        return None
    return next((task for task in tasks if task.number == wanted), None)
