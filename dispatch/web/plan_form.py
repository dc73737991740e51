"""The plan form: a plan's title, what it covers and its tasks as boxes, read into the same YAML text a file would
hold, so the form's plan is the file's plan (the same checks, the same versions) and its mistakes are the file's,
told beside the box they are about. A saved plan reads back into the boxes to be edited.

A task row left blank is no task. The boxes that hold numbers are read as YAML reads them (``5`` is 5, ``五`` stays
text and is refused as such); an empty box is a key not written (the needs API's default), except the title and the
task's name, which say what is wrong with them more plainly when given empty. A task's need fields the form has no
box for (radius_km, a time window) ride along in a hidden box, kept as they were.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from dispatch.domain.drill_scenario import as_yaml_reads
from dispatch.domain.incidents import IncidentCategory, IncidentLevel
from dispatch.domain.numbers import finite_number
from dispatch.domain.plans.document import MAX_DESIGNATED, MAX_TASKS, PlanDocument, PlanTask
from dispatch.domain.yaml_documents import dump

TEXT_FIELDS = ("name", "head_count", "place_kind", "place_value", "priority", "policy", "broadcast_k", "offer_timeout_s",
               "description", "extra")  # fmt: skip
NEED_BOXES = ("head_count", "priority", "policy", "broadcast_k", "offer_timeout_s", "description")
NUMBERS = ("head_count", "broadcast_k", "offer_timeout_s")
PLACE_KINDS = ("cell", "community", "landmark", "address", "location")
MAX_ROWS = MAX_TASKS + 1  # one past the most a plan holds, so the document says there are too many
_ROW_FIELD = re.compile(r"^tasks-(\d{1,3})-([a-z_]+)(?:-(\d{1,2}))?$")
_ERROR_FIELD = re.compile(r"^tasks\[(\d+)\](?:\.(name|need|place|designated)(?:\[(\d+)\])?(?:\.([a-z_]+))?)?")
_POINT_PARTS = re.compile(r"[,，\s]+")
SCALARS = (str, int, float, bool, type(None))  # what the carried fields (radius_km, a time window) are


@dataclass
class TaskRow:
    """One task's boxes, as typed."""

    name: str = ""
    head_count: str = ""
    place_kind: str = "address"
    place_value: str = ""
    priority: str = ""
    policy: str = ""
    broadcast_k: str = ""
    offer_timeout_s: str = ""
    description: str = ""
    extra: str = ""  # JSON of the need fields the form has no box for
    skills: list[str] = field(default_factory=list)
    designated: list[str] = field(default_factory=list)

    @property
    def blank(self) -> bool:
        typed = (self.name, self.head_count, self.place_value, self.broadcast_k, self.offer_timeout_s, self.description)
        return not any(typed) and not self.skills and not self.designated and not self.extras

    @property
    def extras(self) -> dict[str, Any]:
        """The need fields carried for the YAML; a hidden box someone changed into something else carries nothing."""
        try:
            found = json.loads(self.extra) if self.extra else {}
        except (ValueError, RecursionError):
            return {}
        if not isinstance(found, dict):
            return {}
        return {k: v for k, v in found.items() if k not in (*NEED_BOXES, "skills") and isinstance(v, SCALARS)}

    @property
    def designated_boxes(self) -> list[str]:
        """The names in order and a spare box (two at least), up to the most a task designates."""
        count = max(len(self.designated), min(MAX_DESIGNATED, max(2, len(self.designated) + 1)))
        return self.designated + [""] * (count - len(self.designated))

    def need(self) -> dict[str, Any]:
        need: dict[str, Any] = dict(self.extras)
        if self.skills:
            need["skills"] = list(dict.fromkeys(self.skills))
        for key in NEED_BOXES:
            if value := getattr(self, key):
                need[key] = as_yaml_reads(value) if key in NUMBERS else value
        return need

    def place(self) -> dict[str, Any]:
        if self.place_kind != "location":
            return {self.place_kind if self.place_kind in PLACE_KINDS else "address": self.place_value}
        parts = [part for part in _POINT_PARTS.split(self.place_value) if part]
        point = {axis: _coordinate(part) for axis, part in zip(("lon", "lat"), parts, strict=False)}
        return {"location": {**point, **({"system": parts[2]} if len(parts) > 2 else {})}}

    def task(self) -> dict[str, Any]:
        values = {"name": self.name, "need": self.need(), "place": self.place()}
        return {**values, "designated": self.designated} if self.designated else values


@dataclass
class PlanForm:
    """What the officer typed, as typed: shown again unchanged when the plan is not kept."""

    title: str = ""
    category: str = IncidentCategory.NATURAL_DISASTER.value
    min_level: str = IncidentLevel.IV.value
    auto_start: bool = False
    rows: list[TaskRow] = field(default_factory=list)

    @classmethod
    def blank_form(cls) -> PlanForm:
        return cls(rows=[TaskRow()])

    @classmethod
    def read(cls, form) -> PlanForm:
        """The boxes of a posted form (a MultiDict: a task's skills are several values of one name)."""
        rows: dict[int, TaskRow] = {}
        for key in form:
            if (match := _ROW_FIELD.match(key)) and int(match[1]) < MAX_ROWS:
                _read_box(rows.setdefault(int(match[1]), TaskRow()), match[2], match[3], form, key)
        for row in rows.values():
            row.designated = [name for name in row.designated if name]
        title, category, level = (form.get(key, "").strip() for key in ("title", "category", "min_level"))
        return cls(title, category, level, form.get("auto_start") == "true", [rows[i] for i in sorted(rows)])

    @classmethod
    def of(cls, document: PlanDocument) -> PlanForm:
        """A saved plan in the boxes, to be edited."""
        rows = [_row_of(task) for task in document.tasks]
        return cls(document.title, document.category.value, document.min_level.value, document.auto_start, rows)

    @property
    def tasks(self) -> list[TaskRow]:
        """The rows that say something: the plan's tasks, in the order written."""
        return [row for row in self.rows if not row.blank]

    def compacted(self) -> PlanForm:
        """The tasks alone (so task N of an error is row N), or one blank row when there are none."""
        return replace(self, rows=self.tasks or [TaskRow()])

    def with_another_row(self) -> PlanForm:
        return replace(self, rows=[*self.rows, TaskRow()])

    def without_row(self, index: int) -> PlanForm:
        rows = [row for number, row in enumerate(self.rows) if number != index]
        return replace(self, rows=rows or [TaskRow()])

    def text(self) -> str:
        """The plan as a YAML file would say it."""
        top = {"title": self.title, "category": self.category, "min_level": self.min_level, "auto_start": self.auto_start}
        return dump({**top, "tasks": [row.task() for row in self.tasks]})


def _coordinate(text: str) -> float | str:
    """A typed longitude or latitude as a number (120.15, 1e-5); anything else stays the text, which is refused."""
    value = finite_number(text)
    return text if value is None else value


def _read_box(row: TaskRow, name: str, position: str | None, form, key: str) -> None:
    if name == "skills" and position is None:
        row.skills = [code.strip() for code in form.getlist(key) if code.strip()]
    elif name == "designated" and position is not None:
        row.designated.extend([""] * (int(position) + 1 - len(row.designated)))
        row.designated[int(position)] = form.get(key, "").strip()
    elif name in TEXT_FIELDS and position is None:
        setattr(row, name, form.get(key, "").strip())


def _row_of(task: PlanTask) -> TaskRow:
    need = {key: value for key, value in task.need.items() if key != "skills"}
    boxes = {key: str(need.pop(key)) for key in NEED_BOXES if key in need}
    skills = task.need.get("skills")
    return TaskRow(
        name=task.name, place_kind=task.place.kind, place_value=_place_text(task.place.value), **boxes,
        extra=json.dumps(need, ensure_ascii=False, default=_iso) if need else "",
        skills=[str(code) for code in skills] if isinstance(skills, list) else [],
        designated=list(task.designated),
    )  # fmt: skip


def _place_text(value: str | dict[str, Any]) -> str:
    if isinstance(value, dict):
        return ", ".join(str(value[key]) for key in ("lon", "lat", "system") if key in value)
    return value


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


@dataclass(frozen=True)
class BoxError:
    """One refusal, placed on the box it is about: ``box`` is the input's id, ``task`` the 1-based task (if any),
    ``name`` what the box is (for the summary's label)."""

    box: str
    task: int | None
    name: str
    message: str


TOP_BOXES = ("title", "category", "min_level", "auto_start", "tasks")


def box_error(where: str, message: str) -> BoxError:
    """Where a plan's problem (``tasks[2].need.head_count``, ``tasks[1].designated[2]``, ``title``) sits in the form."""
    match = _ERROR_FIELD.match(where)
    if match is None:
        return BoxError(where, None, where, message) if where in TOP_BOXES else BoxError("plan-form", None, "form", message)
    number, part, position, sub = int(match[1]), match[2], match[3], match[4]
    row = f"tasks-{number - 1}"
    if part == "need" and sub == "skills":
        return BoxError(f"{row}-skills", number, "skills", message)
    if part == "need" and sub in ("location", "address"):  # the place, as the needs API reads it
        return BoxError(f"{row}-place_value", number, "place", message)
    if part == "need" and sub in NEED_BOXES:
        return BoxError(f"{row}-{sub}", number, sub, message)
    if part == "need":
        return BoxError(f"{row}-extra" if sub else row, number, "extra" if sub else "row", message)
    if part == "place":
        return BoxError(f"{row}-place_value", number, "place", message)
    if part == "designated":
        box = f"{row}-designated-{int(position) - 1}" if position else f"{row}-designated"
        return BoxError(box, number, "designated", message)
    return BoxError(f"{row}-name" if part == "name" else row, number, part or "row", message)


def errors_by_box(errors: list[BoxError]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in errors:
        found.setdefault(error.box, []).append(error.message)
    return found
