"""Which articles involve each entity, and how often entities are named together.

`EntityUsageIndex` keeps, from one build to the next, each entity's list of
the articles that mention or list it (as `ListedArticle` rows, newest first)
and the sums over articles (co-mentions, articles by month) that the entity
pages, the entity index and the related articles read; an edit takes the
changed articles' old parts out and their new parts in.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from sitegen.model.dates import PublicationDate
from sitegen.model.models import Archive, Article
from sitegen.pipeline.annotate import AnnotatedArticle
from sitegen.pipeline.cards import (
    ArticleCard,
    ArticleComparisons,
    annotations_by_place,
    annotations_moved,
    articles_changed,
)
from sitegen.pipeline.history import Month
from sitegen.pipeline.snippets import Snippet

CO_MENTIONS_SHOWN = 10


@dataclass(frozen=True, slots=True)
class ListedArticle:
    """An article as the lists of the entities it involves hold it: what
    their pages show of it (its card, found by its slug, and its date, which
    their charts count it by), not the article itself. Two are equal while
    the pages show them alike, which the pages' keys in the plan memo rely on.

    A process forked to render entity pages reads every row it shows, and
    reading an object writes to it (to count references): rows that held the
    whole article and its annotation made each such process copy much of the
    build's memory, where these make it copy little."""

    slug: str
    date: PublicationDate
    card: ArticleCard | None  # None for `entity_usage`, which is given no cards


@dataclass(frozen=True, slots=True)
class EntityUsage:
    """Who mentions or lists each entity, derived once from all annotated articles."""

    articles: dict[str, list[tuple[ListedArticle, int, Snippet | None]]]  # newest first
    co_mentions: dict[str, Counter]
    top: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # the CO_MENTIONS_SHOWN first of each, when known
    months: dict[str, Counter] = field(default_factory=dict)  # of each entity, its articles by (year, month)
    involved: dict[str, tuple[str, ...]] = field(default_factory=dict)  # by article slug: the entity ids, sorted
    by_month: dict[str, tuple] = field(default_factory=dict)  # `entity_months` of each, when known


def entity_usage(archive: Archive, annotated: Mapping[str, AnnotatedArticle]) -> EntityUsage:
    return EntityUsageIndex().update(archive, annotated, {}, {})  # a new index keeps no rows: no cards needed


def entities_involved(article: Article, mentioned: Iterable[str]) -> tuple[str, ...]:
    """The ids of the entities an article involves, sorted: those it mentions (`mentioned`) and those it lists."""
    return tuple(sorted({*mentioned, *article.entity_ids}))


def _usage_of(article: Article, annotation: AnnotatedArticle, card: ArticleCard | None) -> tuple[tuple[str, ...], tuple]:
    """The entities one article involves, sorted, and its row in each one's list."""
    mentions = {m.entity_id: m for m in annotation.mentions}
    involved = entities_involved(article, mentions)
    listed = ListedArticle(article.slug, article.date, card)  # one for all its rows
    rows = tuple(
        (entity_id, (listed, mentions[entity_id].count, mentions[entity_id].snippet) if entity_id in mentions else (listed, 0, None))
        for entity_id in involved
    )
    return involved, rows


class EntityUsageIndex:
    """`entity_usage`, kept up to date from the articles that changed.

    Each article's part (the entities it involves, its row in their lists) is
    kept with the very article and annotation objects it was made from; the
    co-mention counts and the counts by month are sums over articles, so an
    article that changed, appeared or went away has its old part taken out
    and its new part added.
    The list of an entity's articles is made again only when one of its
    articles changed (in archive order, merged with the rows kept); the others
    are the very lists of the last build, which the pages keyed on them read
    as unchanged without looking inside.

    An article whose date, entities, card and feed entry (which the lists are
    shown with) did not change keeps every row whose count and sentence are
    the same: an edit of a sentence that an entity's page does not quote
    changes neither that entity's list nor its pages. Such a row still holds
    what it was made from of an earlier version with the same slug and date:
    a row holds those only (see ListedArticle).
    """

    def __init__(self, comparisons: ArticleComparisons | None = None) -> None:
        self.comparisons = comparisons  # shared with the plan's other indexes (see ArticleComparisons)
        # by slug: (article, annotation, the entities it involves, its rows, its card, its feed entry)
        self.parts: dict[str, tuple[Article, AnnotatedArticle, tuple[str, ...], tuple, Any, Any]] = {}
        self.co_mentions: dict[str, Counter] = defaultdict(Counter)
        self.top: dict[str, list[tuple[str, int]]] = {}  # by entity; dropped when its counts change
        self.months: dict[str, Counter] = defaultdict(Counter)
        self.by_month: dict[str, tuple] = {}  # by entity; dropped when its counts change
        self.lists: dict[str, list[tuple[ListedArticle, int, Snippet | None]]] = {}  # by entity, newest first
        self.involved: dict[str, tuple[str, ...]] = {}  # by article slug
        self.articles: tuple[Article, ...] | None = None  # those of the last update, and their annotations
        self.annotations: list[AnnotatedArticle] = []
        self.position: dict[str, int] | None = None  # of each slug in `articles`, when worked out
        self.looked_at = 0  # articles the last update looked at

    def update(self, archive: Archive, annotated: Mapping[str, AnnotatedArticle], cards: Mapping, entries: Mapping) -> EntityUsage:
        """The usage of the archive's entities; `cards` and `entries` are the
        articles' cards and feed entries by slug, which the lists are shown with."""
        try:
            return self._update(archive, annotated, cards, entries)
        except BaseException:
            self.__init__(self.comparisons)  # a half-applied change must not be built on
            raise

    def _update(self, archive: Archive, annotated: Mapping[str, AnnotatedArticle], cards: Mapping, entries: Mapping) -> EntityUsage:
        articles = archive.articles
        annotations = annotations_by_place(articles, annotated, self.comparisons)
        places = articles_changed(articles, self.articles, self.comparisons)
        if places is not None:
            # The same slugs in the same order: only the places holding another article or annotation
            # are looked at, and the parts of the others are left where they are.
            places = sorted({*places, *annotations_moved(annotations, self.annotations, self.comparisons)})
            examined = [articles[place] for place in places]
            parts, before = self.parts, {article.slug: self.parts[article.slug] for article in examined}
        else:
            examined, parts, before = articles, {}, self.parts
            self.position = None
        self.articles, self.annotations, self.looked_at = articles, annotations, len(examined)
        changed: list[str] = []  # slugs whose part is new
        relisted: list[str] = []  # slugs counted as before, with a row changed in some lists
        touched: set[str] = set()  # the entities whose lists are made again
        for article in examined:
            slug = article.slug
            annotation = annotated[slug]
            old = before.get(slug)
            if old is not None and old[0] is article and old[1] is annotation:
                parts[slug] = old
                continue
            card = cards.get(slug)
            new = (article, annotation, *_usage_of(article, annotation, card), card, entries.get(slug))
            if old is not None and _counts_alike(old, new):
                # Counted as before: only the lists whose row of it changed are made again.
                rows = tuple(o if o[1][1:] == n[1][1:] else n for o, n in zip(old[3], new[3]))  # counts, sentences
                parts[slug] = (article, annotation, old[2], rows, old[4], old[5])
                moved = [pair[0] for pair, row in zip(old[3], rows) if row is not pair]
                if moved:
                    touched.update(moved)
                    relisted.append(slug)
            else:
                parts[slug] = new
                changed.append(slug)
        replaced = [slug for slug in changed if slug in before]
        # Every slug of the last build is still here, kept or replaced, unless some went away.
        kept_all = places is not None or len(parts) - len(changed) + len(replaced) == len(before)
        gone = [] if kept_all else [s for s in before if s not in parts]
        for slug in (*replaced, *gone):
            old = before[slug]
            self._count(old[0], old[2], -1)
            touched.update(old[2])
            del self.involved[slug]
        for slug in changed:
            new = parts[slug]
            self._count(new[0], new[2], 1)
            touched.update(new[2])
            self.involved[slug] = new[2]
        self.parts = parts
        if touched:
            self._relist(archive, parts, {*changed, *gone, *relisted}, touched)
        # The counters are the index's own, changed by the next update: read them before.
        return EntityUsage(dict(self.lists), dict(self.co_mentions), self.top, dict(self.months), self.involved, self.by_month)

    def _relist(self, archive: Archive, parts, changed: set[str], touched: set[str]) -> None:
        """Make again the lists of the `touched` entities, those of the `changed` articles' entities."""
        if len(touched) * 2 > len(self.lists) + 1:  # most of them: one pass over the archive is quicker
            lists: dict[str, list] = defaultdict(list)
            for article in archive.articles:  # newest first
                for entity_id, row in parts[article.slug][3]:
                    lists[entity_id].append(row)
            self.lists = dict(lists)
            return
        if self.position is None:  # kept while the articles are the same slugs in the same order
            self.position = {article.slug: index for index, article in enumerate(archive.articles)}
        position = self.position
        added: dict[str, list] = defaultdict(list)
        for slug in changed:
            if slug in parts:
                for entity_id, row in parts[slug][3]:
                    added[entity_id].append(row)
        for entity_id in touched:
            rows = [row for row in self.lists.get(entity_id, ()) if row[0].slug not in changed] + added.get(entity_id, [])
            if rows:
                rows.sort(key=lambda row: position[row[0].slug])
                self.lists[entity_id] = rows
            else:
                self.lists.pop(entity_id, None)

    def _count(self, article: Article, involved: tuple[str, ...], change: int) -> None:
        month = (article.date.day.year, article.date.day.month)
        for entity_id in involved:
            months = self.months[entity_id]
            months[month] += change
            if not months[month]:
                del months[month]
            if not months:
                del self.months[entity_id]
            self.top.pop(entity_id, None)
            self.by_month.pop(entity_id, None)
            counts = self.co_mentions[entity_id]
            for other in involved:
                if other != entity_id:
                    counts[other] += change
                    if not counts[other]:
                        del counts[other]
            if not counts:
                del self.co_mentions[entity_id]


def _counts_alike(old: tuple, new: tuple) -> bool:
    """Whether two parts of one article count alike (the same entities, the same date)
    and are shown alike in the lists (the same card and feed entry)."""
    return old[2] == new[2] and old[0].date == new[0].date and old[4:] == new[4:]


def top_co_mentions(usage: EntityUsage, entity_id: str) -> list[tuple[str, int]]:
    """The entities most often involved in the same articles, with how often."""
    top = usage.top.get(entity_id)
    if top is None:
        counts = usage.co_mentions.get(entity_id)
        top = heapq.nsmallest(CO_MENTIONS_SHOWN, counts.items(), key=lambda item: (-item[1], item[0])) if counts else []
        usage.top[entity_id] = top
    return top


def entity_months(usage: EntityUsage, entity_id: str) -> tuple[tuple[Month, int], ...]:
    """How many of the articles that mention or list an entity fall in each month, by month."""
    months = usage.by_month.get(entity_id)
    if months is None:
        # Kept while the counts stay the same: the very tuple of the last build tells the entity index nothing changed.
        months = usage.by_month[entity_id] = tuple(sorted(usage.months.get(entity_id, {}).items()))
    return months
