"""Which text of a body with raw HTML no reader sees.

Text inside a `<script>`, a `<template>`, a comment or an attribute's value
is removed by the sanitiser, however many paragraphs it runs over, and text
inside an editor's `<a>` is part of that link: neither may make a mention, a
note, a term's use or a quoted sentence. Rather than guess how raw HTML
nests, annotation asks the sanitiser, which parses the body as a browser
does; this module does the asking, once per document, before any name is
looked for (see `unseen_children`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from sitegen.pipeline.annotation_state import DocumentState, markup_token
from sitegen.pipeline.raw_html import HiddenMarkdown


@dataclass(frozen=True, slots=True)
class Unseen:
    """What unseen_children finds: for each inline token (by index), the
    indexes of its children no reader sees, and of those inside a link (an
    editor's `<a>`, wherever it opens and closes), which are text as written:
    a mention or term mark there would be a link inside a link."""

    hidden: dict[int, frozenset[int]] = field(default_factory=dict)
    linked: dict[int, frozenset[int]] = field(default_factory=dict)


NOTHING_UNSEEN = Unseen()  # in a body without raw HTML

# The children of an inline token that annotation reads (names, references,
# footnotes; code and breaks for the offsets of quoted sentences): those
# whose place a marker finds out in unseen_children.
_READ = frozenset(("text", "softbreak", "hardbreak", "code_inline", "entity_ref", "footnote_ref"))
# Those of them that annotation replaces with markup of its own: never
# rendered, in the final body, as markdown-it would.
_REPLACED = frozenset(("entity_ref", "footnote_ref"))


def unseen_children(tokens: list[Token], document: DocumentState, md: MarkdownIt, env: Any) -> Unseen:
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
        children: list[Token] = [markup_token(placeholders.marker(len(places)))]
        places.append((index, -1))
        for position, child in enumerate(token.children):
            if child.type in _READ:
                children.append(markup_token(placeholders.marker(len(places))))
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
    return Unseen(
        {index: frozenset(positions) for index, positions in unseen.items()},
        {index: frozenset(positions) for index, positions in linked.items()},
    )
