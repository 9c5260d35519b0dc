"""The pages of single articles and entities, with their structured data.

An entity's first page says who or what it is, then when it was in the news
(how many articles, the first and last date, a chart by month or year), the
entities most often named with it and its latest EVENTS_SHOWN timeline
events (all of them on a page of their own when there are more); then,
on it and on pages of their own, the articles that mention or list it,
newest first, MENTIONS_PER_PAGE to a page, with the sentence of each first
mention. A bar of the chart leads to the first (newest) article of its
period in that list.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Mapping

from sitegen.model.escaping import json_for_script
from sitegen.model.models import Article, Entity
from sitegen.model.slugs import slugify
from sitegen.model.urls import Urls
from sitegen.pipeline.cards import (
    ArticleCard,
    EntityGroup,
    EntityLink,
    EventView,
    entity_cards_json,
    entity_link,
    group_by_kind,
)
from sitegen.pipeline.catalog import ENTITY_KIND_LABELS
from sitegen.pipeline.charts import bar_chart_svg, sparkline_svg
from sitegen.pipeline.citation import access_day, article_citation, meta_tags
from sitegen.pipeline.config import Settings
from sitegen.pipeline.history import History, Month, history, month_counts, period_of
from sitegen.pipeline.identifiers import (
    geo_coordinates,
    identifier_links,
    identifier_urls,
    map_link,
)
from sitegen.pipeline.site import Link, Page
from sitegen.pipeline.snippets import Snippet

MENTIONS_PER_PAGE = 100


EVENTS_SHOWN = 8  # a screenful: the latest ones; all of them on the entity's timeline page


PAGE_LINKS_AROUND = 2  # page links either side of the current page, besides the first and last


SCHEMA_TYPES = {"person": "Person", "organization": "Organization", "place": "Place", "event": "Event", "other": "Thing"}


@dataclass(frozen=True, slots=True)
class MentionView:
    """One article in an entity's "Mentioned in" list."""

    article: ArticleCard
    count: int  # 0 when the article only lists the entity
    snippet: Snippet | None
    anchor: str = ""  # on the first (newest) article of each period of the chart


@dataclass(frozen=True, slots=True)
class RoleView:
    title: str
    period: str


@dataclass(frozen=True, slots=True)
class PageLink:
    number: int  # 0 for a gap in the numbers
    url: str
    current: bool = False


@dataclass(frozen=True, slots=True)
class Pagination:
    number: int
    total: int
    previous_url: str
    next_url: str
    first_item: int = 0  # the numbers, from 1, of the first and last article on this page
    last_item: int = 0
    items: int = 0
    links: tuple[PageLink, ...] = ()  # the first, the last, and a few around this one


@dataclass(frozen=True, slots=True)
class ChartRow:
    label: str
    count: int
    url: str  # "" for a period without articles


@dataclass(frozen=True, slots=True)
class MentionChart:
    """An entity's articles over time: the drawing, its axis labels and its numbers."""

    svg: str
    unit: str  # "month" or "year"
    start: str  # the first and last period's short label
    end: str
    peak: int
    rows: tuple[ChartRow, ...]


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
    events: tuple[EventView, ...] = ()  # the latest EVENTS_SHOWN, in timeline order
    events_total: int = 0
    events_url: str = ""  # the page of all of them, when some are not shown
    url: str = ""  # the entity's first page
    newest: ArticleCard | None = None
    oldest: ArticleCard | None = None
    chart: MentionChart | None = None

    identifiers: tuple[Link, ...] = ()  # Wikidata and `same_as` pages
    map_link: Link | None = None  # the coordinates, on OpenStreetMap


@dataclass(frozen=True, slots=True)
class EntityEventsView:
    """The page of all an entity's timeline events."""

    name: str
    kind_label: str
    url: str  # the entity's first page
    events: tuple[EventView, ...]


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
    endnotes_html: str = ""
    entity_names: tuple[str, ...] = ()  # for the search filter, sorted
    reading_minutes: int = 0
    related: tuple[ArticleCard, ...] = ()  # "More on this story", best first


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
    same_as = identifier_urls(entity) + [url for _, url in entity.links]
    if same_as:
        data["sameAs"] = list(dict.fromkeys(same_as))
    if entity.coordinates is not None:
        data["geo"] = geo_coordinates(entity.coordinates)
    return json_for_script(data)


def article_page(article, annotation, card, tag_links, entities, events, settings, urls, related=()) -> Page:
    """The page of one article: byline and reading time, its annotated body,
    the entities it involves grouped by kind, its tags, its timeline events
    and the `related` articles' cards."""
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
        endnotes_html=annotation.endnotes_html,
        extra=article.extra,
        entity_groups=group_by_kind([entity_link(e, urls, counts.get(e.id, 0)) for e in involved]),
        events=events,
        year=article.date.day.year,
        entity_names=tuple(sorted({e.name for e in involved})),
        reading_minutes=annotation.reading_minutes,
        related=tuple(related),
    )
    citation = article_citation(article, settings, urls, access_day(settings))
    return Page(
        path=urls.article_path(article.slug),
        template=ARTICLE_TEMPLATE,
        title=article.title,
        description=article.summary or settings.site.description,
        section="archive",
        data={
            "article": view,
            "json_ld": article_json_ld(article, card, settings, urls, involved),
            "entity_cards": entity_cards_json((e.id for e in involved), entities, urls),
            "citation": citation,
            "head_meta": meta_tags(citation),
        },
        source_paths=(article.pos.path,),
        kind="article",
        modified=article_modified(article),
    )


ARTICLE_TEMPLATE = "article.html"


def article_modified(article) -> str:
    """The ISO date of an article's last change, as its page tells the sitemap."""
    return (article.updated or article.date).day.isoformat()


def entities_by_event(events) -> dict[str, list[EventView]]:
    """The timeline entries of each entity, in timeline order."""
    events_by_entity: dict[str, list[EventView]] = defaultdict(list)
    for event in events:
        for entity_id in sorted(event.entity_ids):
            events_by_entity[entity_id].append(event.view)
    return events_by_entity


def _in_the_news(name: str, history: History) -> str:
    """The text of a chart: the span with articles, and its busiest period."""
    first, last = (history.period(i).label for i in history.busy)
    peak, total = history.period(history.peak), sum(history.counts)
    articles = "1 article" if total == 1 else f"{total} articles"
    if first == last:
        return f"{articles} mentioning {name}, {first}."
    return f"{articles} mentioning {name}, from {first} to {last}; the most, {peak.count}, in {peak.label}."


def entity_index_page(archive, months: Mapping[str, tuple[tuple[Month, int], ...]], settings, urls) -> Page:
    """Every entity by kind, with its number of articles, its summary and a
    sparkline of its articles over the span of the whole archive, so that the
    lines can be compared."""
    index_links = [entity_link(e, urls, sum(n for _, n in months.get(e.id, ()))) for e in archive.entities]
    known = [month for counts in months.values() for month, _ in counts[:1] + counts[-1:]]
    span = (min(known), max(known)) if known else None
    sparklines = {}
    for entity in archive.entities:
        if months.get(entity.id):
            line = history(months[entity.id], span)
            sparklines[entity.id] = sparkline_svg(line, f"By {line.unit}: " + _in_the_news(entity.name, line))
    return Page(
        path=urls.entities_path(),
        template="entities.html",
        title="Entities",
        description=f"The people, organisations and places in {settings.site.title}.",
        section="entities",
        # No hover cards here: the index shows every summary itself.
        data={
            "groups": group_by_kind(index_links),
            "summaries": {e.id: e.summary for e in archive.entities},
            "sparklines": sparklines,
        },
    )


def page_links(number: int, total: int, url_of) -> tuple[PageLink, ...]:
    """Links to the first and last page and to PAGE_LINKS_AROUND pages either
    side of this one, with a gap (number 0) where pages are left out."""
    shown = sorted({1, total, *range(max(1, number - PAGE_LINKS_AROUND), min(total, number + PAGE_LINKS_AROUND) + 1)})
    links: list[PageLink] = []
    for n in shown:
        if links and n > links[-1].number + 1:
            links.append(PageLink(0, ""))
        links.append(PageLink(n, url_of(n), n == number))
    return tuple(links)


def _mention_chart(entity, mentioned, page_url) -> tuple[MentionChart | None, dict[int, str]]:
    """The chart of an entity's articles, and the anchor of the first article
    of each period, by its place in `mentioned` (newest first)."""
    line = history(month_counts(article.date.day for article, _, _ in mentioned))
    if line is None:
        return None, {}
    anchors: dict[int, str] = {}
    links: dict[str, str] = {}
    for index, (article, _, _) in enumerate(mentioned):
        key = period_of((article.date.day.year, article.date.day.month), line.unit)
        if key not in links:
            anchors[index] = f"mentions-{key}"
            links[key] = f"{page_url(index // MENTIONS_PER_PAGE + 1)}#mentions-{key}"
    text = _in_the_news(entity.name, line)
    svg = bar_chart_svg(line, links, f"Articles mentioning {entity.name}, by {line.unit}", text, "mention-chart")
    first, last = line.busy  # the table leaves out the widening of a short span
    rows = tuple(ChartRow(p.label, p.count, links.get(p.key, "")) for p in map(line.period, range(first, last + 1)))
    chart = MentionChart(svg, line.unit, line.period(0).short, line.period(len(line.counts) - 1).short, max(line.counts), rows)
    return chart, anchors


def _entity_page_count(mentions: int) -> int:
    return max(1, -(-mentions // MENTIONS_PER_PAGE))


def entity_page_places(entity_id: str, mentions: int, events: int, urls: Urls) -> list[tuple[str, str]]:
    """The path and template of each page `pages_of_entity` makes, in its order,
    for an entity that `mentions` articles mention and `events` events involve."""
    places = [(urls.entities_path(entity_id, number), "entity.html") for number in range(1, _entity_page_count(mentions) + 1)]
    if events > EVENTS_SHOWN:
        places.append((urls.entity_events_path(entity_id), "entity_events.html"))
    return places


def pages_of_entity(entity, mentioned, description, co, entity_events, cards, entities, urls) -> list[Page]:
    """The pages of one entity: the first, and more when many articles mention
    it, and the page of all its timeline events when the first shows only some.

    Reads `cards` of the articles in `mentioned` only, `mentioned`'s articles'
    dates, and `entities` of the entities in `co` and in the description only."""
    co_links = tuple(entity_link(entities[i], urls, n) for i, n in co)
    total_pages = _entity_page_count(len(mentioned))

    def page_url(number: int) -> str:
        return urls.url(urls.entities_path(entity.id, number))

    chart, anchors = _mention_chart(entity, mentioned, page_url)
    events_url = urls.url(urls.entity_events_path(entity.id)) if len(entity_events) > EVENTS_SHOWN else ""
    pages = []
    for number in range(1, total_pages + 1):
        first = (number - 1) * MENTIONS_PER_PAGE
        chunk = mentioned[first : first + MENTIONS_PER_PAGE]
        lead = number == 1  # only the first page says who or what the entity is
        view = EntityView(
            id=entity.id,
            name=entity.name,
            kind=entity.kind,
            kind_label=ENTITY_KIND_LABELS[entity.kind],
            summary=entity.summary,
            aliases=entity.aliases if lead else (),
            roles=tuple(RoleView(r.title, _period(r)) for r in entity.roles) if lead else (),
            links=tuple(Link(label, url) for label, url in entity.links) if lead else (),
            description_html=description.html if description and lead else "",
            article_count=len(mentioned),
            mentions=tuple(
                MentionView(cards[a.slug], count, snippet, anchors.get(first + i, ""))
                for i, (a, count, snippet) in enumerate(chunk)
            ),
            pagination=Pagination(
                number=number,
                total=total_pages,
                previous_url=page_url(number - 1) if number > 1 else "",
                next_url=page_url(number + 1) if number < total_pages else "",
                first_item=first + 1 if chunk else 0,
                last_item=first + len(chunk),
                items=len(mentioned),
                links=page_links(number, total_pages, page_url),
            ),
            co_mentions=co_links if lead else (),
            events=entity_events[-EVENTS_SHOWN:] if lead else (),
            events_total=len(entity_events),
            events_url=events_url,
            url=page_url(1),
            newest=cards[mentioned[0][0].slug] if mentioned else None,
            oldest=cards[mentioned[-1][0].slug] if mentioned else None,
            chart=chart if lead else None,
            identifiers=identifier_links(entity) if lead else (),
            map_link=map_link(entity) if lead else None,
        )
        card_ids = [entity.id, *(link.id for link in view.co_mentions), *(description.entity_ids if description and lead else ())]
        pages.append(
            Page(
                path=urls.entities_path(entity.id, number),
                template="entity.html",
                title=entity.name if lead else f"{entity.name}: articles {view.pagination.first_item}–{view.pagination.last_item}",
                description=entity.summary or f"{entity.name}: where the archive mentions it.",
                section="entities",
                data={
                    "entity": view,
                    "json_ld": entity_json_ld(entity, urls) if lead else "",
                    "entity_cards": entity_cards_json(card_ids, entities, urls),
                    "topic_feed": Link(entity.name, urls.url(urls.entity_feed_path(entity.id))),
                },
                source_paths=(entity.pos.path,),
            )
        )
    if events_url:
        pages.append(
            Page(
                path=urls.entity_events_path(entity.id),
                template="entity_events.html",
                title=f"{entity.name}: timeline",
                description=f"Every event of the timeline that involves {entity.name}.",
                section="entities",
                data={
                    "entity": EntityEventsView(entity.name, ENTITY_KIND_LABELS[entity.kind], page_url(1), entity_events),
                    "entity_cards": entity_cards_json([entity.id], entities, urls),
                },
                source_paths=(entity.pos.path,),
            )
        )
    return pages
