"""When an entity was in the news: articles counted by month or by year.

The granularity follows the span of the counts: by month when the months
from the first to the last, both counted, are at most MONTHLY_SPAN, otherwise
by the shortest of year, decade, century and millennium that needs at most
that many bars, so a chart never has more than a few dozen bars (an archive
of two centuries is drawn by decade, and a date mistyped as 0216 does not
make a chart of eighteen hundred years). Periods with no article are kept
(a gap in the news is shown as one), and a span by month shorter than
MIN_MONTHS is widened around its middle to that many months, so that a
burst of news reads as a burst and not as one wide block, never beyond the
years 1 to 9999 that a date can have.

A `History` is its counts alone; the labels of a period are made when asked
for, since the entity index draws a sparkline for every entity.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Mapping

from sitegen.model.dates import MONTHS

MONTHLY_SPAN = 36
MIN_MONTHS = 12
YEARS = {"year": 1, "decade": 10, "century": 100, "millennium": 1000}  # the units longer than a month, in years
FIRST_MONTH, LAST_MONTH = 1 * 12, 9999 * 12 + 11  # January of year 1 and December 9999, as month indexes

Month = tuple[int, int]  # (year, month)


@dataclass(frozen=True, slots=True)
class Period:
    key: str  # "2016-11" or "2016": the anchor of the period's first article
    label: str  # "November 2016" or "2016"
    short: str  # "Nov 2016" or "2016"
    count: int


@dataclass(frozen=True, slots=True)
class History:
    unit: str  # "month", or one of YEARS
    start: int  # the first period: a month's index (year * 12 + month - 1), or a year divided by the unit's years
    counts: tuple[int, ...]  # articles in each period, from the first

    def period(self, index: int) -> Period:
        number = self.start + index
        if self.unit != "month":
            key = year_period(number * YEARS[self.unit], self.unit)
            label = key.replace("-", "–")
            return Period(key, label, label, self.counts[index])
        year, month = divmod(number, 12)
        name = MONTHS[month]
        return Period(f"{year:04d}-{month + 1:02d}", f"{name} {year}", f"{name[:3]} {year}", self.counts[index])

    @property
    def periods(self) -> tuple[Period, ...]:
        return tuple(map(self.period, range(len(self.counts))))

    @property
    def busy(self) -> tuple[int, int]:
        """The indexes of the first and the last period with articles."""
        with_articles = [i for i, count in enumerate(self.counts) if count]
        return with_articles[0], with_articles[-1]

    @property
    def peak(self) -> int:
        """The index of the period with the most articles; the earliest of equals."""
        return max(range(len(self.counts)), key=lambda i: (self.counts[i], -i))


def month_counts(days: Iterable[dt.date]) -> tuple[tuple[Month, int], ...]:
    """How many of `days` fall in each month, sorted by month."""
    return tuple(sorted(Counter((day.year, day.month) for day in days).items()))


def year_period(year: int, unit: str) -> str:
    """The key of the period of `unit` (one of YEARS) that `year` falls in:
    "2016", "2010s", or a century's or millennium's first and last year, "1900-1999"."""
    size = YEARS[unit]
    first = year // size * size
    if size == 1:
        return f"{year:04d}"
    return f"{first}s" if size == 10 else f"{first}-{first + size - 1}"


def period_of(month: Month, unit: str) -> str:
    """The key of the period a month belongs to."""
    return f"{month[0]:04d}-{month[1]:02d}" if unit == "month" else year_period(month[0], unit)


def history(counts: Mapping[Month, int] | Iterable[tuple[Month, int]], span: tuple[Month, Month] | None = None) -> History | None:
    """The periods from the first to the last month of `span` (by default, of
    the counts), with the articles in each; None when there are no counts."""
    counts = dict(counts)
    if span is None:
        if not counts:
            return None
        span = (min(counts), max(counts))
    first, last = (year * 12 + month - 1 for year, month in span)
    if last - first + 1 <= MONTHLY_SPAN:
        missing = MIN_MONTHS - (last - first + 1)
        if missing > 0:
            first = max(FIRST_MONTH, min(first - missing // 2, LAST_MONTH - MIN_MONTHS + 1))
            last = first + MIN_MONTHS - 1
        by_month = [0] * (last - first + 1)
        for (year, month), count in counts.items():
            by_month[year * 12 + month - 1 - first] += count
        return History("month", first, tuple(by_month))
    unit = next(unit for unit, size in YEARS.items() if span[1][0] // size - span[0][0] // size < MONTHLY_SPAN or size == 1000)
    size = YEARS[unit]
    start = span[0][0] // size
    by_period = [0] * (span[1][0] // size - start + 1)
    for (year, _), count in counts.items():
        by_period[year // size - start] += count
    return History(unit, start, tuple(by_period))
