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

import heapq
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from sitegen.model.escaping import json_for_script
from sitegen.model.dates import PublicationDate
from sitegen.model.models import Archive, Article, Entity
from sitegen.model.slugs import slugify
from sitegen.model.urls import Urls
from sitegen.pipeline.annotate import AnnotatedArticle
from sitegen.pipeline.cards import (
    ArticleCard,
    ArticleComparisons,
    annotations_by_place,
    annotations_moved,
    articles_changed,
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
from sitegen.pipeline.identifiers import geo_coordinates, identifier_links, identifier_urls, map_link
from sitegen.pipeline.site import Link, Page
from sitegen.pipeline.snippets import Snippet


MENTIONS_PER_PAGE = 100


CO_MENTIONS_SHOWN = 10


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


@dataclass(frozen=True, slots=True)
class ListedArticle:
    """An article as the lists of the entities it involves hold it: what
    their pages show of it (its card, found by its slug, and its date, which
    their charts count it by), not the article itself. Two are equal while
    the pages show them alike, which the pages' keys in the plan memo rely on.

    A process forked to render entity pages reads every row it shows, and
    reading an object writes to it (to count references): rows that held the
    whole article and its annotation made each such process copy much of the
    build's memory, where these make it copy little."""

    slug: str
    date: PublicationDate
    card: ArticleCard | None  # None for `entity_usage`, which is given no cards


@dataclass(frozen=True, slots=True)
class EntityUsage:
    """Who mentions or lists each entity, derived once from all annotated articles."""

    articles: dict[str, list[tuple[ListedArticle, int, Snippet | None]]]  # newest first
    co_mentions: dict[str, Counter]
    top: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # the CO_MENTIONS_SHOWN first of each, when known
    months: dict[str, Counter] = field(default_factory=dict)  # of each entity, its articles by (year, month)
    involved: dict[str, tuple[str, ...]] = field(default_factory=dict)  # by article slug: the entity ids, sorted
    by_month: dict[str, tuple] = field(default_factory=dict)  # `entity_months` of each, when known


def entity_usage(archive: Archive, annotated: Mapping[str, AnnotatedArticle]) -> EntityUsage:
    return EntityUsageIndex().update(archive, annotated, {}, {})  # a new index keeps no rows: no cards needed


def entities_involved(article: Article, mentioned: Iterable[str]) -> tuple[str, ...]:
    """The ids of the entities an article involves, sorted: those it mentions (`mentioned`) and those it lists."""
    return tuple(sorted({*mentioned, *article.entity_ids}))


def _usage_of(article: Article, annotation: AnnotatedArticle, card: ArticleCard | None) -> tuple[tuple[str, ...], tuple]:
    """The entities one article involves, sorted, and its row in each one's list."""
    mentions = {m.entity_id: m for m in annotation.mentions}
    involved = entities_involved(article, mentions)
    listed = ListedArticle(article.slug, article.date, card)  # one for all its rows
    rows = tuple(
        (entity_id, (listed, mentions[entity_id].count, mentions[entity_id].snippet) if entity_id in mentions else (listed, 0, None))
        for entity_id in involved
    )
    return involved, rows


class EntityUsageIndex:
    """`entity_usage`, kept up to date from the articles that changed.

    Each article's part (the entities it involves, its row in their lists) is
    kept with the very article and annotation objects it was made from; the
    co-mention counts and the counts by month are sums over articles, so an
    article that changed, appeared or went away has its old part taken out
    and its new part added.
    The list of an entity's articles is made again only when one of its
    articles changed (in archive order, merged with the rows kept); the others
    are the very lists of the last build, which the pages keyed on them read
    as unchanged without looking inside.

    An article whose date, entities, card and feed entry (which the lists are
    shown with) did not change keeps every row whose count and sentence are
    the same: an edit of a sentence that an entity's page does not quote
    changes neither that entity's list nor its pages. Such a row still holds
    what it was made from of an earlier version with the same slug and date:
    a row holds those only (see ListedArticle).
    """

    def __init__(self, comparisons: ArticleComparisons | None = None) -> None:
        self.comparisons = comparisons  # shared with the plan's other indexes (see ArticleComparisons)
        # by slug: (article, annotation, the entities it involves, its rows, its card, its feed entry)
        self.parts: dict[str, tuple[Article, AnnotatedArticle, tuple[str, ...], tuple, Any, Any]] = {}
        self.co_mentions: dict[str, Counter] = defaultdict(Counter)
        self.top: dict[str, list[tuple[str, int]]] = {}  # by entity; dropped when its counts change
        self.months: dict[str, Counter] = defaultdict(Counter)
        self.by_month: dict[str, tuple] = {}  # by entity; dropped when its counts change
        self.lists: dict[str, list[tuple[ListedArticle, int, Snippet | None]]] = {}  # by entity, newest first
        self.involved: dict[str, tuple[str, ...]] = {}  # by article slug
        self.articles: tuple[Article, ...] | None = None  # those of the last update, and their annotations
        self.annotations: list[AnnotatedArticle] = []
        self.position: dict[str, int] | None = None  # of each slug in `articles`, when worked out
        self.looked_at = 0  # articles the last update looked at

    def update(self, archive: Archive, annotated: Mapping[str, AnnotatedArticle], cards: Mapping, entries: Mapping) -> EntityUsage:
        """The usage of the archive's entities; `cards` and `entries` are the
        articles' cards and feed entries by slug, which the lists are shown with."""
        try:
            return self._update(archive, annotated, cards, entries)
        except BaseException:
            self.__init__(self.comparisons)  # a half-applied change must not be built on
            raise

    def _update(self, archive: Archive, annotated: Mapping[str, AnnotatedArticle], cards: Mapping, entries: Mapping) -> EntityUsage:
        articles = archive.articles
        annotations = annotations_by_place(articles, annotated, self.comparisons)
        places = articles_changed(articles, self.articles, self.comparisons)
        if places is not None:
            # The same slugs in the same order: only the places holding another article or annotation
            # are looked at, and the parts of the others are left where they are.
            places = sorted({*places, *annotations_moved(annotations, self.annotations, self.comparisons)})
            examined = [articles[place] for place in places]
            parts, before = self.parts, {article.slug: self.parts[article.slug] for article in examined}
        else:
            examined, parts, before = articles, {}, self.parts
            self.position = None
        self.articles, self.annotations, self.looked_at = articles, annotations, len(examined)
        changed: list[str] = []  # slugs whose part is new
        relisted: list[str] = []  # slugs counted as before, with a row changed in some lists
        touched: set[str] = set()  # the entities whose lists are made again
        for article in examined:
            slug = article.slug
            annotation = annotated[slug]
            old = before.get(slug)
            if old is not None and old[0] is article and old[1] is annotation:
                parts[slug] = old
                continue
            card = cards.get(slug)
            new = (article, annotation, *_usage_of(article, annotation, card), card, entries.get(slug))
            if old is not None and _counts_alike(old, new):
                # Counted as before: only the lists whose row of it changed are made again.
                rows = tuple(o if o[1][1:] == n[1][1:] else n for o, n in zip(old[3], new[3]))  # counts, sentences
                parts[slug] = (article, annotation, old[2], rows, old[4], old[5])
                moved = [pair[0] for pair, row in zip(old[3], rows) if row is not pair]
                if moved:
                    touched.update(moved)
                    relisted.append(slug)
            else:
                parts[slug] = new
                changed.append(slug)
        replaced = [slug for slug in changed if slug in before]
        # Every slug of the last build is still here, kept or replaced, unless some went away.
        kept_all = places is not None or len(parts) - len(changed) + len(replaced) == len(before)
        gone = [] if kept_all else [s for s in before if s not in parts]
        for slug in (*replaced, *gone):
            old = before[slug]
            self._count(old[0], old[2], -1)
            touched.update(old[2])
            del self.involved[slug]
        for slug in changed:
            new = parts[slug]
            self._count(new[0], new[2], 1)
            touched.update(new[2])
            self.involved[slug] = new[2]
        self.parts = parts
        if touched:
            self._relist(archive, parts, {*changed, *gone, *relisted}, touched)
        # The counters are the index's own, changed by the next update: read them before.
        return EntityUsage(dict(self.lists), dict(self.co_mentions), self.top, dict(self.months), self.involved, self.by_month)

    def _relist(self, archive: Archive, parts, changed: set[str], touched: set[str]) -> None:
        """Make again the lists of the `touched` entities, those of the `changed` articles' entities."""
        if len(touched) * 2 > len(self.lists) + 1:  # most of them: one pass over the archive is quicker
            lists: dict[str, list] = defaultdict(list)
            for article in archive.articles:  # newest first
                for entity_id, row in parts[article.slug][3]:
                    lists[entity_id].append(row)
            self.lists = dict(lists)
            return
        if self.position is None:  # kept while the articles are the same slugs in the same order
            self.position = {article.slug: index for index, article in enumerate(archive.articles)}
        position = self.position
        added: dict[str, list] = defaultdict(list)
        for slug in changed:
            if slug in parts:
                for entity_id, row in parts[slug][3]:
                    added[entity_id].append(row)
        for entity_id in touched:
            rows = [row for row in self.lists.get(entity_id, ()) if row[0].slug not in changed] + added.get(entity_id, [])
            if rows:
                rows.sort(key=lambda row: position[row[0].slug])
                self.lists[entity_id] = rows
            else:
                self.lists.pop(entity_id, None)

    def _count(self, article: Article, involved: tuple[str, ...], change: int) -> None:
        month = (article.date.day.year, article.date.day.month)
        for entity_id in involved:
            months = self.months[entity_id]
            months[month] += change
            if not months[month]:
                del months[month]
            if not months:
                del self.months[entity_id]
            self.top.pop(entity_id, None)
            self.by_month.pop(entity_id, None)
            counts = self.co_mentions[entity_id]
            for other in involved:
                if other != entity_id:
                    counts[other] += change
                    if not counts[other]:
                        del counts[other]
            if not counts:
                del self.co_mentions[entity_id]


def _counts_alike(old: tuple, new: tuple) -> bool:
    """Whether two parts of one article count alike (the same entities, the same date)
    and are shown alike in the lists (the same card and feed entry)."""
    return old[2] == new[2] and old[0].date == new[0].date and old[4:] == new[4:]


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


def top_co_mentions(usage: EntityUsage, entity_id: str) -> list[tuple[str, int]]:
    """The entities most often involved in the same articles, with how often."""
    top = usage.top.get(entity_id)
    if top is None:
        counts = usage.co_mentions.get(entity_id)
        top = heapq.nsmallest(CO_MENTIONS_SHOWN, counts.items(), key=lambda item: (-item[1], item[0])) if counts else []
        usage.top[entity_id] = top
    return top


def entity_months(usage: EntityUsage, entity_id: str) -> tuple[tuple[Month, int], ...]:
    """How many of the articles that mention or list an entity fall in each month, by month."""
    months = usage.by_month.get(entity_id)
    if months is None:
        # Kept while the counts stay the same: the very tuple of the last build tells the entity index nothing changed.
        months = usage.by_month[entity_id] = tuple(sorted(usage.months.get(entity_id, {}).items()))
    return months


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
