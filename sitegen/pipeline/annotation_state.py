"""What annotation knows and collects while it walks one document, and the
tokens it puts into markdown-it's token stream.

One document's walk runs through several modules (`annotate.py` drives it,
`unseen_text.py` finds what readers see, `side_notes.py` takes the footnotes
and places the notes' markers, `mentions.py` finds the names): this module
holds what they share, so that each reads the same state and writes the same
kinds of token.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from markdown_it.token import Token

from sitegen.model.errors import Diagnostic
from sitegen.pipeline.catalog import Catalog
from sitegen.pipeline.sanitise import Placeholders
from sitegen.pipeline.snippets import Snippet


@dataclass(slots=True)
class DocumentState:
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
    note_tokens: int = 0  # the note tokens put into inline tokens so far that may yet move (see side_notes.py)
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


def text_token(content: str) -> Token:
    return Token("text", "", 0, content=content)


def markup_token(content: str) -> Token:
    """sitegen's own markup in running text (never the editor's raw HTML)."""
    return Token("html_inline", "", 0, content=content, meta={"sitegen_markup": True})


def no_entity(entity_id: str, document: DocumentState, line: int) -> Diagnostic:
    return Diagnostic(document.path, line, f"[[{entity_id}]] names no entity: create content/entities/{entity_id}.md or fix the id")


def plain_entity_ref(token: Token, document: DocumentState) -> Token:
    if token.type != "entity_ref":
        return token
    entity = document.catalog.entities.get(token.meta["id"])
    text = token.meta["text"] or (entity.name if entity else token.meta["id"])
    return text_token(text)


def plain_refs(children: list[Token], document: DocumentState, line: int) -> list[Token]:
    """`children` with each entity reference as the text it shows, in images'
    alt text too: where a mention cannot be a link (a footnote, an image's alt
    text). A reference to no entity is reported as in running text."""
    plain = []
    for child in children:
        if child.type == "entity_ref" and child.meta["id"] not in document.catalog.entities:
            document.diagnostics.append(no_entity(child.meta["id"], document, line))
        elif child.type == "image" and child.children:
            child = child.copy(children=plain_refs(child.children, document, line))
        plain.append(plain_entity_ref(child, document))
    return plain
