"""Rebuilding on every save: `sitegen watch`, and the engine under `sitegen serve`.

The watcher listens to the archive's folder but lets through only changes
that can alter the site: `content/`, `templates/`, `site.toml`, and the
built-in theme when sitegen itself is being developed. Hidden files and
editors' temporaries never get through: they are the files `build` neither
reads nor publishes (`sitegen.model.sourcenames`). The output folder is not
a source, so a build never wakes the watcher. watchfiles groups a burst of
changes (a `git checkout`) into one batch, and each batch is one incremental
build: the output is always what a clean build of the same sources would
write.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sitegen.engine.builder import Builder, BuildResult
from sitegen.model.errors import ContentError, Diagnostic, UsageError
from sitegen.model.sourcenames import is_ignored_path
from sitegen.pipeline.config import CONFIG_FILE
from sitegen.pipeline.load import CONTENT_DIR
from sitegen.pipeline.render import SITE_TEMPLATES_DIR, THEME_DIR

# How long the sources must stay quiet after a change before it is built (in
# milliseconds): part of every save's latency. An editor's save (a temporary
# renamed over the file, or a backup then a write) is a few changes within a
# millisecond or two, which this still gathers into one build; a longer burst
# (a `git checkout`) keeps the batch growing for up to `debounce`.
QUIET_STEP_MS = 25


def theme_is_editable() -> bool:
    """True when sitegen runs from a source checkout rather than an installed wheel."""
    return "site-packages" not in THEME_DIR.parts and "dist-packages" not in THEME_DIR.parts


@dataclass(frozen=True, slots=True)
class SourceFilter:
    """Which changed paths can alter the site."""

    root: Path
    include_theme: bool

    def __call__(self, change, path: str) -> bool:
        candidate = Path(path)
        if candidate == self.root / CONFIG_FILE:
            return True
        folders = [self.root / CONTENT_DIR, self.root / SITE_TEMPLATES_DIR]
        if self.include_theme:
            folders.append(THEME_DIR)
        for folder in folders:
            try:
                relative = candidate.relative_to(folder)
            except ValueError:
                continue
            return not is_ignored_path(relative)  # the rule `build` follows too
        return False


@dataclass(frozen=True, slots=True)
class BuildEvent:
    """What one rebuild did: a result, or the errors that stopped it."""

    number: int
    changes: tuple[str, ...]
    result: BuildResult | None
    errors: tuple[Diagnostic, ...] = ()
    seconds: float = 0.0
    trace: str = ""  # the traceback of an internal error, for --verbose


def internal_error(exc: BaseException) -> Diagnostic:
    """An unforeseen exception of a rebuild, as one line that asks for a report."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return Diagnostic(
        "sitegen",
        None,
        f"internal error ({exc!r}{where}); this is a bug in sitegen: please report it with the output of "
        "--verbose. The last good site stays in place; the next save builds again",
    )


class Watcher:
    """Builds once, then rebuilds incrementally after every batch of changes.

    A failed build leaves the output as the last good build wrote it; the next
    change that fixes the sources recovers without a restart. The files of
    data/ (and their page), then the search index, are refreshed in a
    background thread after the HTML, once changes pause: a save's pages never
    wait for them.
    """

    def __init__(
        self,
        builder: Builder,
        on_build: Callable[[BuildEvent], None],
        *,
        search_delay: float = 1.0,
        on_search: Callable[[str], None] | None = None,
        before_search: Callable[[], None] | None = None,
        after_search: Callable[[], None] | None = None,
        on_open_data: Callable[[str], None] | None = None,
    ):
        self.builder = builder
        self.on_build = on_build
        self.on_search = on_search or (lambda message: None)
        self.before_search = before_search or (lambda: None)  # just before the new index is made (and swapped in)
        self.after_search = after_search or (lambda: None)  # once it is in place
        self.on_open_data = on_open_data or (lambda message: None)
        self.search_delay = search_delay
        self.stop_event = threading.Event()
        self.lock = threading.Lock()  # one pipeline run at a time
        self.builds = 0
        self._search_timer: threading.Timer | None = None

    def rebuild(self, changes: tuple[str, ...] = ()) -> BuildEvent:
        """One incremental build. `changes` are every path (relative to the archive,
        or absolute) changed since the last rebuild began, as the watcher saw them:
        when they are only files the builder knows, it reads no other (see
        Builder.load). None seen (the first build) makes it check every source."""
        started = time.perf_counter()
        changed = [self.builder.root / path for path in changes] if changes else None
        with self.lock:
            self.builds += 1
            try:
                result = self.builder.build(incremental=True, open_data_later=True, changed=changed)
            except ContentError as exc:
                event = BuildEvent(self.builds, changes, None, tuple(exc.errors), time.perf_counter() - started)
            except (UsageError, OSError) as exc:
                # A refused setting (say, an output folder edited into site.toml) or a
                # file that vanished while it was read: report it like a content
                # error and keep watching; the next save tries again.
                problem = Diagnostic(CONFIG_FILE if isinstance(exc, UsageError) else "sources", None, str(exc))
                event = BuildEvent(self.builds, changes, None, (problem,), time.perf_counter() - started)
            except Exception as exc:  # a bug met by this save must not end watch or serve
                event = BuildEvent(
                    self.builds, changes, None, (internal_error(exc),), time.perf_counter() - started, traceback.format_exc()
                )
            else:
                event = BuildEvent(self.builds, changes, result, (), time.perf_counter() - started)
        self.on_build(event)
        if event.result is not None:
            self._schedule_search()
        return event

    def _schedule_search(self) -> None:
        if self._search_timer is not None:
            self._search_timer.cancel()
        self._search_timer = threading.Timer(self.search_delay, self._refresh_in_background)
        self._search_timer.daemon = True
        self._search_timer.start()

    def _refresh_in_background(self) -> None:
        self._refresh_open_data()
        self._refresh_search()

    def _refresh_open_data(self) -> None:
        """Make the files of data/ the last rebuilds left as they were, outside the
        lock (saves rebuild meanwhile), and write them under it."""
        if self.stop_event.is_set():
            return
        try:
            with self.lock:
                job = self.builder.open_data_job()
            if job is None:
                return
            write = job()
            with self.lock:
                written = write()
            if written:
                self.on_open_data(f"open data refreshed: {written} files")
        except (ContentError, UsageError, OSError) as exc:  # the next rebuild says what is wrong
            self.on_open_data(f"open data not refreshed: {exc}")
        except Exception as exc:
            self.on_open_data(f"open data not refreshed: {internal_error(exc)}")

    def _refresh_search(self) -> None:
        if self.stop_event.is_set():
            return
        try:
            with self.lock:
                job = self.builder.search_job(cancel=self.stop_event)
            if job is not None:
                self.before_search()
                report = job()
                self.after_search()
                self.on_search(f"search index refreshed: {report.pages} pages, {report.records} terms")
        except Exception as exc:
            # Stopped (Ctrl-C) while the indexers ran: they were killed, the old index stays.
            if not self.stop_event.is_set():
                self.on_search(f"search index not refreshed: {_search_failure(exc)}")

    def run(self) -> None:
        """Build, then watch until `stop()` (or Ctrl-C in the calling thread).

        Listening starts before the first build (which runs at the first wake-up,
        a step after), so a save made while that build runs is not lost.
        """
        import watchfiles  # imported here: `sitegen build` never needs it

        source_filter = SourceFilter(self.builder.root, theme_is_editable())
        paths = [self.builder.root]
        if source_filter.include_theme and not THEME_DIR.is_relative_to(self.builder.root):
            paths.append(THEME_DIR)
        built = False
        for batch in watchfiles.watch(
            *paths,
            watch_filter=source_filter,
            debounce=1600,
            step=QUIET_STEP_MS,
            stop_event=self.stop_event,
            rust_timeout=1,  # wake up after each quiet step, with an empty batch ...
            yield_on_timeout=True,
            raise_interrupt=False,
        ):
            if not built:
                built = True
                self.rebuild()
                continue
            if not batch:  # ... which needs no build
                continue
            changed = tuple(sorted({Path(path).relative_to(self.builder.root).as_posix() if Path(path).is_relative_to(self.builder.root) else path for _, path in batch}))
            self.rebuild(changed)

    def stop(self) -> None:
        self.stop_event.set()
        if self._search_timer is not None:
            self._search_timer.cancel()


def _search_failure(exc: Exception) -> str:
    """Why the search index was not refreshed."""
    if isinstance(exc, ContentError):
        return "; ".join(str(error) for error in exc.errors)
    if isinstance(exc, (UsageError, OSError)):  # the sources changed meanwhile: the next rebuild says how
        return str(exc)
    return str(internal_error(exc))
