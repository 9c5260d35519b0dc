"""The files of data/ and their page, made after the pages beside them (watch, serve).

An in-place build may leave them to make later (`open_data_later`): they are
made outside the watcher's lock, then written under it again, each atomically.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sitegen.engine.build_plan import BuildPlan
from sitegen.engine.cache import BuildCache, SharedDigests
from sitegen.engine.inputs import page_file
from sitegen.engine.page_digests import SHOWN_ON_MANY_PAGES, page_digest
from sitegen.engine.publish import OutputGuard
from sitegen.pipeline.exports import DATA_FOLDER
from sitegen.pipeline.render import render_page
from sitegen.pipeline.site import Deferred, Page
from sitegen.pipeline.output_survey import SurveyMemo
from sitegen.pipeline.write import content_digest, write_atomically


@dataclass(frozen=True, slots=True)
class OpenDataDue:
    """The pages of data/ a build left to make later, with what renders them."""

    plan: BuildPlan
    deferred: Deferred
    env: Any


def make_open_data(due: OpenDataDue, root: Path) -> tuple[list[Page], dict[str, bytes]]:
    """The pages due, made, and the bytes of each by output file."""
    pages = due.deferred.make()
    files = {page_file(page): render_page(due.env, page, due.plan.site, due.plan.urls, root) for page in pages}
    return pages, files


def write_open_data(
    due: OpenDataDue, pages: list[Page], files: dict[str, bytes], cache: BuildCache, guard: OutputGuard, survey: SurveyMemo
) -> int | None:
    """Write the files that changed, each atomically, and record them in the cache as
    a build would; the number written, or None (and nothing written) when the
    output's data/ folder is no longer as the last build left it."""
    output = due.plan.output
    folder = output / DATA_FOLDER
    if folder.is_symlink() or not folder.is_dir():
        return None  # not as the last build left it: the next build writes the folder again, and these files after
    count = 0
    shown_on_many = SharedDigests(SHOWN_ON_MANY_PAGES)  # the digests of objects many data files share, made once
    with guard.writing(output):
        for page in pages:
            target = page_file(page)
            data = files[target]
            digest = content_digest(data)
            if cache.written.get(target) != digest:
                write_atomically(output / target, data)
                survey.wrote(target, output / target)  # the next survey knows it as sitegen's
                count += 1
            inputs = page_digest(cache.shared_digest, page, shown_on_many)
            cache.written[target], cache.page_inputs[target] = digest, inputs
            cache.page_digests[target] = (page, inputs)
    cache.plans.install(due.deferred, pages)
    return count
