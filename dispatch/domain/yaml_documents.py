"""YAML documents people type (drill scenarios, emergency plans): read with the line of everything in them.

The reader walks PyYAML's composed node tree rather than the loaded value, because only the nodes remember their
lines. It collects every problem instead of stopping at the first, and refuses what could cost the server its
memory or stack: texts past a size limit, nesting deeper than PyYAML can compose, and anchors with aliases (an alias
is the same node met twice, so a small file cannot grow into a large value). Each kind of document names its own
message codes (``DocumentCodes``), so an officer reads about their scenario or their plan, not about YAML.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document: its line (1-based; None when the text has none), where, and a message code."""

    line: int | None
    field: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


class InvalidDocument(Exception):
    """The document cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem], document: str = "document") -> None:
        super().__init__(f"{len(problems)} problem(s) in the {document}")
        self.problems = problems


@dataclass(frozen=True)
class DocumentCodes:
    """The message codes one kind of document gives for what every YAML document can get wrong. Written out in full
    where they are chosen, so a search for a code finds the module that gives it."""

    too_large: str  # {limit}
    not_yaml: str  # {detail}
    too_deep: str
    empty: str
    not_mapping: str
    unknown_key: str  # {key}, {allowed}
    duplicate_key: str  # {key}
    alias: str
    missing: str  # {key}
    bad_value: str  # a tagged value (!!binary, !!int abc, !!python/...) that is no plain text, number, boolean or date


@dataclass(frozen=True)
class Fields:
    """A YAML mapping's value nodes by key, with the line of each key."""

    line: int
    nodes: dict[str, Node]
    lines: dict[str, int]


def line_of(node: Node) -> int:
    """The 1-based line a node starts on, as a person counts."""
    return node.start_mark.line + 1


def dump(document: dict[str, Any]) -> str:
    """YAML text for plain values, keys in the order given, Chinese left readable: read back, it says the same."""
    return yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000)


class _Dumper(yaml.SafeDumper):
    """PyYAML writes a NEL (U+0085) raw inside single quotes, where it reads back as a space: such text goes in
    double quotes, as an escape."""


def _text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"' if "\x85" in text else None)


_Dumper.add_representer(str, _text)


# What PyYAML's problem says, as the kind of mistake a person made; the messages say each in Chinese and English
# (``yaml.<kind>``), so nobody reads the parser's English in a Chinese page. The first pattern that matches wins.
YAML_MISTAKES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("tab", r"'\\t' that cannot start|tab character"),
        ("bad_start", r"found character '(?P<character>.+)' that cannot start any token"),
        ("colon", r"mapping values are not allowed here"),
        ("no_colon", r"could not find expected ':'"),
        ("unclosed_quote", r"found unexpected end of stream"),
        ("unclosed_bracket", r"expected ',' or '[\]}]'"),
        ("indentation", r"expected <block end>|did not find expected (key|'-' indicator)|block sequence entries|expected <block"),
        ("escape", r"unknown escape character|expected escape sequence"),
        ("anchor_or_tag", r"expected alphabetic or numeric character|undefined tag handle"),
        ("block_scalar", r"chomping or indentation indicators|expected a comment or a line break"),
        ("alias", r"undefined alias|second occurrence|found duplicate anchor"),
        ("two_documents", r"another document|'<document start>'|document separator"),
        ("no_value", r"expected the node content|did not find expected node content"),
    )
)


def _yaml_error(exc: yaml.YAMLError, text: str) -> tuple[int | None, dict[str, Any]]:
    """Where a YAML error is (the line, as a person counts), and what kind of mistake it is: ``kind`` (a key of
    YAML_MISTAKES, ``control_character`` or ``syntax``), the ``character`` at fault if one is, and the parser's own
    ``detail`` (English) for the English reader of a mistake without a kind."""
    if isinstance(exc, ReaderError):
        character = f"U+{exc.character:04X}" if isinstance(exc.character, int) else "?"
        line = text.count("\n", 0, exc.position) + 1
        return line, {"kind": "control_character", "character": character, "detail": f"unacceptable character {character}"}
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    detail = getattr(exc, "problem", None) or str(exc)
    found = next(((kind, match) for kind, pattern in YAML_MISTAKES if (match := pattern.search(detail))), None)
    params: dict[str, Any] = {"kind": found[0] if found else "syntax", "detail": detail}
    if found and "character" in found[1].groupdict():
        params["character"] = found[1]["character"]
    return (mark.line + 1 if mark else None), params


# Characters that show nothing: a title or name made only of them (or of spaces) is empty. Format characters
# (zero-width spaces and joiners, direction marks, the BOM, the soft hyphen) and a few letters drawn blank.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def is_invisible(character: str) -> bool:
    return character.isspace() or unicodedata.category(character) in ("Cf", "Cc", "Zs") or character in _BLANK_LETTERS


def visible_text(text: str) -> str:
    """The text without what shows nothing at either end: zero-width spaces around 转移群众 go, and a name made of
    them alone is empty."""
    start, end = 0, len(text)
    while start < end and is_invisible(text[start]):
        start += 1
    while end > start and is_invisible(text[end - 1]):
        end -= 1
    return text[start:end]


PLAIN_SCALARS = (str, int, float, bool, date, datetime, type(None))
_UNREADABLE = object()


class DocumentReader:
    """Walks the composed node tree of one text, collecting problems as it goes.

    ``document`` names the whole text where a problem belongs to no field ("scenario", "plan"); a subclass reads the
    shape of its own kind of document with ``mapping``, ``required``, ``plain`` and ``choice``.
    """

    def __init__(self, text: str, codes: DocumentCodes, document: str, max_chars: int) -> None:
        self.text = text
        self.codes = codes
        self.document = document
        self.max_chars = max_chars
        self.loader: yaml.SafeLoader | None = None
        self.problems: list[Problem] = []
        self._seen: set[int] = set()

    def problem(self, node_or_line: Node | int | None, where: str, code: str, **params: Any) -> None:
        line = line_of(node_or_line) if isinstance(node_or_line, Node) else node_or_line
        self.problems.append(Problem(line, where, code, params))

    def root(self) -> Node | None:
        """The document's top node, or None (reported) when the text is too large, not YAML or empty."""
        if len(self.text) > self.max_chars:
            self.problem(None, self.document, self.codes.too_large, limit=self.max_chars)
            return None
        try:
            self.loader = yaml.SafeLoader(self.text)  # it refuses unprintable characters at once
            root = self.loader.get_single_node()
        except yaml.YAMLError as exc:
            line, params = _yaml_error(exc, self.text)
            self.problem(line, self.document, self.codes.not_yaml, **params)
            return None
        except RecursionError:  # nested deeper than PyYAML's composer can go
            self.problem(None, self.document, self.codes.too_deep)
            return None
        finally:
            if self.loader is not None:
                self.loader.dispose()
        if root is None:
            self.problem(None, self.document, self.codes.empty)
        return root

    def mapping(self, node: Node, where: str, allowed: tuple[str, ...]) -> Fields | None:
        """The mapping at ``node`` (its unknown and repeated keys reported), or None when it is not one.
        An empty ``allowed`` takes any key: someone else knows the fields."""
        if not isinstance(node, MappingNode):
            self.problem(node, where, self.codes.not_mapping)
            return None
        if not self.first_visit(node, where):
            return None
        found = Fields(line_of(node), {}, {})
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key is None or (allowed and key not in allowed):
                self.problem(key_node, where, self.codes.unknown_key, key=key or "?", allowed=", ".join(allowed))
            elif key in found.nodes:
                self.problem(key_node, where, self.codes.duplicate_key, key=key)
            else:
                found.nodes[key], found.lines[key] = value_node, line_of(key_node)
        return found

    def required(self, fields: Fields, key: str, where: str) -> Node | None:
        """The node under ``key``, or None (reported on the mapping's line) when the key is not written."""
        if key not in fields.nodes:
            self.problem(fields.line, where, self.codes.missing, key=key)
        return fields.nodes.get(key)

    def plain(self, node: Node, where: str) -> Any:
        """The Python value of a node (mappings, lists and scalars), aliases refused."""
        if not self.first_visit(node, where):
            return None
        if isinstance(node, MappingNode):
            return {str(k.value): self.plain(v, f"{where}.{k.value}") for k, v in node.value if isinstance(k, ScalarNode)}
        if isinstance(node, SequenceNode):
            return [self.plain(item, where) for item in node.value]
        return self._scalar(node, where)

    def _scalar(self, node: Node, where: str) -> Any:
        """A scalar's value; a tag that makes it something else, or that its text does not fit, is reported."""
        try:
            value = self.loader.construct_object(node)
        except (yaml.YAMLError, ValueError, TypeError, AttributeError, OverflowError):  # !!int abc, !!timestamp x
            value = _UNREADABLE
        if not isinstance(value, PLAIN_SCALARS):  # !!binary, !!python/...: nothing a document holds
            self.problem(node, where, self.codes.bad_value, tag=node.tag)
            return None
        return value

    def scalar_text(self, node: Node, where: str) -> str | None:
        """A scalar's text as written, without what shows nothing at its ends (a code like 0330 stays the text, where
        YAML would read octal 216); None, unreported, when the node is a list or a mapping, and None when it is an
        alias (reported)."""
        if not isinstance(node, ScalarNode) or not self.first_visit(node, where):
            return None
        return visible_text(node.value)

    def choice(self, fields: Fields, key: str, enum: type[Enum], where: str | None = None) -> Any:
        """The member of ``enum`` written under ``key`` (which must be there), or None (reported) when it is none."""
        where = where or key
        value = self.plain(fields.nodes[key], where)
        try:
            return enum(str(value))
        except ValueError:
            self.problem(fields.lines[key], where, "enum", expected=", ".join(member.value for member in enum))
            return None

    def first_visit(self, node: Node, where: str) -> bool:
        """An alias is the same node met twice: refused, and not walked again."""
        if id(node) in self._seen:
            self.problem(node, where, self.codes.alias)
            return False
        self._seen.add(id(node))
        return True
