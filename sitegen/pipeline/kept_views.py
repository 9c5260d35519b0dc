"""The small views of articles and timeline entries, kept between the builds
of a running builder and made again only for what changed.

Every listing, feed and entity page is made of article cards, feed entries
and timeline event views. A long-lived builder (watch, serve) gets the very
same article object from the loader while its file is unchanged, so the views
made from it last time are still right, and reusing them (not equal copies)
also lets the plan memo compare the pages' keys by identity, element by
element, instead of field by field. These indexes live in
`PlanMemo.aggregates`, which forgets them when the settings or URLs change.
"""

from __future__ import annotations

import operator

from sitegen.model.models import Article
from sitegen.model.urls import Urls
from sitegen.pipeline.annotate import Annotations
from sitegen.pipeline.cards import ArticleCard, ArticleComparisons, PlacedEvent, article_card, articles_changed, changed_places, periods_by_year, placed_event
from sitegen.pipeline.feeds import FeedEntry, feed_entry
from sitegen.pipeline.timeline import Period


class ArticleViews:
    """Each article's card and feed entry, made again only for an article object not seen last build
    (and even then, the last build's objects when they are equal: all their fields are strings).

    While the articles are the same slugs in the same order, only the places
    holding another article object are looked at (`articles_changed`), and
    when none of their views changed the very dicts of the last build are
    returned: whoever holds them (the listings' and events' indexes) knows
    that no card and no feed entry changed without looking inside. The dicts
    returned are never changed afterwards."""

    def __init__(self, comparisons: ArticleComparisons | None = None) -> None:
        self.comparisons = comparisons  # shared with the plan's other indexes (see ArticleComparisons)
        self.articles: tuple[Article, ...] | None = None
        self.cards: dict[str, ArticleCard] = {}
        self.entries: dict[str, FeedEntry] = {}
        self.looked_at = 0  # articles whose views the last update made again

    def update(self, articles: tuple[Article, ...], urls: Urls) -> tuple[dict[str, ArticleCard], dict[str, FeedEntry]]:
        """The cards and the feed entries, by slug."""
        places = articles_changed(articles, self.articles, self.comparisons)
        if places is None:
            before_cards, before_entries = self.cards, self.entries
            seen = {article.slug: article for article in self.articles or ()}
            cards, entries = {}, {}
            for article in articles:
                if seen.get(article.slug) is article:  # the very article of the last build: the very views
                    cards[article.slug], entries[article.slug] = before_cards[article.slug], before_entries[article.slug]
                    continue
                card, entry = article_card(article, urls), feed_entry(article, urls)
                # An edit of the body alone gives equal views: the old objects keep the keys that hold them the same.
                old = before_cards.get(article.slug)
                cards[article.slug] = old if old == card else card
                old = before_entries.get(article.slug)
                entries[article.slug] = old if old == entry else entry
            self.looked_at = len(articles)
        else:
            cards, entries = self.cards, self.entries
            for place in places:
                article = articles[place]
                card, entry = article_card(article, urls), feed_entry(article, urls)
                if card != cards[article.slug] or entry != entries[article.slug]:
                    if cards is self.cards:
                        cards, entries = dict(cards), dict(entries)
                    if card != cards[article.slug]:
                        cards[article.slug] = card
                    if entry != entries[article.slug]:
                        entries[article.slug] = entry
            self.looked_at = len(places)
        self.articles, self.cards, self.entries = articles, cards, entries
        return cards, entries


class EventViews:
    """`cards.event_views`, each entry's view made again only when something it shows changed.

    An entry's view is a function of the entry, its description's fragment,
    the page of the timeline it is on, the entities it names or links to and
    the cards of its articles; the key holds those objects, so that comparing
    it is mostly comparing identities."""

    def __init__(self) -> None:
        # by anchor: (key, view, and what the key was made from: the entry, the fragment, the entities by id)
        self.kept: dict[str, tuple[tuple, PlacedEvent, object, object, object]] = {}
        # What the last update was given and made, entry by entry, for the next to compare by place.
        self.last: tuple = ((), (), None, None, None)  # entries, fragments, entities, cards, periods by year
        self.placed: list[PlacedEvent] = []
        self.looked_at = 0  # entries the last update looked at

    def update(self, annotations: Annotations, entities, cards, periods: list[Period], urls: Urls) -> list[PlacedEvent]:
        period_of = periods_by_year(periods)
        timeline = annotations.timeline
        fragments = list(map(annotations.event_descriptions.get, map(operator.attrgetter("anchor"), timeline)))
        entries, old_fragments, old_entities, old_cards, old_period_of = self.last
        if entities is old_entities and cards is old_cards and period_of == old_period_of and len(timeline) == len(entries):
            # No entity, card or page of the timeline changed: only the entries and fragments that are
            # other objects than the last build's can show something else.
            places = sorted({*changed_places(timeline, entries), *changed_places(fragments, old_fragments)})
            if all(timeline[place].anchor == entries[place].anchor for place in places):
                placed = self.placed
                for place in places:
                    view = self._view(timeline[place], annotations, entities, cards, period_of, urls, self.kept)
                    if view is not placed[place]:
                        placed = list(placed) if placed is self.placed else placed
                        placed[place] = view
                self.last, self.placed, self.looked_at = (timeline, fragments, entities, cards, period_of), placed, len(places)
                return placed
        kept: dict = {}
        placed = [self._view(entry, annotations, entities, cards, period_of, urls, kept) for entry in timeline]
        self.kept, self.last, self.placed, self.looked_at = kept, (timeline, fragments, entities, cards, period_of), placed, len(timeline)
        return placed

    def _view(self, entry, annotations: Annotations, entities, cards, period_of, urls: Urls, kept: dict) -> PlacedEvent:
        """The view of one entry, recorded in `kept` by its anchor."""
        event = entry.event
        fragment = annotations.event_descriptions.get(entry.anchor)
        period = period_of[event.date.year]
        old = self.kept.get(entry.anchor)
        if old is not None and old[2] is entry and old[3] is fragment and old[4] is entities:
            # The very entry, fragment and entities of the last build: only the period and the cards can differ.
            key = old[0]
            if key[2] == period and all(map(operator.is_, key[5], map(cards.get, event.article_slugs))):
                kept[entry.anchor] = old
                return old[1]
        named = (*event.entity_ids, *(fragment.entity_ids if fragment else ()))
        key = (
            event,
            entry.kind,
            period,
            fragment,
            tuple(map(entities.get, named)),
            tuple(map(cards.get, event.article_slugs)),
        )
        view = old[1] if old is not None and old[0] == key else placed_event(entry, fragment, period, entities, cards, urls)
        kept[entry.anchor] = (key, view, entry, fragment, entities)
        return view
