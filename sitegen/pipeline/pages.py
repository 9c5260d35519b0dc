"""Which pages exist, where they live, and the data each one is rendered from.

`plan_pages` is a pure function of the archive, the rendered fragments and
the settings. It decides every output path before anything is rendered, so
collisions are found before a single file is written. The pages themselves
are made in `views.py` (articles, entities) and `listings.py` (archive,
tags, timeline, glossary); the files a host needs beside them (sitemap,
robots.txt, feed) are made here.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict

from sitegen.model.errors import Problems
from sitegen.model.models import Archive
from sitegen.model.urls import Urls
from sitegen.pipeline.annotate import Annotations
from sitegen.pipeline.cards import EventView, article_card, event_views
from sitegen.pipeline.config import Settings
from sitegen.pipeline.listings import archive_pages, glossary_page, group_tags, tag_pages, timeline_page, year_groups
from sitegen.model.slugs import slugify
from sitegen.pipeline.site import Link, Page, PlanMemo
from sitegen.pipeline.related import RelatedIndex
from sitegen.pipeline.timeline import PUBLICATION
from sitegen.pipeline.views import (
    article_page,
    entities_by_event,
    entity_index_page,
    EntityUsageIndex,
    pages_of_entity,
    top_co_mentions,
)

HOME_LATEST = 20


def plan_pages(
    archive: Archive, annotations: Annotations, settings: Settings, problems: Problems, memo: PlanMemo | None = None
) -> list[Page]:
    """Every page. With a `memo` of the last build, the pages of articles and
    entities whose inputs did not change are that build's own objects."""
    urls = Urls(settings.site.base_url, settings.base_path)
    memo = memo if memo is not None else PlanMemo()
    memo.begin(settings, urls)
    annotated = annotations.articles
    cards = {a.slug: article_card(a, urls) for a in archive.articles}
    entities = {e.id: e for e in archive.entities}
    usage = memo.aggregates.setdefault("entity usage", EntityUsageIndex()).update(archive, annotated)
    events = event_views(annotations, entities, cards, urls)
    pages: list[Page] = []
    years = year_groups(archive.articles, cards, urls)
    tags = group_tags(archive.articles, problems, {e.id: e.name for e in archive.entities})
    tag_links = {slug: Link(name, urls.url(urls.tags_path(slug))) for slug, (name, _) in tags.items()}

    # The listings by year are kept while the years' cards are equal: all of them are on every year's page.
    latest = tuple(cards[a.slug] for a in archive.articles[:HOME_LATEST])
    counts = (len(archive.articles), len(archive.entities), len(archive.terms), len(archive.events), len(tags))
    pages.append(memo.get("home", (), (latest, counts, tuple(years)), lambda: _home_page(latest, counts, years, settings, urls)))
    events_by_article: dict[str, list[EventView]] = defaultdict(list)
    for event in events:
        if event.view.kind != PUBLICATION:
            for slug in event.article_slugs:
                events_by_article[slug].append(event.view)
    related = memo.aggregates.setdefault("related", RelatedIndex()).update(archive.articles, usage.involved, usage.articles)
    for article in archive.articles:
        more = tuple(cards[slug] for slug in related[article.slug])
        pages.append(_article_page(memo, article, annotated[article.slug], cards[article.slug], tag_links, entities,
                                   tuple(events_by_article.get(article.slug, ())), more, settings, urls))  # fmt: skip
    mention_counts = tuple(len(usage.articles.get(e.id, ())) for e in archive.entities)
    pages.append(memo.get("entities", archive.entities, mention_counts, lambda: entity_index_page(archive, usage, settings, urls)))
    events_by_entity = entities_by_event(events)
    for entity in archive.entities:
        pages += _entity_pages(memo, entity, usage, annotations.entity_descriptions.get(entity.id),
                               tuple(events_by_entity.get(entity.id, ())), cards, entities, urls)  # fmt: skip
    pages.append(timeline_page(events, entities, settings, urls))
    pages.append(glossary_page(archive, annotated, cards, entities, settings, urls))
    pages += memo.get("archive", (), (len(archive.articles), tuple(years)), lambda: archive_pages(archive, years, settings, urls))
    tagged = tuple((slug, name, tuple(cards[a.slug] for a in members)) for slug, (name, members) in tags.items())
    pages += memo.get("tags", (), (tagged, tuple(tag_links.items())), lambda: tag_pages(tags, tag_links, cards, settings, urls))
    pages.append(
        Page(
            path="404.html",
            template="404.html",
            title="Page not found",
            description="This page does not exist.",
            section="",
            indexable=False,
        )
    )
    if settings.search.enabled:
        pages.append(
            Page(
                path=urls.search_path(),
                template="search.html",
                title="Search",
                description=f"Search {settings.site.title}.",
                section="search",
                data={"bundle_url": urls.url("pagefind/")},
            )
        )
    pages += _publishing_files(archive, pages, settings, urls)
    memo.end()
    return pages


def _article_page(memo: PlanMemo, article, annotation, card, tag_links, entities, tied, related, settings, urls) -> Page:
    """`article_page`, given (and keyed by) only the tags and entities it reads,
    and the cards of its related articles (which an edit elsewhere can change)."""
    slugs = tuple(dict.fromkeys(slugify(t) for t in article.tags))
    links = {slug: tag_links[slug] for slug in slugs if slug in tag_links}
    involved = tuple(dict.fromkeys((*(m.entity_id for m in annotation.mentions), *article.entity_ids)))
    used = {i: entities[i] for i in involved if i in entities}
    return memo.get(
        "article:" + article.slug,
        (article, annotation, *(entities.get(i) for i in involved)),
        (card, tuple(links.items()), tied, related),
        lambda: article_page(article, annotation, card, links, used, tied, settings, urls, related),
    )


def _entity_pages(memo: PlanMemo, entity, usage, description, entity_events, cards, entities, urls) -> list[Page]:
    """`pages_of_entity`, keyed by everything it reads."""
    mentioned = usage.articles.get(entity.id, [])
    co = top_co_mentions(usage, entity.id)
    shown = (*(i for i, _ in co), *(description.entity_ids if description else ()))
    return memo.get(
        "entity:" + entity.id,
        (entity, description, *(a for a, _, _ in mentioned), *(s for _, _, s in mentioned), *(entities.get(i) for i in shown)),
        (tuple(c for _, c, _ in mentioned), tuple(cards[a.slug] for a, _, _ in mentioned), tuple(co), entity_events),
        lambda: pages_of_entity(entity, mentioned, description, co, entity_events, cards, entities, urls),
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


FEED_SIZE = 50


def atom_time(date) -> str:
    """RFC 3339 for Atom: a date alone is taken as midnight UTC, as written."""
    if date.moment is not None:
        return date.moment.isoformat()
    return f"{date.day.isoformat()}T00:00:00Z"


def _publishing_files(archive: Archive, pages: list[Page], settings: Settings, urls: Urls) -> list[Page]:
    """What a host needs beside the pages: sitemap, robots.txt, feed, GitHub Pages markers."""
    sitemap = tuple(
        (urls.absolute(page.path), page.modified)
        for page in pages
        if page.indexable and page.literal is None and (page.path == "" or page.path.endswith("/"))
    )
    latest = archive.articles[:FEED_SIZE]
    entries = tuple(
        {
            "title": article.title,
            "url": urls.absolute(urls.article_path(article.slug)),
            "published": atom_time(article.date),
            "updated": atom_time(article.updated or article.date),
            "summary": article.summary,
            "authors": article.authors,
        }
        for article in latest
    )
    files = [
        Page(path=".nojekyll", template="", title="", description="", section="", indexable=False, literal=""),
        Page(
            path="sitemap.xml",
            template="sitemap.xml",
            title="",
            description="",
            section="",
            indexable=False,
            data={"entries": sitemap},
        ),
        Page(
            path="robots.txt",
            template="robots.txt",
            title="",
            description="",
            section="",
            indexable=False,
            data={"sitemap_url": urls.absolute("sitemap.xml")},
        ),
        Page(
            path="feed.xml",
            template="feed.xml",
            title=settings.site.title,
            description=settings.site.description,
            section="",
            indexable=False,
            data={
                "entries": entries,
                "feed_url": urls.absolute("feed.xml"),
                "updated": _feed_updated(archive.articles),
                "author_name": settings.site.author or settings.site.title,
            },
        ),
    ]
    if settings.site.cname:
        files.append(
            Page(path="CNAME", template="", title="", description="", section="", indexable=False, literal=settings.site.cname + "\n")
        )
    return files


def _feed_updated(articles) -> str:
    """The feed's `updated`: the newest date any article gives (compared as
    instants); with no article, SOURCE_DATE_EPOCH when set, never the clock."""

    def instant(date) -> dt.datetime:
        return date.moment if date.moment else dt.datetime.combine(date.day, dt.time(), dt.timezone.utc)

    if articles:
        return atom_time(max((a.updated or a.date for a in articles), key=instant))
    seconds = int(os.environ.get("SOURCE_DATE_EPOCH", "0") or 0)
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
