"""The build pipeline, as a straight list of stages.

config -> load -> annotate -> pages -> render -> write. `build` is what the
command line calls; it returns a summary or raises ContentError / UsageError.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.annotate import annotate_archive, build_catalog
from sitegen.config import Settings, load_settings
from sitegen.errors import ContentError, Diagnostic, Problems, UsageError
from sitegen.load import CONTENT_DIR, load_archive
from sitegen.pages import Page, plan_pages, site_view
from sitegen.search import SearchError, SearchReport, build_search_index, term_records
from sitegen.timeline import collect_timeline
from sitegen.render import THEME_DIR, render_page, template_environment
from sitegen.urls import Urls
from sitegen.write import StagedOutput, check_output_folder, safe_relative_path

THEME_ASSETS_DIR = THEME_DIR / "assets"
ASSETS_PREFIX = "assets/"


@dataclass(frozen=True, slots=True)
class BuildOptions:
    root: Path
    output: str | None = None
    base_url: str | None = None
    drafts: bool = False
    search: bool | None = None


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
        if path.is_file()
    )


def build(options: BuildOptions, progress: Progress = _no_progress) -> BuildResult:
    started = time.perf_counter()
    root = options.root.resolve()
    settings = resolve_settings(options)
    output = (root / settings.build.output).resolve()
    check_output_folder(root, output)

    problems = Problems()
    archive = load_archive(root, settings, problems)
    problems.raise_if_errors()

    urls = Urls(settings.site.base_url, settings.base_path)
    catalog, collisions = build_catalog(archive, urls, settings.annotations.repeat_links)
    problems.extend(collisions)
    timeline = collect_timeline(archive, settings.timeline.articles)
    annotations = annotate_archive(archive, catalog, timeline)
    problems.extend(annotations.diagnostics)
    problems.raise_if_errors()
    pages = plan_pages(archive, annotations, settings, problems)

    # Every output path is claimed before anything is written, so that a static
    # file can never silently replace a generated page (or the reverse).
    claims: dict[str, str] = {}
    for page in pages:
        claims[_page_file(page)] = f"the {page.template} page"
    copies: list[tuple[str, Path]] = list(_theme_assets())
    for target, _ in copies:
        claims.setdefault(target, "the theme")
    for static in archive.static_files:
        owner = claims.get(static.target)
        if owner is not None:
            problems.error(static.source, None, f"would overwrite {owner} at {static.target}: rename or move the file")
            continue
        try:
            safe_relative_path(static.target)
        except ValueError:
            problems.error(static.source, None, "this file name cannot be published safely: rename it")
            continue
        claims[static.target] = static.source
        copies.append((static.target, root / static.source))
    problems.raise_if_errors()

    env = template_environment(root)
    site = site_view(settings, urls)
    staged = StagedOutput(output)
    search_report: SearchReport | None = None
    try:
        for page in progress(pages, len(pages)):
            staged.write_bytes(_page_file(page), render_page(env, page, site, urls, root))
        for target, source in copies:
            staged.copy_file(target, source)
        if settings.search.enabled:
            # Indexed inside the staging folder, so the site and its index are swapped in together.
            records = term_records(archive.terms, {}, urls.glossary_path())
            try:
                search_report = build_search_index(staged.stage, settings.site.language, records)
            except SearchError as exc:
                raise ContentError([Diagnostic("search index", None, f"{exc}; rebuild with --no-search to skip it")]) from None
        staged.commit()
    except BaseException:
        staged.discard()
        raise

    return BuildResult(
        articles=len(archive.articles),
        entities=len(archive.entities),
        pages=len(pages),
        files=staged.files_written,
        output=output,
        warnings=problems.warnings,
        search=search_report,
        search_skipped_because=_search_skip_reason(options, settings),
        seconds=time.perf_counter() - started,
    )


def _search_skip_reason(options: BuildOptions, settings: Settings) -> str:
    if settings.search.enabled:
        return ""
    return "--no-search" if options.search is False else "[search] enabled = false"


def _page_file(page: Page) -> str:
    return Urls.page_file(page.path)


__all__ = ["BuildOptions", "BuildResult", "build", "ContentError", "UsageError", "CONTENT_DIR"]
