"""Property tests for name matching and annotation, against a naive reference matcher.

The reference is deliberately simple and independent of `sitegen.model.matcher`: one
regular expression per name, tried at every character position, longest match
first. The rules it encodes are the specification of the engine:

- names match case-sensitively, on Unicode-aware word boundaries;
- at any position the longest name wins, and matches never overlap;
- a possessive ’s or 's after a name still leaves the name a mention;
- names with the same normal form (tokens, and whether space separates them)
  are one name, with the targets of all of them.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from html.parser import HTMLParser

from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.model.dates import PublicationDate
from sitegen.model.matcher import PhraseIndex, tokenize
from sitegen.model.models import Archive, Article, Entity, SourcePos
from sitegen.model.urls import Urls
from sitegen.pipeline.annotate import annotate_article
from sitegen.pipeline.catalog import build_catalog

# --- vocabulary -----------------------------------------------------------------------
# Small on purpose: names share first words, are prefixes of each other, and the
# text is made of the same words, so matches, overlaps and near misses are frequent.

NAME_WORDS = [
    "Ali", "Al", "Abu", "Bakr", "Mosul", "New", "York", "Zoë", "Łódź",
    "US", "US-led", "L/Cpl", "Cpl", "O’Brien", "O'Brien", "d'Arcy", "St.",
    "al", "of", "the", "led", "’s-Hertogenbosch",
]
OTHER_WORDS = ["and", "said", "Mosuls", "AMosul", "Alis", "Zoëy", "s", "x", "é", "Yorker", "USA", "Cpls"]
PUNCTUATION = [".", ",", ";", "’", "'", "-", "/", "(", ")"]
# The word runs inside names ("L", "Cpl", "Brien", "St"...), so that texts hold near misses.
FRAGMENTS = sorted({part for word in NAME_WORDS for part in re.findall(r"\w+", word)})
TARGETS = ["t1", "t2", "t3", "t4"]

assert all(unicodedata.is_normalized("NFC", w) for w in NAME_WORDS + OTHER_WORDS)

# --- the reference matcher ---------------------------------------------------------------

_PART = re.compile(r"\w+|[^\w\s]")


def name_parts(name: str) -> tuple[list[str], list[bool]]:
    """The parts of a name, and for each pair whether whitespace separates them."""
    found = list(_PART.finditer(unicodedata.normalize("NFC", name)))
    parts = [m.group() for m in found]
    spaced = [found[k - 1].end() != found[k].start() for k in range(1, len(found))]
    return parts, spaced


def name_pattern(name: str) -> re.Pattern[str]:
    parts, spaced = name_parts(name)
    pattern = re.escape(parts[0])
    for part, space in zip(parts[1:], spaced):
        pattern += (r"\s+" if space else "") + re.escape(part)
    if re.match(r"\w", parts[0]):
        pattern = r"(?<!\w)" + pattern
    if re.match(r"\w", parts[-1][-1]):
        pattern += r"(?!\w)"
    return re.compile(pattern)


def naive_find(pairs: list[tuple[str, str]], text: str) -> list[tuple[int, int, tuple[str, ...]]]:
    """Leftmost-longest, non-overlapping matches of the names in `pairs` (name, target)."""
    targets: dict[tuple, set[str]] = {}
    patterns: list[tuple[tuple, re.Pattern[str]]] = []
    for name, target in pairs:
        if not _PART.search(name):
            continue
        parts, spaced = name_parts(name)
        key = (tuple(parts), tuple(spaced))
        targets.setdefault(key, set()).add(target)
        patterns.append((key, name_pattern(name)))
    found = []
    position = 0
    while position < len(text):
        best: tuple[int, tuple] | None = None
        for key, pattern in patterns:
            m = pattern.match(text, position)
            if m and m.end() > position and (best is None or m.end() > best[0]):
                best = (m.end(), key)
        if best is None:
            position += 1
            continue
        found.append((position, best[0], tuple(sorted(targets[best[1]]))))
        position = best[0]
    return found


# --- strategies ----------------------------------------------------------------------------

name_joints = st.sampled_from([" ", " ", " ", "", "-", " - ", "/"])


@st.composite
def names(draw, words=NAME_WORDS) -> str:
    parts = draw(st.lists(st.sampled_from(words), min_size=1, max_size=3))
    name = parts[0]
    for part in parts[1:]:
        name += draw(name_joints) + part
    return name


@st.composite
def respaced(draw, name_strategy, markdown: bool = False) -> str:
    parts = re.findall(r"\w+|\S", draw(name_strategy))
    text = parts[0]
    for part in parts[1:]:
        separator = draw(st.sampled_from(["", " ", "  ", "\n"]))
        if markdown and separator != "" and not part[0].isalpha():
            separator = " "  # see paragraph()
        text += separator + part
    return text


@st.composite
def texts(draw, extra: list[str]) -> str:
    """Words, names, punctuation, separated by nothing, spaces or newlines.

    `extra` names appear as they are, and re-spaced: the same parts with other
    whitespace between them ("US-led" as "US - led", "Abu Bakr" as "Abu\nBakr").
    """
    pieces = draw(
        st.lists(
            st.one_of(
                st.sampled_from(extra) if extra else st.nothing(),
                st.sampled_from(extra) if extra else st.nothing(),
                respaced(st.sampled_from(extra)) if extra else st.nothing(),
                st.sampled_from(NAME_WORDS),
                st.sampled_from(OTHER_WORDS + FRAGMENTS),
                st.sampled_from(PUNCTUATION),
            ),
            min_size=1,
            max_size=30,
        )
    )
    text = ""
    for piece in pieces:
        text += draw(st.sampled_from(["", "", " ", " ", " ", "  ", "\n", " \n "])) + piece
    return text


# --- (a) the engine ---------------------------------------------------------------------------


@settings(deadline=None)  # max_examples comes from the profile (tests/conftest.py)
@given(data=st.data())
def test_phrase_index_agrees_with_the_naive_matcher(data):
    # Few distinct names, several targets each, some written with other whitespace
    # ("Abu  Bakr" is the name "Abu Bakr"): shared names are frequent.
    spellings = data.draw(st.lists(names(), min_size=1, max_size=5), label="names")
    spellings += [name.replace(" ", "  ") for name in spellings if " " in name]
    pairs = data.draw(
        st.lists(st.tuples(st.sampled_from(spellings), st.sampled_from(TARGETS)), min_size=1, max_size=8),
        label="pairs",
    )
    text = data.draw(texts([name for name, _ in pairs]), label="text")
    index = PhraseIndex()
    for name, target in pairs:
        index.add(name, target)
    found = [(m.start, m.end, m.targets) for m in index.find(text)]
    assert found == naive_find(pairs, text)


@settings(deadline=None)
@given(data=st.data())
def test_matching_a_stretch_of_tokens_finds_what_matching_that_stretch_of_text_finds(data):
    # Annotation splits a text once and looks for glossary terms only between
    # entity names: tokens `first` to `stop` must match as the text between them would.
    pairs = data.draw(
        st.lists(st.tuples(names(), st.sampled_from(TARGETS)), min_size=1, max_size=6),
        label="pairs",
    )
    text = data.draw(texts([name for name, _ in pairs]), label="text")
    index = PhraseIndex()
    for name, target in pairs:
        index.add(name, target)
    tokens = tokenize(text)
    boundaries = sorted({0, len(text), *(end - len(token) for token, end in zip(tokens.tokens, tokens.ends)), *tokens.ends})
    start = data.draw(st.sampled_from(boundaries), label="start")
    end = data.draw(st.sampled_from([b for b in boundaries if b >= start]), label="end")
    found = [(m.start, m.end, m.targets) for m in index.find_in(tokens, tokens.first_at(start), tokens.first_at(end))]
    expected = [(m.start + start, m.end + start, m.targets) for m in index.find(text[start:end])]
    assert found == expected


# Words whose case fold, NFC form or marks make a text one a scanner must leave
# to the full split, or that match a case-insensitive name only by case folding.
SCANNER_WORDS = [
    "mosul", "MOSUL", "ali", "ALI", "Straße", "STRASSE", "strasse", "Ⓐ", "ⓐ", "Zoe\u0308", "Zoe",
    "\u212a", "K", "k", "ſ", "σ", "ς", "〈", "\u2329", "—", "Abu\u00a0Bakr",
]


@settings(deadline=None)
@given(data=st.data())
def test_a_prepared_index_finds_what_splitting_the_whole_text_finds(data):
    # `prepare` compiles a scanner that finds where names may start without
    # splitting the text; the matches, in any stretch, must be the same.
    pairs = data.draw(
        st.lists(
            st.tuples(names(NAME_WORDS + SCANNER_WORDS), st.sampled_from(TARGETS), st.booleans()), min_size=1, max_size=6
        ),
        label="pairs (name, target, case-sensitive)",
    )
    text = data.draw(texts([name for name, _, _ in pairs] + SCANNER_WORDS), label="text")
    index = PhraseIndex()
    for name, target, case_sensitive in pairs:
        index.add(name, target, case_sensitive=case_sensitive)
    split = tokenize(text)
    boundaries = sorted({0, len(text), *(end - len(token) for token, end in zip(split.tokens, split.ends)), *split.ends})
    start = data.draw(st.sampled_from(boundaries), label="start")
    end = data.draw(st.sampled_from([b for b in boundaries if b >= start]), label="end")
    expected = [(m.start, m.end, m.targets) for m in index.find_in(split, split.first_at(start), split.first_at(end))]
    starts_some = bool(split.starts_of(index))
    index.prepare()
    scanned = tokenize(text)
    assert [(m.start, m.end, m.targets) for m in index.find_between(scanned, start, end)] == expected
    assert index.may_start_in(scanned) == starts_some


def test_an_index_too_deep_for_a_scanner_still_finds_its_names():
    # Names that are each other's prefixes, hundreds deep, make no scanner
    # (its expression would nest too deep): the text is split whole instead.
    index = PhraseIndex()
    for length in range(1, 300):
        index.add("A" * length, f"t{length}")
    index.prepare()
    text = "x " + "A" * 250 + " and AAA."
    found = [(text[m.start : m.end], m.targets) for m in index.find_between(tokenize(text))]
    assert found == [("A" * 250, ("t250",)), ("AAA", ("t3",))]


def test_an_index_with_a_very_long_first_word_splits_texts_whole_and_still_finds_its_names():
    # A scanner looking for a word of thousands of characters would try it from
    # every place in a long run of the same letter: such an index makes none.
    index = PhraseIndex()
    index.add("a" * 2000 + "b", "long")
    index.add("Mosul", "m")
    index.prepare()
    text = "x " + "a" * 2000 + "b near Mosul " + "a" * 5000
    assert not index._scanner.usable  # the whole text is split, as without a scanner
    found = [(text[m.start : m.end], m.targets) for m in index.find_between(tokenize(text))]
    assert found == [("a" * 2000 + "b", ("long",)), ("Mosul", ("m",))]


def test_the_reference_follows_the_rules():
    """A few fixed cases, so that the reference itself is known to be right."""
    pairs = [("Mosul", "m"), ("Ali", "a"), ("Abu Bakr", "b"), ("Abu", "c"), ("US-led", "u"), ("L/Cpl", "l")]
    text = "AMosul Mosuls Mosul’s Abu  Bakr's Abu\nBakr Abu-Bakr US-led US - led L/Cpl Ali (Ali) Alis"
    found = [(text[s:e], t) for s, e, t in naive_find(pairs, text)]
    assert found == [
        ("Mosul", ("m",)),
        ("Abu  Bakr", ("b",)),
        ("Abu\nBakr", ("b",)),
        ("Abu", ("c",)),
        ("US-led", ("u",)),
        ("L/Cpl", ("l",)),
        ("Ali", ("a",)),
        ("Ali", ("a",)),
    ]
    assert naive_find([("New York", "a"), ("New  York", "b")], "New York")[0][2] == ("a", "b")
    index = PhraseIndex()
    for name, target in pairs:
        index.add(name, target)
    assert [(text[m.start : m.end], m.targets) for m in index.find(text)] == found


# --- (b) the pipeline ---------------------------------------------------------------------------

# No Markdown syntax: none of * _ [ ] ` < > & # ! | ~ \ and no digits.
assert not any(set(w) & set("*_[]`<>&#!|~\\0123456789") for w in NAME_WORDS + OTHER_WORDS + PUNCTUATION)


@st.composite
def entity_sets(draw) -> list[Entity]:
    """1-5 entities, each with a name and up to two aliases, no name shared between entities."""
    count = draw(st.integers(1, 5))
    owner: dict[tuple, int] = {}
    entities = []
    for number in range(count):
        own = []
        for name in draw(st.lists(names(), min_size=1, max_size=3)):
            parts, spaced = name_parts(name)
            key = (tuple(parts), tuple(spaced))
            if owner.setdefault(key, number) == number and name not in own:
                own.append(name)
        if not own:
            continue
        entities.append(
            Entity(
                id=f"e{number}",
                name=own[0],
                kind=draw(st.sampled_from(["person", "organization", "place", "other"])),
                pos=SourcePos(f"content/entities/e{number}.md", 1),
                aliases=tuple(own[1:]),
                summary=draw(st.sampled_from(["", "A summary."])),
            )
        )
    return entities


@st.composite
def paragraph(draw, entity_names: list[str]) -> str:
    """Plain text that Markdown keeps as it is, as one paragraph.

    No line starts with punctuation (a line "-" would make the paragraph a
    heading, "- x" a list), and no line ends with spaces (two make a hard break).
    """
    pieces = draw(
        st.lists(
            st.one_of(
                st.sampled_from(entity_names),
                respaced(st.sampled_from(entity_names), markdown=True),
                st.sampled_from(NAME_WORDS + OTHER_WORDS + FRAGMENTS),
                st.sampled_from(PUNCTUATION),
            ),
            min_size=1,
            max_size=25,
        )
    )
    text = pieces[0]
    for piece in pieces[1:]:
        separator = draw(st.sampled_from(["", " ", " ", " ", "\n"]))
        if separator == "\n" and not piece[0].isalpha():
            separator = " "  # a line starting with "-" could be a list item or a heading underline
        text += separator + piece
    if not text[0].isalpha():
        text = "So " + text
    return text


def normalised(text: str) -> str:
    return " ".join(text.split())


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
BLOCK = {"div", "p", "ul", "ol", "li", "blockquote", "section", "aside", "figure", "table", "h1", "h2", "h3", "pre"}


class WellFormed(HTMLParser):
    """Every end tag closes the innermost open element; no block element inside a paragraph."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCK:
            assert "p" not in self.stack, f"<{tag}> inside <p>: {self.stack}"
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        assert tag in VOID, f"self-closing <{tag}/>"

    def handle_endtag(self, tag):
        assert tag not in VOID, f"end tag for void element </{tag}>"
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack}"
        self.stack.pop()


def check_well_formed(body_html: str) -> None:
    checker = WellFormed()
    checker.feed(body_html)
    checker.close()
    assert checker.stack == [], f"unclosed: {checker.stack}"


def annotate(entities: list[Entity], body: str, repeat_links: bool):
    archive = Archive(articles=(), entities=tuple(entities), terms=(), events=(), static_files=())
    catalog, warnings = build_catalog(archive, Urls("https://example.org/", "/"), repeat_links=repeat_links)
    assert warnings == []
    article = Article(
        slug="a",
        title="A",
        date=PublicationDate(dt.date(2020, 5, 17)),
        body=body,
        body_line=5,
        pos=SourcePos("content/articles/a.md", 1),
        entity_ids=(),
    )
    return annotate_article(article, catalog)


@settings(deadline=None)  # max_examples comes from the profile (tests/conftest.py)
@given(data=st.data())
def test_annotated_articles_agree_with_the_naive_matcher(data):
    entities = data.draw(entity_sets(), label="entities")
    entity_names = [n for e in entities for n in (e.name, *e.aliases)]
    paragraphs = data.draw(st.lists(paragraph(entity_names), min_size=1, max_size=3), label="paragraphs")
    pairs = [(name, e.id) for e in entities for name in (e.name, *e.aliases)]
    matches = [(text, naive_find(pairs, text)) for text in paragraphs]
    counts = Counter(targets[0] for _, found in matches for _, _, targets in found)
    first = {}
    for text, found in matches:
        for start, end, (entity_id,) in found:
            first.setdefault(entity_id, text[start:end])
    body = "\n\n".join(paragraphs)

    for repeat_links in (False, True):
        result = annotate(entities, body, repeat_links)
        check_well_formed(result.body_html)
        soup = BeautifulSoup(result.body_html, "html.parser")
        shown = soup.find_all("p", recursive=False)
        assert len(shown) == len(paragraphs), result.body_html

        for entity in entities:
            links = soup.select(f'a.mention[data-entity="{entity.id}"]')
            expected = counts[entity.id] if repeat_links else min(1, counts[entity.id])
            assert len(links) == expected, (entity.id, result.body_html)
            described = [a for a in links if a.has_attr("aria-describedby")]
            assert len(described) == min(1, counts[entity.id])
            if described:
                assert described[0] is links[0], "the note goes with the first mention"
                note = soup.find(id=described[0]["aria-describedby"])
                assert note is not None and entity.name in note.get_text()

        assert {m.entity_id: m.count for m in result.mentions} == dict(counts)
        assert [m.entity_id for m in result.mentions] == list(first), "mentions in order of first mention"
        for mention in result.mentions:
            assert mention.snippet is not None
            assert normalised(mention.snippet.mention) == normalised(first[mention.entity_id])

        for p, text in zip(shown, paragraphs):
            for extra in p.select(".sidenote, .sidenote-number, input"):
                extra.decompose()
            assert normalised(p.get_text()) == normalised(text)
