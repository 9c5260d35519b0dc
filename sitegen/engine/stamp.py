"""The stamp of the last clean build: enough for a new `sitegen build` to see that
nothing changed without loading the cache, parsing a source or importing the pipeline.

A build that publishes a site (or finds it current) writes `.sitegen-cache/stamp`:
the status (`lstat`: kind and permissions, size, modification and change
time, inode) of every file and folder it is made from (`site.toml`,
`content/`, `templates/`, the built-in theme), taken before the build read
any of them; the options it ran with; a digest of the output folder's
manifest as it left it (see published.py); and what it reported (counts and
warnings). It is sealed like the cache, under the same key and for the same
code and packages (cache_key.py), so a stamp shipped with an archive or
edited is not believed.

The next `sitegen build` stats the same files and the output folder; when
every status is the same, nothing it could read has changed (a write, even
one that gives a file back its old modification time, changes the change
time), and the output is as that build left it: it reports the same result
and stops. Anything else, or anything unusual (a symbolic link in the
templates, leftovers of a killed build beside the output, a build running),
is left to the builder, which checks what it loads.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import stat
import time
from pathlib import Path

from sitegen.engine.cache import RECENT_NS
from sitegen.engine.cache_bytes import cache_folder, remove_abandoned_temporaries
from sitegen.engine.cache_key import cache_key, environment_digest, read_sealed, write_sealed
from sitegen.engine.options import BuildOptions, BuildResult
from sitegen.engine.published import Manifest, output_manifest
from sitegen.model.errors import Diagnostic

STAMP_FILE = "stamp"
STAMP_FORMAT = 2  # 2: the digest of a manifest is of its marshal, no longer of its repr
MAX_STAMP_BYTES = 16 << 20
CACHE_DIR = ".sitegen-cache"  # the folder of the persistent cache (cache_file.py)
CONFIG_FILE = "site.toml"  # see pipeline/config.py
SOURCE_FOLDERS = ("content", "templates")  # pipeline/load.py, pipeline/render.py
THEME_DIR = Path(__file__).resolve().parent.parent / "theme"  # the built-in theme, see pipeline/render.py


class Unusual(Exception):
    """Something the stamp does not vouch for: the builder decides."""


def manifest_digest(manifest: Manifest) -> str:
    """One digest of a folder's manifest (every entry's path and status)."""
    # marshal: one call in C, a third of the time `repr` took. Its version 2 writes a value
    # by its type and value alone (later versions mark strings interned and objects met
    # twice), so equal manifests give the same bytes in any process of this Python, whose
    # version the stamp's header names. The paths sorted alone: comparing them is cheaper
    # than comparing (path, status) pairs.
    paths = sorted(manifest)
    data = marshal.dumps((paths, [manifest[path] for path in paths]), 2)
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _tree(folder: Path, found: Manifest, prefix: str, links_allowed: bool) -> None:
    """The status of every entry under `folder` (links not followed), into `found` under `prefix`."""
    pending = [(os.fspath(folder), prefix)]
    while pending:
        here, name = pending.pop()
        with os.scandir(here) as entries:
            for entry in entries:
                relative = f"{name}/{entry.name}"
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISLNK(info.st_mode) and not links_allowed:
                    raise Unusual(relative)  # followed by what reads it: its status is not the file's
                found[relative] = (info.st_mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
                if stat.S_ISDIR(info.st_mode):
                    pending.append((entry.path, relative))


_content_bytes: dict[Path, int] = {}  # by archive: what the last sources_digest found in content/


_sources_taken: dict[Path, str] = {}  # by archive: the digest unchanged_build took, for the build it let run


def taken_sources_digest(root: Path) -> str | None:
    """The digest of the sources' status that `unchanged_build` took of `root` in this
    process, if it took one, given once: the build that follows it began when that
    check did, before it read a source, and need not walk the sources again. A later
    build of the same process takes its own (a stamp older than the sources it
    vouches for only makes the next check look again: every write changes a status)."""
    return _sources_taken.pop(root, None)


def content_bytes_seen(root: Path) -> int | None:
    """The bytes of the regular files of `root`'s content/ as this process last took the
    sources' status (a walk the reading of the cache need not make again), if it did."""
    return _content_bytes.get(root)


def sources_digest(root: Path) -> str:
    """A digest of the status of everything a build of `root` reads (see the module's docstring).

    content/ is read without following links (a link there is left out with
    a warning), templates and the theme through them: a link there is unusual."""
    found: Manifest = {}
    try:
        info = os.stat(root / CONFIG_FILE)
    except OSError:
        raise Unusual(CONFIG_FILE) from None
    found[CONFIG_FILE] = (info.st_mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
    for name in SOURCE_FOLDERS:
        try:
            info = os.lstat(root / name)
        except FileNotFoundError:
            continue
        if not stat.S_ISDIR(info.st_mode):
            raise Unusual(name)
        found[name] = (info.st_mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
        _tree(root / name, found, name, links_allowed=name == "content")
    _tree(THEME_DIR, found, "<theme>", links_allowed=False)
    # The bytes of content/'s files, for the reading of the cache that may follow (see content_bytes_seen).
    _content_bytes[root] = sum(status[1] for path, status in found.items() if path.startswith("content/") and stat.S_ISREG(status[0]))
    recent = time.time_ns() - RECENT_NS
    if any(status[3] > recent for status in found.values()):
        raise Unusual("changed just now")  # a second write within the clock's step could leave the same status
    return manifest_digest(found)


def options_key(options: BuildOptions) -> list:
    """What of the options and the environment shapes the site (not the workers: the bytes are the same)."""
    return [options.output, options.base_url, options.drafts, options.search, os.environ.get("SOURCE_DATE_EPOCH")]


def _busy_beside(output: Path) -> bool:
    """A lock or a staging, search or retired folder beside the output: a build runs, or one was killed.
    (Not the spare, the previous site kept as the next build's stage: it is never published.)"""
    prefix, spare = f".{output.name}.", f".{output.name}.previous"  # pipeline/spare_site.py's spare_folder
    try:
        with os.scandir(output.parent) as entries:
            return any(entry.name.startswith(prefix) and entry.name != spare for entry in entries)
    except OSError:
        return True


def _stamp_path(root: Path, create: bool = False) -> Path | None:
    folder = root / CACHE_DIR
    try:
        if create and not os.path.lexists(folder):
            folder.mkdir()
        return folder / STAMP_FILE if stat.S_ISDIR(os.lstat(folder).st_mode) else None
    except OSError:
        return None


def _header() -> bytes:
    return f"sitegen-stamp {STAMP_FORMAT} {environment_digest().hex()}\n".encode()


def today() -> str:
    """The day (UTC, YYYY-MM-DD) a build that gives the clock's day takes (see pipeline/config.py)."""
    return time.strftime("%Y-%m-%d", time.gmtime())


def write_stamp(
    root: Path,
    options: BuildOptions,
    sources: str,
    output: Path,
    manifest: Manifest,
    result: BuildResult,
    indexer: list | None,
    day: str | None = None,
) -> None:
    """Record a build that published `output` from sources whose status was `sources` when it
    began; `indexer`: the `indexer_status()` it began with when it made a search index, else None;
    `day`: the day its pages give when it is the clock's (`today()`), which the next day changes."""
    key, path = cache_key(), _stamp_path(root, create=True)
    if key is None or path is None:
        return
    record = {
        "options": options_key(options),
        "sources": sources,
        "output": str(output),
        "manifest": manifest_digest(manifest),
        "searched": indexer,
        "day": day,
        "counts": [result.articles, result.entities, result.pages],
        "warnings": [[w.path, w.line, w.message, w.severity] for w in result.warnings],
    }
    # A stamp that cannot be written only costs time next build.
    write_sealed(path, _header() + json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogateescape") + b"\n", key)


def _read_stamp(root: Path) -> dict | None:
    key, path = cache_key(), _stamp_path(root)
    if key is None or path is None:
        return None
    data = read_sealed(path, key, _header(), MAX_STAMP_BYTES)
    if data is None:
        return None
    try:
        record = json.loads(data.decode("utf-8", "surrogateescape"))
    except ValueError:
        return None
    return record if type(record) is dict else None


def unchanged_build(options: BuildOptions) -> BuildResult | None:
    """The result of the last build, when its stamp shows nothing it read nor wrote has
    changed since; None when the builder must look (or when anything is unusual)."""
    started = time.perf_counter()
    if not options.cache:
        return None
    root = options.root.resolve()
    record = _read_stamp(root)
    if record is None or record.get("options") != options_key(options):
        return None
    try:
        output = Path(record["output"])
        sources = _sources_taken[root] = sources_digest(root)
        if sources != record["sources"] or _busy_beside(output):
            return None
        info = os.lstat(output)
        if not stat.S_ISDIR(info.st_mode) or manifest_digest(output_manifest(output)) != record["manifest"]:
            return None
        if record["searched"] is not None and indexer_status() != record["searched"]:
            return None
        if record["day"] is not None and record["day"] != today():
            return None  # the pages give another day than a build today would
        articles, entities, pages = record["counts"]
        warnings = [Diagnostic(path, line, message, severity) for path, line, message, severity in record["warnings"]]
    except (Unusual, OSError, LookupError, TypeError, ValueError):
        return None
    _sources_taken.pop(root, None)  # no build follows
    folder = cache_folder(root)
    if folder is not None:  # what a build killed since the last one that wrote a cache left
        remove_abandoned_temporaries(folder)
    return BuildResult(
        articles=articles,
        entities=entities,
        pages=pages,
        output=output,
        warnings=warnings,
        seconds=time.perf_counter() - started,
        search_skipped_because="nothing changed",
        timings={"stamp": time.perf_counter() - started},
        unchanged=True,
    )


def indexer_status() -> list:
    """Which Pagefind binary would index now, by its path and status (as the
    builder's `indexer_identity` tells it), without importing the pipeline."""
    try:
        from pagefind.service import get_executable  # only when the last build made an index

        binary = get_executable()
        info = os.stat(binary)  # type: ignore[arg-type]  # None: no binary, a TypeError
    except (ImportError, OSError, TypeError):
        return []
    return [str(binary), info.st_size, info.st_mtime_ns]
