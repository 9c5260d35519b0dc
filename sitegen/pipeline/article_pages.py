"""The pages of the articles and their citation files, as `plan_pages` plans them.

One article's page is planned one way (`ArticleInputs`): as a PlannedPage,
made only when it is rendered (a single build), or through the plan memo of
the last build (a running builder), whose page it keeps while nothing it
reads changed.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
from collections import defaultdict
from typing import Mapping

from sitegen.model.models import Article
from sitegen.model.slugs import slugify
from sitegen.model.urls import Urls
from sitegen.pipeline.cards import (
    EventView,
    PlacedEvent,
)
from sitegen.pipeline.citation import (
    CITATION_FILES,
    access_day,
    article_citation,
    citation_file,
    citation_files,
)
from sitegen.pipeline.config import Settings
from sitegen.pipeline.site import Link, Page, PlanMemo, PlannedPage
from sitegen.pipeline.timeline import PUBLICATION
from sitegen.pipeline.views import (
    ARTICLE_TEMPLATE,
    article_modified,
    article_page,
)


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


def tied_events_by_article(events: list[PlacedEvent]) -> dict[str, tuple[EventView, ...]]:
    """The timeline events tied to each article, in timeline order (not its own publication)."""
    tied: dict[str, list[EventView]] = defaultdict(list)
    for event in events:
        if event.view.kind != PUBLICATION:
            for slug in event.article_slugs:
                tied[slug].append(event.view)
    return {slug: tuple(views) for slug, views in tied.items()}


def tag_names_of(tags: dict) -> tuple[tuple[str, str], ...]:
    """(slug, name) of each tag of the listings."""
    return tuple((slug, name) for slug, (name, _) in tags.items())


def tag_links_of(names: tuple[tuple[str, str], ...], urls: Urls) -> dict[str, Link]:
    """The link to each tag's page, by slug."""
    return {slug: Link(name, urls.url(urls.tags_path(slug))) for slug, name in names}


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


def _involved_ids(article, annotation) -> tuple[str, ...]:
    """The ids the article mentions or lists, in that order, each once (known entities or not)."""
    return tuple(dict.fromkeys((*(m.entity_id for m in annotation.mentions), *article.entity_ids)))


def _article_entities(article, annotation, entities) -> dict:
    """The entities the article mentions or lists, by id."""
    return {i: entities[i] for i in _involved_ids(article, annotation) if i in entities}


def _made_article_page(article, annotation, card, tag_links, entities, tied, related, settings, urls) -> Page:
    links, used = _article_links(article, tag_links), _article_entities(article, annotation, entities)
    return article_page(article, annotation, card, links, used, tied, settings, urls, related)


def _article_page(memo: PlanMemo, article, annotation, card, tag_links, entities, tied, related, settings, urls) -> Page:
    """`article_page`, given (and keyed by) only the tags and entities it reads,
    and the cards of its related articles (which an edit elsewhere can change).
    While no article, entity or tag name changed, the objects it is made from
    are the very ones of the last build, and that is all there is to check."""

    def key() -> tuple[tuple, tuple]:
        shown = (entities.get(i) for i in _involved_ids(article, annotation))
        return (article, annotation, *shown), (card, tuple(_article_links(article, tag_links).items()), tied, related)

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
