"""What a host needs beside the pages (sitemap, robots.txt, the site's feed,
GitHub Pages' markers), and the sitemap's entries kept from one plan to the next."""

from __future__ import annotations

import itertools

from sitegen.model.urls import Urls
from sitegen.pipeline.cards import (
    changed_places,
)
from sitegen.pipeline.config import Settings
from sitegen.pipeline.site import Page, PlannedPage


class SitemapEntries:
    """The address and date of every page the sitemap lists, worked out once per
    page object: a page the plan memo kept is the very object of the last build,
    and so is its entry, which also makes comparing the sitemap with the last
    one a comparison of identities. Kept in `PlanMemo.aggregates`, which
    forgets it when the URLs change.

    The entries are kept in the order of the pages, one per page (None for a
    page the sitemap does not list): while the plan has as many pages as the
    last, only the places holding another object are worked out again, found
    by comparing the two lists object by object (no page is looked at), but
    for a stretch of the plan whose changed places the plan knows (`known`:
    those of the articles' pages), which is not compared. While no entry
    changed, the sitemap is the very tuple of the last update."""

    def __init__(self) -> None:
        self.pages: list[Page | PlannedPage] = []  # the plan of the last update, whose first `listed` pages it listed
        self.listed = 0
        self.span: tuple[int, int] | None = None  # the stretch of those pages whose changes the plan knew
        self.entries: list[tuple[str, str] | None] = []  # changed in place: nobody else holds it
        self.sitemap: tuple[tuple[str, str], ...] = ()
        self.worked_out = 0  # pages whose entry the last update worked out
        self.moved: list[int] | None = None  # the places the last update found holding other objects (None: every page)

    def update(self, pages: list[Page | PlannedPage], urls: Urls, known: tuple[int, int, list[int] | None] | None = None) -> tuple[tuple[str, str], ...]:
        """The entries of `pages`, which the plan goes on to extend (the pages after them
        are not listed); `known`: (start, end, the places among pages[start:end] that
        hold other objects than the last plan's, or None when the plan does not know them)."""
        before, listed = self.pages, self.listed
        if len(pages) == listed and before:
            entries = self.entries
            if known is not None and known[2] is not None and known[:2] == self.span:
                start, end, inside = known
                places = [*changed_places(pages[:start], before[:start]), *(start + place for place in inside),
                          *(end + place for place in changed_places(pages[end:], before[end:listed]))]  # fmt: skip
            else:
                places = changed_places(pages, before[:listed])
            altered = False
            for place in places:
                entry = _sitemap_entry(pages[place], urls)
                if entry != entries[place]:
                    entries[place], altered = entry, True
            self.moved = places
        else:
            entries = list(map(_sitemap_entry, pages, itertools.repeat(urls)))
            places, self.moved, altered = range(len(pages)), None, True
        if altered:
            self.sitemap = tuple(filter(None, entries))
        self.pages, self.listed, self.span, self.entries, self.worked_out = pages, len(pages), known and known[:2], entries, len(places)
        return self.sitemap


def _sitemap_entry(page: Page | PlannedPage, urls: Urls) -> tuple[str, str] | None:
    listed = page.indexable and page.literal is None and (page.path == "" or page.path.endswith("/"))
    return (urls.absolute(page.path), page.modified) if listed else None


def places_moved(last: tuple | None, listed_before: list, entries: SitemapEntries, pages: list) -> tuple | None:
    """(the last plan, `pages`, the places where they hold other objects), from the places
    the sitemap's entries compared (every page but the files for the host, which come
    after them); None without a last plan of as many pages, whose pages the sitemap had."""
    if last is None or last[1] is not listed_before or entries.moved is None or len(last[0]) != len(pages):
        return None
    listed = entries.listed
    return last[0], pages, [*entries.moved, *(listed + place for place in changed_places(pages[listed:], last[0][listed:]))]


def publishing_files(sitemap: tuple[tuple[str, str], ...], feed: Page, settings: Settings, urls: Urls) -> list[Page]:
    """What a host needs beside the pages: sitemap, robots.txt, feed, GitHub Pages markers."""
    files = [
        _host_file(".nojekyll", literal=""),
        _host_file("sitemap.xml", template="sitemap.xml", data={"entries": sitemap}),
        _host_file("robots.txt", template="robots.txt", data={"sitemap_url": urls.absolute("sitemap.xml")}),
        feed,
    ]
    if settings.site.cname:
        files.append(_host_file("CNAME", literal=settings.site.cname + "\n"))
    return files


def _host_file(path: str, *, template: str = "", data: dict | None = None, literal: str | None = None) -> Page:
    """A file for the host and for robots, not a page for readers: no title, no section, not in the sitemap."""
    return Page(path=path, template=template, title="", description="", section="", indexable=False, data=data or {}, literal=literal)
