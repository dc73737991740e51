"""The drill form: a title and rows of steps (a need at a time offset) read into the same YAML text a file would
hold, so the form's drill is the file's drill and its mistakes are the file's mistakes, told beside the box typed in.

A row left blank is no step. The boxes that hold numbers are read as YAML reads them (``5`` is 5, ``0m`` is text),
the others as the text typed; an empty box is a key not written, except the title and the time, which say what is
wrong with them more plainly when given empty than when missing."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dispatch.domain.drill_scenario import as_yaml_reads, scenario_yaml
from dispatch.domain.incidents import IncidentCategory, IncidentLevel

STEP_FIELDS = ("at", "skill", "head_count", "address", "lon", "lat", "description", "priority")
BLANK_ROWS = 3  # a fresh form offers three steps; 再加一步 adds more without any script
_ROW_FIELD = re.compile(r"^steps-(\d{1,4})-([a-z_]+)$")
_ERROR_FIELD = re.compile(r"^steps\[(\d+)\](?:\.(at)|\.need\.([a-z_]+)(?:\.([a-z_]+))?)?")
_NEED_FIELD = {"skills": "skill", "head_count": "head_count", "address": "address", "description": "description",
               "priority": "priority"}  # fmt: skip


@dataclass
class DrillForm:
    """What the officer typed, as typed: shown again unchanged when the drill does not start."""

    title: str = ""
    category: str = IncidentCategory.NATURAL_DISASTER.value
    level: str = IncidentLevel.IV.value
    rows: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def blank(cls) -> DrillForm:
        return cls(rows=[_blank_row() for _ in range(BLANK_ROWS)])

    @classmethod
    def read(cls, form: Mapping[str, str]) -> DrillForm:
        found: dict[int, dict[str, str]] = {}
        for key, value in form.items():
            if (match := _ROW_FIELD.match(key)) and match[2] in STEP_FIELDS:
                found.setdefault(int(match[1]), _blank_row())[match[2]] = value.strip()
        rows = [found[index] for index in sorted(found)]
        title, category, level = (form.get(key, "").strip() for key in ("title", "category", "level"))
        return cls(title, category or IncidentCategory.NATURAL_DISASTER.value, level or IncidentLevel.IV.value, rows)

    @property
    def steps(self) -> list[dict[str, str]]:
        """The rows that say something: the scenario's steps, in the order written."""
        return [row for row in self.rows if any(row.values())]

    def compacted(self) -> DrillForm:
        """The steps first (so step N of an error is row N), then blank rows to reach at least one spare and three."""
        spare = max(1, BLANK_ROWS - len(self.steps))
        return DrillForm(self.title, self.category, self.level, self.steps + [_blank_row() for _ in range(spare)])

    def with_another_row(self) -> DrillForm:
        return DrillForm(self.title, self.category, self.level, [*self.rows, _blank_row()])

    def scenario(self) -> str:
        """The scenario as a YAML file would say it."""
        return scenario_yaml(self.title, self.category, self.level, [(_offset(row), _need(row)) for row in self.steps])


def _blank_row() -> dict[str, str]:
    return dict.fromkeys(STEP_FIELDS, "")


def _offset(row: dict[str, str]) -> Any:
    return as_yaml_reads(row["at"])


def _need(row: dict[str, str]) -> dict[str, Any]:
    need: dict[str, Any] = {}
    if row["skill"]:
        need["skills"] = [row["skill"]]
    if row["head_count"]:
        need["head_count"] = as_yaml_reads(row["head_count"])
    for text in ("address", "description", "priority"):
        if row[text]:
            need[text] = row[text]
    if row["lon"] or row["lat"]:
        need["location"] = {axis: as_yaml_reads(row[axis]) for axis in ("lon", "lat") if row[axis]}
    return need


@dataclass(frozen=True)
class FormError:
    """One refusal, placed on the box it is about: ``box`` is the input's id, ``step`` the 1-based step (if any),
    ``name`` what the box is (for the summary's label)."""

    box: str
    step: int | None
    name: str
    message: str


def form_error(where: str, message: str) -> FormError:
    """Where a scenario error (``steps[2].need.head_count``, ``title``) sits in the form."""
    match = _ERROR_FIELD.match(where)
    if match is None:
        name = where if where in ("title", "category", "level", "steps") else "form"
        return FormError("drill-form" if name == "form" else name, None, name, message)
    number, at, need_field, part = int(match[1]), match[2], match[3], match[4]
    if at:
        name = "at"
    elif need_field == "location":
        name = part if part in ("lon", "lat") else "lon"
    else:
        name = _NEED_FIELD.get(need_field or "", "row")
    box = f"steps-{number - 1}-{name}" if name != "row" else f"steps-{number - 1}"
    return FormError(box, number, name, message)
