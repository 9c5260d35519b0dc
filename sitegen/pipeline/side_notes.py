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
from typing import Any, Callable

from markdown_it import MarkdownIt
from markdown_it.token import Token

from sitegen.model.errors import Diagnostic
from sitegen.pipeline.annotation_state import DocumentState, markup_token, plain_refs, text_token
from sitegen.pipeline.notes import sidenote
from sitegen.pipeline.sanitise import sanitise_phrasing


# A note refers to another by showing that note's text in brackets, which
# shows the notes that one refers to in turn. So that a few bytes of Markdown
# (a note referring a thousand times to a long one, and a thousand such
# notes) cannot make a page of gigabytes, the text so quoted in one document
# comes to at most QUOTED_BASE characters plus twice the notes' own Markdown,
# each quote costing at least QUOTE_COST, and notes go at most QUOTED_DEPTH deep.
# A quote is also charged, before it is rendered, the Markdown of the note it
# renders: a note whose thousand references all come to nothing (they circle
# back) shows no text, but quoting it a thousand times would render them a
# million times.
QUOTED_BASE = 10_000
QUOTED_DEPTH = 8
QUOTE_COST = 16
WARNINGS_TOLD = 5  # of each cause, in one document; the rest are counted in one more warning


def take_footnotes(tokens: list[Token], document: DocumentState, md: MarkdownIt, env: Any) -> dict[int, str]:
    """Remove the footnote block from the end and return each note's content as phrasing HTML.

    A note's reference to another note shows that note's text in brackets
    where it stands (a side-note has no note of its own), and the notes it
    refers to in the same way. A reference to the note itself, or to one the
    text is already quoted inside, goes, as do quotes past the limits above;
    each is a warning at the note's line."""
    try:
        start = next(i for i, t in enumerate(tokens) if t.type == "footnote_block_open")
    except StopIteration:
        return {}
    end = next(i for i in range(start, len(tokens)) if tokens[i].type == "footnote_block_close")
    notes: dict[int, list[list[Token] | str]] = {}  # each note's paragraphs: inline children, or code as HTML
    labels: dict[int, str | None] = {}  # each note's name in warnings: `[^label]`, or an inline note's first words
    lines: dict[int, int] = {}
    written = 0  # the notes' Markdown, in characters
    sizes: dict[int, int] = {}  # each note's Markdown, in characters
    current: int | None = None
    # An inline note (`^[…]`) has no label and no line of its own: it is named
    # by its first words and placed at the line of its reference.
    reference_lines: dict[int, int] = {}
    for token in tokens[:start]:
        if token.type == "inline" and token.children is not None and token.map:
            _note_reference_lines(token, document.body_line + token.map[0], reference_lines, env)
    for token in tokens[start + 1 : end]:
        if token.type == "footnote_open":
            current = token.meta["id"]
            notes[current] = []
            labels[current] = f"[^{token.meta['label']}]" if token.meta.get("label") else None
        elif current is not None and token.type == "inline" and token.children is not None:
            if token.map:
                line = document.body_line + token.map[0]
            else:
                line = reference_lines.get(current, document.body_line)
                if labels[current] is None:
                    labels[current] = _inline_note_name(token.content)
            lines.setdefault(current, line)
            _note_reference_lines(token, line, reference_lines, env)
            written += len(token.content)
            sizes[current] = sizes.get(current, 0) + len(token.content)
            notes[current].append(plain_refs(token.children, document, line))
        elif current is not None and token.type in ("fence", "code_block"):
            written += len(token.content)
            sizes[current] = sizes.get(current, 0) + len(token.content)
            notes[current].append(f"<code>{html.escape(token.content.strip())}</code>")
    del tokens[start : end + 1]
    labels = {key: label or f"[^{key}]" for key, label in labels.items()}
    quotes = _Quotes(QUOTED_BASE + 2 * written, labels, lines, sizes, document)

    def rendered(key: int, inside: tuple[int, ...]) -> str:
        """Note `key` as HTML, quoted inside the notes `inside` (outermost first)."""
        parts = []
        for part in notes[key]:
            if not isinstance(part, str):
                children = [child if child.type != "footnote_ref" else quotes.quote(child, key, inside, rendered) for child in part]
                part = md.renderer.renderInline(children, md.options, env)
            if part:
                parts.append(part)
        joined = "<br>".join(parts)
        # With raw HTML, each note on its own as a balanced fragment of
        # phrasing elements: raw HTML in it cannot close the side-note it goes
        # into, nor the paragraph around that, nor reach past them.
        return sanitise_phrasing(joined) if document.placeholders is not None else joined

    footnotes = {key: rendered(key, ()) for key in notes}
    quotes.tell_the_rest()
    return footnotes


def _note_reference_lines(inline: Token, line: int, reference_lines: dict[int, int], env: Any) -> None:
    """The line of each inline note referred to in `inline` (which starts at
    `line`): that of its `^[`, found in order in the text."""
    written = env.get("footnotes", {}).get("list", {}) if isinstance(env, dict) else {}
    position = 0
    for child in inline.children or ():
        if child.type != "footnote_ref" or child.meta.get("label") is not None:
            continue
        text = written.get(child.meta["id"], {}).get("content")
        at = inline.content.find(f"^[{text}]", position) if text is not None else -1
        if at < 0:
            continue
        position = at + len(text) + 3
        reference_lines.setdefault(child.meta["id"], line + inline.content.count("\n", 0, at))


def _inline_note_name(text: str) -> str:
    words = " ".join(text.split())
    return f"^[{words[:24]}…]" if len(words) > 24 else f"^[{words}]"


class _Quotes:
    """The notes quoted inside other notes in one document, within the limits above."""

    def __init__(self, budget: int, labels: dict[int, str], lines: dict[int, int], sizes: dict[int, int], document: DocumentState):
        self.budget = budget
        self.labels = labels
        self.lines = lines
        self.sizes = sizes
        self.document = document
        self.warned: set[tuple[str, object]] = set()
        self.untold: dict[str, tuple[int, int]] = {}  # of each cause past WARNINGS_TOLD: how many more, and the first's line

    def quote(self, reference: Token, key: int, inside: tuple[int, ...], rendered: Callable[[int, tuple[int, ...]], str]) -> Token:
        """What stands for `reference`, in note `key` quoted inside `inside`: the note it names, in brackets."""
        target = reference.meta["id"]
        chain = (*inside, key)
        if target not in self.labels:
            return markup_token("")
        if target in chain:
            self._warn("itself" if target == key else "circle", key, target)
            return markup_token("")
        cost = max(QUOTE_COST, self.sizes.get(target, 0))
        if len(chain) > QUOTED_DEPTH or self.budget < cost:
            self._warn("deep" if len(chain) > QUOTED_DEPTH else "long", key, target)
            return markup_token("")
        self.budget -= cost
        shown = rendered(target, chain)
        if len(shown) > self.budget:
            self._warn("long", key, target)
            self.budget = 0  # no more quotes: each would render its note again only to leave it out
            return markup_token("")
        self.budget -= len(shown)
        return markup_token(f" ({shown})" if shown else "")

    def _warn(self, why: str, key: int, target: int) -> None:
        # The text runs out once for the whole document; a circle is one whichever note it starts from.
        once = (why, -1 if why == "long" else frozenset((key, target)) if why == "circle" else key)
        if once in self.warned:
            return
        self.warned.add(once)
        told = sum(1 for cause, _ in self.warned if cause == why)
        if told > WARNINGS_TOLD:
            more, line = self.untold.get(why, (0, self.lines.get(key) or self.document.body_line))
            self.untold[why] = (more + 1, line)
            return
        note, other = self.labels[key], self.labels[target]
        message = {
            "itself": f"footnote {note} refers to itself: the reference is left out; remove it",
            "circle": f"footnote {note} refers to {other}, which it is shown inside: that reference is left out; "
            "refer to each note from the text instead",
            "deep": f"footnote {note} refers to {other} more than {QUOTED_DEPTH} notes deep: its text is left out; "
            "refer to it from the text instead",
            "long": f"the footnotes shown inside other notes come to too much text at {note}'s reference to {other}: "
            "its text is left out; refer to it from the text instead",
        }[why]
        self.document.diagnostics.append(Diagnostic(self.document.path, self.lines.get(key), message, "warning"))

    def tell_the_rest(self) -> None:
        """One warning for the places of each cause past the first WARNINGS_TOLD, at the first of them."""
        for why, (more, line) in sorted(self.untold.items()):
            what = {"itself": "refer to themselves", "circle": "refer to notes they are shown inside", "deep": "go too deep"}[why]
            message = f"{more} more footnotes from here on {what}: those references are left out too"
            self.document.diagnostics.append(Diagnostic(self.document.path, line, message, "warning"))


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
