"""The pages and feed of each entity, as `plan_pages` plans them: planned
(made when written, from rows packed in bytes) or kept through the plan memo."""

from __future__ import annotations

import functools
import itertools
import operator
from typing import Callable

from sitegen.pipeline.entity_usage import entity_months, top_co_mentions
from sitegen.pipeline.feeds import FEED_SIZE, FEED_TEMPLATE, entity_feed, feed_updated
from sitegen.pipeline.packed_mentions import MentionPacker, PackedMentions
from sitegen.pipeline.site import Page, PlanMemo, PlannedPage
from sitegen.pipeline.views import entity_page_places, pages_of_entity


def months_of_entities(usage, entities) -> dict[str, tuple]:
    """`entity_months` of each entity by id: those the usage keeps are taken as they are, the others worked out."""
    ids = list(map(operator.attrgetter("id"), entities))
    months = list(map(usage.by_month.get, ids))
    for place in list(itertools.compress(itertools.count(), map(operator.is_, months, itertools.repeat(None)))):
        months[place] = entity_months(usage, ids[place])
    return dict(zip(ids, months))


def kept_entity_pages(memo: PlanMemo, entity, usage, description, entity_events, cards, entities, urls) -> list[Page]:
    """`pages_of_entity`, keyed by everything it reads. The list of the articles
    that mention the entity is the very list of the last build while none of
    them changed (see EntityUsageIndex), and the articles' cards and dates,
    their counts and sentences, are all made from it."""
    mentioned = usage.articles.get(entity.id, ())  # the same empty tuple every build
    co = top_co_mentions(usage, entity.id)  # the very list of the last build while the counts are the same

    def key() -> tuple[tuple, tuple]:
        shown = (*(i for i, _ in co), *(description.entity_ids if description else ()))
        return (entity, description, mentioned, *(entities.get(i) for i in shown)), (tuple(co), entity_events)

    return memo.get_quick(
        "entity:" + entity.id,
        (entity, description, mentioned, co, entities, *entity_events),
        key,
        lambda: pages_of_entity(entity, mentioned, description, co, entity_events, cards, entities, urls),
    )


def planned_entity_pages(entity, usage, description, entity_events, packer: MentionPacker, entities, urls) -> list[PlannedPage]:
    """The pages of `kept_entity_pages`, made when they are written: the first one
    made makes them all, and they are let go once each is taken.

    Of each article that mentions the entity, the pages show its card, its
    count and its sentence, and count it in the chart by its day: those
    stand for it, not the article and its annotation, so an edit of a
    sentence the pages do not quote leaves their inputs as they were, and a
    next process keeps them. They are held packed in bytes (see
    packed_mentions.py), which the process that makes the pages reads
    without copying the build's memory."""
    mentioned = packer.pack(usage.articles.get(entity.id, ()))
    co = top_co_mentions(usage, entity.id)
    shown = (entity.id, *(i for i, _ in co), *(description.entity_ids if description else ()))
    inputs = (entity, description, mentioned, tuple(co), entity_events, tuple((i, entities.get(i)) for i in shown))
    places = entity_page_places(entity.id, len(mentioned), len(entity_events), urls)
    group = _MadeTogether(lambda: _packed_entity_pages(entity, mentioned, description, co, entity_events, entities, urls), len(places))
    return [PlannedPage(path, template, "", functools.partial(group.page, index), inputs=inputs) for index, (path, template) in enumerate(places)]


def _packed_entity_pages(entity, mentioned: PackedMentions, description, co, entity_events, entities, urls) -> list[Page]:
    rows, cards = mentioned.unpack()
    return pages_of_entity(entity, rows, description, co, entity_events, cards, entities, urls)


class _MadeTogether:
    """Pages made by one call, made when the first is asked for and let go when the last is."""

    def __init__(self, make: Callable[[], list[Page]], count: int):
        self.make, self.count, self.left = make, count, count
        self.pages: list[Page] | None = None

    def page(self, index: int) -> Page:
        if self.pages is None:
            self.pages = self.make()
        page = self.pages[index]
        self.left -= 1
        if self.left == 0:  # every page taken: let them go (asked for again, they are made again)
            self.pages, self.left = None, self.count
        return page


def planned_entity_feed(entity, mentioned, feed_entries, settings, urls) -> PlannedPage:
    """The feed of `kept_entity_feed`, made when it is written."""
    latest = tuple(feed_entries[a.slug] for a, _, _ in (mentioned or ())[:FEED_SIZE])
    make = lambda: entity_feed(entity, latest, settings, urls)  # noqa: E731
    return PlannedPage(urls.entity_feed_path(entity.id), FEED_TEMPLATE, "", make, indexable=False, inputs=(entity, latest))


def kept_entity_feed(memo: PlanMemo, entity, mentioned, feed_entries, settings, urls) -> Page:
    """The feed of an entity, keyed by its entries' values, which are worked out
    only when its list of articles is not the very list of the last build."""
    name = "entity feed:" + entity.id
    if not mentioned:
        # An empty feed is dated by the build's time, which may change between two builds of a watcher.
        return memo.get(name, (entity,), (feed_updated((), settings),), lambda: entity_feed(entity, (), settings, urls))

    def latest() -> tuple:
        return tuple(feed_entries[a.slug] for a, _, _ in mentioned[:FEED_SIZE])

    # The feed shows the entity's id, name and summary only: an equal copy of an edited entity is the same feed.
    values = lambda: ((), (entity.id, entity.name, entity.summary, *latest()))  # noqa: E731
    return memo.get_quick(name, (entity, mentioned), values, lambda: entity_feed(entity, latest(), settings, urls))
