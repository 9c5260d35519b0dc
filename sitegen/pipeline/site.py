"""What every page is: an output file with its template and data, and the
view of the site that every template gets."""

from __future__ import annotations

import itertools
import operator
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, TypeVar

from sitegen.model.urls import Urls
from sitegen.pipeline.config import Settings

Made = TypeVar("Made")


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
    notes_script_url: str  # side-notes placed beside their lines; pages with side-notes load it
    search_script_url: str  # the search page, the header's live results and marked words
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
    literal: str | bytes | None = None  # files with fixed content (.nojekyll, CNAME, data/) skip templates
    kind: str = "website"  # Open Graph type
    modified: str = ""  # ISO date of the last change the content states, for the sitemap


@dataclass(frozen=True, slots=True)
class PlannedPage:
    """A page whose place is planned but whose data is made only when it is
    rendered (`make`), and let go with its bytes: a single build plans the
    pages of articles and entities so, instead of holding every one of them
    at once, and so that the rendering processes make them, not the main
    process while they wait. It
    answers what the plan asks of every page before rendering (its file, its
    template, and what the sitemap lists) like the Page it makes."""

    path: str
    template: str  # "" for a file of fixed content, which skips templates once made
    modified: str
    make: Callable[[], Page]
    indexable: bool = True
    literal: None = None
    # The objects `make` makes the page from, besides the settings and the URLs:
    # the same inputs make the same page, so a build whose digest of them is
    # the last build's keeps that build's file without making the page.
    inputs: tuple = ()
    # Made from every article at once (the files of data/): made by the build's own
    # process once the rendering processes have ended, not in one of them, which
    # would copy every object it reads from the build (see engine/staged_writer.py).
    reads_whole_archive: bool = False


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
        notes_script_url=urls.asset("notes.js"),
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


@dataclass(frozen=True, slots=True)
class Deferred:
    """An entry of a `PlanMemo` to be made later, from inputs that the build which deferred it saw."""

    name: str
    sources: tuple
    values: tuple
    make: Callable[[], Any]


def _same_inputs(old: tuple, sources: tuple, values: tuple) -> bool:
    return len(old[0]) == len(sources) and all(map(operator.is_, old[0], sources)) and old[1] == values


class PlanMemo:
    """The pages a long-lived builder planned last time, each with what it was made from.

    A page (or the few pages of one entity) is made again only when its inputs
    differ; otherwise the very same object is returned, which also tells the
    builder that its digest is the one it computed last time. Inputs are two
    tuples: `sources`, objects compared by identity (parsed sources and
    annotated fragments come from the caches as the same object while their
    file is unchanged: an edited file gives a new object, even if it compares
    equal), and `values`, plain data compared by equality (strings, integers,
    and frozen views made of them only, never floats or booleans, which equal
    other numbers). The settings and URLs every page depends on are checked
    once a build, in `begin`: any change forgets every page.
    """

    def __init__(self) -> None:
        self.context = ""
        # name -> (sources, values, made, quick inputs or None): every entry of the last build
        self.previous: dict[str, tuple[tuple, tuple, Any, tuple | None]] = {}
        # This build's entries, but those of the blocks it carries (`carry` with `known`), which stay where
        # they are in `previous`: a block of every article's pages is not copied from dict to dict.
        self.current: dict[str, tuple[tuple, tuple, Any, tuple | None]] = {}
        self.carried: list[list[str]] = []  # the blocks this build carries
        self.ended: dict | None = None  # the `current` of the last build that ended (see sections.py)
        # What `previous` holds: the names the last build recorded itself, and the blocks it carried.
        self._own: set[str] = set()
        self._blocks: list[list[str]] = []
        self._block_names: dict[int, tuple[list[str], frozenset[str]]] = {}  # the names of each block carried, by id
        self.made = 0  # pages (or page groups) made, not reused, this build
        self.aggregates: dict[str, Any] = {}  # indexes kept up to date from what changed (see pages.py)
        self.deferred: list[Deferred] = []  # what this build left to make later (`get_later`)
        # (the last plan, this plan, the places where this plan holds another page object than the last):
        # worked out once by plan_pages, for whoever compares the two plans after it (see moved_since).
        self.places: tuple[list, list, list[int]] | None = None

    def begin(self, settings: Settings, urls: Urls) -> None:
        context = repr((settings, urls))  # repr tells 1 from True and 1.0, unlike ==
        if context != self.context:
            self.previous, self.aggregates, self._own, self._blocks = {}, {}, set(), []
        self.context, self.current, self.made, self.deferred, self.carried = context, {}, 0, [], []

    def get(self, name: str, sources: tuple, values: tuple, make: Callable[[], Made]) -> Made:
        old = self.previous.get(name)
        made = self._reuse_or_make(old, sources, values, make)
        self.current[name] = (sources, values, made, None)
        return made

    def get_quick(self, name: str, quick: tuple, key: Callable[[], tuple[tuple, tuple]], make: Callable[[], Made]) -> Made:
        """`get`, with its sources and values given by `key()`, which is not even
        called while every object of `quick` is the very one of the last build:
        the sources and values must be functions of those objects (and of the
        settings). A page that most builds keep is checked in a few identity tests."""
        old = self.previous.get(name)
        if old is not None and old[3] is not None and _same(old[3], quick):
            self.current[name] = old
            return old[2]
        sources, values = key()
        made = self._reuse_or_make(old, sources, values, make)
        self.current[name] = (sources, values, made, quick)
        return made

    def _reuse_or_make(self, old, sources: tuple, values: tuple, make: Callable[[], Made]) -> Made:
        if old is not None and _same_inputs(old, sources, values):
            return old[2]
        self.made += 1
        return make()

    def get_later(self, name: str, sources: tuple, values: tuple, make: Callable[[], Made]) -> Made:
        """`get`, except that when the inputs changed since the last build, which
        made this entry, that build's object is returned as it is, still recorded
        with its old inputs, and a `Deferred` that makes the new one is added to
        `deferred` (`install` what it makes). Without the last build's object it
        is made at once."""
        old = self.previous.get(name)
        if old is None or _same_inputs(old, sources, values):
            return self.get(name, sources, values, make)
        self.current[name] = old
        self.deferred.append(Deferred(name, sources, values, make))
        return old[2]

    def install(self, deferred: Deferred, made: Any) -> None:
        """Record what `deferred` made, between two builds, as if the last build had made it."""
        self.previous[deferred.name] = (deferred.sources, deferred.values, made, None)
        self._own.add(deferred.name)

    def carry(self, names: Iterable[str], known: bool = False) -> None:
        """Keep the last build's entries `names` for the next build as they are: the
        entries of pages that an entry holding them all kept whole (see pages.py).
        `known`: every one of them is an entry of the last build, and `names` a list that
        is not changed afterwards (a block, left where it is: see `end`)."""
        if known:
            self.carried.append(names)
            return
        for name in names:
            old = self.previous.get(name)
            if old is not None:
                self.current[name] = old

    def end(self) -> None:
        """Keep what this build planned (and only that) for the next. The entries of the blocks
        it carried stay in `previous`, with this build's own over them; of the others there,
        only those the last build recorded itself or carried in another block can have to go."""
        current, carried = self.current, self.carried
        if carried:
            known = self._block_names
            self._block_names = {id(block): known.get(id(block)) or (block, frozenset(block)) for block in carried}
            names = [found for _, found in self._block_names.values()]
            kept = self.previous
            ids = set(self._block_names)
            gone = itertools.chain(self._own, *(block for block in self._blocks if id(block) not in ids))
            for name in [name for name in gone if name not in current and not any(name in found for found in names)]:
                kept.pop(name, None)
            kept.update(current)
            self.previous = kept
        else:
            self._block_names = {}
            self.previous = current
        self._own, self._blocks = set(current), carried
        self.ended, self.current, self.carried = current, {}, []

    def moved_since(self, before: list, pages: list) -> list[int] | None:
        """The places where the plan `pages` holds another page object than the plan
        `before`, when plan_pages worked them out (the last plan and this one); else None."""
        known = self.places
        if known is not None and known[0] is before and known[1] is pages:
            return known[2]
        return None

    def forget(self) -> None:
        self.previous, self.current, self.context, self.places = {}, {}, "", None
        self.carried, self.ended, self._own, self._blocks, self._block_names = [], None, set(), [], {}


def _same(old: tuple, new: tuple) -> bool:
    """The very same objects, one by one."""
    return len(old) == len(new) and all(map(operator.is_, old, new))
