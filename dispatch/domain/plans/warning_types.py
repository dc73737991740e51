"""What kind of warning a CAP alert is (台风、暴雨……), its colour (蓝、黄、橙、红) and the incident it would be.

``classify`` reads the info block the alert is acted on by (``CapAlert.info``: the Chinese one, else the first):

- kind: the first event code the table knows (``11B01`` is 台风 in the national centre's numbering, also when
  the code carries a suffix such as ``11B01_Orange``), else the first keyword found in the event, then in the
  headline. Keywords are Chinese or English, matched ignoring case, longest first, so 雷雨大风 is a thunderstorm
  and not a gale; an English keyword must start a word (``gale`` is not in "nightingale"). An event the table
  does not know is kind ``other``: still a natural disaster when CAP files it under Met, Geo or Env, otherwise
  refused as ``cap.unknown_event`` (a fire or a public-health alert is not a weather warning, and guessing its
  incident category is the officer's call).
- colour, the first of: a parameter whose name is a colour parameter (``预警颜色``, ``colour``, ``level`` …) and
  whose value names a colour or a level (``橙色``, ``Orange``, ``Ⅱ级``, ``2``); a colour named in an event code;
  the colour the headline, then the event, names (the last one: "黄色预警升级为红色预警" is red now); else the
  CAP severity (Extreme red, Severe orange, Moderate yellow, Minor blue; some feeds write the colour there).
  Severity Unknown and nothing else leaves the colour, and so the level, unknown (None).
- level: red I (特别重大), orange II (重大), yellow III (较大), blue IV (一般).

A deployment whose feeds word things differently builds its own ``WarningTable`` and passes it to ``classify``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from dispatch.domain.incidents import IncidentCategory, IncidentLevel
from dispatch.domain.plans.cap import CapAlert, CapInfo, InvalidAlert, Problem


class WarningKind(str, Enum):
    TYPHOON = "typhoon"  # 台风
    RAINSTORM = "rainstorm"  # 暴雨
    FLOOD = "flood"  # 洪水、山洪
    GALE = "gale"  # 大风
    THUNDERSTORM = "thunderstorm"  # 雷电、雷雨大风
    HEAT = "heat"  # 高温
    COLD = "cold"  # 寒潮
    FOG = "fog"  # 大雾
    GEOLOGICAL = "geological"  # 地质灾害：滑坡、泥石流、崩塌
    OTHER = "other"


class WarningColour(str, Enum):
    BLUE = "blue"  # 蓝色
    YELLOW = "yellow"  # 黄色
    ORANGE = "orange"  # 橙色
    RED = "red"  # 红色


COLOUR_LEVEL = {
    WarningColour.RED: IncidentLevel.I,
    WarningColour.ORANGE: IncidentLevel.II,
    WarningColour.YELLOW: IncidentLevel.III,
    WarningColour.BLUE: IncidentLevel.IV,
}
SEVERITY_COLOUR = {
    "Extreme": WarningColour.RED,
    "Severe": WarningColour.ORANGE,
    "Moderate": WarningColour.YELLOW,
    "Minor": WarningColour.BLUE,
}
NATURAL_CAP_CATEGORIES = frozenset({"Met", "Geo", "Env"})

DEFAULT_KEYWORDS: Mapping[str, WarningKind] = {
    "台风": WarningKind.TYPHOON,
    "热带风暴": WarningKind.TYPHOON,
    "typhoon": WarningKind.TYPHOON,
    "tropical storm": WarningKind.TYPHOON,
    "tropical cyclone": WarningKind.TYPHOON,
    "暴雨": WarningKind.RAINSTORM,
    "强降雨": WarningKind.RAINSTORM,
    "短时强降水": WarningKind.RAINSTORM,
    "rainstorm": WarningKind.RAINSTORM,
    "heavy rain": WarningKind.RAINSTORM,
    "洪水": WarningKind.FLOOD,
    "山洪": WarningKind.FLOOD,
    "洪涝": WarningKind.FLOOD,
    "内涝": WarningKind.FLOOD,
    "flood": WarningKind.FLOOD,
    "大风": WarningKind.GALE,
    "gale": WarningKind.GALE,
    "strong wind": WarningKind.GALE,
    "雷电": WarningKind.THUNDERSTORM,
    "雷雨大风": WarningKind.THUNDERSTORM,
    "雷暴": WarningKind.THUNDERSTORM,
    "强对流": WarningKind.THUNDERSTORM,
    "thunderstorm": WarningKind.THUNDERSTORM,
    "lightning": WarningKind.THUNDERSTORM,
    "高温": WarningKind.HEAT,
    "heat": WarningKind.HEAT,
    "high temperature": WarningKind.HEAT,
    "寒潮": WarningKind.COLD,
    "cold wave": WarningKind.COLD,
    "大雾": WarningKind.FOG,
    "fog": WarningKind.FOG,
    "地质灾害": WarningKind.GEOLOGICAL,
    "滑坡": WarningKind.GEOLOGICAL,
    "泥石流": WarningKind.GEOLOGICAL,
    "崩塌": WarningKind.GEOLOGICAL,
    "geological": WarningKind.GEOLOGICAL,
    "landslide": WarningKind.GEOLOGICAL,
    "debris flow": WarningKind.GEOLOGICAL,
}
# The meteorological warning signals in the national centre's event-type numbering (11B: 气象灾害).
DEFAULT_EVENT_CODES: Mapping[str, WarningKind] = {
    "11B01": WarningKind.TYPHOON,
    "11B03": WarningKind.RAINSTORM,
    "11B05": WarningKind.COLD,
    "11B06": WarningKind.GALE,
    "11B09": WarningKind.HEAT,
    "11B14": WarningKind.THUNDERSTORM,
    "11B17": WarningKind.FOG,
    "11B20": WarningKind.THUNDERSTORM,  # 雷雨大风
}
DEFAULT_COLOUR_PARAMETERS = ("colour", "color", "预警颜色", "level", "预警级别", "预警等级")


@dataclass(frozen=True)
class WarningTable:
    """How a deployment's feeds say what a warning is: keyword and event code to kind, colour parameter names."""

    keywords: Mapping[str, WarningKind]
    event_codes: Mapping[str, WarningKind]
    colour_parameters: tuple[str, ...] = DEFAULT_COLOUR_PARAMETERS


DEFAULT_TABLE = WarningTable(DEFAULT_KEYWORDS, DEFAULT_EVENT_CODES)


@dataclass(frozen=True)
class WarningType:
    kind: WarningKind
    colour: WarningColour | None  # None: nothing in the alert says
    category: IncidentCategory
    level: IncidentLevel | None


def classify(alert: CapAlert, table: WarningTable = DEFAULT_TABLE) -> WarningType:
    """The kind, colour, incident category and level of an alert; InvalidAlert when it is no natural warning."""
    info = alert.info
    if info is None:
        raise InvalidAlert([Problem("info", "cap.no_info")])
    kind = warning_kind(info, table)
    if kind is WarningKind.OTHER and not NATURAL_CAP_CATEGORIES & set(info.categories):
        where = f"info[{alert.infos.index(info) + 1}].event"
        raise InvalidAlert([Problem(where, "cap.unknown_event", {"event": info.event})])
    colour = warning_colour(info, table)
    return WarningType(kind, colour, IncidentCategory.NATURAL_DISASTER, COLOUR_LEVEL.get(colour))


def warning_kind(info: CapInfo, table: WarningTable = DEFAULT_TABLE) -> WarningKind:
    """The kind an info block's event codes, else its event, else its headline name; ``other`` when none does."""
    for _, value in info.event_codes:
        if (kind := _code_kind(value, table.event_codes)) is not None:
            return kind
    for text in (info.event, info.headline):
        if (kind := _keyword_kind(text, table.keywords)) is not None:
            return kind
    return WarningKind.OTHER


def warning_colour(info: CapInfo, table: WarningTable = DEFAULT_TABLE) -> WarningColour | None:
    """The colour an info block states, in the order the module says; None when nothing does."""
    names = {name.casefold() for name in table.colour_parameters}
    stated = [_parameter_colour(value) for name, value in info.parameters if name.strip().casefold() in names]
    stated += [colour_named(value) for _, value in info.event_codes]
    stated += [colour_named(info.headline), colour_named(info.event)]
    stated += [SEVERITY_COLOUR.get(info.severity) or colour_named(info.severity)]
    return next((colour for colour in stated if colour is not None), None)


_CHINESE_COLOUR = {"红": WarningColour.RED, "橙": WarningColour.ORANGE, "黄": WarningColour.YELLOW, "蓝": WarningColour.BLUE}
# English words are bounded by letters, not \b: a Chinese character counts as a word character to \b.
_COLOUR_TEXT = re.compile(r"([红橙黄蓝])色|(?<![a-z])(red|orange|yellow|blue)(?![a-z])", re.IGNORECASE)
_LEVEL_COLOUR = {
    **dict.fromkeys(("I", "Ⅰ", "1", "一"), WarningColour.RED),
    **dict.fromkeys(("II", "Ⅱ", "2", "二"), WarningColour.ORANGE),
    **dict.fromkeys(("III", "Ⅲ", "3", "三"), WarningColour.YELLOW),
    **dict.fromkeys(("IV", "Ⅳ", "4", "四"), WarningColour.BLUE),
}


def colour_named(text: str) -> WarningColour | None:
    """The last colour a text names (橙色, Orange): a headline that upgrades one colour to another ends on the new one."""
    found = [_CHINESE_COLOUR.get(chinese) or WarningColour(english.lower()) for chinese, english in _COLOUR_TEXT.findall(text)]
    return found[-1] if found else None


def _parameter_colour(value: str) -> WarningColour | None:
    """A colour parameter's value: a colour (橙色, 橙, Orange) or one of the four levels (Ⅱ级, II, 2, 二级)."""
    bare = value.strip().removesuffix("级").strip().upper()
    return _CHINESE_COLOUR.get(bare) or _LEVEL_COLOUR.get(bare) or colour_named(value)


def _code_kind(value: str, codes: Mapping[str, WarningKind]) -> WarningKind | None:
    """The kind of the longest known code the value starts with, when no digit follows it (11B01 is not 11B0)."""
    written = value.strip().upper()
    for code in sorted(codes, key=len, reverse=True):
        if code and written.startswith(code.upper()) and not written[len(code) : len(code) + 1].isdigit():
            return codes[code]
    return None


def _keyword_kind(text: str, keywords: Mapping[str, WarningKind]) -> WarningKind | None:
    folded = text.casefold()
    for keyword in sorted(keywords, key=len, reverse=True):
        if _mentions(folded, keyword.casefold()):
            return keywords[keyword]
    return None


def _mentions(text: str, keyword: str) -> bool:
    if not keyword.isascii():
        return keyword in text
    return re.search(rf"(?<![a-z]){re.escape(keyword)}", text) is not None
