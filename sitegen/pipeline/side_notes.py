"""Markdown footnotes made side-notes, and where a note's marker goes.

A footnote is not printed at the end of the article but in the margin,
beside the sentence that refers to it, as an entity's note is (the markup of
both is `notes.py`'s). This module takes the footnotes out of the token
stream before the text is walked (`take_footnotes`), gives each its number
where it is first referred to (`footnote_note`), and moves every note's
marker past the punctuation after its word (`markers_after_punctuation`).
"""

from __future__ import annotations

import html
import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from sitegen.pipeline.annotation_state import DocumentState, markup_token, plain_refs, text_token
from sitegen.pipeline.notes import sidenote
from sitegen.pipeline.sanitise import sanitise_phrasing


def take_footnotes(tokens: list[Token], document: DocumentState, md: MarkdownIt, env: Any) -> dict[int, str]:
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
            notes[current].append(plain_refs(token.children, document, document.body_line + (token.map[0] if token.map else 0)))
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
    return markup_token(f" ({shown})" if shown else "")


def _refers_to_notes(parts: list[list[Token] | str]) -> bool:
    return any(not isinstance(part, str) and any(child.type == "footnote_ref" for child in part) for part in parts)


def footnote_note(token: Token, document: DocumentState, footnotes: dict[int, str]) -> str:
    """The markup that takes the place of a reference to a footnote: the
    note itself where it is first referred to, a link to it after."""
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


# A note's number goes after the closing punctuation and the possessive that
# follow its word ("Iraq’s⁵", "Raqqa.⁵"), as in print. Dashes and opening
# marks stay after the number. A word that ends an emphasis ("*Iraq*, and")
# has its note after the emphasis closes, and after the punctuation too: the
# note's toggle left between the word and the comma made Pagefind index (and
# search results quote) "Iraq , and".
_POSSESSIVE = re.compile(r"[’']s?(?!\w)")
_CLOSING = re.compile(r"[.,;:!?…)\]}”\"»]*")
_EMPHASIS_CLOSE = frozenset(("em_close", "strong_close", "s_close"))


def note_token(markup: str, document: DocumentState) -> Token:
    """A note whose marker markers_after_punctuation may yet move."""
    document.note_tokens += 1
    return Token("html_inline", "", 0, content=markup, meta={"sitegen_markup": True, "sitegen_note": True})


def note_cut(text: str) -> int:
    """How much of the text after a note's word its marker goes after: the possessive, then closing punctuation."""
    possessive = _POSSESSIVE.match(text)
    return _CLOSING.match(text, possessive.end() if possessive else 0).end()


def markers_after_punctuation(tokens: list[Token]) -> list[Token]:
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
            cut = note_cut(text)
            if cut:
                out.append(text_token(text[:cut]))
                out.append(token)
                if text[cut:]:
                    out.append(text_token(text[cut:]))
                index += 2
                continue
        out.append(token)
        index += 1
    return out
