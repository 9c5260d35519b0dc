"""What a search index in shards says, decoded from its files: the meaning, not the bytes.

Each shard's bundle is Pagefind's: an entry file names the metadata file,
which lists the pages (by the hash of their fragment file), the index
chunks (words -> pages), the filter files (filter -> value -> pages) and the
sort keys; all of them gzip-compressed CBOR behind Pagefind's signature, and
each fragment gzip-compressed JSON behind it. Two bundles that decode to the
same shards answer every search alike.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import cbor2

SIGNATURE = b"pagefind_dcd"


def _payload(path: Path) -> bytes:
    raw = gzip.decompress(path.read_bytes())
    assert raw.startswith(SIGNATURE), f"{path} lacks Pagefind's signature"
    return raw[len(SIGNATURE) :]


def decoded_bundle(bundle: Path) -> dict[str, dict]:
    """One Pagefind bundle as {url: page}: each page's title, meta, filters
    (from the filter files the search reads), indexed words and sort ranks."""
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    pages: dict[str, dict] = {}
    for language, about in sorted(entry["languages"].items()):
        meta = cbor2.loads(_payload(bundle / f"pagefind.{about['hash']}.pf_meta"))
        _, page_list, chunks, filters, sorts = meta[:5]
        urls = []
        for fragment_hash, _word_count in page_list:
            fragment = json.loads(_payload(bundle / "fragment" / f"{fragment_hash}.pf_fragment"))
            urls.append(fragment["url"])
            pages[fragment["url"]] = {
                "language": language,
                "title": fragment["meta"].get("title"),
                "meta": fragment["meta"],
                "content": fragment["content"],
                "filters": {},
                "words": set(),
                "sort": {},
            }
        for _first, _last, chunk_hash in chunks:
            for word, hits, *_ in cbor2.loads(_payload(bundle / "index" / f"{chunk_hash}.pf_index"))[0]:
                for number, *_ in hits:
                    pages[urls[number]]["words"].add(word)
        for name, filter_hash in filters:
            _, values = cbor2.loads(_payload(bundle / "filter" / f"{filter_hash}.pf_filter"))
            for value, numbers in values:
                for number in numbers:
                    pages[urls[number]]["filters"].setdefault(name, set()).add(value)
        for key, order in sorts:
            for rank, number in enumerate(order):
                pages[urls[number]]["sort"][key] = rank
    return pages


def decoded_shards(pagefind: Path) -> dict[str, dict]:
    """Every shard the manifest `pagefind/shards.json` lists, by name: its
    manifest entry and its decoded bundle."""
    manifest = json.loads((pagefind / "shards.json").read_text(encoding="utf-8"))
    return {shard["name"]: {"entry": shard, "pages": decoded_bundle(pagefind / shard["bundle"])} for shard in manifest["shards"]}


def filter_files(pagefind: Path) -> dict[str, str]:
    """The filter files of every shard the manifest lists, by their path under
    `pagefind/` ("articles-2016/filter/en_1a2b3c4.pf_filter"): the filter each holds."""
    manifest = json.loads((pagefind / "shards.json").read_text(encoding="utf-8"))
    files = {}
    for shard in manifest["shards"]:
        bundle = pagefind / shard["bundle"]
        entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
        for about in entry["languages"].values():
            meta = cbor2.loads(_payload(bundle / f"pagefind.{about['hash']}.pf_meta"))
            for name, filter_hash in meta[3]:
                files[f"{shard['bundle']}filter/{filter_hash}.pf_filter"] = name
    return files
