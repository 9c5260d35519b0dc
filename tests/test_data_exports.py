"""The open data under `data/`: the archive's entities, articles, mentions and
timeline as JSON, CSV and one SQLite file, and the /data/ page that documents
them."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import time

import pytest
from conftest import DEFAULT_SITE_TOML, Archive

from sitegen.cli import main
from sitegen.engine.builder import Builder, BuildOptions
from sitegen.model.errors import ContentError
from sitegen.pipeline.config import parse_settings
from sitegen.pipeline.exports import TEXT, Column, Table, sqlite_database
from sitegen.pipeline.output_survey import RECENT_FOLDER_NS

DATA_FILES = ("entities.json", "articles.csv", "mentions.csv", "timeline.json", "archive.sqlite")

MOSUL = '---\nname: "Mosul"\nkind: place\naliases: ["Mawsil"]\nsummary: "A city in Iraq."\n---\n'
IRAQ = '---\nname: "Iraq"\nkind: place\nsummary: "A country."\n---\n'
ISIS = '---\nname: "Islamic State"\nkind: organization\naliases: ["Isil"]\n---\n'

# The body starts on line 6 of the file: 4 lines of front matter, then a blank line.
SIEGE_BODY = "Fighting near Mosul.\n\nThe army left\nIraq, then Mosul\nand [[isis]] again.\n"


def seed(archive: Archive) -> None:
    archive.write("content/entities/mosul.md", MOSUL)
    archive.write("content/entities/iraq.md", IRAQ)
    archive.write("content/entities/isis.md", ISIS)
    archive.article("siege", title="The siege", date="2016-10-17", body=SIEGE_BODY)
    archive.article("quiet", title="A quiet day", date="2016-11-27", body="Nothing named.", entities="[iraq]")
    archive.write(
        "content/timeline.toml",
        '[[event]]\ndate = "2016-10-17"\ntitle = "Battle begins"\narticles = ["siege"]\nentities = ["mosul"]\n',
    )


def data(archive: Archive, name: str) -> bytes:
    return (archive.out / "data" / name).read_bytes()


def json_rows(archive: Archive, name: str) -> list[dict]:
    return json.loads(data(archive, name))


def csv_rows(archive: Archive, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data(archive, name).decode("utf-8"), newline="")))


def sql_rows(archive: Archive, query: str) -> list[tuple]:
    connection = sqlite3.connect(archive.out / "data" / "archive.sqlite")
    try:
        return connection.execute(query).fetchall()
    finally:
        connection.close()


@pytest.fixture
def built(archive: Archive) -> Archive:
    seed(archive)
    archive.build()
    return archive


# --- entities.json ------------------------------------------------------------------------


def test_entities_json_holds_every_entity_with_its_page(built):
    unidentified = {"wikidata": None, "same_as": [], "latitude": None, "longitude": None}
    assert json_rows(built, "entities.json") == [
        {"id": "iraq", "name": "Iraq", "kind": "place", "aliases": [], "summary": "A country.", "url": "https://example.org/entities/iraq/"} | unidentified,
        {"id": "isis", "name": "Islamic State", "kind": "organization", "aliases": ["Isil"], "summary": "", "url": "https://example.org/entities/isis/"} | unidentified,
        {"id": "mosul", "name": "Mosul", "kind": "place", "aliases": ["Mawsil"], "summary": "A city in Iraq.", "url": "https://example.org/entities/mosul/"} | unidentified,
    ]  # fmt: skip


def test_entities_json_and_sqlite_give_each_entitys_identifiers(archive):
    archive.write("content/entities/mosul.md", '---\nname: "Mosul"\nkind: place\nwikidata: Q45\n'
                  'same_as: ["https://www.geonames.org/99072"]\ncoordinates: [36.34, -43.125]\n---\n')  # fmt: skip
    archive.build()
    [mosul] = json_rows(archive, "entities.json")
    identifiers = {"wikidata": "Q45", "same_as": ["https://www.geonames.org/99072"], "latitude": 36.34, "longitude": -43.125}
    assert {key: mosul[key] for key in identifiers} == identifiers
    stored = sql_rows(archive, "SELECT wikidata, same_as, latitude, longitude FROM entities")
    assert stored == [("Q45", '["https://www.geonames.org/99072"]', 36.34, -43.125)]


def test_entity_urls_lead_to_the_entity_pages(built):
    for entity in json_rows(built, "entities.json"):
        page = entity["url"].removeprefix("https://example.org/") + "index.html"
        assert built.html(page).h1.get_text(strip=True) == entity["name"]


# --- mentions.csv and articles.csv --------------------------------------------------------------


def test_mentions_csv_counts_each_entity_in_each_article_with_the_line_of_its_first_mention(built):
    rows = csv_rows(built, "mentions.csv")
    assert [(r["article_slug"], r["entity_id"], r["count"], r["first_line"], r["listed"]) for r in rows] == [
        ("quiet", "iraq", "0", "", "1"),  # listed in the front matter, never named
        ("siege", "iraq", "1", "9", "0"),  # after a soft break: the paragraph's second line
        ("siege", "isis", "1", "10", "0"),  # an explicit [[isis]] reference
        ("siege", "mosul", "2", "6", "0"),
    ]


def test_mentions_csv_gives_the_address_of_each_article(built):
    urls = {r["article_slug"]: r["article_url"] for r in csv_rows(built, "mentions.csv")}
    assert urls == {"quiet": "https://example.org/articles/quiet/", "siege": "https://example.org/articles/siege/"}


def test_first_line_is_a_line_of_the_articles_file_that_names_the_entity(built):
    files = {r["slug"]: r["file"] for r in csv_rows(built, "articles.csv")}
    names = {"mosul": "Mosul", "iraq": "Iraq", "isis": "[[isis]]"}
    for row in csv_rows(built, "mentions.csv"):
        if row["first_line"]:
            lines = (built.root / files[row["article_slug"]]).read_text(encoding="utf-8").split("\n")
            assert names[row["entity_id"]] in lines[int(row["first_line"]) - 1]


def test_articles_csv_lists_every_article_by_slug(archive):
    archive.article("a", title="First", date="2016-10-17", authors="[Ada Lovelace, Grace Hopper]", source="The Paper", tags="[Iraq, war]")
    archive.build()
    assert csv_rows(archive, "articles.csv") == [
        {
            "slug": "a",
            "title": "First",
            "date": "2016-10-17",
            "authors": '["Ada Lovelace", "Grace Hopper"]',
            "source": "The Paper",
            "url": "https://example.org/articles/a/",
            "tags": '["Iraq", "war"]',
            "file": "content/articles/a.md",
        }
    ]


# --- timeline.json ------------------------------------------------------------------------------


def test_timeline_json_holds_each_event_with_its_entities_articles_and_address(built):
    events = json_rows(built, "timeline.json")
    battle = next(e for e in events if e["title"] == "Battle begins")
    assert battle == {
        "id": "event-2016-10-17-battle-begins",
        "date": "2016-10-17",
        "end": None,
        "title": "Battle begins",
        "kind": "event",
        "description": "",
        "entities": ["mosul"],
        "articles": ["siege"],
        "url": "https://example.org/timeline/2010s/#event-2016-10-17-battle-begins",
    }
    publications = [(e["title"], e["articles"]) for e in events if e["kind"] == "publication"]
    assert publications == [("The siege", ["siege"]), ("A quiet day", ["quiet"])]


def test_timeline_event_addresses_point_at_entries_of_the_timeline_pages(built):
    for event in json_rows(built, "timeline.json"):
        path, anchor = event["url"].removeprefix("https://example.org/").split("#")
        assert path.startswith("timeline/") and built.html(path + "index.html").find(id=anchor) is not None


# --- archive.sqlite -----------------------------------------------------------------------------


def columns_of(rows: list[dict]) -> str:
    return ", ".join(f'"{name}"' for name in rows[0])


@pytest.mark.parametrize("table", ["articles", "mentions"])
def test_sqlite_tables_hold_what_the_csv_files_hold(built, table):
    rows = csv_rows(built, f"{table}.csv")
    stored = sql_rows(built, f"SELECT {columns_of(rows)} FROM {table}")
    assert [["" if v is None else str(v) for v in row] for row in stored] == [list(row.values()) for row in rows]


@pytest.mark.parametrize("table", ["entities", "timeline"])
def test_sqlite_tables_hold_what_the_json_files_hold(built, table):
    rows = json_rows(built, f"{table}.json")
    stored = sql_rows(built, f"SELECT {columns_of(rows)} FROM {table} ORDER BY rowid")
    # Lists are JSON arrays in SQLite too.
    decoded = [[json.loads(v) if isinstance(row[k], list) else v for k, v in zip(row, values)] for row, values in zip(rows, stored)]
    assert decoded == [list(row.values()) for row in rows]


def test_sqlite_tables_have_keys_and_consistent_references(built):
    assert sql_rows(built, "SELECT name FROM pragma_table_info('mentions') WHERE pk > 0 ORDER BY pk") == [("article_slug",), ("entity_id",)]
    assert sql_rows(built, 'SELECT "table", "from", "to" FROM pragma_foreign_key_list(\'mentions\') ORDER BY "from"') == [
        ("articles", "article_slug", "slug"),
        ("entities", "entity_id", "id"),
    ]
    assert ("mentions_entity_id",) in sql_rows(built, "SELECT name FROM sqlite_master WHERE type = 'index'")
    assert sql_rows(built, "PRAGMA foreign_key_check") == []
    assert sql_rows(built, "PRAGMA integrity_check") == [("ok",)]


def test_sqlite_lists_can_be_queried_with_json_each(built):
    query = "SELECT timeline.title FROM timeline, json_each(timeline.entities) WHERE json_each.value = 'mosul'"
    assert sql_rows(built, query) == [("Battle begins",)]


# --- awkward values -------------------------------------------------------------------------------

AWKWARD_NAME = 'Smith, "Bob"\nJr'
FORMULA_NAME = "=cmd|' /C calc'!A0"


def test_commas_quotes_and_newlines_in_values_survive_every_format(archive):
    archive.write("content/entities/bob.md", f"---\nname: {json.dumps(AWKWARD_NAME)}\nkind: person\n---\n")
    archive.article("x", title='Bob, "the" man', date="2016-10-17", body="Text.", entities="[bob]")
    archive.build()
    assert json_rows(archive, "entities.json")[0]["name"] == AWKWARD_NAME
    assert csv_rows(archive, "articles.csv")[0]["title"] == 'Bob, "the" man'
    assert sql_rows(archive, "SELECT name FROM entities") == [(AWKWARD_NAME,)]


def test_a_line_break_in_a_csv_cell_is_quoted_and_read_back_whole(archive):
    archive.article("x", title="Title", date="2016-10-17", source='"The Paper,\\nLondon"', body="Text.")
    archive.build()
    rows = csv_rows(archive, "articles.csv")
    assert len(rows) == 1 and rows[0]["source"] == "The Paper,\nLondon"


def test_a_csv_cell_that_a_spreadsheet_would_run_as_a_formula_starts_with_an_apostrophe(archive):
    archive.article("x", title=FORMULA_NAME, date="2016-10-17", source="+44 20 7946 0000", body="Text.")
    archive.build()
    row = csv_rows(archive, "articles.csv")[0]
    assert (row["title"], row["source"]) == ("'" + FORMULA_NAME, "'+44 20 7946 0000")


def test_json_and_sqlite_keep_formula_like_values_as_written(archive):
    archive.write("content/entities/eq.md", f"---\nname: {json.dumps(FORMULA_NAME)}\nkind: other\n---\n")
    archive.build()
    assert json_rows(archive, "entities.json")[0]["name"] == FORMULA_NAME
    assert sql_rows(archive, "SELECT name FROM entities") == [(FORMULA_NAME,)]


# --- the /data/ page -------------------------------------------------------------------------------


def test_data_page_documents_every_file_and_its_columns(built):
    page = built.html("data/index.html")
    sections = {s.h2.get_text(strip=True): s for s in page.select("section.data-file")}
    assert list(sections) == list(DATA_FILES)
    for name, section in sections.items():
        assert section.h2.a["href"] == f"/data/{name}"
    columns = [row.th.get_text(strip=True) for row in sections["mentions.csv"].select("tbody tr")]
    assert columns == ["article_slug", "article_url", "entity_id", "count", "first_line", "listed"]
    assert "CREATE TABLE \"mentions\"" in sections["archive.sqlite"].select_one("pre.data-schema").get_text()


def test_data_page_shows_the_first_row_of_each_file_as_an_example(built):
    sections = {s.h2.get_text(strip=True): s for s in built.html("data/index.html").select("section.data-file")}
    example = sections["entities.json"].select_one("pre.data-example").get_text()
    assert json.loads(example) == json_rows(built, "entities.json")[0]
    header, first = csv.reader(io.StringIO(sections["mentions.csv"].select_one("pre.data-example").get_text()))
    assert dict(zip(header, first)) == csv_rows(built, "mentions.csv")[0]


def test_data_page_shows_a_first_row_whose_cell_is_longer_than_the_csv_module_reads(archive):
    title = "A title that goes on " + "and on " * 20_000  # 140,021 characters: the csv module reads 131,072
    archive.article("long", title=title, date="2020-01-01", body="Text.")

    archive.build()

    section = next(s for s in archive.html("data/index.html").select("section.data-file") if s.h2.get_text(strip=True) == "articles.csv")
    limit = csv.field_size_limit(1 << 24)  # the test's own reading of the example: as long as it is
    try:
        header, first = csv.reader(io.StringIO(section.select_one("pre.data-example").get_text()))
    finally:
        csv.field_size_limit(limit)
    assert dict(zip(header, first))["title"] == title.strip()


def test_data_page_shows_the_licence_from_site_toml(archive):
    archive.write(
        "site.toml",
        DEFAULT_SITE_TOML + '\n[data]\nlicence = "CC BY 4.0"\nlicence_url = "https://creativecommons.org/licenses/by/4.0/"\n',
    )
    archive.build()
    licence = archive.html("data/index.html").select_one(".data-licence")
    assert " ".join(licence.get_text().split()) == "Licence: CC BY 4.0."
    assert licence.a["href"] == "https://creativecommons.org/licenses/by/4.0/" and licence.a["rel"] == ["license"]


def test_data_page_says_when_no_licence_is_stated(built):
    assert "No licence is stated" in built.html("data/index.html").select_one(".data-licence").get_text()


def test_every_page_links_to_the_data_page_from_its_footer(built):
    for page in ("index.html", "articles/siege/index.html", "entities/mosul/index.html"):
        links = [a["href"] for a in built.html(page).select("footer a")]
        assert "/data/" in links


def test_an_empty_archive_has_data_files_with_no_rows(archive):
    archive.build()
    assert json_rows(archive, "entities.json") == [] and json_rows(archive, "timeline.json") == []
    assert data(archive, "mentions.csv") == b"article_slug,article_url,entity_id,count,first_line,listed\r\n"
    assert sql_rows(archive, "SELECT count(*) FROM mentions") == [(0,)]
    assert "no rows yet" in archive.html("data/index.html").select_one("section.data-file").get_text()


# --- the licence setting --------------------------------------------------------------------------

SITE = '[site]\ntitle = "T"\nbase_url = "https://example.org/"\n'


def errors_of(text: str) -> list[str]:
    with pytest.raises(ContentError) as caught:
        parse_settings(text)
    return [str(d) for d in caught.value.errors]


def test_licence_must_name_the_licence_on_one_line():
    assert errors_of(SITE + '[data]\nlicence = "CC BY\\n4.0"\n') == [
        'site.toml:5: error: `data.licence` \'CC BY\\n4.0\' must name the licence on one line, such as "CC BY 4.0"'
    ]


def test_licence_must_not_be_only_spaces():
    assert errors_of(SITE + '[data]\nlicence = "  "\n') == [
        "site.toml:5: error: `data.licence` '  ' must name the licence on one line, such as \"CC BY 4.0\""
    ]


def test_an_empty_licence_states_none():
    assert parse_settings(SITE + '[data]\nlicence = ""\n').data.licence == ""


def test_licence_must_be_a_string():
    assert errors_of(SITE + "[data]\nlicence = 4\n") == ["site.toml:5: error: `data.licence` must be a string, not a number 4"]


def test_licence_url_must_be_an_absolute_web_address():
    assert errors_of(SITE + '[data]\nlicence = "CC0"\nlicence_url = "licence.html"\n') == [
        "site.toml:6: error: `data.licence_url` 'licence.html' must be an absolute http(s) address such as "
        "https://creativecommons.org/licenses/by/4.0/"
    ]


def test_a_licence_url_python_cannot_split_is_an_error_too():
    assert errors_of(SITE + '[data]\nlicence = "CC0"\nlicence_url = "https://[::1/"\n') == [
        "site.toml:6: error: `data.licence_url` 'https://[::1/' must be an absolute http(s) address such as "
        "https://creativecommons.org/licenses/by/4.0/"
    ]


def test_licence_url_needs_a_licence_name():
    assert errors_of(SITE + '[data]\nlicence_url = "https://example.org/l"\n') == [
        "site.toml:5: error: `data.licence_url` needs `data.licence`, the licence's name, to link from"
    ]


def test_licence_is_empty_by_default():
    assert parse_settings(SITE).data.licence == ""


# --- determinism and incremental builds ----------------------------------------------------------


def test_two_builds_of_the_same_sources_give_the_same_bytes(tmp_path):
    outputs = []
    for name in ("one", "two"):
        archive = Archive.create(tmp_path / name)
        seed(archive)
        archive.build()
        outputs.append({file: data(archive, file) for file in DATA_FILES})
    assert outputs[0] == outputs[1]


def test_an_edited_mention_gives_the_data_files_of_a_clean_build(archive, tmp_path):
    seed(archive)
    builder = Builder(BuildOptions(root=archive.root))
    builder.build(incremental=True)
    before = csv_rows(archive, "mentions.csv")
    archive.article("siege", title="The siege", date="2016-10-17", body=SIEGE_BODY.replace("Fighting near Mosul.", "Fighting."))
    builder.build(incremental=True)
    after = csv_rows(archive, "mentions.csv")
    assert after != before and ("siege", "mosul", "1", "9") in [(r["article_slug"], r["entity_id"], r["count"], r["first_line"]) for r in after]
    clean = archive.clean_build_files(tmp_path)
    assert {name: data(archive, name) for name in DATA_FILES} == {name: clean["data/" + name] for name in DATA_FILES}


def test_a_renamed_entity_gives_the_data_files_of_a_clean_build(archive, tmp_path):
    seed(archive)
    builder = Builder(BuildOptions(root=archive.root))
    builder.build(incremental=True)
    archive.write("content/entities/iraq.md", IRAQ.replace('"Iraq"', '"Republic of Iraq"'))
    builder.build(incremental=True)
    assert sql_rows(archive, "SELECT name FROM entities WHERE id = 'iraq'") == [("Republic of Iraq",)]
    clean = archive.clean_build_files(tmp_path)
    assert {name: data(archive, name) for name in DATA_FILES} == {name: clean["data/" + name] for name in DATA_FILES}


# --- in a running builder (watch, serve) ------------------------------------------------------

MOVED_MENTION = SIEGE_BODY.replace("Fighting near Mosul.", "Fighting.")  # Mosul is first named on line 9 now


def data_files_now(archive: Archive) -> dict[str, bytes]:
    return {name: data(archive, name) for name in DATA_FILES}


def clean_data_files(archive: Archive, scratch) -> dict[str, bytes]:
    clean = archive.clean_build_files(scratch)
    return {name: clean["data/" + name] for name in DATA_FILES}


def test_an_edit_in_a_running_builder_writes_its_page_and_leaves_the_data_files_for_later(archive):
    seed(archive)
    builder = Builder(BuildOptions(root=archive.root))
    builder.build(incremental=True, open_data_later=True)
    before = data_files_now(archive)
    archive.article("siege", title="The siege", date="2016-10-17", body=MOVED_MENTION)
    builder.build(incremental=True, open_data_later=True)
    assert archive.html("articles/siege/index.html").select_one(".article-body p").get_text() == "Fighting."
    assert data_files_now(archive) == before
    assert builder.open_data_job() is not None


def moved_in_a_running_builder(archive) -> Builder:
    """A running builder that built the seed archive, then an edit moving a mention, leaving the data files for later."""
    seed(archive)
    builder = Builder(BuildOptions(root=archive.root))
    builder.build(incremental=True, open_data_later=True)
    archive.article("siege", title="The siege", date="2016-10-17", body=MOVED_MENTION)
    builder.build(incremental=True, open_data_later=True)
    return builder


def test_the_data_job_then_writes_the_data_files_of_a_clean_build(archive, tmp_path):
    builder = moved_in_a_running_builder(archive)
    write = builder.open_data_job()()
    assert write() > 0
    assert data_files_now(archive) == clean_data_files(archive, tmp_path)
    assert builder.open_data_job() is None


def test_a_data_job_overtaken_by_a_rebuild_writes_nothing_and_the_rebuilds_job_catches_up(archive, tmp_path):
    builder = moved_in_a_running_builder(archive)
    overtaken = builder.open_data_job()()  # made from the sources before the next save
    archive.article("quiet", title="A quiet day", date="2016-11-27", body="Nothing named.", entities="[iraq, mosul]")
    builder.build(incremental=True, open_data_later=True)
    before = data_files_now(archive)
    assert overtaken() == 0 and data_files_now(archive) == before
    builder.open_data_job()()()
    assert data_files_now(archive) == clean_data_files(archive, tmp_path)


def test_a_rebuild_after_the_data_job_keeps_its_files_and_matches_a_clean_build(archive, tmp_path):
    builder = moved_in_a_running_builder(archive)
    builder.open_data_job()()()
    archive.article("quiet", title="A quiet day", date="2016-11-27", body="Nothing named at all.", entities="[iraq]")
    result = builder.build(incremental=True, open_data_later=True)
    assert result.rendered == 1  # the quiet article's page: the data files are those the job wrote
    assert builder.open_data_job() is None
    assert data_files_now(archive) == clean_data_files(archive, tmp_path)


def watched_seed(archive, monkeypatch) -> tuple[Builder, list]:
    """The seed archive built by a running builder, and the list of the times it makes the data files from now on."""
    import sitegen.pipeline.open_data_pages

    seed(archive)
    builder = Builder(BuildOptions(root=archive.root))
    builder.build(incremental=True)
    made = []
    real = sitegen.pipeline.open_data_pages.data_files
    monkeypatch.setattr(sitegen.pipeline.open_data_pages, "data_files", lambda *args: made.append(args) or real(*args))
    return builder, made


def test_an_edit_that_changes_no_row_does_not_make_the_data_files_again(archive, monkeypatch):
    builder, made = watched_seed(archive, monkeypatch)
    archive.article("siege", title="The siege", date="2016-10-17", body=SIEGE_BODY.replace("The army left", "The army then left"))
    builder.build(incremental=True)
    assert archive.html("articles/siege/index.html").find(string=lambda text: "The army then left" in text)
    assert made == []


def test_an_edit_that_moves_a_mention_makes_the_data_files_again(archive, monkeypatch):
    builder, made = watched_seed(archive, monkeypatch)
    archive.article("siege", title="The siege", date="2016-10-17", body="\n" + SIEGE_BODY)
    builder.build(incremental=True)
    assert len(made) == 1
    assert ("siege", "mosul", "2", "7") in [(r["article_slug"], r["entity_id"], r["count"], r["first_line"]) for r in csv_rows(archive, "mentions.csv")]


def test_a_clean_build_writes_the_data_files_with_the_pages(archive, tmp_path):
    seed(archive)
    builder = Builder(BuildOptions(root=archive.root))
    builder.build()
    archive.article("siege", title="The siege", date="2016-10-17", body=MOVED_MENTION)
    builder.build()
    assert builder.open_data_job() is None
    assert data_files_now(archive) == clean_data_files(archive, tmp_path)


# --- failures ---------------------------------------------------------------------------------------


def test_a_full_temporary_folder_is_reported_as_a_full_disk_not_a_traceback(archive, monkeypatch, capsys):
    seed(archive)

    def full_disk(*args, **kwargs):
        error = sqlite3.OperationalError("database or disk is full")
        error.sqlite_errorcode = sqlite3.SQLITE_FULL
        raise error

    monkeypatch.setattr(sqlite3, "connect", full_disk)
    assert main(["build", "--root", str(archive.root), "--quiet"]) == 1
    message = capsys.readouterr().err.splitlines()[0]
    assert re.fullmatch(r"_site: error: no space left on the device while writing \S+/archive\.sqlite; free some space and build again", message)


def test_after_the_data_job_an_edit_that_changes_no_data_leaves_the_data_files_alone(archive, rendered):
    builder = moved_in_a_running_builder(archive)
    builder.open_data_job()()()
    time.sleep(RECENT_FOLDER_NS / 1e9 + 0.01)  # the data folder's new status is old enough to be trusted
    written = {name: (archive.out / "data" / name).stat().st_ino for name in DATA_FILES}
    rendered.clear()
    archive.article("quiet", title="A quiet day", date="2016-11-27", body="Nothing named, still.", entities="[iraq]")

    builder.build(incremental=True, open_data_later=True)

    assert [path for path in rendered if path.startswith("data/")] == []
    assert builder.open_data_job() is None
    assert {name: (archive.out / "data" / name).stat().st_ino for name in DATA_FILES} == written


def test_two_database_rows_of_one_key_are_not_taken_for_a_failing_disk():
    table = Table("things", "Things.", (Column("id", TEXT, "Its id.", lambda row: row),), key=("id",))

    # sitegen's own fault, were it ever to happen: an internal error, not "the device may be failing"
    with pytest.raises(sqlite3.IntegrityError):
        sqlite_database([(table, [("a",), ("a",)])])
