"""`site.toml` -> frozen, typed settings.

The schema is the dataclasses below: each section is a frozen dataclass and
each field's annotation is the type the key must have. Validation walks the
schema, so a new setting is one new field, and every problem in the file
(unknown keys with the closest valid name, wrong types, missing required keys)
is reported in one run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, get_type_hints
from urllib.parse import urlsplit

from sitegen.model.characters import describe, first_disallowed, unclosed_direction
from sitegen.model.errors import ContentError, Diagnostic, kind_of
from sitegen.pipeline.sourcefiles import (
    SourceError,
    parse_toml,
    read_text,
    toml_positions,
)

CONFIG_FILE = "site.toml"
REQUIRED = object()  # marker default: the key must be present


@dataclass(frozen=True, slots=True)
class SiteSettings:
    title: str = field(default=REQUIRED)  # type: ignore[assignment]
    base_url: str = field(default=REQUIRED)  # type: ignore[assignment]
    language: str = "en"
    description: str = ""
    author: str = ""
    cname: str = ""
    # The access date citations give (see resolve_access_date): "", "none", "build" or YYYY-MM-DD.
    citation_access_date: str = ""


@dataclass(frozen=True, slots=True)
class BuildSettings:
    output: str = "_site"
    drafts: bool = False


@dataclass(frozen=True, slots=True)
class AnnotationSettings:
    repeat_links: bool = False


@dataclass(frozen=True, slots=True)
class SearchSettings:
    enabled: bool = True
    timeout: int = 600  # seconds the indexer may work without answering before the build gives up
    shard_pages: int = 4000  # the most pages (and glossary terms) one indexer run holds in memory


@dataclass(frozen=True, slots=True)
class TimelineSettings:
    articles: bool = True


@dataclass(frozen=True, slots=True)
class DataSettings:
    licence: str = ""  # one line naming the licence of the files under data/, such as "CC BY 4.0"
    licence_url: str = ""  # the licence's text, an absolute http(s) address


@dataclass(frozen=True, slots=True)
class Settings:
    site: SiteSettings
    build: BuildSettings = BuildSettings()
    annotations: AnnotationSettings = AnnotationSettings()
    search: SearchSettings = SearchSettings()
    timeline: TimelineSettings = TimelineSettings()
    data: DataSettings = DataSettings()
    # Not a section of site.toml: the build's fixed time, from SOURCE_DATE_EPOCH (see with_environment),
    # RFC 3339 in UTC, or "" when the build has none. It dates what lists nothing, such as an empty feed.
    build_time: str = ""

    @property
    def base_path(self) -> str:
        """The path part of the base URL, always with leading and trailing `/`."""
        return urlsplit(self.site.base_url).path

    def with_environment(self, environ: Mapping[str, str], today: dt.date) -> Settings:
        """These settings with what the build's environment decides: `[site]
        citation_access_date` resolved to the day it names, or to "none" (see
        `resolve_access_date`), and `build_time` read from SOURCE_DATE_EPOCH.
        The stages read both from here, never from the environment."""
        day = resolve_access_date(self.site.citation_access_date, environ, today) or "none"
        site = dataclasses.replace(self.site, citation_access_date=day)
        return dataclasses.replace(self, site=site, build_time=resolve_build_time(environ))

    def with_overrides(
        self,
        *,
        output: str | None = None,
        base_url: str | None = None,
        drafts: bool | None = None,
        search: bool | None = None,
    ) -> Settings:
        """Apply command-line options, which win over the file."""
        result = self
        if output is not None:
            result = dataclasses.replace(result, build=dataclasses.replace(result.build, output=output))
        if drafts:
            result = dataclasses.replace(result, build=dataclasses.replace(result.build, drafts=True))
        if base_url is not None:
            problem = base_url_problem(base_url)
            if problem:
                raise ValueError(f"--base-url {base_url!r}: {problem}")
            site = dataclasses.replace(result.site, base_url=normalise_base_url(base_url))
            result = dataclasses.replace(result, site=site)
        if search is False:
            result = dataclasses.replace(result, search=dataclasses.replace(result.search, enabled=False))
        return result


ACCESS_DATE_WORDS = ("", "none", "build")


def is_iso_day(value: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def resolve_access_date(value: str, environ: Mapping[str, str], today: dt.date) -> str:
    """The day (YYYY-MM-DD) citations give as the day the archive's copy was
    accessed, or "" for none.

    A day written in `[site] citation_access_date` is that day; "none" is
    none. Otherwise the build's day is given only when the build has a fixed
    one, SOURCE_DATE_EPOCH (the reproducible-builds convention), or when the
    setting is "build", which takes today's date (UTC) without it: the output
    of a build that gives the clock's day changes from one day to the next.
    """
    epoch = source_date_epoch(environ)
    epoch_day = epoch.date().isoformat() if epoch else ""
    if value == "none" or is_iso_day(value):
        return "" if value == "none" else value
    if epoch_day:
        return epoch_day
    return today.isoformat() if value == "build" else ""


def source_date_epoch(environ: Mapping[str, str]) -> dt.datetime | None:
    """The time SOURCE_DATE_EPOCH names (UTC), or None when it is unset or blank.

    It is checked whatever the settings: it also dates the feeds that list no article."""
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return None
    try:
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise ValueError(
            f"SOURCE_DATE_EPOCH {epoch!r} is not a time: set it to a whole number of seconds since 1970-01-01 UTC"
        ) from None


def resolve_build_time(environ: Mapping[str, str]) -> str:
    """SOURCE_DATE_EPOCH as RFC 3339 (UTC, whole seconds), or "" when it is not set."""
    epoch = source_date_epoch(environ)
    return epoch.strftime("%Y-%m-%dT%H:%M:%SZ") if epoch else ""


_TYPE_NAMES = {str: "a string", bool: "true or false", int: "a whole number"}


def base_url_problem(value: str) -> str | None:
    try:
        parts = urlsplit(value)
        parts.port  # reading it checks it: a number from 0 to 65535
    except ValueError:  # an unclosed [IPv6 address], a port that is no number or out of range
        return "is not a valid address: check the host and the port; an example is https://example.org/archive/"
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "must be an absolute http(s) address such as https://example.org/archive/"
    if parts.query or parts.fragment:
        return "must not have a query or a fragment"
    char = first_disallowed(value)
    if char is not None:
        return f"must not contain {describe(char)}: every link, the feed and the sitemap start with it"
    # Every link starts with the path, and a browser reads a link starting with two
    # slashes, or a slash and a backslash, as an address on another host: pages
    # would load their script and styles from there.
    if "\\" in value:
        return "must not contain a backslash: browsers read it as a slash; write / instead"
    if parts.path.startswith("//"):
        return "must not have a path starting with // : links starting so lead to another host; write a single /"
    unsafe = sorted({char for char in value if char.isspace() or char in _NOT_IN_URLS})
    if unsafe:
        return f"must not contain {' '.join(map(repr, unsafe))}: write such characters percent-encoded (%20 for a space)"
    return None


_NOT_IN_URLS = frozenset('"<>^`{|}')  # characters RFC 3986 allows nowhere in an address


# A BCP 47 language tag as a page's `lang` and the search index use it: a
# primary language of 2 to 8 letters, then subtags of 1 to 8 letters or digits
# ("en", "pt-BR", "zh-Hant-TW", "sr-Latn-RS"). 35 characters is the length
# every implementation must accept (RFC 5646, section 4.4.1).
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")
_LANGUAGE_TAG_MAX = 35


def is_language_tag(value: str) -> bool:
    return len(value) <= _LANGUAGE_TAG_MAX and _LANGUAGE_TAG.fullmatch(value) is not None
_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


def cname_problem(value: str) -> str | None:
    """Why `value` cannot go in GitHub Pages' CNAME file, which holds one host name."""
    labels = value.split(".")
    if len(value) <= 253 and len(labels) >= 2 and all(_HOST_LABEL.fullmatch(label) for label in labels):
        return None
    try:  # an address or a host with a port: suggest the host alone
        host = urlsplit(value.strip() if "//" in value else "//" + value.strip()).hostname
    except ValueError:
        host = None
    hint = f"; write {host!r}" if host and host != value and cname_problem(host) is None else ""
    return (
        "must be a host name such as archive.example.org (letters, digits and hyphens between dots, "
        f"with no scheme, port, path or spaces){hint}"
    )


def normalise_base_url(value: str) -> str:
    return value if value.endswith("/") else value + "/"


def _closest(name: str, candidates: list[str]) -> str:
    match = difflib.get_close_matches(name, candidates, n=1, cutoff=0.5)
    if match:
        return f"; did you mean `{match[0]}`?"
    return f"; valid keys are: {', '.join(candidates)}"


def _validate_section(cls, table: dict[str, Any], section: str, where, errors: list[Diagnostic]):
    hints = get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in names:
            errors.append(where(f"unknown key `{section}.{key}`{_closest(key, names)}", section, key))
            continue
        expected = hints[key]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            errors.append(
                where(
                    f"`{section}.{key}` must be {_TYPE_NAMES[expected]}, not {kind_of(value)} {value!r}",
                    section,
                    key,
                )
            )
            continue
        char = first_disallowed(value) if isinstance(value, str) else None
        if char is not None:
            errors.append(where(f"`{section}.{key}` contains {describe(char)}, which no page or feed can hold: remove it", section, key))
            continue
        unclosed = unclosed_direction(value) if isinstance(value, str) else None
        if unclosed is not None:
            errors.append(where(f"`{section}.{key}` turns the writing direction with {unclosed}: "
                                "the text after it on a page would be turned around; close it or remove it", section, key))  # fmt: skip
            continue
        values[key] = value
    for f in dataclasses.fields(cls):
        if f.default is REQUIRED and f.name not in table:
            errors.append(where(f"missing required key `{section}.{f.name}`: add it under [{section}]", section))
    return values


def parse_settings(text: str, path: str = CONFIG_FILE) -> Settings:
    """Validate the text of a `site.toml`; raise ContentError with every problem."""
    try:
        data = parse_toml(text)
    except SourceError as exc:
        raise ContentError([Diagnostic(path, exc.line, exc.message)]) from None
    positions = toml_positions(text)
    errors: list[Diagnostic] = []

    def where(message: str, *key_path: str) -> Diagnostic:
        return Diagnostic(path, positions.line_of(*key_path, default=1), message)

    hints = get_type_hints(Settings)
    sections = {f.name: hints[f.name] for f in dataclasses.fields(Settings) if dataclasses.is_dataclass(hints[f.name])}
    built: dict[str, Any] = {}
    for name, value in data.items():
        if name not in sections:
            errors.append(where(f"unknown section `[{name}]`{_closest(name, list(sections))}", name))
        elif not isinstance(value, dict):
            errors.append(where(f"`{name}` must be a table: write it as a [{name}] section", name))
    site_table = data.get("site")
    if isinstance(site_table, dict) and type(site_table.get("citation_access_date")) is dt.date:
        # A day written as a TOML date (no quotes) is the day it names, as "2026-11-29" is.
        site_table["citation_access_date"] = site_table["citation_access_date"].isoformat()
    for name, cls in sections.items():
        table = data.get(name, {})
        if isinstance(table, dict):
            built[name] = _validate_section(cls, table, name, where, errors)

    site_values = built.get("site", {})
    if "base_url" in site_values:
        problem = base_url_problem(site_values["base_url"])
        if problem:
            errors.append(where(f"`site.base_url` {problem}", "site", "base_url"))
        else:
            site_values["base_url"] = normalise_base_url(site_values["base_url"])
    language = site_values.get("language")
    if language is not None and not is_language_tag(language):
        errors.append(where(f'[site] language {json.dumps(language, ensure_ascii=False)} is not a language tag such as "en" or "pt-BR"', "site", "language"))
    timeout = built.get("search", {}).get("timeout")
    if timeout is not None and timeout < 1:
        errors.append(where(f"`search.timeout` must be a number of seconds, 1 or more, not {timeout}", "search", "timeout"))
    shard_pages = built.get("search", {}).get("shard_pages")
    if shard_pages is not None and shard_pages < 1:
        errors.append(where(f"`search.shard_pages` must be a number of pages, 1 or more (4000 by default), not {shard_pages}", "search", "shard_pages"))
    cname = site_values.get("cname")
    if cname:
        problem = cname_problem(cname)
        if problem:
            errors.append(where(f"`site.cname` {cname!r} {problem}", "site", "cname"))
    access = site_values.get("citation_access_date")
    if access is not None and access not in ACCESS_DATE_WORDS and not is_iso_day(access):
        errors.append(where(
            f'`site.citation_access_date` {json.dumps(access, ensure_ascii=False)} must be a day such as "2026-11-29", '
            '"build" (the day of the build) or "none"', "site", "citation_access_date"))  # fmt: skip
    errors += _data_problems(built.get("data", {}), where)
    output = built.get("build", {}).get("output")
    if output is not None and not output.strip():
        errors.append(where("`build.output` must name a folder, such as \"_site\"", "build", "output"))

    if errors:
        raise ContentError(sorted(errors, key=lambda d: d.sort_key))
    return Settings(**{name: sections[name](**values) for name, values in built.items()})


def _data_problems(values: dict[str, Any], where) -> list[Diagnostic]:
    """The licence is shown on one line of the /data/ page and links to its text."""
    problems = []
    licence = values.get("licence", "")
    if (licence and not licence.strip()) or "\n" in licence or "\r" in licence:
        problems.append(where(f"`data.licence` {licence!r} must name the licence on one line, such as \"CC BY 4.0\"", "data", "licence"))
    licence_url = values.get("licence_url", "")
    if licence_url:
        try:
            parts = urlsplit(licence_url)
        except ValueError:  # an unclosed [IPv6 address]
            parts = urlsplit("")
        if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in licence_url):
            problems.append(where(
                f"`data.licence_url` {licence_url!r} must be an absolute http(s) address such as "
                "https://creativecommons.org/licenses/by/4.0/", "data", "licence_url"))  # fmt: skip
        elif not licence:
            problems.append(where("`data.licence_url` needs `data.licence`, the licence's name, to link from", "data", "licence_url"))
    return problems


def load_settings(root: Path) -> Settings:
    config_path = root / CONFIG_FILE
    if not config_path.is_file():
        raise ContentError(
            [Diagnostic(CONFIG_FILE, None, f"no {CONFIG_FILE} in {root}: run sitegen in the archive's folder or pass --root")]
        )
    try:
        text = read_text(config_path)
    except SourceError as exc:
        raise ContentError([Diagnostic(CONFIG_FILE, exc.line, exc.message)]) from None
    return parse_settings(text)
