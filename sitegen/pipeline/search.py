"""The search index: Pagefind, run over the written pages as the last stage.

Pagefind's own binary (shipped in the `pagefind[bin]` wheel) indexes every
page marked `data-pagefind-body` (articles and entity pages); glossary terms
have no page of their own, so each is added as a custom record pointing at
its anchor on the glossary page. The bundle goes to `pagefind/` (GitHub Pages
hides folders starting with `_`).

The binary is driven through its service interface (`search_indexer`), which
bounds every wait, and given the pages in the order of their paths; the
files it writes in an order of its own are then rewritten (`search_bundle`),
so the same site always gives the same bundle, byte for byte.
"""

from __future__ import annotations

import html
import itertools
import os
import re
from dataclasses import dataclass
from pathlib import Path

from sitegen.model.models import Term
from sitegen.pipeline.config import CONFIG_FILE
from sitegen.pipeline.markdown import render_inline_markdown
from sitegen.pipeline.search_bundle import BundleError, make_reproducible
from sitegen.pipeline.search_indexer import Indexer, IndexerError

BUNDLE_DIR = "pagefind"
DEFAULT_TIMEOUT = 600.0  # seconds without an answer from the indexer; [search] timeout


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
    """The index could not be built; `path` is where to look (the Pagefind
    binary, site.toml for its time limit, or a folder)."""

    def __init__(self, message: str, path: str = "search index"):
        super().__init__(message)
        self.path = path


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


def build_search_index(
    site: Path, language: str, records: list[SearchRecord], bundle: Path | None = None, *, timeout: float = DEFAULT_TIMEOUT
) -> SearchReport:
    """Index the built site in `site` and write the bundle to `bundle` (`site/pagefind/`).

    `timeout` is how long Pagefind may go without answering (seconds); a
    failure of any kind is a SearchError naming the file to look at.
    """
    bundle = bundle or site / BUNDLE_DIR
    binary = pagefind_binary()
    language = language.split("-")[0].lower() or "en"
    pages = _page_files(site, bundle)
    try:
        with Indexer(binary, timeout) as indexer:
            index_id = indexer.request({"type": "NewIndex", "config": {"force_language": language}}, "starting")["index_id"]
            indexer.request_all(
                itertools.chain(
                    ((_add_file(index_id, site, page), f"indexing {page}") for page in pages),
                    ((_add_record(index_id, language, record), f"indexing the glossary term {record.url}") for record in records),
                )
            )
            indexer.request({"type": "WriteFiles", "index_id": index_id, "output_path": str(bundle.resolve())}, "writing the index")
        make_reproducible(bundle)
    except IndexerError as exc:
        if exc.timed_out:
            raise SearchError(f"{exc}: if the site is very large, raise `timeout` (seconds) under [search]", CONFIG_FILE) from None
        raise SearchError(str(exc), str(binary)) from None
    except BundleError as exc:
        raise SearchError(str(exc), str(binary)) from None
    except OSError as exc:  # a page that cannot be read
        raise SearchError(f"a page could not be read for indexing: {exc.strerror or exc}", exc.filename or str(site)) from None
    return SearchReport(pages=len(pages), records=len(records))


def pagefind_binary() -> Path:
    """The Pagefind binary: $PAGEFIND_BINARY_PATH, else the one in the `pagefind[bin]` wheel."""
    from pagefind.service import get_executable  # imported here: only builds with search pay for it

    binary = get_executable()
    if binary is None:
        raise SearchError("Pagefind's binary is missing: reinstall sitegen with its dependencies (it needs `pagefind[bin]`)", "pagefind")
    return binary


def _page_files(site: Path, bundle: Path) -> list[str]:
    """Every HTML file of the site outside the bundle, as sorted relative paths."""
    files = []
    for folder, subfolders, names in os.walk(site):
        here = Path(folder)
        subfolders[:] = [name for name in subfolders if here / name != bundle]
        files.extend((here / name).relative_to(site).as_posix() for name in names if name.endswith(".html"))
    return sorted(files)


def _add_file(index_id: int, site: Path, page: str) -> dict:
    # The path is relative, so Pagefind makes the page's URL from it ("articles/x/index.html" -> "/articles/x/").
    contents = (site / page).read_text(encoding="utf-8", errors="replace")
    return {"type": "AddFile", "index_id": index_id, "file_path": page, "url": None, "file_contents": contents}


def _add_record(index_id: int, language: str, record: SearchRecord) -> dict:
    return {
        "type": "AddRecord",
        "index_id": index_id,
        "url": record.url,
        "content": record.content,
        "language": language,
        "meta": {"title": record.title, "summary": record.summary},
        "filters": {name: list(values) for name, values in record.filters},
        "sort": None,
    }
