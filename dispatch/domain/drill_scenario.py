"""Drill scenarios (演练脚本): a timed script of needs at places, written as a YAML file.

A drill runs the real pipeline; the scenario only says what to post and when. The format::

    title: 台风防汛演练              # required: the drill incident's title (at most 200 characters)
    category: natural_disaster      # optional: natural_disaster (default), accident, public_health, social_security
    level: IV                       # optional: I, II, III or IV (default IV, 一般)
    steps:                          # required: 1 to 200 steps, in time order
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

Steps at the same offset are posted in the order written. Every problem is reported, not just the first, with
the 1-based line it is on and a message code (``drill.*``, or pydantic's own for the need fields, which the
service checks against NeedIn because only it knows the schemas). Anchors and aliases are refused: a scenario is
typed by a person, and an alias bomb must not cost the server its memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from dispatch.domain.incidents import IncidentCategory, IncidentLevel

MAX_STEPS = 200
MAX_OFFSET_S = 24 * 3600
MAX_CHARS = 200_000
TITLE_MAX = 200
TOP_KEYS = ("title", "category", "level", "steps")
STEP_KEYS = ("at", "need")
_OFFSET = re.compile(r"^\+?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*(?:(\d+)\s*s)?$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: its line (1-based; None when the text has none), where, and a message code."""

    line: int | None
    field: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


class InvalidScenario(Exception):
    """The scenario cannot run; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the scenario")
        self.problems = problems


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
class Scenario:
    title: str
    category: IncidentCategory
    level: IncidentLevel
    steps: tuple[Step, ...]


def parse_scenario(text: str) -> Scenario:
    """The scenario a YAML text describes, or InvalidScenario with every problem and its line."""
    if len(text) > MAX_CHARS:
        raise InvalidScenario([Problem(None, "scenario", "drill.too_large", {"limit": MAX_CHARS})])
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
    document = {"title": title, "category": category, "level": level, "steps": [{"at": at, "need": need} for at, need in steps]}
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000)


def as_yaml_reads(text: str) -> Any:
    """A typed value as YAML reads it where the scenario expects a number: ``5`` is 5, ``0`` is 0, ``120.13`` is
    120.13; anything else stays the text, so a form and a file that say the same thing meet the same checks."""
    tag = _RESOLVER.resolve(ScalarNode, text, (True, False))
    return yaml.safe_load(text) if tag in _NUMBER_TAGS else text


_RESOLVER = yaml.resolver.Resolver()
_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


@dataclass(frozen=True)
class _Mapping:
    """A YAML mapping's value nodes by key, with the line of each key."""

    line: int
    nodes: dict[str, Node]
    lines: dict[str, int]


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _yaml_error(exc: yaml.YAMLError, text: str) -> tuple[int | None, str]:
    """Where a YAML error is (the line, as a person counts) and what it says."""
    if isinstance(exc, ReaderError):
        return text.count("\n", 0, exc.position) + 1, f"unacceptable character #x{exc.character:04x}"
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return (mark.line + 1 if mark else None), getattr(exc, "problem", None) or str(exc)


class _Reader:
    """Walks the composed node tree (which keeps line numbers), collecting problems as it goes."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.loader: yaml.SafeLoader | None = None
        self.problems: list[Problem] = []
        self._seen: set[int] = set()

    def problem(self, node_or_line: Node | int | None, where: str, code: str, **params: Any) -> None:
        line = _line(node_or_line) if isinstance(node_or_line, Node) else node_or_line
        self.problems.append(Problem(line, where, code, params))

    def root(self) -> Node | None:
        try:
            self.loader = yaml.SafeLoader(self.text)  # it refuses unprintable characters at once
            root = self.loader.get_single_node()
        except yaml.YAMLError as exc:
            line, detail = _yaml_error(exc, self.text)
            self.problem(line, "scenario", "drill.not_yaml", detail=detail)
            return None
        except RecursionError:  # nested deeper than PyYAML's composer can go
            self.problem(None, "scenario", "drill.too_deep")
            return None
        finally:
            if self.loader is not None:
                self.loader.dispose()
        if root is None:
            self.problem(None, "scenario", "drill.empty")
        return root

    def mapping(self, node: Node, where: str, allowed: tuple[str, ...]) -> _Mapping | None:
        """The mapping at ``node`` (its unknown and repeated keys reported), or None when it is not one."""
        if not isinstance(node, MappingNode):
            self.problem(node, where, "drill.not_mapping")
            return None
        if not self._first_visit(node, where):
            return None
        found = _Mapping(_line(node), {}, {})
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key is None or (allowed and key not in allowed):
                self.problem(key_node, where, "drill.unknown_key", key=key or "?", allowed=", ".join(allowed))
            elif key in found.nodes:
                self.problem(key_node, where, "drill.duplicate_key", key=key)
            else:
                found.nodes[key], found.lines[key] = value_node, _line(key_node)
        return found

    def plain(self, node: Node, where: str) -> Any:
        """The Python value of a node (mappings, lists and scalars), aliases refused."""
        if not self._first_visit(node, where):
            return None
        if isinstance(node, MappingNode):
            return {str(k.value): self.plain(v, f"{where}.{k.value}") for k, v in node.value if isinstance(k, ScalarNode)}
        if isinstance(node, SequenceNode):
            return [self.plain(item, where) for item in node.value]
        return self.loader.construct_object(node)

    def _first_visit(self, node: Node, where: str) -> bool:
        """An alias is the same node met twice: refused, and not walked again."""
        if id(node) in self._seen:
            self.problem(node, where, "drill.alias")
            return False
        self._seen.add(id(node))
        return True

    def scenario(self, root: Node) -> Scenario | None:
        top = self.mapping(root, "scenario", TOP_KEYS)
        if top is None:
            return None
        title = self._title(top)
        category = self._choice(top, "category", IncidentCategory, IncidentCategory.NATURAL_DISASTER)
        level = self._choice(top, "level", IncidentLevel, IncidentLevel.IV)
        steps = self._steps(top)
        if title is None or category is None or level is None or steps is None:
            return None
        return Scenario(title, category, level, steps)

    def _title(self, top: _Mapping) -> str | None:
        if "title" not in top.nodes:
            self.problem(top.line, "title", "drill.missing", key="title")
            return None
        value = self.plain(top.nodes["title"], "title")
        title = str(value).strip() if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""
        if not title:
            self.problem(top.lines["title"], "title", "drill.bad_title")
        elif len(title) > TITLE_MAX:
            self.problem(top.lines["title"], "title", "string_too_long", max_length=TITLE_MAX)
        return title if 0 < len(title) <= TITLE_MAX else None

    def _choice(self, top: _Mapping, key: str, enum: type, default: Any) -> Any:
        if key not in top.nodes:
            return default
        value = self.plain(top.nodes[key], key)
        try:
            return enum(str(value))
        except ValueError:
            self.problem(top.lines[key], key, "enum", expected=", ".join(member.value for member in enum))
            return None

    def _steps(self, top: _Mapping) -> tuple[Step, ...] | None:
        node = top.nodes.get("steps")
        if node is None:
            self.problem(top.line, "steps", "drill.missing", key="steps")
            return None
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
        offset = self._offset(step, where)
        need = self._need(step, where)
        if offset is None or need is None:
            return None
        return Step(number, offset, need[0], step.line, need[1])

    def _offset(self, step: _Mapping, where: str) -> int | None:
        if "at" not in step.nodes:
            self.problem(step.line, f"{where}.at", "drill.missing", key="at")
            return None
        written = self.plain(step.nodes["at"], f"{where}.at")
        offset = parse_offset(written)
        if offset is None:
            self.problem(step.lines["at"], f"{where}.at", "drill.bad_offset", value=str(written))
        elif offset > MAX_OFFSET_S:
            self.problem(step.lines["at"], f"{where}.at", "drill.offset_too_far", value=str(written), max="24h")
            return None
        return offset

    def _need(self, step: _Mapping, where: str) -> tuple[dict[str, Any], dict[str, int]] | None:
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
