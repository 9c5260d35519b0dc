"""The writer of a clean build: the whole new site staged beside the output and swapped in at once."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from stat import S_ISDIR

from sitegen.engine.build_plan import BuildPlan, Progress, Stage
from sitegen.engine.cache import BuildCache
from sitegen.engine.indexing import index_site, intact_bundle
from sitegen.engine.inputs import page_file
from sitegen.engine.memory import give_back_free_memory
from sitegen.engine.page_digests import (
    digests_after_edit,
    made_from_digests,
    page_digest,
    page_inputs,
    shared_page_inputs,
    shown_on_many_with,
)
from sitegen.engine.page_digests import made_from_digester as made_from_digester_of
from sitegen.engine.parallel import map_in_workers
from sitegen.engine.plan_record import KeptPage, PlanNeeded
from sitegen.engine.publish import OutputGuard
from sitegen.engine.published import Manifest, listed_with_links_checked, manifest_modes, output_manifest, relinked_statuses, site_manifest
from sitegen.engine.stage_ready import SpareBroughtUp
from sitegen.model.urls import folders_holding
from sitegen.pipeline.render import load_templates, render_page
from sitegen.pipeline.search import SearchReport
from sitegen.pipeline.site import Page, PlannedPage
from sitegen.pipeline.spare_copy import start_spare_copy
from sitegen.pipeline.spare_site import spare_folder
from sitegen.pipeline.staged_output import StagedOutput
from sitegen.pipeline.write import OUTPUT_MARKER, SEARCH_BUNDLE, content_digest

# Pages one rendering process renders before it ends and a new one is forked
# (see map_in_workers): it bounds the memory a renderer copies from the build.
# Each fork costs the copy of what the new process touches again (every object
# it reads, to count references) and its own digests of the cards it shows: at
# 500, the 16,500 pages of 4,000 articles took 33 processes and an eighth more
# processor time than with 9, for a twentieth less memory.
PAGES_PER_RENDERING_PROCESS = 2000


def write_staged(
    plan: BuildPlan,
    env,
    cache: BuildCache,
    *,
    root: Path,
    guard: OutputGuard,
    workers: int,
    lasting: bool,
    progress: Progress,
    search: bool,
    kept: set[str] | None,
    stage: Stage,
    before_search: Callable[[], None] | None = None,
    spare: SpareBroughtUp | None = None,
    keep_spare: bool = False,
) -> tuple[int, SearchReport | None, int]:
    """The whole new site, its search index included, staged beside the output and
    swapped in at once: until then the output is the previous site, whole.
    Returns the files written, the search report, and the pages rendered; the
    cache records what was written for the next build.

    A page whose inputs are those of the last build, and whose file the
    output still holds as that build left it (`kept`; None: every file),
    is not rendered: the previous file is linked into the new site. So is
    a PlannedPage made from what the last build's was (see made_from_digests),
    without being made; any other is made, digested and so checked in the
    rendering process. A KeptPage, which a single build plans in the place of
    a page its plan's record vouches for (engine/plan_record.py), is linked
    so, or raises PlanNeeded: it cannot be made. A builder that does not last
    (`lasting`) lets the pages go once they are written; `before_search` is called
    then, before the search index is made (see Builder._cache_entries_saver).
    `spare`: the spare being brought up meanwhile (see engine/stage_ready.py),
    waited for before the stage is taken. `keep_spare`: a build whose site is the
    first in the output leaves a copy of it beside the output as the next one's
    stage (see pipeline/spare_copy.py)."""
    site, urls = plan.site, plan.urls
    search_report: SearchReport | None = None
    bundle_linked: dict[str, tuple] = {}  # the status of each file of the search bundle linked from the output's, once linked
    guard.check_replaceable(plan.output)
    previous_inputs, previous_written = cache.page_inputs, cache.written
    previous_made_from = cache.made_from
    # A folder just found as the manifest says need not be listed again, to link its files or remove it.
    listed = manifest_modes(cache.manifest) if kept is None and cache.manifest else None
    # The spare beside the output is brought up to the output as its listing gives it (see pipeline/spare_site.py),
    # or was, to the manifest, while the pages were planned.
    brought_up = spare.wait() if spare is not None else None
    found = cache.manifest if listed is not None else output_manifest(plan.output) if os.path.lexists(spare_folder(plan.output)) else None
    staged = StagedOutput(plan.output, listed, found, brought_up=brought_up if found is cache.manifest else None, recorded=cache.manifest)
    try:
        if listed is not None and not staged.reused:  # the previous site's folders, made meanwhile on another core
            staged.make_folders_in_background(
                path for path, mode in listed.items() if S_ISDIR(mode) and path.partition("/")[0] != SEARCH_BUNDLE
            )
        with stage("digest"):
            shared_inputs = shared_page_inputs(cache, plan)
            record, made_from_digester = plan.record, plan.digester or made_from_digester_of(cache, plan, shared_inputs)
            if record is not None and record.changed is not None and not lasting:
                # Only what the changed articles' own pages read changed: the other pages keep their digests.
                inputs_of, made_from = digests_after_edit(cache, plan, record.changed, made_from_digester, shared_inputs)
            else:
                # A page the last build did not record is rendered whatever its inputs: digested while rendered.
                inputs_of, _ = page_inputs(cache, plan, later=lambda target: target not in previous_inputs)
                made_from = made_from_digests(cache, plan, lambda target: target not in previous_made_from, made_from_digester)[0]
        staged.folders_made()
        if staged.premade or staged.reused:
            targets = {page_file(page) for page in plan.pages}
            targets.update(target for target, _ in plan.copies)
            if staged.reused:
                staged.prune(targets)
            else:
                staged.remove_unused_folders(folders_holding(targets), targets)
    except BaseException:
        staged.discard()
        raise
    shared_inputs = cache.shared_digest
    shown_on_many = shown_on_many_with(made_from_digester)  # each rendering process fills its own copy

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

    def render_into_stage(page: Page | PlannedPage) -> tuple[bytes, bytes, bool, bytes | None, tuple | None]:
        """The digests of the page's inputs and of its bytes, whether it was
        rendered (and written into the stage) rather than kept, the
        digest of what a PlannedPage is made from when this build has none,
        and the status to record of a file this process did not write (see StagedOutput.vouched)."""
        target = page_file(page)
        inputs = inputs_of[target]
        made = None
        if isinstance(page, PlannedPage):
            if made_from_digester is not None and target not in made_from:
                made = made_from_digester.digest(page.path, page.template, page.inputs)
            page = page.make()
            inputs = page_digest(shared_inputs, page, shown_on_many)
            if kept_as_it_was(target, inputs):
                return inputs, previous_written[target], False, made, staged.vouched.get(target)
        elif inputs is None:
            inputs = page_digest(shared_inputs, page, shown_on_many)
        data = render_page(env, page, site, urls, root)
        staged.write_bytes(target, data)
        return inputs, content_digest(data), True, made, staged.vouched.get(target)

    try:
        with stage("render and write"):
            # Pages kept are linked here; only the others go to the workers, so
            # that a small edit forks none and sends no page to one. (A single
            # build's planned pages all go: they are made, so digested, there.)
            written: dict[str, bytes] = {}
            changed: list[Page | PlannedPage] = []
            for page in plan.pages:
                target = page_file(page)
                if type(page) is KeptPage:
                    if not kept_as_it_was(target, previous_inputs.get(target)):
                        raise PlanNeeded(target)  # it cannot be made without its plan
                    written[target] = previous_written[target]
                elif isinstance(page, PlannedPage) and kept_unmade(target):
                    written[target], inputs_of[target] = previous_written[target], previous_inputs[target]
                elif not isinstance(page, PlannedPage) and kept_as_it_was(target, inputs_of[target]):
                    written[target] = previous_written[target]
                else:
                    changed.append(page)
            load_templates(env, {page.template for page in changed if page.literal is None and page.template})
            # A page made from every article is made here once the rendering processes
            # have ended: in one of them, reading each article's rows would copy every
            # page of this process's memory holding them (see parallel.py), and at
            # 100,000 articles that copy was a third of the whole build's peak.
            here = [page for page in changed if _reads_whole_archive(page)]
            elsewhere = [page for page in changed if not _reads_whole_archive(page)]
            changed = elsewhere + here  # in the order of `done`
            done = map_in_workers(render_into_stage, elsewhere, workers, progress, items_per_process=PAGES_PER_RENDERING_PROCESS)
            done += map(render_into_stage, here)
            del elsewhere
            rendered = 0
            for page, (inputs, digest, was_rendered, made, status) in zip(changed, done):
                target = page_file(page)
                inputs_of[target], written[target] = inputs, digest
                if status is not None:  # linked, or compared, in a rendering process
                    staged.vouched[target] = status
                elif was_rendered:
                    staged.vouched.pop(target, None)  # written in a rendering process
                if made is not None:
                    made_from[target] = made
                rendered += was_rendered
                if not isinstance(page, PlannedPage):
                    cache.page_digests[target] = (page, inputs)
            del done
            if not lasting:
                changed.clear()
                page = here = None  # the last page looked at, and those of data/, hold what they were planned from
                forget_pages(plan, cache)
            for target, source in plan.copies:
                staged.copy_file(target, source)
        if search and plan.settings.search.enabled:
            if not lasting:
                made_from_digester = shown_on_many = None  # what they digested is let go with the rest
            if before_search is not None:
                before_search()
            with stage("search"):
                search_report = index_site(
                    plan, staged.stage, intact=intact_bundle(cache.manifest, kept, plan.output), workers=workers, linked=bundle_linked
                )
        # Every file of the site is a page, a copy or the marker, but the search bundle's,
        # which is listed in the stage (as the pages this build wrote are looked at there).
        files = [*written, *(target for target, _ in plan.copies), OUTPUT_MARKER]
        bundle: Manifest = {}
        with stage("swap"):
            removing = staged.commit(
                files, lambda: bundle.update(listed_with_links_checked(staged.stage, SEARCH_BUNDLE, cache.manifest, bundle_linked))
            )

        def removed() -> None:
            with stage("previous site removed"):  # the wait for what was left of it
                removing()

        # The previous site is deleted meanwhile, on another core; the lock is held until it is gone.
        guard.finish_before_release(plan.output, removed)
    except BaseException:
        staged.discard()
        raise
    relinked = staged.relinked
    if keep_spare:
        # A first site swapped in (nothing swapped out to keep): a copy of it is the next build's stage,
        # made before the manifest is taken, as linking its files changes their status.
        copy = start_spare_copy(plan.output, SEARCH_BUNDLE)
        if copy is not None:
            relinked = True
            guard.finish_before_release(plan.output, copy.stop)
            with stage("spare copied"):
                copy.wait()
    with stage("manifest"):
        vouched = staged.vouched
        if relinked:
            vouched, bundle = relinked_statuses(plan.output, vouched), relinked_statuses(plan.output, bundle)
        manifest = site_manifest(plan.output, files, vouched)
        manifest.update(bundle)  # its folders too
        cache.manifest = manifest
    cache.written = {target: written[target] for target in inputs_of}  # in the order of the plan
    cache.page_inputs = inputs_of
    cache.made_from = made_from
    # The plan's record goes with the digests it vouches for (see engine/plan_record.py).
    cache.plan_context, cache.plan_articles = (record.context, record.articles) if record is not None else (b"", {})
    return len(written) + len(plan.copies), search_report, rendered


def _reads_whole_archive(page) -> bool:
    return isinstance(page, PlannedPage) and page.reads_whole_archive


def forget_pages(plan: BuildPlan, cache: BuildCache) -> None:
    """Let the pages of a single build go once written: neither the search index
    nor the persistent cache needs them, and they are most of what the plan holds."""
    plan.pages = []
    cache.plans = None
    cache.page_digests = {}
    give_back_free_memory()
