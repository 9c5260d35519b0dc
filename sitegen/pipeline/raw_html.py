"""Raw HTML in an article body that is left open, and the Markdown it hides.

An attribute's value whose closing quote is missing, a comment or an
element the sanitiser removes with its content (a `<script>`, a
`<template>`) never closed swallow the paragraphs after them into the raw
HTML: the sanitiser, as a browser, shows none of them, and nothing else would
tell the editor. Annotation finds which text no reader sees with markers (see
unseen_text.py); this module tells which raw HTML hides it and whether the
editor meant it (`HiddenMarkdown`), reading raw HTML only as far as that
needs (`left_open`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it.token import Token

from sitegen.model.errors import Diagnostic
from sitegen.pipeline.sanitise import REMOVED_WITH_CONTENT

# --- reading raw HTML -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LeftOpen:
    """Something a piece of raw HTML opens and does not close, which hides from
    readers the text after it: the value of an attribute, a comment, or an
    element the sanitiser removes with its content."""

    offset: int  # where in the raw HTML it starts (its tag's "<")
    kind: str  # "quote", "comment" or "element"
    tag: str = ""  # the tag's name, as written ("" for a comment)
    attribute: str = ""  # the attribute whose value is not closed ("quote")
    quote: str = ""  # and the quote it opens with

    def closed_in(self, text: str, start: int) -> bool:
        """Whether `text` from `start` on (the body after this raw HTML) closes a comment or an element left open."""
        if self.kind == "comment":
            return _COMMENT_END.search(text, start) is not None
        if self.kind == "element":
            return _end_tag(self.tag).search(text, start) is not None
        return False


_TAG_START = re.compile(r"<(/?)([A-Za-z][^\s/>]*)")
_COMMENT_END = re.compile(r"--!?>")
_EMPTY_COMMENT = re.compile(r"<!--->?|<!-->")  # closed as soon as opened, as a browser reads them
_SPACE = " \t\n\r\f"


def left_open(raw: str) -> LeftOpen | None:
    """The first thing `raw` leaves open at its end that hides what follows it,
    read as a browser reads HTML (roughly: only what matters for that); None
    when it closes all it opens."""
    position = 0
    while True:
        start = raw.find("<", position)
        if start < 0:
            return None
        if raw.startswith("<!--", start):
            empty = _EMPTY_COMMENT.match(raw, start)
            end = _COMMENT_END.search(raw, start + 4) if empty is None else empty
            if end is None:
                return LeftOpen(start, "comment")
            position = end.end()
            continue
        tag = _TAG_START.match(raw, start)
        if tag is None:
            position = start + 1
            continue
        end, attribute, quote = _tag_end(raw, tag.end())
        if quote:
            return LeftOpen(start, "quote", tag.group(2), attribute, quote)
        if end < 0:
            return None  # a tag not ended: the next tag's ">" ends it (a paragraph's `<p>`), hiding no text
        name = tag.group(2).lower()
        if not tag.group(1) and name in REMOVED_WITH_CONTENT:
            close = _end_tag(name).search(raw, end)
            if close is None:
                return LeftOpen(start, "element", tag.group(2))
            end = close.end()
        position = end


def _end_tag(name: str) -> re.Pattern:
    return re.compile(f"</{re.escape(name)}[{_SPACE}/>]", re.IGNORECASE)


def _tag_end(raw: str, position: int) -> tuple[int, str, str]:
    """(the offset after the `>` that ends the tag whose attributes start at
    `position`, or -1; the attribute whose quoted value is not closed and its
    quote, or "", "")."""
    start, after_equals, equals_at = position, False, position
    length = len(raw)
    while position < length:
        char = raw[position]
        if after_equals and char in "\"'":
            closing = raw.find(char, position + 1)
            if closing < 0:
                # The name is looked for before the `=`, however many spaces follow it.
                name = _ATTRIBUTE_NAME.search(raw, max(start, equals_at - 200), equals_at + 1)
                return -1, (name.group(1) if name is not None and name.group(1) else "an attribute"), char
            position, after_equals = closing + 1, False
            continue
        if char == ">":
            return position + 1, "", ""
        if char == "=":
            after_equals, equals_at = True, position
        elif char not in _SPACE:
            after_equals = False
        position += 1
    return -1, "", ""


# The name of the attribute before an `=` and its value's quote.
_ATTRIBUTE_NAME = re.compile(f"([^{_SPACE}\"'/=>]*)[{_SPACE}]*=[{_SPACE}]*$")


# --- the warnings ---------------------------------------------------------------------------------


class HiddenMarkdown:
    """Warnings for Markdown that raw HTML left open before it hides from
    readers: an attribute's value not closed (its quote missing), a comment
    or an element removed with its content (a `<script>`, a `<template>`)
    never closed. They swallow the paragraphs after them, which no reader
    sees and nothing else would tell the editor.

    Text hidden on purpose is not reported: inside a comment, a script or a
    template that the editor closes (however many paragraphs it holds), or
    inside the paragraph whose raw HTML hides it."""

    def __init__(self, tokens: list[Token], path: str, body_line: int, source: str):
        self.tokens, self.path, self.body_line, self.source = tokens, path, body_line, source
        self.warnings: list[Diagnostic] = []
        self.judged: set[tuple[int, int]] = set()  # the raw HTML judged so far, as (token, child)
        self.line_starts: list[int] | None = None  # made when first needed

    def report(self, places: list[tuple[int, int]], seen: dict[int, bool]) -> list[Diagnostic]:
        """The warnings, from the places of the markers (token, child; child -1
        at the start of a block) and those the sanitiser kept (`seen`).

        The places are walked in the order of the body: the first raw HTML after
        the last place seen is what hides a place not seen."""
        culprit: tuple[int, int] | None = None
        number_of = {place: number for number, place in enumerate(places)}
        for index, token in enumerate(self.tokens):
            if token.type == "html_block":
                if number_of[(index, -1)] in seen or culprit is None:
                    culprit = (index, -1)
                self._block_itself(index, token)
                continue
            if token.type != "inline" or not token.children:
                continue
            if number_of[(index, -1)] in seen:
                culprit = None
            for position, child in enumerate(token.children):
                number = number_of.get((index, position))
                if number is not None and number in seen:
                    culprit = None
                elif number is not None and culprit is not None and culprit[0] != index and _written(child):
                    if culprit not in self.judged:  # the line of the first text hidden, worked out once
                        self._judge(culprit, self._child_line(index, position))
                elif child.type == "html_inline" and culprit is None:
                    culprit = (index, position)
        return self.warnings

    def _block_itself(self, index: int, token: Token) -> None:
        """A block of raw HTML that runs to the end of the body (a comment or a
        script never closed, as markdown-it reads it) swallows the Markdown
        after it into itself."""
        opened = left_open(token.content)
        if opened is None or opened.kind not in ("comment", "element"):
            return
        start = token.content.count("\n", 0, opened.offset)
        lines = token.content.split("\n")
        after = next((number for number in range(start + 1, len(lines)) if lines[number].strip()), None)
        if after is not None:
            self._judge((index, -1), self.body_line + token.map[0] + after)

    def _judge(self, culprit: tuple[int, int], hidden_line: int) -> None:
        if culprit in self.judged:
            return
        self.judged.add(culprit)
        index, position = culprit
        token = self.tokens[index]
        raw = token.content if position < 0 else token.children[position].content
        opened = left_open(raw)
        if opened is None:
            return
        first = token.map[0] if token.map else 0
        # Closed further on, after the block or in the paragraph: hidden on purpose.
        after = (token.map[1] if position < 0 else first) if token.map else 0
        if opened.closed_in(self.source, self._line_start(after)):
            return
        line = self.body_line + first if position < 0 else self._child_line(index, position)
        line += raw.count("\n", 0, opened.offset)
        self.warnings.append(Diagnostic(self.path, line, _hidden_message(opened, hidden_line), "warning"))

    def _line_start(self, line: int) -> int:
        """The offset in the body where its line `line` (0-based) starts."""
        if self.line_starts is None:
            self.line_starts = [0, *(found.end() for found in re.finditer("\n", self.source))]
        return self.line_starts[line] if line < len(self.line_starts) else len(self.source)

    def _child_line(self, index: int, position: int) -> int:
        """The source line of child `position` of inline token `index`."""
        token = self.tokens[index]
        line = self.body_line + (token.map[0] if token.map else 0)
        for child in token.children[:position]:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "html_inline":  # a tag may run over lines
                line += child.content.count("\n")
        return line


def _written(child: Token) -> bool:
    """Whether a child of an inline token is something the editor wrote for readers: not a break, nor white space."""
    if child.type == "text":
        return not child.content.isspace()
    return child.type not in ("softbreak", "hardbreak")


def _hidden_message(opened: LeftOpen, hidden_line: int) -> str:
    hides = f"readers see none of the text after it (from line {hidden_line})"
    if opened.kind == "quote":
        # The value ends at the next such quote, wherever that is: the text after it is seen again, garbled.
        return (
            f"the value of `{opened.attribute}` in this <{opened.tag}> opens with {opened.quote} and is never closed: "
            f"readers see none of the text after it (from line {hidden_line}) up to the next {opened.quote}; "
            f"add the closing {opened.quote}"
        )
    if opened.kind == "comment":
        return f'the comment "<!--" opened here is never closed: {hides}; close it with "-->" where it should end'
    return (
        f"<{opened.tag}> opened here is never closed, and is removed with everything in it: "
        f"{hides}; close it with </{opened.tag}> where it should end"
    )
