"""Markdown -> annotated HTML, through the markdown-it token stream.

Annotation happens on tokens, never on HTML strings: a core rule added after
markdown-it's own rules walks the inline tokens of running text, finds known
names with the catalogue's `PhraseIndex`, and replaces them with mention
links, side-notes (`notes.py`) and term marks. Code, links, images, raw HTML
and headings are never touched because they are different tokens (or inside
them).

A body that holds raw HTML is sanitised once annotated (`sanitise.py`), with
the annotation's own markup held aside; a body without any, most of them, is
published as rendered and pays nothing more. In a body with raw HTML, the text
no reader will see (inside a `<script>`, a `<template>`, a comment, however
many paragraphs it runs over) is found by the sanitiser first, and makes no
mention, note, term's use or quoted sentence.
"""

from __future__ import annotations

import bisect
import datetime as dt
import html
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from sitegen.model.errors import Diagnostic
from sitegen.model.matcher import Tokens, tokenize
from sitegen.model.models import Article, Entity
from sitegen.pipeline.catalog import Catalog
from sitegen.pipeline.markdown import markdown_dialect
from sitegen.pipeline.notes import endnotes, entity_note_body, sidenote, term_mark
from sitegen.pipeline.reading_time import reading_minutes
from sitegen.pipeline.raw_html import HiddenMarkdown
from sitegen.pipeline.sanitise import Placeholders, sanitise_phrasing
from sitegen.pipeline.snippets import Snippet, snippet
from sitegen.pipeline.timeline import TimelineEntry

# --- results ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mention:
    entity_id: str
    count: int
    snippet: Snippet | None
    line: int = 0  # the source file's line of the first mention (0: unknown)


@dataclass(frozen=True, slots=True)
class AnnotatedArticle:
    slug: str
    body_html: str
    mentions: tuple[Mention, ...]  # in order of first mention
    diagnostics: tuple[Diagnostic, ...] = ()
    terms: tuple[tuple[str, int], ...] = ()  # (term id, occurrences), in order of first use
    endnotes_html: str = ""  # the side-notes as numbered notes, for print
    reading_minutes: int = 1  # of the article's text (see reading_time.py)


# --- Markdown ----------------------------------------------------------------------------

@lru_cache(maxsize=2)
def markdown_parser(raw_html: bool = True) -> MarkdownIt:
    """The one Markdown dialect of sitegen: CommonMark, tables, strikethrough,
    footnotes, entity references, and the annotation rule.

    Raw HTML is kept only in article bodies (`raw_html=True`), the editors'
    own text, where it is the way to write what Markdown cannot; what of it
    reaches readers is what the sanitiser keeps (see annotate_article). Every other
    Markdown field (entity descriptions, event descriptions, glossary
    definitions) is rendered with `raw_html=False`, which shows raw HTML as
    text: those fields are small, often filled in by tools or copied from
    elsewhere, and reach pages that share them (the timeline, the glossary).
    """
    md = markdown_dialect(raw_html)
    md.core.ruler.push("sitegen_annotate", _annotate_rule)
    return md


# --- annotation state --------------------------------------------------------------------


@dataclass(slots=True)
class _Document:
    """What the annotation rule knows and collects while it walks one document."""

    catalog: Catalog
    path: str
    body_line: int
    day: dt.date | None
    listed: frozenset[str]
    exclude: str | None = None
    side_notes: bool = True  # False where notes have no margin (timeline entries)
    id_prefix: str = ""  # keeps element ids unique when several fragments share a page
    notes: int = 0
    note_tokens: int = 0  # the note tokens put into inline tokens so far that may yet move (see _markers_after_punctuation)
    seen: set[str] = field(default_factory=set)  # entities whose first mention carries its note
    footnote_numbers: dict[int, int] = field(default_factory=dict)  # footnote id -> note number
    note_bodies: list[tuple[int, str]] = field(default_factory=list)  # (number, HTML) of every side-note, for print
    terms_seen: set[str] = field(default_factory=set)
    term_counts: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    snippets: dict[str, Snippet] = field(default_factory=dict)
    first_lines: dict[str, int] = field(default_factory=dict)  # entity id -> source line of its first mention
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # sitegen's markup held aside while a body with raw HTML is sanitised; None
    # until the annotation rule has found raw HTML in the document.
    placeholders: Placeholders | None = None
    source: str = ""  # the Markdown, whose digest marks the placeholders as this document's

    def next_note(self) -> int:
        self.notes += 1
        return self.notes


def annotate_article(article: Article, catalog: Catalog) -> AnnotatedArticle:
    document = _Document(
        catalog=catalog,
        path=article.pos.path,
        body_line=article.body_line,
        day=article.date.day if article.date else None,
        listed=frozenset(article.entity_ids),
        source=article.body,
    )
    body_html = markdown_parser().render(article.body, {"sitegen": document})
    if document.placeholders is not None:
        # Raw HTML in the body: sanitised, sitegen's markup put back after.
        # (Its footnotes were sanitised each on its own, when taken.)
        body_html = document.placeholders.sanitise(body_html)
    order = list(document.counts)
    mentions = tuple(Mention(i, document.counts[i], document.snippets.get(i), document.first_lines.get(i, 0)) for i in order)
    terms = tuple(document.term_counts.items())
    return AnnotatedArticle(
        article.slug, body_html, mentions, tuple(document.diagnostics), terms, endnotes(document.note_bodies), reading_minutes(article.body)
    )


@dataclass(frozen=True, slots=True)
class AnnotatedFragment:
    html: str
    entity_ids: tuple[str, ...]  # entities it links to
    diagnostics: tuple[Diagnostic, ...] = ()


def annotate_entity_description(entity: Entity, catalog: Catalog) -> AnnotatedFragment:
    """An entity's own description, annotated like an article but never naming
    itself; raw HTML in it is shown as text."""
    document = _Document(
        catalog=catalog,
        path=entity.pos.path,
        body_line=entity.body_line,
        day=None,
        listed=frozenset(),
        exclude=entity.id,
    )
    body_html = markdown_parser(raw_html=False).render(entity.body, {"sitegen": document})
    return AnnotatedFragment(body_html, tuple(document.counts), tuple(document.diagnostics))


def annotate_fragment(text: str, path: str, line: int, catalog: Catalog, id_prefix: str) -> AnnotatedFragment:
    """Markdown that shares its page with others (a timeline entry): links and
    term marks, but no side-notes, ids made unique with `id_prefix`, and raw
    HTML shown as text."""
    document = _Document(
        catalog=catalog,
        path=path,
        body_line=line,
        day=None,
        listed=frozenset(),
        side_notes=False,
        id_prefix=id_prefix,
    )
    body_html = markdown_parser(raw_html=False).render(text, {"sitegen": document})
    return AnnotatedFragment(body_html, tuple(document.counts), tuple(document.diagnostics))


# --- the core rule -------------------------------------------------------------------------


def _annotate_rule(state) -> None:
    document: _Document | None = state.env.get("sitegen") if isinstance(state.env, dict) else None
    if document is None:
        return
    tokens: list[Token] = state.tokens
    # Raw HTML starts with "<": a body without one is not walked for it.
    if "<" in document.source and _has_raw_html(tokens):
        document.placeholders = Placeholders(document.source)
    footnotes = _take_footnotes(tokens, document, state.md, state.env)
    unseen = _unseen_children(tokens, document, state.md, state.env) if document.placeholders else _NOTHING_UNSEEN
    context: list[str] = []
    for index, token in enumerate(tokens):
        nesting = token.nesting
        if nesting == 1 and token.type.endswith("_open"):
            context.append(token.tag)
        elif nesting == -1 and context and token.type.endswith("_close"):
            context.pop()
        if not token.children or token.type != "inline":
            continue
        first_line = document.body_line + (token.map[0] if token.map else 0)
        in_heading = bool(context) and context[-1] in ("h1", "h2", "h3", "h4", "h5", "h6")
        in_table = "td" in context or "th" in context
        hidden, linked = unseen.hidden.get(index, _NONE), unseen.linked.get(index, _NONE)
        token.children = _annotate_inline(token.children, document, footnotes, first_line, in_heading, in_table, hidden, linked)
        if document.placeholders is not None:
            for child in token.children:
                if child.meta.get("sitegen_markup"):
                    child.content = document.placeholders.hold(child.content)


def _has_raw_html(tokens: list[Token]) -> bool:
    """Whether the editor wrote raw HTML anywhere in the document, its footnotes
    included (seen before annotation adds markup of its own)."""
    for token in tokens:
        if token.type == "html_block":
            return True
        if token.type == "inline" and token.children and any(child.type == "html_inline" for child in token.children):
            return True
    return False


def _take_footnotes(tokens: list[Token], document: _Document, md: MarkdownIt, env: Any) -> dict[int, str]:
    """Remove the footnote block from the end and return each note's content as phrasing HTML.

    A note's reference to another note shows that note's text in brackets
    where it stands (a side-note has no note of its own); a reference to
    itself goes."""
    try:
        start = next(i for i, t in enumerate(tokens) if t.type == "footnote_block_open")
    except StopIteration:
        return {}
    end = next(i for i in range(start, len(tokens)) if tokens[i].type == "footnote_block_close")
    notes: dict[int, list[list[Token] | str]] = {}  # each note's paragraphs: inline children, or code as HTML
    current: int | None = None
    for token in tokens[start + 1 : end]:
        if token.type == "footnote_open":
            current = token.meta["id"]
            notes[current] = []
        elif current is not None and token.type == "inline" and token.children is not None:
            notes[current].append(_plain_refs(token.children, document, document.body_line + (token.map[0] if token.map else 0)))
        elif current is not None and token.type in ("fence", "code_block"):
            notes[current].append(f"<code>{html.escape(token.content.strip())}</code>")
    del tokens[start : end + 1]

    def rendered(key: int, others: dict[int, str]) -> str:
        """Note `key` as HTML, the notes it refers to as in `others`."""
        parts = []
        for part in notes[key]:
            if not isinstance(part, str):
                children = [child if child.type != "footnote_ref" else _note_in_note(child, key, others) for child in part]
                part = md.renderer.renderInline(children, md.options, env)
            if part:
                parts.append(part)
        joined = "<br>".join(parts)
        # With raw HTML, each note on its own as a balanced fragment of
        # phrasing elements: raw HTML in it cannot close the side-note it goes
        # into, nor the paragraph around that, nor reach past them.
        return sanitise_phrasing(joined) if document.placeholders is not None else joined

    alone = {key: rendered(key, {}) for key in notes}  # a note shown inside another shows no note in it
    return {key: rendered(key, alone) if _refers_to_notes(parts) else alone[key] for key, parts in notes.items()}


def _note_in_note(reference: Token, key: int, others: dict[int, str]) -> Token:
    """A reference in note `key` to another note: that note's text in brackets."""
    shown = others.get(reference.meta["id"], "") if reference.meta["id"] != key else ""
    return _html(f" ({shown})" if shown else "")


def _refers_to_notes(parts: list[list[Token] | str]) -> bool:
    return any(not isinstance(part, str) and any(child.type == "footnote_ref" for child in part) for part in parts)


def _plain_entity_ref(token: Token, document: _Document) -> Token:
    if token.type != "entity_ref":
        return token
    entity = document.catalog.entities.get(token.meta["id"])
    text = token.meta["text"] or (entity.name if entity else token.meta["id"])
    return _text(text)


def _plain_refs(children: list[Token], document: _Document, line: int) -> list[Token]:
    """`children` with each entity reference as the text it shows, in images'
    alt text too: where a mention cannot be a link (a footnote, an image's alt
    text). A reference to no entity is reported as in running text."""
    plain = []
    for child in children:
        if child.type == "entity_ref" and child.meta["id"] not in document.catalog.entities:
            document.diagnostics.append(_no_entity(child.meta["id"], document, line))
        elif child.type == "image" and child.children:
            child = child.copy(children=_plain_refs(child.children, document, line))
        plain.append(_plain_entity_ref(child, document))
    return plain


def _no_entity(entity_id: str, document: _Document, line: int) -> Diagnostic:
    return Diagnostic(document.path, line, f"[[{entity_id}]] names no entity: create content/entities/{entity_id}.md or fix the id")


def _text(content: str) -> Token:
    return Token("text", "", 0, content=content)


def _html(content: str) -> Token:
    """sitegen's own markup in running text (never the editor's raw HTML)."""
    return Token("html_inline", "", 0, content=content, meta={"sitegen_markup": True})


def _plain_text(children: list[Token], document: _Document, hidden: frozenset[int] = frozenset()) -> str:
    """The readable text of an inline token, for snippets; offsets match the walk below.
    The children at the indexes in `hidden` are left out (see _unseen_children)."""
    parts = []
    for index, child in enumerate(children):
        if index in hidden:
            continue
        if child.type == "text":
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "code_inline":
            parts.append(child.content)
        elif child.type == "entity_ref":
            parts.append(_plain_entity_ref(child, document).content)
    return "".join(parts)


class _PlainText:
    """`_plain_text` of an inline token, made the first time a snippet needs it:
    most paragraphs first-mention no entity and never need it."""

    __slots__ = ("children", "document", "hidden", "text")

    def __init__(self, children: list[Token], document: _Document, hidden: frozenset[int]):
        self.children, self.document, self.hidden, self.text = children, document, hidden, None

    def __call__(self) -> str:
        if self.text is None:
            self.text = _plain_text(self.children, self.document, self.hidden)
        return self.text


_NONE: frozenset[int] = frozenset()
# The children of an inline token that annotation reads (names, references,
# footnotes; code and breaks for the offsets of quoted sentences): those
# whose place a marker finds out in _unseen_children.
_READ = frozenset(("text", "softbreak", "hardbreak", "code_inline", "entity_ref", "footnote_ref"))
# Those of them that annotation replaces with markup of its own: never
# rendered, in the final body, as markdown-it would.
_REPLACED = frozenset(("entity_ref", "footnote_ref"))


def _unseen_children(tokens: list[Token], document: _Document, md: MarkdownIt, env: Any) -> _Unseen:
    """For each inline token (by index), the indexes of its children no reader
    sees: inside raw HTML the sanitiser removes with its content, a comment or
    an attribute's value, wherever the editor opened and closed it (paragraphs
    apart, in another block, past stray end tags); and of those inside a link.

    Told by the sanitiser itself, which parses the body as a browser does: the
    document is rendered with a marker before each child annotation reads (and
    at the start of each block, for HiddenMarkdown), and the markers the
    sanitiser keeps are the places readers see. The markers end nothing the
    body's own markup would not (see Placeholders.marker), and annotation's
    markup goes only where they are kept, so the body as published is read
    the same way.

    Markdown that raw HTML left open before it hides is reported (see
    HiddenMarkdown)."""
    placeholders = document.placeholders
    assert placeholders is not None
    places: list[tuple[int, int]] = []  # (token, child) of each marker; child -1 at the start of a block
    marked = list(tokens)
    for index, token in enumerate(tokens):
        if token.type == "html_block":
            marked[index] = token.copy(content=placeholders.marker(len(places)) + token.content)
            places.append((index, -1))
        if token.type != "inline" or not token.children:
            continue
        children: list[Token] = [_html(placeholders.marker(len(places)))]
        places.append((index, -1))
        for position, child in enumerate(token.children):
            if child.type in _READ:
                children.append(_html(placeholders.marker(len(places))))
                places.append((index, position))
            if child.type not in _REPLACED:
                children.append(child)
        marked[index] = token.copy(children=children)
    seen = placeholders.seen_markers(md.renderer.render(marked, md.options, env))
    document.diagnostics += HiddenMarkdown(tokens, document.path, document.body_line, document.source).report(places, seen)
    unseen: dict[int, set[int]] = {}
    linked: dict[int, set[int]] = {}
    for number, (index, position) in enumerate(places):
        if position < 0:
            continue
        if number not in seen:
            unseen.setdefault(index, set()).add(position)
        elif seen[number]:
            linked.setdefault(index, set()).add(position)
    return _Unseen(
        {index: frozenset(positions) for index, positions in unseen.items()},
        {index: frozenset(positions) for index, positions in linked.items()},
    )


@dataclass(frozen=True, slots=True)
class _Unseen:
    """What _unseen_children finds: for each inline token (by index), the
    indexes of its children no reader sees, and of those inside a link (an
    editor's `<a>`, wherever it opens and closes), which are text as written:
    a mention or term mark there would be a link inside a link."""

    hidden: dict[int, frozenset[int]] = field(default_factory=dict)
    linked: dict[int, frozenset[int]] = field(default_factory=dict)


_NOTHING_UNSEEN = _Unseen()  # in a body without raw HTML


def _annotate_inline(
    children: list[Token],
    document: _Document,
    footnotes: dict[int, str],
    first_line: int,
    in_heading: bool,
    in_table: bool,
    hidden: frozenset[int],
    linked: frozenset[int] = _NONE,
) -> list[Token]:
    """The children of an inline token with its names, references and footnotes
    annotated; those at the indexes in `hidden` (see _unseen_children) are not
    read, and those in `linked` are inside an editor's link, as in a link."""
    plain = _PlainText(children, document, hidden)
    notes_before = document.note_tokens
    result: list[Token] = []
    run: list[Token] = []  # consecutive text and soft breaks, matched as one string
    run_offset = 0
    run_line = first_line
    offset = 0
    link_depth = 0
    line = first_line
    after_link: list[Token] = []  # the notes of footnotes referred to inside a link, which go after it

    def flush() -> None:
        nonlocal run
        if run:
            result.extend(_annotate_run(run, run_offset, run_line, plain, document, in_table) if not in_heading else run)
            run = []

    for index, child in enumerate(children):
        kind = child.type
        if index in hidden:
            # Seen by no reader: no mention, note or term, and not in a quoted sentence.
            flush()
            if kind in ("softbreak", "hardbreak"):
                line += 1
            if kind != "footnote_ref":  # a note's reference goes; the rest is removed with the raw HTML around it
                result.append(child)
            continue
        in_link = link_depth > 0 or index in linked
        if kind in ("text", "softbreak") and not in_link:
            if not run:
                run_offset, run_line = offset, line
            run.append(child)
            offset += len(child.content) if kind == "text" else 1
            if kind == "softbreak":
                line += 1
            continue
        flush()
        if kind == "link_open":
            link_depth += 1
        elif kind == "link_close":
            link_depth = max(0, link_depth - 1)
        elif kind == "html_inline":
            # Text inside raw inline HTML (<span>Mosul</span>) belongs to the
            # author's markup: treat it like a link and leave it alone.
            link_depth = max(0, link_depth + _html_nesting(child.content))
        if kind == "image" and child.children:
            # Its alt text is plain text, a reference in it the text it shows.
            child.children = _plain_refs(child.children, document, line)
        if kind == "entity_ref":
            replaced = _explicit_mention(child, document, line, offset, plain, in_heading or in_link, in_table)
            offset += len(_plain_entity_ref(child, document).content)
            result.extend(replaced)
            continue
        if kind == "footnote_ref":
            note = _footnote_note(child, document, footnotes)
            # Inside a link, a note (its toggle, its own links) would be part of the link.
            (after_link if link_depth > 0 else result).append(_note_token(note, document) if document.side_notes else _html(note))
            continue
        if kind in ("text", "code_inline"):
            offset += len(child.content)
        elif kind in ("softbreak", "hardbreak"):
            offset += 1
            line += 1
        result.append(child)
        if after_link and link_depth == 0:
            result += after_link
            after_link = []
    flush()
    result += after_link
    # Only a note's marker moves: an inline token given none stays as it is.
    return _markers_after_punctuation(result) if document.note_tokens != notes_before else result


# A note's number goes after the closing punctuation and the possessive that
# follow its word ("Iraq’s⁵", "Raqqa.⁵"), as in print. Dashes and opening
# marks stay after the number. A word that ends an emphasis ("*Iraq*, and")
# has its note after the emphasis closes, and after the punctuation too: the
# note's toggle left between the word and the comma made Pagefind index (and
# search results quote) "Iraq , and".
_POSSESSIVE = re.compile(r"[’']s?(?!\w)")
_CLOSING = re.compile(r"[.,;:!?…)\]}”\"»]*")
_EMPHASIS_CLOSE = frozenset(("em_close", "strong_close", "s_close"))


def _note_token(markup: str, document: _Document) -> Token:
    """A note whose marker _markers_after_punctuation may yet move."""
    document.note_tokens += 1
    return Token("html_inline", "", 0, content=markup, meta={"sitegen_markup": True, "sitegen_note": True})


def _note_cut(text: str) -> int:
    """How much of the text after a note's word its marker goes after: the possessive, then closing punctuation."""
    possessive = _POSSESSIVE.match(text)
    return _CLOSING.match(text, possessive.end() if possessive else 0).end()


def _markers_after_punctuation(tokens: list[Token]) -> list[Token]:
    """Move each note's marker past the punctuation that starts the text after it."""
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.meta.get("sitegen_note"):
            closes = index + 1
            while closes < len(tokens) and tokens[closes].type in _EMPHASIS_CLOSE:
                closes += 1
            if closes > index + 1:  # the note goes after the emphasis it ends
                tokens = [*tokens[:index], *tokens[index + 1 : closes], token, *tokens[closes:]]
                continue
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if token.meta.get("sitegen_note") and following is not None and following.type == "text":
            text = following.content
            cut = _note_cut(text)
            if cut:
                out.append(_text(text[:cut]))
                out.append(token)
                if text[cut:]:
                    out.append(_text(text[cut:]))
                index += 2
                continue
        out.append(token)
        index += 1
    return out


_HTML_TAG = re.compile(r"^<(/?)([A-Za-z][A-Za-z0-9-]*)[^>]*?(/?)>$", re.DOTALL)
_VOID_ELEMENTS = frozenset("area base br col embed hr img input link meta source track wbr".split())


def _html_nesting(tag: str) -> int:
    """+1 for an opening tag, -1 for a closing one, 0 for anything else."""
    found = _HTML_TAG.match(tag.strip())
    if not found or found.group(2).lower() in _VOID_ELEMENTS or found.group(3):
        return 0
    return -1 if found.group(1) else 1


def _annotate_run(
    run: list[Token], run_offset: int, run_line: int, plain: _PlainText, document: _Document, in_table: bool
) -> list[Token]:
    """Entity names and glossary terms in a run of text and soft breaks, which
    starts on source line `run_line` (each soft break is a new line)."""
    if len(run) == 1 and run[0].type == "text":
        combined = run[0].content  # most runs: one text token
    else:
        combined = "".join(t.content if t.type == "text" else "\n" for t in run)
    catalog = document.catalog
    tokens = tokenize(combined)  # split once for the entity names and the terms
    # Entities first; glossary terms only in the text between entity names,
    # so that where the two overlap the entity wins.
    pieces: list[tuple[int, int, str, str]] = []  # (start, end, html, the side-note after it or "")
    # Glossary terms are rare: most runs start none, and skip looking between names.
    terms = bool(catalog.terms) and catalog.term_index.may_start_in(tokens)
    gap_start = 0
    # The line of each match, counted on from the last one: counting from the
    # run's start each time is quadratic in a long paragraph of names.
    counted_to, line = 0, run_line
    for match in catalog.index.find_between(tokens):
        if terms:
            pieces += _term_pieces(combined, tokens, gap_start, match.start, document)
        gap_start = match.end
        entity_id = _choose(match.targets, document)
        if entity_id is not None:
            text = combined[match.start : match.end]
            line += combined.count("\n", counted_to, match.start)
            counted_to = match.start
            link, note = _mention_html(entity_id, text, document, run_offset + match.start, line, plain, in_table)
            pieces.append((match.start, match.end, link, note))
    if terms:
        pieces += _term_pieces(combined, tokens, gap_start, len(combined), document)
    if not pieces:
        return run
    parts = _run_parts(combined, pieces)
    if document.placeholders is not None:
        # Each piece of markup on its own, for the placeholders (see _annotate_rule).
        return [_part_token(kind, content, document) for kind, content in parts]
    # The run as one piece of HTML, its text escaped as markdown-it renders
    # text: but for the text it starts with and a note it ends with, which
    # _markers_after_punctuation may yet move a marker past, or move.
    out: list[Token] = []
    first, last = (1 if parts[0][0] == "text" else 0), (len(parts) - 1 if parts[-1][0] == "note" else len(parts))
    if first:
        out.append(_text(parts[0][1]))
    if first < last:
        out.append(_html("".join(escapeHtml(content) if kind == "text" else content for kind, content in parts[first:last])))
    if last < len(parts):
        out.append(_note_token(parts[-1][1], document))
    return out


def _part_token(kind: str, content: str, document: _Document) -> Token:
    """A part of an annotated run (see _run_parts) as a token of its own."""
    if kind == "text":
        return _text(content)
    return _note_token(content, document) if kind == "note" else _html(content)


def _run_parts(combined: str, pieces: list[tuple[int, int, str, str]]) -> list[tuple[str, str]]:
    """The run of text `combined` with its pieces of markup in place, as
    ("text" | "markup" | "note", content): "note" only for a note that ends
    the run, whose marker _markers_after_punctuation may yet move."""
    # The text between the names stays one part, soft breaks and all: a
    # text token's "\n" renders as a soft break does.
    parts: list[tuple[str, str]] = []
    position = 0
    for number, (start, end, markup, note) in enumerate(pieces):
        if start > position:
            parts.append(("text", combined[position:start]))
        parts.append(("markup", markup))
        position = end
        if not note:
            continue
        # The text after the name, up to the next piece, is here: the note's
        # marker goes after its punctuation now, as _markers_after_punctuation
        # would move it. A note at the end of the run is left to that.
        following = pieces[number + 1][0] if number + 1 < len(pieces) else len(combined)
        if following == end:
            parts.append(("note", note))
            continue
        cut = _note_cut(combined[end:following])
        if cut:
            parts.append(("text", combined[end : end + cut]))
            position = end + cut
        parts.append(("markup", note))
    if position < len(combined):
        parts.append(("text", combined[position:]))
    return parts


def _term_pieces(text: str, tokens: Tokens, start: int, end: int, document: _Document) -> list[tuple[int, int, str, str]]:
    """Terms between offsets `start` and `end` of `text` (both where tokens meet)."""
    catalog = document.catalog
    if start >= end or not catalog.terms:
        return []
    pieces = []
    for match in catalog.term_index.find_between(tokens, start, end):
        if len(match.targets) != 1:
            continue  # a name two terms share marks neither (reported when loading)
        term_id = match.targets[0]
        document.term_counts[term_id] = document.term_counts.get(term_id, 0) + 1
        if term_id in document.terms_seen:
            continue
        document.terms_seen.add(term_id)
        shown = text[match.start : match.end]
        glossary_url = catalog.urls.url(catalog.urls.glossary_path())
        pieces.append((match.start, match.end, term_mark(catalog.terms[term_id], shown, glossary_url, document.id_prefix), ""))
    return pieces


def _choose(targets: tuple[str, ...], document: _Document) -> str | None:
    """The entity a matched name means here, or None when it is ambiguous or excluded."""
    if len(targets) > 1:
        # Walk the shorter side: a name thousands of entities share is matched
        # often, and the article lists only a few entities.
        if len(document.listed) < len(targets):
            targets = tuple(t for t in sorted(document.listed) if _in_sorted(targets, t))
        else:
            targets = tuple(t for t in targets if t in document.listed)
    if len(targets) != 1 or targets[0] == document.exclude:
        return None
    return targets[0]


def _in_sorted(items: tuple[str, ...], item: str) -> bool:
    at = bisect.bisect_left(items, item)
    return at < len(items) and items[at] == item


def _explicit_mention(token, document, line, offset, plain, plain_only, in_table) -> list[Token]:
    entity_id = token.meta["id"]
    entity = document.catalog.entities.get(entity_id)
    if entity is None:
        document.diagnostics.append(_no_entity(entity_id, document, line))
        return [_text(token.meta["text"] or entity_id)]
    text = token.meta["text"] or entity.name
    if plain_only or entity_id == document.exclude:
        return [_text(text)]
    link, note = _mention_html(entity_id, text, document, offset, line, plain, in_table)
    return [_html(link), _note_token(note, document)] if note else [_html(link)]


# --- markup ----------------------------------------------------------------------------


def _mention_html(
    entity_id: str, text: str, document: _Document, offset: int, line: int, plain: _PlainText, in_table: bool
) -> tuple[str, str]:
    """The mention's markup and the side-note that follows it ("" when it has none)."""
    catalog = document.catalog
    entity = catalog.entities[entity_id]
    document.counts[entity_id] = document.counts.get(entity_id, 0) + 1
    if entity_id not in document.snippets:
        document.snippets[entity_id] = snippet(plain(), offset, offset + len(text))
        document.first_lines[entity_id] = line
    shown = html.escape(text)
    first = entity_id not in document.seen
    if not first and not catalog.repeat_links:
        return shown, ""
    url = html.escape(catalog.urls.url(catalog.urls.entity_path(entity_id)))
    attributes = f'class="mention" href="{url}" data-entity="{entity_id}"'
    if not first or in_table or not document.side_notes:
        if not document.side_notes:
            document.seen.add(entity_id)  # the first link stands in for the note
        return f"<a {attributes}>{shown}</a>", ""
    document.seen.add(entity_id)
    number = document.next_note()
    link = f'<a {attributes} aria-describedby="{document.id_prefix}sn-{number}">{shown}</a>'
    body = entity_note_body(entity, document.day, url)
    document.note_bodies.append((number, body))
    return link, sidenote(number, body, document.id_prefix, searchable=False)


def _footnote_note(token: Token, document: _Document, footnotes: dict[int, str]) -> str:
    note_id = token.meta["id"]
    if not document.side_notes:
        # No margin on this page (a timeline entry): the note reads inline.
        return f'<span class="inline-note">({footnotes.get(note_id, "")})</span>'
    assigned = document.footnote_numbers
    if note_id in assigned:
        number = assigned[note_id]
        return f'<a class="note-ref" href="#{document.id_prefix}sn-{number}" aria-label="See note {number}">{number}</a>'
    number = document.next_note()
    assigned[note_id] = number
    body = f'<span class="sidenote-footnote">{footnotes.get(note_id, "")}</span>'
    document.note_bodies.append((number, body))
    return sidenote(number, body, document.id_prefix)


# --- the whole archive ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Annotations:
    """Every annotated fragment of the archive: the output of this stage."""

    articles: dict[str, AnnotatedArticle]  # by slug
    entity_descriptions: dict[str, AnnotatedFragment]  # by entity id
    timeline: tuple[TimelineEntry, ...]
    event_descriptions: dict[str, AnnotatedFragment]  # by timeline anchor

    @property
    def diagnostics(self) -> list[Diagnostic]:
        fragments = (*self.articles.values(), *self.entity_descriptions.values(), *self.event_descriptions.values())
        return [d for fragment in fragments for d in fragment.diagnostics]
