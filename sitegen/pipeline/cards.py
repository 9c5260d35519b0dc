"""The small views many pages share: article cards, entity links and their
hover cards, and timeline events."""

from __future__ import annotations

import itertools
import operator
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from sitegen.model.escaping import json_for_script
from sitegen.model.models import ENTITY_KINDS, Article, Entity
from sitegen.model.urls import Urls
from sitegen.pipeline.annotate import Annotations
from sitegen.pipeline.catalog import ENTITY_KIND_LABELS, ENTITY_KIND_PLURALS
from sitegen.pipeline.site import Link, PlanMemo
from sitegen.pipeline.timeline import Period, TimelineEntry, display_date


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


def changed_places(new: Sequence, old: Sequence, differs: Callable[[object, object], bool] = operator.is_not) -> list[int]:
    """The places where two sequences of the same length hold another object
    (or, with `differs=operator.ne`, an unequal one)."""
    if new is old:
        return []
    return list(itertools.compress(itertools.count(), map(differs, new, old)))


class ArticleComparisons:
    """What `articles_changed` answered last, shared by the indexes of one plan.

    Every index kept from build to build asks it of the same two tuples of
    articles: the answer for the last two asked about is kept (tuples never
    change), so that the archive is compared once per build, not once per
    index. Kept with those indexes (in `PlanMemo.aggregates`), it goes with
    them: no archive outlives the plan that holds it."""

    def __init__(self) -> None:
        self.last: tuple = (None, None, None)  # articles, before, the places that changed (or None)
        self.column: tuple = (None, None, [])  # articles, their annotations by slug, the annotations by place
        self.moved: tuple = (None, None, [])  # two columns of annotations, the places where they differ


def articles_compared(memo: PlanMemo) -> ArticleComparisons:
    """The plan's record of what changed among the articles, which its indexes share (see pages.plan_pages)."""
    return memo.aggregates.setdefault("articles compared", ArticleComparisons())


def annotations_by_place(articles: Sequence[Article], annotated: Mapping, comparisons: ArticleComparisons | None = None) -> list:
    """The annotation of each article, in the order of the articles: one list for the indexes of
    one plan (`comparisons`), which compare it with the last build's list once (`annotations_moved`)."""
    known = comparisons.column if comparisons is not None else (None, None, None)
    if known[0] is articles and known[1] is annotated:
        return known[2]
    column = list(map(annotated.__getitem__, map(operator.attrgetter("slug"), articles)))
    if comparisons is not None:
        comparisons.column = (articles, annotated, column)
    return column


def annotations_column_from_edit(articles: Sequence[Article], annotated: Mapping, edited: tuple | None, comparisons: ArticleComparisons) -> None:
    """Work out `annotations_by_place` for the indexes of one plan from the last build's
    column, at the places of the articles that changed alone, when the annotations are
    the last build's but for those articles (`edited`: see Annotations.edited)."""
    before, known, column = comparisons.column
    if before is None or before is articles or len(before) != len(articles):
        return
    if known is annotated:
        looked_up: frozenset = frozenset()
    elif edited is not None and known is edited[0]:
        looked_up = edited[1]
    else:
        return
    places = articles_changed(articles, before, comparisons)
    if places is None or not looked_up <= {articles[place].slug for place in places}:
        return  # a fragment changed whose article did not: looked at whole
    new = list(column)
    for place in places:
        new[place] = annotated[articles[place].slug]
    comparisons.column = (articles, annotated, new)
    comparisons.moved = (new, column, [place for place in places if new[place] is not column[place]])


def annotations_moved(column: list, before: list, comparisons: ArticleComparisons | None = None) -> list[int]:
    """changed_places(column, before), worked out once for the indexes of one plan."""
    known = comparisons.moved if comparisons is not None else (None, None, None)
    if known[0] is column and known[1] is before:
        return known[2]
    places = changed_places(column, before)
    if comparisons is not None:
        comparisons.moved = (column, before, places)
    return places


def articles_changed(articles: Sequence[Article], before: Sequence[Article] | None, comparisons: ArticleComparisons | None = None) -> list[int] | None:
    """The places of `articles` that hold another object than `before`, the
    articles of the last build, when both are the same slugs in the same order
    (None otherwise). The loader gives the very same article object while its
    file is unchanged: one pass of identity tests finds what an edit changed,
    and what is kept from the last build is looked up by place. With
    `comparisons`, the answer is the one kept there when it was asked already."""
    if before is None or len(articles) != len(before):
        return None
    known = comparisons.last if comparisons is not None else (None, None, None)
    if known[0] is articles and known[1] is before:
        return None if known[2] is None else list(known[2])
    places = changed_places(articles, before)
    if any(articles[place].slug != before[place].slug for place in places):
        places = None
    if comparisons is not None and type(articles) is tuple and type(before) is tuple:
        comparisons.last = (articles, before, places)
    return None if places is None else list(places)


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


class CardsOnDemand(Mapping[str, ArticleCard]):
    """Each article's card by slug, made when first read: a build that plans a few
    articles' pages reads the cards of those and of the articles they link to, not
    the 20,000 cards of every article (half a second). A card is a function of its
    article and the URLs alone, so it is the card every other view makes."""

    def __init__(self, articles: Iterable[Article], urls: Urls):
        self._articles = {article.slug: article for article in articles}
        self._urls = urls
        self._made: dict[str, ArticleCard] = {}

    def __getitem__(self, slug: str) -> ArticleCard:
        card = self._made.get(slug)
        if card is None:
            card = self._made[slug] = article_card(self._articles[slug], self._urls)
        return card

    def __contains__(self, slug: object) -> bool:
        return slug in self._articles

    def __iter__(self) -> Iterator[str]:
        return iter(self._articles)

    def __len__(self) -> int:
        return len(self._articles)


@dataclass(frozen=True, slots=True)
class EntityLink:
    id: str
    name: str
    kind: str
    url: str
    count: int = 0  # mentions, articles or co-mentions, by context


def entity_link(entity: Entity, urls: Urls, count: int = 0) -> EntityLink:
    return EntityLink(entity.id, entity.name, entity.kind, urls.url(urls.entity_path(entity.id)), count)


@dataclass(frozen=True, slots=True)
class EntityGroup:
    kind: str
    label: str  # singular: "Person"
    entities: tuple[EntityLink, ...]
    plural: str = ""  # "People"


def group_by_kind(links: list[EntityLink]) -> tuple[EntityGroup, ...]:
    by_kind: dict[str, list[EntityLink]] = defaultdict(list)
    for link in links:
        by_kind[link.kind].append(link)
    return tuple(
        EntityGroup(
            kind,
            ENTITY_KIND_LABELS[kind],
            tuple(sorted(by_kind[kind], key=lambda e: (e.name.casefold(), e.id))),
            ENTITY_KIND_PLURALS[kind],
        )
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


@dataclass(frozen=True, slots=True)
class EventView:
    anchor: str
    url: str  # the entry on its page of the timeline
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
class PlacedEvent:
    """An event view with the keys pages select events by."""

    view: EventView
    entity_ids: frozenset[str]  # named by the event or mentioned in its description
    article_slugs: tuple[str, ...]
    year: int
    period: str  # the slug of the timeline page it is on


def event_views(annotations: Annotations, entities, cards, periods: list[Period], urls: Urls) -> list[PlacedEvent]:
    """Every timeline entry as pages show it, in timeline order, with the entities
    its description links to as well as those it names, and linking to its
    entry on the page of `periods` that holds its year."""
    period_of = periods_by_year(periods)
    return [
        placed_event(entry, annotations.event_descriptions.get(entry.anchor), period_of[entry.event.date.year], entities, cards, urls)
        for entry in annotations.timeline
    ]


def periods_by_year(periods: list[Period]) -> dict[int, str]:
    """The slug of the page of the timeline that holds each year."""
    return {year: period.slug for period in periods for year in period.years}


def placed_event(entry: TimelineEntry, fragment, period: str, entities, cards, urls: Urls) -> PlacedEvent:
    """One timeline entry (with its description's `fragment`, if any) on the page `period` of the timeline.

    Reads `entities` of the ids the event names or its description links to,
    and `cards` of the articles it is tied to, only."""
    event = entry.event
    ids = [i for i in dict.fromkeys((*event.entity_ids, *(fragment.entity_ids if fragment else ()))) if i in entities]
    linked = tuple(sorted((entity_link(entities[i], urls) for i in ids), key=lambda e: (e.name.casefold(), e.id)))
    view = EventView(
        anchor=entry.anchor,
        url=f"{urls.url(urls.timeline_path(period))}#{entry.anchor}",
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
    return PlacedEvent(view, frozenset(ids), event.article_slugs, event.date.year, period)
