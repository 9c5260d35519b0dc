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
from sitegen.pipeline.cards import ArticleCard, PlacedEvent, article_card, placed_event
from sitegen.pipeline.feeds import FeedEntry, feed_entry
from sitegen.pipeline.timeline import Period


class ArticleViews:
    """Each article's card and feed entry, made again only for an article object not seen last build
    (and even then, the last build's objects when they are equal: all their fields are strings)."""

    def __init__(self) -> None:
        self.kept: dict[str, tuple[Article, ArticleCard, FeedEntry]] = {}

    def update(self, articles: tuple[Article, ...], urls: Urls) -> tuple[dict[str, ArticleCard], dict[str, FeedEntry]]:
        """The cards and the feed entries, by slug."""
        kept, cards, entries = {}, {}, {}
        before = self.kept
        for article in articles:
            views = before.get(article.slug)
            if views is None:
                views = (article, article_card(article, urls), feed_entry(article, urls))
            elif views[0] is not article:
                # An edit of the body alone gives equal views: the old objects keep the keys that hold them the same.
                card, entry = article_card(article, urls), feed_entry(article, urls)
                views = (article, views[1] if views[1] == card else card, views[2] if views[2] == entry else entry)
            kept[article.slug], cards[article.slug], entries[article.slug] = views, views[1], views[2]
        self.kept = kept
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

    def update(self, annotations: Annotations, entities, cards, periods: list[Period], urls: Urls) -> list[PlacedEvent]:
        period_of = {year: period.slug for period in periods for year in period.years}
        kept, placed = {}, []
        before = self.kept
        for entry in annotations.timeline:
            event = entry.event
            fragment = annotations.event_descriptions.get(entry.anchor)
            period = period_of[event.date.year]
            old = before.get(entry.anchor)
            if old is not None and old[2] is entry and old[3] is fragment and old[4] is entities:
                # The very entry, fragment and entities of the last build: only the period and the cards can differ.
                key = old[0]
                if key[2] == period and all(map(operator.is_, key[5], map(cards.get, event.article_slugs))):
                    kept[entry.anchor] = old
                    placed.append(old[1])
                    continue
            named = (*event.entity_ids, *(fragment.entity_ids if fragment else ()))
            key = (
                event,
                entry.kind,
                period,
                fragment,
                tuple(map(entities.get, named)),
                tuple(map(cards.get, event.article_slugs)),
            )
            if old is not None and old[0] == key:
                view = old[1]
            else:
                view = placed_event(entry, fragment, period, entities, cards, urls)
            kept[entry.anchor] = (key, view, entry, fragment, entities)
            placed.append(view)
        self.kept = kept
        return placed
