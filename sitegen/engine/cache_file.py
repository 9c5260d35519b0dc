"""The persistent cache: what one build leaves in `.sitegen-cache/` for the next.

Only clean builds write it; a builder reads it when it starts. It can only
save time: a file that is anything but what this user's sitegen wrote, for
this code and these packages, gives an empty cache, never other output.

The file is text: a header naming the format and the environment digest,
one JSON line per cached entry (see cache_codec), and last the HMAC-SHA256
of everything before it under a per-user secret kept outside the archive.
Nothing is decoded before that seal verifies, and decoding builds only the
known model classes, so a cache shipped inside an archive can neither run
code nor, edited, change the site: it does not verify and is rebuilt.

An annotated article's line holds its two pieces of HTML apart, after the
rest, each a JSON string after a tab (which JSON text never holds unescaped).
Most of the file is that HTML, and a build after a small edit renders few
articles: loaded `lazy` (a single build), the HTML stays in the verified
bytes read from the file and is decoded only when a page reads it, and so
do the article's mentions and terms, but for which entities it mentions
(see _article_apart). A parsed
article's line holds its Markdown body apart in the same way: loaded `lazy`,
the body is decoded only when the article is annotated again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import itertools
import json
import os
import stat
import sys
import tempfile
import threading
from pathlib import Path

from sitegen.engine.cache import BuildCache
from sitegen.engine.cache_bytes import (  # noqa: F401  (the file's names are part of this module's interface)
    CACHE_DIR,
    CACHE_FILE,
    CACHE_FORMAT,
    CacheReading,
    cache_folder,
    header,
    lock,
    remove_abandoned_temporaries,
    verified_cache,
)
from sitegen.engine.cache_codec import decode, encode
from sitegen.engine.cache_key import (  # noqa: F401  (the key and digests are part of this module's interface)
    KEY_VARIABLE,
    OUTPUT_PACKAGES,
    TOOLING_PACKAGES,
    cache_key,
    code_digest,
    environment_digest,
    key_file,
    replace_cache_file,
    seal_of,
)
from sitegen.engine.stored_fragments import StoredArticle, StoredSource, is_parsed_article, loaded
from sitegen.model.errors import CacheUnreadable, Diagnostic
from sitegen.model.models import Article, Entity
from sitegen.pipeline.annotate import AnnotatedArticle, AnnotatedFragment, Mention

LEGACY_CACHE_FILES = ("build.pickle",)  # what earlier versions wrote: never read, removed on save
SOURCE_DIGEST_BYTES = 16  # what digest_of gives
FRAGMENT_TYPES = (AnnotatedArticle, AnnotatedFragment)  # what the annotate stage caches



def load_persistent_cache(root: Path, lazy: bool = False, reading: CacheReading | None = None) -> BuildCache:
    """The parsed sources, annotated fragments and record of the last build kept on disk.

    Anything wrong with the file (missing, not a regular file, too large,
    truncated, edited, sealed with another key, made by another version of
    sitegen, its packages or Python, or holding values of unexpected types)
    gives an empty cache. With `lazy`, each annotated article is a
    StoredArticle whose HTML is decoded from the file's verified bytes, kept
    in memory, when it is read (a single build: see the module's docstring).
    With `reading`, the file as that reading found and verified it.
    """
    cache = BuildCache()
    try:
        found = reading.result() if reading is not None else None
        verified = found[0] if found is not None else verified_cache(root)
        if verified is None:
            return BuildCache()
        data, position, end = verified.data, verified.start, verified.end
        html = SealedHtml(data)
        while position < end:
            stop = data.index(b"\n", position, end)
            line = data[position:stop]
            first_tab = line.find(b"\t")
            head = line if first_tab < 0 else line[:first_tab]
            section, entry_key, value, *digested = json.loads(head.decode("utf-8", "surrogatepass"))
            entry_key = decode(entry_key)
            if digested and (section != "s" or len(digested) != 1):
                return BuildCache()
            # Where the line was, to copy it when saving: a lazy cache keeps the file's
            # verified bytes (`html`), so no digest is needed to check the copy.
            where = (position, stop - position, html if lazy else line_digest(line))
            if section == "a" and first_tab >= 0 and type(entry_key) is tuple:
                stored = _article_apart(value, html, position, first_tab, line)
                cache.fragments.entries[entry_key] = stored if lazy else stored.load()
                cache.encoded["f", entry_key] = (cache.fragments.entries[entry_key], *where)
                position = stop + 1
                continue
            if section == "s" and first_tab >= 0:
                _intern_names(value)
            value = decode(value)
            if section == "s" and _is_source_entry(entry_key, value):
                if first_tab >= 0:  # a parsed article, its body apart: only with its digest
                    if not digested:
                        return BuildCache()
                    value = _source_apart(value, html, position, first_tab, line, lazy)
                cache.sources.entries[entry_key] = value
                cache.encoded["s", entry_key] = (value, *where)
                if digested and not _know_source_digest(cache, value[1], decode(digested[0])):
                    return BuildCache()
            elif first_tab >= 0:  # only the lines of parsed articles and annotated ones hold a tab
                return BuildCache()
            elif section == "f" and type(entry_key) is tuple and type(value) in FRAGMENT_TYPES:
                cache.fragments.entries[entry_key] = value
                cache.encoded["f", entry_key] = (value, *where)
            elif section == "b" and entry_key in RECORD_CHECKS and RECORD_CHECKS[entry_key](value):
                setattr(cache, RECORD_FIELDS[entry_key], value)
            else:
                return BuildCache()
            position = stop + 1
    except (ValueError, TypeError, LookupError, RecursionError):  # sealed, yet not what sitegen writes (or a key not hashable)
        return BuildCache()
    except OSError:  # sitegen's own modules could not be read to digest them
        return BuildCache()
    return cache


class SealedHtml:
    """The bytes of a cache file whose seal verified, read as a FragmentStore is:
    the rendering processes forked from the build read them too. Saving copies
    the lines of unchanged entries from them."""

    def __init__(self, data: bytes):
        self._data = data

    def line(self, offset: int, length: int) -> bytes:
        return self._data[offset : offset + length]

    def view(self, start: int, end: int) -> memoryview:
        """The bytes from `start` to `end`, not copied."""
        return memoryview(self._data)[start:end]

    def read(self, offset: int, length: int, digest: bytes | None = None) -> str:
        """The JSON string at `offset` (spaces before it allowed), decoded. No `digest` is
        needed: the file's seal was verified before any of its lines was read."""
        try:
            text = json.loads(self._data[offset : offset + length].decode("utf-8", "surrogatepass"))
        except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            text = None
        if type(text) is not str:  # the seal verified: only sitegen's own writer, or a holder of the key, could get here
            raise CacheUnreadable("a piece of the build cache does not decode as text")
        return text


_MENTIONS, _TERMS = (1 + [field.name for field in dataclasses.fields(AnnotatedArticle)].index(name) for name in ("mentions", "terms"))
_MENTION_FIELDS = len(dataclasses.fields(Mention))


def _article_apart(value: object, html: SealedHtml, position: int, first_tab: int, line: bytes) -> StoredArticle:
    """The AnnotatedArticle of a line that holds its HTML apart (see _article_line), as a
    StoredArticle reading its body and notes from `html` (the file's bytes), and its details
    (mentions and terms) from its line when first read; `value` is the article's data as
    the line's JSON gives it, undecoded. A ValueError when the line is not one that
    _article_line writes: all but the details is decoded and checked now, and of the
    details, that each mention is a list of the right length naming an entity."""
    second_tab = line.find(b"\t", first_tab + 1)
    if (
        type(value) is not list
        or len(value) <= max(_MENTIONS, _TERMS)
        or type(value[_MENTIONS]) is not list
        or type(value[_TERMS]) is not list
        or not all(type(mention) is list and len(mention) == _MENTION_FIELDS and type(mention[0]) is str for mention in value[_MENTIONS])
        or second_tab < 0
        or line.find(b"\t", second_tab + 1) >= 0
        or not all(line[index] == 0x22 for index in (first_tab + 1, second_tab - 1, second_tab + 1, -1))  # '"'
    ):
        raise ValueError("not an annotated article's line")
    mentioned = tuple(mention[0] for mention in value[_MENTIONS])
    value[_MENTIONS] = value[_TERMS] = []  # decoded when first read
    rest = decode(value)
    if type(rest) is not AnnotatedArticle or rest.body_html or rest.endnotes_html:
        raise ValueError("not an annotated article's line")
    body = position + first_tab + 1
    notes = position + second_tab  # the tab before the notes: JSON allows it before a value
    return StoredArticle(
        rest.slug, mentioned, rest.diagnostics, _SealedDetails(html, position, first_tab, rest.slug, mentioned), html,
        body, notes - body, len(line) - second_tab, rest.reading_minutes,
    )  # fmt: skip


@dataclasses.dataclass(frozen=True, slots=True)
class _SealedDetails:
    """The details of an annotated article's line (see StoredArticle), decoded when first read:
    a build after an edit reads few. What they decode to is checked as the rest of a
    line is when the file is loaded; CacheUnreadable when it is not what sitegen writes."""

    html: SealedHtml
    position: int  # where the line starts in the file
    length: int  # of the line's JSON before its first tab
    slug: str
    mentioned: tuple[str, ...]

    def decode(self) -> tuple:
        try:
            head = self.html.line(self.position, self.length).decode("utf-8", "surrogatepass")
            article = decode(json.loads(head)[2])
        except (ValueError, TypeError, LookupError, RecursionError):
            article = None
        if type(article) is not AnnotatedArticle or article.slug != self.slug or article.mentioned_entity_ids != self.mentioned:
            raise CacheUnreadable("the details of an annotated article in the build cache do not decode")
        return article.mentions, article.terms


def _source_apart(value: tuple, html: SealedHtml, position: int, first_tab: int, line: bytes, lazy: bool) -> tuple:
    """The source entry of a line that holds a parsed article's body apart (see _entry_line):
    with `lazy`, the article without its body, kept aside as a StoredSource reading it from
    `html` (the file's verified bytes); else the article whole. A ValueError when the line
    is not one that _entry_line writes."""
    digest, parsed, problems = value
    if (
        not is_parsed_article(parsed)
        or parsed[0].body
        or line.find(b"\t", first_tab + 1) >= 0
        or len(line) < first_tab + 3
        or line[first_tab + 1] != 0x22  # '"'
        or line[-1] != 0x22
    ):
        raise ValueError("not a parsed article's line")
    article, key_lines = parsed
    offset, length = position + first_tab + 1, len(line) - first_tab - 1
    if not lazy:
        return digest, (dataclasses.replace(article, body=html.read(offset, length)), key_lines), problems
    # The article is without its body, its names interned (_intern_names): as without_body gives it.
    return digest, StoredSource(article, key_lines, html, offset, length, None), problems


_TAGS, _ENTITY_IDS = (1 + [field.name for field in dataclasses.fields(Article)].index(name) for name in ("tags", "entity_ids"))


def _intern_names(value: object) -> None:
    """Intern the tags and entity ids in the data of a parsed article's entry, before it is
    decoded: its articles then share one string for each, as without_body makes them share."""
    try:
        article = value[2][1]  # type: ignore[index]  # (digest, (article, key lines), problems)
        if article[0] != Article.__name__:
            return
        for index in (_TAGS, _ENTITY_IDS):
            if type(article[index]) is list:
                article[index] = list(map(sys.intern, article[index]))
    except (TypeError, LookupError):  # not the shape of a parsed article: decoding refuses it
        return


def _article_line(entry_key: object, article: AnnotatedArticle) -> str:
    """An annotated article's line: its fields but the HTML, then the body and the notes,
    each a JSON string after a tab."""
    rest = dataclasses.replace(article, body_html="", endnotes_html="")
    dump = lambda value: json.dumps(value, ensure_ascii=False, separators=(",", ":"))  # noqa: E731
    return "\t".join((dump(["a", encode(entry_key), encode(rest)]), dump(article.body_html), dump(article.endnotes_html)))


def remove_persistent_cache(root: Path) -> None:
    """Remove the cache file (not through a symbolic link in place of its folder)."""
    folder = cache_folder(root)
    if folder is not None:
        with contextlib.suppress(OSError):
            (folder / CACHE_FILE).unlink()


def save_persistent_cache(root: Path, cache: BuildCache) -> None:
    """Write the cache for the next build; a value the codec cannot hold is left out (it only costs time)."""
    pending = begin_persistent_cache(root, cache)
    if pending is not None:
        pending.finish(cache)


def begin_persistent_cache(root: Path, cache: BuildCache, background: bool = False) -> PendingCache | None:
    """Write the cache's entries (sources and fragments, most of the file) now, and
    its record when `finish` is called: in between, the build may let the entries
    go (a single build does, before its search index is made: see Builder). None
    when there is nothing to write or it cannot be written (it only costs time).

    With `background`, the entries are written by a thread of their own while the
    caller goes on, which must then leave the sources and fragments as they are
    until `entries_written` or `finish` returns (see PendingCache)."""
    key = cache_key()
    if key is None:
        return None
    try:
        folder = cache_folder(root, create=True)
        if folder is None:
            return None
        remove_abandoned_temporaries(folder)  # before this one is made beside them
        # Streamed to a file beside the cache, then renamed over it: no copy of
        # the whole cache in memory, and a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(prefix=f".{CACHE_FILE}.", suffix=".tmp", dir=folder)
    except OSError:
        return None  # a cache that cannot be written only costs time next build
    lock(handle)
    pending = PendingCache(folder, Path(temporary), os.fdopen(handle, "wb"), hmac.new(key, digestmod=hashlib.sha256))
    previous = _open_regular(folder / CACHE_FILE) if cache.encoded else None
    if background:
        pending.write_in_background(_entry_lines(cache, previous), previous)
        return pending
    try:
        pending.write(_entry_lines(cache, previous))
    except BaseException as exc:
        pending.abandon()
        if isinstance(exc, OSError):
            return None
        raise
    finally:
        if previous is not None:
            os.close(previous)
    return pending


class PendingCache:
    """A cache file being written: its entries are in the temporary file (or being written
    there by a thread of their own: `write_in_background`), its record not yet.

    A build after a small edit copies most of its entries from the last cache
    file, and copying, sealing and writing them leave the interpreter free: in
    their own thread, they take the place of none of the build's own work (a
    fifth of a second at 4,000 articles). The build reads the sources and
    fragments meanwhile, and changes none of them."""

    def __init__(self, folder: Path, temporary: Path, stream, seal):
        self.folder, self.temporary, self.stream, self.seal = folder, temporary, stream, seal
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None  # what stopped the thread
        self._stopping = False

    def write(self, lines) -> None:
        for line in lines:
            if self._stopping:
                raise _Abandoned
            self.seal.update(line)
            self.stream.write(line)
            self.seal.update(b"\n")
            self.stream.write(b"\n")

    def write_in_background(self, lines, previous: int | None) -> None:
        """Write `lines` in a thread of their own; `previous`, the descriptor they read from, is closed after."""

        def write() -> None:
            try:
                self.write(lines)
            except BaseException as exc:  # noqa: BLE001  (raised again by entries_written, in the build)
                self._failure = exc
            finally:
                if previous is not None:
                    os.close(previous)

        thread = threading.Thread(target=write, name="sitegen cache writing", daemon=True)
        try:
            thread.start()
        except RuntimeError:  # no thread to be had: written now
            write()
            return
        self._thread = thread

    def entries_written(self) -> None:
        """Wait for the entries; raise what stopped their writing (an OSError: the file
        cannot be written; a CacheUnreadable: an entry of the last cache did not decode)."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        failure, self._failure = self._failure, None
        if failure is not None:
            raise failure

    def finish(self, cache: BuildCache) -> None:
        """Write the record of the build (as `cache` holds it now) and the seal, and put the file in place."""
        try:
            self.entries_written()
            self.write(_record_lines(cache))
            self.stream.write(self.seal.hexdigest().encode() + b"\n")
            self.stream.close()
            # The file replaced is as large as this one: freeing its blocks took a tenth of a
            # second at 4,000 articles. Held open across the rename, it is freed when let go,
            # by a thread of its own while the build ends.
            replaced = _open_regular(self.folder / CACHE_FILE)
            try:
                replace_cache_file(self.temporary, self.folder / CACHE_FILE)
            finally:
                if replaced is not None:
                    _close_later(replaced)
            for legacy in LEGACY_CACHE_FILES:
                (self.folder / legacy).unlink(missing_ok=True)
        except OSError:
            pass  # a cache that cannot be written only costs time next build
        finally:
            self.abandon()

    def abandon(self) -> None:
        """Close the file and remove it, unless `finish` put it in place (its writing stopped first)."""
        self._stopping = True
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        try:
            self.stream.close()
        except OSError:
            pass
        self.temporary.unlink(missing_ok=True)


def _close_later(handle: int) -> None:
    """Close `handle` in a thread of its own (see PendingCache.finish), or now when there is none."""

    def close() -> None:
        with contextlib.suppress(OSError):
            os.close(handle)

    try:
        threading.Thread(target=close, name="sitegen old cache freeing", daemon=True).start()
    except RuntimeError:
        close()


class _Abandoned(Exception):
    """What stops the writing of a cache file that was abandoned meanwhile."""


def line_digest(line: bytes) -> bytes:
    return hashlib.blake2b(line, digest_size=16).digest()


def _entry_lines(cache: BuildCache, previous: int | None):
    """The header and the lines of the sources and fragments, without their ends of line
    (the record's lines follow them: _record_lines).

    A source or fragment read from the file and still the same object is
    written as the line it was read from, copied from the previous file
    (`previous`, open for reading): after a small edit, only what the edit
    changed is encoded again. A fragment a single build keeps on disk is read
    back to be encoded, one at a time (see engine/stored_fragments.py). The
    loaded cache keeps where each line was and
    its digest, not the line: a line that is no longer what was read there
    (the file was replaced or written meanwhile) is encoded again. A lazy
    cache holds the verified bytes it was read from, and copies from them: lines
    that follow one another there are given as one piece (see _in_runs)."""
    return _in_runs(_entry_pieces(cache, previous))


def _in_runs(pieces):
    """The pieces, each run of lines copied in a row from a lazy cache's bytes
    (each a `_Copied`) given as one: a view of those bytes, newlines and all."""
    run: list | None = None  # [the bytes, where the run starts, where it ends]
    for piece in pieces:
        if type(piece) is _Copied:
            bytes_read, offset, length = piece
            if run is not None and run[0] is bytes_read and run[2] + 1 == offset:  # the next line
                run[2] = offset + length
                continue
            if run is not None:
                yield run[0].view(run[1], run[2])
            run = [bytes_read, offset, offset + length]
            continue
        if run is not None:
            yield run[0].view(run[1], run[2])
            run = None
        yield piece
    if run is not None:
        yield run[0].view(run[1], run[2])


class _Copied(tuple):
    """A line to be copied from a lazy cache's verified bytes: (SealedHtml, offset, length)."""


def _entry_pieces(cache: BuildCache, previous: int | None):
    """The lines of _entry_lines, those to be copied from a lazy cache's bytes as `_Copied`."""
    yield header().rstrip(b"\n")
    encoded = cache.encoded
    for section, entries in (("s", cache.sources.entries), ("f", cache.fragments.entries)):
        for entry_key, value in entries.items():
            known = encoded.get((section, entry_key))
            if known is not None and known[0] is value:
                _, offset, length, check = known
                if type(check) is SealedHtml:
                    yield _Copied((check, offset, length))
                    continue
                line = os.pread(previous, length, offset) if previous is not None else b""
                if len(line) == length and line_digest(line) == check:
                    yield line
                    continue
            try:
                digested = _source_digest(cache, value[1]) if section == "s" else None
                value = loaded(value)  # a DamagedCopy (a ValueError) leaves the entry out
                line = _entry_line(section, entry_key, value, digested)
            except (ValueError, RecursionError):  # Unencodable is a ValueError
                continue
            yield line.encode("utf-8", "surrogatepass")


def _entry_line(section: str, entry_key: object, value: object, digested: bytes | None) -> str:
    """The line of one source or fragment, encoded afresh (`digested`: see _know_source_digest)."""
    if section == "f" and type(value) is AnnotatedArticle and type(value.body_html) is str and type(value.endnotes_html) is str:
        return _article_line(entry_key, value)
    dump = lambda data: json.dumps(data, ensure_ascii=False, separators=(",", ":"))  # noqa: E731
    parsed = value[1] if section == "s" else None
    if digested is not None and is_parsed_article(parsed) and type(parsed[0].body) is str:
        # A parsed article's body apart, after a tab: a single build reads none but those of
        # the articles it annotates (see _source_apart). Only with its digest, which keys the
        # annotation of the article without a body.
        article, key_lines = parsed
        rest = (value[0], (dataclasses.replace(article, body=""), key_lines), value[2])
        return dump([section, encode(entry_key), encode(rest), encode(digested)]) + "\t" + dump(article.body)
    fields = [section, encode(entry_key), encode(value)] + ([] if digested is None else [encode(digested)])
    return dump(fields)


def digested_source(parsed: object) -> object | None:
    """The object of a parsed source that the annotate stage digests to key its fragment
    (engine/annotation.py): the article of an article's file (its copy without a body, once
    a single build set the body aside), the entity of an entity's file; None for others."""
    if is_parsed_article(parsed):
        return parsed[0]
    if type(parsed) is StoredSource:
        return parsed.article
    return parsed if type(parsed) is Entity else None


def _source_digest(cache: BuildCache, parsed: object) -> bytes | None:
    """The digest the annotate stage took of a parsed source (digest_of of it as parsed), if it took one."""
    source = digested_source(parsed)
    known = cache.fragments.digests.get(id(source)) if source is not None else None
    return known[1] if known is not None and known[0] is source else None


def _know_source_digest(cache: BuildCache, parsed: object, digest: object) -> bool:
    """Take the digest stored beside a parsed source as the annotate stage's, so that a
    new process pickles no unchanged article or entity to look up its fragment (a third
    of a second at 4,000 articles). It was taken of the very value the line holds, and
    the file's seal vouches for both. False when it is not a digest of such a source."""
    source = digested_source(parsed)
    if source is None or type(digest) is not bytes or len(digest) != SOURCE_DIGEST_BYTES:
        return False
    cache.fragments.digests[id(source)] = (source, digest)
    return True


def _record_lines(cache: BuildCache):
    """The lines of the build's record (see RECORD_FIELDS)."""
    record = {name: getattr(cache, field) for name, field in RECORD_FIELDS.items()}
    record["warnings"] = tuple(record["warnings"])
    for entry_key, value in record.items():
        try:
            line = json.dumps(["b", encode(entry_key), encode(value)], ensure_ascii=False, separators=(",", ":"))
        except (ValueError, RecursionError):  # Unencodable is a ValueError
            continue
        yield line.encode("utf-8", "surrogatepass")


# The record of the last build ("b" lines): what a later build needs to skip
# unchanged work (see Builder.build). Each is one line, checked by type, and
# only trusted together with the output folder's own check (engine/published.py).
RECORD_FIELDS = {
    "inputs": "inputs_digest",
    "warnings": "inputs_warnings",
    "pages": "page_inputs",
    "written": "written",
    "manifest": "manifest",
    "stats": "source_stats",
    "made from": "made_from",
    "plan context": "plan_context",
    "plan articles": "plan_articles",
}


# The record's dicts hold an entry for every page or output file (66,000 at 20,000
# articles): their types are checked by sets of what is found, not entry by entry.


def _is_digest_map(value: object) -> bool:
    return type(value) is dict and {str}.issuperset(map(type, value)) and {bytes}.issuperset(map(type, value.values()))


def _is_manifest(value: object) -> bool:
    """path -> five integers (not booleans, whose type is another)."""
    if type(value) is not dict or not {str}.issuperset(map(type, value)):
        return False
    statuses = value.values()
    return (
        {tuple}.issuperset(map(type, statuses))
        and {5}.issuperset(map(len, statuses))
        and {int}.issuperset(map(type, itertools.chain.from_iterable(statuses)))
    )


RECORD_CHECKS = {
    "inputs": lambda value: type(value) is bytes,
    "warnings": lambda value: type(value) is tuple and all(type(item) is Diagnostic for item in value),
    "pages": _is_digest_map,
    "written": _is_digest_map,
    "manifest": _is_manifest,
    "stats": _is_manifest,  # the same shape: path -> five integers
    "made from": _is_digest_map,
    "plan context": lambda value: type(value) is bytes,
    "plan articles": _is_digest_map,
}


def _is_source_entry(key: object, value: object) -> bool:
    """(digest of the file, what parsing it gave, the problems it reported): see SourceCache."""
    return (
        type(key) is str
        and type(value) is tuple
        and len(value) == 3
        and type(value[0]) is bytes
        and type(value[2]) is tuple
        and all(type(problem) is Diagnostic for problem in value[2])
    )


def _open_regular(path: Path) -> int | None:
    """A descriptor to read the regular file `path` at given offsets, or None
    (a symbolic link or anything else in its place, or a system without pread)."""
    if not hasattr(os, "pread"):
        return None
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        handle = os.open(path, flags)
    except OSError:
        return None
    try:
        if stat.S_ISREG(os.fstat(handle).st_mode):
            return handle
    except OSError:
        pass
    os.close(handle)
    return None
