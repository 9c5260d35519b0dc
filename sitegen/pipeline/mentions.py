"""Entity names, references and glossary terms in running text, found on
markdown-it's inline tokens.

The children of each inline token are walked in order: runs of plain text are
matched against the catalogue's `PhraseIndex` (entities first, terms in the
text between them), `[[id]]` references and footnote references are replaced
with their markup, and code, links, images and raw HTML are left as they are
because they are different tokens. Each mention is counted, its first one
quoted in a snippet and given its side-note (`notes.py`).
"""

from __future__ import annotations

import bisect
import html
import re

from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from sitegen.model.matcher import Tokens, tokenize
from sitegen.pipeline.annotation_state import DocumentState, markup_token, no_entity, plain_entity_ref, plain_refs, text_token
from sitegen.pipeline.notes import entity_note_body, sidenote, term_mark
from sitegen.pipeline.side_notes import footnote_note, markers_after_punctuation, note_cut, note_token
from sitegen.pipeline.snippets import snippet


def _plain_text(children: list[Token], document: DocumentState, hidden: frozenset[int] = frozenset()) -> str:
    """The readable text of an inline token, for snippets; offsets match the walk below.
    The children at the indexes in `hidden` are left out (see unseen_text.py)."""
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
            parts.append(plain_entity_ref(child, document).content)
    return "".join(parts)


class _PlainText:
    """`_plain_text` of an inline token, made the first time a snippet needs it:
    most paragraphs first-mention no entity and never need it."""

    __slots__ = ("children", "document", "hidden", "text")

    def __init__(self, children: list[Token], document: DocumentState, hidden: frozenset[int]):
        self.children, self.document, self.hidden, self.text = children, document, hidden, None

    def __call__(self) -> str:
        if self.text is None:
            self.text = _plain_text(self.children, self.document, self.hidden)
        return self.text


_NONE: frozenset[int] = frozenset()


def annotate_inline(
    children: list[Token],
    document: DocumentState,
    footnotes: dict[int, str],
    first_line: int,
    in_heading: bool,
    in_table: bool,
    hidden: frozenset[int],
    linked: frozenset[int] = _NONE,
) -> list[Token]:
    """The children of an inline token with its names, references and footnotes
    annotated; those at the indexes in `hidden` (see unseen_text.py) are not
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
            child.children = plain_refs(child.children, document, line)
        if kind == "entity_ref":
            replaced = _explicit_mention(child, document, line, offset, plain, in_heading or in_link, in_table)
            offset += len(plain_entity_ref(child, document).content)
            result.extend(replaced)
            continue
        if kind == "footnote_ref":
            note = footnote_note(child, document, footnotes)
            # Inside a link, a note (its toggle, its own links) would be part of the link.
            (after_link if link_depth > 0 else result).append(note_token(note, document) if document.side_notes else markup_token(note))
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
    return markers_after_punctuation(result) if document.note_tokens != notes_before else result


_HTML_TAG = re.compile(r"^<(/?)([A-Za-z][A-Za-z0-9-]*)[^>]*?(/?)>$", re.DOTALL)
_VOID_ELEMENTS = frozenset("area base br col embed hr img input link meta source track wbr".split())


def _html_nesting(tag: str) -> int:
    """+1 for an opening tag, -1 for a closing one, 0 for anything else."""
    found = _HTML_TAG.match(tag.strip())
    if not found or found.group(2).lower() in _VOID_ELEMENTS or found.group(3):
        return 0
    return -1 if found.group(1) else 1


def _annotate_run(
    run: list[Token], run_offset: int, run_line: int, plain: _PlainText, document: DocumentState, in_table: bool
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
        # Each piece of markup on its own, for the placeholders (see annotate.py).
        return [_part_token(kind, content, document) for kind, content in parts]
    # The run as one piece of HTML, its text escaped as markdown-it renders
    # text: but for the text it starts with and a note it ends with, which
    # markers_after_punctuation may yet move a marker past, or move.
    out: list[Token] = []
    first, last = (1 if parts[0][0] == "text" else 0), (len(parts) - 1 if parts[-1][0] == "note" else len(parts))
    if first:
        out.append(text_token(parts[0][1]))
    if first < last:
        out.append(markup_token("".join(escapeHtml(content) if kind == "text" else content for kind, content in parts[first:last])))
    if last < len(parts):
        out.append(note_token(parts[-1][1], document))
    return out


def _part_token(kind: str, content: str, document: DocumentState) -> Token:
    """A part of an annotated run (see _run_parts) as a token of its own."""
    if kind == "text":
        return text_token(content)
    return note_token(content, document) if kind == "note" else markup_token(content)


def _run_parts(combined: str, pieces: list[tuple[int, int, str, str]]) -> list[tuple[str, str]]:
    """The run of text `combined` with its pieces of markup in place, as
    ("text" | "markup" | "note", content): "note" only for a note that ends
    the run, whose marker markers_after_punctuation may yet move."""
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
        # marker goes after its punctuation now, as markers_after_punctuation
        # would move it. A note at the end of the run is left to that.
        following = pieces[number + 1][0] if number + 1 < len(pieces) else len(combined)
        if following == end:
            parts.append(("note", note))
            continue
        cut = note_cut(combined[end:following])
        if cut:
            parts.append(("text", combined[end : end + cut]))
            position = end + cut
        parts.append(("markup", note))
    if position < len(combined):
        parts.append(("text", combined[position:]))
    return parts


def _term_pieces(text: str, tokens: Tokens, start: int, end: int, document: DocumentState) -> list[tuple[int, int, str, str]]:
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


def _choose(targets: tuple[str, ...], document: DocumentState) -> str | None:
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
        document.diagnostics.append(no_entity(entity_id, document, line))
        return [text_token(token.meta["text"] or entity_id)]
    text = token.meta["text"] or entity.name
    if plain_only or entity_id == document.exclude:
        return [text_token(text)]
    link, note = _mention_html(entity_id, text, document, offset, line, plain, in_table)
    return [markup_token(link), note_token(note, document)] if note else [markup_token(link)]


def _mention_html(
    entity_id: str, text: str, document: DocumentState, offset: int, line: int, plain: _PlainText, in_table: bool
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
