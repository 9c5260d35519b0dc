"""Every output path has one owner: a generated page, the theme, or a static file.

The paths are claimed before anything is written, so that a static file can
never silently replace a generated page, or the reverse. A file and a folder
cannot share a path either: `content/static/tags` (a file) would stand where
the tags page needs its folder `tags/`, and `content/static/feed.xml/x` needs a
folder where the feed is written. Each is a located error for the static file,
reported the same way by `sitegen build` and `sitegen check`.

Paths are compared as a file system that ignores letter case and Unicode
normalisation compares them (macOS, Windows): there `content/static/Index.html`
would replace the home page, and of `Photo.png` and `photo.png` one file
would be lost.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from sitegen.model.errors import Problems
from sitegen.model.models import StaticFile
from sitegen.model.urls import Urls
from sitegen.pipeline.search import BUNDLE_DIR
from sitegen.pipeline.write import safe_relative_path


CASE_NOTE = " where letter case and Unicode normalisation do not tell names apart (macOS, Windows)"


def claim_outputs(
    page_paths: Iterable[str],
    theme_files: Iterable[tuple[str, Path]],
    static_files: Iterable[StaticFile],
    root: Path,
    problems: Problems,
) -> list[tuple[str, Path]]:
    """The files to copy, (output path, source), theme first; a static file
    that would clash with a page, the theme, the search index or the folder of
    any of them is reported and left out."""
    page_paths = list(page_paths)
    owners: dict[str, str] = {}  # folded output file -> what writes it
    for page_path in page_paths:
        owners[folded(Urls.page_file(page_path))] = f"the generated page /{page_path}"
    copies = list(theme_files)
    for target, _ in copies:
        owners.setdefault(folded(target), f"the theme's file /{target}")
    owners[BUNDLE_DIR + "/"] = f"the search index /{BUNDLE_DIR}/"
    generated = _Generated(owners, page_paths, copies)
    static_folders: dict[str, str] = {}  # folded folder of an accepted static file -> the first such file
    accepted: set[str] = set()  # the static files accepted, as written, and their folders

    for static in static_files:
        try:
            safe_relative_path(static.target)
        except ValueError:
            problems.error(static.source, 1, "this file name cannot be published safely: rename it")
            continue
        target = folded(static.target)
        clash = _clash(target, owners, generated, static_folders)
        if clash is not None:
            exact = any(path in accepted or generated.written(path) for path in (static.target, *_parents(static.target)))
            why = "" if exact else CASE_NOTE
            problems.error(static.source, 1, f"this file would replace {clash}{why}; rename or move it")
            continue
        owners[target] = static.source
        accepted |= {static.target, *_parents(static.target)}
        for folder in _parents(target):
            static_folders.setdefault(folder, static.source)
        copies.append((static.target, root / static.source))
    return copies


def folded(target: str) -> str:
    """`target` as a case- and normalisation-insensitive file system tells names apart."""
    if target.isascii():  # what normalisation would leave as it is: the path of nearly every page
        return target.lower()
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", target).casefold())


class _Generated:
    """What the pages, the theme and the search index claim, asked only about static
    files: which of them holds a file inside a folder, and whether a path is one of
    theirs as written. A build claims a path per page (66,000 at 20,000 articles):
    their folders are found in the sorted paths when a static file asks, not listed
    for every page beforehand."""

    def __init__(self, owners: dict[str, str], page_paths: list[str], copies: list[tuple[str, Path]]):
        self._names = list(owners.values())
        # The generated paths in order, each with its place among the owners: of those inside
        # a folder, the one claimed first names it.
        ordered = sorted(zip(owners, range(len(owners))))
        self._keys = [key for key, _ in ordered]
        self._places = [place for _, place in ordered]
        self._sources = (page_paths, copies)
        self._written: set[str] | None = None

    def folder_owner(self, folder: str) -> str | None:
        """What claims a file inside `folder` (folded), the first claimed of them; None when nothing."""
        prefix = folder + "/"
        start = bisect.bisect_left(self._keys, prefix)
        stop = bisect.bisect_left(self._keys, prefix + "\U0010ffff", start)
        return self._names[min(self._places[start:stop])] if start < stop else None

    def written(self, path: str) -> bool:
        """Whether `path`, as written (not folded), is a generated file or one of their folders."""
        if self._written is None:  # only when a static file clashes: made once
            page_paths, copies = self._sources
            written = {*(Urls.page_file(page_path) for page_path in page_paths), *(target for target, _ in copies), BUNDLE_DIR}
            self._written = written | {folder for target in written for folder in _parents(target)}
        return path in self._written


def _clash(target: str, owners: dict[str, str], generated: _Generated, static_folders: dict[str, str]) -> str | None:
    """What `target` would replace, as the message should name it; None when nothing."""
    if target in owners:
        return owners[target]
    inside = generated.folder_owner(target) or static_folders.get(target)
    if inside is not None:
        return f"the folder of {inside}"
    for folder in _parents(target):
        if folder in owners:
            return f"{owners[folder]} with a folder"
        if folder + "/" in owners:  # a folder owned whole, such as the search index
            return owners[folder + "/"]
    return None


def _parents(target: str) -> list[str]:
    """`a/b/c.html` -> ["a", "a/b"], the folders as PurePosixPath(target) has them.

    A build claims a path per page: a plain path (no empty or `.` part, the
    form of every generated one) is cut where its slashes are, with no path
    object made; any other is read as PurePosixPath reads it."""
    cut = target.rfind("/")
    if cut < 0:
        return []
    if target[0] == "/" or "//" in target or target[-1] == "/" or "." in target.split("/"):
        parts = PurePosixPath(target).parts[:-1]
        return ["/".join(parts[: depth + 1]) for depth in range(len(parts))]
    folders = []
    while cut > 0:
        folders.append(target[:cut])
        cut = target.rfind("/", 0, cut)
    folders.reverse()
    return folders
