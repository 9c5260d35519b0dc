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

This module holds the entry points, what they return and the rule that
drives one document's walk; the walk's parts are modules of their own:
`annotation_state.py` (what it knows and collects), `unseen_text.py` (which
text readers see), `side_notes.py` (footnotes, and where notes' markers go)
and `mentions.py` (names, references and terms in running text).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from sitegen.model.errors import Diagnostic
from sitegen.model.models import Article, Entity
from sitegen.pipeline.annotation_state import DocumentState
from sitegen.pipeline.catalog import Catalog
from sitegen.pipeline.markdown import markdown_dialect
from sitegen.pipeline.mentions import annotate_inline
from sitegen.pipeline.notes import endnotes
from sitegen.pipeline.reading_time import reading_minutes
from sitegen.pipeline.sanitise import Placeholders
from sitegen.pipeline.side_notes import take_footnotes
from sitegen.pipeline.snippets import Snippet
from sitegen.pipeline.timeline import TimelineEntry
from sitegen.pipeline.unseen_text import NOTHING_UNSEEN, unseen_children


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

    @property
    def mentioned_entity_ids(self) -> tuple[str, ...]:
        """The entities the article mentions, in order of first mention."""
        return tuple(mention.entity_id for mention in self.mentions)


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


def annotate_article(article: Article, catalog: Catalog) -> AnnotatedArticle:
    document = DocumentState(
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
    document = DocumentState(
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
    document = DocumentState(
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

_NONE: frozenset[int] = frozenset()


def _annotate_rule(state) -> None:
    document: DocumentState | None = state.env.get("sitegen") if isinstance(state.env, dict) else None
    if document is None:
        return
    tokens: list[Token] = state.tokens
    # Raw HTML starts with "<": a body without one is not walked for it.
    if "<" in document.source and _has_raw_html(tokens):
        document.placeholders = Placeholders(document.source)
    footnotes = take_footnotes(tokens, document, state.md, state.env)
    unseen = unseen_children(tokens, document, state.md, state.env) if document.placeholders else NOTHING_UNSEEN
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
        token.children = annotate_inline(token.children, document, footnotes, first_line, in_heading, in_table, hidden, linked)
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


# --- the whole archive ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Annotations:
    """Every annotated fragment of the archive: the output of this stage."""

    articles: dict[str, AnnotatedArticle]  # by slug
    entity_descriptions: dict[str, AnnotatedFragment]  # by entity id
    timeline: tuple[TimelineEntry, ...]
    event_descriptions: dict[str, AnnotatedFragment]  # by timeline anchor
    # (the `articles` of the annotations these were made from, the slugs whose fragments were looked up
    # again): every other slug's fragment is that one's. None: made afresh.
    edited: tuple[dict[str, AnnotatedArticle], frozenset[str]] | None = None

    @property
    def diagnostics(self) -> list[Diagnostic]:
        fragments = (*self.articles.values(), *self.entity_descriptions.values(), *self.event_descriptions.values())
        return [d for fragment in fragments for d in fragment.diagnostics]
