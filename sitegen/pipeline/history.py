"""When an entity was in the news: articles counted by month or by year.

The granularity follows the span of the counts: by month when the first and
last month with an article are at most MONTHLY_SPAN months apart (inclusive),
by year otherwise, so a chart never has more than a few dozen bars. Periods
with no article are kept (a gap in the news is shown as one), and a span by
month shorter than MIN_MONTHS is widened around its middle to that many
months, so that a burst of news reads as a burst and not as one wide block.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Mapping

from sitegen.model.dates import MONTHS

MONTHLY_SPAN = 36
MIN_MONTHS = 12

Month = tuple[int, int]  # (year, month)


@dataclass(frozen=True, slots=True)
class Period:
    key: str  # "2016-11" or "2016": the anchor of the period's first article
    label: str  # "November 2016" or "2016"
    short: str  # "Nov 2016" or "2016"
    count: int
    start: Month  # its first month


@dataclass(frozen=True, slots=True)
class History:
    unit: str  # "month" or "year"
    periods: tuple[Period, ...]

    @property
    def total(self) -> int:
        return sum(p.count for p in self.periods)

    @property
    def peak(self) -> Period:
        """The period with the most articles; the earliest of equals."""
        return max(self.periods, key=lambda p: (p.count, -p.start[0], -p.start[1]))


def month_counts(days: Iterable[dt.date]) -> tuple[tuple[Month, int], ...]:
    """How many of `days` fall in each month, sorted by month."""
    return tuple(sorted(Counter((day.year, day.month) for day in days).items()))


def _index(month: Month) -> int:
    return month[0] * 12 + month[1] - 1


def _month(index: int) -> Month:
    return divmod(index, 12)[0], divmod(index, 12)[1] + 1


def period_of(month: Month, unit: str) -> str:
    """The key of the period a month belongs to."""
    return f"{month[0]:04d}-{month[1]:02d}" if unit == "month" else f"{month[0]:04d}"


def history(counts: Mapping[Month, int] | Iterable[tuple[Month, int]], span: tuple[Month, Month] | None = None) -> History | None:
    """The periods from the first to the last month of `span` (by default, of
    the counts), with the articles in each; None when there are no counts."""
    counts = dict(counts)
    if span is None:
        if not counts:
            return None
        span = (min(counts), max(counts))
    first, last = _index(span[0]), _index(span[1])
    if last - first + 1 <= MONTHLY_SPAN:
        missing = MIN_MONTHS - (last - first + 1)
        if missing > 0:
            first, last = first - missing // 2, last + missing - missing // 2
        periods = tuple(
            Period(
                key=period_of(month, "month"),
                label=f"{MONTHS[month[1] - 1]} {month[0]}",
                short=f"{MONTHS[month[1] - 1][:3]} {month[0]}",
                count=counts.get(month, 0),
                start=month,
            )
            for month in map(_month, range(first, last + 1))
        )
        return History("month", periods)
    by_year = Counter()
    for (year, _), count in counts.items():
        by_year[year] += count
    years = range(_month(first)[0], _month(last)[0] + 1)
    return History("year", tuple(Period(f"{y:04d}", str(y), str(y), by_year.get(y, 0), (y, 1)) for y in years))
