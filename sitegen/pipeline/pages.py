"""Which pages exist, where they live, and the data each one is rendered from.

`plan_pages` is a pure function of the archive, the rendered fragments and
the settings. It decides every output path before anything is rendered, so
collisions are found before a single file is written.
"""

from __future__ import annotations

import datetime as dt
import os
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping

from anyascii import anyascii

from sitegen.model.dates import MONTHS
from sitegen.model.errors import Problems
from sitegen.model.escaping import json_for_script
from sitegen.model.models import ENTITY_KINDS, Archive, Article, Entity
from sitegen.model.slugs import slugify
from sitegen.model.urls import Urls
from sitegen.pipeline.annotate import AnnotatedArticle, Annotations
from sitegen.pipeline.catalog import ENTITY_KIND_LABELS
from sitegen.pipeline.config import Settings
from sitegen.pipeline.markdown import render_inline_markdown
from sitegen.pipeline.snippets import Snippet
from sitegen.pipeline.timeline import PUBLICATION, display_date

HOME_LATEST = 20
MENTIONS_PER_PAGE = 100
CO_MENTIONS_SHOWN = 10
SCHEMA_TYPES = {"person": "Person", "organization": "Organization", "place": "Place", "event": "Event", "other": "Thing"}


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class NavItem:
    key: str
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class SiteView:
    """What every template knows about the site."""

    title: str
    description: str
    language: str
    author: str
    home_url: str
    archive_url: str
    tags_url: str
    stylesheet_url: str
    script_url: str
    icon_url: str
    nav: tuple[NavItem, ...]
    search_url: str  # "" when the site has no search
    base_path: str
    site_url: str  # absolute base URL


@dataclass(frozen=True, slots=True)
class ArticleCard:
    """An article as listings show it."""

    slug: str
    title: str
    url: str
    date_iso: str
    date_display: str
    source: str
    summary: str


@dataclass(frozen=True, slots=True)
class EntityLink:
    id: str
    name: str
    kind: str
    url: str
    count: int = 0  # mentions, articles or co-mentions, by context


@dataclass(frozen=True, slots=True)
class EntityGroup:
    kind: str
    label: str
    entities: tuple[EntityLink, ...]


@dataclass(frozen=True, slots=True)
class MentionView:
    """One article in an entity's "Mentioned in" list."""

    article: ArticleCard
    count: int  # 0 when the article only lists the entity
    snippet: Snippet | None


@dataclass(frozen=True, slots=True)
class RoleView:
    title: str
    period: str


@dataclass(frozen=True, slots=True)
class Pagination:
    number: int
    total: int
    previous_url: str
    next_url: str


@dataclass(frozen=True, slots=True)
class EntityView:
    id: str
    name: str
    kind: str
    kind_label: str
    summary: str
    aliases: tuple[str, ...]
    roles: tuple[RoleView, ...]
    links: tuple[Link, ...]
    description_html: str
    article_count: int
    mentions: tuple[MentionView, ...]  # this page's share
    pagination: Pagination
    co_mentions: tuple[EntityLink, ...]
    events: tuple[EventView, ...] = ()


@dataclass(frozen=True, slots=True)
class EventView:
    anchor: str
    url: str  # the entry on the timeline page
    date_iso: str
    date_display: str
    title: str
    kind: str  # "event" or "publication"
    description_html: str
    entities: tuple[EntityLink, ...]
    articles: tuple[Link, ...]
    entity_ids: str  # space-separated, for the timeline filter
    entity_kinds: str  # space-separated


@dataclass(frozen=True, slots=True)
class TimelineYear:
    year: int
    anchor: str
    events: tuple[EventView, ...]


@dataclass(frozen=True, slots=True)
class TermView:
    id: str
    term: str
    definition_html: str
    aliases: tuple[str, ...]
    see: tuple[Link, ...]
    used_in: tuple[tuple[ArticleCard, int], ...]


@dataclass(frozen=True, slots=True)
class LetterGroup:
    letter: str
    anchor: str
    terms: tuple[TermView, ...]


@dataclass(frozen=True, slots=True)
class ArticleView:
    card: ArticleCard
    source_url: str
    authors: tuple[str, ...]
    tags: tuple[Link, ...]
    updated_iso: str
    updated_display: str
    body_html: str
    extra: Mapping[str, Any]
    entity_groups: tuple[EntityGroup, ...] = ()
    events: tuple[EventView, ...] = ()
    year: int = 0
    entity_names: tuple[str, ...] = ()  # for the search filter, sorted


@dataclass(frozen=True, slots=True)
class MonthGroup:
    anchor: str
    name: str
    articles: tuple[ArticleCard, ...]


@dataclass(frozen=True, slots=True)
class YearGroup:
    year: int
    url: str
    count: int
    months: tuple[MonthGroup, ...]


@dataclass(frozen=True, slots=True)
class TagView:
    name: str
    slug: str
    url: str
    articles: tuple[ArticleCard, ...]


@dataclass(frozen=True, slots=True)
class Page:
    """One output file: where it goes, which template, and the data it gets."""

    path: str  # site-relative page path: "", "articles/x/", "404.html"
    template: str
    title: str
    description: str
    section: str  # nav key of the section the page belongs to
    data: Mapping[str, Any] = field(default_factory=dict)
    source_paths: tuple[str, ...] = ()  # sources whose content the page shows
    indexable: bool = True  # False for pages search engines should not list (404)
    literal: str | None = None  # files with fixed content (.nojekyll, CNAME) skip templates
    kind: str = "website"  # Open Graph type
    modified: str = ""  # ISO date of the last change the content states, for the sitemap


def article_card(article: Article, urls: Urls) -> ArticleCard:
    return ArticleCard(
        slug=article.slug,
        title=article.title,
        url=urls.url(urls.article_path(article.slug)),
        date_iso=article.date.iso,
        date_display=article.date.display,
        source=article.source,
        summary=article.summary,
    )


def site_view(settings: Settings, urls: Urls) -> SiteView:
    return SiteView(
        title=settings.site.title,
        description=settings.site.description,
        language=settings.site.language,
        author=settings.site.author,
        home_url=urls.url(""),
        archive_url=urls.url(urls.archive_path()),
        tags_url=urls.url(urls.tags_path()),
        stylesheet_url=urls.asset("sitegen.css"),
        script_url=urls.asset("sitegen.js"),
        icon_url=urls.asset("favicon.svg"),
        search_url=urls.url(urls.search_path()) if settings.search.enabled else "",
        base_path=settings.base_path,
        site_url=settings.site.base_url,
        nav=(
            NavItem("home", "Home", urls.url("")),
            NavItem("archive", "Archive", urls.url(urls.archive_path())),
            NavItem("entities", "Entities", urls.url(urls.entities_path())),
            NavItem("timeline", "Timeline", urls.url(urls.timeline_path())),
            NavItem("glossary", "Glossary", urls.url(urls.glossary_path())),
            NavItem("tags", "Tags", urls.url(urls.tags_path())),
        ),
    )


def group_tags(articles: tuple[Article, ...], problems: Problems) -> dict[str, tuple[str, list[Article]]]:
    """Tags by slug: the display name is the alphabetically first spelling used."""
    names: dict[str, set[str]] = defaultdict(set)
    members: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        for tag in article.tags:
            slug = slugify(tag)
            if not slug:
                problems.warning(article.pos.path, article.pos.line, f"tag {tag!r} has no letters or digits to make a URL from; it is left out")
                continue
            names[slug].add(tag)
            members[slug].append(article)
    return {slug: (min(names[slug]), members[slug]) for slug in sorted(members)}


def _year_groups(articles: tuple[Article, ...], cards: dict[str, ArticleCard], urls: Urls) -> list[YearGroup]:
    by_year: dict[int, dict[int, list[ArticleCard]]] = defaultdict(lambda: defaultdict(list))
    for article in articles:  # already newest first
        by_year[article.date.day.year][article.date.day.month].append(cards[article.slug])
    groups = []
    for year in sorted(by_year, reverse=True):
        months = tuple(
            MonthGroup(anchor=f"{year}-{month:02d}", name=f"{MONTHS[month - 1]} {year}", articles=tuple(by_year[year][month]))
            for month in sorted(by_year[year], reverse=True)
        )
        groups.append(
            YearGroup(
                year=year,
                url=urls.url(urls.archive_path(year)),
                count=sum(len(m.articles) for m in months),
                months=months,
            )
        )
    return groups


@dataclass(frozen=True, slots=True)
class EntityUsage:
    """Who mentions or lists each entity, derived once from all annotated articles."""

    articles: dict[str, list[tuple[Article, int, Snippet | None]]]  # newest first
    co_mentions: dict[str, Counter]


def entity_usage(archive: Archive, annotated: Mapping[str, AnnotatedArticle]) -> EntityUsage:
    articles: dict[str, list[tuple[Article, int, Snippet | None]]] = defaultdict(list)
    co_mentions: dict[str, Counter] = defaultdict(Counter)
    for article in archive.articles:  # newest first
        mentions = {m.entity_id: m for m in annotated[article.slug].mentions}
        involved = sorted(set(mentions) | set(article.entity_ids))
        for entity_id in involved:
            mention = mentions.get(entity_id)
            articles[entity_id].append((article, mention.count if mention else 0, mention.snippet if mention else None))
            co_mentions[entity_id].update(other for other in involved if other != entity_id)
    return EntityUsage(dict(articles), dict(co_mentions))


def entity_link(entity: Entity, urls: Urls, count: int = 0) -> EntityLink:
    return EntityLink(entity.id, entity.name, entity.kind, urls.url(urls.entity_path(entity.id)), count)


def group_by_kind(links: list[EntityLink]) -> tuple[EntityGroup, ...]:
    by_kind: dict[str, list[EntityLink]] = defaultdict(list)
    for link in links:
        by_kind[link.kind].append(link)
    return tuple(
        EntityGroup(kind, ENTITY_KIND_LABELS[kind], tuple(sorted(by_kind[kind], key=lambda e: (e.name.casefold(), e.id))))
        for kind in ENTITY_KINDS
        if by_kind.get(kind)
    )


def entity_cards_json(entity_ids, entities: Mapping[str, Entity], urls: Urls) -> str:
    """The data behind the hover cards of the entity links on one page.

    The same text as `json_for_script` of the {id: card} mapping, assembled
    from per-entity pieces made once: many pages show the same entities.
    """
    pieces = [_card_piece(entities[i], urls) for i in sorted(set(entity_ids)) if i in entities]
    return "{" + ",".join(pieces) + "}" if pieces else ""


@lru_cache(maxsize=65536)
def _card_piece(entity: Entity, urls: Urls) -> str:
    card = {
        "name": entity.name,
        "kind": ENTITY_KIND_LABELS[entity.kind],
        "summary": entity.summary,
        "url": urls.url(urls.entity_path(entity.id)),
    }
    return json_for_script(entity.id) + ":" + json_for_script(card)


def _period(role) -> str:
    start = role.start.display if role.start else ""
    end = role.end.display if role.end else ""
    if start and end:
        return f"{start} – {end}"
    if start:
        return f"from {start}"
    return f"until {end}" if end else ""


def article_json_ld(article: Article, card: ArticleCard, settings: Settings, urls: Urls, mentioned: list[Entity]) -> str:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": article.date.iso,
        "url": urls.absolute(urls.article_path(article.slug)),
        "mainEntityOfPage": urls.absolute(urls.article_path(article.slug)),
    }
    if article.updated:
        data["dateModified"] = article.updated.iso
    if article.summary:
        data["description"] = article.summary
    if article.authors:
        data["author"] = [{"@type": "Person", "name": name} for name in article.authors]
    if article.source:
        data["publisher"] = {"@type": "Organization", "name": article.source}
    if article.url:
        data["isBasedOn"] = article.url
    if mentioned:
        data["mentions"] = [
            {"@type": SCHEMA_TYPES[e.kind], "name": e.name, "url": urls.absolute(urls.entity_path(e.id))} for e in mentioned
        ]
    return json_for_script(data)


def entity_json_ld(entity: Entity, urls: Urls) -> str:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": SCHEMA_TYPES[entity.kind],
        "name": entity.name,
        "url": urls.absolute(urls.entity_path(entity.id)),
    }
    if entity.summary:
        data["description"] = entity.summary
    if entity.aliases:
        data["alternateName"] = list(entity.aliases)
    if entity.links:
        data["sameAs"] = [url for _, url in entity.links]
    return json_for_script(data)


def plan_pages(archive: Archive, annotations: Annotations, settings: Settings, problems: Problems) -> list[Page]:
    urls = Urls(settings.site.base_url, settings.base_path)
    annotated = annotations.articles
    cards = {a.slug: article_card(a, urls) for a in archive.articles}
    entities = {e.id: e for e in archive.entities}
    usage = entity_usage(archive, annotated)
    events = _event_views(annotations, entities, cards, urls)
    pages: list[Page] = []
    years = _year_groups(archive.articles, cards, urls)
    tags = group_tags(archive.articles, problems)
    tag_links = {slug: Link(name, urls.url(urls.tags_path(slug))) for slug, (name, _) in tags.items()}

    pages.append(
        Page(
            path="",
            template="home.html",
            title=settings.site.title,
            description=settings.site.description,
            section="home",
            data={
                "latest": tuple(cards[a.slug] for a in archive.articles[:HOME_LATEST]),
                "counts": {
                    "articles": len(archive.articles),
                    "entities": len(archive.entities),
                    "terms": len(archive.terms),
                    "events": len(archive.events),
                    "tags": len(tags),
                },
                "years": tuple(years),
            },
        )
    )
    events_by_article: dict[str, list[EventView]] = defaultdict(list)
    for event in events:
        if event.view.kind != PUBLICATION:
            for slug in event.article_slugs:
                events_by_article[slug].append(event.view)
    for article in archive.articles:
        tied = tuple(events_by_article.get(article.slug, ()))
        pages.append(
            _article_page(article, annotated[article.slug], cards[article.slug], tag_links, entities, tied, settings, urls)
        )
    pages += _entity_pages(archive, usage, annotations.entity_descriptions, events, cards, settings, urls)
    pages.append(_timeline_page(events, entities, settings, urls))
    pages.append(_glossary_page(archive, annotated, cards, entities, settings, urls))
    pages += _archive_pages(archive, years, settings, urls)
    pages += _tag_pages(tags, tag_links, cards, settings, urls)
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
    return pages


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


def _article_page(article, annotation, card, tag_links, entities, events, settings, urls) -> Page:
    counts = {m.entity_id: m.count for m in annotation.mentions}
    involved = [entities[i] for i in dict.fromkeys((*counts, *article.entity_ids)) if i in entities]
    view = ArticleView(
        card=card,
        source_url=article.url,
        authors=article.authors,
        tags=tuple(tag_links[s] for s in dict.fromkeys(slugify(t) for t in article.tags) if s in tag_links),
        updated_iso=article.updated.iso if article.updated else "",
        updated_display=article.updated.display if article.updated else "",
        body_html=annotation.body_html,
        extra=article.extra,
        entity_groups=group_by_kind([entity_link(e, urls, counts.get(e.id, 0)) for e in involved]),
        events=events,
        year=article.date.day.year,
        entity_names=tuple(sorted({e.name for e in involved})),
    )
    return Page(
        path=urls.article_path(article.slug),
        template="article.html",
        title=article.title,
        description=article.summary or settings.site.description,
        section="archive",
        data={
            "article": view,
            "json_ld": article_json_ld(article, card, settings, urls, involved),
            "entity_cards": entity_cards_json((e.id for e in involved), entities, urls),
        },
        source_paths=(article.pos.path,),
        kind="article",
        modified=(article.updated or article.date).day.isoformat(),
    )


def _entity_pages(archive, usage: EntityUsage, descriptions, events, cards, settings, urls) -> list[Page]:
    entities = {e.id: e for e in archive.entities}
    events_by_entity: dict[str, list[EventView]] = defaultdict(list)
    for event in events:
        for entity_id in sorted(event.entity_ids):
            events_by_entity[entity_id].append(event.view)
    pages = []
    index_links = []
    for entity in archive.entities:
        mentioned = usage.articles.get(entity.id, [])
        description = descriptions.get(entity.id)
        index_links.append(entity_link(entity, urls, len(mentioned)))
        co = sorted(usage.co_mentions.get(entity.id, Counter()).items(), key=lambda item: (-item[1], item[0]))
        co_links = tuple(entity_link(entities[i], urls, n) for i, n in co[:CO_MENTIONS_SHOWN])
        entity_events = tuple(events_by_entity.get(entity.id, ()))
        total_pages = max(1, -(-len(mentioned) // MENTIONS_PER_PAGE))
        for number in range(1, total_pages + 1):
            chunk = mentioned[(number - 1) * MENTIONS_PER_PAGE : number * MENTIONS_PER_PAGE]
            view = EntityView(
                id=entity.id,
                name=entity.name,
                kind=entity.kind,
                kind_label=ENTITY_KIND_LABELS[entity.kind],
                summary=entity.summary,
                aliases=entity.aliases,
                roles=tuple(RoleView(r.title, _period(r)) for r in entity.roles),
                links=tuple(Link(label, url) for label, url in entity.links),
                description_html=description.html if description else "",
                article_count=len(mentioned),
                mentions=tuple(MentionView(cards[a.slug], count, snippet) for a, count, snippet in chunk),
                pagination=Pagination(
                    number=number,
                    total=total_pages,
                    previous_url=urls.url(urls.entities_path(entity.id, number - 1)) if number > 1 else "",
                    next_url=urls.url(urls.entities_path(entity.id, number + 1)) if number < total_pages else "",
                ),
                co_mentions=co_links,
                events=entity_events if number == 1 else (),
            )
            card_ids = [entity.id, *(link.id for link in co_links), *(description.entity_ids if description else ())]
            pages.append(
                Page(
                    path=urls.entities_path(entity.id, number),
                    template="entity.html",
                    title=entity.name if number == 1 else f"{entity.name} (page {number} of {total_pages})",
                    description=entity.summary or f"{entity.name}: where the archive mentions it.",
                    section="entities",
                    data={
                        "entity": view,
                        "json_ld": entity_json_ld(entity, urls) if number == 1 else "",
                        "entity_cards": entity_cards_json(card_ids, entities, urls),
                    },
                    source_paths=(entity.pos.path,),
                )
            )
    pages.insert(
        0,
        Page(
            path=urls.entities_path(),
            template="entities.html",
            title="Entities",
            description=f"The people, organisations and places in {settings.site.title}.",
            section="entities",
            # No hover cards here: the index shows every summary itself.
            data={"groups": group_by_kind(index_links), "summaries": {e.id: e.summary for e in archive.entities}},
        ),
    )
    return pages


@dataclass(frozen=True, slots=True)
class _PlacedEvent:
    """An event view with the keys pages select events by."""

    view: EventView
    entity_ids: frozenset[str]  # named by the event or mentioned in its description
    article_slugs: tuple[str, ...]
    year: int


def _event_views(annotations: Annotations, entities, cards, urls: Urls) -> list[_PlacedEvent]:
    timeline_url = urls.url(urls.timeline_path())
    placed = []
    for entry in annotations.timeline:
        event = entry.event
        fragment = annotations.event_descriptions.get(entry.anchor)
        ids = [i for i in dict.fromkeys((*event.entity_ids, *(fragment.entity_ids if fragment else ()))) if i in entities]
        linked = tuple(sorted((entity_link(entities[i], urls) for i in ids), key=lambda e: (e.name.casefold(), e.id)))
        view = EventView(
            anchor=entry.anchor,
            url=f"{timeline_url}#{entry.anchor}",
            date_iso=event.date.iso,
            date_display=display_date(event.date, event.end, event.circa),
            title=event.title,
            kind=entry.kind,
            description_html=fragment.html if fragment else "",
            entities=linked,
            articles=tuple(Link(cards[slug].title, cards[slug].url) for slug in event.article_slugs if slug in cards),
            entity_ids=" ".join(sorted(ids)),
            entity_kinds=" ".join(sorted({entities[i].kind for i in ids})),
        )
        placed.append(_PlacedEvent(view, frozenset(ids), event.article_slugs, event.date.year))
    return placed


def _timeline_page(events: list[_PlacedEvent], entities, settings, urls) -> Page:
    by_year: dict[int, list[EventView]] = defaultdict(list)
    for event in events:
        by_year[event.year].append(event.view)
    years = tuple(TimelineYear(year, f"year-{year}", tuple(by_year[year])) for year in sorted(by_year))
    named = sorted({i for event in events for i in event.entity_ids}, key=lambda i: (entities[i].name.casefold(), i))
    kinds = [kind for kind in ENTITY_KINDS if any(entities[i].kind == kind for i in named)]
    return Page(
        path=urls.timeline_path(),
        template="timeline.html",
        title="Timeline",
        description=f"Dated events of {settings.site.title}, with the people, places and articles they involve.",
        section="timeline",
        data={
            "years": years,
            "filter_kinds": tuple(Link(ENTITY_KIND_LABELS[k], k) for k in kinds),
            "filter_entities": tuple(entity_link(entities[i], urls) for i in named),
            "entity_cards": entity_cards_json(named, entities, urls),
        },
    )


def _glossary_letter(term: str) -> str:
    first = slugify(term[:1]).upper()[:1]
    return first if "A" <= first <= "Z" else "#"


def _glossary_order(term) -> tuple:
    """Alphabetical as the letter headings see it: "Émir" between "Eid" and "Ezidi"."""
    return (anyascii(unicodedata.normalize("NFKC", term.term)).casefold(), term.term.casefold(), term.id)


def _glossary_page(archive, annotated, cards, entities, settings, urls) -> Page:
    terms = {t.id: t for t in archive.terms}
    used_in: dict[str, list[tuple[ArticleCard, int]]] = defaultdict(list)
    for article in archive.articles:  # newest first
        for term_id, count in annotated[article.slug].terms:
            used_in[term_id].append((cards[article.slug], count))
    glossary_url = urls.url(urls.glossary_path())

    def see_link(ref: str) -> Link:
        if ref in entities:
            return Link(entities[ref].name, urls.url(urls.entity_path(ref)))
        return Link(terms[ref].term, f"{glossary_url}#{ref}")

    views = [
        TermView(
            id=term.id,
            term=term.term,
            definition_html=render_inline_markdown(term.definition),
            aliases=term.aliases,
            see=tuple(see_link(ref) for ref in term.see if ref in entities or ref in terms),
            used_in=tuple(used_in.get(term.id, ())),
        )
        for term in sorted(archive.terms, key=_glossary_order)
    ]
    groups: dict[str, list[TermView]] = defaultdict(list)
    for view in views:
        groups[_glossary_letter(view.term)].append(view)
    letters = [*(chr(c) for c in range(ord("A"), ord("Z") + 1)), "#"]
    # Structural ids, here and in the base layout, use "_", which term ids
    # (slugs) never contain, so a term called "Site search query" or
    # "Letter A" cannot collide with them.
    letter_groups = tuple(
        LetterGroup(letter, "letter_" + ("other" if letter == "#" else letter.lower()), tuple(groups[letter]))
        for letter in letters
        if groups.get(letter)
    )
    anchors = {group.letter: group.anchor for group in letter_groups}
    return Page(
        path=urls.glossary_path(),
        template="glossary.html",
        title="Glossary",
        description=f"Ranks, abbreviations and terms used in {settings.site.title}, explained.",
        section="glossary",
        data={
            "groups": letter_groups,
            # The jump bar: every letter, linked where terms exist.
            "letters": tuple(Link(letter, f"#{anchors[letter]}" if letter in anchors else "") for letter in letters),
            "entity_cards": entity_cards_json([r for t in archive.terms for r in t.see if r in entities], entities, urls),
        },
    )


def _archive_pages(archive, years, settings, urls) -> list[Page]:
    pages = [
        Page(
            path=urls.archive_path(),
            template="archive.html",
            title="Archive",
            description=f"All {len(archive.articles)} articles of {settings.site.title}, by year and month.",
            section="archive",
            data={"years": tuple(years)},
        )
    ]
    for group in years:
        pages.append(
            Page(
                path=urls.archive_path(group.year),
                template="archive_year.html",
                title=f"Archive {group.year}",
                description=f"Articles of {group.year} in {settings.site.title}.",
                section="archive",
                data={"year": group, "years": tuple(years)},
            )
        )
    return pages


def _tag_pages(tags, tag_links, cards, settings, urls) -> list[Page]:
    tag_views = [
        TagView(name=name, slug=slug, url=tag_links[slug].url, articles=tuple(cards[a.slug] for a in members))
        for slug, (name, members) in tags.items()
    ]
    pages = [
        Page(
            path=urls.tags_path(),
            template="tags.html",
            title="Tags",
            description=f"Tags of {settings.site.title}.",
            section="tags",
            data={"tags": tuple(sorted(tag_views, key=lambda t: (t.name.casefold(), t.slug)))},
        )
    ]
    for tag in tag_views:
        pages.append(
            Page(
                path=urls.tags_path(tag.slug),
                template="tag.html",
                title=f"Tag: {tag.name}",
                description=f"Articles tagged {tag.name}.",
                section="tags",
                data={"tag": tag},
            )
        )
    return pages
