"""Atom feeds: the site's latest articles, and those of each entity and tag.

Every feed is the theme's `feed.xml` with its own data. Nothing in a feed
comes from the clock, so a rebuild of the same sources writes the same
bytes: an entry's id is the article's absolute URL, a feed's id is its own
URL (the site's feed keeps the site's URL, its id since the first release),
and a feed's `updated` is the newest date of what it lists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sitegen.model.models import Article, Entity
from sitegen.model.urls import Urls
from sitegen.pipeline.config import Settings
from sitegen.pipeline.site import Page

FEED_SIZE = 50  # entries in every feed, newest first
NO_TIME = "1970-01-01T00:00:00Z"  # the `updated` of an empty feed of a build with no fixed time


FEED_TEMPLATE = "feed.xml"


@dataclass(frozen=True, slots=True)
class FeedEntry:
    title: str
    url: str  # absolute: the entry's link and its id
    published: str  # RFC 3339
    updated: str
    summary: str
    authors: tuple[str, ...]


def atom_time(date) -> str:
    """RFC 3339 for Atom: a date alone is taken as midnight UTC, as written."""
    if date.moment is not None:
        return date.moment.isoformat()
    return f"{date.day.isoformat()}T00:00:00Z"


def feed_updated(articles: Sequence[Article], settings: Settings) -> str:
    """A feed's `updated`: the newest date any of `articles` gives (compared as
    instants); with none, the build's fixed time (SOURCE_DATE_EPOCH) when it
    has one, else the start of 1970: never the clock."""

    def instant(date) -> dt.datetime:
        return date.moment if date.moment else dt.datetime.combine(date.day, dt.time(), dt.timezone.utc)

    if articles:
        return atom_time(max((a.updated or a.date for a in articles), key=instant))
    return settings.build_time or NO_TIME


def feed_entry(article: Article, urls: Urls) -> FeedEntry:
    return FeedEntry(
        title=article.title,
        url=urls.absolute(urls.article_path(article.slug)),
        published=atom_time(article.date),
        updated=atom_time(article.updated or article.date),
        summary=article.summary,
        authors=article.authors,
    )


def newest_update(entries: Sequence[FeedEntry], settings: Settings) -> str:
    """The `updated` of a feed of `entries`: the newest of theirs, compared as instants."""
    if not entries:
        return feed_updated((), settings)
    return max(entries, key=lambda entry: dt.datetime.fromisoformat(entry.updated)).updated


def feed_page(
    path: str,
    title: str,
    description: str,
    entries: tuple[FeedEntry, ...],
    updated: str,
    feed_id: str,
    page_url: str,
    settings: Settings,
    urls: Urls,
) -> Page:
    """The feed at `path` of `entries` (newest first), for the page at `page_url`."""
    return Page(
        path=path,
        template=FEED_TEMPLATE,
        title=title,
        description=description,
        section="",
        indexable=False,  # not an HTML page: the sitemap leaves it out
        data={
            "entries": entries,
            "feed_id": feed_id,
            "feed_url": urls.absolute(path),
            "page_url": page_url,
            "updated": updated,
            "author_name": settings.site.author or settings.site.title,
        },
    )


def site_feed(articles: Sequence[Article], settings: Settings, urls: Urls) -> Page:
    """`feed.xml`: the latest articles of the whole archive, updated when any article last was."""
    base = settings.site.base_url
    entries = tuple(feed_entry(article, urls) for article in articles[:FEED_SIZE])
    return feed_page("feed.xml", settings.site.title, settings.site.description, entries, feed_updated(articles, settings), base, base, settings, urls)


def entity_feed(entity: Entity, entries: tuple[FeedEntry, ...], settings: Settings, urls: Urls) -> Page:
    """`entities/<id>/feed.xml`: the latest articles that mention or list the entity."""
    path = urls.entity_feed_path(entity.id)
    return feed_page(
        path,
        f"{settings.site.title}: {entity.name}",
        entity.summary or f"Articles of {settings.site.title} that mention {entity.name}.",
        entries,
        newest_update(entries, settings),
        urls.absolute(path),
        urls.absolute(urls.entity_path(entity.id)),
        settings,
        urls,
    )


def tag_feed(slug: str, name: str, entries: tuple[FeedEntry, ...], settings: Settings, urls: Urls) -> Page:
    """`tags/<slug>/feed.xml`: the latest articles tagged `name`."""
    path = urls.tag_feed_path(slug)
    return feed_page(
        path,
        f"{settings.site.title}: {name}",
        f"Articles of {settings.site.title} tagged {name}.",
        entries,
        newest_update(entries, settings),
        urls.absolute(path),
        urls.absolute(urls.tags_path(slug)),
        settings,
        urls,
    )
