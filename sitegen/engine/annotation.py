"""The annotate stage over the whole archive: cached, and in worker processes."""

from __future__ import annotations

from typing import Any, Callable

from sitegen.engine.cache import FragmentCache, digest_of
from sitegen.engine.parallel import map_in_workers
from sitegen.model.models import Archive
from sitegen.pipeline.annotate import (
    Annotations,
    annotate_article,
    annotate_entity_description,
    annotate_fragment,
)
from sitegen.pipeline.catalog import Catalog
from sitegen.pipeline.timeline import TimelineEntry


def annotate_archive(
    archive: Archive,
    catalog: Catalog,
    timeline: list[TimelineEntry],
    cache: FragmentCache | None = None,
    workers: int = 1,
) -> Annotations:
    cache = cache if cache is not None else FragmentCache()
    catalog_digest = digest_of((catalog.entities, catalog.terms, catalog.urls, catalog.repeat_links))

    def cached(kind: str, source: Any, make: Callable[[], Any]) -> Any:
        return cache.get((kind, catalog_digest, digest_of(source)), make)

    # Articles are most of the work: the ones not in the cache are annotated in
    # worker processes, then every article goes through the cache as usual.
    article_keys = {article.slug: ("article", catalog_digest, cache.digest(article)) for article in archive.articles}
    missing = [article for article in archive.articles if article_keys[article.slug] not in cache.entries]
    fresh = dict(zip((a.slug for a in missing), map_in_workers(lambda a: annotate_article(a, catalog), missing, workers)))

    annotations = Annotations(
        articles={
            article.slug: cache.get(article_keys[article.slug], lambda article=article: fresh[article.slug])
            for article in archive.articles
        },
        entity_descriptions={
            entity.id: cache.get(
                ("entity", catalog_digest, cache.digest(entity)), lambda entity=entity: annotate_entity_description(entity, catalog)
            )
            for entity in archive.entities
        },
        timeline=tuple(timeline),
        event_descriptions={
            entry.anchor: cached(
                "event",
                (entry.anchor, entry.event),
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
