"""The archive's annotations as open data: the files under `data/`.

Four tables (articles, entities, mentions, timeline) are described once, as
columns with a name, a type, a meaning and how to read the value from a
record. That one description writes every format: `entities.json` and
`timeline.json` (a JSON array, one object a line), `articles.csv` and
`mentions.csv` (RFC 4180), `archive.sqlite` (all four tables, with keys and
indexes) and the documentation on the /data/ page. A new column is one line
in its table.

`data_files` is pure and deterministic: rows are written in key order (the
timeline's in timeline order), never in the order of a dict or a file
listing, and the SQLite file is made in a fixed way (page size, no journal,
sorted inserts, VACUUM), so the same archive gives the same bytes. Rows are
streamed from generators, each table's in one pass that feeds its text file
and the SQLite file together: an archive of 100,000 articles holds the
files' bytes in memory, never a list of its rows.
"""

from __future__ import annotations

import csv
import errno
import io
import itertools
import json
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, NamedTuple
from urllib.parse import urljoin

from sitegen.model.models import Archive, Article, Entity
from sitegen.model.urls import Urls
from sitegen.pipeline.annotate import AnnotatedArticle
from sitegen.pipeline.cards import PlacedEvent
from sitegen.pipeline.timeline import TimelineEntry

DATA_FOLDER = "data/"

# Column types, as the /data/ page names them. A list is a JSON array of
# strings in every format: in CSV and SQLite the cell holds the array's text
# (SQLite's json_each() reads it, Datasette facets by it).
TEXT, INTEGER, NUMBER, LIST = "text", "integer", "decimal number", "list of text"
_SQL_TYPES = {TEXT: "TEXT", INTEGER: "INTEGER", NUMBER: "REAL", LIST: "TEXT"}

# A spreadsheet runs a cell that starts with one of these as a formula
# (`=HYPERLINK(…)`, `=cmd|…`): in the CSV files such a text cell is written
# with an apostrophe before it, which spreadsheets show as text. JSON and
# SQLite hold every value exactly as written.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str  # TEXT, INTEGER, NUMBER or LIST
    meaning: str
    value: Callable[[Any], Any]  # the value for one record (None: no value)


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    meaning: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # the primary key
    references: tuple[tuple[str, str, str], ...] = ()  # (column, table, its column)
    indexes: tuple[str, ...] = ()  # columns looked up by, besides the key


# --- the records each table reads ------------------------------------------------------------


class EntityRecord(NamedTuple):
    entity: Entity
    url: str


class ArticleRecord(NamedTuple):
    article: Article
    url: str


class MentionRecord(NamedTuple):
    article: Article
    url: str
    entity_id: str
    count: int
    line: int | None
    listed: bool


class EventRecord(NamedTuple):
    entry: TimelineEntry
    placed: PlacedEvent
    url: str


ENTITIES = Table(
    name="entities",
    meaning="Every person, organisation, place and other entity the archive annotates, by id.",
    key=("id",),
    indexes=("kind",),
    columns=(
        Column("id", TEXT, "The entity's id: its file name in content/entities/ and the last part of its page's address.", lambda r: r.entity.id),
        Column("name", TEXT, "The name pages show.", lambda r: r.entity.name),
        Column("kind", TEXT, "person, organization, place, event or other.", lambda r: r.entity.kind),
        Column("aliases", LIST, "Other names the annotation recognises in the text.", lambda r: r.entity.aliases),
        Column("summary", TEXT, "One line about the entity, as its side-notes show it.", lambda r: r.entity.summary),
        Column("url", TEXT, "The address of the entity's page.", lambda r: r.url),
        Column("wikidata", TEXT, "The entity's Wikidata item id, Q and a number (its page: https://www.wikidata.org/wiki/ and the id); empty when it has none.", lambda r: r.entity.wikidata or None),
        Column("same_as", LIST, "Addresses of pages about the same entity elsewhere (authority files, gazetteers), from its same_as.", lambda r: r.entity.same_as),
        Column("latitude", NUMBER, "A place's latitude in decimal degrees, south negative; empty without coordinates.", lambda r: r.entity.coordinates[0] if r.entity.coordinates else None),
        Column("longitude", NUMBER, "A place's longitude in decimal degrees, west negative; empty without coordinates.", lambda r: r.entity.coordinates[1] if r.entity.coordinates else None),
    ),
)  # fmt: skip

ARTICLES = Table(
    name="articles",
    meaning="Every published article, by slug.",
    key=("slug",),
    indexes=("date",),
    columns=(
        Column("slug", TEXT, "The article's slug: the last part of its page's address.", lambda r: r.article.slug),
        Column("title", TEXT, "The article's title.", lambda r: r.article.title),
        Column("date", TEXT, "The publication date, YYYY-MM-DD, or the moment (ISO 8601, with its UTC offset) when the article gives one.", lambda r: r.article.date.iso),
        Column("authors", LIST, "The authors, as the article names them.", lambda r: r.article.authors),
        Column("source", TEXT, "Where the article was first published (a newspaper, an agency).", lambda r: r.article.source),
        Column("url", TEXT, "The address of the article's page in this archive.", lambda r: r.url),
        Column("tags", LIST, "The article's tags, as written.", lambda r: r.article.tags),
        Column("file", TEXT, "The article's source file, relative to the archive: mentions' first_line is a line of it.", lambda r: r.article.pos.path),
    ),
)  # fmt: skip

MENTIONS = Table(
    name="mentions",
    meaning="One row per article and entity it mentions or lists in its front matter.",
    key=("article_slug", "entity_id"),
    references=(("article_slug", "articles", "slug"), ("entity_id", "entities", "id")),
    indexes=("entity_id",),
    columns=(
        Column("article_slug", TEXT, "The article (articles.slug).", lambda r: r.article.slug),
        Column("article_url", TEXT, "The address of the article's page.", lambda r: r.url),
        Column("entity_id", TEXT, "The entity (entities.id).", lambda r: r.entity_id),
        Column("count", INTEGER, "How many times the article's text names the entity; 0 when only its front matter lists it.", lambda r: r.count),
        Column("first_line", INTEGER, "The line of the article's file (articles.file) where the text first names the entity; empty when it never does.", lambda r: r.line),
        Column("listed", INTEGER, "1 when the article's front matter lists the entity (its entities field), else 0.", lambda r: int(r.listed)),
    ),
)  # fmt: skip

TIMELINE = Table(
    name="timeline",
    meaning="Every event of the timeline, in timeline order.",
    key=("id",),
    indexes=("date",),
    columns=(
        Column("id", TEXT, "The event's anchor on the timeline page.", lambda r: r.entry.anchor),
        Column("date", TEXT, "When it happened: YYYY, YYYY-MM or YYYY-MM-DD.", lambda r: r.entry.event.date.iso),
        Column("end", TEXT, "When it ended, for an event over a span of time; empty otherwise.", lambda r: r.entry.event.end.iso if r.entry.event.end else None),
        Column("title", TEXT, "The event's title.", lambda r: r.entry.event.title),
        Column("kind", TEXT, "event, or publication for an article's publication.", lambda r: r.entry.kind),
        Column("description", TEXT, "The description, in Markdown as written.", lambda r: r.entry.event.description),
        Column("entities", LIST, "The entities it involves (entities.id).", lambda r: tuple(sorted(r.placed.entity_ids))),
        Column("articles", LIST, "The articles about it (articles.slug).", lambda r: r.placed.article_slugs),
        Column("url", TEXT, "The address of the event on the timeline.", lambda r: r.url),
    ),
)  # fmt: skip


# --- records, streamed in key order ---------------------------------------------------------


def entity_records(archive: Archive, urls: Urls) -> Iterator[EntityRecord]:
    for entity in archive.entities:  # sorted by id
        yield EntityRecord(entity, urls.absolute(urls.entity_path(entity.id)))


def _by_slug(archive: Archive) -> list[Article]:
    return sorted(archive.articles, key=lambda article: article.slug)


def article_records(archive: Archive, urls: Urls) -> Iterator[ArticleRecord]:
    for article in _by_slug(archive):
        yield ArticleRecord(article, urls.absolute(urls.article_path(article.slug)))


def mention_records(archive: Archive, annotated: Mapping[str, AnnotatedArticle], urls: Urls) -> Iterator[MentionRecord]:
    known = {entity.id for entity in archive.entities}
    for article in _by_slug(archive):
        url = urls.absolute(urls.article_path(article.slug))
        mentions = {m.entity_id: m for m in annotated[article.slug].mentions}
        listed = set(article.entity_ids)
        for entity_id in sorted((set(mentions) | listed) & known):
            mention = mentions.get(entity_id)
            if mention is None:  # listed in the front matter only
                yield MentionRecord(article, url, entity_id, 0, None, True)
            else:
                yield MentionRecord(article, url, entity_id, mention.count, mention.line or None, entity_id in listed)


def event_records(timeline: Iterable[TimelineEntry], events: Iterable[PlacedEvent], urls: Urls) -> Iterator[EventRecord]:
    """`timeline` and the `events` made from it, one for one, in timeline order."""
    for entry, placed in zip(timeline, events, strict=True):
        yield EventRecord(entry, placed, urljoin(urls.base_url, placed.view.url))


# --- formats ---------------------------------------------------------------------------------
#
# Each format is written from rows of values (a list per record, in column
# order), which `table_rows` reads from the records once: the SQLite file and
# the JSON or CSV file of a table are written from the same pass.


def table_rows(table: Table, records: Iterable[Any]) -> Iterator[list[Any]]:
    readers = [column.value for column in table.columns]
    for record in records:
        yield [read(record) for read in readers]


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


class JsonArray:
    """A JSON array of one object per row, each on its own line."""

    def __init__(self, table: Table):
        self.names = [column.name for column in table.columns]
        self.out = io.StringIO()
        self.out.write("[")
        self.separator = "\n"

    def add(self, row: list[Any]) -> None:
        self.out.write(self.separator)
        self.out.write(json.dumps(dict(zip(self.names, map(_plain, row))), ensure_ascii=False))
        self.separator = ",\n"

    def bytes(self) -> bytes:
        return (self.out.getvalue() + "\n]\n").encode("utf-8")


def _csv_text(value: str | None) -> str:
    if value is None:
        return ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_number(value: int | float | None) -> int | float | str:
    return "" if value is None else value


def _csv_list(value: tuple[str, ...] | None) -> str:
    return "" if value is None else json.dumps(list(value), ensure_ascii=False)


_CSV_CELLS = {TEXT: _csv_text, INTEGER: _csv_number, NUMBER: _csv_number, LIST: _csv_list}


class CsvTable:
    """UTF-8 CSV (RFC 4180: CRLF line ends, quotes where a cell needs them) with a header row."""

    def __init__(self, table: Table):
        self.cells = [_CSV_CELLS[column.type] for column in table.columns]
        self.out = io.StringIO()
        self.writer = csv.writer(self.out, lineterminator="\r\n")
        self.writer.writerow([column.name for column in table.columns])

    def add(self, row: list[Any]) -> None:
        self.writer.writerow([cell(value) for cell, value in zip(self.cells, row)])

    def bytes(self) -> bytes:
        return self.out.getvalue().encode("utf-8")


TextFile = JsonArray | CsvTable


def text_file(kind: type[TextFile], table: Table, records: Iterable[Any]) -> bytes:
    written = kind(table)
    for row in table_rows(table, records):
        written.add(row)
    return written.bytes()


def _written_as_they_pass(rows: Iterable[list[Any]], text: TextFile) -> Iterator[list[Any]]:
    for row in rows:
        text.add(row)
        yield row


def sql_schema(table: Table) -> list[str]:
    """CREATE TABLE and CREATE INDEX statements for `table`."""
    lines = [
        f'  "{column.name}" {_SQL_TYPES[column.type]}' + (" NOT NULL" if column.name in table.key else "")
        for column in table.columns
    ]
    lines.append("  PRIMARY KEY (" + ", ".join(f'"{name}"' for name in table.key) + ")")
    lines += [f'  FOREIGN KEY ("{column}") REFERENCES "{other}" ("{key}")' for column, other, key in table.references]
    # A table keyed by several columns is stored in its key's order WITHOUT ROWID:
    # otherwise SQLite keeps the key columns twice, in the table and in its key's index.
    clustered = " WITHOUT ROWID" if len(table.key) > 1 else ""
    statements = [f'CREATE TABLE "{table.name}" (\n' + ",\n".join(lines) + "\n)" + clustered]
    statements += [f'CREATE INDEX "{table.name}_{column}" ON "{table.name}" ("{column}")' for column in table.indexes]
    return statements


def _sql_list(value: tuple[str, ...] | None) -> str | None:
    return None if value is None else json.dumps(list(value), ensure_ascii=False)


def _sql_as_is(value: Any) -> Any:
    return value


_SQL_VALUES = {TEXT: _sql_as_is, INTEGER: _sql_as_is, NUMBER: _sql_as_is, LIST: _sql_list}


def sqlite_database(tables: Iterable[tuple[Table, Iterable[list[Any]]]]) -> bytes:
    """One SQLite file holding `tables` (each with its rows), the same bytes for the same rows and SQLite version.

    Made in a temporary file (rows stream to disk, not to memory) with a fixed
    page size and no journal, tables filled in key order and indexes made
    after, then VACUUMed: the file has no free pages and no trace of how it
    was filled. SQLite writes no time into a database file. A temporary
    folder that is full or cannot be written is an OSError, as for any file.
    """
    with tempfile.TemporaryDirectory(prefix="sitegen-data-") as folder:
        path = Path(folder) / "archive.sqlite"
        try:
            _fill_database(path, tables)
        except sqlite3.Error as exc:  # the disk of the temporary folder, not the archive
            code = errno.ENOSPC if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL else errno.EIO
            raise OSError(code, f"{exc} (SQLite)", str(path)) from exc
        return path.read_bytes()


def _fill_database(path: Path, tables: Iterable[tuple[Table, Iterable[list[Any]]]]) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA page_size = 4096")
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")  # a temporary file: nothing to keep safe on a crash
        connection.execute("BEGIN")
        indexes = []
        for table, rows in tables:
            create_table, *create_indexes = sql_schema(table)
            connection.execute(create_table)
            indexes += create_indexes
            marks = ", ".join("?" for _ in table.columns)
            converters = [_SQL_VALUES[column.type] for column in table.columns]
            values = ([convert(value) for convert, value in zip(converters, row)] for row in rows)
            connection.executemany(f'INSERT INTO "{table.name}" VALUES ({marks})', values)
        for statement in indexes:
            connection.execute(statement)
        connection.execute("COMMIT")
        connection.execute("VACUUM")
    finally:
        connection.close()


# --- the files ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DataFile:
    name: str  # under data/
    format: str
    table: Table | None  # None for the SQLite file, which holds them all
    data: bytes
    example: str = ""  # its first row, for the /data/ page ("" when it has none)


def data_files(
    archive: Archive, annotated: Mapping[str, AnnotatedArticle], timeline: tuple[TimelineEntry, ...], events: list[PlacedEvent], urls: Urls
) -> list[DataFile]:
    """Every file of `data/`, in the order the /data/ page lists them."""

    def sources() -> list[tuple[str, type[TextFile], Table, Iterator[Any]]]:
        return [
            ("entities.json", JsonArray, ENTITIES, entity_records(archive, urls)),
            ("articles.csv", CsvTable, ARTICLES, article_records(archive, urls)),
            ("mentions.csv", CsvTable, MENTIONS, mention_records(archive, annotated, urls)),
            ("timeline.json", JsonArray, TIMELINE, event_records(timeline, events, urls)),
        ]

    texts = [(name, kind(table), table) for name, kind, table, _ in sources()]
    database = sqlite_database(
        (table, _written_as_they_pass(table_rows(table, records), text))
        for (_, _, table, records), (_, text, _) in zip(sources(), texts)
    )
    examples = [text_file(kind, table, itertools.islice(records, 1)) for _, kind, table, records in sources()]
    files = [
        DataFile(name, "JSON" if isinstance(text, JsonArray) else "CSV", table, text.bytes(), example_of(example, text))
        for (name, text, table), example in zip(texts, examples)
    ]
    return [*files, DataFile("archive.sqlite", "SQLite", None, database)]


def example_of(one_row_file: bytes, text: TextFile) -> str:
    """The first row of a file (as a file of that row alone), to be read on the /data/ page."""
    content = one_row_file.decode("utf-8")
    if isinstance(text, JsonArray):
        lines = content.split("\n")
        return json.dumps(json.loads(lines[1]), ensure_ascii=False, indent=2) if lines[1] != "]" else ""
    header, _, row = content.partition("\r\n")
    return f"{header}\n{row}".replace("\r\n", "\n") if row else ""


# --- the /data/ page -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ColumnView:
    name: str
    type: str
    meaning: str


@dataclass(frozen=True, slots=True)
class DataFileView:
    name: str
    url: str
    format: str
    size: str
    meaning: str
    columns: tuple[ColumnView, ...]
    example: str  # the first row as the file writes it
    schema: str  # SQL, for the SQLite file


def file_size(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1_000_000:.1f} MB"


def data_file_views(files: list[DataFile], urls: Urls) -> tuple[DataFileView, ...]:
    tables = [file.table for file in files if file.table is not None]
    views = []
    for file in files:
        url = urls.url(DATA_FOLDER + file.name)
        if file.table is None:
            meaning = "Every table above in one SQLite database: " + ", ".join(t.name for t in tables) + "."
            schema = ";\n".join(statement for table in tables for statement in sql_schema(table)) + ";"
            views.append(DataFileView(file.name, url, file.format, file_size(len(file.data)), meaning, (), "", schema))
            continue
        columns = tuple(ColumnView(c.name, c.type, c.meaning) for c in file.table.columns)
        views.append(DataFileView(file.name, url, file.format, file_size(len(file.data)), file.table.meaning, columns, file.example, ""))
    return tuple(views)
