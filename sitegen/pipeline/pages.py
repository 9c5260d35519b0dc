"""Which pages exist, where they live, and the data each one is rendered from.

`plan_pages` is a pure function of the archive, the rendered fragments and
the settings. It decides every output path before anything is rendered, so
collisions are found before a single file is written. The pages themselves
are made in `views.py` (articles, entities) and `listings.py` (archive,
tags, timeline, glossary). The plan of the articles' pages is in
`article_pages.py`, of the entities' in `entity_pages.py`, of the files of
data/ in `open_data_pages.py`, and of the files a host needs beside them
(sitemap, robots.txt) in `host_files.py`.
"""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict

from sitegen.model.errors import Problems
from sitegen.model.models import Archive, Article
from sitegen.model.urls import Urls
from sitegen.pipeline.annotate import Annotations
from sitegen.pipeline.article_pages import (
    ArticleInputs,
    tag_links_of,
    tag_names_of,
    tied_events_by_article,
)
from sitegen.pipeline.cards import (
    CardsOnDemand,
    PlacedEvent,
    annotations_column_from_edit,
    articles_compared,
    entity_cards_json,
    periods_by_year,
    placed_event,
)
from sitegen.pipeline.config import Settings
from sitegen.pipeline.entity_pages import (
    kept_entity_feed,
    kept_entity_pages,
    months_of_entities,
    planned_entity_feed,
    planned_entity_pages,
)
from sitegen.pipeline.feeds import FEED_SIZE, site_feed, tag_feed
from sitegen.pipeline.host_files import SitemapEntries, places_moved, publishing_files
from sitegen.pipeline.kept_views import ArticleViews, EventViews
from sitegen.pipeline.listings import (
    ListingGroups,
    archive_pages,
    glossary_page,
    period_links,
    period_years,
    tag_pages,
    tags_alone,
    timeline_events_file,
    timeline_filter,
    timeline_index_page,
    timeline_period_page,
)
from sitegen.pipeline.open_data_pages import open_data_pages, planned_open_data_pages
from sitegen.pipeline.packed_mentions import MentionPacker
from sitegen.pipeline.related import RelatedIndex, related_of
from sitegen.pipeline.sections import (
    ArticleSection,
    EntitySection,
    FeedDate,
    TermUses,
    TimelinePeriods,
)
from sitegen.pipeline.site import Page, PlanMemo, PlannedPage
from sitegen.pipeline.timeline import PUBLICATION, Period
from sitegen.pipeline.entity_usage import EntityUsageIndex, entities_involved
from sitegen.pipeline.views import entities_by_event, entity_index_page

HOME_LATEST = 20


def plan_pages(
    archive: Archive,
    annotations: Annotations,
    settings: Settings,
    problems: Problems,
    memo: PlanMemo | None = None,
    defer_open_data: bool = False,
    planned_articles: bool = False,
) -> list[Page | PlannedPage]:
    """Every page. With a `memo` of the last build, the pages of articles and
    entities whose inputs did not change are that build's own objects. With
    `defer_open_data`, the files of data/ and their page, when their inputs
    changed, are the last build's, and the memo's `deferred` makes them. With
    `planned_articles`, the page of each article is a PlannedPage, made only
    when it is rendered (a single build, which keeps no memo for a next one)."""
    urls = Urls(settings.site.base_url, settings.base_path)
    memo = memo if memo is not None else PlanMemo()
    memo.begin(settings, urls)
    annotated = annotations.articles
    compared = articles_compared(memo)
    annotations_column_from_edit(archive.articles, annotated, annotations.edited, compared)
    # Feeds are keyed by their entries' values: an edit to an article's body changes none of them.
    cards, feed_entries = memo.aggregates.setdefault("articles", ArticleViews(compared)).update(archive.articles, urls)
    # The same dict while no entity changed: the pages' quick keys hold it (see PlanMemo.get_quick).
    entities = memo.get("entities by id", archive.entities, (), lambda: _entities_by_id(archive))
    usage = memo.aggregates.setdefault("entity usage", EntityUsageIndex(compared)).update(archive, annotated, cards, feed_entries)
    periods = memo.aggregates.setdefault("timeline periods", TimelinePeriods()).update(annotations.timeline)
    events = memo.aggregates.setdefault("events", EventViews()).update(annotations, entities, cards, periods, urls)
    pages: list[Page | PlannedPage] = []
    listed = memo.aggregates.setdefault("listings", ListingGroups(compared))
    tags, years, tagged = listed.update(archive.articles, cards, problems, _entity_names(archive), urls)
    names = tag_names_of(tags)
    tag_links = memo.get("tag links", (), names, lambda: tag_links_of(names, urls))

    # The listings by year are kept while the years' cards are equal: all of them are on every year's page.
    latest = tuple(cards[a.slug] for a in archive.articles[:HOME_LATEST])
    counts = (len(archive.articles), len(archive.entities), len(archive.terms), len(archive.events), len(tags))
    pages.append(memo.get("home", (), (latest, counts, tuple(years)), lambda: _home_page(latest, counts, years, settings, urls)))
    # Both one object while every event view is the very one of the last build.
    # The list of event views is the very one of the last build while no view changed (EventViews copies it before
    # changing one): compared as one object, not view by view (as many as the archive has articles, with publications).
    events_by_article = memo.get("events by article", (events,), (), lambda: tied_events_by_article(events))
    events_by_entity = memo.get("events by entity", (events,), (), lambda: entities_by_event(events))
    related = memo.aggregates.setdefault("related", RelatedIndex(compared)).update(archive.articles, usage.involved, usage.articles)

    inputs = ArticleInputs(annotated, cards, tag_links, entities, events_by_article, related, settings, urls)
    known = None  # (start, end, the places among pages[start:end] that hold other objects than the last plan's, if known)
    if planned_articles:
        pages += itertools.chain.from_iterable(map(inputs.planned, archive.articles))
    else:
        section = memo.aggregates.setdefault("article pages", ArticleSection(compared))
        tied = (annotated, cards, related, events_by_article)
        start = len(pages)
        pages += section.update(memo, archive.articles, tied, (tag_links, entities), functools.partial(inputs.kept, memo))
        known = (start, len(pages), section.moved)  # the articles' pages are the most of all: where they changed is known
    # The index's counts and sparklines are made of the articles by month of every entity.
    months = months_of_entities(usage, archive.entities)
    pages.append(memo.get_quick("entities", (*archive.entities, *months.values()), lambda: (archive.entities, tuple(months.values())),
                                lambda: entity_index_page(archive, months, settings, urls)))  # fmt: skip
    if planned_articles:
        packer = MentionPacker(archive.articles, cards)
        for entity in archive.entities:
            description, entity_events = annotations.entity_descriptions.get(entity.id), tuple(events_by_entity.get(entity.id, ()))
            pages += planned_entity_pages(entity, usage, description, entity_events, packer, entities, urls)
            pages.append(planned_entity_feed(entity, usage.articles.get(entity.id), feed_entries, settings, urls))
    else:

        def pages_of(entity, description, entity_events) -> list[Page]:
            return [*kept_entity_pages(memo, entity, usage, description, entity_events, cards, entities, urls),
                    kept_entity_feed(memo, entity, usage.articles.get(entity.id), feed_entries, settings, urls)]  # fmt: skip

        section = memo.aggregates.setdefault("entity pages", EntitySection())
        pages += section.update(memo, archive.entities, usage, annotations.entity_descriptions, events_by_entity, entities, pages_of)
    pages += _timeline_pages(memo, periods, events, entities, settings, urls)
    pages.append(_glossary_page(memo, archive, annotated, cards, entities, settings, urls))
    pages += memo.get("archive", (), (len(archive.articles), tuple(years)), lambda: archive_pages(archive, years, settings, urls))
    pages += memo.get("tags", (), (tagged, tuple(tag_links.items())), lambda: tag_pages(tags, tag_links, cards, settings, urls))
    for slug, (name, members) in tags.items():
        latest = tuple(feed_entries[a.slug] for a in members[:FEED_SIZE])
        pages.append(memo.get("tag feed:" + slug, (), (name, *latest), lambda: tag_feed(slug, name, latest, settings, urls)))
    pages.append(memo.get("404", (), (), lambda: Page(
        path="404.html",
        template="404.html",
        title="Page not found",
        description="This page does not exist.",
        section="",
        indexable=False,
    )))  # fmt: skip
    if settings.search.enabled:
        pages.append(memo.get("search", (), (), lambda: Page(
            path=urls.search_path(),
            template="search.html",
            title="Search",
            description=f"Search {settings.site.title}.",
            section="search",
            data={"bundle_url": urls.url("pagefind/")},
        )))  # fmt: skip
    if planned_articles:
        pages += planned_open_data_pages(memo, archive, annotations, events, settings, urls)
    else:
        pages += open_data_pages(memo, archive, annotations, events, settings, urls, defer_open_data)
    # Kept while the pages the sitemap lists and the feed are the same: the sitemap is the largest page of all.
    entries = memo.aggregates.setdefault("sitemap", SitemapEntries())
    listed_before = entries.pages
    sitemap = entries.update(pages, urls, known)
    feed = _site_feed(memo, archive, feed_entries, settings, urls)
    pages += memo.get("publishing files", (feed,), (sitemap,), lambda: publishing_files(sitemap, feed, settings, urls))
    memo.places = places_moved(memo.aggregates.get("plan"), listed_before, entries, pages)
    memo.aggregates["plan"] = (pages, entries.pages)
    memo.end()
    if planned_articles:
        # A single build plans no next one: what the indexes and the memo keep for
        # it (each article's part of every index, every page's key) is let go
        # now, before the pages are rendered; the pages hold what they read.
        memo.forget()
        memo.aggregates = {}
    return pages


def plan_article_pages(archive: Archive, annotations: Annotations, settings: Settings, problems: Problems, slugs: set[str]) -> list[PlannedPage]:
    """The planned page of each article of `slugs`, as `plan_pages` plans it for a
    single build, and the warnings it gives (a tag it cannot make a URL of): for
    a build that keeps every other page of the last (see engine/plan_record.py).

    The page is planned by the same `ArticleInputs.planned_page`, from inputs made
    by the same functions; what is left out is what the other articles' pages
    alone read: the events tied to them, their related articles, and the rows
    and counts of the entities' lists, of which an article's related list reads
    only which articles involve each entity, newest first."""
    urls = Urls(settings.site.base_url, settings.base_path)
    cards = CardsOnDemand(archive.articles, urls)  # those of the pages planned and of what they link to
    entities = _entities_by_id(archive)
    annotated = annotations.articles
    # Of the other articles, only which entities each mentions: a build after an edit decodes no more of them.
    involved = {a.slug: entities_involved(a, annotated[a.slug].mentioned_entity_ids) for a in archive.articles}
    postings: dict[str, list[tuple[Article]]] = defaultdict(list)
    for article in archive.articles:  # newest first, as an entity's list in EntityUsage
        for entity_id in involved[article.slug]:
            postings[entity_id].append((article,))
    period_of = periods_by_year(TimelinePeriods().update(annotations.timeline))
    events_by_article = tied_events_by_article([
        placed_event(entry, annotations.event_descriptions.get(entry.anchor), period_of[entry.event.date.year], entities, cards, urls)
        for entry in annotations.timeline if entry.kind != PUBLICATION and not slugs.isdisjoint(entry.event.article_slugs)
    ])  # fmt: skip
    tags = tags_alone(archive.articles, problems, _entity_names(archive))
    inputs = ArticleInputs(annotated, cards, tag_links_of(tag_names_of(tags), urls), entities, events_by_article,
                           related_of(slugs, involved, postings), settings, urls)  # fmt: skip
    return [inputs.planned_page(article) for article in archive.articles if article.slug in slugs]


def _entities_by_id(archive: Archive) -> dict:
    return {e.id: e for e in archive.entities}


def _entity_names(archive: Archive) -> dict[str, str]:
    return {e.id: e.name for e in archive.entities}


def _glossary_page(memo: PlanMemo, archive, annotated, cards, entities, settings, urls) -> Page:
    """`glossary_page`, keyed by the terms, the entities and the cards of the
    articles that use each term, with their counts (see TermUses): an edit
    that uses no term anew keeps it."""
    used = memo.aggregates.setdefault("term uses", TermUses(articles_compared(memo))).update(archive.articles, annotated, cards)
    return memo.get("glossary", (entities, *archive.terms), (used,), lambda: glossary_page(archive, annotated, cards, entities, settings, urls))


def _timeline_pages(memo: PlanMemo, periods: list[Period], events: list[PlacedEvent], entities, settings, urls) -> list[Page]:
    """The pages of the timeline, kept whole while every event view and the
    entities are the very objects of the last build (an edit that touches no
    event): nothing they show can have changed, and not even their keys are
    worked out. Otherwise each page is looked up by its own key."""
    made = []

    def make() -> list[Page]:
        made.append(True)
        return _timeline_pages_by_key(memo, periods, events, entities, settings, urls)

    quick = (entities, events)  # the very list while no view changed (see plan_pages)
    pages = memo.get_quick("timeline pages", quick, lambda: (quick, (tuple(periods),)), make)
    if not made:  # the pages' own entries are kept with them, for the next build that looks them up
        memo.carry(("timeline", "timeline filter", "timeline events", *("timeline:" + period.slug for period in periods)))
    return pages


def _timeline_pages_by_key(memo: PlanMemo, periods: list[Period], events: list[PlacedEvent], entities, settings, urls) -> list[Page]:
    """The timeline's index, one page per period and the filter's counts, each
    keyed by what it shows: an edited event makes its own page again, and the
    index only when a page's count changes."""
    if not periods:
        return [memo.get("timeline", (), (), lambda: timeline_index_page((), (), timeline_filter([], entities, urls), settings, urls))]
    links = period_links(periods, urls)
    named = sorted({i for event in events for i in event.entity_ids})
    # One object while its entities are the same: every page of the timeline is keyed by it.
    choices = memo.get("timeline filter", tuple(entities[i] for i in named), (), lambda: timeline_filter(events, entities, urls))
    placed: dict[str, list[PlacedEvent]] = defaultdict(list)
    for event in events:
        placed[event.period].append(event)
    counts = tuple(len(placed[period.slug]) for period in periods)
    pages = [memo.get("timeline", (), (links, counts, choices), lambda: timeline_index_page(links, counts, choices, settings, urls))]
    for period in periods:
        pages.append(_timeline_period_page(memo, period, links, placed[period.slug], choices, entities, settings, urls))
    shown = tuple((event.period, event.view.entity_ids, event.view.entity_kinds) for event in events)
    pages.append(memo.get("timeline events", (), (links, shown), lambda: timeline_events_file(periods, events, urls)))
    return pages


def _timeline_period_page(memo: PlanMemo, period, links, placed, choices, entities, settings, urls) -> Page:
    """`timeline_period_page`, keyed by its events' views and the entities whose cards it carries."""
    years = period_years(period, placed)
    involved = sorted({i for event in placed for i in event.entity_ids})
    return memo.get(
        "timeline:" + period.slug,
        tuple(entities[i] for i in involved),
        (period, links, years, choices),
        lambda: timeline_period_page(period, links, years, choices, entity_cards_json(involved, entities, urls), settings, urls),
    )


def _home_page(latest, counts, years, settings: Settings, urls: Urls) -> Page:
    # Each count links to the page that lists what it counts.
    index_urls = (urls.archive_path(), urls.entities_path(), urls.glossary_path(), urls.timeline_path(), urls.tags_path())
    return Page(
        path="",
        template="home.html",
        title=settings.site.title,
        description=settings.site.description,
        section="home",
        data={
            "latest": latest,
            "counts": dict(zip(("articles", "entities", "terms", "events", "tags"), counts)),
            "count_urls": dict(zip(("articles", "entities", "terms", "events", "tags"), map(urls.url, index_urls))),
            "years": tuple(years),
        },
    )


def _site_feed(memo: PlanMemo, archive: Archive, feed_entries, settings: Settings, urls: Urls) -> Page:
    """`site_feed`, keyed by its entries and its date, worked out only when an article changed."""
    if not archive.articles:  # dated by the build's time, which may change between two builds of a watcher
        return site_feed((), settings, urls)
    updated = memo.aggregates.setdefault("feed date", FeedDate(articles_compared(memo))).update(archive.articles, settings)
    latest = tuple(feed_entries[a.slug] for a in archive.articles[:FEED_SIZE])
    return memo.get("site feed", (), (latest, updated), lambda: site_feed(archive.articles, settings, urls))
