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
one transaction, sorted inserts, indexes after), so the same archive gives
the same bytes. The rows of articles and mentions, by far the most, are
made per article (`ArticleRowsIndex`): a long-lived builder keeps them and
makes again only those of the articles that changed, and the files are
written from them by the csv module and SQLite without a line of Python per
row. The entities' and the timeline's rows are streamed, each table's in one
pass that feeds its text file and the SQLite file together.
"""

from __future__ import annotations

import collections
import csv
import errno
import io
import itertools
import json
import operator
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Set
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, NamedTuple
from urllib.parse import urljoin

from sitegen.model.models import Archive, Article, Entity
from sitegen.model.urls import Urls
from sitegen.pipeline.annotate import AnnotatedArticle
from sitegen.pipeline.cards import ArticleComparisons, PlacedEvent, annotations_by_place, annotations_moved, articles_changed
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


def _mentions_of(article: Article, annotation: AnnotatedArticle, known: Set[str], url: str) -> Iterator[MentionRecord]:
    """The entities `article` names or lists, among the `known` ones, by id."""
    mentions = {m.entity_id: m for m in annotation.mentions}
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


# --- rows -------------------------------------------------------------------------------------
#
# A row is a tuple of one record's values in column order, as SQLite stores
# them: text, integers, None, and a list as the text of its JSON array. The
# CSV form of a row differs only where a text cell looks like a formula
# (`csv_row` returns the very same tuple otherwise), and the JSON files are
# written from the rows too. Rows are small tuples of strings and integers:
# a long-lived builder keeps each article's (`ArticleRows`) and makes them
# again only for the articles that changed.


def _json_list(value: tuple[str, ...] | None) -> str | None:
    return None if value is None else json.dumps(list(value), ensure_ascii=False)


def _as_is(value: Any) -> Any:
    return value


_ROW_VALUES = {TEXT: _as_is, INTEGER: _as_is, NUMBER: _as_is, LIST: _json_list}

Row = tuple[Any, ...]


def row_reader(table: Table) -> Callable[[Any], Row]:
    """The row of one record of `table`."""
    readers = [(column.value, _ROW_VALUES[column.type]) for column in table.columns]
    return lambda record: tuple([convert(read(record)) for read, convert in readers])


def table_rows(table: Table, records: Iterable[Any]) -> Iterator[Row]:
    return map(row_reader(table), records)


def _csv_text(value: str | None) -> str | None:
    return "'" + value if value is not None and value.startswith(FORMULA_STARTS) else value


def csv_row(table: Table, row: Row) -> Row:
    """`row` as the CSV file writes it (None is an empty cell): a text cell a
    spreadsheet would run as a formula gets an apostrophe before it."""
    if not any(type(value) is str and value.startswith(FORMULA_STARTS) for value in row):
        return row
    return tuple(_csv_text(value) if column.type == TEXT else value for column, value in zip(table.columns, row))


class ArticleRows(NamedTuple):
    """One article's row of `articles` and its rows of `mentions`, each also in its CSV form."""

    article: Row
    article_csv: Row
    mentions: tuple[Row, ...]
    mentions_csv: tuple[Row, ...]


_ARTICLE_ROW = row_reader(ARTICLES)
_MENTION_ROW = row_reader(MENTIONS)


def article_rows(article: Article, annotation: AnnotatedArticle, known: Set[str], urls: Urls) -> ArticleRows:
    url = urls.absolute(urls.article_path(article.slug))
    row = _ARTICLE_ROW(ArticleRecord(article, url))
    mentions = tuple(map(_MENTION_ROW, _mentions_of(article, annotation, known, url)))
    mentions_csv = tuple(csv_row(MENTIONS, m) for m in mentions)
    # Nearly always the very same rows: then one tuple serves both forms.
    mentions_csv = mentions if all(map(operator.is_, mentions, mentions_csv)) else mentions_csv
    return ArticleRows(row, csv_row(ARTICLES, row), mentions, mentions_csv)


class ArticleRowsIndex:
    """Every article's rows, kept between the builds of a long-lived builder.

    An article whose parsed source and annotation are the objects of the last
    build keeps its rows; one that changed gets them made again, and keeps
    the previous `ArticleRows` object when they are equal (a typo fixed on a
    line that names no entity): whoever keys on these objects by identity
    sees no change. While the articles are the same slugs in the same order,
    only the places holding another article or annotation are looked at, and
    when none of their rows changed the list is the very list of the last
    build. A change of the URLs or of the set of entity ids makes every
    article's rows again.
    """

    def __init__(self, comparisons: ArticleComparisons | None = None) -> None:
        self.comparisons = comparisons  # shared with the plan's other indexes (see ArticleComparisons)
        self.context: tuple = ()
        self.by_slug: dict[str, tuple[Article, AnnotatedArticle, ArticleRows]] = {}
        self.articles: tuple[Article, ...] | None = None
        self.annotations: list[AnnotatedArticle] = []  # by place in `articles`
        self.rows: list[ArticleRows] = []  # by slug
        self.place: dict[str, int] = {}  # of each slug in `rows`
        self.looked_at = 0  # articles the last update looked at

    def update(self, archive: Archive, annotated: Mapping[str, AnnotatedArticle], urls: Urls) -> list[ArticleRows]:
        """The rows of every article, by slug."""
        known = frozenset(entity.id for entity in archive.entities)
        context = (urls, known)
        articles = archive.articles
        annotations = annotations_by_place(articles, annotated, self.comparisons)
        places = articles_changed(articles, self.articles, self.comparisons) if context == self.context else None
        if places is not None:
            rows, made = self.rows, {}
            places = sorted({*places, *annotations_moved(annotations, self.annotations, self.comparisons)})
            for place in places:
                article, annotation = articles[place], annotations[place]
                new, old = article_rows(article, annotation, known, urls), rows[self.place[article.slug]]
                if new == old:
                    new = old
                elif rows is self.rows:
                    rows = list(rows)
                rows[self.place[article.slug]] = new
                made[article.slug] = (article, annotation, new)
            self.by_slug.update(made)
            self.articles, self.annotations, self.rows, self.looked_at = articles, annotations, rows, len(places)
            return rows
        previous = self.by_slug if context == self.context else {}
        current: dict[str, tuple[Article, AnnotatedArticle, ArticleRows]] = {}
        for article in _by_slug(archive):
            annotation = annotated[article.slug]
            old = previous.get(article.slug)
            if old is not None and old[0] is article and old[1] is annotation:
                current[article.slug] = old
                continue
            rows = article_rows(article, annotation, known, urls)
            if old is not None and old[2] == rows:
                rows = old[2]
            current[article.slug] = (article, annotation, rows)
        self.context, self.by_slug = context, current
        self.articles, self.annotations, self.rows = articles, annotations, [rows for _, _, rows in current.values()]
        self.place, self.looked_at = {slug: place for place, slug in enumerate(current)}, len(articles)
        return self.rows


# --- formats ---------------------------------------------------------------------------------


# What json.dumps(value, ensure_ascii=False) writes, without making an encoder for each value.
_json_value = json.JSONEncoder(ensure_ascii=False).encode


class JsonArray:
    """A JSON array of one object per row, each on its own line, keys in column order."""

    def __init__(self, table: Table):
        self.table = table
        self.keys = [json.dumps(column.name) + ": " for column in table.columns]
        self.lists = [column.type == LIST for column in table.columns]
        self.lines = [b"["]  # each encoded as it is added: its text alone would be held two bytes a character

    def add(self, row: Row) -> None:
        # A list is already the text of its JSON array (and None is null in both forms).
        cells = [
            key + (value if is_list and value is not None else _json_value(value))
            for key, is_list, value in zip(self.keys, self.lists, row)
        ]
        self.lines.append(("{" + ", ".join(cells) + "}").encode("utf-8"))

    def bytes(self) -> bytes:
        out = io.BytesIO()  # whose value is taken without a copy
        out.write(self.lines[0] + b"\n")
        for line in itertools.islice(self.lines, 1, len(self.lines) - 1):
            out.write(line + b",\n")
        if len(self.lines) > 1:
            out.write(self.lines[-1] + b"\n")
        out.write(b"]\n")
        return out.getvalue()


class CsvTable:
    """UTF-8 CSV (RFC 4180: CRLF line ends, quotes where a cell needs them) with a header row.

    Encoded as it is written, into bytes that `bytes` returns without a copy:
    text written to a StringIO is held two bytes a character as soon as one
    is not Latin-1 (a curly quote in a sentence), then copied to be encoded,
    five times the size of the file at once (the mentions, some 1 KiB an article)."""

    def __init__(self, table: Table):
        self.table = table
        self.out = io.BytesIO()
        self.text = io.TextIOWrapper(self.out, encoding="utf-8", newline="")
        self.writer = csv.writer(self.text, lineterminator="\r\n")
        self.header = [column.name for column in table.columns]
        self.writer.writerow(self.header)
        # The first row, kept as given for the /data/ page's example: read back from the
        # bytes, a cell longer than the csv module reads (128 KiB: a title that long is
        # the author's to write) stopped the build.
        self.first_row: Row | None = None

    def add_csv_rows(self, rows: Iterable[Row]) -> None:
        """Rows already in their CSV form (`csv_row`)."""
        if self.first_row is None:
            rows = iter(rows)
            self.first_row = next(rows, None)
            if self.first_row is None:
                return
            self.writer.writerow(self.first_row)
        self.writer.writerows(rows)

    def bytes(self) -> bytes:
        self.text.flush()
        return self.out.getvalue()



TextFile = JsonArray | CsvTable


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


def sqlite_database(tables: Iterable[tuple[Table, Iterable[Row]]]) -> bytes:
    """One SQLite file holding `tables` (each with its rows), the same bytes for the same rows and SQLite version.

    Made in a temporary file (rows stream to disk, not to memory) with a fixed
    page size, no journal and no syncing, in one transaction: tables filled
    in key order, then their indexes. The same statements in the same order
    leave the same pages, and SQLite writes no time into a database file, so
    no VACUUM is needed (nothing is ever deleted: the file has no free pages).
    A temporary folder that is full or cannot be written is an OSError, as
    for any file.
    """
    with tempfile.TemporaryDirectory(prefix="sitegen-data-") as folder:
        path = Path(folder) / "archive.sqlite"
        try:
            _fill_database(path, tables)
        except sqlite3.IntegrityError:
            raise  # two rows of one key: a fault of sitegen's, not of the disk
        except sqlite3.Error as exc:  # the disk of the temporary folder, not the archive
            code = errno.ENOSPC if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL else errno.EIO
            raise OSError(code, f"{exc} (SQLite)", str(path)) from exc
        return path.read_bytes()


def _fill_database(path: Path, tables: Iterable[tuple[Table, Iterable[Row]]]) -> None:
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
            connection.executemany(f'INSERT INTO "{table.name}" VALUES ({marks})', rows)
        for statement in indexes:
            connection.execute(statement)
        connection.execute("COMMIT")
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


# The files of data/, in the order `data_files` makes them.
DATA_FILE_NAMES = ("entities.json", "articles.csv", "mentions.csv", "timeline.json", "archive.sqlite")


def data_files(
    archive: Archive,
    articles_rows: list[ArticleRows],
    timeline: tuple[TimelineEntry, ...],
    events: list[PlacedEvent],
    urls: Urls,
    names: Iterable[str] = DATA_FILE_NAMES,
) -> list[DataFile]:
    """Every file of `data/` (or those of `names`), in the order the /data/ page
    lists them, from `articles_rows`, the rows of every article by slug
    (`ArticleRowsIndex`). Made one name at a time, only the file asked for is
    held, not all five: a single build writes them so (see pages.py)."""
    wanted = set(names)
    entities, articles, mentions, timeline_file = JsonArray(ENTITIES), CsvTable(ARTICLES), CsvTable(MENTIONS), JsonArray(TIMELINE)
    texts = [text for name, text in zip(DATA_FILE_NAMES, (entities, articles, mentions, timeline_file)) if name in wanted]
    # The CSV forms are ready: the csv module writes them without a line of Python per row.
    if articles in texts:
        articles.add_csv_rows(rows.article_csv for rows in articles_rows)
    if mentions in texts:
        mentions.add_csv_rows(itertools.chain.from_iterable(rows.mentions_csv for rows in articles_rows))
    # The JSON files are written as their rows pass into the database, or alone when it is not asked for.
    entity_rows = table_rows(ENTITIES, entity_records(archive, urls))
    event_rows = table_rows(TIMELINE, event_records(timeline, events, urls))
    if entities in texts:
        entity_rows = _written_as_they_pass(entity_rows, entities)
    if timeline_file in texts:
        event_rows = _written_as_they_pass(event_rows, timeline_file)
    database = None
    if DATA_FILE_NAMES[-1] in wanted:
        database = sqlite_database(
            [
                (ENTITIES, entity_rows),
                (ARTICLES, (rows.article for rows in articles_rows)),
                (MENTIONS, itertools.chain.from_iterable(rows.mentions for rows in articles_rows)),
                (TIMELINE, event_rows),
            ]
        )
    else:  # no database for the JSON files' rows to pass into
        for text, rows in ((entities, entity_rows), (timeline_file, event_rows)):
            if text in texts:
                collections.deque(rows, maxlen=0)
    files = [
        DataFile(name, "JSON" if isinstance(text, JsonArray) else "CSV", text.table, text.bytes(), example_of(text))
        for name, text in zip(DATA_FILE_NAMES, (entities, articles, mentions, timeline_file))
        if text in texts
    ]
    return [*files, DataFile(DATA_FILE_NAMES[-1], "SQLite", None, database)] if database is not None else files


def _written_as_they_pass(rows: Iterable[Row], text: JsonArray) -> Iterator[Row]:
    for row in rows:
        text.add(row)
        yield row


def example_of(text: TextFile) -> str:
    """The first row of a file, as a file of that row alone would write it, to be read on the /data/ page."""
    if isinstance(text, JsonArray):
        return json.dumps(json.loads(text.lines[1]), ensure_ascii=False, indent=2) if len(text.lines) > 1 else ""
    if text.first_row is None:
        return ""
    one_row = io.StringIO()
    csv.writer(one_row, lineterminator="\r\n").writerows([text.header, text.first_row])
    header_line, _, row = one_row.getvalue().partition("\r\n")
    return f"{header_line}\n{row}".replace("\r\n", "\n")


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


def data_file_views(files: list[DataFile], urls: Urls, sizes: Iterable[int] | None = None) -> tuple[DataFileView, ...]:
    """The /data/ page's view of `files`, whose bytes are `sizes` long (by default, as long as their data)."""
    tables = [file.table for file in files if file.table is not None]
    views = []
    for file, size in zip(files, sizes if sizes is not None else (len(file.data) for file in files), strict=True):
        url = urls.url(DATA_FOLDER + file.name)
        if file.table is None:
            meaning = "Every table above in one SQLite database: " + ", ".join(t.name for t in tables) + "."
            schema = ";\n".join(statement for table in tables for statement in sql_schema(table)) + ";"
            views.append(DataFileView(file.name, url, file.format, file_size(size), meaning, (), "", schema))
            continue
        columns = tuple(ColumnView(c.name, c.type, c.meaning) for c in file.table.columns)
        views.append(DataFileView(file.name, url, file.format, file_size(size), file.table.meaning, columns, file.example, ""))
    return tuple(views)
