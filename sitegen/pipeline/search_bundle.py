"""Pagefind's bundle, made byte-reproducible.

Given the same pages in the same order, Pagefind writes the same bytes for
every file but three kinds: it builds the filter index in hash maps whose
order changes from run to run, so each filter file (`filter/*.pf_filter`)
lists its values in a different order, the metadata file
(`pagefind.*.pf_meta`) lists the filters (and the sort keys) in a different
order, and since files are named by a hash of their contents, their names
change too, and with them the entry file (`pagefind-entry.json`) that names
the metadata. `make_reproducible` rewrites those files in a fixed order:
filter values and filters by name, sorts by key, each file named by the hash
of its new contents as Pagefind names it. The search reads them the same way
(it keeps filters in ordered maps).

Pagefind's data files are gzip-compressed CBOR behind a signature, with
records as CBOR arrays. The rewritten files are compressed with a fixed
header (no time stamp), so they depend only on their contents (and zlib).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import cbor2

ENTRY = "pagefind-entry.json"
FILTERS = "filter"
_SIGNATURE = b"pagefind_dcd"
_META_FILTERS, _META_SORTS = 3, 4  # positions in the metadata record: [[filter, file hash], ...], [[key, pages], ...]


class BundleError(Exception):
    pass


def make_reproducible(bundle: Path) -> None:
    """Rewrite the order-dependent files of the Pagefind bundle in `bundle`."""
    entry_path = bundle / ENTRY
    try:
        entry = json.loads(entry_path.read_text(encoding="utf-8"))
        languages = {
            language: {**about, "hash": _rewrite_language(bundle, language, about["hash"])}
            for language, about in sorted(entry["languages"].items())
        }
    except (OSError, ValueError, KeyError, TypeError, IndexError, cbor2.CBORDecodeError) as exc:
        raise BundleError(f"Pagefind wrote a bundle whose files are not as sitegen knows them ({exc!r}): use the Pagefind version sitegen is tested with") from exc
    entry["languages"] = languages
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _rewrite_language(bundle: Path, language: str, meta_hash: str) -> str:
    """Rewrite one language's metadata and filter files; return the metadata's new hash."""
    meta_path = bundle / f"pagefind.{meta_hash}.pf_meta"
    meta = _read(meta_path)  # [version, pages, index chunks, filters, sorts, ...]
    contents = {}
    for name, filter_hash in meta[_META_FILTERS]:
        filter_path = bundle / FILTERS / f"{filter_hash}.pf_filter"
        filter_name, values = _read(filter_path)
        contents[name] = cbor2.dumps([filter_name, sorted(values, key=lambda value: value[0])])
        filter_path.unlink()
    taken: set[str] = set()
    new_filters = []
    for name, data in sorted(contents.items()):
        new_hash = _unique_short_hash(language, data, taken)
        taken.add(new_hash)
        _write(bundle / FILTERS / f"{new_hash}.pf_filter", data)
        new_filters.append([name, new_hash])
    meta[_META_FILTERS] = new_filters
    meta[_META_SORTS] = sorted(meta[_META_SORTS], key=lambda sort: sort[0])
    data = cbor2.dumps(meta)
    new_meta_hash = f"{language}_{_pagefind_hash(data)[: len(language) + 8]}"
    meta_path.unlink()
    _write(bundle / f"pagefind.{new_meta_hash}.pf_meta", data)
    return new_meta_hash


def _pagefind_hash(data: bytes) -> str:
    """SHA-1 as Pagefind spells it in file names: each byte in hex, without leading zeros."""
    return "".join(f"{byte:x}" for byte in hashlib.sha1(data).digest())


def _unique_short_hash(language: str, data: bytes, taken: set[str]) -> str:
    """`language_` and the hash's first 7 digits, one more at a time while taken, as Pagefind does."""
    full = f"{language}_{_pagefind_hash(data)}"
    length = len(language) + 8
    while full[:length] in taken and length < len(full):
        length += 1
    return full[:length]


def _read(path: Path) -> list:
    raw = gzip.decompress(path.read_bytes())
    if not raw.startswith(_SIGNATURE):
        raise ValueError(f"{path.name} lacks Pagefind's signature")
    return cbor2.loads(raw[len(_SIGNATURE) :])


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(gzip.compress(_SIGNATURE + data, compresslevel=9, mtime=0))


def filter_counts(bundle: Path) -> dict[str, dict[str, int]]:
    """How many pages (and records) of the bundle in `bundle` have each value of each filter:
    {filter: {value: count}}, as Pagefind's own filter files say (a value lists its pages)."""
    try:
        entry = json.loads((bundle / ENTRY).read_text(encoding="utf-8"))
        counts: dict[str, dict[str, int]] = {}
        for about in entry["languages"].values():
            meta = _read(bundle / f"pagefind.{about['hash']}.pf_meta")
            for name, filter_hash in meta[_META_FILTERS]:
                _, values = _read(bundle / FILTERS / f"{filter_hash}.pf_filter")
                for value, pages in values:
                    counts.setdefault(name, {})[value] = counts.get(name, {}).get(value, 0) + len(pages)
    except (OSError, ValueError, KeyError, TypeError, IndexError, cbor2.CBORDecodeError) as exc:
        raise BundleError(f"Pagefind wrote a bundle whose files are not as sitegen knows them ({exc!r}): use the Pagefind version sitegen is tested with") from exc
    return counts
