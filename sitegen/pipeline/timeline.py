"""The archive's timeline: events from every source, merged and ordered.

Events come from `content/timeline.toml`, from articles' `events` front
matter, and (when `[timeline] articles = true`) from article publications.
Order is deterministic: by first day, then precision (coarser first), then
title, then where the event came from.
"""

from __future__ import annotations

import itertools
import operator
from dataclasses import dataclass

from sitegen.model.dates import PartialDate
from sitegen.model.models import Archive, Article, Event, SourcePos
from sitegen.model.slugs import slugify

PUBLICATION = "publication"
HAPPENING = "event"


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    event: Event
    kind: str  # HAPPENING or PUBLICATION
    anchor: str  # unique id on the timeline page

    @property
    def sort_key(self) -> tuple:
        return event_sort_key(self.event)


def event_sort_key(event: Event) -> tuple:
    """Where an event goes on the timeline: by its first day, the precision of its date, its title, its place."""
    return (event.date.first_day(), event.date.precision, event.title.casefold(), event.title, event.pos.path, event.pos.line or 0)


def display_date(date: PartialDate, end: PartialDate | None = None, circa: bool = False) -> str:
    """"2014", "June 2014", "10 June 2014"; a range with an en dash; "c." when approximate."""
    text = date.display
    if end is not None and end != date:
        text = f"{text} – {end.display}"
    return f"c. {text}" if circa else text


def collect_timeline(archive: Archive, include_publications: bool) -> list[TimelineEntry]:
    return TimelineCollector().collect(archive, include_publications)


def publication_event(article: Article) -> Event:
    """An article's publication as an event of the timeline."""
    day = article.date.day
    return Event(
        date=PartialDate(day.year, day.month, day.day),
        title=article.title,
        description="",
        entity_ids=article.entity_ids,
        article_slugs=(article.slug,),
        pos=SourcePos(article.pos.path, article.pos.line),
    )


class TimelineCollector:
    """`collect_timeline`, for a running builder: what each event costs (its
    publication event, its sort key, the start of its anchor) is worked out
    once per article or event object, and the entries of the last build are
    returned again while their event and anchor are the same. The loader
    gives the very same objects while their files are unchanged, so an edit
    makes these again for what it changed only.

    An edit that changes no event of an article (its body, its summary) keeps
    the whole timeline: while the articles are the same slugs in the same
    order and the timeline's own events the very objects of the last build, each article that
    is another object is compared with the last build's by the events it
    gives, and when all are equal the last build's entries are returned
    again, without a pass over the archive."""

    def __init__(self) -> None:
        self.publications: dict[str, tuple[Article, Event]] = {}  # by article slug
        self.keys: dict[int, tuple[Event, tuple, str]] = {}  # by id of the event: (event, sort key, anchor's start)
        self.entries: dict[str, TimelineEntry] = {}  # by anchor
        self.last: tuple[tuple[Article, ...], tuple[Event, ...], bool, list[TimelineEntry]] | None = None  # see _kept
        self.looked_at = 0  # articles the last collection looked at

    def collect(self, archive: Archive, include_publications: bool) -> list[TimelineEntry]:
        kept = self._kept(archive, include_publications)
        if kept is None:
            kept = self._collect(archive, include_publications)
            self.looked_at = len(archive.articles)
        self.last = (archive.articles, archive.events, include_publications, kept)
        return list(kept)

    def _kept(self, archive: Archive, include_publications: bool) -> list[TimelineEntry] | None:
        """The last build's entries, when every article that changed gives the same events as before; else None."""
        if self.last is None:
            return None
        articles, events, included, entries = self.last
        if included != include_publications or len(archive.articles) != len(articles) or not _same_objects(archive.events, events):
            return None
        places = list(itertools.compress(itertools.count(), map(operator.is_not, archive.articles, articles)))
        self.looked_at = len(places)
        kept: list[tuple[str, tuple[Article, Event]]] = []
        for place in places:
            article, before = archive.articles[place], articles[place]
            if article.slug != before.slug or article.events != before.events:
                return None
            if include_publications:
                known = self.publications.get(before.slug)
                if known is None or known[0] is not before or publication_event(article) != known[1]:
                    return None
                kept.append((article.slug, (article, known[1])))  # the same event, from the article as it is now
        self.publications.update(kept)
        return entries

    def _collect(self, archive: Archive, include_publications: bool) -> list[TimelineEntry]:
        events: list[tuple[Event, str]] = [(event, HAPPENING) for event in archive.events]
        publications = {}
        for article in archive.articles:
            events += [(event, HAPPENING) for event in article.events]
            if include_publications:
                kept = self.publications.get(article.slug)
                if kept is None or kept[0] is not article:
                    kept = (article, publication_event(article))
                publications[article.slug] = kept
                events.append((kept[1], PUBLICATION))
        self.publications = publications
        keys, before = {}, self.keys
        for event, _ in events:
            known = before.get(id(event))
            if known is None or known[0] is not event:
                known = (event, event_sort_key(event), f"{event.date.iso}-{slugify(event.title)}".rstrip("-"))
            keys[id(event)] = known
        self.keys = keys
        events.sort(key=lambda item: (keys[id(item[0])][1], item[1]))  # stable: equal keys keep the archive's order
        entries = []
        used: set[str] = set()
        made, previous = {}, self.entries
        for event, kind in events:
            base = keys[id(event)][2]
            anchor, number = base, 2
            while anchor in used:
                anchor, number = f"{base}-{number}", number + 1
            used.add(anchor)
            entry = previous.get(anchor)
            if entry is None or entry.event is not event or entry.kind != kind:
                entry = TimelineEntry(event, kind, f"event-{anchor}")
            made[anchor] = entry
            entries.append(entry)
        self.entries = made
        return entries


def _same_objects(new: tuple, old: tuple) -> bool:
    return len(new) == len(old) and all(map(operator.is_, new, old))


# A year with this many events or more has a page of its own; fewer, and it
# shares a page with the quiet years beside it in its decade. Five full entries
# are a screen or two: a page of its own for less would be mostly navigation.
BUSY_YEAR = 5


@dataclass(frozen=True, slots=True)
class Period:
    """One page of the timeline: a busy year, a quiet decade, or the quiet years
    of a decade between its busy ones."""

    slug: str  # "2016", "1990s" or "2017-2019": the page's folder under timeline/
    label: str  # "2016", "1990s" or "2017–2019"
    years: tuple[int, ...]  # the years with events it shows, in order


def timeline_periods(years: list[int]) -> list[Period]:
    """The pages of a timeline whose events fall in `years` (one item per event).

    A busy year is its own page. The quiet years of a decade with no busy year
    are one page named for the decade, which stays where it is while events
    come and go; in a decade with busy years, each run of quiet years between
    them is one page named for its first and last year.
    """
    counts: dict[int, int] = {}
    for year in years:
        counts[year] = counts.get(year, 0) + 1
    busy = {year for year, count in counts.items() if count >= BUSY_YEAR}
    busy_decades = {year // 10 for year in busy}
    periods: list[Period] = []
    run: list[int] = []

    def close_run() -> None:
        if not run:
            return
        first, last = run[0], run[-1]
        if first // 10 not in busy_decades:
            name = f"{first // 10 * 10}s"
            periods.append(Period(name, name, tuple(run)))
        elif first == last:
            periods.append(Period(str(first), str(first), (first,)))
        else:
            periods.append(Period(f"{first}-{last}", f"{first}–{last}", tuple(run)))
        run.clear()

    for year in sorted(counts):
        if year in busy:
            close_run()
            periods.append(Period(str(year), str(year), (year,)))
            continue
        if run and run[0] // 10 != year // 10:
            close_run()
        run.append(year)
    close_run()
    return periods
