"""The rows of the entities' lists of articles, as a single build holds them until rendered.

A single build plans the pages of each entity as PlannedPages that the
rendering processes make (see pages.py). Those processes are forked from
the build, and Python writes to every object it reads, to count references
to it: made from the lists of `EntityUsage` (a row of objects for every
mention, each pointing at an article's card and a sentence, which lie all
over the build's memory), the processes that make the entities' pages
copied most of the build's memory, hundreds of MiB at 20,000 articles.

Here those rows are held as bytes instead, which a process reads without
writing to them: each article's card pickled once, in one block of bytes
for the whole build (`CardTable`), and each entity's rows (count, sentence
and date of each article, and the place of its card in the table) in one
bytes object of its own (`PackedMentions`). A rendering process unpacks
the rows of the entity it makes the pages of, and each card once, into
objects of its own, equal to those they were packed from.
"""

from __future__ import annotations

import array
import hashlib
import io
import pickle
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sitegen.pipeline.cards import ArticleCard
from sitegen.pipeline.entity_usage import ListedArticle
from sitegen.pipeline.snippets import Snippet

CARD_DIGEST_SIZE = 16


class CardTable:
    """The cards of every article, each pickled once, one after the other in one block of bytes.

    A process that reads a card unpickles it once and keeps its own copy
    (`card`): the pages of all the entities it makes read each card once,
    and digest it once (see SharedDigests, which holds what it digested)."""

    __slots__ = ("blob", "ends", "digests", "_unpacked")

    def __init__(self, cards: Iterable[ArticleCard]):
        pickled = list(map(_pickled, cards))
        self.blob = b"".join(pickled)
        ends, end = array.array("Q"), 0
        for piece in pickled:
            end += len(piece)
            ends.append(end)
        self.ends = ends
        # Of each card, the digest of its pickle: what a page's digest of what it is made from holds of it.
        self.digests = b"".join(hashlib.blake2b(piece, digest_size=CARD_DIGEST_SIZE).digest() for piece in pickled)
        self._unpacked: dict[int, ArticleCard] = {}

    def card(self, place: int) -> ArticleCard:
        card = self._unpacked.get(place)
        if card is None:
            start = self.ends[place - 1] if place else 0
            card = self._unpacked[place] = pickle.loads(self.blob[start : self.ends[place]])
        return card

    def digest(self, place: int) -> bytes:
        return self.digests[place * CARD_DIGEST_SIZE : (place + 1) * CARD_DIGEST_SIZE]


class PackedMentions:
    """The rows of one entity's list of articles (see EntityUsage.articles), as bytes.

    `unpack` gives them back as `pages_of_entity` reads them: a list of
    (ListedArticle, count, Snippet or None), newest first, and the cards of
    those articles by slug. Pickled, it stands for what its pages show of
    the rows: their counts, sentences and dates, and the digests of their
    cards, not where the cards lie in the table."""

    __slots__ = ("table", "places", "rows")

    def __init__(self, table: CardTable, places: array.array, rows: bytes):
        self.table, self.places, self.rows = table, places, rows

    def __len__(self) -> int:
        return len(self.places)

    def unpack(self) -> tuple[list[tuple[ListedArticle, int, Snippet | None]], dict[str, ArticleCard]]:
        card = self.table.card
        cards = [card(place) for place in self.places]
        mentioned = [
            (ListedArticle(shown.slug, date, shown), count, None if text is None else Snippet(text, start, end))
            for shown, (count, date, text, start, end) in zip(cards, pickle.loads(self.rows))
        ]
        return mentioned, {shown.slug: shown for shown in cards}

    def __reduce__(self) -> tuple[Any, tuple]:
        digest = self.table.digest
        return _packed_rows, (self.rows, b"".join(digest(place) for place in self.places))


def _packed_rows(rows: bytes, cards: bytes) -> tuple[bytes, bytes]:
    """What a PackedMentions is taken for when pickled: it is digested, never pickled to be read back."""
    return rows, cards


class MentionPacker:
    """Packs the entities' rows of one plan, against one CardTable of the articles' cards."""

    def __init__(self, articles: Sequence, cards: Mapping[str, ArticleCard]):
        self.table = CardTable(cards[article.slug] for article in articles)
        self.place = {article.slug: place for place, article in enumerate(articles)}

    def pack(self, mentioned: Sequence[tuple[ListedArticle, int, Snippet | None]]) -> PackedMentions:
        place = self.place
        places = array.array("Q", (place[listed.slug] for listed, _, _ in mentioned))
        rows = tuple(
            (count, listed.date, None, 0, 0) if snippet is None else (count, listed.date, snippet.text, snippet.start, snippet.end)
            for listed, count, snippet in mentioned
        )
        return PackedMentions(self.table, places, _pickled(rows))


def _pickled(value: Any) -> bytes:
    """`value` pickled without a memo: equal values give the same bytes, whichever
    of their parts are one object (what a page is made from is digested so)."""
    output = io.BytesIO()
    pickler = pickle.Pickler(output, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(value)
    return output.getvalue()
