"""Drill scenarios (演练脚本): a timed script of needs at places, written as a YAML file.

A drill runs the real pipeline; the scenario only says what to post and when. The format::

    title: 台风防汛演练              # required: the drill incident's title (at most 200 characters)
    category: natural_disaster      # optional: natural_disaster (default), accident, public_health, social_security
    level: IV                       # optional: I, II, III or IV (default IV, 一般)
    plan: 西溪街道防台风预案         # optional: an emergency plan to rehearse, by its exact title or its id
    plan_at: 0m                     # optional (default 0m): when the drill starts the plan, an offset like the steps'
    steps:                          # 1 to 200 steps, in time order; optional when a plan is named
      - at: 0m                      # offset from the start: 0, 0m, 90s, 5m, 5 min, 1h, 1h30m, +5m (at most 24h)
        need:                       # the need to post, with the fields of the needs API (NeedIn)
          skills: [logistics]
          head_count: 20
          address: 西溪街道文新社区   # an address, or a location: {lon: 120.1, lat: 30.27, system: wgs84}
          description: 装填沙袋
          priority: urgent
          offer_timeout_s: 300
      - at: 5m
        need: {skills: [first_aid], head_count: 4, location: {lon: 120.1, lat: 30.27}}

Steps at the same offset are posted in the order written; a plan due at the same offset as a step starts first.
The drill runs its plan and its steps as one timeline (``Scenario.timeline``): the plan start is one more moment
on it, run once like a step. Every problem is reported, not just the first, with
the 1-based line it is on and a message code (``drill.*``, or pydantic's own for the need fields, which the
service checks against NeedIn because only it knows the schemas). Anchors and aliases are refused: a scenario is
typed by a person, and an alias bomb must not cost the server its memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from itertools import pairwise
from typing import Any

import yaml
from yaml.nodes import Node, ScalarNode, SequenceNode

from dispatch.domain.incidents import IncidentCategory, IncidentLevel
from dispatch.domain.yaml_documents import DocumentCodes, DocumentReader, Fields, InvalidDocument, Problem, dump, visible_text

MAX_STEPS = 200
MAX_OFFSET_S = 24 * 3600
MAX_CHARS = 200_000
TITLE_MAX = 200
TOP_KEYS = ("title", "category", "level", "plan", "plan_at", "steps")
PLAN_MAX = 200
STEP_KEYS = ("at", "need")
_OFFSET = re.compile(r"^\+?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*(?:(\d+)\s*s)?$")
CODES = DocumentCodes(
    too_large="drill.too_large",
    not_yaml="drill.not_yaml",
    too_deep="drill.too_deep",
    empty="drill.empty",
    not_mapping="drill.not_mapping",
    unknown_key="drill.unknown_key",
    duplicate_key="drill.duplicate_key",
    alias="drill.alias",
    missing="drill.missing",
    bad_value="drill.bad_value",
)


class InvalidScenario(InvalidDocument):
    """The scenario cannot run; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems, "scenario")


@dataclass(frozen=True)
class Step:
    """One timed need: posted ``offset_s`` seconds after the drill starts."""

    number: int  # 1-based, as the officer counts them
    offset_s: int
    need: dict[str, Any]  # the raw mapping, as the needs API reads it
    # Where the step was written: not part of what the step is, so one scenario typed two ways compares equal.
    line: int = field(compare=False)
    field_lines: dict[str, int] = field(compare=False)  # each need field's line, to place what NeedIn refuses

    @property
    def where(self) -> str:
        return f"steps[{self.number}]"

    def line_of(self, need_field: str) -> int:
        return self.field_lines.get(need_field, self.line)


@dataclass(frozen=True)
class PlanStart:
    """The plan the drill rehearses, named as written (an exact title, or an id), started ``offset_s`` after the start."""

    named: str
    offset_s: int
    line: int = field(compare=False)

    @property
    def by_id(self) -> int | None:
        """The id the name could be (a decimal number), for when no plan has it as its title."""
        return int(self.named) if self.named.isdecimal() else None


Moment = Step | PlanStart


@dataclass(frozen=True)
class Scenario:
    title: str
    category: IncidentCategory
    level: IncidentLevel
    steps: tuple[Step, ...]
    plan: PlanStart | None = None

    @property
    def timeline(self) -> tuple[Moment, ...]:
        """What the drill does, in the order it does it: the steps, with the plan start before the first step due
        after it (a run's ``steps_done`` counts these moments). Without a plan, the steps alone, so runs started
        before plans could be rehearsed count as they did."""
        if self.plan is None:
            return self.steps
        before = sum(step.offset_s < self.plan.offset_s for step in self.steps)
        return (*self.steps[:before], self.plan, *self.steps[before:])


def parse_scenario(text: str) -> Scenario:
    """The scenario a YAML text describes, or InvalidScenario with every problem and its line."""
    reader = _Reader(text)
    root = reader.root()
    scenario = reader.scenario(root) if root is not None else None
    if reader.problems or scenario is None:
        raise InvalidScenario(reader.problems)
    return scenario


def parse_offset(value: Any) -> int | None:
    """Seconds from a written offset (``5m``, ``90s``, ``1h30m``, ``0``); None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return 0 if value == 0 else None  # a bare number has no unit (and YAML reads 1:30 as 90)
    if not isinstance(value, str) or not (match := _OFFSET.match(value.strip())) or not any(match.groups()):
        return None
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def scenario_yaml(title: str, category: str, level: str, steps: list[tuple[Any, dict[str, Any]]]) -> str:
    """The YAML text of a scenario given as plain values (what the drill form builds): ``steps`` are (at, need) pairs.
    Nothing is checked here: the text goes through ``parse_scenario`` like any file, so it meets the same rules."""
    return dump({"title": title, "category": category, "level": level, "steps": [{"at": at, "need": need} for at, need in steps]})


def as_yaml_reads(text: str) -> Any:
    """A typed value as YAML reads it where the scenario expects a number: ``5`` is 5, ``0`` is 0, ``120.13`` is
    120.13; anything else stays the text, so a form and a file that say the same thing meet the same checks."""
    tag = _RESOLVER.resolve(ScalarNode, text, (True, False))
    return yaml.safe_load(text) if tag in _NUMBER_TAGS else text


_RESOLVER = yaml.resolver.Resolver()
_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


class _Reader(DocumentReader):
    """A scenario's shape on top of the shared reader: its title, choices and timed steps."""

    def __init__(self, text: str) -> None:
        super().__init__(text, CODES, "scenario", MAX_CHARS)

    def scenario(self, root: Node) -> Scenario | None:
        top = self.mapping(root, "scenario", TOP_KEYS)
        if top is None:
            return None
        title = self._title(top)
        category = self._choice(top, "category", IncidentCategory, IncidentCategory.NATURAL_DISASTER)
        level = self._choice(top, "level", IncidentLevel, IncidentLevel.IV)
        plan = self._plan(top)
        steps = self._steps(top, plan_named="plan" in top.nodes)
        if title is None or category is None or level is None or steps is None or plan is False:
            return None
        return Scenario(title, category, level, steps, plan)

    def _plan(self, top: Fields) -> PlanStart | bool | None:
        """The plan to rehearse; None when none is named, False when it is named wrong (reported)."""
        if "plan" not in top.nodes:
            if "plan_at" in top.nodes:
                self.problem(top.lines["plan_at"], "plan_at", "drill.plan_at_without_plan")
            return None
        named = self.scalar_text(top.nodes["plan"], "plan")
        if not named or len(named) > PLAN_MAX:
            self.problem(top.lines["plan"], "plan", "drill.bad_plan", max=PLAN_MAX)
            return False
        offset = self._offset(top, "plan_at", "plan_at") if "plan_at" in top.nodes else 0
        return False if offset is None else PlanStart(named, offset, top.lines["plan"])

    def _title(self, top: Fields) -> str | None:
        if (node := self.required(top, "title", "title")) is None:
            return None
        value = self.plain(node, "title")
        title = visible_text(str(value)) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""
        if not title:
            self.problem(top.lines["title"], "title", "drill.bad_title")
        elif len(title) > TITLE_MAX:
            self.problem(top.lines["title"], "title", "string_too_long", max_length=TITLE_MAX)
        return title if 0 < len(title) <= TITLE_MAX else None

    def _choice(self, top: Fields, key: str, enum: type[Enum], default: Any) -> Any:
        return self.choice(top, key, enum) if key in top.nodes else default

    def _steps(self, top: Fields, plan_named: bool) -> tuple[Step, ...] | None:
        if "steps" not in top.nodes:
            if not plan_named:
                self.problem(top.line, "steps", "drill.no_steps_or_plan")
            return () if plan_named else None
        node = top.nodes["steps"]
        if plan_named and isinstance(node, SequenceNode) and not node.value:
            return ()  # a plan and no steps of its own, written as an empty list
        if not isinstance(node, SequenceNode) or not node.value:
            self.problem(top.lines["steps"], "steps", "drill.no_steps")
            return None
        if len(node.value) > MAX_STEPS:
            self.problem(top.lines["steps"], "steps", "drill.too_many_steps", max=MAX_STEPS, count=len(node.value))
            return None
        steps = [self._step(number, item) for number, item in enumerate(node.value, start=1)]
        self._check_order([s for s in steps if s is not None])
        return tuple(steps) if all(steps) else None

    def _step(self, number: int, node: Node) -> Step | None:
        where = f"steps[{number}]"
        step = self.mapping(node, where, STEP_KEYS)
        if step is None:
            return None
        offset = self._offset(step, "at", f"{where}.at")
        need = self._need(step, where)
        if offset is None or need is None:
            return None
        return Step(number, offset, need[0], step.line, need[1])

    def _offset(self, fields: Fields, key: str, where: str) -> int | None:
        if (node := self.required(fields, key, where)) is None:
            return None
        written = self.plain(node, where)
        offset = parse_offset(written)
        if offset is None:
            self.problem(fields.lines[key], where, "drill.bad_offset", value=str(written))
        elif offset > MAX_OFFSET_S:
            self.problem(fields.lines[key], where, "drill.offset_too_far", value=str(written), max="24h")
            return None
        return offset

    def _need(self, step: Fields, where: str) -> tuple[dict[str, Any], dict[str, int]] | None:
        if "need" not in step.nodes:
            self.problem(step.line, f"{where}.need", "drill.step_without_need")
            return None
        need = self.mapping(step.nodes["need"], f"{where}.need", ())
        if need is None:
            return None
        values = {key: self.plain(node, f"{where}.need.{key}") for key, node in need.nodes.items()}
        return values, dict(need.lines)

    def _check_order(self, steps: list[Step]) -> None:
        """Each step at or after the one before it: a script read top to bottom is the order things happen."""
        for before, after in pairwise(steps):
            if after.offset_s < before.offset_s:
                self.problem(after.line, f"{after.where}.at", "drill.out_of_order", previous=before.number)
