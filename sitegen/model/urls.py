"""Where each page lives: output paths and the URLs that point at them.

Every internal URL is built here from the base URL's path, so an archive
published under `https://user.github.io/repo/` links to `/repo/...`
everywhere, and a page's URL and its file can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote as _quote


@lru_cache(maxsize=131072)
def quote(path: str) -> str:
    """Percent-encode a page path; the same few thousand paths recur on every page."""
    return _quote(path)


@dataclass(frozen=True, slots=True)
class Urls:
    base_url: str  # absolute, ending in "/"
    base_path: str  # "/" or "/repo/"

    # Output paths (relative to the output folder) -----------------------------
    @staticmethod
    def page_file(page_path: str) -> str:
        """`articles/x/` -> `articles/x/index.html`; `404.html` stays as it is."""
        if page_path == "" or page_path.endswith("/"):
            return page_path + "index.html"
        return page_path

    # Site-relative page paths --------------------------------------------------
    @staticmethod
    def article_path(slug: str) -> str:
        return f"articles/{slug}/"

    @staticmethod
    def archive_path(year: int | None = None) -> str:
        return "archive/" if year is None else f"archive/{year}/"

    @staticmethod
    def tags_path(tag_slug: str | None = None) -> str:
        return "tags/" if tag_slug is None else f"tags/{tag_slug}/"

    @staticmethod
    def entities_path(entity_id: str | None = None, page: int = 1) -> str:
        if entity_id is None:
            return "entities/"
        return f"entities/{entity_id}/" if page == 1 else f"entities/{entity_id}/page/{page}/"

    @staticmethod
    def entity_path(entity_id: str) -> str:
        return f"entities/{entity_id}/"

    @staticmethod
    def entity_events_path(entity_id: str) -> str:
        """All the timeline events of an entity (its first page shows the latest only)."""
        return f"entities/{entity_id}/timeline/"

    @staticmethod
    def entity_feed_path(entity_id: str) -> str:
        return f"entities/{entity_id}/feed.xml"

    @staticmethod
    def tag_feed_path(tag_slug: str) -> str:
        return f"tags/{tag_slug}/feed.xml"

    @staticmethod
    def glossary_path() -> str:
        return "glossary/"

    @staticmethod
    def timeline_path(period: str | None = None) -> str:
        """The timeline's index, or one of its pages (`Period.slug`: "2016", "1990s", "2017-2019")."""
        return "timeline/" if period is None else f"timeline/{period}/"

    @staticmethod
    def timeline_events_path() -> str:
        """What the timeline filter counts on every page: each page's events' entities and kinds."""
        return "timeline/events.json"

    @staticmethod
    def search_path() -> str:
        return "search/"

    # URLs ---------------------------------------------------------------------
    def url(self, page_path: str) -> str:
        """Root-relative URL of a page path, under the base path."""
        return self.base_path + quote(page_path)

    def absolute(self, page_path: str) -> str:
        # base_url always ends in "/" and page paths are relative: joining is concatenation.
        return self.base_url + quote(page_path)

    def asset(self, name: str) -> str:
        return self.url(f"assets/{name}")


def folders_holding(files: Iterable[str]) -> set[str]:
    """Every folder on the way to one of `files` (relative paths of the output)."""
    holding: set[str] = set()
    for relative in files:
        folder = relative.rpartition("/")[0]
        while folder and folder not in holding:  # its parents are in already when it is
            holding.add(folder)
            folder = folder.rpartition("/")[0]
    return holding
