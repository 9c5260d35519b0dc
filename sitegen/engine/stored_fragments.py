"""Annotated articles kept on disk, not in memory, for the length of one build.

An article's annotated HTML (its body with the side-notes, and its endnotes)
is the largest thing a build makes of it, and it is read once: when the
article's page is rendered. A single build (`sitegen build`) writes each
fragment's HTML to a temporary file as soon as it is annotated and keeps
only what the rest of the plan reads (the mentions, terms and diagnostics)
with where the HTML lies. The rendering processes, forked from the build,
read it back from the same file. `watch` and `serve` keep their fragments in
memory, to annotate again only what changed.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

from sitegen.model.errors import Diagnostic
from sitegen.pipeline.annotate import AnnotatedArticle, Mention

ENCODING, ERRORS = "utf-8", "surrogatepass"  # a lone surrogate in a source survives the round trip


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
        offset = self._end
        data = body + notes
        written = 0
        try:
            while written < len(data):
                written += os.pwrite(self._file.fileno(), memoryview(data)[written:], offset + written)
        except OSError as exc:  # a full disk: reported as the temporary folder's
            raise OSError(exc.errno, exc.strerror, tempfile.gettempdir()) from None
        self._end += len(data)
        return StoredArticle(
            fragment.slug, fragment.mentions, fragment.diagnostics, fragment.terms, self, offset, len(body), len(notes),
            fragment.reading_minutes,
        )  # fmt: skip

    def read(self, offset: int, length: int) -> str:
        data = os.pread(self._file.fileno(), length, offset) if length else b""
        if len(data) != length:
            raise OSError(f"the build's temporary file of annotated articles ended early (at {offset + len(data)})")
        return data.decode(ENCODING, ERRORS)


@dataclass(frozen=True, slots=True, eq=False)
class StoredArticle:
    """An AnnotatedArticle whose HTML is in a FragmentStore: it reads like one."""

    slug: str
    mentions: tuple[Mention, ...]
    diagnostics: tuple[Diagnostic, ...]
    terms: tuple[tuple[str, int], ...]
    store: FragmentStore
    offset: int
    body_length: int
    notes_length: int
    reading_minutes: int

    @property
    def body_html(self) -> str:
        return self.store.read(self.offset, self.body_length)

    @property
    def endnotes_html(self) -> str:
        return self.store.read(self.offset + self.body_length, self.notes_length)

    def load(self) -> AnnotatedArticle:
        """The fragment as it was annotated (the persistent cache keeps it so)."""
        return AnnotatedArticle(
            self.slug, self.body_html, self.mentions, self.diagnostics, self.terms, self.endnotes_html, self.reading_minutes
        )


def loaded(value: object) -> object:
    """`value`, or the AnnotatedArticle it stands for when it is a StoredArticle."""
    return value.load() if isinstance(value, StoredArticle) else value
