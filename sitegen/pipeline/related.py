""""More on this story": the articles that share the most telling entities with each one.

Two articles are related by the entities both involve (mentioned in the text
or listed in the front matter), each weighted by how rare it is: an entity
that n articles involve weighs log(1 + COMMON_LIMIT / n), an inverse
document frequency in which the size of the archive is the constant
COMMON_LIMIT rather than the number of articles, so that adding an article
changes the weights of its own entities only (and the lists of the articles
that share them), not every weight in the archive. An article's score is the
sum of the weights of the entities it shares; the RELATED_SHOWN best are
shown, ties broken by the newer article first, then by slug.

The scores are summed from the entity -> articles lists of the usage index,
never by comparing pairs of articles, and one rule bounds the work however
large the archive grows: an article's entities are taken rarest first, and
only while the articles they involve add up to at most COMMON_LIMIT. An
entity more than COMMON_LIMIT articles involve ("Iraq" in an archive about
Iraq) never counts: it is too common to say that two articles tell the same
story. So each article costs at most COMMON_LIMIT steps, and the archive at
most N times that. The sums are made in the same order (rarest entity first,
then by id) for every article, so equal shared sets give equal scores.

`RelatedIndex` keeps each article's list from the last build and works out
again only the lists an edit can change: those of the articles whose
entities' lists of articles changed.
"""

from __future__ import annotations

import heapq
import math
from typing import Iterable, Mapping, Sequence

from sitegen.model.models import Article
from sitegen.pipeline.cards import ArticleComparisons, articles_changed

RELATED_SHOWN = 5
COMMON_LIMIT = 200


def related_articles(
    articles: Sequence[Article],
    involved: Mapping[str, Iterable[str]],
    postings: Mapping[str, Sequence[tuple]],
) -> dict[str, tuple[str, ...]]:
    """The slugs of each article's related articles, best first.

    `involved` gives the entity ids of each article (by slug); `postings` the
    rows of the articles that involve each entity (`EntityUsage.articles`:
    the article is the first item of a row)."""
    return RelatedIndex().update(articles, involved, postings)


def related_of(slugs: Iterable[str], involved: Mapping[str, Iterable[str]], postings: Mapping[str, Sequence[tuple]]) -> dict[str, tuple[str, ...]]:
    """The lists `related_articles` gives, of the articles `slugs` alone."""
    seen = _Seen(postings)
    return {slug: _related(slug, involved.get(slug, ()), postings, seen) for slug in slugs}


class RelatedIndex:
    """`related_articles`, kept up to date from the entities whose articles changed.

    An article's related list depends only on the lists of articles of its
    own entities (which articles, and their dates), so only the lists of the
    articles in an entity's list that changed (before or after the change)
    are worked out again; an article that changed is in the lists of its
    entities, old and new. Comparing the lists is cheap: the usage index keeps
    the very lists of the entities none of whose articles changed, and the
    very row objects of unchanged articles.
    """

    def __init__(self, comparisons: ArticleComparisons | None = None) -> None:
        self.comparisons = comparisons  # shared with the plan's other indexes (see ArticleComparisons)
        self.postings: dict[str, Sequence[tuple]] = {}
        self.lists: dict[str, tuple[str, ...]] = {}
        self.articles = None  # those of the last update

    def update(self, articles, involved, postings) -> dict[str, tuple[str, ...]]:
        old = self.postings
        affected = set()
        for entity_id in old.keys() | postings.keys():
            before, after = old.get(entity_id, ()), postings.get(entity_id, ())
            # Lists compare element by element, by identity first: unchanged rows cost no more than that.
            if before is not after and before != after and _tells(before, after):
                affected.update(row[0].slug for rows in (before, after) for row in rows)
        seen = _Seen(postings)
        if articles_changed(articles, self.articles, self.comparisons) is not None:
            # The same slugs in the same order: the lists of the affected articles alone are made again,
            # and while none changed the dict is the very one of the last build.
            lists = self.lists
            for slug in affected:
                if slug in lists:
                    made = _related(slug, involved.get(slug, ()), postings, seen)
                    if made != lists[slug]:
                        lists = dict(lists) if lists is self.lists else lists
                        lists[slug] = made
        else:
            lists = {}
            for article in articles:
                kept = self.lists.get(article.slug)
                if kept is None or article.slug in affected:
                    kept = _related(article.slug, involved.get(article.slug, ()), postings, seen)
                lists[article.slug] = kept
        self.postings, self.lists, self.articles = dict(postings), lists, articles
        return lists


def _tells(old: Sequence[tuple], new: Sequence[tuple]) -> bool:
    """Whether an entity's change of rows can change a related list: not when it
    counts neither before nor after, nor when only the mentions' counts and
    sentences changed (the articles and their dates are the same)."""
    if not any(1 < len(rows) <= COMMON_LIMIT for rows in (old, new)):
        return False
    return [(row[0].slug, row[0].date.day) for row in old] != [(row[0].slug, row[0].date.day) for row in new]


class _Seen:
    """The slugs of each entity's articles, and those articles by slug, made when first needed."""

    def __init__(self, postings) -> None:
        self.postings = postings
        self.slugs: dict[str, tuple[str, ...]] = {}
        self.articles: dict[str, Article] = {}

    def members(self, entity_id: str) -> tuple[str, ...]:
        members = self.slugs.get(entity_id)
        if members is None:
            rows = self.postings[entity_id]
            members = self.slugs[entity_id] = tuple(row[0].slug for row in rows)
            self.articles.update((row[0].slug, row[0]) for row in rows)
        return members

    def order(self, slug: str) -> tuple:
        """Newer first, then by slug."""
        return (-self.articles[slug].date.day.toordinal(), slug)


def _related(slug: str, ids: Iterable[str], postings, seen: _Seen) -> tuple[str, ...]:
    weighed = sorted((len(postings[i]), i) for i in set(ids) if 1 < len(postings.get(i, ())) <= COMMON_LIMIT)
    scores: dict[str, float] = {}
    get = scores.get
    budget = COMMON_LIMIT
    for count, entity_id in weighed:
        if count > budget:
            break
        budget -= count
        weight = math.log(1 + COMMON_LIMIT / count)
        for member in seen.members(entity_id):
            scores[member] = get(member, 0.0) + weight
    scores.pop(slug, None)
    if len(scores) > RELATED_SHOWN:  # only the articles scoring at least the fifth best score can be shown
        least = heapq.nlargest(RELATED_SHOWN, scores.values())[-1]
        scores = {other: score for other, score in scores.items() if score >= least}
    return tuple(sorted(scores, key=lambda other: (-scores[other], seen.order(other)))[:RELATED_SHOWN])
