"""Which pages exist, where they live, and the data each one is rendered from.

`plan_pages` is a pure function of the archive, the rendered fragments and
the settings. It decides every output path before anything is rendered, so
collisions are found before a single file is written. The pages themselves
are made in `views.py` (articles, entities) and `listings.py` (archive,
tags, timeline, glossary); the files a host needs beside them (sitemap,
robots.txt, feed) are made here.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import operator
import sys
from collections import defaultdict
from typing import Callable, Mapping

from sitegen.model.errors import Problems
from sitegen.model.models import Archive, Article
from sitegen.model.urls import Urls
from sitegen.pipeline.annotate import Annotations
from sitegen.pipeline.cards import (
    ArticleComparisons,
    EventView,
    PlacedEvent,
    annotations_column_from_edit,
    changed_places,
    entity_cards_json,
    periods_by_year,
    placed_event,
)
from sitegen.pipeline.citation import CITATION_FILES, access_day, article_citation, citation_file, citation_files
from sitegen.pipeline.config import Settings
from sitegen.pipeline.exports import DATA_FILE_NAMES, DATA_FOLDER, ArticleRowsIndex, DataFile, data_file_views, data_files
from sitegen.pipeline.feeds import FEED_SIZE, FEED_TEMPLATE, entity_feed, feed_updated, site_feed, tag_feed
from sitegen.pipeline.kept_views import ArticleViews, EventViews
from sitegen.pipeline.packed_mentions import MentionPacker, PackedMentions
from sitegen.pipeline.sections import ArticleSection, EntitySection, FeedDate, TermUses, TimelinePeriods
from sitegen.pipeline.listings import (
    ListingGroups,
    archive_pages,
    glossary_page,
    period_links,
    period_years,
    tag_pages,
    timeline_events_file,
    timeline_filter,
    timeline_index_page,
    timeline_period_page,
)
from sitegen.model.slugs import slugify
from sitegen.pipeline.site import Link, Page, PlanMemo, PlannedPage
from sitegen.pipeline.related import RelatedIndex, related_of
from sitegen.pipeline.timeline import PUBLICATION, Period
from sitegen.pipeline.views import (
    ARTICLE_TEMPLATE,
    article_modified,
    article_page,
    entities_by_event,
    entity_index_page,
    entity_months,
    EntityUsageIndex,
    entities_involved,
    entity_page_places,
    pages_of_entity,
    top_co_mentions,
)

HOME_LATEST = 20
DATA_TEMPLATE = "data.html"  # the page that documents the files of data/


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
    compared = _compared(memo)
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
    names = _tag_names(tags)
    tag_links = memo.get("tag links", (), names, lambda: _tag_links(names, urls))

    # The listings by year are kept while the years' cards are equal: all of them are on every year's page.
    latest = tuple(cards[a.slug] for a in archive.articles[:HOME_LATEST])
    counts = (len(archive.articles), len(archive.entities), len(archive.terms), len(archive.events), len(tags))
    pages.append(memo.get("home", (), (latest, counts, tuple(years)), lambda: _home_page(latest, counts, years, settings, urls)))
    # Both one object while every event view is the very one of the last build.
    # The list of event views is the very one of the last build while no view changed (EventViews copies it before
    # changing one): compared as one object, not view by view (as many as the archive has articles, with publications).
    events_by_article = memo.get("events by article", (events,), (), lambda: _events_by_article(events))
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
    months = _months_of_entities(usage, archive.entities)
    pages.append(memo.get_quick("entities", (*archive.entities, *months.values()), lambda: (archive.entities, tuple(months.values())),
                                lambda: entity_index_page(archive, months, settings, urls)))  # fmt: skip
    if planned_articles:
        packer = MentionPacker(archive.articles, cards)
        for entity in archive.entities:
            description, entity_events = annotations.entity_descriptions.get(entity.id), tuple(events_by_entity.get(entity.id, ()))
            pages += _planned_entity_pages(entity, usage, description, entity_events, packer, entities, urls)
            pages.append(_planned_entity_feed(entity, usage.articles.get(entity.id), feed_entries, settings, urls))
    else:

        def pages_of(entity, description, entity_events) -> list[Page]:
            return [*_entity_pages(memo, entity, usage, description, entity_events, cards, entities, urls),
                    _entity_feed(memo, entity, usage.articles.get(entity.id), feed_entries, settings, urls)]  # fmt: skip

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
        pages += _planned_open_data_pages(memo, archive, annotations, events, settings, urls)
    else:
        pages += _open_data_pages(memo, archive, annotations, events, settings, urls, defer_open_data)
    # Kept while the pages the sitemap lists and the feed are the same: the sitemap is the largest page of all.
    entries = memo.aggregates.setdefault("sitemap", SitemapEntries())
    listed_before = entries.pages
    sitemap = entries.update(pages, urls, known)
    feed = _site_feed(memo, archive, feed_entries, settings, urls)
    pages += memo.get("publishing files", (feed,), (sitemap,), lambda: _publishing_files(sitemap, feed, settings, urls))
    memo.places = _places_moved(memo.aggregates.get("plan"), listed_before, entries, pages)
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
    compared = ArticleComparisons()
    cards, _ = ArticleViews(compared).update(archive.articles, urls)
    entities = _entities_by_id(archive)
    annotated = annotations.articles
    involved = {a.slug: entities_involved(a, (m.entity_id for m in annotated[a.slug].mentions)) for a in archive.articles}
    postings: dict[str, list[tuple[Article]]] = defaultdict(list)
    for article in archive.articles:  # newest first, as an entity's list in EntityUsage
        for entity_id in involved[article.slug]:
            postings[entity_id].append((article,))
    period_of = periods_by_year(TimelinePeriods().update(annotations.timeline))
    events_by_article = _events_by_article([
        placed_event(entry, annotations.event_descriptions.get(entry.anchor), period_of[entry.event.date.year], entities, cards, urls)
        for entry in annotations.timeline if entry.kind != PUBLICATION and not slugs.isdisjoint(entry.event.article_slugs)
    ])  # fmt: skip
    tags, _, _ = ListingGroups(compared).update(archive.articles, cards, problems, _entity_names(archive), urls)
    inputs = ArticleInputs(annotated, cards, _tag_links(_tag_names(tags), urls), entities, events_by_article,
                           related_of(slugs, involved, postings), settings, urls)  # fmt: skip
    return [inputs.planned_page(article) for article in archive.articles if article.slug in slugs]


@dataclasses.dataclass(frozen=True, slots=True)
class ArticleInputs:
    """What the pages of the articles are planned from besides the article: its
    annotation, card, tied events and related articles (by slug), and the tag
    links and entities all of them read. `plan_pages` plans every article's pages
    with it, `plan_article_pages` the page of a few: one way to plan a page."""

    annotated: Mapping
    cards: Mapping
    tag_links: dict[str, Link]
    entities: dict
    events_by_article: Mapping[str, tuple[EventView, ...]]
    related: Mapping[str, tuple[str, ...]]
    settings: Settings
    urls: Urls

    def of(self, article: Article) -> tuple:
        """The arguments of the article's page: (article, annotation, card, tag links, entities, events, related cards, settings, urls)."""
        slug, cards = article.slug, self.cards
        return (article, self.annotated[slug], cards[slug], self.tag_links, self.entities,
                self.events_by_article.get(slug, ()), tuple(map(cards.__getitem__, self.related[slug])), self.settings, self.urls)  # fmt: skip

    def planned_page(self, article: Article) -> PlannedPage:
        return _planned_article_page(*self.of(article))

    def planned(self, article: Article) -> list[PlannedPage]:
        """The article's page and citation files, made when they are rendered."""
        page = self.planned_page(article)
        return [page, *_planned_citation_files(article, page.path, self.settings, self.urls)]

    def kept(self, memo: PlanMemo, article: Article) -> list[Page]:
        """The article's page and citation files, through the memo of the last build."""
        return [_article_page(memo, *self.of(article)), *_citation_files(memo, article, self.settings, self.urls)]


def _entities_by_id(archive: Archive) -> dict:
    return {e.id: e for e in archive.entities}


def _entity_names(archive: Archive) -> dict[str, str]:
    return {e.id: e.name for e in archive.entities}


def _tag_names(tags: dict) -> tuple[tuple[str, str], ...]:
    """(slug, name) of each tag of the listings."""
    return tuple((slug, name) for slug, (name, _) in tags.items())


def _tag_links(names: tuple[tuple[str, str], ...], urls: Urls) -> dict[str, Link]:
    """The link to each tag's page, by slug."""
    return {slug: Link(name, urls.url(urls.tags_path(slug))) for slug, name in names}


def _compared(memo: PlanMemo) -> ArticleComparisons:
    """The plan's record of what changed among the articles, which its indexes share (see plan_pages)."""
    return memo.aggregates.setdefault("articles compared", ArticleComparisons())


def _places_moved(last: tuple | None, listed_before: list, entries: SitemapEntries, pages: list) -> tuple | None:
    """(the last plan, `pages`, the places where they hold other objects), from the places
    the sitemap's entries compared (every page but the files for the host, which come
    after them); None without a last plan of as many pages, whose pages the sitemap had."""
    if last is None or last[1] is not listed_before or entries.moved is None or len(last[0]) != len(pages):
        return None
    listed = entries.listed
    return last[0], pages, [*entries.moved, *(listed + place for place in changed_places(pages[listed:], last[0][listed:]))]


def _months_of_entities(usage, entities) -> dict[str, tuple]:
    """`entity_months` of each entity by id: those the usage keeps are taken as they are, the others worked out."""
    ids = list(map(operator.attrgetter("id"), entities))
    months = list(map(usage.by_month.get, ids))
    for place in list(itertools.compress(itertools.count(), map(operator.is_, months, itertools.repeat(None)))):
        months[place] = entity_months(usage, ids[place])
    return dict(zip(ids, months))


def _events_by_article(events: list[PlacedEvent]) -> dict[str, tuple[EventView, ...]]:
    """The timeline events tied to each article, in timeline order (not its own publication)."""
    tied: dict[str, list[EventView]] = defaultdict(list)
    for event in events:
        if event.view.kind != PUBLICATION:
            for slug in event.article_slugs:
                tied[slug].append(event.view)
    return {slug: tuple(views) for slug, views in tied.items()}


def _planned_article_page(article, annotation, card, tag_links, entities, tied, related, settings, urls) -> PlannedPage:
    """The page of `_article_page`, made when it is rendered: until then the plan
    holds only the objects it is made from, which the build holds anyway (and
    a partial of them, a third the size of a closure; the date shared by the
    articles of one day)."""
    links, used = _article_links(article, tag_links), _article_entities(article, annotation, entities)
    make = functools.partial(article_page, article, annotation, card, links, used, tied, settings, urls, related)
    inputs = (article, annotation, card, links, used, tied, related)
    return PlannedPage(urls.article_path(article.slug), ARTICLE_TEMPLATE, sys.intern(article_modified(article)), make, inputs=inputs)


def _article_links(article, tag_links) -> dict[str, Link]:
    """The links of the article's tags, in the order it lists them."""
    return {slug: tag_links[slug] for slug in dict.fromkeys(slugify(t) for t in article.tags) if slug in tag_links}


def _article_entities(article, annotation, entities) -> dict:
    """The entities the article mentions or lists, by id."""
    involved = dict.fromkeys((*(m.entity_id for m in annotation.mentions), *article.entity_ids))
    return {i: entities[i] for i in involved if i in entities}


def _made_article_page(article, annotation, card, tag_links, entities, tied, related, settings, urls) -> Page:
    links, used = _article_links(article, tag_links), _article_entities(article, annotation, entities)
    return article_page(article, annotation, card, links, used, tied, settings, urls, related)


def _article_page(memo: PlanMemo, article, annotation, card, tag_links, entities, tied, related, settings, urls) -> Page:
    """`article_page`, given (and keyed by) only the tags and entities it reads,
    and the cards of its related articles (which an edit elsewhere can change).
    While no article, entity or tag name changed, the objects it is made from
    are the very ones of the last build, and that is all there is to check."""

    def involved() -> tuple[str, ...]:
        return tuple(dict.fromkeys((*(m.entity_id for m in annotation.mentions), *article.entity_ids)))

    def links() -> dict[str, Link]:
        return {slug: tag_links[slug] for slug in dict.fromkeys(slugify(t) for t in article.tags) if slug in tag_links}

    def key() -> tuple[tuple, tuple]:
        return (article, annotation, *(entities.get(i) for i in involved())), (card, tuple(links().items()), tied, related)

    def make() -> Page:
        return _made_article_page(article, annotation, card, tag_links, entities, tied, related, settings, urls)

    return memo.get_quick("article:" + article.slug, (article, annotation, entities, tag_links, *tied, *related), key, make)


def _citation_files(memo: PlanMemo, article, settings, urls) -> list[Page]:
    """`cite.bib` and `cite.json` of one article, keyed by what they say: an
    edit of the body alone leaves them as they are."""

    def citation():
        return article_citation(article, settings, urls, access_day(settings))

    def make() -> list[Page]:
        return citation_files(citation(), urls.article_path(article.slug))

    return memo.get_quick("citation:" + article.slug, (article,), lambda: ((), (citation(),)), make)


def _planned_citation_files(article, path: str, settings, urls) -> list[PlannedPage]:
    """The files of `_citation_files` beside the article's page at `path`, made when
    they are written, from the article alone (one partial each, one tuple of inputs
    for both: a single build plans two for every article)."""
    inputs = (article,)
    return [
        PlannedPage(path + name, "", "", functools.partial(_citation_file, article, path, index, settings, urls),
                    indexable=False, inputs=inputs)  # fmt: skip
        for index, name in enumerate(CITATION_FILES)
    ]


def _citation_file(article, path: str, index: int, settings, urls) -> Page:
    return citation_file(article_citation(article, settings, urls, access_day(settings)), path, index)


def _entity_pages(memo: PlanMemo, entity, usage, description, entity_events, cards, entities, urls) -> list[Page]:
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


def _planned_entity_pages(entity, usage, description, entity_events, packer: MentionPacker, entities, urls) -> list[PlannedPage]:
    """The pages of `_entity_pages`, made when they are written: the first one
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


def _planned_entity_feed(entity, mentioned, feed_entries, settings, urls) -> PlannedPage:
    """The feed of `_entity_feed`, made when it is written."""
    latest = tuple(feed_entries[a.slug] for a, _, _ in (mentioned or ())[:FEED_SIZE])
    make = lambda: entity_feed(entity, latest, settings, urls)  # noqa: E731
    return PlannedPage(urls.entity_feed_path(entity.id), FEED_TEMPLATE, "", make, indexable=False, inputs=(entity, latest))


def _entity_feed(memo: PlanMemo, entity, mentioned, feed_entries, settings, urls) -> Page:
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


def _glossary_page(memo: PlanMemo, archive, annotated, cards, entities, settings, urls) -> Page:
    """`glossary_page`, keyed by the terms, the entities and the cards of the
    articles that use each term, with their counts (see TermUses): an edit
    that uses no term anew keeps it."""
    used = memo.aggregates.setdefault("term uses", TermUses(_compared(memo))).update(archive.articles, annotated, cards)
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


def _open_data_pages(memo: PlanMemo, archive, annotations: Annotations, events, settings: Settings, urls: Urls, defer: bool) -> list[Page]:
    """The files of data/ and the /data/ page that documents them, keyed by
    their rows: made again when an entity or a timeline event changed, or an
    article's rows did (an edit of a body that moves no mention does not)."""
    rows = memo.aggregates.setdefault("open data rows", ArticleRowsIndex(_compared(memo))).update(archive, annotations.articles, urls)
    get = memo.get_later if defer else memo.get
    return get(
        "open data",
        (rows, *archive.entities),  # the very list of rows while no article's rows changed (ArticleRowsIndex copies it first)
        (tuple(annotations.timeline), tuple(events)),
        lambda: _make_open_data_pages(archive, annotations, events, rows, settings, urls),
    )


def _planned_open_data_pages(memo: PlanMemo, archive, annotations: Annotations, events, settings: Settings, urls: Urls) -> list[PlannedPage]:
    """The pages of `_open_data_pages`, made when they are written, from their
    rows: an edit that changes no article's rows (a body edited where it names
    no entity) keeps them. Each file is made alone (see _DataFilesOneAtATime)."""
    rows = memo.aggregates.setdefault("open data rows", ArticleRowsIndex(_compared(memo))).update(archive, annotations.articles, urls)
    inputs = (tuple(rows), archive.entities, annotations.timeline, tuple(events))
    group = _DataFilesOneAtATime(lambda names: data_files(archive, rows, annotations.timeline, events, urls, names), settings, urls)
    places = [(DATA_FOLDER + name, "", False, functools.partial(group.file, name)) for name in DATA_FILE_NAMES]
    places.append((DATA_FOLDER, DATA_TEMPLATE, True, group.page))
    return [PlannedPage(path, template, "", make, indexable=indexable, inputs=inputs) for path, template, indexable, make in places]


class _DataFilesOneAtATime:
    """The files of data/ and the page that documents them, for a single build.

    Each file is made alone when it is written, and let go with its bytes: what
    the process that writes them holds at once is the largest file, not all
    five with the texts they are made from (which grow with the articles: 40
    MiB at 4,000). The page is made from what is kept of each file, its size
    and first row; a file the process did not make is made for it first."""

    def __init__(self, make: Callable[[tuple[str, ...]], list[DataFile]], settings: Settings, urls: Urls):
        self.make, self.settings, self.urls = make, settings, urls
        self.known: dict[str, tuple[DataFile, int]] = {}  # by name: the file without its bytes, and their length

    def file(self, name: str) -> Page:
        (made,) = self.make((name,))
        self.known[name] = (dataclasses.replace(made, data=b""), len(made.data))
        return _data_file_page(made)

    def page(self) -> Page:
        for name in DATA_FILE_NAMES:
            if name not in self.known:
                self.file(name)
        files, sizes = zip(*map(self.known.__getitem__, DATA_FILE_NAMES))
        return _data_page(list(files), sizes, self.settings, self.urls)


def _make_open_data_pages(archive, annotations: Annotations, events, rows, settings: Settings, urls: Urls) -> list[Page]:
    files = data_files(archive, rows, annotations.timeline, events, urls)
    return [*map(_data_file_page, files), _data_page(files, None, settings, urls)]


def _data_file_page(file: DataFile) -> Page:
    return Page(path=DATA_FOLDER + file.name, template="", title="", description="", section="", indexable=False, literal=file.data)


def _data_page(files: list[DataFile], sizes, settings: Settings, urls: Urls) -> Page:
    """The /data/ page: what each file holds (the files' bytes are `sizes` long; None: as long as their data)."""
    return Page(
        path=DATA_FOLDER,
        template=DATA_TEMPLATE,
        title="Open data",
        description=f"The annotations of {settings.site.title} as JSON, CSV and SQLite files, with what each column means.",
        section="data",
        data={
            "files": data_file_views(files, urls, sizes),
            "licence": settings.data.licence,
            "licence_url": settings.data.licence_url,
        },
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
    updated = memo.aggregates.setdefault("feed date", FeedDate(_compared(memo))).update(archive.articles, settings)
    latest = tuple(feed_entries[a.slug] for a in archive.articles[:FEED_SIZE])
    return memo.get("site feed", (), (latest, updated), lambda: site_feed(archive.articles, settings, urls))


class SitemapEntries:
    """The address and date of every page the sitemap lists, worked out once per
    page object: a page the plan memo kept is the very object of the last build,
    and so is its entry, which also makes comparing the sitemap with the last
    one a comparison of identities. Kept in `PlanMemo.aggregates`, which
    forgets it when the URLs change.

    The entries are kept in the order of the pages, one per page (None for a
    page the sitemap does not list): while the plan has as many pages as the
    last, only the places holding another object are worked out again, found
    by comparing the two lists object by object (no page is looked at), but
    for a stretch of the plan whose changed places the plan knows (`known`:
    those of the articles' pages), which is not compared. While no entry
    changed, the sitemap is the very tuple of the last update."""

    def __init__(self) -> None:
        self.pages: list[Page | PlannedPage] = []  # the plan of the last update, whose first `listed` pages it listed
        self.listed = 0
        self.span: tuple[int, int] | None = None  # the stretch of those pages whose changes the plan knew
        self.entries: list[tuple[str, str] | None] = []  # changed in place: nobody else holds it
        self.sitemap: tuple[tuple[str, str], ...] = ()
        self.worked_out = 0  # pages whose entry the last update worked out
        self.moved: list[int] | None = None  # the places the last update found holding other objects (None: every page)

    def update(self, pages: list[Page | PlannedPage], urls: Urls, known: tuple[int, int, list[int] | None] | None = None) -> tuple[tuple[str, str], ...]:
        """The entries of `pages`, which the plan goes on to extend (the pages after them
        are not listed); `known`: (start, end, the places among pages[start:end] that
        hold other objects than the last plan's, or None when the plan does not know them)."""
        before, listed = self.pages, self.listed
        if len(pages) == listed and before:
            entries = self.entries
            if known is not None and known[2] is not None and known[:2] == self.span:
                start, end, inside = known
                places = [*changed_places(pages[:start], before[:start]), *(start + place for place in inside),
                          *(end + place for place in changed_places(pages[end:], before[end:listed]))]  # fmt: skip
            else:
                places = changed_places(pages, before[:listed])
            altered = False
            for place in places:
                entry = _sitemap_entry(pages[place], urls)
                if entry != entries[place]:
                    entries[place], altered = entry, True
            self.moved = places
        else:
            entries = list(map(_sitemap_entry, pages, itertools.repeat(urls)))
            places, self.moved, altered = range(len(pages)), None, True
        if altered:
            self.sitemap = tuple(filter(None, entries))
        self.pages, self.listed, self.span, self.entries, self.worked_out = pages, len(pages), known and known[:2], entries, len(places)
        return self.sitemap


def _sitemap_entry(page: Page | PlannedPage, urls: Urls) -> tuple[str, str] | None:
    listed = page.indexable and page.literal is None and (page.path == "" or page.path.endswith("/"))
    return (urls.absolute(page.path), page.modified) if listed else None


def _publishing_files(sitemap: tuple[tuple[str, str], ...], feed: Page, settings: Settings, urls: Urls) -> list[Page]:
    """What a host needs beside the pages: sitemap, robots.txt, feed, GitHub Pages markers."""
    files = [
        _host_file(".nojekyll", literal=""),
        _host_file("sitemap.xml", template="sitemap.xml", data={"entries": sitemap}),
        _host_file("robots.txt", template="robots.txt", data={"sitemap_url": urls.absolute("sitemap.xml")}),
        feed,
    ]
    if settings.site.cname:
        files.append(_host_file("CNAME", literal=settings.site.cname + "\n"))
    return files


def _host_file(path: str, *, template: str = "", data: dict | None = None, literal: str | None = None) -> Page:
    """A file for the host and for robots, not a page for readers: no title, no section, not in the sitemap."""
    return Page(path=path, template=template, title="", description="", section="", indexable=False, data=data or {}, literal=literal)
