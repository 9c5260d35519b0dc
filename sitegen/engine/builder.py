"""The build pipeline, as a straight list of stages.

config -> load -> annotate -> pages -> render -> write. `build` is what the
command line calls; it returns a summary or raises ContentError / UsageError.
The Builder runs the stages in order; what each does beyond calling the
pipeline lives in a module of its own: loading (source_loading), whether
anything changed (up_to_date), what planning keeps (plan_memos), the two
writers (staged_writer, in_place_writer, from page_digests), the search
index (indexing), the open data made later (open_data) and the memory
helpers (memory).
"""

from __future__ import annotations

import contextlib
import datetime
import os
import threading
import time
from collections.abc import Callable, Collection
from pathlib import Path

import sitegen.model.dates
import sitegen.model.errors
import sitegen.model.matcher
import sitegen.model.models
import sitegen.model.urls
import sitegen.pipeline.annotate
import sitegen.pipeline.article_pages
import sitegen.pipeline.cards
import sitegen.pipeline.catalog
import sitegen.pipeline.citation
import sitegen.pipeline.config
import sitegen.pipeline.entity_usage
import sitegen.pipeline.feeds
import sitegen.pipeline.listings
import sitegen.pipeline.pages
import sitegen.pipeline.render
import sitegen.pipeline.search
import sitegen.pipeline.site
import sitegen.pipeline.snippets
import sitegen.pipeline.timeline
import sitegen.pipeline.views
from sitegen.engine.annotation import AnnotationMemo, annotate_archive
from sitegen.engine.build_plan import BuildPlan, Progress, Sources, no_progress
from sitegen.engine.cache import BuildCache
from sitegen.engine.cache_bytes import CacheReading
from sitegen.engine.cache_file import (
    PendingCache,
    begin_persistent_cache,
    load_persistent_cache,
    remove_persistent_cache,
    save_persistent_cache,
)
from sitegen.engine.digests import speed_up_pickling
from sitegen.engine.in_place_writer import LastPlan, write_in_place
from sitegen.engine.indexing import index_site
from sitegen.engine.inputs import templates_digest
from sitegen.engine.memory import collector_paused, give_back_free_memory, settle_memory, without_cycle_collection
from sitegen.engine.open_data import OpenDataDue, make_open_data, write_open_data
from sitegen.engine.parallel import default_workers
from sitegen.engine.page_digests import digester_of, shared_inputs_of
from sitegen.engine.plan_memos import CatalogMemo, OutputClaims
from sitegen.engine.plan_record import PlanNeeded, kept_plan, record_plan
from sitegen.engine.options import BuildOptions, BuildResult
from sitegen.engine.publish import OutputGuard
from sitegen.engine.source_loading import SourceLoader
from sitegen.engine.stage_ready import SpareBroughtUp, bring_spare_up_meanwhile
from sitegen.engine.staged_writer import write_staged
from sitegen.engine.stored_fragments import FragmentStore, bodies_set_aside, set_bodies_aside
from sitegen.engine.template_cache import SealedTemplates
from sitegen.engine.stamp import Unusual, indexer_status, sources_digest, taken_sources_digest, today, write_stamp
from sitegen.engine.up_to_date import inputs_digest, kept_outputs, output_check, unchanged
from sitegen.model.errors import CacheUnreadable, Problems, UsageError
from sitegen.model.urls import Urls
from sitegen.pipeline.config import Settings, load_settings
from sitegen.pipeline.annotate import Annotations
from sitegen.pipeline.pages import plan_article_pages, plan_pages
from sitegen.pipeline.render import template_environment
from sitegen.pipeline.search import BUNDLE_DIR, SearchReport, indexer_identity
from sitegen.pipeline.site import Page, PlanMemo, site_view
from sitegen.pipeline.timeline import TimelineCollector
from sitegen.pipeline.output_survey import SurveyMemo
from sitegen.pipeline.write import SEARCH_BUNDLE, check_output_folder, check_output_inside_archive, replace_search_index

speed_up_pickling(
    sitegen.pipeline.annotate, sitegen.pipeline.config, sitegen.model.dates, sitegen.model.matcher, sitegen.model.models,
    sitegen.pipeline.pages, sitegen.pipeline.render, sitegen.pipeline.search, sitegen.pipeline.timeline, sitegen.model.urls, sitegen.model.errors,
    sitegen.pipeline.catalog, sitegen.pipeline.snippets, sitegen.pipeline.site, sitegen.pipeline.cards, sitegen.pipeline.views,
    sitegen.pipeline.entity_usage, sitegen.pipeline.article_pages, sitegen.pipeline.listings, sitegen.pipeline.citation, sitegen.pipeline.feeds,
)  # fmt: skip


def resolve_settings(options: BuildOptions) -> Settings:
    settings = load_settings(options.root)
    try:
        return settings.with_overrides(
            output=options.output,
            base_url=options.base_url,
            drafts=options.drafts,
            search=options.search,
        ).with_environment(os.environ, datetime.datetime.now(datetime.timezone.utc).date())
    except ValueError as exc:
        raise UsageError(str(exc)) from None


class Builder:
    """Runs the pipeline; keeps caches between runs when it lives long (watch, serve).

    A build reads as its stages: `configure`, `load` the sources, stop there when
    they are `unchanged` since the last build and the output still holds what
    it wrote, `plan_from` them every page, then one of two writers. `build()`
    stages the whole site (and its search index) beside the output and swaps
    it in at once; `build(incremental=True)` updates the output folder in
    place and leaves the index to `search_job`. Both render only pages whose
    inputs changed since the last build (by this builder, or by the one whose
    persistent cache it loaded), write only files whose bytes changed, and
    write the same bytes for the same sources.
    """

    def __init__(self, options: BuildOptions, cache: BuildCache | None = None, *, lasting: bool = True, reading: CacheReading | None = None):
        self.options = options
        # A builder that lives on (watch, serve) keeps the page plan of its last build,
        # to plan and render again only what changed; one made for a single build
        # (`build`) lets the pages go once they are written.
        self.lasting = lasting
        self.root = options.root.resolve()
        started = time.perf_counter()
        if cache is None:
            cache = without_cycle_collection(load_persistent_cache, self.root, not lasting, reading) if options.cache else BuildCache()
        self.cache = cache
        # A single build reads an article's body only to annotate it: one loaded from the
        # persistent cache stays there meanwhile (see SourceCache.keep_aside).
        cache.sources.keep_aside = not lasting
        self.cache_seconds = time.perf_counter() - started  # reported with the first build's timings
        self.guard = OutputGuard(self.root)
        self.timings: dict[str, float] = {}
        self.rendered = 0  # pages the last build rendered
        self.builds = 0
        self.workers = options.workers if options.workers is not None else default_workers()
        self._catalogue = CatalogMemo()
        self._claims = OutputClaims(self.root, lasting)
        self._timeline = TimelineCollector()  # keeps what each event costs while its object is the same
        self._annotations = AnnotationMemo()  # what the last annotation was given and made, for an edit to look up its own
        self._output_survey = SurveyMemo()  # what each folder of the output held, for the next in-place build
        self._last_in_place: LastPlan | None = None  # see _write_in_place
        self._open_data_due: OpenDataDue | None = None  # see open_data_job
        self._sources = SourceLoader(self.root)  # keeps what the last load found (see load)
        self._kept_warnings: list = []  # what planning the pages a build kept warned of (see _every_page_planned)
        self._pending_cache: PendingCache | None = None  # see _cache_entries_saver

    def build(
        self,
        progress: Progress = no_progress,
        *,
        incremental: bool = False,
        search: bool = True,
        open_data_later: bool = False,
        changed: Collection[Path] | None = None,
    ) -> BuildResult:
        """One build. With `incremental` and `open_data_later`, the files of data/
        and their page are left as they are when they would change: `open_data_job`
        makes and writes them afterwards. `changed` is the caller's word (watch
        watches the sources) that no path but these was written, added, removed
        or renamed since the last build of this builder began (see load)."""
        try:
            return self._build(progress, incremental, search, incremental and open_data_later, changed)
        finally:
            if self._pending_cache is not None:  # the build failed after its cache's entries were written
                self._pending_cache.abandon()
                self._pending_cache = None
            self.cache.encoded = {}  # where the cache file held each entry: only the first save can use it
            self._settle_memory()

    def _settle_memory(self) -> None:
        """Keep the collector of reference cycles off what the caches hold (see settle_memory)."""
        self.builds += 1
        settle_memory(self.builds)

    def _build(
        self, progress: Progress, incremental: bool, search: bool, open_data_later: bool, changed: Collection[Path] | None
    ) -> BuildResult:
        started = time.perf_counter()
        self.timings = {"cache load": self.cache_seconds} if self.cache_seconds else {}
        self.cache_seconds = 0.0
        day = today()  # the day the settings resolve a clock's day to, even past midnight
        settings, output = self.configure()
        clock_day = day if settings.site.citation_access_date == day else None  # the pages give the clock's day
        # Only a build that writes cares what the output folder holds: the
        # plan alone (`sitegen check`) never touches it.
        check_output_folder(self.root, output)
        if self.options.output is None:
            check_output_inside_archive(self.root, output)
        stamping = self.options.cache and not incremental
        with self._stage("stamp"):
            sources_status = self._sources_status() if stamping else None  # before a source is read
        with self.guard.writing(output):  # one build at a time; what killed ones left is removed first
            # The output compared with its manifest on the other core while the sources load.
            checking = None if incremental or self.lasting else output_check(self.cache, output)
            if checking is not None:
                self.guard.finish_before_release(output, checking.stop)  # whatever happens next
            sources = self.load(settings, output, changed)
            searched = search and settings.search.enabled and not incremental
            indexer = indexer_identity() if searched else None
            stamped_indexer = indexer_status() if searched and sources_status is not None else None
            with self._stage("check"):
                writer = ("in place",) if incremental else ("staged", searched, indexer)
                inputs = inputs_digest(self.cache, sources, self.root, writer)
                kept = kept_outputs(self.cache, output, incremental, checking)
            if unchanged(self.cache, sources, inputs, kept, incremental):
                result = self._nothing_changed(sources, started)
                self._stamp(sources_status, result, stamped_indexer, clock_day)
                return result
            # The spare brought up on another core while the pages are planned (see engine/stage_ready.py).
            spare = None if incremental or self.lasting or kept is not None else self._bring_spare_up_meanwhile(output)
            annotations = self._annotate(sources)
            # The sources and fragments are final once annotated: the cache's entries are written
            # while the pages are planned and rendered (at 20,000 articles planning is a second and
            # a half, which writing 400 MB of entries no longer adds after the pages).
            if stamping and self._cache_written_while_rendering():
                with self._stage("cache"):
                    self._pending_cache = begin_persistent_cache(self.root, self.cache, background=True)
            keep = kept is None and not incremental and stamping
            plan = self._plan_pages(sources, annotations, open_data_later, keep, stamping)
            del annotations  # the plan holds them, and lets them go once the pages are written
            page_count = len(plan.pages)  # the writer of a single build lets them go
            env = self._environment(sources.templates)
            if incremental:
                files, search_report = self._write_in_place(plan, env, progress), None
                self.cache.manifest = {}  # the folder is no longer what the last clean build left
            else:
                try:
                    files, search_report = self._write_staged(plan, env, progress, search, kept, spare)
                except PlanNeeded:  # a page kept without its plan lost its file meanwhile
                    plan = self._every_page_planned(sources, plan, open_data_later)
                    page_count = len(plan.pages)
                    files, search_report = self._write_staged(plan, env, progress, search, kept, spare)
                self._output_survey.close()  # its watches are on the folders swapped out
                self._output_survey = SurveyMemo()  # a swapped-in folder: the manifest vouches for its files now
            self._keep_compiled_templates(env)
            self.cache.inputs_digest, self.cache.inputs_warnings = inputs, list(plan.warnings)
            # Due once the pages beside them are written (and what an earlier build left due is not).
            self._open_data_due = OpenDataDue(plan, plan.deferred[0], env) if plan.deferred else None
            if self.options.cache and not incremental:  # while the previous site is deleted (see write_staged)
                with self._stage("cache"):
                    pending, self._pending_cache = self._pending_cache, None
                    if pending is not None:
                        pending.finish(self.cache)
                    else:
                        save_persistent_cache(self.root, self.cache)
        result = BuildResult(
            articles=len(plan.archive.articles),
            entities=len(plan.archive.entities),
            pages=page_count,
            files=files,
            output=plan.output,
            warnings=plan.warnings,
            search=search_report,
            search_skipped_because=_search_skip_reason(self.options, plan.settings, search and not incremental),
            seconds=time.perf_counter() - started,
            timings=dict(self.timings),
            rendered=self.rendered,
        )
        self._stamp(sources_status, result, stamped_indexer, clock_day)
        return result

    # --- the stamp a new process checks first (engine/stamp.py) -----------------------------

    def _sources_status(self) -> str | None:
        try:
            taken = taken_sources_digest(self.root)  # by the check that let this build run, if any
            return taken if taken is not None else sources_digest(self.root)
        except (Unusual, OSError):
            return None

    def _stamp(self, sources_status: str | None, result: BuildResult, indexer: list | None, clock_day: str | None) -> None:
        """Vouch for the output as this build leaves it, from the sources as they were when it began
        (and, when its citations give the clock's day, `clock_day`, on that day only)."""
        if sources_status is not None and self.cache.manifest:
            write_stamp(self.root, self.options, sources_status, result.output, self.cache.manifest, result, indexer, clock_day)

    # --- the stages up to the page plan: no byte written --------------------------------------

    @contextlib.contextmanager
    def _stage(self, name: str):
        """Time one stage, for `sitegen build --timings`."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - started

    def plan(self, open_data_later: bool = False) -> BuildPlan:
        return self.plan_from(self.load(*self.configure()), open_data_later)

    def configure(self) -> tuple[Settings, Path]:
        """The settings, and the output folder they name (refused when it would destroy sources)."""
        with self._stage("config"):
            settings = resolve_settings(self.options)
            output = (self.root / settings.build.output).resolve()
        return settings, output

    def load(self, settings: Settings, output: Path, changed: Collection[Path] | None = None) -> Sources:
        """The sources (see SourceLoader.load: `changed` spares walking the folders)."""
        return self._sources.load(settings, output, self.cache, self.workers, self._stage, changed)

    def _nothing_changed(self, sources: Sources, started: float) -> BuildResult:
        self.rendered = 0
        return BuildResult(
            articles=len(sources.archive.articles),
            entities=len(sources.archive.entities),
            pages=len(self.cache.page_inputs),
            files=0,
            output=sources.output,
            warnings=list(self.cache.inputs_warnings),
            seconds=time.perf_counter() - started,
            search_skipped_because="nothing changed",
            timings=dict(self.timings),
            unchanged=True,
        )

    def plan_from(self, sources: Sources, open_data_later: bool = False, keep: bool = False, record: bool = False) -> BuildPlan:
        """The plan of every page. With `record` (a build that saves the cache), a single
        build takes the plan's record for the next (see engine/plan_record.py); with
        `keep` too (the output folder is as the last build left it), when only the text
        of some articles changed since the last record, it plans their pages alone
        and keeps every other."""
        return self._plan_pages(sources, self._annotate(sources), open_data_later, keep and record, record)

    def _annotate(self, sources: Sources) -> Annotations:
        settings, archive, problems = sources.settings, sources.archive, sources.problems
        with self._stage("annotate"):
            urls = Urls(settings.site.base_url, settings.base_path)
            catalog, collisions = self._catalogue.catalog(archive, urls, settings.annotations.repeat_links)
            problems.extend(collisions)
            timeline = self._timeline.collect(archive, settings.timeline.articles)
            # A single build keeps the HTML of the articles it annotates on disk until their pages are rendered.
            store = None if self.lasting else FragmentStore()
            keep = store.keep if store is not None else None
            memo = self._annotations if store is None else None
            with_body = None if store is None else bodies_set_aside(self.cache, self.root)
            annotations = annotate_archive(archive, catalog, timeline, self.cache.fragments, self.workers, keep, memo, with_body)
            problems.extend(annotations.diagnostics)
            if store is not None:  # and the Markdown of its articles, which nothing reads once they are annotated
                archive = sources.archive = set_bodies_aside(archive, self.cache, store)
                self._timeline = TimelineCollector()  # whose memo holds the articles as they were loaded
                self._sources.forget_articles(self.cache)  # and so do the memos of its loading
                give_back_free_memory()  # the bodies' pages, before the plan grows the heap past them
        problems.raise_if_errors()
        return annotations

    def _plan_pages(self, sources: Sources, annotations: Annotations, open_data_later: bool, keep: bool, recording: bool) -> BuildPlan:
        settings, archive, problems = sources.settings, sources.archive, sources.problems
        urls = Urls(settings.site.base_url, settings.base_path)
        site = site_view(settings, urls)
        # A single build plans no next one: its articles' pages are made as they are rendered.
        planned = not self.lasting
        # A cold one leaves every object it plans alive until rendered: no garbage to collect meanwhile.
        cold = planned and not self.cache.page_inputs
        record = digester = None
        with self._stage("pages"), collector_paused() if cold else contextlib.nullcontext():
            if self.cache.plans is None:
                self.cache.plans = PlanMemo()
            pages = None
            if planned and recording:  # its record, for the next build, compared with the last build's
                digester = digester_of(self.cache, shared_inputs_of(sources.templates, site, urls), settings, urls)
                record = record_plan(self.cache, archive, annotations, digester)
                if keep and record.changed is not None:
                    found = Problems()  # the warnings of planning, given again if every page is planned after all
                    pages = kept_plan(self.cache, plan_article_pages(archive, annotations, settings, found, record.changed))
                    if pages is not None:
                        problems.extend(found.items)
                        self._kept_warnings = found.items
            if pages is None:
                pages = plan_pages(archive, annotations, settings, problems, self.cache.plans, open_data_later, planned)
            copies = self._claims.claim(pages, archive, problems, self.cache.plans)
        problems.raise_if_errors()
        return BuildPlan(
            settings, sources.output, archive, pages, copies, urls, site, problems.warnings, self.cache.plans.deferred,
            annotations, record, digester,
        )  # fmt: skip

    def _every_page_planned(self, sources: Sources, plan: BuildPlan, open_data_later: bool) -> BuildPlan:
        """The plan of every page, for a build whose plan kept pages it then could not keep."""
        given = set(map(id, self._kept_warnings))
        sources.problems.items[:] = [item for item in sources.problems.items if id(item) not in given]
        self._kept_warnings = []
        return self._plan_pages(sources, plan.annotations, open_data_later, keep=False, recording=True)

    def _environment(self, templates: bytes):
        if templates != self.cache.templates_digest or self.cache.environment is None:
            # With a cache, what Jinja compiles is kept for the next process (see engine/template_cache.py).
            compiled = SealedTemplates(self.root) if self.options.cache else None
            self.cache.environment = template_environment(self.root, compiled)
            if compiled is not None:  # what it knew of the templates' references, and keeps what is found
                self.cache.environment.references = compiled.references
            self.cache.templates_digest = templates
        return self.cache.environment

    def _keep_compiled_templates(self, env) -> None:
        """Save what this build compiled, once its pages are written (see engine/template_cache.py)."""
        if isinstance(env.bytecode_cache, SealedTemplates):
            with self._stage("templates kept"):
                env.bytecode_cache.save()

    # --- the two writers (engine/staged_writer.py, engine/in_place_writer.py) -----------------

    def _bring_spare_up_meanwhile(self, output: Path) -> SpareBroughtUp | None:
        """Start bringing the spare up, where the output was just found as its manifest says."""
        spare = bring_spare_up_meanwhile(output, self.cache.manifest, SEARCH_BUNDLE)
        if spare is not None:
            self.guard.finish_before_release(output, spare.stop)  # whatever happens next
        return spare

    def _write_staged(
        self, plan: BuildPlan, env, progress: Progress, search: bool, kept: set[str] | None, spare: SpareBroughtUp | None = None
    ) -> tuple[int, SearchReport | None]:
        before_search = None if self.lasting else self._cache_entries_saver(plan)
        files, search_report, self.rendered = write_staged(
            plan, env, self.cache, root=self.root, guard=self.guard, workers=self.workers, lasting=self.lasting,
            progress=progress, search=search, kept=kept, stage=self._stage, before_search=before_search, spare=spare,
            keep_spare=self.options.cache and not self.lasting,
        )  # fmt: skip
        return files, search_report

    def _cache_entries_saver(self, plan: BuildPlan) -> Callable[[], None]:
        """What a single build does once its pages are written, before its search index:
        write the persistent cache's entries (the sources and fragments, most of the
        file; its record follows once the site is swapped in), then let them go with
        the annotations the plan holds (without the cache, let them go at once). The
        indexer runs beside this process, and what this process holds counts with
        it: at 100,000 articles this process held 2 GiB there, of which the entries
        and what annotation made were most."""

        def save_entries_and_let_go() -> None:
            if self.options.cache:
                with self._stage("cache"):
                    if self._pending_cache is None:
                        self._pending_cache = begin_persistent_cache(self.root, self.cache)
                    else:  # begun in the background once the pages were planned
                        self._entries_written()
            # Entries that could not be written stay, for the whole cache to be written at the end.
            if self._pending_cache is not None or not self.options.cache:
                self.cache.let_go_of_entries()
            plan.annotations = plan.digester = None
            give_back_free_memory()

        return save_entries_and_let_go

    def _cache_written_while_rendering(self) -> bool:
        """Whether a single build's cache entries are written in the background while it
        plans and renders (see PendingCache): when it read the last cache file, whose
        lines it copies for every entry that did not change, which leaves the interpreter
        free. Not in a build without one, which encodes every entry: that holds the
        interpreter, which its own work needs."""
        return not self.lasting and bool(self.cache.encoded)

    def _entries_written(self) -> None:
        """Wait for the cache's entries written in the background; a file that could not be written is abandoned."""
        try:
            self._pending_cache.entries_written()
        except OSError:
            self._pending_cache.abandon()
            self._pending_cache = None

    def _write_in_place(self, plan: BuildPlan, env, progress: Progress) -> int:
        # Only an unbroken run of in-place builds of this builder uses the last one's plan.
        last, self._last_in_place = self._last_in_place, None
        files, self.rendered, self._last_in_place = write_in_place(
            plan, env, self.cache, root=self.root, survey=self._output_survey, last=last, progress=progress, stage=self._stage
        )
        return files

    # --- search ----------------------------------------------------------------------------

    def search_job(self, cancel: threading.Event | None = None) -> Callable[[], SearchReport] | None:
        """The work of refreshing the search index of the output folder in place
        (watch and serve), planned now and run later, outside the watcher's lock:
        the pages are served meanwhile with the previous index. None when search
        is off: then nothing is loaded or planned (this runs after every pause).
        Once `cancel` is set, the work stops (its indexers killed) and the index stays as it was."""
        settings, _ = self.configure()
        if not settings.search.enabled:
            return None
        plan = self.plan(open_data_later=True)  # the index reads the pages only: never make data/ here
        if not plan.settings.search.enabled:
            return None

        workers = self.workers

        def refresh() -> SearchReport:
            with self.guard.writing(plan.output):
                return replace_search_index(
                    plan.output, lambda folder: index_site(plan, plan.output, folder / BUNDLE_DIR, workers=workers, cancel=cancel)
                )

        return refresh

    # --- open data, written after the pages (watch, serve) ---------------------------------------

    def open_data_job(self) -> Callable[[], Callable[[], int]] | None:
        """The files of data/ and their page, left by the last in-place builds
        (`open_data_later`), to be made outside the watcher's lock: the job
        returns the step that writes them, each atomically, to be run under the
        lock again. It writes nothing, and returns 0, when a build planned
        since: that build's own job comes after it. None when nothing is due."""
        due = self._open_data_due
        if due is None:
            return None

        def make() -> Callable[[], int]:
            pages, files = make_open_data(due, self.root)
            return lambda: self._write_open_data(due, pages, files)

        return make

    def _write_open_data(self, due: OpenDataDue, pages: list[Page], files: dict[str, bytes]) -> int:
        if self._open_data_due is not due:
            return 0
        count = write_open_data(due, pages, files, self.cache, self.guard, self._output_survey)
        if count is None:
            return 0  # the next build writes data/ again, and these files after
        self._open_data_due = None
        return count


def build(options: BuildOptions, progress: Progress = no_progress, reading: CacheReading | None = None) -> BuildResult:
    """A clean build, as `sitegen build` runs it; `reading`: the cache file of the
    archive as it started to be read (see engine/cache_bytes.py).

    A single build decodes a piece of the cache (an article's HTML or body) only
    when it needs it. One that does not decode, in a file whose seal verified, is
    not what sitegen writes: the cache is removed and the build made again
    without it. Nothing of the first attempt was published (its stage is
    discarded on the way out)."""
    try:
        return Builder(options, lasting=False, reading=reading).build(progress)
    except CacheUnreadable:
        remove_persistent_cache(options.root.resolve())
        # With an empty cache of its own, not the file (which may not have been removable):
        # the cache it writes replaces that file.
        return Builder(options, BuildCache(), lasting=False).build(progress)


def _search_skip_reason(options: BuildOptions, settings: Settings, searched: bool = True) -> str:
    if settings.search.enabled:
        return "" if searched else "refreshed separately"
    return "--no-search" if options.search is False else "[search] enabled = false"


__all__ = [
    "BuildOptions", "BuildResult", "Builder", "build", "resolve_settings", "BuildPlan", "BuildCache", "templates_digest",
    "UsageError",
]  # fmt: skip