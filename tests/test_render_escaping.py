"""Escaping what templates write: the same characters as markupsafe, at less cost."""

from __future__ import annotations

import jinja2.runtime
import markupsafe
import pytest
from bs4 import BeautifulSoup

from sitegen.pipeline.render import _replace_special, escape_output, template_environment

TEXTS = ["plain", "", "<script>alert('x')</script>", 'a "quoted" & <tagged> \'word\'', "é & ü < ß", "&amp; already", "\ud800 lone"]


@pytest.mark.parametrize("text", TEXTS)
def test_text_is_escaped_exactly_as_markupsafe_escapes_it(text):
    assert escape_output(text) == str(markupsafe.escape(text))


@pytest.mark.parametrize("text", TEXTS)
def test_without_markupsafes_compiled_escaping_text_is_escaped_the_same(text):
    assert _replace_special(text) == str(markupsafe.escape(text))


@pytest.mark.parametrize("value", [3, 2.5, None, markupsafe.Markup("<b>kept</b>"), ["<list>"]])
def test_any_other_value_is_left_to_markupsafe(value):
    assert escape_output(value) == markupsafe.escape(value)


def test_a_template_writes_text_escaped_without_making_a_markup_object_of_it(tmp_path, monkeypatch):
    made: list[object] = []
    real = jinja2.runtime.escape
    monkeypatch.setattr(jinja2.runtime, "escape", lambda value: made.append(value) or real(value))
    template = template_environment(tmp_path).from_string('<p title="{{ text }}">{{ text }}</p>')
    text = "<a href='x'>\"&\"</a>"
    paragraph = BeautifulSoup(template.render(text=text), "html.parser").p
    assert paragraph["title"] == text
    assert paragraph.get_text() == text and paragraph.find("a") is None
    assert made == []


def test_markup_a_template_makes_is_written_as_it_is(tmp_path):
    source = "{% macro item(x) %}<li>{{ x }}</li>{% endmacro %}{% set note %}<em>{{ text }}</em>{% endset %}<ul>{{ item(text) }}</ul>{{ note }}"
    html = template_environment(tmp_path).from_string(source).render(text="<b>&</b>")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.li.get_text() == "<b>&</b>" and soup.em.get_text() == "<b>&</b>"
    assert soup.find("b") is None


def test_an_undefined_value_still_stops_the_render(tmp_path):
    with pytest.raises(jinja2.UndefinedError):
        template_environment(tmp_path).from_string("{{ missing }}").render()


def test_the_compiled_templates_escape_through_the_site_s_hook_and_nowhere_else(tmp_path):
    # The hook overrides a method of Jinja's compiler: a Jinja that no longer calls it
    # would escape with markupsafe again (slower, still safe); this says so loudly.
    source = "{{ title }}{% autoescape false %}{{ raw }}{% endautoescape %}"
    code = template_environment(tmp_path).compile(source, raw=True)
    assert "environment.escape_output(" in code
    assert "str(" in code  # inside `autoescape false`, no escaping at all, as Jinja writes it
