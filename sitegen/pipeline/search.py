"""The search index: Pagefind, run over the written pages as the last stage.

Pagefind's own binary (shipped in the `pagefind[bin]` wheel) indexes every
page marked `data-pagefind-body` (articles and entity pages); glossary terms
have no page of their own, so each is added as a custom record pointing at
its anchor on the glossary page. The bundle goes to `pagefind/` (GitHub Pages
hides folders starting with `_`).
"""

from __future__ import annotations

import asyncio
import html
import re
from dataclasses import dataclass
from pathlib import Path

from sitegen.model.models import Term
from sitegen.pipeline.markdown import render_inline_markdown

BUNDLE_DIR = "pagefind"


@dataclass(frozen=True, slots=True)
class SearchRecord:
    url: str  # site-relative, as Pagefind reports page URLs ("/glossary/#x")
    content: str
    title: str
    summary: str
    filters: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True, slots=True)
class SearchReport:
    pages: int
    records: int


class SearchError(Exception):
    pass


_TAGS = re.compile(r"<[^>]+>")


def term_records(terms: tuple[Term, ...], glossary_path: str) -> list[SearchRecord]:
    records = []
    for term in terms:
        # The definition as a reader sees it: rendered, then reduced to plain text.
        definition = html.unescape(_TAGS.sub("", render_inline_markdown(term.definition)))
        records.append(
            SearchRecord(
                url=f"/{glossary_path}#{term.id}",
                content=" ".join((term.term, *term.aliases, definition)),
                title=term.term,
                summary=definition,
                filters=(("type", ("term",)),),
            )
        )
    return records


def build_search_index(site: Path, language: str, records: list[SearchRecord], bundle: Path | None = None) -> SearchReport:
    """Index the built site in `site` and write the bundle to `bundle` (`site/pagefind/`)."""
    try:
        return asyncio.run(_index(site, language, records, bundle or site / BUNDLE_DIR))
    except SearchError:
        raise
    except Exception as exc:  # the binary's failures arrive as assorted exceptions
        raise SearchError(f"the search index could not be built: {exc}") from exc


async def _index(site: Path, language: str, records: list[SearchRecord], bundle: Path) -> SearchReport:
    from pagefind.index import (  # imported here: only builds with search pay for it
        IndexConfig,
        PagefindIndex,
    )

    config = IndexConfig(
        force_language=language.split("-")[0].lower() or "en",
        output_path=str(bundle),
    )
    async with PagefindIndex(config=config) as index:
        indexed = await index.add_directory(str(site))
        for record in records:
            await index.add_custom_record(
                url=record.url,
                content=record.content,
                language=config["force_language"],
                meta={"title": record.title, "summary": record.summary},
                filters={name: list(values) for name, values in record.filters},
            )
    return SearchReport(pages=int(indexed.get("page_count", 0)) if isinstance(indexed, dict) else 0, records=len(records))
