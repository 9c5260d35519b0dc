"""Saved articles -> Markdown articles with front matter: `sitegen import`.

Two kinds of input:

* plain text, as copied from a page: a date line and a title (in either
  order), then paragraphs separated by blank lines. Credit lines starting
  with "©" are dropped, and paragraphs the source ran together without a
  space ("he said.Iraqi forces") are separated again.
* saved HTML pages: title, date, source and authors come from the page's
  metadata (`<meta property="article:published_time">` and Open Graph tags,
  JSON-LD, `<time datetime>`, `<h1>`, `<title>`); the body from the
  `articleBody`, `<article>` or `<main>` element, converted to Markdown by
  `html_text`.

Nothing is guessed silently: a date without a year needs `--year`, and every
import reports where each value came from. Parsing is pure (text in,
`ImportedArticle` out); `import_file` reads and writes one file, and
`import_files` a batch, in which a file that fails never stops the others.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Iterator

from sitegen.authoring.html_text import (
    Element,
    body_root,
    clean_url,
    escape_inline,
    escape_line_starts,
    markdown_blocks,
    parse_html_tree,
    squash,
    to_paragraph,
)
from sitegen.authoring.scaffold import (
    AuthoringError,
    NewFile,
    article_path,
    check_new_article,
    create_file,
    date_value,
    file_slug,
    front_matter,
    quoted,
    quoted_list,
    require_archive,
)
from sitegen.model.characters import clean_text
from sitegen.model.dates import MONTHS


class ImportProblem(Exception):
    """A file that cannot be imported; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Finding:
    what: str  # title, date, source, …
    value: str
    how: str  # where it was found


@dataclass(frozen=True, slots=True)
class ImportedArticle:
    title: str
    date: str  # as written in the front matter: YYYY-MM-DD or a date-time with offset
    day: dt.date
    paragraphs: tuple[str, ...]  # Markdown blocks
    kind: str  # "plain text" or "HTML"
    source: str = ""
    url: str = ""
    authors: tuple[str, ...] = ()
    summary: str = ""
    found: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()  # what was dropped, repaired or doubtful

    @property
    def slug(self) -> str:
        return file_slug(self.title)

    @property
    def path(self) -> str:
        return article_path(self.day, self.slug)

    @property
    def markdown(self) -> str:
        fields = [("title", quoted(self.title)), ("date", date_value(self.date))]
        if self.source:
            fields.append(("source", quoted(self.source)))
        if self.url:
            fields.append(("url", quoted(self.url)))
        if self.authors:
            fields.append(("authors", quoted_list(self.authors)))
        if self.summary:
            fields.append(("summary", quoted(self.summary)))
        return front_matter(fields) + "\n" + "\n\n".join(self.paragraphs) + "\n"


# --- dates as written in text -----------------------------------------------------------

_MONTH_NUMBERS = {name.lower(): number for number, name in enumerate(MONTHS, 1)}
_MONTH_NUMBERS.update({name[:3].lower(): number for number, name in enumerate(MONTHS, 1)})
_MONTH_NUMBERS["sept"] = 9
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY_NUMBERS = {name.lower(): number for number, name in enumerate(_WEEKDAYS)}
_WEEKDAY_NUMBERS.update({name[:3].lower(): number for number, name in enumerate(_WEEKDAYS)})
_WEEKDAY_NUMBERS.update({"tues": 1, "wednes": 2, "thur": 3, "thurs": 3})
_PREFIX = r"(?:(?:published|posted|dated)(?:\s+on)?:?\s+)?"
_WEEKDAY = r"(?:(?P<weekday>[A-Za-z]+)\.?,?\s+)?"
_YEAR = r"(?:,?\s+(?P<year>\d{4}))?\.?"
_DATE_LINES = (
    re.compile(rf"^{_PREFIX}{_WEEKDAY}(?P<month>[A-Za-z]+)\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?{_YEAR}$", re.I),
    re.compile(rf"^{_PREFIX}{_WEEKDAY}(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>[A-Za-z]+)\.?{_YEAR}$", re.I),
    re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})$"),
)


@dataclass(frozen=True, slots=True)
class TextDate:
    """A date as a line of text gives it: the year may be missing."""

    month: int
    day: int
    year: int | None = None
    weekday: int | None = None  # 0 = Monday


def parse_date_line(line: str) -> TextDate | None:
    """`Tuesday, August 16`, `16 August 2016`, `Aug. 16, 2016`, `2016-08-16`; None if the line is no date."""
    text = " ".join(line.split())
    for pattern in _DATE_LINES:
        found = pattern.match(text)
        if not found:
            continue
        month = found.group("month")
        month_number = int(month) if month.isdigit() else _MONTH_NUMBERS.get(month.lower())
        weekday = found.groupdict().get("weekday")
        weekday_number = _WEEKDAY_NUMBERS.get(weekday.lower()) if weekday else None
        if month_number is None or (weekday and weekday_number is None):
            continue
        year = found.group("year")
        return TextDate(month_number, int(found.group("day")), int(year) if year else None, weekday_number)
    return None


def resolve_text_date(line: str, found: TextDate, year: int | None, notes: list[str]) -> tuple[dt.date, str]:
    """The day a date line means, with how it was found; asks for --year rather than guessing."""
    if found.year is None:
        if year is None:
            raise ImportProblem(
                f"the date line “{line}” has no year: pass --year YYYY (such as --year {dt.date.today().year}) "
                "to say which year it is; sitegen does not guess"
            )
        chosen, how = year, f"date line “{line}”, year from --year"
    else:
        chosen, how = found.year, f"date line “{line}”"
        if year is not None and year != found.year:
            notes.append(f"the date line gives the year {found.year}; --year {year} was not used for it")
    try:
        day = dt.date(chosen, found.month, found.day)
    except ValueError:
        raise ImportProblem(f"the date line “{line}” in {chosen} is not a real calendar date: correct the line or --year") from None
    if found.weekday is not None and found.weekday != day.weekday():
        notes.append(
            f"the date line says {_WEEKDAYS[found.weekday]}, but {day.isoformat()} is a {_WEEKDAYS[day.weekday()]}: "
            "check the year, and correct `date:` if it is wrong"
        )
    return day, how


# --- plain text ---------------------------------------------------------------------------

# "he said.Iraqi forces": a sentence end, perhaps a closing quote, then a capitalised word, no space.
_RUN_TOGETHER = re.compile(r"(?<=[a-z0-9%)][.!?])([”’]?)(?=[A-Z][a-z])")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def parse_text_article(text: str, *, year: int | None = None, source: str = "") -> ImportedArticle:
    text = clean_text(text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))
    blocks: list[list[str]] = [[]]
    for raw in text.split("\n"):
        line = " ".join(raw.split())
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    lines = [line for block in blocks for line in block]
    if len(lines) < 2:
        raise ImportProblem("the file has no date line and title: plain-text articles start with a date line and the title")
    first, second = lines[0], lines[1]
    if (date_found := parse_date_line(first)) is not None:
        date_line, title, title_how = first, second, "the line after the date line"
    elif (date_found := parse_date_line(second)) is not None:
        date_line, title, title_how = second, first, "the first line"
    else:
        raise ImportProblem(
            f"no date line at the top (the first lines are “{_short(first)}” and “{_short(second)}”): "
            "start the file with a date line such as “August 16, 2016” and the title, then the text"
        )
    notes: list[str] = []
    day, date_how = resolve_text_date(date_line, date_found, year, notes)

    paragraphs: list[str] = []
    header = 2  # the date line and the title
    for block in blocks:
        kept = block[header:]
        header = max(0, header - len(block))
        if not kept:
            continue
        paragraph = " ".join(kept)
        if paragraph.startswith("©"):
            notes.append(f"dropped the credit line “{_short(paragraph)}”")
            continue
        parts = _RUN_TOGETHER.sub(lambda m: m.group(1) + "\n\n", paragraph).split("\n\n")
        for left, right in zip(parts, parts[1:]):
            notes.append(f"separated two paragraphs the source ran together: “…{left[-30:]}” | “{right[:30]}…”")
        paragraphs.extend(to_paragraph(part) for part in parts)
    if not paragraphs:
        raise ImportProblem("the file has a date line and a title but no text after them")
    found = [Finding("title", title, title_how), Finding("date", day.isoformat(), date_how)]
    source = " ".join(source.split())
    found.append(Finding("source", source, "--source") if source else Finding("source", "", "none: pass --source NAME"))
    found.append(Finding("paragraphs", str(len(paragraphs)), "blocks separated by blank lines"))
    return ImportedArticle(
        title=title, date=day.isoformat(), day=day, paragraphs=tuple(paragraphs), kind="plain text",
        source=source, found=tuple(found), notes=tuple(notes),
    )  # fmt: skip


# --- HTML: metadata -------------------------------------------------------------------------

_ARTICLE_TYPES = {
    "Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
    "BackgroundNewsArticle", "ReviewNewsArticle", "BlogPosting", "LiveBlogPosting", "Report", "TechArticle",
}  # fmt: skip
_DATE_METAS = ("date", "dc.date", "dcterms.date", "dc.date.issued", "pubdate", "publishdate", "datepublished", "parsely-pub-date")


def _json_ld(root: Element, notes: list[str]) -> dict[str, Any]:
    """The first JSON-LD object that describes an article (or has a headline or date)."""
    objects: list[dict[str, Any]] = []
    for element in root.iter():
        if element.tag == "script" and element.attrs.get("type", "").strip().lower() == "application/ld+json":
            try:
                pending = [json.loads(element.text())]
            except ValueError:
                notes.append("a JSON-LD block is not valid JSON and was ignored")
                continue
            except RecursionError:
                notes.append("a JSON-LD block is nested too deeply to read and was ignored")
                continue
            while pending:  # objects in document order, with those of each `@graph`
                value = pending.pop()
                if isinstance(value, list):
                    pending.extend(reversed(value))
                elif isinstance(value, dict):
                    objects.append(value)
                    pending.append(value.get("@graph"))

    def types(obj: dict[str, Any]) -> set[str]:
        kind = obj.get("@type", ())
        return {kind} if isinstance(kind, str) else {k for k in kind if isinstance(k, str)} if isinstance(kind, list) else set()

    for obj in objects:
        if types(obj) & _ARTICLE_TYPES:
            return obj
    for obj in objects:
        if "headline" in obj or "datePublished" in obj:
            return obj
    return {}


def _ld_text(value: Any) -> str:
    """A JSON-LD value as text: a string, an object's name or id, a list's first item."""
    while True:
        if isinstance(value, str):
            return squash(value)
        if isinstance(value, dict):
            value = value.get("name") or value.get("@id") or ""
        elif isinstance(value, list) and value:
            value = value[0]
        else:
            return ""


def _ld_names(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    names = (_ld_text(item) for item in items)
    return tuple(dict.fromkeys(n for n in names if n and not n.startswith(("http://", "https://"))))


def _machine_date(value: str, notes: list[str], where: str) -> tuple[str, dt.date] | None:
    """A machine-readable date or date-time -> (front-matter text, day)."""
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return text, dt.date.fromisoformat(text)
        except ValueError:
            pass
    else:
        try:
            moment = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        except ValueError:
            moment = None
        if moment is not None:
            if moment.tzinfo is None:
                notes.append(f"the time in {where} ({text}) has no UTC offset: only the day is kept")
                return moment.date().isoformat(), moment.date()
            return moment.isoformat(), moment.date()
    if text:
        notes.append(f"{where} holds {text!r}, which is not a date; it was ignored")
    return None


def _strip_site_name(title: str, site: str) -> str:
    if site:
        for separator in (" | ", " - ", " – ", " — ", " :: ", " · "):
            if title.endswith(separator + site):
                return title[: -len(separator + site)].strip()
            if title.startswith(site + separator):
                return title[len(site + separator) :].strip()
    return title


def parse_html_article(text: str, *, year: int | None = None, source: str = "") -> ImportedArticle:
    root = parse_html_tree(clean_text(text))
    notes: list[str] = []
    metas: dict[str, str] = {}
    links: dict[str, str] = {}
    for element in root.iter():
        if element.tag == "meta":
            key = (element.attrs.get("property") or element.attrs.get("name") or element.attrs.get("itemprop") or "").strip().lower()
            if key and "content" in element.attrs:
                metas.setdefault(key, element.attrs["content"].strip())
        elif element.tag == "link" and "href" in element.attrs:
            for rel in element.attrs.get("rel", "").lower().split():
                links.setdefault(rel, element.attrs["href"].strip())
    ld = _json_ld(root, notes)
    found: list[Finding] = []

    # Source and address first: the title may carry the site's name.
    source = squash(source)
    if source:
        found.append(Finding("source", source, "--source"))
    else:
        for value, how in (
            (metas.get("og:site_name", ""), '<meta property="og:site_name">'),
            (_ld_text(ld.get("publisher")), "JSON-LD publisher"),
            (metas.get("application-name", ""), '<meta name="application-name">'),
        ):
            if squash(value):
                source = squash(value)
                found.append(Finding("source", source, how))
                break
        else:
            found.append(Finding("source", "", "none found: pass --source NAME"))
    url = ""
    for value, how in (
        (links.get("canonical", ""), '<link rel="canonical">'),
        (metas.get("og:url", ""), '<meta property="og:url">'),
        (_ld_text(ld.get("url") or ld.get("mainEntityOfPage")), "JSON-LD url"),
    ):
        if clean_url(value):
            url = clean_url(value)
            found.append(Finding("url", url, how))
            break

    body, body_how = body_root(root)
    h1 = next((e for e in body.iter() if e.tag == "h1"), None) or next((e for e in root.iter() if e.tag == "h1"), None)
    title_tag = next((e for e in root.iter() if e.tag == "title"), None)
    title = ""
    for value, how in (
        (_ld_text(ld.get("headline")), "JSON-LD headline"),
        (metas.get("og:title", ""), '<meta property="og:title">'),
        (metas.get("twitter:title", ""), '<meta name="twitter:title">'),
        (h1.text() if h1 is not None else "", "<h1>"),
        (title_tag.text() if title_tag is not None else "", "<title>"),
    ):
        value = _strip_site_name(squash(value), source)
        if value:
            title = value
            found.append(Finding("title", title, how))
            break
    if not title:
        raise ImportProblem("no title found (looked for JSON-LD headline, og:title, <h1> and <title>): add a <title> to the file")

    candidates: list[tuple[str, str]] = [
        (metas.get("article:published_time", ""), '<meta property="article:published_time">'),
        (ld.get("datePublished", "") if isinstance(ld.get("datePublished"), str) else "", "JSON-LD datePublished"),
    ]
    times = [e for e in body.iter() if e.tag == "time"] + [e for e in root.iter() if e.tag == "time"]
    candidates += [(t.attrs.get("datetime", ""), "<time datetime>") for t in times if t.attrs.get("datetime")]
    candidates += [(metas.get(name, ""), f'<meta name="{name}">') for name in _DATE_METAS]
    date_text, day, date_how = "", None, ""
    for value, how in candidates:
        if not value.strip():
            continue
        parsed = _machine_date(value, notes, how)
        if parsed is None:
            continue
        if day is None:
            (date_text, day), date_how = parsed, how
        elif parsed[1] != day:
            notes.append(f"{how} gives another day, {parsed[1].isoformat()}: check `date:`")
            break
    if day is None:
        for element in times:
            line = squash(element.text())
            text_date = parse_date_line(line) if line else None
            if text_date is not None:
                day, date_how = resolve_text_date(line, text_date, year, notes)
                date_text, date_how = day.isoformat(), f"the text of <time>: {date_how}"
                break
    if day is None:
        raise ImportProblem(
            'no publication date found (looked for <meta property="article:published_time">, JSON-LD datePublished and '
            "<time>): add one of them to the file, or copy the text into a .txt file that starts with a date line"
        )
    found.append(Finding("date", date_text, date_how))

    authors = _ld_names(ld.get("author"))
    if authors:
        found.append(Finding("authors", ", ".join(authors), "JSON-LD author"))
    else:
        for key in ("author", "article:author", "byl"):
            value = squash(metas.get(key, "")).removeprefix("By ").removeprefix("by ")
            if value and not value.startswith(("http://", "https://")):
                authors = (value,)
                found.append(Finding("authors", value, f'<meta name="{key}">'))
                break
    summary = ""
    for value, how in (
        (_ld_text(ld.get("description")), "JSON-LD description"),
        (metas.get("og:description", ""), '<meta property="og:description">'),
        (metas.get("description", ""), '<meta name="description">'),
    ):
        if squash(value):
            summary = squash(value)
            found.append(Finding("summary", _short(summary), how))
            break

    paragraphs, dropped = markdown_blocks(body, url, title)
    if not paragraphs:
        raise ImportProblem(f"no text found in {body_how}: the page may load its text with a script; copy the text into a .txt file")
    found.append(Finding("paragraphs", str(len(paragraphs)), body_how))
    if dropped:
        left_out = ", ".join(f"{what} ×{count}" for what, count in sorted(dropped.items()))
        notes.append(f"left out of the body: {left_out}")
    order = ("title", "date", "source", "url", "authors", "summary", "paragraphs")
    return ImportedArticle(
        title=title, date=date_text, day=day, paragraphs=tuple(paragraphs), kind="HTML", source=source, url=url,
        authors=authors, summary=summary, found=tuple(sorted(found, key=lambda f: order.index(f.what))), notes=tuple(notes),
    )  # fmt: skip


# --- files ------------------------------------------------------------------------------

_HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")


def _decode_html(data: bytes, notes: list[str]) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    declared = re.search(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", data[:4096], re.I)
    encoding = "utf-8"
    if declared:
        try:
            encoding = codecs.lookup(declared.group(1).decode("ascii")).name
        except LookupError:
            notes.append(f"the page declares an unknown character set {declared.group(1).decode('ascii')!r}; read as UTF-8")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        if declared:
            raise ImportProblem(f"the file is not valid {encoding}, as it declares: save the page again, or as UTF-8") from None
        notes.append("the page is not UTF-8 and declares no character set: read as Windows-1252; check accented letters")
        return data.decode("cp1252", errors="replace")


def read_article(path: Path, *, year: int | None = None, source: str = "") -> ImportedArticle:
    """Read one saved article, plain text or HTML (by suffix, or by its first characters)."""
    try:
        if path.exists() and not path.is_dir() and not path.is_file():  # a named pipe would wait for a writer forever
            raise ImportProblem("not a regular file (a named pipe, socket or device): save the article as a file and import that")
        data = path.read_bytes()
    except OSError as exc:
        raise ImportProblem(f"cannot read the file ({exc.strerror or exc}): check the name") from None
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if path.suffix.lower() in _HTML_SUFFIXES or head.startswith((b"<!doctype html", b"<html")):
        notes: list[str] = []
        article = parse_html_article(_decode_html(data, notes), year=year, source=source)
        return article if not notes else _with_notes(article, notes)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportProblem(f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x}): save it as UTF-8") from None
    return parse_text_article(text, year=year, source=source)


def _with_notes(article: ImportedArticle, notes: list[str]) -> ImportedArticle:
    return replace(article, notes=tuple(notes) + article.notes)


def import_file(root: Path, path: Path, *, year: int | None = None, source: str = "") -> tuple[ImportedArticle, Path]:
    """Import one file into the archive at `root`; refuse to overwrite. Raises ImportProblem or AuthoringError."""
    require_archive(root, "import")
    article = read_article(path, year=year, source=source)
    if not article.slug:
        raise ImportProblem(f"the title “{article.title}” has no letters or digits to make a file name from")
    check_new_article(root, article.path, article.slug)
    return article, create_file(root, NewFile(article.path, article.markdown))


@dataclass(frozen=True, slots=True)
class Imported:
    """What became of one file of a batch: the article and where it was written, or why not."""

    source: Path
    article: ImportedArticle | None = None
    written: Path | None = None
    error: str = ""


def import_files(root: Path, paths: Iterable[Path], *, year: int | None = None, source: str = "") -> Iterator[Imported]:
    """Import every file, one after the other; a file that fails never stops the others."""
    for path in paths:
        try:
            article, written = import_file(root, path, year=year, source=source)
        except (ImportProblem, AuthoringError) as exc:
            yield Imported(path, error=str(exc))
        except Exception as exc:  # a page no test foresaw: report it, and go on with the rest
            yield Imported(path, error=f"sitegen failed on this file ({exc!r}): this is a bug in sitegen; please report it with the file")
        else:
            yield Imported(path, article, written)


__all__ = [
    "ImportProblem", "Finding", "ImportedArticle", "TextDate", "parse_date_line", "resolve_text_date", "parse_text_article",
    "parse_html_article", "read_article", "import_file", "Imported", "import_files",
    "escape_inline", "escape_line_starts",  # how imported text is escaped, from html_text
]  # fmt: skip
