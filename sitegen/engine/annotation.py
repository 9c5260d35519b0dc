"""The annotate stage over the whole archive: cached, and in worker processes."""

from __future__ import annotations

from typing import Any

from sitegen.engine.cache import FragmentCache
from sitegen.engine.parallel import map_in_workers
from sitegen.model.models import Archive, Article, Entity
from sitegen.pipeline.annotate import (
    Annotations,
    annotate_article,
    annotate_entity_description,
    annotate_fragment,
)
from sitegen.pipeline.catalog import Catalog
from sitegen.pipeline.timeline import TimelineEntry


def _annotate_one(job: Article | Entity, catalog: Catalog) -> Any:
    if isinstance(job, Article):
        return annotate_article(job, catalog)
    return annotate_entity_description(job, catalog)


def annotate_archive(
    archive: Archive,
    catalog: Catalog,
    timeline: list[TimelineEntry],
    cache: FragmentCache | None = None,
    workers: int = 1,
) -> Annotations:
    cache = cache if cache is not None else FragmentCache()
    catalog_digest = cache.catalog_digest(catalog)

    # Articles and entity descriptions are most of the work: the ones not in
    # the cache are annotated in worker processes (one pool for both), then
    # every one goes through the cache as usual.
    article_keys = {article.slug: ("article", catalog_digest, cache.digest(article)) for article in archive.articles}
    entity_keys = {entity.id: ("entity", catalog_digest, cache.digest(entity)) for entity in archive.entities}
    missing = [article for article in archive.articles if article_keys[article.slug] not in cache.entries]
    missing_entities = [entity for entity in archive.entities if entity_keys[entity.id] not in cache.entries]
    jobs: list[Any] = [*missing, *missing_entities]
    done = map_in_workers(lambda job: _annotate_one(job, catalog), jobs, workers)
    fresh = dict(zip((a.slug for a in missing), done[: len(missing)]))
    fresh_entities = dict(zip((e.id for e in missing_entities), done[len(missing) :]))

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
