"""The parts of the plan a running builder keeps between rebuilds, each
updated from what changed since the last build rather than made again.

A long-lived builder (watch, serve) gets the very same article, annotation
and entity objects while their files are unchanged. So, while the articles
are the same slugs in the same order, one pass of identity tests finds the
places that hold another object, and each part here looks at those alone:
the pages of every article and entity, what the glossary shows of the
articles, the timeline's periods and the feed's date. Each lives in
`PlanMemo.aggregates`, which forgets them all when the settings or URLs
change. (The sitemap's entries, kept per page object, are in pages.py.)
"""

from __future__ import annotations

import functools
import itertools
import operator
from typing import Callable, Iterable

from sitegen.pipeline.cards import (
    ArticleComparisons,
    annotations_by_place,
    annotations_moved,
    articles_changed,
    changed_places,
)
from sitegen.pipeline.config import Settings
from sitegen.pipeline.entity_usage import top_co_mentions
from sitegen.pipeline.feeds import feed_updated
from sitegen.pipeline.site import Page, PlanMemo
from sitegen.pipeline.timeline import Period, timeline_periods


class ArticleSection:
    """The pages of every article (its page and citation files), in the order of
    the articles, kept whole from one build to the next of a running builder,
    with the objects each article's pages were planned from.

    While the articles are the same slugs in the same order, and the objects
    every article's pages read (the tag links, the entities) are the very ones
    of the last build, an article's pages can change only when its own
    article, annotation, card or list of related articles is another object,
    its events are other ones, or the card of one of its related articles is
    another: only those articles are planned again (through the memo, as
    always); the others' pages and memo entries are the last build's, taken
    without looking at them. Otherwise every article is planned. Kept in
    `PlanMemo.aggregates`, which forgets it when the settings or URLs change.
    """

    def __init__(self, comparisons: ArticleComparisons | None = None) -> None:
        self.comparisons = comparisons  # shared with the plan's other indexes (see ArticleComparisons)
        self.articles: tuple | None = None
        self.slugs: list[str] = []
        self.columns: tuple[list, ...] = ([], [], [], [])  # annotations, cards, related slugs, events
        self.shared: tuple = ()
        self.by_slug: tuple = (None, None, None, None)  # the dicts the columns were read from
        self.groups: list[list[Page]] = []
        self.pages: list[Page] = []  # every group's pages, in order
        self.starts: list[int] = []  # where each group's pages start among them
        self.names: list[str] = []  # the memo entries of every article's pages
        self.entries: dict | None = None  # the memo's entries of the build that planned them
        self.planned = 0  # articles the last update planned
        # The places where the pages the last update gave hold other objects than those of the update
        # before (None: it put them together anew): what the plan tells the sitemap and the writer.
        self.moved: list[int] | None = None

    def update(self, memo: PlanMemo, articles, by_slug: tuple, shared: tuple, plan: Callable) -> list[Page]:
        """The pages of `articles`, planned by `plan(article)`; `by_slug`: the annotations,
        cards, related slugs and events of the articles by slug; `shared`: what all read."""
        moved = articles_changed(articles, self.articles, self.comparisons)
        same = moved is not None  # the same slugs in the same order
        slugs = self.slugs if same else list(map(operator.attrgetter("slug"), articles))
        annotated, cards, related, events = by_slug

        def column(place: int, made) -> list:  # the last build's column while its dict is the very same
            return self.columns[place] if same and by_slug[place] is self.by_slug[place] else made()

        columns = (annotations_by_place(articles, annotated, self.comparisons), column(1, lambda: list(map(cards.__getitem__, slugs))),
                   column(2, lambda: list(map(related.__getitem__, slugs))),
                   column(3, lambda: list(map(events.get, slugs, itertools.repeat(())))))  # fmt: skip
        if same and memo.ended is self.entries and all(map(operator.is_, shared, self.shared)):
            places = [annotations_moved(columns[0], self.columns[0], self.comparisons),
                      *(changed_places(new, old) for new, old in zip(columns[1:3], self.columns[1:3]))]  # fmt: skip
            changed = set(moved).union(*places)
            # The tuples of events are made again whenever an event changed: compared element by element.
            changed.update(changed_places(columns[3], self.columns[3], operator.ne))
            retitled = {slugs[place] for place in places[1]}
            if retitled:  # the pages listing a changed card among their related articles
                changed.update(place for place, more in enumerate(columns[2]) if not retitled.isdisjoint(more))
            memo.carry(self.names, known=True)
            groups, pages, moved = self.groups, self.pages, []
            for place in sorted(changed):
                if groups is self.groups:  # the last build's lists stay as they were: copied once something changed
                    groups, pages = list(groups), list(pages)
                group = groups[place] = plan(articles[place])
                start, before = self.starts[place], self.groups[place]
                if len(group) != len(before):
                    pages = None  # another number of pages: put together again below
                if pages is not None:
                    pages[start : start + len(group)] = group
                    moved += [start + index for index in changed_places(group, before)]
        else:
            changed, groups, pages = slugs, list(map(plan, articles)), None
            self.names = [name for slug in slugs for name in ("article:" + slug, "citation:" + slug)]
        if pages is None:
            pages, moved = list(itertools.chain.from_iterable(groups)), None
            self.starts = list(itertools.accumulate(map(len, groups), initial=0))[:-1]
        self.moved = moved
        self.articles, self.slugs, self.columns, self.shared, self.groups, self.by_slug = articles, slugs, columns, shared, groups, by_slug
        self.pages, self.entries, self.planned = pages, memo.current, len(changed)
        return pages  # never changed afterwards: the next update copies it before changing a page


class TimelinePeriods:
    """`timeline_periods` of the years of the timeline's entries, kept between
    the builds of a running builder: while the timeline has as many entries,
    only the places holding another entry object are looked at, and while the
    years are the same the periods are the very list of the last build."""

    def __init__(self) -> None:
        self.timeline: list = []
        self.years: list[int] = []
        self.periods: list[Period] = []
        self.made = False

    def update(self, timeline: list) -> list[Period]:
        if self.made and len(timeline) == len(self.timeline):
            years = self.years
            for place in changed_places(timeline, self.timeline):
                year = timeline[place].event.date.year
                if year != years[place]:
                    years = list(years) if years is self.years else years
                    years[place] = year
        else:
            years = [entry.event.date.year for entry in timeline]
        if not self.made or (years is not self.years and years != self.years):
            self.periods = timeline_periods(years)
        self.timeline, self.years, self.made = timeline, years, True
        return self.periods


class EntitySection:
    """The pages and feed of every entity, in the order of the entities, kept
    whole from one build to the next of a running builder, with what each
    entity's pages were planned from: the entity, the list of the articles
    that mention it, its description, its co-mentions and its events.

    While the entities are the same ids in the same order and the entities
    by id are the very dict of the last build, an entity's pages can change
    only when one of those is another object (its events: another tuple of
    views), which is what the memo's quick keys of its pages test: only those
    entities are planned again (through the memo), and the others' pages and
    memo entries are the last build's, taken without looking at them.
    Otherwise every entity is planned. Kept in `PlanMemo.aggregates`."""

    def __init__(self) -> None:
        self.columns: tuple[list, ...] = ([], [], [], [], [])  # entities, mentions, descriptions, co-mentions, events
        self.shared = None
        self.events_by_entity = None  # the dict the events were read from
        self.groups: list[list[Page]] = []
        self.names: list[str] = []  # the memo entries of every entity's pages
        self.entries: dict | None = None  # the memo's entries of the build that planned them
        self.planned = 0  # entities the last update planned

    def update(self, memo: PlanMemo, entity_list, usage, descriptions, events_by_entity, entities, plan: Callable) -> list[Page]:
        """The pages of every entity, planned by `plan(entity, description, events)`."""
        ids = list(map(operator.attrgetter("id"), entity_list))
        # Each entity's events as a tuple: the last build's while their dict is the very same (no event
        # changed). Made again, they hold every event's view once per entity it names, publications
        # included, so many as the archive has articles times their entities: not copied every build.
        same_events = events_by_entity is self.events_by_entity and len(ids) == len(self.columns[4])
        columns = (
            list(entity_list),
            list(map(usage.articles.get, ids, itertools.repeat(()))),
            list(map(descriptions.get, ids)),
            _co_mentions(usage, ids),
            self.columns[4] if same_events else list(map(tuple, map(events_by_entity.get, ids, itertools.repeat(())))),
        )
        places: Iterable[int] = range(len(ids))
        groups: list[list[Page]] | None = None
        if len(ids) == len(self.columns[0]) and memo.ended is self.entries and entities is self.shared:
            changed = set().union(*(changed_places(new, old) for new, old in zip(columns[:4], self.columns)))
            if not same_events:
                changed.update(changed_places(columns[4], self.columns[4], operator.ne))
            if all(ids[place] == self.columns[0][place].id for place in changed):  # the same ids in the same order
                memo.carry(self.names, known=True)
                places, groups = sorted(changed), list(self.groups)
        if groups is None:
            groups = [[] for _ in ids]
            self.names = [name for entity_id in ids for name in ("entity:" + entity_id, "entity feed:" + entity_id)]
        for place in places:
            groups[place] = plan(columns[0][place], columns[2][place], columns[4][place])
        self.columns, self.shared, self.groups, self.events_by_entity = columns, entities, groups, events_by_entity
        self.entries, self.planned = memo.current, len(places)
        return list(itertools.chain.from_iterable(groups))


def _co_mentions(usage, ids: list[str]) -> list:
    """`top_co_mentions` of each entity: those the usage keeps are taken as they are, the others worked out."""
    tops = list(map(usage.top.get, ids))
    for place in list(itertools.compress(itertools.count(), map(operator.is_, tops, itertools.repeat(None)))):
        tops[place] = top_co_mentions(usage, ids[place])
    return tops


class TermUses:
    """The articles that use a term, each with its card and its terms' counts,
    newest first: what the glossary shows of the articles. Kept between the
    builds of a running builder in `PlanMemo.aggregates`.

    While the articles are the same slugs in the same order, only the places
    whose article, annotation or card is another object than the last build's
    are looked at; when each of those still has the same card and the same
    terms, the uses are the very tuple of the last build (which makes the
    glossary's key compare in one identity test). Otherwise they are worked
    out from every article again, and are still the last build's tuple when
    equal to it."""

    def __init__(self, comparisons: ArticleComparisons | None = None) -> None:
        self.comparisons = comparisons  # shared with the plan's other indexes (see ArticleComparisons)
        self.articles: tuple | None = None
        self.columns: tuple[list, list] = ([], [])  # the annotations and the cards, by place
        self.cards: dict | None = None  # the dict the cards were read from
        self.used: tuple = ()
        self.looked_at = 0  # articles the last update looked at

    def update(self, articles, annotated, cards) -> tuple:
        slugs = functools.partial(map, operator.attrgetter("slug"), articles)  # every article's, walked only when needed
        places = articles_changed(articles, self.articles, self.comparisons)
        # The cards by place are the last build's while the articles are and their dict is the very same.
        kept_cards = places is not None and cards is self.cards
        annotations = annotations_by_place(articles, annotated, self.comparisons)
        columns = (annotations, self.columns[1] if kept_cards else list(map(cards.__getitem__, slugs())))
        if places is not None:
            old_annotations, old_cards = self.columns
            moved = annotations_moved(annotations, old_annotations, self.comparisons)
            places = sorted({*places, *moved, *changed_places(columns[1], old_cards)})
            alike = all(columns[1][p] == old_cards[p] and columns[0][p].terms == old_annotations[p].terms for p in places)
            self.looked_at = len(places)
        if places is None or not alike:
            used = tuple((slug, card, annotation.terms) for slug, annotation, card in zip(slugs(), *columns) if annotation.terms)
            self.used = self.used if used == self.used else used
            self.looked_at = len(articles)
        self.articles, self.columns, self.cards = articles, columns, cards
        return self.used


class FeedDate:
    """`feed_updated` of every article, kept between the builds of a running
    builder: worked out again only when an article that changed has another
    date or date of update, or the articles are other slugs or in another order."""

    def __init__(self, comparisons: ArticleComparisons | None = None) -> None:
        self.comparisons = comparisons  # shared with the plan's other indexes (see ArticleComparisons)
        self.articles = None
        self.updated = ""

    def update(self, articles, settings: Settings) -> str:
        places = articles_changed(articles, self.articles, self.comparisons)
        if places is None or not all(_dated_alike(articles[place], self.articles[place]) for place in places):
            self.updated = feed_updated(articles, settings)
        self.articles = articles
        return self.updated


def _dated_alike(article, before) -> bool:
    return (article.updated or article.date) == (before.updated or before.date)
