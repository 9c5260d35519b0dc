"""What every page is: an output file with its template and data, and the
view of the site that every template gets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from sitegen.model.urls import Urls
from sitegen.pipeline.config import Settings


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class NavItem:
    key: str
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class SiteView:
    """What every template knows about the site."""

    title: str
    description: str
    language: str
    author: str
    home_url: str
    archive_url: str
    tags_url: str
    stylesheet_url: str
    script_url: str
    search_script_url: str
    icon_url: str
    nav: tuple[NavItem, ...]
    search_url: str  # "" when the site has no search
    base_path: str
    site_url: str  # absolute base URL


@dataclass(frozen=True, slots=True)
class Page:
    """One output file: where it goes, which template, and the data it gets."""

    path: str  # site-relative page path: "", "articles/x/", "404.html"
    template: str
    title: str
    description: str
    section: str  # nav key of the section the page belongs to
    data: Mapping[str, Any] = field(default_factory=dict)
    source_paths: tuple[str, ...] = ()  # sources whose content the page shows
    indexable: bool = True  # False for pages search engines should not list (404)
    literal: str | None = None  # files with fixed content (.nojekyll, CNAME) skip templates
    kind: str = "website"  # Open Graph type
    modified: str = ""  # ISO date of the last change the content states, for the sitemap


def site_view(settings: Settings, urls: Urls) -> SiteView:
    return SiteView(
        title=settings.site.title,
        description=settings.site.description,
        language=settings.site.language,
        author=settings.site.author,
        home_url=urls.url(""),
        archive_url=urls.url(urls.archive_path()),
        tags_url=urls.url(urls.tags_path()),
        stylesheet_url=urls.asset("sitegen.css"),
        script_url=urls.asset("sitegen.js"),
        search_script_url=urls.asset("search.js"),
        icon_url=urls.asset("favicon.svg"),
        search_url=urls.url(urls.search_path()) if settings.search.enabled else "",
        base_path=settings.base_path,
        site_url=settings.site.base_url,
        nav=(
            NavItem("home", "Home", urls.url("")),
            NavItem("archive", "Archive", urls.url(urls.archive_path())),
            NavItem("entities", "Entities", urls.url(urls.entities_path())),
            NavItem("timeline", "Timeline", urls.url(urls.timeline_path())),
            NavItem("glossary", "Glossary", urls.url(urls.glossary_path())),
            NavItem("tags", "Tags", urls.url(urls.tags_path())),
        ),
    )
