"""The build pipeline, as a straight list of stages.

config -> load -> annotate -> pages -> render -> write. `build` is what the
command line calls; it returns a summary or raises ContentError / UsageError.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime
import gc
import itertools
import operator
import os
import stat
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sitegen.model.dates
import sitegen.model.errors
import sitegen.model.matcher
import sitegen.model.models
import sitegen.model.urls
import sitegen.pipeline.annotate
import sitegen.pipeline.cards
import sitegen.pipeline.catalog
import sitegen.pipeline.citation
import sitegen.pipeline.config
import sitegen.pipeline.feeds
import sitegen.pipeline.listings
import sitegen.pipeline.pages
import sitegen.pipeline.render
import sitegen.pipeline.search
import sitegen.pipeline.site
import sitegen.pipeline.snippets
import sitegen.pipeline.timeline
import sitegen.pipeline.views
from sitegen.engine.annotation import annotate_archive
from sitegen.engine.cache import BuildCache, SharedDigests, digest_of
from sitegen.engine.cache_file import load_persistent_cache, save_persistent_cache
from sitegen.engine.digests import speed_up_pickling
from sitegen.engine.made_from import MadeFrom
from sitegen.engine.inputs import files_digest, page_file, templates_digest, theme_assets
from sitegen.engine.parallel import default_workers, map_in_workers
from sitegen.engine.options import BuildOptions, BuildResult
from sitegen.engine.publish import OutputGuard
from sitegen.engine.stored_fragments import FragmentStore, set_bodies_aside
from sitegen.engine.published import holds_exactly, output_manifest, unchanged_entries
from sitegen.engine.stamp import Unusual, indexer_status, sources_digest, today, write_stamp
from sitegen.model.errors import ContentError, Diagnostic, Problems, UsageError
from sitegen.model.models import Archive
from sitegen.model.urls import Urls
from sitegen.pipeline.catalog import build_catalog
from sitegen.pipeline.config import Settings, load_settings
from sitegen.pipeline.load import CONTENT_DIR, Listing, load_archive
from sitegen.pipeline.outputs import claim_outputs
from sitegen.pipeline.exports import DATA_FOLDER
from sitegen.pipeline.pages import plan_pages
from sitegen.pipeline.render import load_templates, render_page, template_environment
from sitegen.pipeline.search import (
    BUNDLE_DIR,
    SearchError,
    SearchReport,
    build_search_index,
    indexer_identity,
    term_records,
)
from sitegen.pipeline.site import Deferred, Page, PlanMemo, PlannedPage, SiteView, site_view
from sitegen.pipeline.timeline import TimelineCollector
from sitegen.pipeline.write import (
    InPlaceOutput,
    StagedOutput,
    SurveyMemo,
    check_output_folder,
    check_output_inside_archive,
    content_digest,
    replace_search_index,
    write_atomically,
)

speed_up_pickling(
    sitegen.pipeline.annotate, sitegen.pipeline.config, sitegen.model.dates, sitegen.model.matcher, sitegen.model.models,
    sitegen.pipeline.pages, sitegen.pipeline.render, sitegen.pipeline.search, sitegen.pipeline.timeline, sitegen.model.urls, sitegen.model.errors,
    sitegen.pipeline.catalog, sitegen.pipeline.snippets, sitegen.pipeline.site, sitegen.pipeline.cards, sitegen.pipeline.views,
    sitegen.pipeline.listings, sitegen.pipeline.citation, sitegen.pipeline.feeds,
)  # fmt: skip


# Pages one rendering process renders before it ends and a new one is forked
# (see map_in_workers): it bounds the memory a renderer copies from the build.
# Each fork costs the copy of what the new process touches again (every object
# it reads, to count references) and its own digests of the cards it shows: at
# 500, the 16,500 pages of 4,000 articles took 33 processes and an eighth more
# processor time than with 9, for a twentieth less memory.
PAGES_PER_RENDERING_PROCESS = 2000
# The views that many pages show (an article's card, a timeline event): digested
# once a build, not once per page (see SharedDigests).
SHOWN_ON_MANY_PAGES = (sitegen.pipeline.cards.ArticleCard, sitegen.pipeline.cards.EventView, sitegen.pipeline.site.Link)
FULL_COLLECTION_EVERY = 20  # builds between two full collections of reference cycles (see Builder._settle_memory)


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
        ).with_environment(os.environ, datetime.datetime.now(datetime.timezone.utc).date())
    except ValueError as exc:
        raise UsageError(str(exc)) from None


@dataclass(slots=True)
class BuildPlan:
    """Everything decided before a byte is written: the output of stages up to `pages`."""

    settings: Settings
    output: Path
    archive: Archive
    pages: list[Page | PlannedPage]
    copies: list[tuple[str, Path]]  # (output path, source file)
    urls: Urls
    site: SiteView
    warnings: list[Diagnostic]
    deferred: list[Deferred] = field(default_factory=list)  # pages left to make later (see Builder.open_data_job)


@dataclass(slots=True)
class Sources:
    """What the site is made from, as the `config` and `load` stages read it."""

    settings: Settings
    output: Path
    archive: Archive
    templates: bytes  # digest of every template a page could load
    problems: Problems  # the warnings found so far


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

    def __init__(self, options: BuildOptions, cache: BuildCache | None = None, *, lasting: bool = True):
        self.options = options
        # A builder that lives on (watch, serve) keeps the page plan of its last build,
        # to plan and render again only what changed; one made for a single build
        # (`build`) lets the pages go once they are written.
        self.lasting = lasting
        self.root = options.root.resolve()
        started = time.perf_counter()
        if cache is None:
            cache = _without_cycle_collection(load_persistent_cache, self.root, not lasting) if options.cache else BuildCache()
        self.cache = cache
        self.cache_seconds = time.perf_counter() - started  # reported with the first build's timings
        self.guard = OutputGuard(self.root)
        self.timings: dict[str, float] = {}
        self.rendered = 0  # pages the last build rendered
        self.builds = 0
        self.workers = options.workers if options.workers is not None else default_workers()
        self._claimed: tuple[tuple, list[tuple[str, Path]], list[Diagnostic]] | None = None  # see _claim_outputs
        self._claimed_pages: list[Page] = []  # the pages of the last claim
        self._built_catalog: tuple[tuple, tuple] | None = None  # see _catalog
        self._timeline = TimelineCollector()  # keeps what each event costs while its object is the same
        self._output_survey = SurveyMemo()  # what each folder of the output held, for the next in-place build
        self._last_in_place: _LastPlan | None = None  # see _write_in_place
        self._open_data_due: _OpenDataDue | None = None  # see open_data_job
        self._listing = Listing()  # the files the last load found (see load)
        self._listed = False  # whether the last load ran to its end, so that its listing and statuses hold

    def build(
        self,
        progress: Progress = _no_progress,
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
            self.cache.encoded = {}  # where the cache file held each entry: only the first save can use it
            self._settle_memory()

    def _settle_memory(self) -> None:
        """Keep the collector of reference cycles off what the caches hold.

        A long-lived builder holds millions of objects (sources, fragments, the
        plan memo); Python's cycle collector would walk all of them every few
        builds, a quarter of a second with 2,000 articles. What survives a
        build is moved out of its sight (`gc.freeze`: objects are still freed
        as soon as nothing refers to them); every FULL_COLLECTION_EVERY builds
        they are given back and collected once, so that reference cycles
        dropped meanwhile are not kept for ever.
        """
        self.builds += 1
        if self.builds % FULL_COLLECTION_EVERY == 0:
            gc.unfreeze()
            gc.collect()
        gc.freeze()

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
            sources = self.load(settings, output, changed)
            searched = search and settings.search.enabled and not incremental
            indexer = indexer_identity() if searched else None
            stamped_indexer = indexer_status() if searched and sources_status is not None else None
            with self._stage("check"):
                inputs = self.inputs_digest(sources, ("in place",) if incremental else ("staged", searched, indexer))
                kept = self.kept_outputs(output, incremental)
            if self.unchanged(sources, inputs, kept, incremental):
                result = self._nothing_changed(sources, started)
                self._stamp(sources_status, result, stamped_indexer, clock_day)
                return result
            plan = self.plan_from(sources, open_data_later)
            page_count = len(plan.pages)  # the writer of a single build lets them go
            env = self._environment(sources.templates)
            if incremental:
                files, search_report = self._write_in_place(plan, env, progress), None
                self.cache.manifest = {}  # the folder is no longer what the last clean build left
            else:
                files, search_report = self._write_staged(plan, env, progress, search, kept)
                self._output_survey = SurveyMemo()  # a swapped-in folder: the manifest vouches for its files now
            self.cache.inputs_digest, self.cache.inputs_warnings = inputs, list(plan.warnings)
            # Due once the pages beside them are written (and what an earlier build left due is not).
            self._open_data_due = _OpenDataDue(plan, plan.deferred[0], env) if plan.deferred else None
        if self.options.cache and not incremental:
            with self._stage("cache"):
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
            return sources_digest(self.root)
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
        """The sources. With `changed` (see build) made only of files the last load
        read, still regular files, no folder is walked and no other file's status
        is asked for: the last load's listing and statuses still hold. Anything
        else (a path it did not read, a folder, a file gone, a load that did not
        end) walks every folder and checks every file, as without `changed`."""
        problems = Problems()
        vouched = self._vouched(changed)
        self._listed, self._listing.reuse, self.cache.sources.changed = False, vouched is not None, vouched
        self.cache.sources.workers = self.workers
        try:
            with self._stage("load"):
                archive = load_archive(self.root, settings, problems, self.cache.sources, self._listing)
        finally:
            self._listing.reuse, self.cache.sources.changed = False, None
        self._listed = True
        problems.raise_if_errors()
        return Sources(settings, output, archive, templates_digest(self.root), problems)

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

    def inputs_digest(self, sources: Sources, writer: tuple = ()) -> bytes:
        """Everything the site is made from, static files' bytes included, and how
        `writer` leaves the output (in place, or staged with or without its index)."""
        files = files_digest(sources.archive, self.root)
        # What the loader left out (a link, a named pipe) is in no other input, but in
        # its warnings, which a build that finds nothing changed reports as they were.
        left_out = [(w.path, w.line, w.message) for w in sources.problems.warnings]
        return digest_of((sources.settings, self.cache.sources.digest(), sources.templates, files, writer, left_out))

    def kept_outputs(self, output: Path, incremental: bool) -> set[str] | None:
        """The output files still exactly as the last clean build left them, or None
        when the whole folder is (see engine/published.py).

        What the cache says was written is trusted only for those files: any
        other is rendered again. Without a manifest (after in-place builds,
        whose record lives in this process only) `written` stays as it is:
        the in-place writer checks what is on disk itself.
        """
        if not self.cache.manifest:
            if not incremental:
                self.cache.page_inputs = {}  # no previous file can be kept unverified
            return set()
        current = output_manifest(output)
        if holds_exactly(self.cache.manifest, current):
            return None
        kept = unchanged_entries(self.cache.manifest, current)
        self.cache.written = {path: digest for path, digest in self.cache.written.items() if path in kept}
        self.cache.page_inputs = {path: digest for path, digest in self.cache.page_inputs.items() if path in kept}
        if incremental:
            self.cache.manifest = {}  # the in-place writer is about to change the folder
        return kept

    def unchanged(self, sources: Sources, inputs: bytes, kept: set[str] | None, incremental: bool) -> bool:
        """True when the last build wrote the output from these very inputs and it still holds that.

        A clean build relies on the manifest alone; after in-place builds
        (watch, serve) the folder need only exist, as their writer checks
        each file it keeps."""
        if inputs != self.cache.inputs_digest:
            return False
        if self.cache.manifest or not incremental:
            return kept is None
        return sources.output.is_dir()

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

    def plan_from(self, sources: Sources, open_data_later: bool = False) -> BuildPlan:
        settings, archive, problems = sources.settings, sources.archive, sources.problems
        with self._stage("annotate"):
            urls = Urls(settings.site.base_url, settings.base_path)
            catalog, collisions = self._catalog(archive, urls, settings.annotations.repeat_links)
            problems.extend(collisions)
            timeline = self._timeline.collect(archive, settings.timeline.articles)
            # A single build keeps the HTML of the articles it annotates on disk until their pages are rendered.
            store = None if self.lasting else FragmentStore()
            keep = store.keep if store is not None else None
            annotations = annotate_archive(archive, catalog, timeline, self.cache.fragments, self.workers, keep)
            problems.extend(annotations.diagnostics)
            if store is not None:  # and the Markdown of its articles, which nothing reads once they are annotated
                archive = sources.archive = set_bodies_aside(archive, self.cache, store)
                self._timeline = TimelineCollector()  # whose memo holds the articles as they were loaded
                _give_back_free_memory()  # the bodies' pages, before the plan grows the heap past them
        problems.raise_if_errors()
        # A single build plans no next one: its articles' pages are made as they are rendered.
        planned = not self.lasting
        # A cold one leaves every object it plans alive until rendered: no garbage to collect meanwhile.
        cold = planned and not self.cache.page_inputs
        with self._stage("pages"), _collector_paused() if cold else contextlib.nullcontext():
            if self.cache.plans is None:
                self.cache.plans = PlanMemo()
            pages = plan_pages(archive, annotations, settings, problems, self.cache.plans, open_data_later, planned)
            copies = self._claim_outputs(pages, archive, problems)
        problems.raise_if_errors()
        site = site_view(settings, urls)
        return BuildPlan(settings, sources.output, archive, pages, copies, urls, site, problems.warnings, self.cache.plans.deferred)

    def _catalog(self, archive: Archive, urls: Urls, repeat_links: bool):
        """build_catalog, redone only when an entity, a term, the URLs or the setting
        changed since the last build of this builder (it reads nothing else); the
        same catalogue object also lets the caches keyed on it hit at once."""
        made_from = (archive.entities, archive.terms, urls, repeat_links)
        if self._built_catalog is None or self._built_catalog[0] != made_from:
            self._built_catalog = (made_from, build_catalog(archive, urls, repeat_links))
        catalog, collisions = self._built_catalog[1]
        return catalog, list(collisions)

    def _claim_outputs(self, pages: list[Page], archive: Archive, problems: Problems) -> list[tuple[str, Path]]:
        """claim_outputs, redone only when a page path, a theme asset or a static file
        changed since the last build of this builder (it is a pure function of them)."""
        claim = (self._page_paths(pages), tuple(theme_assets()), archive.static_files)
        if self._claimed is None or self._claimed[0] != claim:
            found = Problems()
            copies = claim_outputs(claim[0], claim[1], claim[2], self.root, found)
            self._claimed = (claim, copies, found.items)
        problems.extend(self._claimed[2])
        self._claimed_pages = pages if self.lasting else []  # a single build lets its pages go once written
        return list(self._claimed[1])

    def _page_paths(self, pages: list[Page]) -> tuple[str, ...]:
        """The path of every page: the last claim's very tuple when the pages that are
        not the last plan's objects at the same place have the same paths."""
        last, claimed = self._claimed_pages, self._claimed
        if claimed is not None and len(last) == len(pages):
            paths = claimed[0][0]
            moved = itertools.compress(itertools.count(), map(operator.is_not, pages, last))
            if all(pages[place].path == paths[place] for place in moved):
                return paths
        return tuple(page.path for page in pages)

    def _environment(self, templates: bytes):
        if templates != self.cache.templates_digest or self.cache.environment is None:
            self.cache.environment = template_environment(self.root)
            self.cache.templates_digest = templates
        return self.cache.environment

    # --- the two writers ----------------------------------------------------------------------

    def _page_inputs(
        self, plan: BuildPlan, later: Callable[[str], bool] = lambda target: False
    ) -> tuple[dict[str, bytes | None], list[str]]:
        """The digest of everything each page is rendered from, by output file, and
        the output file of each page of the plan, in its order.

        A page that is the very object the last build digested (the plan memo
        returns it when none of its inputs changed) keeps its digest. A page
        whose file `later` names, and every PlannedPage, gets None: the process
        that renders it digests it (see _write_staged), so that a cold build
        digests its pages in the workers, not in this process while they wait."""
        shared_inputs = digest_of((self.cache.templates_digest, plan.site, plan.urls))  # the same for every page
        previous = self.cache.page_digests if shared_inputs == self.cache.shared_digest else {}
        inputs: dict[str, bytes | None] = {}
        digests: dict[str, tuple[Page, bytes | None]] = {}
        targets: list[str] = []
        shown_on_many = SharedDigests(SHOWN_ON_MANY_PAGES)
        for page in plan.pages:
            target = page_file(page)
            targets.append(target)
            if isinstance(page, PlannedPage):
                inputs[target] = None
                continue
            known = previous.get(target)
            if known is None or known[0] is not page:
                known = (page, None if later(target) else _page_digest(shared_inputs, page, shown_on_many))
            digests[target] = known
            inputs[target] = known[1]
        self.cache.page_digests = digests
        self.cache.shared_digest = shared_inputs
        return inputs, targets

    def _made_from(self, plan: BuildPlan, later: Callable[[str], bool]) -> tuple[dict[str, bytes], MadeFrom | None]:
        """The digest of what each PlannedPage is made from, by output file (see
        engine/made_from.py), with what takes them; call after _page_inputs, which
        sets the digest of what every page is rendered with.

        A page whose file `later` names is left out: the last build recorded
        no digest to compare its own with, so it is made whatever, and the
        process that makes it takes its digest for the next build (a cold
        build so takes them all in its rendering processes)."""
        planned = [page for page in plan.pages if isinstance(page, PlannedPage) and page.inputs]
        if not planned:
            return {}, None
        context = (self.cache.shared_digest, plan.settings, plan.urls)
        made_from = MadeFrom(self.cache.fragments, context, (*SHOWN_ON_MANY_PAGES, sitegen.pipeline.feeds.FeedEntry))
        digests = {}
        for page in planned:
            target = page_file(page)
            if later(target):
                continue
            digest = made_from.digest(page.path, page.template, page.inputs)
            if digest is not None:
                digests[target] = digest
        return digests, made_from

    def _write_staged(
        self, plan: BuildPlan, env, progress: Progress, search: bool, kept: set[str] | None
    ) -> tuple[int, SearchReport | None]:
        """The whole new site, its search index included, staged beside the output and
        swapped in at once: until then the output is the previous site, whole.

        A page whose inputs are those of the last build, and whose file the
        output still holds as that build left it (`kept`; None: every file),
        is not rendered: the previous file is linked into the new site. So is
        a PlannedPage made from what the last build's was (see _made_from),
        without being made; any other is made, digested and so checked in the
        rendering process."""
        root, site, urls = self.root, plan.site, plan.urls
        search_report: SearchReport | None = None
        self.guard.check_replaceable(plan.output)
        previous_inputs, previous_written = self.cache.page_inputs, self.cache.written
        previous_made_from = self.cache.made_from
        with self._stage("digest"):
            # A page the last build did not record is rendered whatever its inputs: digested while rendered.
            page_inputs, _ = self._page_inputs(plan, later=lambda target: target not in previous_inputs)
            made_from, made_from_digests = self._made_from(plan, later=lambda target: target not in previous_made_from)
        shared_inputs = self.cache.shared_digest
        staged = StagedOutput(plan.output)
        shown_on_many = SharedDigests(SHOWN_ON_MANY_PAGES)  # each rendering process fills its own copy

        def kept_as_it_was(target: str, inputs: bytes | None) -> bool:
            """Whether the page's previous file is still right, and linked into the stage."""
            return (
                inputs is not None
                and previous_inputs.get(target) == inputs
                and target in previous_written
                and (kept is None or target in kept)
                and staged.link_previous(target)
            )

        def kept_unmade(target: str) -> bool:
            """Whether a PlannedPage is made from what the last build's was, and its previous file kept."""
            digest = made_from.get(target)
            return digest is not None and previous_made_from.get(target) == digest and kept_as_it_was(target, previous_inputs.get(target))

        def render_into_stage(page: Page | PlannedPage) -> tuple[bytes, bytes, bool, bytes | None]:
            """The digests of the page's inputs and of its bytes, whether it was
            rendered (and written into the stage) rather than kept, and the
            digest of what a PlannedPage is made from when this build has none."""
            target = page_file(page)
            inputs = page_inputs[target]
            made = None
            if isinstance(page, PlannedPage):
                if made_from_digests is not None and target not in made_from:
                    made = made_from_digests.digest(page.path, page.template, page.inputs)
                page = page.make()
                inputs = _page_digest(shared_inputs, page, shown_on_many)
                if kept_as_it_was(target, inputs):
                    return inputs, previous_written[target], False, made
            elif inputs is None:
                inputs = _page_digest(shared_inputs, page, shown_on_many)
            data = render_page(env, page, site, urls, root)
            staged.write_bytes(target, data)
            return inputs, content_digest(data), True, made

        try:
            with self._stage("render and write"):
                # Pages kept are linked here; only the others go to the workers, so
                # that a small edit forks none and sends no page to one. (A single
                # build's planned pages all go: they are made, so digested, there.)
                written: dict[str, bytes] = {}
                changed: list[Page | PlannedPage] = []
                for page in plan.pages:
                    target = page_file(page)
                    if isinstance(page, PlannedPage) and kept_unmade(target):
                        written[target], page_inputs[target] = previous_written[target], previous_inputs[target]
                    elif not isinstance(page, PlannedPage) and kept_as_it_was(target, page_inputs[target]):
                        written[target] = previous_written[target]
                    else:
                        changed.append(page)
                load_templates(env, {page.template for page in changed if page.literal is None and page.template})
                done = map_in_workers(
                    render_into_stage, changed, self.workers, progress, items_per_process=PAGES_PER_RENDERING_PROCESS
                )
                self.rendered = 0
                for page, (inputs, digest, rendered, made) in zip(changed, done):
                    target = page_file(page)
                    page_inputs[target], written[target] = inputs, digest
                    if made is not None:
                        made_from[target] = made
                    self.rendered += rendered
                    if not isinstance(page, PlannedPage):
                        self.cache.page_digests[target] = (page, inputs)
                del done
                if not self.lasting:
                    changed.clear()
                    self._forget_pages(plan)
                for target, source in plan.copies:
                    staged.copy_file(target, source)
            if search and plan.settings.search.enabled:
                with self._stage("search"):
                    search_report = self._index(plan, staged.stage, intact=self._intact_bundle(kept))
            with self._stage("swap"):
                staged.commit()
        except BaseException:
            staged.discard()
            raise
        with self._stage("manifest"):
            self.cache.manifest = output_manifest(plan.output)
        self.cache.written = {target: written[target] for target in page_inputs}  # in the order of the plan
        self.cache.page_inputs = page_inputs
        self.cache.made_from = made_from
        return len(written) + len(plan.copies), search_report

    def _write_in_place(self, plan: BuildPlan, env, progress: Progress) -> int:
        """Render what changed into memory first, then write: a failure leaves the output as it was.

        After an in-place build of this builder, only the pages that are not the
        very objects of its plan (the plan memo returns those it kept), and those
        whose file the output lost since, are looked at: the others' digests, files
        and bytes on disk are the last build's (see _LastPlan)."""
        with self._stage("render and write"):
            output = InPlaceOutput(plan.output, self.cache.written, plan.settings.search.enabled, self._output_survey)
            page_inputs, targets, moved = self._in_place_inputs(plan)
            if moved is None:
                candidates: Iterable[int] = range(len(plan.pages))
            else:
                lost = output.dropped
                where = {target: index for index, target in enumerate(targets)} if lost else {}
                candidates = sorted({*moved, *(where[target] for target in lost if target in where)})
            changed: dict[str, bytes] = {}
            self.rendered = 0
            previous_inputs, on_disk = self.cache.page_inputs, self.cache.written
            pages = [plan.pages[index] for index in candidates]
            for page, index in zip(progress(pages, len(pages)), candidates):
                target = targets[index]
                if previous_inputs.get(target) == page_inputs[target] and target in on_disk:
                    continue
                self.rendered += 1
                data = render_page(env, page, plan.site, plan.urls, self.root)
                if not output.is_current(target, data):
                    changed[target] = data
            for target, source in plan.copies:
                data = source.read_bytes()
                if not output.is_current(target, data):
                    changed[target] = data
            written = output.apply(changed, set(page_inputs) | {target for target, _ in plan.copies})
        self.cache.page_inputs = page_inputs
        self.cache.made_from = {}  # recorded by staged builds only
        self._last_in_place = _LastPlan(plan.pages, targets, page_inputs, self.cache.page_digests, self.cache.shared_digest)
        return written

    def _in_place_inputs(self, plan: BuildPlan) -> tuple[dict[str, bytes | None], list[str], list[int] | None]:
        """`_page_inputs`, and the places in the plan of the pages that are not the
        objects of the last in-place build's plan at the same place; None when
        every page is to be looked at (no such build, or another build since)."""
        last, self._last_in_place = self._last_in_place, None
        shared_inputs = digest_of((self.cache.templates_digest, plan.site, plan.urls))
        moved = last.moved(plan.pages) if last is not None and last.holds(self.cache, shared_inputs) else None
        if moved is None or any(isinstance(plan.pages[index], PlannedPage) for index in moved):
            return (*self._page_inputs(plan), None)
        targets, inputs, digests = list(last.targets), dict(last.inputs), dict(last.digests)
        shown_on_many = SharedDigests(SHOWN_ON_MANY_PAGES)
        for index in moved:
            page = plan.pages[index]
            target = page_file(page)
            if target != targets[index]:  # the pages moved: each page's place is worked out again
                return (*self._page_inputs(plan), None)
            digest = _page_digest(shared_inputs, page, shown_on_many)
            digests[target], inputs[target] = (page, digest), digest
        self.cache.page_digests, self.cache.shared_digest = digests, shared_inputs
        return inputs, targets, moved

    def _forget_pages(self, plan: BuildPlan) -> None:
        """Let the pages of a single build go once written: neither the search index
        nor the persistent cache needs them, and they are most of what the plan holds."""
        plan.pages = []
        self.cache.plans = None
        self.cache.page_digests = {}
        _give_back_free_memory()

    # --- search ----------------------------------------------------------------------------

    def _intact_bundle(self, kept: set[str] | None) -> Callable[[str], bool]:
        """Whether a shard's folder in the output's index ("" for pagefind/ itself) is
        still as the last build left it, entry for entry: only then is it reused.

        A bundle file edited, removed or added changes its own status or its
        folder's, so the shard is indexed again; without a record of the last
        build nothing in the output can be vouched for."""
        recorded = self.cache.manifest
        if not recorded:
            return lambda folder: False
        if kept is None:
            return lambda folder: True
        changed = [path for path in recorded if path not in kept]

        def intact(folder: str) -> bool:
            top = f"{BUNDLE_DIR}/{folder}".rstrip("/")
            return not any(path == top or path.startswith(top + "/") for path in changed)

        return intact

    def _index(
        self, plan: BuildPlan, site: Path, bundle: Path | None = None, intact: Callable[[str], bool] = lambda folder: True
    ) -> SearchReport:
        """Index the pages in `site`, writing the bundles to `bundle` (default `site/pagefind/`);
        the shards unchanged since the output's own index, and `intact` there, are taken from it."""
        records = term_records(plan.archive.terms, plan.urls.glossary_path())
        years = {Urls.page_file(Urls.article_path(article.slug)): article.date.day.year for article in plan.archive.articles}
        search = plan.settings.search
        try:
            return build_search_index(
                site, plan.settings.site.language, records, bundle,
                timeout=search.timeout, years=years, shard_pages=search.shard_pages, previous=plan.output / BUNDLE_DIR, intact=intact,
            )  # fmt: skip
        except SearchError as exc:
            raise ContentError([Diagnostic(exc.path, None, f"{exc}; rebuild with --no-search to skip it")]) from None

    def search_job(self) -> Callable[[], SearchReport] | None:
        """The work of refreshing the search index of the output folder in place
        (watch and serve), planned now and run later, outside the watcher's lock:
        the pages are served meanwhile with the previous index. None when search
        is off: then nothing is loaded or planned (this runs after every pause)."""
        settings, _ = self.configure()
        if not settings.search.enabled:
            return None
        plan = self.plan(open_data_later=True)  # the index reads the pages only: never make data/ here
        if not plan.settings.search.enabled:
            return None

        def refresh() -> SearchReport:
            with self.guard.writing(plan.output):
                return replace_search_index(plan.output, lambda folder: self._index(plan, plan.output, folder / BUNDLE_DIR))

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
            pages = due.deferred.make()
            files = {page_file(page): render_page(due.env, page, due.plan.site, due.plan.urls, self.root) for page in pages}
            return lambda: self._write_open_data(due, pages, files)

        return make

    def _write_open_data(self, due: _OpenDataDue, pages: list[Page], files: dict[str, bytes]) -> int:
        if self._open_data_due is not due:
            return 0
        output = due.plan.output
        folder = output / DATA_FOLDER
        if folder.is_symlink() or not folder.is_dir():
            return 0  # not as the last build left it: the next build writes the folder again, and these files after
        count = 0
        with self.guard.writing(output):
            for page in pages:
                target, data = page_file(page), files[page_file(page)]
                digest = content_digest(data)
                if self.cache.written.get(target) != digest:
                    write_atomically(output / target, data)
                    self._output_survey.wrote(target, output / target)  # the next survey knows it as sitegen's
                    count += 1
                inputs = _page_digest(self.cache.shared_digest, page)
                self.cache.written[target], self.cache.page_inputs[target] = digest, inputs
                self.cache.page_digests[target] = (page, inputs)
        self.cache.plans.install(due.deferred, pages)
        self._open_data_due = None
        return count


@dataclass(frozen=True, slots=True)
class _LastPlan:
    """The plan of the last in-place build, with each page's output file in the same
    order, and the very dicts of digests it left in the cache: while the cache still
    holds those, a page of the next plan that is the same object at the same place
    has the same file and digest, and its file is on disk as written unless the
    survey of the output found it lost."""

    pages: list[Page | PlannedPage]
    targets: list[str]
    inputs: dict[str, bytes | None]
    digests: dict[str, tuple[Any, bytes]]
    shared: bytes

    def holds(self, cache: BuildCache, shared_inputs: bytes) -> bool:
        return cache.page_inputs is self.inputs and cache.page_digests is self.digests and cache.shared_digest == self.shared == shared_inputs

    def moved(self, pages: list[Page | PlannedPage]) -> list[int] | None:
        """The places where `pages` holds another object than the last plan; None when their number differs."""
        if len(pages) != len(self.pages):
            return None
        return list(itertools.compress(itertools.count(), map(operator.is_not, pages, self.pages)))


@dataclass(frozen=True, slots=True)
class _OpenDataDue:
    """The pages of data/ a build left to make later, with what renders them."""

    plan: BuildPlan
    deferred: Deferred
    env: Any


def _page_digest(shared_inputs: bytes, page: Page, shown_on_many: SharedDigests | None = None) -> bytes:
    """The digest of everything `page` is rendered from (`shared_inputs`: what every page is)."""
    return digest_of((shared_inputs, page), shown_on_many or SharedDigests(SHOWN_ON_MANY_PAGES))


def _without_cycle_collection(load: Callable[[Path, bool], BuildCache], root: Path, lazy: bool) -> BuildCache:
    """load(root, lazy), its objects left out of the cycle collector's sight.

    The cache read from disk is millions of objects that hold no reference
    cycles (they are freed by reference counting when let go): the collector
    walked all of them while they were decoded and a dozen times more during
    the build, over a second with 4,000 articles. They are frozen (see
    _settle_memory), and no collection runs while they are made."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return load(root, lazy)
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@contextlib.contextmanager
def _collector_paused():
    """No cycle collection while a cold build plans its pages.

    Planning makes some hundreds of thousands of objects (pages, views,
    cards) that all live until the pages are rendered, and none of them is
    garbage: each full collection the allocations would set off walks all
    of them and every object made before, and finds nothing (a quarter of
    the planning's time with 4,000 articles). Collections resume after.
    (A build that starts from the last one's cache does leave cycles
    behind while it plans: it collects them as it goes, or its peak grows.)"""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _give_back_free_memory() -> None:
    """Return to the system what the C library keeps of memory just freed.

    The large strings of the pages are freed into the C library's heap, which
    keeps them for the process; the Pagefind runs that come next need the
    memory more. glibc's `malloc_trim` gives it back; elsewhere nothing is done."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def build(options: BuildOptions, progress: Progress = _no_progress) -> BuildResult:
    """A clean build, as `sitegen build` runs it."""
    return Builder(options, lasting=False).build(progress)


def _search_skip_reason(options: BuildOptions, settings: Settings, searched: bool = True) -> str:
    if settings.search.enabled:
        return "" if searched else "refreshed separately"
    return "--no-search" if options.search is False else "[search] enabled = false"


__all__ = ["BuildOptions", "BuildResult", "Builder", "build", "ContentError", "UsageError", "CONTENT_DIR"]
