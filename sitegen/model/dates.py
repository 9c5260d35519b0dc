"""Dates as authors write them.

Two kinds: a publication date (a day, optionally with a time and an explicit
UTC offset) and a partial date for timelines and roles (`YYYY`, `YYYY-MM` or
`YYYY-MM-DD`). Neither is ever converted to another time zone: a date is
displayed as written, whatever the machine's TZ.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from sitegen.model.errors import kind_of

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class DateError(ValueError):
    pass


@dataclass(frozen=True, slots=True, order=True)
class PublicationDate:
    """The day an article was published, and the moment if the author gave one."""

    day: dt.date
    moment: dt.datetime | None = None  # always with a UTC offset

    @property
    def iso(self) -> str:
        """For `<time datetime>` and feeds."""
        return self.moment.isoformat() if self.moment else self.day.isoformat()

    @property
    def display(self) -> str:
        return f"{self.day.day} {MONTHS[self.day.month - 1]} {self.day.year}"

    @property
    def month_name(self) -> str:
        return MONTHS[self.day.month - 1]


def parse_publication_date(value: object) -> PublicationDate:
    """Accept `YYYY-MM-DD` or an ISO 8601 date-time with an offset (string or TOML value)."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        return PublicationDate(value)
    elif isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            try:
                return PublicationDate(dt.date.fromisoformat(text))
            except ValueError:
                raise DateError(f"{text!r} is not a real calendar date") from None
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        except ValueError:
            raise DateError(
                f"{text!r} is not a date: write YYYY-MM-DD or a date-time with offset such as 2016-11-27T09:30:00+00:00"
            ) from None
    else:
        raise DateError(f"expected a date such as 2016-11-27, not {kind_of(value)}")
    if moment.tzinfo is None:
        raise DateError(
            f"{moment.isoformat()!r} has a time but no UTC offset: add one (such as +00:00) or give the date alone"
        )
    return PublicationDate(moment.date(), moment)


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date known to the year, the month or the day."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> int:
        """0 for a year, 1 for a month, 2 for a day: coarser sorts first on ties."""
        return 0 if self.month is None else 1 if self.day is None else 2

    @property
    def sort_key(self) -> tuple[int, int, int]:
        return (self.year, self.month or 0, self.day or 0)

    @property
    def iso(self) -> str:
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
        if self.day is not None:
            text += f"-{self.day:02d}"
        return text

    @property
    def display(self) -> str:
        if self.month is None:
            return str(self.year)
        if self.day is None:
            return f"{MONTHS[self.month - 1]} {self.year}"
        return f"{self.day} {MONTHS[self.month - 1]} {self.year}"

    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> dt.date:
        if self.day is not None:
            return dt.date(self.year, self.month or 1, self.day)
        if self.month is None:
            return dt.date(self.year, 12, 31)
        # From the calendar, not "the first of next month minus a day", which
        # has no next month in December 9999, the last month `date` can hold.
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])


def parse_partial_date(value: object) -> PartialDate:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return PartialDate(value.year, value.month, value.day)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise DateError(f"expected a date such as 2016, 2016-10 or 2016-10-17, not {kind_of(value)}")
    found = _PARTIAL.match(value.strip())
    if not found:
        raise DateError(f"{value!r} is not a date: write YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(g) if g else None for g in found.groups())
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError:
        raise DateError(f"{value!r} is not a real calendar date") from None
    return PartialDate(year, month, day)
