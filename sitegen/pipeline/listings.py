"""The pages that list the archive: by year and month, by tag, the timeline
and the glossary."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Mapping

from anyascii import anyascii

from sitegen.model.dates import MONTHS
from sitegen.model.errors import Problems
from sitegen.model.models import ENTITY_KINDS, Article
from sitegen.model.slugs import slugify
from sitegen.model.urls import Urls
from sitegen.pipeline.cards import ArticleCard, ArticleComparisons, EntityLink, EventView, PlacedEvent, articles_changed, entity_cards_json, entity_link
from sitegen.pipeline.catalog import ENTITY_KIND_LABELS
from sitegen.pipeline.markdown import render_inline_markdown
from sitegen.pipeline.site import Link, Page
from sitegen.pipeline.timeline import Period


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


def tag_name(slug: str, spellings: Mapping[str, int], entity_names: Mapping[str, str]) -> str:
    """What readers see of a tag: of its spellings written as words
    ("Islamic State"), the one the most articles use (`spellings` counts
    them), the alphabetically first of equals, so that one article's "IRAQ"
    does not rename the "Iraq" of all the others; when every article writes
    it as its slug ("islamic-state"), the name of the entity of that id, else
    the slug in words ("Islamic state")."""
    written = [spelling for spelling in spellings if spelling != slug]
    if written:
        return min(written, key=lambda spelling: (-spellings[spelling], spelling))
    if slug in entity_names:
        return entity_names[slug]
    words = slug.replace("-", " ")
    return words[:1].upper() + words[1:]


def group_tags(
    articles: tuple[Article, ...], problems: Problems, entity_names: Mapping[str, str] | None = None
) -> dict[str, tuple[str, list[Article]]]:
    """Tags by slug, with the name readers see (`tag_name`; `entity_names` by id)."""
    tags, unnamed = _tag_groups(articles, entity_names or {})
    _warn_unnamed(articles, unnamed, problems)
    return tags


def _tag_groups(articles, entity_names: Mapping[str, str]) -> tuple[dict[str, tuple[str, list[Article]]], list[tuple[int, str]]]:
    """`group_tags`, and the place of each article and the tag it writes that has no slug."""
    names: dict[str, Counter[str]] = defaultdict(Counter)  # the articles writing each spelling of a tag
    members: dict[str, list[Article]] = defaultdict(list)
    slug_of: dict[str, str] = {}  # a tag is written by many articles: each spelling is slugified once
    unnamed: list[tuple[int, str]] = []
    for place, article in enumerate(articles):
        slugs = set()  # an article that writes one tag twice ("Iraq", "iraq") is listed once
        for tag in dict.fromkeys(article.tags):
            slug = slug_of.get(tag)
            if slug is None:
                slug = slug_of[tag] = slugify(tag)
            if not slug:
                unnamed.append((place, tag))
                continue
            names[slug][tag] += 1
            if slug not in slugs:
                slugs.add(slug)
                members[slug].append(article)
    return {slug: (tag_name(slug, names[slug], entity_names), members[slug]) for slug in sorted(members)}, unnamed


def _warn_unnamed(articles, unnamed: list[tuple[int, str]], problems: Problems) -> None:
    for place, tag in unnamed:
        article = articles[place]
        problems.warning(article.pos.path, article.pos.line, f"tag {tag!r} has no letters or digits to make a URL from; it is left out")


class ListingGroups:
    """The tags (`group_tags`) and the years (`year_groups`) of the archive,
    with the key of the tag pages (each tag's name and its articles' cards),
    kept between the builds of a running builder.

    While the articles are the same slugs in the same order, the cards are
    the very dict of the last build (no card changed, see ArticleViews) and
    the entity names are the same, an article that changed can move nothing
    in them unless it writes other tags or falls in another month: then all
    three are the very objects of the last build, found by looking at the
    articles that changed alone. Otherwise they are made again from every
    article. A member of a tag kept so may be an earlier version of its
    article, with the same slug: the tag pages read members' slugs only."""

    def __init__(self, comparisons: ArticleComparisons | None = None) -> None:
        self.comparisons = comparisons  # shared with the plan's other indexes (see ArticleComparisons)
        self.articles: tuple[Article, ...] | None = None
        self.given: tuple = (None, None, None)  # the cards, the entity names, the URLs
        self.made: tuple = ({}, [], [], ())  # tags, the tags without a slug, years, the tag pages' key
        self.grouped = 0  # articles the last update grouped

    def update(self, articles, cards, problems: Problems, entity_names: Mapping[str, str], urls: Urls):
        """The tags, the years and the tag pages' key."""
        places = articles_changed(articles, self.articles, self.comparisons)
        before = self.articles
        given = (cards, entity_names, urls)
        if (places is not None and cards is self.given[0] and entity_names == self.given[1] and urls == self.given[2]
                and all(_listed_alike(articles[place], before[place]) for place in places)):  # fmt: skip
            tags, unnamed, years, tagged = self.made
            self.grouped = 0
        else:
            tags, unnamed = _tag_groups(articles, entity_names)
            years = year_groups(articles, cards, urls)
            tagged = tuple((slug, name, tuple(cards[a.slug] for a in members)) for slug, (name, members) in tags.items())
            self.grouped = len(articles)
        _warn_unnamed(articles, unnamed, problems)
        self.articles, self.given, self.made = articles, given, (tags, unnamed, years, tagged)
        return tags, years, tagged


def tags_alone(articles, problems: Problems, entity_names: Mapping[str, str]) -> dict[str, tuple[str, list[Article]]]:
    """The tags ListingGroups.update gives, with the same warnings, without the cards and
    the years it also makes: for a build that plans a few articles' pages, which read
    the tags' names alone."""
    tags, unnamed = _tag_groups(articles, entity_names)
    _warn_unnamed(articles, unnamed, problems)
    return tags


def _listed_alike(article: Article, before: Article) -> bool:
    """Whether two versions of an article are in the same tags and the same month."""
    day, was = article.date.day, before.date.day
    return (day.year, day.month) == (was.year, was.month) and tuple(dict.fromkeys(article.tags)) == tuple(dict.fromkeys(before.tags))


def year_groups(articles: tuple[Article, ...], cards: dict[str, ArticleCard], urls: Urls) -> list[YearGroup]:
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


def archive_pages(archive, years, settings, urls) -> list[Page]:
    """The archive by year and month, and one page per year."""
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


def tag_pages(tags, tag_links, cards, settings, urls) -> list[Page]:
    """The tag index, and one page per tag."""
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
                data={"tag": tag, "topic_feed": Link(tag.name, urls.url(urls.tag_feed_path(tag.slug)))},
            )
        )
    return pages


@dataclass(frozen=True, slots=True)
class PeriodLink:
    """A page of the timeline as the timeline's navigation shows it."""

    slug: str  # `Period.slug`, which the filter's data is keyed by
    label: str
    url: str
    years: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class TimelineFilter:
    """The choices of the timeline filter, the same on every page of the timeline,
    and where it finds how many events of each page match them."""

    kinds: tuple[Link, ...]  # label, kind
    entities: tuple[EntityLink, ...]
    events_url: str


def period_links(periods: list[Period], urls: Urls) -> tuple[PeriodLink, ...]:
    return tuple(PeriodLink(p.slug, p.label, urls.url(urls.timeline_path(p.slug)), p.years) for p in periods)


def timeline_filter(events: list[PlacedEvent], entities, urls: Urls) -> TimelineFilter:
    """Every entity kind and entity the timeline's events involve."""
    named = sorted({i for event in events for i in event.entity_ids}, key=lambda i: (entities[i].name.casefold(), i))
    kinds = [kind for kind in ENTITY_KINDS if any(entities[i].kind == kind for i in named)]
    return TimelineFilter(
        kinds=tuple(Link(ENTITY_KIND_LABELS[k], k) for k in kinds),
        entities=tuple(entity_link(entities[i], urls) for i in named),
        events_url=urls.url(urls.timeline_events_path()),
    )


def timeline_index_page(links: tuple[PeriodLink, ...], counts: tuple[int, ...], choices: TimelineFilter, settings, urls) -> Page:
    """The timeline's front page: each of its pages with how many events it holds."""
    return Page(
        path=urls.timeline_path(),
        template="timeline_index.html",
        title="Timeline",
        description=f"Dated events of {settings.site.title}, with the people, places and articles they involve.",
        section="timeline",
        data={
            "periods": tuple(zip(links, counts)),
            "total": sum(counts),
            "filter": choices,
        },
    )


def period_years(period: Period, events: list[PlacedEvent]) -> tuple[TimelineYear, ...]:
    """The events of one page of the timeline (in timeline order), by year."""
    by_year: dict[int, list[EventView]] = defaultdict(list)
    for event in events:
        by_year[event.year].append(event.view)
    return tuple(TimelineYear(year, f"year-{year}", tuple(by_year[year])) for year in period.years)


def timeline_period_page(period: Period, links: tuple[PeriodLink, ...], years: tuple[TimelineYear, ...], choices: TimelineFilter,
                         entity_cards: str, settings, urls) -> Page:  # fmt: skip
    """One page of the timeline: its events by year, the other pages around it, the filter."""
    position = [link.slug for link in links].index(period.slug)
    return Page(
        path=urls.timeline_path(period.slug),
        template="timeline.html",
        title=f"Timeline: {period.label}",
        description=f"Dated events of {period.label} in {settings.site.title}, with the people, places and articles they involve.",
        section="timeline",
        data={
            "period": links[position],
            "periods": links,
            "previous": links[position - 1] if position > 0 else None,
            "next": links[position + 1] if position + 1 < len(links) else None,
            "years": years,
            "filter": choices,
            "entity_cards": entity_cards,
        },
    )


def timeline_events_file(periods: list[Period], events: list[PlacedEvent], urls: Urls) -> Page:
    """What the filter needs to count the matching events of every page, and so
    never to offer a page where none match: by page, each event's entity ids
    and entity kinds, as its entry on the page carries them."""
    by_period: dict[str, list[list[str]]] = {period.slug: [] for period in periods}
    for event in events:
        by_period[event.period].append([event.view.entity_ids, event.view.entity_kinds])
    return Page(
        path=urls.timeline_events_path(),
        template="",
        title="",
        description="",
        section="",
        indexable=False,
        literal=json.dumps(by_period, ensure_ascii=False, separators=(",", ":")),
    )


def _glossary_letter(term: str) -> str:
    first = slugify(term[:1]).upper()[:1]
    return first if "A" <= first <= "Z" else "#"


def _glossary_order(term) -> tuple:
    """Alphabetical as the letter headings see it: "Émir" between "Eid" and "Ezidi"."""
    return (anyascii(unicodedata.normalize("NFKC", term.term)).casefold(), term.term.casefold(), term.id)


def glossary_page(archive, annotated, cards, entities, settings, urls) -> Page:
    """Every term under its letter, with its definition, aliases, `see` links and
    the articles that use it."""
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
