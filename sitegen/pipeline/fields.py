"""Typed reading of source values, with each problem reported at its line.

`Fields` wraps one mapping (an article's front matter, an `[[event]]` table,
…) and reads its keys as the kinds the content format allows: text, a flag,
a list of text, a web address. A value of the wrong kind is an error naming
the key and the shape expected, never an exception. Timeline events are read
here too, since both `timeline.toml` and articles' `events` hold them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

from sitegen.model.characters import describe, first_disallowed, unclosed_direction
from sitegen.model.dates import DateError, parse_partial_date
from sitegen.model.errors import Problems, kind_of
from sitegen.model.models import Event, SourcePos

EVENT_FIELDS = ("date", "end", "circa", "title", "description", "entities", "articles")


# Characters the URL standard forbids in a host, which the host, user or port
# of an http(s) address cannot hold: a browser refuses such a link
# ("https://www.geo names.org/…", a typo) as invalid, or (a backslash) reads
# another host from it.
_NOT_IN_HOSTS = re.compile(r"[\s<>\\^|]")


def is_web_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
        parts.port  # reading it checks it: a number from 0 to 65535
    except ValueError:  # an unclosed [IPv6 address], a port that is no number or out of range
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not _NOT_IN_HOSTS.search(parts.netloc)


@dataclass(slots=True)
class Fields:
    """Typed access to one mapping of source values, reporting problems at their lines."""

    data: dict[str, Any]
    path: str
    line_of: Callable[[str], int | None]
    problems: Problems
    what: str = ""  # prefix for messages, such as "event 'Mosul falls': "
    container: str = "the front matter"  # where a missing key should be added

    def error(self, key: str | None, message: str) -> None:
        self.problems.error(self.path, self.line_of(key) if key else self.line_of(""), self.what + message)

    def warn_unknown(self, known: tuple[str, ...], note: str) -> None:
        for key in sorted(set(self.data) - set(known), key=str):  # YAML keys may be numbers, or null
            self.problems.warning(self.path, self.line_of(key), f"{self.what}unknown key `{key}`{note}")

    def text(self, key: str, *, required: bool = False, default: str = "") -> str:
        value = self.data.get(key)
        if value is None:
            if required:
                self.error(None, f"missing required `{key}`: add it to {self.container}")
            return default
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error(key, f"`{key}` must be text, not {kind_of(value)}")
            return default
        text = str(value).strip()
        if required and not text:
            self.error(key, f"`{key}` must not be empty")
        return text if self.allowed(key, text) else default

    def allowed(self, key: str, text: str) -> bool:
        """Whether `text` holds only characters pages and feeds can carry, and turns back every writing
        direction it turns; reports the first problem."""
        char = first_disallowed(text)
        if char is not None:
            self.error(key, f"`{key}` contains {describe(char)}, which no page or feed can hold: remove it")
            return False
        unclosed = unclosed_direction(text)
        if unclosed is not None:
            self.error(key, f"`{key}` turns the writing direction with {unclosed}: "
                       "the text after it on a page would be turned around; close it or remove it")  # fmt: skip
        return unclosed is None

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.error(key, f"`{key}` must be true or false, not {kind_of(value)}")
            return default
        return value

    def text_list(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
            self.error(key, f"`{key}` must be a list of text values, such as [\"one\", \"two\"]")
            return ()
        texts = [str(v).strip() for v in value]
        if not all(self.allowed(key, text) for text in texts):
            return ()
        return tuple(dict.fromkeys(text for text in texts if text))

    def web_url(self, key: str, value: str) -> str:
        if value and not is_web_url(value):
            self.error(key, f"`{key}` must be an http:// or https:// address, not {value!r}")
            return ""
        return value


def read_event(table: dict[str, Any], rel: str, line_of: Callable[[str], int | None], problems: Problems) -> Event | None:
    """A timeline event from a `[[event]]` table or an article's `events` item; None when it has errors."""
    fields = Fields(table, rel, line_of, problems, container="this event")
    title = fields.text("title", required=True)
    fields.what = f"event {title!r}: " if title else "event: "
    fields.warn_unknown(EVENT_FIELDS, "; events know " + ", ".join(EVENT_FIELDS))
    dates = {}
    for key in ("date", "end"):
        if table.get(key) is None:
            if key == "date":
                fields.error(None, "missing required `date` (YYYY, YYYY-MM or YYYY-MM-DD)")
            dates[key] = None
            continue
        try:
            dates[key] = parse_partial_date(table[key])
        except DateError as exc:
            fields.error(key, f"`{key}`: {exc}")
            dates[key] = None
    start, end = dates["date"], dates["end"]
    if start and end and end.last_day() < start.first_day():
        fields.error("end", f"`end` {end.iso} is before `date` {start.iso}")
        return None
    if not title or start is None:
        return None
    return Event(
        date=start,
        title=title,
        description=fields.text("description"),
        end=end,
        circa=fields.flag("circa"),
        entity_ids=fields.text_list("entities"),
        article_slugs=fields.text_list("articles"),
        pos=SourcePos(rel, line_of("")),
    )

