"""The digests that tell a build which pages to render again: of what each page is
rendered from, and of what each planned page is made from."""

from __future__ import annotations

from collections.abc import Callable

import sitegen.pipeline.cards
import sitegen.pipeline.feeds
import sitegen.pipeline.site
from sitegen.engine.build_plan import BuildPlan
from sitegen.engine.cache import BuildCache, SharedDigests, digest_of
from sitegen.engine.inputs import page_file
from sitegen.engine.made_from import MadeFrom
from sitegen.engine.plan_record import KeptPage, holds_article_of
from sitegen.pipeline.site import Page, PlannedPage

# The views that many pages show (an article's card, a timeline event): digested
# once a build, not once per page (see SharedDigests).
SHOWN_ON_MANY_PAGES = (sitegen.pipeline.cards.ArticleCard, sitegen.pipeline.cards.EventView, sitegen.pipeline.site.Link)


def shown_on_many_with(made_from: MadeFrom | None) -> SharedDigests:
    """The SharedDigests of the views many pages show, kept with `made_from`'s when
    there is one: it digests the same views, each as page_digest takes it, so each
    process digests a card, an event or a link once for both."""
    if made_from is None:
        return SharedDigests(SHOWN_ON_MANY_PAGES)
    return made_from.shared.of_kinds(SHOWN_ON_MANY_PAGES)


def page_digest(shared_inputs: bytes, page: Page, shown_on_many: SharedDigests | None = None) -> bytes:
    """The digest of everything `page` is rendered from (`shared_inputs`: what every page is)."""
    return digest_of((shared_inputs, page), shown_on_many or SharedDigests(SHOWN_ON_MANY_PAGES))


def shared_page_inputs(cache: BuildCache, plan: BuildPlan) -> bytes:
    """The digest of what every page is rendered with: the templates, the site, its URLs."""
    return shared_inputs_of(cache.templates_digest, plan.site, plan.urls)


def shared_inputs_of(templates_digest: bytes, site, urls) -> bytes:
    return digest_of((templates_digest, site, urls))


def page_inputs(
    cache: BuildCache, plan: BuildPlan, later: Callable[[str], bool] = lambda target: False
) -> tuple[dict[str, bytes | None], list[str]]:
    """The digest of everything each page is rendered from, by output file, and
    the output file of each page of the plan, in its order; the cache keeps the
    digests for the next build.

    A page that is the very object the last build digested (the plan memo
    returns it when none of its inputs changed) keeps its digest. A page
    whose file `later` names, and every PlannedPage, gets None: the process
    that renders it digests it (see engine/staged_writer.py), so that a cold
    build digests its pages in the workers, not in this process while they wait."""
    shared_inputs = shared_page_inputs(cache, plan)  # the same for every page
    previous = cache.page_digests if shared_inputs == cache.shared_digest else {}
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
            known = (page, None if later(target) else page_digest(shared_inputs, page, shown_on_many))
        digests[target] = known
        inputs[target] = known[1]
    cache.page_digests = digests
    cache.shared_digest = shared_inputs
    return inputs, targets


def made_from_digester(cache: BuildCache, plan: BuildPlan, shared_inputs: bytes) -> MadeFrom | None:
    """What takes the digests of what the plan's PlannedPages are made from (None:
    the plan has none), given the digest of what every page is rendered with."""
    if not any(isinstance(page, PlannedPage) and page.inputs for page in plan.pages):
        return None
    return digester_of(cache, shared_inputs, plan.settings, plan.urls)


def digester_of(cache: BuildCache, shared_inputs: bytes, settings, urls) -> MadeFrom:
    """A MadeFrom for pages rendered with `shared_inputs` (see shared_page_inputs), these settings and URLs."""
    return MadeFrom(cache.fragments, (shared_inputs, settings, urls), (*SHOWN_ON_MANY_PAGES, sitegen.pipeline.feeds.FeedEntry))


def made_from_digests(
    cache: BuildCache, plan: BuildPlan, later: Callable[[str], bool], made_from: MadeFrom | None = None
) -> tuple[dict[str, bytes], MadeFrom | None]:
    """The digest of what each PlannedPage is made from, by output file (see
    engine/made_from.py), with what takes them; call after page_inputs, which
    sets the digest of what every page is rendered with.

    A page whose file `later` names is left out: the last build recorded
    no digest to compare its own with, so it is made whatever, and the
    process that makes it takes its digest for the next build (a cold
    build so takes them all in its rendering processes)."""
    planned = [page for page in plan.pages if isinstance(page, PlannedPage) and page.inputs]
    if not planned:
        return {}, None
    made_from = made_from or made_from_digester(cache, plan, cache.shared_digest)
    digests = {}
    for page in planned:
        target = page_file(page)
        if later(target):
            continue
        digest = made_from.digest(page.path, page.template, page.inputs)
        if digest is not None:
            digests[target] = digest
    return digests, made_from


def digests_after_edit(
    cache: BuildCache, plan: BuildPlan, changed: set[str], made_from: MadeFrom, shared_inputs: bytes
) -> tuple[dict[str, bytes | None], dict[str, bytes]]:
    """page_inputs and made_from_digests when only the articles `changed` differ
    from the last build's, and only in what their own pages read (see
    engine/plan_record.py): a page that holds none of them keeps the digests
    the last build recorded (a page it recorded none for is digested while
    rendered, as ever); the others are digested now."""
    previous_inputs, previous_made_from = cache.page_inputs, cache.made_from
    inputs: dict[str, bytes | None] = {}
    made: dict[str, bytes] = {}
    for page in plan.pages:
        target = page_file(page)
        if type(page) is KeptPage:
            inputs[target] = previous_inputs.get(target)
            if target in previous_made_from:
                made[target] = previous_made_from[target]
            continue
        if not isinstance(page, PlannedPage):
            inputs[target] = previous_inputs.get(target)
            continue
        inputs[target] = None
        if target not in previous_made_from or not page.inputs:
            continue
        if holds_article_of(page.inputs, changed):
            digest = made_from.digest(page.path, page.template, page.inputs)
            if digest is not None:
                made[target] = digest
        else:
            made[target] = previous_made_from[target]
    cache.page_digests, cache.shared_digest = {}, shared_inputs
    return inputs, made
