"""The build pipeline, as a straight list of stages.

config -> load -> annotate -> pages -> render -> write. `build` is what the
command line calls; it returns a summary or raises ContentError / UsageError.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sitegen.model.dates
import sitegen.model.errors
import sitegen.model.matcher
import sitegen.model.models
import sitegen.model.urls
import sitegen.pipeline.annotate
import sitegen.pipeline.cards
import sitegen.pipeline.catalog
import sitegen.pipeline.config
import sitegen.pipeline.listings
import sitegen.pipeline.pages
import sitegen.pipeline.render
import sitegen.pipeline.search
import sitegen.pipeline.site
import sitegen.pipeline.snippets
import sitegen.pipeline.timeline
import sitegen.pipeline.views
from sitegen import __version__
from sitegen.engine.annotation import annotate_archive
from sitegen.engine.cache import BuildCache, digest_of
from sitegen.engine.cache_file import load_persistent_cache, save_persistent_cache
from sitegen.engine.digests import speed_up_pickling
from sitegen.engine.parallel import default_workers, map_in_workers
from sitegen.model.errors import ContentError, Diagnostic, Problems, UsageError
from sitegen.model.models import Archive
from sitegen.model.urls import Urls
from sitegen.pipeline.catalog import build_catalog
from sitegen.pipeline.config import Settings, load_settings
from sitegen.pipeline.load import CONTENT_DIR, load_archive
from sitegen.pipeline.outputs import claim_outputs
from sitegen.pipeline.pages import plan_pages
from sitegen.pipeline.render import (
    SITE_TEMPLATES_DIR,
    THEME_DIR,
    render_page,
    template_environment,
)
from sitegen.pipeline.search import (
    BUNDLE_DIR,
    SearchError,
    SearchReport,
    build_search_index,
    term_records,
)
from sitegen.pipeline.site import Page, SiteView, site_view
from sitegen.pipeline.timeline import collect_timeline
from sitegen.pipeline.write import (
    OUTPUT_MARKER,
    StagedOutput,
    check_output_folder,
    content_digest,
    replace_search_index,
    sync_output,
)

speed_up_pickling(
    sitegen.pipeline.annotate, sitegen.pipeline.config, sitegen.model.dates, sitegen.model.matcher, sitegen.model.models,
    sitegen.pipeline.pages, sitegen.pipeline.render, sitegen.pipeline.search, sitegen.pipeline.timeline, sitegen.model.urls, sitegen.model.errors,
    sitegen.pipeline.catalog, sitegen.pipeline.snippets, sitegen.pipeline.site, sitegen.pipeline.cards, sitegen.pipeline.views,
    sitegen.pipeline.listings,
)  # fmt: skip

THEME_ASSETS_DIR = THEME_DIR / "assets"
ASSETS_PREFIX = "assets/"


@dataclass(frozen=True, slots=True)
class BuildOptions:
    root: Path
    output: str | None = None
    base_url: str | None = None
    drafts: bool = False
    search: bool | None = None
    workers: int | None = None  # processes for annotating and rendering; None: one per core
    cache: bool = True  # read and write the persistent cache in .sitegen-cache/


@dataclass(slots=True)
class BuildResult:
    articles: int = 0
    entities: int = 0
    pages: int = 0
    files: int = 0
    output: Path = Path()
    warnings: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0
    search: SearchReport | None = None
    search_skipped_because: str = ""  # why no index was built, when none was
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage


Progress = Callable[[Iterable[Page], int], Iterable[Page]]


def _no_progress(pages: Iterable[Page], total: int) -> Iterable[Page]:
    return pages


def resolve_settings(options: BuildOptions) -> Settings:
    settings = load_settings(options.root)
    try:
        return settings.with_overrides(
            output=options.output,
            base_url=options.base_url,
            drafts=options.drafts,
            search=options.search,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _theme_assets() -> list[tuple[str, Path]]:
    return sorted(
        (ASSETS_PREFIX + path.relative_to(THEME_ASSETS_DIR).as_posix(), path)
        for path in THEME_ASSETS_DIR.rglob("*")
        # Hidden files are an editor's temporaries while the theme is being worked on.
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(THEME_ASSETS_DIR).parts)
    )


@dataclass(slots=True)
class BuildPlan:
    """Everything decided before a byte is written: the output of stages up to `pages`."""

    settings: Settings
    output: Path
    archive: Archive
    pages: list[Page]
    copies: list[tuple[str, Path]]  # (output path, source file)
    urls: Urls
    site: SiteView
    warnings: list[Diagnostic]


class Builder:
    """Runs the pipeline; keeps caches between runs when it lives long (watch, serve).

    `build()` writes a clean site through a staging folder that is swapped in
    whole; `build(incremental=True)` updates the output folder in place,
    rendering only pages whose inputs changed and writing only files whose
    bytes changed. Both write the same bytes for the same sources.
    """

    def __init__(self, options: BuildOptions, cache: BuildCache | None = None):
        self.options = options
        self.root = options.root.resolve()
        if cache is None:
            cache = load_persistent_cache(self.root) if options.cache else BuildCache()
        self.cache = cache
        self.timings: dict[str, float] = {}
        self.unchanged_is_enough = False  # set by incremental builds: skip the rest when no input changed
        self.last_inputs_digest = b""
        self.templates = b""  # digest of every template, taken by each plan
        self.workers = options.workers if options.workers is not None else default_workers()

    # --- stages up to the page plan ---------------------------------------------------

    @contextlib.contextmanager
    def _stage(self, name: str):
        """Time one stage, for `sitegen build --timings`."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - started

    def plan(self) -> BuildPlan:
        with self._stage("config"):
            settings = resolve_settings(self.options)
            output = (self.root / settings.build.output).resolve()

        problems = Problems()
        with self._stage("load"):
            archive = load_archive(self.root, settings, problems, self.cache.sources)
        problems.raise_if_errors()
        self.templates = templates_digest(self.root)
        if self.unchanged_is_enough:
            # Only incremental builds can skip work; a clean build need not read
            # every static file again just to digest it.
            self.last_inputs_digest = digest_of(
                (settings, self.cache.sources.digest(), self.templates, _files_digest(archive, self.root))
            )
            if self.last_inputs_digest == self.cache.inputs_digest and output.is_dir():
                raise _Unchanged()

        with self._stage("annotate"):
            urls = Urls(settings.site.base_url, settings.base_path)
            catalog, collisions = build_catalog(archive, urls, settings.annotations.repeat_links)
            problems.extend(collisions)
            timeline = collect_timeline(archive, settings.timeline.articles)
            annotations = annotate_archive(archive, catalog, timeline, self.cache.fragments, self.workers)
            problems.extend(annotations.diagnostics)
        problems.raise_if_errors()
        with self._stage("pages"):
            pages = plan_pages(archive, annotations, settings, problems)
            copies = claim_outputs((page.path for page in pages), _theme_assets(), archive.static_files, self.root, problems)
        problems.raise_if_errors()
        return BuildPlan(settings, output, archive, pages, copies, urls, site_view(settings, urls), problems.warnings)

    def _environment(self):
        digest = self.templates  # read by the plan just made
        if digest != self.cache.templates_digest or self.cache.environment is None:
            self.cache.environment = template_environment(self.root)
            self.cache.templates_digest = digest
        return self.cache.environment

    # --- writing ----------------------------------------------------------------------------

    def build(self, progress: Progress = _no_progress, *, incremental: bool = False, search: bool = True) -> BuildResult:
        """Build the site. With `incremental`, update the output in place and leave
        the search index to `search_job` (which the caller may run later)."""
        started = time.perf_counter()
        self.timings = {}
        self.unchanged_is_enough = incremental
        try:
            plan = self.plan()
        except _Unchanged:
            return BuildResult(
                files=0,
                output=(self.root / resolve_settings(self.options).build.output).resolve(),
                warnings=list(self.cache.inputs_warnings),
                seconds=time.perf_counter() - started,
                search_skipped_because="nothing changed",
                timings=dict(self.timings),
            )
        finally:
            self.unchanged_is_enough = False
        # Only a build that writes cares what the output folder holds: the
        # plan alone (`sitegen check`) never touches it.
        check_output_folder(self.root, plan.output)
        env = self._environment()
        if incremental:
            with self._stage("render and write"):
                files = self._write_in_place(plan, env, progress)
            self.cache.inputs_digest = self.last_inputs_digest
            self.cache.inputs_warnings = list(plan.warnings)
            search_report = None
        else:
            files, search_report = self._write_staged(plan, env, progress, search)
            if self.options.cache:
                with self._stage("cache"):
                    save_persistent_cache(self.root, self.cache)
        return BuildResult(
            articles=len(plan.archive.articles),
            entities=len(plan.archive.entities),
            pages=len(plan.pages),
            files=files,
            output=plan.output,
            warnings=plan.warnings,
            search=search_report,
            search_skipped_because=_search_skip_reason(self.options, plan.settings, search and not incremental),
            seconds=time.perf_counter() - started,
            timings=dict(self.timings),
        )

    def _write_staged(self, plan: BuildPlan, env, progress: Progress, search: bool) -> tuple[int, SearchReport | None]:
        staged = StagedOutput(plan.output)
        search_report: SearchReport | None = None
        root, site, urls = self.root, plan.site, plan.urls

        def render_into_stage(page: Page) -> tuple[str, bytes]:
            data = render_page(env, page, site, urls, root)
            staged.write_bytes(_page_file(page), data)
            return _page_file(page), content_digest(data)

        try:
            with self._stage("render and write"):
                written = dict(map_in_workers(render_into_stage, plan.pages, self.workers, progress))
                for target, source in plan.copies:
                    staged.copy_file(target, source)
            searching = search and plan.settings.search.enabled
            if searching and staged.previous is None:
                # A first build: the staging folder holds the whole site, so it is
                # indexed there and site and index arrive together.
                with self._stage("search"):
                    search_report = self._index(plan, staged.stage)
            expected = set(written) | {target for target, _ in plan.copies}
            with self._stage("swap"):
                staged.commit(expected, keep_search_bundle=searching)
            if searching and staged.previous is not None:
                # Later builds stage only changed files: index the updated site and
                # swap the new bundle in (a failure here leaves the new pages with
                # the previous index, and says so).
                with self._stage("search"):
                    search_report = self._refresh_index(plan)
        except BaseException:
            staged.discard()
            raise
        self.cache.written = written
        self.cache.page_inputs = {}
        self.cache.inputs_digest = b""  # the output is no longer what the last incremental build left
        return len(written) + len(plan.copies), search_report

    def _write_in_place(self, plan: BuildPlan, env, progress: Progress) -> int:
        """Render what changed into memory first, then write: a failure leaves the output as it was."""
        output = plan.output
        if not (output / OUTPUT_MARKER).is_file():
            # A new or deleted output folder holds none of the files the cache remembers writing.
            self.cache.written.clear()
        templates = self.cache.templates_digest
        page_inputs: dict[str, bytes] = {}
        changed: dict[str, bytes] = {}
        shared_inputs = digest_of((templates, plan.site, plan.urls))  # the same for every page
        for page in progress(plan.pages, len(plan.pages)):
            target = _page_file(page)
            inputs = digest_of((shared_inputs, page))
            page_inputs[target] = inputs
            if self.cache.page_inputs.get(target) == inputs and target in self.cache.written:
                continue
            data = render_page(env, page, plan.site, plan.urls, self.root)
            if self.cache.written.get(target) != content_digest(data):
                changed[target] = data
        copies = {}
        for target, source in plan.copies:
            data = source.read_bytes()
            if self.cache.written.get(target) != content_digest(data):
                copies[target] = data
        keep = set(page_inputs) | {target for target, _ in plan.copies}
        written = sync_output(output, {**changed, **copies}, keep, self.cache.written, plan.settings.search.enabled)
        self.cache.page_inputs = page_inputs
        return written

    # --- search ----------------------------------------------------------------------------

    def _index(self, plan: BuildPlan, site: Path, bundle: Path | None = None) -> SearchReport:
        """Index the pages in `site`, writing the bundle to `bundle` (default `site/pagefind/`)."""
        records = term_records(plan.archive.terms, plan.urls.glossary_path())
        try:
            return build_search_index(site, plan.settings.site.language, records, bundle, timeout=plan.settings.search.timeout)
        except SearchError as exc:
            raise ContentError([Diagnostic(exc.path, None, f"{exc}; rebuild with --no-search to skip it")]) from None

    def _refresh_index(self, plan: BuildPlan) -> SearchReport:
        """Index the output folder as it is now and swap the new bundle in."""
        return replace_search_index(plan.output, lambda folder: self._index(plan, plan.output, folder / BUNDLE_DIR))

    def search_job(self) -> Callable[[], SearchReport] | None:
        """The work of refreshing the search index of the output folder in place
        (watch and serve), planned now and run later, outside any lock."""
        plan = self.plan()
        if not plan.settings.search.enabled:
            return None
        return lambda: self._refresh_index(plan)


class _Unchanged(Exception):
    """Raised inside an incremental plan when no input changed since the last build."""


def _files_digest(archive: Archive, root: Path) -> bytes:
    """Static files and theme assets are copied, not parsed: digest their bytes too."""
    digest = hashlib.blake2b(digest_size=16)
    for target, source in (*_theme_assets(), *((s.target, root / s.source) for s in archive.static_files)):
        digest.update(target.encode() + b"\0")
        with contextlib.suppress(OSError):
            digest.update(hashlib.blake2b(source.read_bytes(), digest_size=16).digest())
    return digest.digest()


def templates_digest(root: Path) -> bytes:
    """A digest of every template a page could load (the archive's and the theme's)."""
    digest = hashlib.blake2b(digest_size=16)
    for folder in (root / SITE_TEMPLATES_DIR, THEME_DIR / "templates"):
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(__version__.encode())
    return digest.digest()


def build(options: BuildOptions, progress: Progress = _no_progress) -> BuildResult:
    """A clean build, as `sitegen build` runs it."""
    return Builder(options).build(progress)


def _search_skip_reason(options: BuildOptions, settings: Settings, searched: bool = True) -> str:
    if settings.search.enabled:
        return "" if searched else "refreshed separately"
    return "--no-search" if options.search is False else "[search] enabled = false"


def _page_file(page: Page) -> str:
    return Urls.page_file(page.path)


__all__ = ["BuildOptions", "BuildResult", "Builder", "build", "ContentError", "UsageError", "CONTENT_DIR"]
