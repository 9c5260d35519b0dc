"""Annotated articles kept on disk, not in memory, for the length of one build.

An article's annotated HTML (its body with the side-notes, and its endnotes)
is the largest thing a build makes of it, and it is read once: when the
article's page is rendered. A single build (`sitegen build`) writes each
fragment's HTML to a temporary file as soon as it is annotated and keeps
only what the rest of the plan reads (the mentions, terms and diagnostics)
with where the HTML lies. The rendering processes, forked from the build,
read it back from the same file. `watch` and `serve` keep their fragments in
memory, to annotate again only what changed.

Once every article is annotated, a single build sets the articles' Markdown
bodies aside in the same file (`set_bodies_aside`): nothing after annotation
reads them but the writing of the persistent cache, which reads each one back.
Whatever is read back from the file is checked against the digest taken when
it was written: a damaged copy is never taken for the original.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

from sitegen.engine.cache import BuildCache, SetAside, digest_of
from sitegen.model.errors import Diagnostic, Problems
from sitegen.model.models import Archive, Article
from sitegen.pipeline.annotate import AnnotatedArticle, Mention

ENCODING, ERRORS = "utf-8", "surrogatepass"  # a lone surrogate in a source survives the round trip


class DamagedCopy(OSError, ValueError):
    """What was read back from the build's temporary file is not what was written there:
    reported as a file that cannot be read; the persistent cache leaves out what it cannot encode."""


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class FragmentStore:
    """A temporary file of annotated HTML, written once and read at given offsets.

    The file is in the system's temporary folder (TMPDIR), as large as the
    HTML it holds; it has no name (the system removes it when the store is let go,
    or when the process ends), and is read with `os.pread`, which leaves the file's
    position alone: the forked processes that read it share it safely."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()
        self._end = 0

    def keep(self, fragment: AnnotatedArticle) -> StoredArticle:
        """The fragment, its HTML written to the file and let go."""
        body = fragment.body_html.encode(ENCODING, ERRORS)
        notes = fragment.endnotes_html.encode(ENCODING, ERRORS)
        offset = self._write(body + notes)
        return StoredArticle(
            fragment.slug, fragment.mentioned_entity_ids, fragment.diagnostics, (fragment.mentions, fragment.terms),
            self, offset, len(body), len(notes), fragment.reading_minutes, _digest(body), _digest(notes),
        )  # fmt: skip

    def fileno(self) -> int:
        """The file's descriptor."""
        return self._file.fileno()

    def keep_source(self, article: Article, key_lines: Any) -> StoredSource:
        """A parsed article (with what its parser found beside it), its body written to the file and let go."""
        body = article.body.encode(ENCODING, ERRORS)
        offset = self._write(body)
        return StoredSource(without_body(article), key_lines, self, offset, len(body), _digest(body))

    def _write(self, data: bytes) -> int:
        """Append `data` to the file; where it starts."""
        offset, written = self._end, 0
        try:
            while written < len(data):
                written += os.pwrite(self._file.fileno(), memoryview(data)[written:], offset + written)
        except OSError as exc:  # a full disk: reported as the temporary folder's
            raise OSError(exc.errno, exc.strerror, tempfile.gettempdir()) from None
        self._end += len(data)
        return offset

    def read(self, offset: int, length: int, digest: bytes) -> str:
        """The text written at `offset`, checked against the digest of what was written there."""
        data = os.pread(self._file.fileno(), length, offset) if length else b""
        if len(data) != length:
            raise OSError(f"the build's temporary file of annotated articles ended early (at {offset + len(data)})")
        if _digest(data) != digest:
            raise DamagedCopy(f"the build's temporary file of annotated articles was changed (at {offset})")
        return data.decode(ENCODING, ERRORS)


Details = tuple[tuple[Mention, ...], tuple[tuple[str, int], ...]]  # mentions, terms


class SealedDetails(Protocol):
    """An annotated article's details as the persistent cache holds them, decoded on
    demand (engine/cache_file.py); CacheUnreadable when they do not decode."""

    def decode(self) -> Details: ...


@dataclass(frozen=True, slots=True, eq=False)
class StoredArticle:
    """An AnnotatedArticle whose HTML is in a FragmentStore: it reads like one.

    One read from the persistent cache decodes its details (its mentions with
    their snippets, and its terms: most of its line but the HTML) when first
    read. A build after an edit reads those of the articles it plans pages for;
    of the others, which entities each mentions, and their diagnostics (to
    report them), which are kept decoded."""

    slug: str
    mentioned_entity_ids: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]
    details: Details | SealedDetails
    store: FragmentStore
    offset: int
    body_length: int
    notes_length: int
    reading_minutes: int
    # Of the HTML as written to a FragmentStore; None where the store is the build
    # cache's own bytes, whose seal was verified as a whole (engine/cache_file.py).
    body_digest: bytes | None = None
    notes_digest: bytes | None = None

    @property
    def mentions(self) -> tuple[Mention, ...]:
        return self._details()[0]

    @property
    def terms(self) -> tuple[tuple[str, int], ...]:
        return self._details()[1]

    def _details(self) -> Details:
        details = self.details
        if type(details) is not tuple:
            details = details.decode()
            object.__setattr__(self, "details", details)  # decoded once
        return details

    @property
    def body_html(self) -> str:
        return self.store.read(self.offset, self.body_length, self.body_digest)

    @property
    def endnotes_html(self) -> str:
        return self.store.read(self.offset + self.body_length, self.notes_length, self.notes_digest)

    def load(self) -> AnnotatedArticle:
        """The fragment as it was annotated (the persistent cache keeps it so)."""
        return AnnotatedArticle(
            self.slug, self.body_html, self.mentions, self.diagnostics, self.terms, self.endnotes_html, self.reading_minutes
        )


def is_parsed_article(parsed: object) -> bool:
    """Whether a source cache's value is what parsing an article's file gives: (the article, its key lines)."""
    return type(parsed) is tuple and len(parsed) == 2 and type(parsed[0]) is Article


def without_body(article: Article) -> Article:
    """The article as a single build holds it once its body is set aside."""
    # The copy shares one string for each tag and entity id among all articles: the parsing
    # processes (or the cache's decoding) made each article its own.
    tags, entity_ids = tuple(map(sys.intern, article.tags)), tuple(map(sys.intern, article.entity_ids))
    return dataclasses.replace(article, body="", tags=tags, entity_ids=entity_ids)


@dataclass(frozen=True, slots=True, eq=False)
class StoredSource(SetAside):
    """A parsed article whose Markdown body is in a FragmentStore: the article
    without its body (what the rest of a single build reads of it), and where
    the body lies."""

    article: Article  # its body empty
    key_lines: Any  # what the article's parser gives beside it (see pipeline/load.py)
    store: FragmentStore  # or the persistent cache's verified bytes (engine/cache_file.py)
    offset: int
    length: int
    digest: bytes | None  # of the body as written; None where the store is the cache's bytes, sealed whole

    def load(self) -> tuple[Article, Any]:
        """The parsed article as it was parsed, body and all (DamagedCopy if the file no longer holds it)."""
        body = self.store.read(self.offset, self.length, self.digest)
        return dataclasses.replace(self.article, body=body), self.key_lines

    def parsed(self) -> tuple[Article, Any]:
        """The parsed article without its body, as the parser's result is shaped."""
        return self.article, self.key_lines


def set_bodies_aside(archive: Archive, cache: BuildCache, store: FragmentStore) -> Archive:
    """The archive, its articles' bodies in `store` and let go.

    For a single build, once every article is annotated: the archive's
    articles become copies without their bodies, the source cache holds each
    article as a StoredSource (its body is read back to write the persistent
    cache), and the fragment cache knows each copy by the digest it took of
    the article (so that what a page is made from digests as before). The
    pages are planned from the copies; they read no body."""
    copies: dict[int, Article] = {}
    for key, entry in cache.sources.entries.items():
        digest, parsed, problems = entry
        if is_parsed_article(parsed):
            stored = store.keep_source(*parsed)
            copies[id(parsed[0])] = stored.article
            cache.sources.entries[key] = (digest, stored, problems)
            # The entry stands for the same parsed article: the cache file's line read for it
            # (if any) is still its line, and saving copies it instead of encoding it again.
            known = cache.encoded.get(("s", key))
            if known is not None and known[0] is entry:
                cache.encoded["s", key] = (cache.sources.entries[key], *known[1:])
    fragments = cache.fragments
    for digests in (fragments.digests, fragments.digests_used):
        for source, digest in [known for known in digests.values() if id(known[0]) in copies]:
            del digests[id(source)]
            copy = copies[id(source)]
            digests[id(copy)] = (copy, digest)
    return dataclasses.replace(archive, articles=tuple(copies.get(id(article), article) for article in archive.articles))


def bodies_set_aside(cache: BuildCache, root: Path) -> Callable[[Article], Article]:
    """What gives an article of the archive with its body: the article itself, or, for
    one the source cache holds without its body (a StoredSource's), the article whole,
    read back from where the body lies or, when it cannot be, parsed again from its file."""
    aside = {id(entry[1].article): entry[1] for entry in cache.sources.entries.values() if type(entry[1]) is StoredSource}
    digests = cache.fragments.digests

    def with_body(article: Article) -> Article:
        stored = aside.get(id(article))
        if stored is None or stored.article is not article:
            return article
        try:
            return stored.load()[0]
        except (ValueError, OSError):  # a body that does not decode, a damaged temporary file
            return _parsed_again(root, article, digests.get(id(article)))

    return with_body


def _parsed_again(root: Path, article: Article, known: tuple[Any, bytes] | None) -> Article:
    """The article parsed again from its file, which must give the article set aside (its
    digest keys the annotation); else the file changed since the build read it, and the
    build stops, to be run again."""
    from sitegen.pipeline.load_markdown import read_article  # only on this rare path

    path = root / article.pos.path
    again, _ = read_article(root, path, Problems())
    if again is None or known is None or known[0] is not article or digest_of(again) != known[1]:
        raise OSError(errno.ESTALE, "changed while the build read it", os.fspath(path))  # not what was read: stale
    return again


def loaded(value: object) -> object:
    """`value`, or what it stands for: the AnnotatedArticle of a StoredArticle,
    the source cache's entry of a parsed article whose body is a StoredSource."""
    if isinstance(value, StoredArticle):
        return value.load()
    if type(value) is tuple and len(value) == 3 and isinstance(value[1], SetAside):
        return (value[0], value[1].load(), value[2])
    return value
