"""The annotate stage over the whole archive: cached, and in worker processes."""

from __future__ import annotations

import itertools
import operator
from typing import Any, Callable

from sitegen.engine.cache import FragmentCache
from sitegen.engine.parallel import map_in_workers
from sitegen.model.models import Archive, Article, Entity
from sitegen.pipeline.annotate import (
    AnnotatedArticle,
    Annotations,
    annotate_article,
    annotate_entity_description,
    annotate_fragment,
)
from sitegen.pipeline.catalog import Catalog
from sitegen.pipeline.timeline import TimelineEntry

# Articles annotated by one pool of workers before their fragments are kept
# (see annotate_archive's `keep`): what a single build holds of them at most.
ARTICLES_PER_BATCH = 2000
# From this many texts to annotate, the catalogue's indexes compile their
# scanners first (tens of milliseconds for thousands of names, paid back
# many times over by texts not split whole; see model/matcher.py).
PREPARE_FROM = 100


def _annotate_one(job: Article | Entity, catalog: Catalog) -> Any:
    if isinstance(job, Article):
        return annotate_article(job, catalog)
    return annotate_entity_description(job, catalog)


class AnnotationMemo:
    """What the last `annotate_archive` of a running builder was given and made.

    While the catalogue, the entities and the timeline's entries are the very
    objects of the last build and the articles the same slugs in the same
    order, only the articles that are other objects can have other fragments:
    the next call looks those up (or annotates them) and takes every other
    fragment, and the cache's record of what was used, from the last call,
    without a pass over the archive."""

    def __init__(self) -> None:
        self.last: tuple | None = None  # (articles, entities, timeline, catalogue digest, annotations, the cache's entries)
        self.looked_at = 0  # articles the last call looked up


def annotate_archive(
    archive: Archive,
    catalog: Catalog,
    timeline: list[TimelineEntry],
    cache: FragmentCache | None = None,
    workers: int = 1,
    keep: Callable[[AnnotatedArticle], Any] | None = None,
    memo: AnnotationMemo | None = None,
    with_body: Callable[[Article], Article] | None = None,
) -> Annotations:
    """Every fragment of the archive, from the cache or annotated afresh.

    With `keep`, each article annotated afresh is held as what `keep` makes of
    it (a single build writes its HTML to disk: see engine/stored_fragments.py),
    as soon as its batch of ARTICLES_PER_BATCH is done: the build never holds
    more fresh fragments at once than that. With a `memo` (a running builder),
    an edit looks up the fragments of the articles it changed alone. With
    `with_body`, the archive's articles may be held without their bodies (a
    single build's, loaded from the persistent cache): each article to annotate
    is what `with_body` gives of it, and is keyed as the article held (whose
    digest is that of the article whole: see engine/cache_file.py)."""
    cache = cache if cache is not None else FragmentCache()
    catalog_digest = cache.catalog_digest(catalog)
    annotations = _from_last(memo, archive, catalog, timeline, cache, catalog_digest, workers) if memo is not None else None
    if annotations is None:
        annotations = _annotate_all(archive, catalog, timeline, cache, catalog_digest, workers, keep, with_body)
        if memo is not None:
            memo.looked_at = len(archive.articles)
    if memo is not None:
        memo.last = (archive.articles, archive.entities, tuple(timeline), catalog_digest, annotations, cache.entries)
    return annotations


def _same_objects(new, old) -> bool:
    return len(new) == len(old) and all(map(operator.is_, new, old))


def _from_last(
    memo: AnnotationMemo, archive: Archive, catalog: Catalog, timeline: list[TimelineEntry], cache: FragmentCache,
    catalog_digest: bytes, workers: int,
) -> Annotations | None:  # fmt: skip
    """The annotations of the last call with the fragments of the articles that changed
    since looked up; None when anything else changed (or the cache was replaced)."""
    if memo.last is None:
        return None
    articles, entities, entries, digest, last, used = memo.last
    if digest != catalog_digest or cache.entries is not used or len(archive.articles) != len(articles):
        return None
    if not (_same_objects(archive.entities, entities) and _same_objects(timeline, entries)):
        return None
    places = list(itertools.compress(itertools.count(), map(operator.is_not, archive.articles, articles)))
    if any(archive.articles[place].slug != articles[place].slug for place in places):
        return None
    before = [articles[place] for place in places]
    known = list(map(cache.digests.get, map(id, before)))
    if any(digested is None or digested[0] is not article for digested, article in zip(known, before)):
        return None
    memo.looked_at = len(places)
    if not places:  # the cache holds just what the last call used, which is what this one uses
        return last
    # What this call uses: what the last one did, but for the articles that changed. Changed where
    # it is (not copied, entry by entry, into a new dict): the cache holds it whole again below.
    cache.used, cache.digests_used = cache.entries, cache.digests
    for article, (_, digest) in zip(before, known):
        cache.used.pop(("article", catalog_digest, digest), None)
        cache.digests_used.pop(id(article), None)
    changed = [archive.articles[place] for place in places]
    keys = {article.slug: ("article", catalog_digest, cache.digest(article)) for article in changed}
    missing = [article for article in changed if keys[article.slug] not in cache.entries]
    fresh = dict(zip((a.slug for a in missing), map_in_workers(lambda job: _annotate_one(job, catalog), missing, workers)))
    fragments = dict(last.articles)
    for article in changed:
        fragments[article.slug] = cache.get(keys[article.slug], lambda article=article: fresh[article.slug])
    annotations = Annotations(
        articles=fragments,
        entity_descriptions=last.entity_descriptions,
        timeline=last.timeline,
        event_descriptions=last.event_descriptions,
        edited=(last.articles, frozenset(keys)),
    )
    cache.forget_unused()
    return annotations


def _annotate_all(
    archive: Archive,
    catalog: Catalog,
    timeline: list[TimelineEntry],
    cache: FragmentCache,
    catalog_digest: bytes,
    workers: int,
    keep: Callable[[AnnotatedArticle], Any] | None,
    with_body: Callable[[Article], Article] | None = None,
) -> Annotations:

    # Articles and entity descriptions are most of the work: the ones not in
    # the cache are annotated in worker processes (one pool for each batch of
    # articles, and one for the entities), then every one goes through the
    # cache as usual.
    article_keys = {article.slug: ("article", catalog_digest, cache.digest(article)) for article in archive.articles}
    entity_keys = {entity.id: ("entity", catalog_digest, cache.digest(entity)) for entity in archive.entities}
    missing = [article for article in archive.articles if article_keys[article.slug] not in cache.entries]
    missing_entities = [entity for entity in archive.entities if entity_keys[entity.id] not in cache.entries]
    if len(missing) + len(missing_entities) >= PREPARE_FROM:
        # Here, before the workers are forked: they all share the scanners.
        catalog.index.prepare()
        catalog.term_index.prepare()
    annotate = lambda job: _annotate_one(job, catalog)  # noqa: E731
    fresh: dict[str, Any] = {}
    batch = max(1, len(missing)) if keep is None else ARTICLES_PER_BATCH
    for start in range(0, len(missing), batch):
        part = missing[start : start + batch]
        done = map_in_workers(annotate, part if with_body is None else list(map(with_body, part)), workers)
        fresh.update(zip((a.slug for a in part), map(keep, done) if keep else done))
        del done  # before the next batch is annotated
    fresh_entities = dict(zip((e.id for e in missing_entities), map_in_workers(annotate, missing_entities, workers)))

    annotations = Annotations(
        articles={
            article.slug: cache.get(article_keys[article.slug], lambda article=article: fresh[article.slug])
            for article in archive.articles
        },
        entity_descriptions={
            entity.id: cache.get(entity_keys[entity.id], lambda entity=entity: fresh_entities[entity.id])
            for entity in archive.entities
        },
        timeline=tuple(timeline),
        event_descriptions={
            # The event's digest is taken once per event object, as an article's is.
            entry.anchor: cache.get(
                ("event", catalog_digest, entry.anchor, cache.digest(entry.event)),
                lambda entry=entry: annotate_fragment(
                    entry.event.description, entry.event.pos.path, entry.event.pos.line or 1, catalog, entry.anchor + "-"
                ),
            )
            for entry in timeline
            if entry.event.description
        },
    )
    cache.forget_unused()
    return annotations
