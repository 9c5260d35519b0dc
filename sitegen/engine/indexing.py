"""The search index of a site: made with Pagefind, taking from the output's own index
the shards whose pages did not change."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from sitegen.engine.build_plan import BuildPlan
from sitegen.engine.published import listed_under
from sitegen.model.file_status import same_file_linked
from sitegen.model.errors import ContentError, Diagnostic
from sitegen.model.urls import Urls
from sitegen.pipeline.search import BUNDLE_DIR, SearchError, SearchReport, build_search_index, term_records


def intact_bundle(recorded: dict, kept: set[str] | None, output: Path | None = None) -> Callable[[str], bool]:
    """Whether a shard's folder in the output's index ("" for pagefind/ itself) is
    still as the last build left it, entry for entry: only then is it reused.

    `recorded` is the last build's manifest of the output, `kept` the entries
    still as it left them (None: all). A bundle file edited, removed or added
    changes its own status or its folder's, so the shard is indexed again;
    without a record of the last build nothing in the output can be vouched for.
    With `output`, the shard's folder there is listed again when asked, just
    before its files are linked: changed since the check (a file edited,
    replaced, added or removed), it is indexed again. (A same-length edit that
    puts the modification time back is not seen there: see the README.)"""
    if not recorded:
        return lambda folder: False
    changed = [] if kept is None else [path for path in recorded if path not in kept]

    def intact(folder: str) -> bool:
        top = f"{BUNDLE_DIR}/{folder}".rstrip("/")
        if any(path == top or path.startswith(top + "/") for path in changed):
            return False
        if output is None:
            return True
        # The change times are not compared: bringing the spare up removes its own copy of the
        # bundle, whose files the output's kept shards share, and that changes theirs.
        now = listed_under(output, top)
        then = {path: status for path, status in recorded.items() if path == top or path.startswith(top + "/")}
        return now.keys() == then.keys() and all(same_file_linked(then[path], status) for path, status in now.items())

    return intact


def index_site(
    plan: BuildPlan,
    site: Path,
    bundle: Path | None = None,
    intact: Callable[[str], bool] = lambda folder: True,
    workers: int | None = None,
    cancel: threading.Event | None = None,
    linked: dict[str, tuple] | None = None,
) -> SearchReport:
    """Index the pages in `site`, writing the bundles to `bundle` (default `site/pagefind/`);
    the shards unchanged since the output's own index, and `intact` there, are taken from it.
    `workers` (the build's `--jobs`) caps how many indexers run at once; `cancel`, once
    set, stops them; `linked` gets the status of each file linked from the output's
    index once linked (see build_search_index)."""
    records = term_records(plan.archive.terms, plan.urls.glossary_path())
    years = {Urls.page_file(Urls.article_path(article.slug)): article.date.day.year for article in plan.archive.articles}
    search = plan.settings.search
    try:
        return build_search_index(
            site, plan.settings.site.language, records, bundle,
            timeout=search.timeout, years=years, shard_pages=search.shard_pages, previous=plan.output / BUNDLE_DIR, intact=intact,
            at_once=workers, cancel=cancel, linked=linked,
        )  # fmt: skip
    except SearchError as exc:
        raise ContentError([Diagnostic(exc.path, None, f"{exc}; rebuild with --no-search to skip it")]) from None
