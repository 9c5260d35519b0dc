"""Loading the sources, with what the last load found: a running builder told
which files changed walks no folder again."""

from __future__ import annotations

import os
import stat
from collections.abc import Collection
from pathlib import Path

from sitegen.engine.build_plan import Sources, Stage
from sitegen.engine.cache import BuildCache
from sitegen.engine.inputs import templates_digest
from sitegen.model.errors import Problems
from sitegen.pipeline.config import Settings
from sitegen.pipeline.load import CheckMemo, Listing, load_archive


class SourceLoader:
    """Loads the sources of the archive at `root`, keeping the listing of the last load."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._listing = Listing()  # the files the last load found
        self._listed = False  # whether the last load ran to its end, so that its listing and statuses hold

    def load(
        self, settings: Settings, output: Path, cache: BuildCache, workers: int, stage: Stage, changed: Collection[Path] | None = None
    ) -> Sources:
        """The sources. With `changed` (see Builder.build) made only of files the last load
        read, still regular files, no folder is walked and no other file's status
        is asked for: the last load's listing and statuses still hold. Anything
        else (a path it did not read, a folder, a file gone, a load that did not
        end) walks every folder and checks every file, as without `changed`."""
        problems = Problems()
        vouched = self._vouched(changed)
        self._listed, self._listing.reuse, cache.sources.changed = False, vouched is not None, vouched
        cache.sources.workers = workers
        try:
            with stage("load"):
                archive = load_archive(self.root, settings, problems, cache.sources, self._listing)
        finally:
            self._listing.reuse, cache.sources.changed = False, None
        self._listed = True
        problems.raise_if_errors()
        return Sources(settings, output, archive, templates_digest(self.root), problems)

    def forget_articles(self, cache: BuildCache) -> None:
        """Drop what the checks of the last load, and the sources' record of its
        parse, kept of its articles: a single build sets their bodies aside once
        annotated, and nothing may hold them past that."""
        self._listing.checks = CheckMemo()
        self._listing.loaded = None
        cache.sources.last = None

    def _vouched(self, changed: Collection[Path] | None) -> set[str] | None:
        """The changed paths as strings, when each is a regular file the last load read; else None."""
        if changed is None or not self._listed:
            return None
        known = self._listing.files()
        vouched = set()
        for path in changed:
            name = os.fspath(path if path.is_absolute() else self.root / path)
            try:
                regular = stat.S_ISREG(os.lstat(name).st_mode)
            except OSError:
                return None
            if name not in known or not regular:
                return None
            vouched.add(name)
        return vouched
