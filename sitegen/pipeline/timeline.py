"""The archive's timeline: events from every source, merged and ordered.

Events come from `content/timeline.toml`, from articles' `events` front
matter, and (when `[timeline] articles = true`) from article publications.
Order is deterministic: by first day, then precision (coarser first), then
title, then where the event came from.
"""

from __future__ import annotations

from dataclasses import dataclass

from sitegen.model.dates import PartialDate
from sitegen.model.models import Archive, Event, SourcePos
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
        event = self.event
        return (event.date.first_day(), event.date.precision, event.title.casefold(), event.title, event.pos.path, event.pos.line or 0)


def display_date(date: PartialDate, end: PartialDate | None = None, circa: bool = False) -> str:
    """"2014", "June 2014", "10 June 2014"; a range with an en dash; "c." when approximate."""
    text = date.display
    if end is not None and end != date:
        text = f"{text} – {end.display}"
    return f"c. {text}" if circa else text


def collect_timeline(archive: Archive, include_publications: bool) -> list[TimelineEntry]:
    events: list[tuple[Event, str]] = [(event, HAPPENING) for event in archive.events]
    for article in archive.articles:
        events += [(event, HAPPENING) for event in article.events]
        if include_publications:
            day = article.date.day
            publication = Event(
                date=PartialDate(day.year, day.month, day.day),
                title=article.title,
                description="",
                entity_ids=article.entity_ids,
                article_slugs=(article.slug,),
                pos=SourcePos(article.pos.path, article.pos.line),
            )
            events.append((publication, PUBLICATION))
    provisional = sorted(
        (TimelineEntry(event, kind, "") for event, kind in events),
        key=lambda entry: (entry.sort_key, entry.kind),
    )
    entries = []
    used: set[str] = set()
    for entry in provisional:
        base = f"{entry.event.date.iso}-{slugify(entry.event.title)}".rstrip("-")
        anchor, number = base, 2
        while anchor in used:
            anchor, number = f"{base}-{number}", number + 1
        used.add(anchor)
        entries.append(TimelineEntry(entry.event, entry.kind, f"event-{anchor}"))
    return entries


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
