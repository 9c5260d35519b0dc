"""The search index: Pagefind, run over the written pages as the last stage.

Pagefind's own binary (shipped in the `pagefind[bin]` wheel) indexes every
page marked `data-pagefind-body` (articles and entity pages); glossary terms
have no page of their own, so each is added as a custom record pointing at
its anchor on the glossary page. The bundles go to `pagefind/` (GitHub Pages
hides folders starting with `_`): one per shard of the pages
(`search_shards`), each written by a Pagefind run of its own so that memory
grows with the shard and not the site, with a manifest the search page reads
to merge them and the counts of the filters over the whole archive. Two
shards are indexed at once on two cores (`search_indexer.Runs`), the runs
holding at most `shard_pages` pages together, so memory stays that of one
run over a full shard while one run indexes and the other is fed or written.

The binary is driven through its service interface (`search_indexer`), which
bounds every wait, and given the pages in the order of their paths; the
files it writes in an order of its own are then rewritten (`search_bundle`),
so the same site always gives the same bundles, byte for byte. A shard whose
inputs the previous site's manifest lists with the same digest is hard-linked
from there instead of being indexed again.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import html
import itertools
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sitegen.model.file_status import status_of
from sitegen.model.models import Term
from sitegen.pipeline.config import CONFIG_FILE
from sitegen.pipeline.markdown import render_inline_markdown
from sitegen.pipeline.search_bundle import BundleError, filter_counts, make_reproducible
from sitegen.pipeline.search_indexer import Indexer, IndexerError, Runs
from sitegen.pipeline.search_shards import (
    DEFAULT_SHARD_PAGES,
    FILTER_TOTALS,
    MANIFEST,
    ManifestEntry,
    Shard,
    ShardDigest,
    assign_shards,
    filter_totals_bytes,
    manifest_bytes,
    read_manifest,
)
from sitegen.pipeline.write import link_or_copy, safe_relative_path

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
    shards: int = 1
    indexed: int = 1  # shards indexed by this build; the others were unchanged and kept


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
    site: Path,
    language: str,
    records: list[SearchRecord],
    bundle: Path | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    years: Mapping[str, int] | None = None,
    shard_pages: int = DEFAULT_SHARD_PAGES,
    previous: Path | None = None,
    intact: Callable[[str], bool] = lambda folder: True,
    at_once: int | None = None,
    cancel: threading.Event | None = None,
    linked: dict[str, tuple] | None = None,
) -> SearchReport:
    """Index the built site in `site` and write the bundles to `bundle` (`site/pagefind/`).

    `years` gives the year of each article page (site-relative HTML file),
    `shard_pages` the most pages and records one Pagefind run indexes; a
    shard whose digest the manifest in `previous` (the bundle folder of the
    site being replaced) already lists is linked from there, not indexed
    again, if `intact(folder)` says that shard's folder there is still as
    the build that wrote it left it (the folder is "" for pagefind/ itself). `at_once`
    caps the Pagefind runs at a time (one a core by default; two at most in any case). `timeout` is how long Pagefind may go without answering
    (seconds); a failure of any kind is a SearchError naming the file to look at. Once
    `cancel` is set, the runs stop as at a failure (their indexers killed).
    `linked`, when given, gets the status each file linked from `previous` has once
    linked, by its path in `bundle`: a caller that vouches for the files compares them
    with it later (see engine/staged_writer.py).
    """
    bundle = bundle or site / BUNDLE_DIR
    binary = pagefind_binary()
    language = language.split("-")[0].lower() or "en"
    by_url = {record.url: record for record in records}
    try:
        pages = [page for page in _page_files(site, bundle) if is_indexed_page(site / page)]
        shards = assign_shards(pages, years or {}, by_url, shard_pages)
        indexer = _binary_digest(binary)
        reusable = _previous_manifest(previous)
        bundle.mkdir(parents=True, exist_ok=True)
        runs = Runs(shard_pages, at_once, cancel)

        def make(shard: Shard) -> tuple[ManifestEntry, bool]:
            """The shard's manifest entry, and whether it was indexed (or linked unchanged)."""
            shard_records = [by_url[url] for url in shard.records]
            digest, page_digests = _shard_digest(indexer, language, site, shard.pages, shard_records)
            entry = ManifestEntry(shard.name, shard.folder, digest, len(shard.pages), len(shard.records))
            if (
                previous is not None
                and reusable.get(shard.name) == entry
                and (previous / shard.folder).is_dir()
                and intact(shard.folder)
            ):
                link_tree(previous / shard.folder, bundle / shard.folder, skip=_shard_folders_and_manifest(reusable), linked=linked)
                return entry, False
            with runs.slot(len(shard.pages) + len(shard.records)):
                files = _index_shard(binary, timeout, language, _pages_as_digested(site, shard.pages, page_digests), shard_records, runs.stop)
            _write_bundle(files, bundle / shard.folder)
            return entry, True

        made = runs.map(make, shards)
        entries, indexed = [entry for entry, _ in made], sum(was_indexed for _, was_indexed in made)
        counts = [filter_counts(bundle / shard.folder) for shard in shards]
        _write_beside(bundle, MANIFEST, manifest_bytes(entries, counts), previous, linked)
        _write_beside(bundle, FILTER_TOTALS, filter_totals_bytes(counts), previous, linked)
    except IndexerError as exc:
        if exc.timed_out:
            raise SearchError(f"{exc}: if the site is very large, raise `timeout` (seconds) under [search]", CONFIG_FILE) from None
        raise SearchError(str(exc), str(binary)) from None
    except BundleError as exc:
        raise SearchError(str(exc), str(binary)) from None
    # An OSError here is one of writing the bundle (a full disk…): the caller reports it as such.
    return SearchReport(pages=len(pages), records=len(records), shards=len(shards), indexed=indexed)


def _index_shard(
    binary: Path, timeout: float, language: str, pages: Iterable[tuple[str, bytes]], records: list[SearchRecord], stop: threading.Event
) -> list[dict]:
    """One Pagefind run: the pages (path and bytes, in the order of their paths, each read
    as it is sent), then the records; its files."""
    with Indexer(binary, timeout, stop) as indexer:
        index_id = indexer.request({"type": "NewIndex", "config": {"force_language": language}}, "starting")["index_id"]
        indexer.request_all(
            itertools.chain(
                ((_add_file(index_id, page, data), f"indexing {page}") for page, data in pages),
                ((_add_record(index_id, language, record), f"indexing the glossary term {record.url}") for record in records),
            )
        )
        # The files come back in the answer and are written here: Pagefind's own
        # writing (WriteFiles) may answer before its last writes reach the disk.
        # The answer is read once the indexer has ended (see Indexer.request_unread).
        read_files = indexer.request_unread({"type": "GetFiles", "index_id": index_id}, "writing the index")
    return read_files()["files"]


def _write_bundle(files: list[dict], out: Path) -> None:
    """Write the files of a Pagefind run to `out`, made reproducible."""
    try:
        written = {safe_relative_path(file["path"]): base64.b64decode(file["content"], validate=True) for file in files}
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise BundleError(f"Pagefind gave files sitegen cannot write ({exc})") from None
    for relative, data in sorted(written.items()):
        target = out.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    make_reproducible(out)


def _previous_manifest(previous: Path | None) -> dict[str, ManifestEntry]:
    if previous is None:
        return {}
    try:
        return read_manifest((previous / MANIFEST).read_bytes())
    except OSError:  # no previous index, or not one with shards: everything is indexed
        return {}


def _write_beside(bundle: Path, name: str, data: bytes, previous: Path | None, linked: dict[str, tuple] | None = None) -> None:
    """A file beside the shards (the manifest, the filter counts), linked from the
    previous index when the same: an unchanged index is kept whole (`linked`: see build_search_index)."""
    if previous is not None:
        try:
            if (previous / name).read_bytes() == data:
                link_or_copy(previous / name, bundle / name)
                if linked is not None:
                    linked[os.fspath(bundle / name)] = status_of(os.lstat(bundle / name))
                return
        except FileNotFoundError:
            pass
    (bundle / name).write_bytes(data)


def _shard_folders_and_manifest(entries: dict[str, ManifestEntry]) -> set[str]:
    """What a single shard's bundle (pagefind/ itself) holds that is not its own."""
    return {MANIFEST, FILTER_TOTALS} | {entry.folder.rstrip("/") for entry in entries.values() if entry.folder}


def link_tree(source: Path, target: Path, skip: set[str] = frozenset(), linked: dict[str, tuple] | None = None) -> None:
    """Hard-link every file under `source` to the same place under `target` (a copy
    where the file system has no hard links), except the top-level names in `skip`;
    `linked` gets each one's status once linked, by its path under `target`."""
    for folder, subfolders, names in os.walk(source):
        here = Path(folder)
        if here == source:
            subfolders[:] = [name for name in subfolders if name not in skip]
            names = [name for name in names if name not in skip]
        destination = target / here.relative_to(source)
        destination.mkdir(parents=True, exist_ok=True)
        for name in names:
            link_or_copy(here / name, destination / name)
            if linked is not None:
                linked[os.path.join(destination, name)] = status_of(os.lstat(destination / name))


@functools.lru_cache(maxsize=4)
def _binary_digest_of(path: str, size: int, modified: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _binary_digest(binary: Path) -> str:
    """The digest of the indexer's bytes: another Pagefind writes other bundles."""
    status = binary.stat()
    return _binary_digest_of(str(binary), status.st_size, status.st_mtime_ns)


def indexer_identity() -> tuple[str, int, int] | None:
    """Which Pagefind binary would index now, by its path and status: a build
    that finds another one (upgraded, or named by $PAGEFIND_BINARY_PATH) is not
    "unchanged", even when no page is. None when there is none to run."""
    try:
        binary = pagefind_binary()
        status = binary.stat()
    except (SearchError, OSError):
        return None
    return str(binary), status.st_size, status.st_mtime_ns


def _shard_digest(indexer: str, language: str, site: Path, pages: Sequence[str], records: list[SearchRecord]) -> tuple[str, list[bytes]]:
    """The digest of what indexing the shard reads, and the digest of each page's bytes.

    The pages are read one at a time, here and again as they are sent to the
    indexer (`_pages_as_digested`), not held together: a shard's pages are some
    100 MiB, and the build's process held two shards' while one waited for the
    other's indexer. Between the two reads a page may have changed (a page kept
    from the last build is the published file itself, hard-linked): each is
    checked against its digest as it is sent, so that the shard's digest is
    always that of what was indexed."""
    digest, page_digests = ShardDigest(indexer, language), []
    for page in pages:
        data = _read_page(site / page)
        digest.page(page, data)
        page_digests.append(_page_digest(data))
    for record in records:
        digest.record(record)
    return digest.hexdigest(), page_digests


def _pages_as_digested(site: Path, pages: Sequence[str], digests: list[bytes]) -> Iterator[tuple[str, bytes]]:
    """Each page's path and bytes, read again, as `_shard_digest` digested them."""
    for page, digest in zip(pages, digests, strict=True):
        data = _read_page(site / page)
        if _page_digest(data) != digest:
            raise SearchError("the page changed while the search index was made; build again", str(site / page))
        yield page, data


def _page_digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _read_page(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SearchError(f"a page could not be read for indexing: {exc.strerror or exc}", exc.filename or str(path)) from None


_BODY = re.compile(rb"<[^<>]*\sdata-pagefind-body[\s=/>]")
_MARK = b"data-pagefind-body"
_CHUNK = 1 << 16


def is_indexed_page(path: Path) -> bool:
    """Whether Pagefind indexes the page: it marks its body (articles and entity pages).
    Pagefind drops the others from an index that has such pages, but would index them
    all in a shard that had none. Read only as far as the mark: the shard reads the
    page again, and the mark stands near the top of the pages that have it."""
    try:
        with open(path, "rb") as file:
            seen = b""
            while chunk := file.read(_CHUNK):
                seen = seen[-_CHUNK:] + chunk  # a tag cut between two chunks is still found
                if _marked(seen):
                    return True
        return False
    except OSError as exc:
        raise SearchError(f"a page could not be read for indexing: {exc.strerror or exc}", exc.filename or str(path)) from None


def _marked(data: bytes) -> bool:
    """Whether a tag in `data` has the attribute data-pagefind-body; the tag is
    matched only where the name stands (the pattern alone is slow over a page)."""
    at = data.find(_MARK)
    while at >= 0:
        start = data.rfind(b"<", 0, at)
        if start >= 0 and _BODY.match(data, start):
            return True
        at = data.find(_MARK, at + 1)
    return False


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


def _add_file(index_id: int, page: str, data: bytes) -> dict:
    # The path is relative, so Pagefind makes the page's URL from it ("articles/x/index.html" -> "/articles/x/").
    contents = data.decode("utf-8", errors="replace")
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
