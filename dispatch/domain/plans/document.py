"""Emergency plans (应急预案) written as YAML: what a plan says, and every problem with its line when it is wrong.

Officers write a plan as a form or as a file; the form builds this same text, so both meet the same checks. The
format::

    title: 西溪街道防台风预案          # required: at most 200 characters
    category: natural_disaster        # required: natural_disaster, accident, public_health or social_security
    min_level: IV                     # required: I, II, III or IV; the plan covers this level and every graver one
    auto_start: false                 # optional (default false); true only when min_level is I: a level I plan
                                      #   may start by itself when its incident opens
    tasks:                            # required: 1 to 100 tasks, posted in the order written
      - name: 转移低洼地区群众          # required: unique within the plan, at most 100 characters
        need:                         # required: the need to post, with the fields of the needs API (NeedIn)
          skills: [rescue]            #   but without its place (no address, no location)
          head_count: 20
          priority: urgent
          description: 转移文三社区低洼地段住户
        place: {community: "330106004003"}
                                      # required, exactly one of: cell (grid cell code), community (community code),
                                      #   landmark (name), address (text), location: {lon, lat, system}
        designated: [西溪应急救援队, 文三红十字救护队]
                                      # optional: organization names, asked in this order before the ranking
                                      #   takes over (预案指定队伍); no repeats, at most 10

Codes, names and addresses are read as written, so ``cell: 0330`` stays the text 0330. Every problem is
reported, not just the first, with the 1-based line it is on and a message code (``plan.*``, or pydantic's own for
plain type and length problems). The need fields are checked by the service against NeedIn, as a drill's are, with
``PlanTask.line_of`` to place what it refuses; whether the cell, community, landmark and organizations exist is also
the service's to say. Anchors and aliases are refused, as in drill scenarios.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from yaml.nodes import Node, ScalarNode, SequenceNode

from dispatch.domain.incidents import IncidentCategory, IncidentLevel
from dispatch.domain.yaml_documents import DocumentCodes, DocumentReader, Fields, InvalidDocument, Problem, dump, line_of

MAX_CHARS = 200_000
TITLE_MAX = 200
NAME_MAX = 100
MAX_TASKS = 100
MAX_DESIGNATED = 10
ORGANIZATION_NAME_MAX = 100
TOP_KEYS = ("title", "category", "min_level", "auto_start", "tasks")
TASK_KEYS = ("name", "need", "place", "designated")
# Each text kind of place with its longest value (the columns that keep them); location is a point, not a text.
PLACE_TEXTS = {"cell": 32, "community": 20, "landmark": 100, "address": 200}
PLACE_KINDS = (*PLACE_TEXTS, "location")
LOCATION_KEYS = ("lon", "lat", "system")
NEED_PLACE_FIELDS = ("address", "location")
CODES = DocumentCodes(
    too_large="plan.too_large",
    not_yaml="plan.not_yaml",
    too_deep="plan.too_deep",
    empty="plan.empty",
    not_mapping="plan.not_mapping",
    unknown_key="plan.unknown_key",
    duplicate_key="plan.duplicate_key",
    alias="plan.alias",
    missing="plan.missing",
    bad_value="plan.bad_value",
)


class InvalidPlan(InvalidDocument):
    """The plan cannot be kept; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems, "plan")


@dataclass(frozen=True)
class Place:
    """Where a task's need is: ``kind`` is one of PLACE_KINDS; ``value`` the text, or {lon, lat[, system]}."""

    kind: str
    value: str | dict[str, Any]
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class PlanTask:
    """One task of a plan: a need to post at a place, and the organizations asked first."""

    number: int  # 1-based, as the officer counts them
    name: str
    need: dict[str, Any]  # the raw mapping, without its place, as the needs API reads it
    place: Place
    designated: tuple[str, ...]  # organization names, in the order they are asked
    # Where the task was written: not part of what it is, so one plan typed two ways compares equal.
    line: int = field(compare=False)
    field_lines: dict[str, int] = field(compare=False)  # each need field's line, to place what NeedIn refuses
    designated_lines: tuple[int, ...] = field(default=(), compare=False)  # each name's line, for unknown names

    @property
    def where(self) -> str:
        return f"tasks[{self.number}]"

    def line_of(self, need_field: str) -> int:
        return self.field_lines.get(need_field, self.line)


@dataclass(frozen=True)
class PlanDocument:
    title: str
    category: IncidentCategory
    min_level: IncidentLevel
    auto_start: bool
    tasks: tuple[PlanTask, ...]


def parse_plan(text: str) -> PlanDocument:
    """The plan a YAML text describes, or InvalidPlan with every problem and its line."""
    reader = _Reader(text)
    root = reader.root()
    plan = reader.plan(root) if root is not None else None
    if reader.problems or plan is None:
        raise InvalidPlan(reader.problems)
    return plan


def plan_yaml(document: PlanDocument) -> str:
    """The YAML text of a plan, which ``parse_plan`` reads back as the same plan."""
    top = {"title": document.title, "category": document.category.value, "min_level": document.min_level.value}
    return dump({**top, "auto_start": document.auto_start, "tasks": [_task_values(task) for task in document.tasks]})


def _task_values(task: PlanTask) -> dict[str, Any]:
    values = {"name": task.name, "need": task.need, "place": {task.place.kind: task.place.value}}
    return {**values, "designated": list(task.designated)} if task.designated else values


class _Reader(DocumentReader):
    """A plan's shape on top of the shared reader: its title, choices and tasks."""

    def __init__(self, text: str) -> None:
        super().__init__(text, CODES, "plan", MAX_CHARS)
        self._task_names: dict[str, int] = {}

    def plan(self, root: Node) -> PlanDocument | None:
        top = self.mapping(root, "plan", TOP_KEYS)
        if top is None:
            return None
        title = self._text(top, "title", "title", TITLE_MAX)
        category = self._required_choice(top, "category", IncidentCategory)
        min_level = self._required_choice(top, "min_level", IncidentLevel)
        auto_start = self._auto_start(top, min_level)
        tasks = self._tasks(top)
        if None in (title, category, min_level, auto_start, tasks):
            return None
        return PlanDocument(title, category, min_level, auto_start, tasks)

    def _text(self, fields: Fields, key: str, where: str, max_length: int) -> str | None:
        """The non-empty text under a required key, at most ``max_length`` characters."""
        node = self.required(fields, key, where)
        return None if node is None else self._text_of(node, fields.lines[key], where, max_length)

    def _text_of(self, node: Node, line: int, where: str, max_length: int) -> str | None:
        if not isinstance(node, ScalarNode):
            self.problem(line, where, "string_type")
            return None
        if (text := self.scalar_text(node, where)) is None:
            return None  # an alias, reported
        if not text:
            self.problem(line, where, "plan.blank")
        elif len(text) > max_length:
            self.problem(line, where, "string_too_long", max_length=max_length)
        return text if text and len(text) <= max_length else None

    def _required_choice(self, top: Fields, key: str, enum: type[Enum]) -> Any:
        return None if self.required(top, key, key) is None else self.choice(top, key, enum)

    def _auto_start(self, top: Fields, min_level: IncidentLevel | None) -> bool | None:
        if "auto_start" not in top.nodes:
            return False
        value = self.plain(top.nodes["auto_start"], "auto_start")
        if not isinstance(value, bool):
            self.problem(top.lines["auto_start"], "auto_start", "bool_type")
            return None
        if value and min_level not in (IncidentLevel.I, None):
            self.problem(top.lines["auto_start"], "auto_start", "plan.auto_start_below_level_i", min_level=min_level.value)
            return None
        return value

    def _tasks(self, top: Fields) -> tuple[PlanTask, ...] | None:
        if (node := self.required(top, "tasks", "tasks")) is None:
            return None
        if not isinstance(node, SequenceNode) or not node.value:
            self.problem(top.lines["tasks"], "tasks", "plan.no_tasks")
            return None
        if len(node.value) > MAX_TASKS:
            self.problem(top.lines["tasks"], "tasks", "plan.too_many_tasks", max=MAX_TASKS, count=len(node.value))
            return None
        if not self.first_visit(node, "tasks"):
            return None
        tasks = [self._task(number, item) for number, item in enumerate(node.value, start=1)]
        return tuple(tasks) if all(tasks) else None

    def _task(self, number: int, node: Node) -> PlanTask | None:
        where = f"tasks[{number}]"
        task = self.mapping(node, where, TASK_KEYS)
        if task is None:
            return None
        name = self._name(task, number, where)
        need = self._need(task, where)
        place = self._place(task, where)
        designated = self._designated(task, where)
        if name is None or need is None or place is None or designated is None:
            return None
        return PlanTask(number, name, need[0], place, designated[0], task.line, need[1], designated[1])

    def _name(self, task: Fields, number: int, where: str) -> str | None:
        """The task's name, unique in the plan: an officer starts a subset of tasks by name."""
        name = self._text(task, "name", f"{where}.name", NAME_MAX)
        if name in self._task_names:
            self.problem(task.lines["name"], f"{where}.name", "plan.duplicate_task", name=name, first=self._task_names[name])
            return None
        if name is not None:
            self._task_names[name] = number
        return name

    def _need(self, task: Fields, where: str) -> tuple[dict[str, Any], dict[str, int]] | None:
        if (node := self.required(task, "need", f"{where}.need")) is None:
            return None
        need = self.mapping(node, f"{where}.need", ())
        if need is None:
            return None
        misplaced = [key for key in NEED_PLACE_FIELDS if key in need.nodes]
        for key in misplaced:
            self.problem(need.lines[key], f"{where}.need.{key}", "plan.place_in_need", key=key)
        values = {key: self.plain(node, f"{where}.need.{key}") for key, node in need.nodes.items()}
        return None if misplaced else (values, dict(need.lines))

    def _place(self, task: Fields, where: str) -> Place | None:
        where = f"{where}.place"
        if (node := self.required(task, "place", where)) is None:
            return None
        place = self.mapping(node, where, PLACE_KINDS)
        if place is None or not self._one_kind(place, task.lines["place"], where):
            return None
        (kind, value_node), line = next(iter(place.nodes.items())), next(iter(place.lines.values()))
        if kind == "location":
            value = self._location(value_node, f"{where}.location")
        else:
            value = self._text_of(value_node, line, f"{where}.{kind}", PLACE_TEXTS[kind])
        return None if value is None else Place(kind, value, line)

    def _one_kind(self, place: Fields, line: int, where: str) -> bool:
        """A task is at one place: two kinds could disagree, and nobody could say which one the officer meant."""
        if not place.nodes:
            self.problem(line, where, "plan.no_place", allowed=", ".join(PLACE_KINDS))
        elif len(place.nodes) > 1:
            self.problem(line, where, "plan.two_places", kinds=", ".join(place.nodes))
        return len(place.nodes) == 1

    def _location(self, node: Node, where: str) -> dict[str, Any] | None:
        point = self.mapping(node, where, LOCATION_KEYS)
        if point is None:
            return None
        values = {key: self.plain(value, f"{where}.{key}") for key, value in point.nodes.items()}
        written = [self._coordinate(point, values, key, f"{where}.{key}") for key in ("lon", "lat")]
        return values if all(written) else None

    def _coordinate(self, point: Fields, values: dict[str, Any], key: str, where: str) -> bool:
        """Whether lon or lat is written as a number; its range is the service's to check, with the point's system."""
        if self.required(point, key, where) is None:
            return False
        if isinstance(values[key], bool) or not isinstance(values[key], (int, float)):
            self.problem(point.lines[key], where, "float_type")
            return False
        return True

    def _designated(self, task: Fields, where: str) -> tuple[tuple[str, ...], tuple[int, ...]] | None:
        where = f"{where}.designated"
        node = task.nodes.get("designated")
        if node is None:
            return (), ()
        if not isinstance(node, SequenceNode):
            self.problem(task.lines["designated"], where, "list_type")
            return None
        if len(node.value) > MAX_DESIGNATED:
            self.problem(task.lines["designated"], where, "too_long", max_length=MAX_DESIGNATED)
            return None
        if not self.first_visit(node, where):
            return None
        return self._names(node.value, where)

    def _names(self, nodes: list[Node], where: str) -> tuple[tuple[str, ...], tuple[int, ...]] | None:
        """Organization names, each once: asking the same team twice would only delay the next one."""
        names: dict[str, int] = {}
        for number, node in enumerate(nodes, start=1):
            name = self._text_of(node, line_of(node), f"{where}[{number}]", ORGANIZATION_NAME_MAX)
            if name is not None and name in names:
                self.problem(node, f"{where}[{number}]", "plan.designated_repeated", name=name, first=names[name])
            elif name is not None:
                names[name] = number
        if len(names) < len(nodes):
            return None
        return tuple(names), tuple(line_of(node) for node in nodes)
