"""Sentences of plain text: the one sentence splitter of sitegen.

Annotation shows the sentence of an entity's first mention on the entity's
page, and `sitegen suggest` quotes the sentence of a name's first mention;
both cut sentences here, so both agree on where a sentence ends: after `.`,
`!`, `?` or `…` (with any closing quotes and brackets) followed by a space or
the end of the text.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

SENTENCE_END = re.compile(r"[.!?…]+[\"”’')\]]*(?=\s|$)")
SNIPPET_LIMIT = 240


@lru_cache(maxsize=4)
def sentence_ends(text: str) -> list[int]:
    """Where each sentence of `text` ends, found in one pass: a paragraph that
    first mentions many entities is scanned once, not once per mention (a
    20 MB paragraph naming 300 entities took 40 s)."""
    return [boundary.end() for boundary in SENTENCE_END.finditer(text)]


def sentences(paragraph: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in a paragraph, without the spaces between them."""
    spans, start = [], 0
    for end in sentence_ends(paragraph):
        spans.append((start, end))
        start = end
        while start < len(paragraph) and paragraph[start].isspace():
            start += 1
    if start < len(paragraph):
        spans.append((start, len(paragraph)))
    return spans


@dataclass(frozen=True, slots=True)
class Snippet:
    """The sentence of a mention, split around the mention itself.

    Held as one string and where the mention lies in it: a build holds a
    snippet for every entity an article mentions, hundreds of thousands of
    them, and one string costs a third of the objects of three."""

    text: str
    start: int  # where the mention begins in `text`
    end: int  # and where it ends

    @property
    def before(self) -> str:
        return self.text[: self.start]

    @property
    def mention(self) -> str:
        return self.text[self.start : self.end]

    @property
    def after(self) -> str:
        return self.text[self.end :]


def snippet(plain: str, start: int, end: int) -> Snippet:
    """The sentence around plain[start:end], shortened to about SNIPPET_LIMIT characters."""
    ends = sentence_ends(plain)
    # The sentence starts after the last end before the mention, and ends at
    # the first end after it (not one inside the mention, as in "U.S.").
    earlier = bisect.bisect_right(ends, start)
    sentence_start = ends[earlier - 1] if earlier else 0
    following = bisect.bisect_right(ends, end)
    sentence_end = ends[following] if following < len(ends) else len(plain)
    before = plain[sentence_start:start].lstrip()
    after = plain[end:sentence_end].rstrip()
    # Share the room between the two sides; a short side lends the rest to the other.
    room = max(80, SNIPPET_LIMIT - (end - start))
    before_room = max(room // 2, room - len(after))
    after_room = max(room // 2, room - len(before))
    if len(before) > before_room:
        before = "…" + before[-before_room:].lstrip()
    if len(after) > after_room:
        after = after[:after_room].rstrip() + "…"
    return Snippet(before + plain[start:end] + after, len(before), len(before) + end - start)
