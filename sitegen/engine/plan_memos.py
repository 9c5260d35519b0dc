"""What a running builder keeps of its last plan to plan the next one faster: the
catalogue of names, and the claim of every output path. Both are pure functions
of a few inputs, redone only when one of those changed."""

from __future__ import annotations

from pathlib import Path

from sitegen.engine.inputs import theme_assets
from sitegen.model.errors import Diagnostic, Problems
from sitegen.model.models import Archive
from sitegen.model.urls import Urls
from sitegen.pipeline.catalog import build_catalog
from sitegen.pipeline.outputs import claim_outputs
from sitegen.pipeline.site import Page, PlanMemo
from sitegen.pipeline.cards import changed_places


class CatalogMemo:
    """build_catalog, redone only when an entity, a term, the URLs or the setting
    changed since the last build (it reads nothing else); the same catalogue
    object also lets the caches keyed on it hit at once."""

    def __init__(self) -> None:
        self._built: tuple[tuple, tuple] | None = None

    def catalog(self, archive: Archive, urls: Urls, repeat_links: bool):
        """The catalogue, and the collisions of names found while making it."""
        made_from = (archive.entities, archive.terms, urls, repeat_links)
        if self._built is None or self._built[0] != made_from:
            self._built = (made_from, build_catalog(archive, urls, repeat_links))
        catalog, collisions = self._built[1]
        return catalog, list(collisions)


class OutputClaims:
    """claim_outputs, redone only when a page path, a theme asset or a static file
    changed since the last build (it is a pure function of them). A builder that
    does not last (`lasting`) keeps no page of its plan for the next claim."""

    def __init__(self, root: Path, lasting: bool) -> None:
        self.root = root
        self.lasting = lasting
        self._claimed: tuple[tuple, list[tuple[str, Path]], list[Diagnostic]] | None = None  # (inputs, copies, problems)
        self._claimed_pages: list[Page] = []  # the pages of the last claim

    def claim(self, pages: list[Page], archive: Archive, problems: Problems, plans: PlanMemo | None = None) -> list[tuple[str, Path]]:
        """The static files to copy, as (output path, source file); what is wrong goes to `problems`.
        `plans`: the memo that planned `pages`, which may know where they differ from the last plan."""
        claim = (self._page_paths(pages, plans), tuple(theme_assets()), archive.static_files)
        if self._claimed is None or self._claimed[0] != claim:
            found = Problems()
            copies = claim_outputs(claim[0], claim[1], claim[2], self.root, found)
            self._claimed = (claim, copies, found.items)
        problems.extend(self._claimed[2])
        self._claimed_pages = pages if self.lasting else []  # a single build lets its pages go once written
        # The very list of the last claim while it holds: the in-place writer knows the files are the
        # same by its identity (see write_in_place). Nobody changes it.
        return self._claimed[1]

    def _page_paths(self, pages: list[Page], plans: PlanMemo | None) -> tuple[str, ...]:
        """The path of every page: the last claim's very tuple when the pages that are
        not the last plan's objects at the same place have the same paths."""
        last, claimed = self._claimed_pages, self._claimed
        if claimed is not None and len(last) == len(pages):
            paths = claimed[0][0]
            moved = plans.moved_since(last, pages) if plans is not None else None
            if moved is None:
                moved = changed_places(pages, last)
            if all(pages[place].path == paths[place] for place in moved):
                return paths
        return tuple(page.path for page in pages)
