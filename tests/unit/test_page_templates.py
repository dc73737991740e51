"""The page templates keep ``_`` for translation (a template that binds ``_``, by ``{% set _ = ... %}``, a loop or
macro variable or an import alias, hides the gettext function from everything after it and the page fails to render),
and they escape what they show: no ``|safe``, no ``{% autoescape false %}``."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader, nodes

TEMPLATES = Path(__file__).resolve().parents[2] / "dispatch" / "templates"
ENVIRONMENT = Environment(loader=FileSystemLoader(TEMPLATES), extensions=["jinja2.ext.i18n"])
TEMPLATE_NAMES = sorted(path.relative_to(TEMPLATES).as_posix() for path in TEMPLATES.rglob("*.html"))


def names_bound(tree: nodes.Template) -> list[tuple[int, str]]:
    """Every name the template binds, with its line: assignments, loop and ``with`` targets, macro and call-block
    parameters, and import aliases."""
    bound = [(node.lineno, node.name) for node in tree.find_all(nodes.Name) if node.ctx in ("store", "param")]
    bound += [(node.lineno, node.target) for node in tree.find_all(nodes.Import)]
    for node in tree.find_all(nodes.FromImport):
        bound += [(node.lineno, name if isinstance(name, str) else name[1]) for name in node.names]
    bound += [(node.lineno, node.name) for node in tree.find_all(nodes.Macro)]
    return bound


def test_every_page_template_is_checked():
    assert len(TEMPLATE_NAMES) >= 20 and "_pager.html" in TEMPLATE_NAMES and "base.html" in TEMPLATE_NAMES


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_no_template_assigns_the_translation_function(name):
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    tree = ENVIRONMENT.parse(source, name=name)
    assert [line for line, bound in names_bound(tree) if bound == "_"] == [], f"{name} assigns _ and hides gettext"


def unescaped(tree: nodes.Template) -> list[int]:
    """The lines where a template marks text safe or turns escaping off."""
    marked = [node.lineno for node in tree.find_all(nodes.Filter) if node.name == "safe"]
    switched = [
        node.lineno
        for node in tree.find_all(nodes.ScopedEvalContextModifier)
        for option in node.options
        if option.key == "autoescape" and not (isinstance(option.value, nodes.Const) and option.value.value is True)
    ]
    return marked + switched


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_no_template_lets_text_through_as_markup(name):
    tree = ENVIRONMENT.parse((TEMPLATES / name).read_text(encoding="utf-8"), name=name)
    assert unescaped(tree) == [], f"{name} shows text unescaped"


def test_pages_are_escaped():
    from dispatch import create_app

    assert create_app().jinja_env.autoescape("board.html") is True


def test_the_escaping_check_sees_safe_and_autoescape_off():
    for source in (
        "{{ name|safe }}",
        "{% autoescape false %}{{ name }}{% endautoescape %}",
        "{% autoescape x %}{% endautoescape %}",
    ):
        assert len(unescaped(ENVIRONMENT.parse(source))) == 1, source
    assert unescaped(ENVIRONMENT.parse("{% autoescape true %}{{ name|e }}{% endautoescape %}")) == []


def test_the_check_sees_every_way_a_template_can_bind_a_name():
    sources = {
        "{% set _ = x.update(a=1) %}": 1,
        "{% for _ in items %}{% endfor %}": 1,
        "{% for key, _ in pairs %}{% endfor %}": 1,
        "{% with _ = 2 %}{% endwith %}": 1,
        "{% macro m(_) %}{% endmacro %}": 1,
        '{% import "x.html" as _ %}': 1,
        '{% from "x.html" import y as _ %}': 1,
        "{% set _ %}text{% endset %}": 1,
        '{{ _("Next") }}{% set other = 1 %}': 0,
    }
    for source, expected in sources.items():
        found = [bound for _line, bound in names_bound(ENVIRONMENT.parse(source)) if bound == "_"]
        assert len(found) == expected, source
