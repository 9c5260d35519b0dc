"""What a single build records of its plan, so that the next process after an
edit of articles' text digests only the pages of those articles.

A new `sitegen build` process plans every page again: it holds none of the
last build's objects to compare its own with. Without this record it must
digest what every page is made from to find the few that changed (see
engine/made_from.py). The record says, in two digests, when that is not
needed:

- the *plan's context*: everything the plan reads but the articles (the
  settings, the URLs, the templates and the site's view, the entities, the
  glossary, the timeline and its annotated descriptions) and the slugs of
  the articles in their order;
- for each article, the digest of its annotation's key (its source and the
  catalogue it was annotated with) and the digest of *what the plan reads
  of it*: the article without its Markdown body (the plan of a single build
  holds only that) and its annotation without its HTML (its mentions with
  their counts, lines and sentences, its terms, its reading time and its
  diagnostics).

Every page is a function of the plan's context, of the articles without
their bodies, of the annotations, and, for the page of an article alone, of
that article's HTML: no other page reads an article's HTML, and a planned
page that reads it holds the article's annotation among its inputs. So when
the context is the record's, and every article whose key changed still
gives the plan what the record says it gave, every page that holds none of
those articles' annotations (or the articles themselves) is made from the
very values it was made from last time, and its recorded digests stand for
it: only the pages holding a changed article are digested (and made, if
their digest changed). Anything else, and the pages are digested as ever.

The record is part of the sealed cache, read field by field like the rest
(engine/cache_file.py): a record that does not verify, or was made by other
code, is not read at all, and one that does not match gives the full
comparison.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sitegen.engine.cache import BuildCache, digest_of
from sitegen.engine.inputs import page_file
from sitegen.engine.made_from import MadeFrom
from sitegen.engine.stored_fragments import StoredArticle
from sitegen.model.models import Archive, Article
from sitegen.pipeline.annotate import AnnotatedArticle, Annotations
from sitegen.pipeline.site import PlannedPage

# The kinds of inputs that tie a planned page to one article: a page holding
# one of a changed article's is digested again.
ARTICLE_KINDS = (Article, AnnotatedArticle, StoredArticle)
KEY_LENGTH = 17  # a fragment's persistent id in MadeFrom: a marker byte and the digest of its key


def plan_context(archive: Archive, annotations: Annotations, made_from: MadeFrom) -> bytes:
    """The digest of everything the plan reads but the articles and their annotations."""
    descriptions = tuple(sorted(annotations.entity_descriptions.items()))
    events = tuple(sorted(annotations.event_descriptions.items()))
    slugs = tuple(article.slug for article in archive.articles)
    whole = (made_from.context, archive.entities, archive.terms, archive.events, archive.static_files, annotations.timeline, descriptions, events, slugs)
    return digest_of(whole, made_from.shared)


def article_view(article: Article, annotation: Any) -> bytes:
    """The digest of what the plan reads of one article (see the module's docstring)."""
    if article.body:  # a lasting builder's: the plan of a single build holds none
        article = dataclasses.replace(article, body="")
    read = (annotation.slug, annotation.mentions, annotation.diagnostics, annotation.terms, annotation.reading_minutes)
    return digest_of((article, read))


@dataclasses.dataclass(frozen=True, slots=True)
class PlanRecord:
    """This plan's record, for the next build (`context`, `articles`: see the
    module's docstring), and, set when nothing the plan reads changed since
    the record the build began with but some articles' text, their slugs."""

    context: bytes
    articles: dict[str, bytes]  # by slug: the digest of its annotation's key, then of what the plan reads of it
    changed: set[str] | None


def record_plan(cache: BuildCache, archive: Archive, annotations: Annotations, made_from: MadeFrom) -> PlanRecord:
    """The record of the plan of `archive`, compared with the one the build read at start (`cache`)."""
    context = plan_context(archive, annotations, made_from)
    previous = cache.plan_articles if cache.plan_context == context else {}
    annotated = annotations.articles
    known = made_from.shared
    articles: dict[str, bytes] = {}
    changed: set[str] = set()
    only_own_pages = bool(previous)
    for article in archive.articles:
        slug = article.slug
        annotation = annotated.get(slug)
        key = known.digests.get(id(annotation)) if annotation is not None and known.held.get(id(annotation)) is annotation else None
        old = previous.get(slug)
        if key is not None and old is not None and old[:KEY_LENGTH] == key:
            articles[slug] = old
            continue
        changed.add(slug)
        if key is None or len(key) != KEY_LENGTH:
            only_own_pages = False  # not annotated from the fragment cache: nothing to record
            continue
        view = article_view(article, annotation)
        articles[slug] = key + view
        if old is None or old[KEY_LENGTH:] != view:
            only_own_pages = False
    return PlanRecord(context, articles, changed if only_own_pages else None)


def holds_article_of(inputs: tuple, slugs: set[str]) -> bool:
    """Whether a planned page's inputs hold one of these articles, or its annotation."""
    return any(type(value) in ARTICLE_KINDS and value.slug in slugs for value in inputs)


@dataclasses.dataclass(frozen=True, slots=True)
class KeptPage:
    """A page of the last build that the plan's record vouches for: not planned,
    only linked from the previous site (`path` is its file's)."""

    path: str
    template: str = ""
    literal: None = None
    indexable: bool = False


class PlanNeeded(Exception):
    """A KeptPage's previous file could not be kept: the build plans every page."""


def kept_plan(cache: BuildCache, made: list[PlannedPage]) -> list[PlannedPage | KeptPage] | None:
    """Every page of the last build, in its order, each a KeptPage but those of
    `made`, in their places; None when one of those was not a page of it."""
    by_file = {page_file(page): page for page in made}
    if not by_file.keys() <= cache.page_inputs.keys():
        return None
    return [by_file.get(target) or KeptPage(target) for target in cache.page_inputs]
