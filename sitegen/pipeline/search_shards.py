"""The search index in shards: which pages each Pagefind run indexes, and the manifest.

Pagefind holds the index of everything it is given in memory until it writes
it, so the memory of one run grows with the site. The pages are therefore
split into shards of at most `[search] shard_pages` pages and records, each
indexed by a run of its own into a bundle of its own; the search page merges
the bundles in the browser.

A shard is a group cut into consecutive parts of at most the budget, in the
order of the pages' paths: the articles of one year form a group
(`articles-2016`, or `articles-2016-1`, `articles-2016-2`, … when the year
is larger than the budget), everything else indexed (entity pages, then the
glossary terms' records, in the glossary's order) forms the group `site`. So an edit to an article
changes one shard and moves no page, and a new article moves pages only
within its own year. An archive within the budget is one shard, `all`,
written where a single bundle always went (`pagefind/` itself).

The manifest (`pagefind/shards.json`) lists the shards with the folder of
their bundle and a digest of everything their bundle is made from, so a later
build re-indexes only the shards whose digest changed, and with the values
each holds of the filters that follow the shards' cut (type, year, kind), so
the search page loads only the shards a filtered search can find anything
in. Beside it, `pagefind/filters.json` counts every filter's values over the
whole archive, so the page shows its filters before a search without loading
any shard.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MANIFEST = "shards.json"
FILTER_TOTALS = "filters.json"  # every filter's values with their counts over the whole archive
# The filters whose values a shard's manifest entry lists: few values each,
# and the ones that decide (or nearly) which shard a page is in.
SHARD_FILTERS = ("kind", "type", "year")
SINGLE = "all"  # the name of the one shard of an archive within the budget
SITE = "site"  # the group of everything indexed that is not an article
DEFAULT_SHARD_PAGES = 4000  # as [search] shard_pages defaults to (config.SearchSettings)
_FORMAT = b"sitegen search shard 1"  # bump when the bundle's rewriting changes


@dataclass(frozen=True, slots=True)
class Shard:
    name: str
    folder: str  # the bundle's folder inside pagefind/: "" for the single shard, else "name/"
    pages: tuple[str, ...]  # site-relative HTML files, in the order of their paths
    records: tuple[str, ...]  # URLs of the custom records (glossary terms), in order


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    name: str
    folder: str
    digest: str
    pages: int
    records: int


def assign_shards(pages: Iterable[str], years: Mapping[str, int], records: Iterable[str], budget: int) -> list[Shard]:
    """Split the indexed `pages` (and custom `records`) into shards of at most `budget` items.

    `years` gives the year of every article page; any other page, and every
    record, belongs to the `site` group. The result depends only on the
    pages' paths and years and the records' order (the glossary's), and is
    in the order of the names.
    """
    pages, records = sorted(pages), list(records)
    if len(pages) + len(records) <= budget:
        return [Shard(SINGLE, "", tuple(pages), tuple(records))]
    groups: dict[str, list[tuple[str, bool]]] = {}
    for page in pages:
        group = f"articles-{years[page]}" if page in years else SITE
        groups.setdefault(group, []).append((page, False))
    if records:
        groups.setdefault(SITE, []).extend((record, True) for record in records)
    shards = []
    for group, items in sorted(groups.items()):
        parts = [items[start : start + budget] for start in range(0, len(items), budget)]
        for number, part in enumerate(parts, 1):
            name = group if len(parts) == 1 else f"{group}-{number}"
            shards.append(
                Shard(
                    name,
                    f"{name}/",
                    tuple(item for item, is_record in part if not is_record),
                    tuple(item for item, is_record in part if is_record),
                )
            )
    return sorted(shards, key=lambda shard: shard.name)


class ShardDigest:
    """The digest of what one shard's bundle is made from: its pages' paths and
    bytes, its records, the language and the indexer (its binary's digest)."""

    def __init__(self, indexer: str, language: str):
        self._hash = hashlib.sha256(_FORMAT)
        self._add(indexer.encode(), language.encode())

    def page(self, path: str, data: bytes) -> None:
        self._add(b"page", path.encode(), data)

    def record(self, record: object) -> None:
        self._add(b"record", repr(record).encode())

    def hexdigest(self) -> str:
        return self._hash.hexdigest()

    def _add(self, *parts: bytes) -> None:
        for part in parts:  # each part after its length: no two inputs give the same stream
            self._hash.update(len(part).to_bytes(8, "big"))
            self._hash.update(part)


Counts = Mapping[str, Mapping[str, int]]  # {filter: {value: pages with it}}


def manifest_bytes(entries: list[ManifestEntry], counts: list[Counts] | None = None) -> bytes:
    """The manifest; `counts` gives each entry's shard's filter counts, of which
    the values of SHARD_FILTERS are listed (a value with no page is not)."""
    shards = []
    for number, entry in enumerate(entries):
        shard = {"name": entry.name, "bundle": entry.folder, "pages": entry.pages, "records": entry.records, "digest": entry.digest}
        if counts is not None:
            held = counts[number]
            shard["filters"] = {name: sorted(value for value, count in held.get(name, {}).items() if count) for name in SHARD_FILTERS}
            # Every filter the shard's pages have: a browser that gets no counts of one knows its file failed to load.
            shard["filter_names"] = sorted(name for name, values in held.items() if any(values.values()))
        shards.append(shard)
    return _json({"shards": shards})


def filter_totals_bytes(counts: Iterable[Counts]) -> bytes:
    """The counts of every filter's values over all the shards, as filters.json holds them."""
    totals: dict[str, dict[str, int]] = {}
    for held in counts:
        for name, values in held.items():
            for value, count in values.items():
                totals.setdefault(name, {})[value] = totals.get(name, {}).get(value, 0) + count
    return _json({"filters": totals})


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def read_manifest(data: bytes) -> dict[str, ManifestEntry]:
    """The entries of a manifest by shard name; {} for anything unreadable (nothing is then reused)."""
    try:
        shards = json.loads(data)["shards"]
        entries = [ManifestEntry(s["name"], s["bundle"], s["digest"], s["pages"], s["records"]) for s in shards]
    except (ValueError, KeyError, TypeError):
        return {}
    return {entry.name: entry for entry in entries if isinstance(entry.folder, str) and isinstance(entry.digest, str)}
