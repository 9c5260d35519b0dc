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
