""""More on this story": the articles that share the most telling entities with each one.

Two articles are related by the entities both involve (mentioned in the text
or listed in the front matter), each weighted by how rare it is in the
archive: idf = log(N / n), N the number of articles and n the number that
involve the entity. An article's score is the sum of the weights of the
entities it shares; the RELATED_SHOWN best are shown, ties broken by the
newer article first, then by slug. Articles that share nothing (or only
entities every article involves, weight 0) are not related.

The scores are summed from the entity -> articles lists of the usage index,
never by comparing pairs of articles, and two rules keep the work bounded
however large the archive grows:

- an entity that more than COMMON_SHARE of the articles involve (and more
  than COMMON_FLOOR of them, so a small archive keeps all its entities) is
  too common to say that two articles tell the same story, and is skipped;
- an article's entities are taken rarest first, and only while the articles
  they involve add up to at most POSTINGS_BUDGET: the commoner ones left out
  weigh least.

So each article costs at most POSTINGS_BUDGET steps, and the archive at most
N times that. The sums are made in the same order (rarest entity first, then
by id) for every article, so equal shared sets give equal scores, and the
result depends on the archive alone: an incremental build finds what a clean
one does.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from typing import Iterable, Mapping, Sequence

from sitegen.model.models import Article

RELATED_SHOWN = 5
COMMON_SHARE = 0.05
COMMON_FLOOR = 50
POSTINGS_BUDGET = 5000


def related_articles(
    articles: Sequence[Article],
    involved: Mapping[str, Iterable[str]],
    postings: Mapping[str, Sequence[tuple]],
) -> dict[str, tuple[str, ...]]:
    """The slugs of each article's related articles, best first.

    `involved` gives the entity ids of each article (by slug); `postings` the
    rows of the articles that involve each entity (`EntityUsage.articles`:
    the article is the first item of a row)."""
    total = len(articles)
    common = max(COMMON_FLOOR, COMMON_SHARE * total)
    order = {article.slug: (-article.date.day.toordinal(), article.slug) for article in articles}
    related = {}
    for article in articles:
        weighed = sorted(
            (len(rows), entity_id)
            for entity_id in set(involved.get(article.slug, ()))
            if 1 < len(rows := postings.get(entity_id, ())) < total and len(rows) <= common
        )
        scores: dict[str, float] = defaultdict(float)
        budget = POSTINGS_BUDGET
        for count, entity_id in weighed:
            if count > budget:
                break
            budget -= count
            weight = math.log(total / count)
            for row in postings[entity_id]:
                scores[row[0].slug] += weight
        scores.pop(article.slug, None)
        best = heapq.nsmallest(RELATED_SHOWN, scores, key=lambda slug: (-scores[slug], order[slug]))
        related[article.slug] = tuple(best)
    return related
