"""The writer of a running builder (watch, serve): the output folder updated in place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sitegen.model.errors import ContentError
from sitegen.engine.build_plan import BuildPlan, Progress, Stage
from sitegen.engine.cache import BuildCache, SharedDigests
from sitegen.engine.inputs import page_file
from sitegen.engine.page_digests import SHOWN_ON_MANY_PAGES, page_digest, page_inputs, shared_page_inputs
from sitegen.pipeline.render import render_page
from sitegen.pipeline.site import Page, PlanMemo, PlannedPage
from sitegen.pipeline.in_place_output import InPlaceOutput
from sitegen.pipeline.output_survey import SurveyMemo
from sitegen.pipeline.cards import changed_places


@dataclass(frozen=True, slots=True)
class LastPlan:
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
    keep: set[str]  # every file of the site it wrote
    copies: list  # the static files it copied (the plan's very list)

    def holds(self, cache: BuildCache, shared_inputs: bytes) -> bool:
        return cache.page_inputs is self.inputs and cache.page_digests is self.digests and cache.shared_digest == self.shared == shared_inputs

    def moved(self, pages: list[Page | PlannedPage], plans: PlanMemo | None = None) -> list[int] | None:
        """The places where `pages` holds another object than the last plan; None when their number differs.
        `plans`: the memo that planned `pages`, which may have worked them out already."""
        if len(pages) != len(self.pages):
            return None
        known = plans.moved_since(self.pages, pages) if plans is not None else None
        return known if known is not None else changed_places(pages, self.pages)


def write_in_place(
    plan: BuildPlan,
    env,
    cache: BuildCache,
    *,
    root: Path,
    survey: SurveyMemo,
    last: LastPlan | None,
    progress: Progress,
    stage: Stage,
) -> tuple[int, int, LastPlan]:
    """Render what changed into memory first, then write: a failure leaves the output as it was.
    Returns the files written, the pages rendered, and the plan for the next in-place build.

    After an in-place build of this builder (`last`), only the pages that are
    not the very objects of its plan (the plan memo returns those it kept), and
    those whose file the output lost since, are looked at: the others' digests,
    files and bytes on disk are the last build's (see LastPlan)."""
    with stage("render and write"):
        output = InPlaceOutput(plan.output, cache.written, plan.settings.search.enabled, survey)
        inputs_of, targets, moved = in_place_inputs(cache, plan, last)
        if moved is None:
            candidates: Iterable[int] = range(len(plan.pages))
        else:
            lost = output.dropped
            where = {target: index for index, target in enumerate(targets)} if lost else {}
            candidates = sorted({*moved, *(where[target] for target in lost if target in where)})
        changed: dict[str, bytes] = {}
        rendered = 0
        previous_inputs, on_disk = cache.page_inputs, cache.written
        pages = [plan.pages[index] for index in candidates]
        for page, index in zip(progress(pages, len(pages)), candidates):
            target = targets[index]
            if previous_inputs.get(target) == inputs_of[target] and target in on_disk:
                continue
            rendered += 1
            try:
                data = render_page(env, page, plan.site, plan.urls, root)
            except ContentError as error:
                raise _first_failure(env, plan, root, index, error) from None
            if not output.is_current(target, data):
                changed[target] = data
        for target, source in plan.copies:
            data = source.read_bytes()
            if not output.is_current(target, data):
                changed[target] = data
        # The same files as the last build's while its pages kept their places and the static files are its list.
        same_files = moved is not None and last is not None and plan.copies is last.copies
        keep = last.keep if same_files else inputs_of.keys() | {target for target, _ in plan.copies}
        written = output.apply(changed, keep)
    cache.page_inputs = inputs_of
    cache.made_from = {}  # recorded by staged builds only
    return written, rendered, LastPlan(plan.pages, targets, inputs_of, cache.page_digests, cache.shared_digest, keep, plan.copies)


def _first_failure(env, plan: BuildPlan, root: Path, index: int, error: ContentError) -> ContentError:
    """The error a clean build reports when page `index` fails to render: that of the
    first page of the plan, in its order, that fails. A template broken for many pages
    is then named with the same page however few of them this build had to render."""
    for page in plan.pages[:index]:
        made = page.make() if isinstance(page, PlannedPage) else page
        if made.literal is None:
            try:
                render_page(env, made, plan.site, plan.urls, root)
            except ContentError as earlier:
                return earlier
    return error


def in_place_inputs(
    cache: BuildCache, plan: BuildPlan, last: LastPlan | None
) -> tuple[dict[str, bytes | None], list[str], list[int] | None]:
    """`page_inputs`, and the places in the plan of the pages that are not the
    objects of the last in-place build's plan at the same place; None when
    every page is to be looked at (no such build, or another build since)."""
    shared_inputs = shared_page_inputs(cache, plan)
    moved = last.moved(plan.pages, cache.plans) if last is not None and last.holds(cache, shared_inputs) else None
    if moved is None or any(isinstance(plan.pages[index], PlannedPage) for index in moved):
        return (*page_inputs(cache, plan), None)
    targets, inputs, digests = list(last.targets), dict(last.inputs), dict(last.digests)
    shown_on_many = SharedDigests(SHOWN_ON_MANY_PAGES)
    for index in moved:
        page = plan.pages[index]
        target = page_file(page)
        if target != targets[index]:  # the pages moved: each page's place is worked out again
            return (*page_inputs(cache, plan), None)
        digest = page_digest(shared_inputs, page, shown_on_many)
        digests[target], inputs[target] = (page, digest), digest
    cache.page_digests, cache.shared_digest = digests, shared_inputs
    return inputs, targets, moved
