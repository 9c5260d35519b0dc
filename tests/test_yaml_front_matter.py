"""YAML front matter: the values sitegen reads are those PyYAML's own constructor
makes with sitegen's loader (dates kept as written, keys written twice refused),
whichever way the document is built."""

from __future__ import annotations

import string

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.pipeline import sourcefiles
from sitegen.pipeline.sourcefiles import SourceError, parse_yaml_mapping


def as_pyyaml_constructs_it(text: str) -> str | None:
    """repr of the mapping PyYAML's constructor makes with sitegen's loader (repr tells
    1 from 1.0 and True, and NaN from nothing), an empty one for a document of
    nothing; None when it refuses the text. (Nesting deeper than sitegen allows is
    refused by sitegen alone: see test_load.py.)"""
    try:
        data = yaml.load(text, Loader=sourcefiles._PlainYamlLoader)  # noqa: S506  (sitegen's safe loader)
    except Exception:  # any refusal: the parser's, the constructor's, a key written twice
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return None
    return repr({str(key): value for key, value in data.items()})


def as_sitegen_reads_it(text: str) -> str | None:
    try:
        data, _ = parse_yaml_mapping(text)
    except SourceError:
        return None
    return repr(data)


PLAIN_DOCUMENTS = [
    "title: A\ndate: 2020-01-01\n",
    "n: 1\nf: 2.5\nexp: 1e3\nhex: 0x1F\noct: 0o17\nunderscored: 1_000\ninf: .inf\nnan: .nan\nneg: -.INF\n",
    "yes: yes\nno: No\non: ON\noff: off\ntrue: true\nnull: ~\nempty:\n",
    "'quoted': \"a: b\"\nsingle: 'it''s'\nblock: |\n  two\n  lines\nfolded: >\n  one\n  line\n",
    "links:\n  Wikipedia: https://example.org/a\n  Other: \"https://example.org/b\"\n",
    "tags: [a, b, 'c d']\nroles:\n  - title: Mayor\n    from: 2010\n  - {title: Governor, to: 2014-05}\n",
    "1: one\n2.5: two\ntrue: three\n~: four\n",
    "nested: [[[[1]]], {a: [{b: c}]}]\n",
    "explicit: !!str 123\nnumber: !!int '7'\nflag: !!bool 'true'\nnothing: !!null ''\nfloat: !!float '1'\n",
    "date: !!timestamp 2020-01-01\n",
    "data: !!binary aGVsbG8=\n",
    "set: !!set {a, b}\n",
    "pairs: !!omap [a: 1, b: 2]\n",
    "base: &base {title: A}\n<<: *base\ntitle: B\n",
    "anchor: &a text\nalso: *a\n",
    "anchored: &a [1, 2]\n",
    "=: value\n",
    "title: A\ntitle: B\n",
    "outer:\n  a: 1\n  a: 2\n",
    "1: a\n1.0: b\n",
    "true: a\n1: b\n",
    "? [a, b]\n: list key\n",
    "? {a: b}\n: mapping key\n",
    "key: !custom value\n",
    "bad: !!int abc\n",
    "huge: " + "9" * 5000 + "\n",
    "- a list\n- not a mapping\n",
    "just text\n",
    "nested: " + "[" * 100 + "]" * 100 + "\n",
    "a: [1, 2\n",
]


@pytest.mark.parametrize("text", PLAIN_DOCUMENTS)
def test_front_matter_reads_as_pyyaml_constructs_it(text):
    assert as_sitegen_reads_it(text) == as_pyyaml_constructs_it(text)


def test_a_document_of_plain_values_is_built_without_pyyaml_constructor(monkeypatch):
    def refused(*args, **kwargs):
        raise AssertionError("PyYAML's constructor was asked")

    monkeypatch.setattr(sourcefiles._PlainYamlLoader, "construct_document", refused)

    data, lines = parse_yaml_mapping("title: A\nlinks:\n  Site: https://example.org/\ntags: [a, 1, true, null, 2.5]\n", first_line=2)

    assert data == {"title": "A", "links": {"Site": "https://example.org/"}, "tags": ["a", 1, True, None, 2.5]}
    assert lines == {"title": 2, "links": 3, "tags": 5}


scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6) | st.integers(), inner, max_size=4),
    max_leaves=12,
)


@settings(deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=8), values, min_size=1, max_size=5), st.booleans())
def test_any_dumped_mapping_reads_as_pyyaml_constructs_it(mapping, flow):
    text = yaml.safe_dump(mapping, default_flow_style=flow, allow_unicode=True)

    assert as_sitegen_reads_it(text) == as_pyyaml_constructs_it(text)


# Plain (unquoted) scalars, where the resolver decides the type: the characters
# that make numbers, booleans, nulls, dates and YAML's indicators.
plain_text = st.text(alphabet=string.digits + "+-._:~eExXoObB aAnNfFtTyYlLsSuU#&*!|>'\"[]{},?", min_size=1, max_size=10)


@settings(deadline=None)
@given(st.lists(st.tuples(plain_text, plain_text), min_size=1, max_size=4))
def test_any_plain_written_line_reads_as_pyyaml_constructs_it(pairs):
    text = "".join(f"{key}: {value}\n" for key, value in pairs)

    assert as_sitegen_reads_it(text) == as_pyyaml_constructs_it(text)
