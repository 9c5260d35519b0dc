"""`load_archive`: the content folder -> validated, sorted models, with every problem located."""

from __future__ import annotations

import datetime as dt
import errno
import os
import time
import unicodedata
from pathlib import Path

import pytest
from conftest import DEFAULT_SITE_TOML, Archive, article_text

from sitegen.model import models
from sitegen.model.dates import PartialDate, PublicationDate
from sitegen.model.errors import Diagnostic, Problems
from sitegen.model.models import Event, Role, SourcePos, StaticFile
from sitegen.pipeline.config import parse_settings
from sitegen.pipeline.load import load_archive

SETTINGS = parse_settings(DEFAULT_SITE_TOML)

MOSUL_ENTITY = "---\nname: Mosul\nkind: place\n---\n"


def load(site: Archive, settings=SETTINGS) -> tuple[models.Archive, Problems]:
    problems = Problems()
    return load_archive(site.root, settings, problems), problems


def load_cleanly(site: Archive, settings=SETTINGS) -> models.Archive:
    loaded, problems = load(site, settings)
    assert problems.items == []
    return loaded


def errors_of(site: Archive) -> list[Diagnostic]:
    return load(site)[1].errors


def only_error(site: Archive) -> Diagnostic:
    [error] = errors_of(site)
    return error


def located(diagnostics: list[Diagnostic]) -> list[tuple[str, int | None]]:
    return [(d.path, d.line) for d in diagnostics]


def new_archive(tmp_path: Path, name: str) -> Archive:
    """A second archive next to the `archive` fixture, to compare two versions of one file."""
    site = Archive(tmp_path / name)
    site.write("site.toml", DEFAULT_SITE_TOML)
    return site


def load_one_article(site: Archive, relative: str, text: str | bytes) -> models.Article:
    site.write(relative, text)
    loaded, problems = load(site)
    assert problems.errors == []
    [article] = loaded.articles
    return article


# --- the whole archive ------------------------------------------------------------------


def test_archive_with_only_site_toml_is_empty_and_has_no_problems(archive):
    loaded = load_cleanly(archive)

    assert loaded == models.Archive(articles=(), entities=(), terms=(), events=(), static_files=())


def test_problems_in_several_files_are_all_reported_in_one_run(archive):
    archive.article("no-title", date="2020-01-01", title="")
    archive.write("content/articles/no-front-matter.md", "Just text.\n")
    archive.write("content/entities/mosul.md", "---\nname: Mosul\nkind: planet\n---\n")
    archive.write("content/timeline.toml", '[[event]]\ndate = "2016-13"\ntitle = "Bad month"\n')

    assert located(errors_of(archive)) == [
        ("content/articles/no-front-matter.md", 1),
        ("content/articles/no-title.md", 2),
        ("content/entities/mosul.md", 3),
        ("content/timeline.toml", 2),
    ]


def test_articles_are_sorted_newest_first(archive):
    archive.article("old", date="2015-03-01")
    archive.article("new", date="2017-01-09")
    archive.article("middle", date="2016-06-30")

    assert [a.slug for a in load_cleanly(archive).articles] == ["new", "middle", "old"]


def test_articles_on_one_day_are_sorted_by_time_newest_first(archive):
    archive.article("morning", date="2016-10-17T09:00:00+00:00")
    archive.article("evening", date="2016-10-17T18:00:00+00:00")
    archive.article("noon-in-baghdad", date="2016-10-17T12:00:00+03:00")  # the same moment as "morning"

    assert [a.slug for a in load_cleanly(archive).articles] == ["evening", "morning", "noon-in-baghdad"]  # ties by slug


def test_entities_and_terms_are_sorted_by_id(archive):
    for entity_id in ("syria", "iraq", "mosul"):
        archive.write(f"content/entities/{entity_id}.md", f"---\nname: {entity_id.title()}\nkind: place\n---\n")
    archive.write(
        "content/glossary.toml",
        '[[term]]\nterm = "Peshmerga"\ndefinition = "p"\n\n[[term]]\nterm = "Daesh"\ndefinition = "d"\n',
    )

    loaded = load_cleanly(archive)

    assert [e.id for e in loaded.entities] == ["iraq", "mosul", "syria"]
    assert [t.id for t in loaded.terms] == ["daesh", "peshmerga"]


def test_static_files_are_listed_with_their_target_in_the_output(archive):
    archive.write("content/static/css/print.css", "body {}")
    archive.write("content/static/robots.txt", "User-agent: *")

    assert load_cleanly(archive).static_files == (
        StaticFile(source="content/static/css/print.css", target="css/print.css"),
        StaticFile(source="content/static/robots.txt", target="robots.txt"),
    )


# --- symbolic links ---------------------------------------------------------------------


def test_symlinked_file_is_not_followed_and_gives_a_warning(archive):
    real = archive.write("elsewhere/secret.md", article_text(title="Outside"))
    (archive.root / "content/articles").mkdir(parents=True)
    os.symlink(real, archive.root / "content/articles/linked.md")

    loaded, problems = load(archive)

    assert loaded.articles == ()
    assert located(problems.warnings) == [("content/articles/linked.md", None)]
    assert "symbolic link" in problems.warnings[0].message


def test_symlinked_folder_is_not_followed_and_gives_a_warning(archive):
    archive.write("elsewhere/secret.md", article_text(title="Outside"))
    (archive.root / "content/articles").mkdir(parents=True)
    os.symlink(archive.root / "elsewhere", archive.root / "content/articles/linked")

    loaded, problems = load(archive)

    assert loaded.articles == ()
    assert located(problems.warnings) == [("content/articles/linked", None)]


@pytest.mark.parametrize("folder", ["articles", "entities", "static"])
def test_symlinked_content_folder_is_not_followed(archive, folder):
    archive.write("elsewhere/mosul.md", MOSUL_ENTITY if folder == "entities" else article_text())
    (archive.root / "content").mkdir()
    os.symlink(archive.root / "elsewhere", archive.root / "content" / folder)

    loaded, problems = load(archive)

    assert (loaded.articles, loaded.entities, loaded.static_files) == ((), (), ())
    assert located(problems.warnings) == [(f"content/{folder}", None)]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("glossary.toml", '[[term]]\nterm = "Daesh"\ndefinition = "d"\n'),
        ("timeline.toml", '[[event]]\ndate = 2014\ntitle = "E"\n'),
    ],
)
def test_symlinked_glossary_or_timeline_is_not_followed(archive, name, text):
    archive.write("elsewhere/data.toml", text)
    (archive.root / "content").mkdir()
    os.symlink(archive.root / "elsewhere/data.toml", archive.root / "content" / name)

    loaded, problems = load(archive)

    assert (loaded.terms, loaded.events) == ((), ())
    assert located(problems.warnings) == [(f"content/{name}", None)]


def test_symlink_loops_are_reported_without_hanging(archive):
    archive.article("real")
    articles = archive.root / "content/articles"
    os.symlink(articles, articles / "loop")
    os.symlink(articles / "b.md", articles / "a.md")
    os.symlink(articles / "a.md", articles / "b.md")

    loaded, problems = load(archive)

    assert [a.slug for a in loaded.articles] == ["real"]
    assert located(problems.warnings) == [
        ("content/articles/a.md", None),
        ("content/articles/b.md", None),
        ("content/articles/loop", None),
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
@pytest.mark.parametrize("path", ["content/articles/pipe.md", "content/entities/pipe.md", "content/static/pipe.bin"])
def test_a_named_pipe_is_left_out_with_a_warning_instead_of_waiting_for_a_writer(archive, path):
    archive.article("real")
    (archive.root / path).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(archive.root / path)

    loaded, problems = load(archive)

    assert [a.slug for a in loaded.articles] == ["real"]
    assert (loaded.entities, loaded.static_files) == ((), ())
    assert located(problems.warnings) == [(path, None)]
    assert "not a regular file" in problems.warnings[0].message


def test_files_that_cannot_be_read_are_located_errors_all_in_one_run(archive, monkeypatch):
    archive.article("locked")
    archive.article("vanished")
    archive.article("fine")
    archive.write("content/glossary.toml", '[[term]]\nterm = "Daesh"\ndefinition = "d"\n')
    refusals = {
        "locked.md": PermissionError(errno.EACCES, "Permission denied"),  # chmod 000, for a user who is not root
        "vanished.md": FileNotFoundError(errno.ENOENT, "No such file or directory"),  # removed after the listing
        "glossary.toml": PermissionError(errno.EACCES, "Permission denied"),
    }
    real_read_bytes = Path.read_bytes

    def read_bytes(path):
        if path.name in refusals:
            raise refusals[path.name]
        return real_read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    loaded, problems = load(archive)

    assert [a.slug for a in loaded.articles] == ["fine"]
    assert [(e.path, e.line, e.message) for e in problems.errors] == [
        ("content/articles/locked.md", None, "cannot be read (Permission denied); check the file and build again"),
        ("content/articles/vanished.md", None, "cannot be read (No such file or directory); check the file and build again"),
        ("content/glossary.toml", None, "cannot be read (Permission denied); check the file and build again"),
    ]


@pytest.mark.parametrize("folder", ["content", "content/articles", "content/entities", "content/static"])
def test_a_file_where_a_folder_of_sources_belongs_is_an_error(archive, folder):
    archive.write(folder, "a file, not a folder\n")

    _, problems = load(archive)

    assert [(e.path, e.line) for e in problems.errors] == [(folder, None)]
    assert problems.errors[0].message.startswith("is a file, not a folder")


# --- articles: fields ----------------------------------------------------------------------

FULL_ARTICLE_YAML = """\
---
title: "Mosul: the battle begins"
date: 2016-10-17T09:30:00+03:00
updated: 2016-10-18
slug: battle-begins
source: The Telegraph
url: https://www.telegraph.co.uk/news/mosul
authors: [Jane Doe, John Roe]
summary: Iraqi forces advance on the city.
tags: [iraq, mosul]
entities: [mosul]
mood: sombre
draft: false
events:
  - date: "2016-10-17"
    title: Offensive starts
    description: Forces *advance*.
---

The offensive began at dawn.

It was expected to last weeks.
"""

FULL_ARTICLE_TOML = """\
+++
title = "Mosul: the battle begins"
date = 2016-10-17T09:30:00+03:00
updated = 2016-10-18
slug = "battle-begins"
source = "The Telegraph"
url = "https://www.telegraph.co.uk/news/mosul"
authors = ["Jane Doe", "John Roe"]
summary = "Iraqi forces advance on the city."
tags = ["iraq", "mosul"]
entities = ["mosul"]
mood = "sombre"
draft = false
[[events]]
date = 2016-10-17
title = "Offensive starts"
description = "Forces *advance*."
+++

The offensive began at dawn.

It was expected to last weeks.
"""

FULL_ARTICLE_PATH = "content/articles/2016/2016-10-17-mosul.md"


def test_article_front_matter_fields_are_loaded(archive):
    archive.write("content/entities/mosul.md", MOSUL_ENTITY)
    archive.write(FULL_ARTICLE_PATH, FULL_ARTICLE_YAML)

    loaded, problems = load(archive)

    assert problems.errors == []
    [article] = loaded.articles
    baghdad = dt.timezone(dt.timedelta(hours=3))
    assert article.slug == "battle-begins"
    assert article.title == "Mosul: the battle begins"
    assert article.date == PublicationDate(dt.date(2016, 10, 17), dt.datetime(2016, 10, 17, 9, 30, tzinfo=baghdad))
    assert article.date.iso == "2016-10-17T09:30:00+03:00"
    assert article.updated == PublicationDate(dt.date(2016, 10, 18))
    assert article.source == "The Telegraph"
    assert article.url == "https://www.telegraph.co.uk/news/mosul"
    assert article.authors == ("Jane Doe", "John Roe")
    assert article.summary == "Iraqi forces advance on the city."
    assert article.tags == ("iraq", "mosul")
    assert article.entity_ids == ("mosul",)
    assert article.draft is False
    assert article.events == (
        Event(
            date=PartialDate(2016, 10, 17),
            title="Offensive starts",
            description="Forces *advance*.",
            article_slugs=("battle-begins",),
            pos=SourcePos(FULL_ARTICLE_PATH, 14),
        ),
    )
    assert article.pos == SourcePos(FULL_ARTICLE_PATH, 1)


def test_article_body_is_the_markdown_after_the_front_matter(archive):
    text = "---\ntitle: A\ndate: 2020-01-01\n---\n# Heading\n\nText.\n"

    article = load_one_article(archive, "content/articles/a.md", text)

    assert article.body == "# Heading\n\nText.\n"
    assert article.body_line == 5


def test_toml_front_matter_gives_the_same_article_as_yaml(archive, tmp_path):
    other = new_archive(tmp_path, "toml")
    for site, text in ((archive, FULL_ARTICLE_YAML), (other, FULL_ARTICLE_TOML)):
        site.write("content/entities/mosul.md", MOSUL_ENTITY)
        site.write(FULL_ARTICLE_PATH, text)

    from_yaml, yaml_problems = load(archive)
    from_toml, toml_problems = load(other)

    assert from_toml.articles == from_yaml.articles
    assert toml_problems.items == yaml_problems.items  # the same warning for `mood`, at the same line


def test_articles_are_found_in_subfolders_and_only_in_markdown_files(archive):
    archive.article("2016/10/deep")
    archive.write("content/articles/notes.txt", "not an article")

    assert [a.slug for a in load_cleanly(archive).articles] == ["deep"]


def test_unknown_front_matter_key_is_a_warning_and_kept_in_extra(archive):
    archive.article("a", mood="sombre", weather="rain")

    loaded, problems = load(archive)

    assert problems.errors == []
    mood, weather = problems.warnings
    assert (mood.path, mood.line) == ("content/articles/a.md", 4)
    assert "unknown key `mood`" in mood.message
    assert weather.line == 5
    assert loaded.articles[0].extra == {"mood": "sombre", "weather": "rain"}


@pytest.mark.parametrize(
    "definition",
    ["'Say \"\"\" here'", "\"Say ''' here\"", '"""Over\ntwo lines"""', "'''Over\n[two] = lines'''"],
    ids=["quotes-in-a-literal-string", "quotes-in-a-basic-string", "multi-line-string", "multi-line-literal"],
)
def test_an_unknown_glossary_key_after_a_string_holding_triple_quotes_is_a_warning_at_its_line(archive, definition):
    archive.write("content/glossary.toml", f'[[term]]\nterm = "Daesh"\ndefinition = {definition}\nsea = "x"\n')

    loaded, problems = load(archive)

    assert problems.errors == []
    (unknown,) = problems.warnings
    assert "unknown key `sea`" in unknown.message
    assert (unknown.path, unknown.line) == ("content/glossary.toml", 4 + definition.count("\n"))


def test_unknown_keys_that_are_numbers_or_null_are_warnings_too(archive):
    archive.write(
        "content/articles/a.md",
        "---\ntitle: A\ndate: 2020-01-01\nevents:\n  - {1: a, null: b, zz: c, title: E, date: 2020}\n---\n",
    )

    loaded, problems = load(archive)

    assert [event.title for event in loaded.articles[0].events] == ["E"]
    assert problems.errors == []
    assert [(w.line, w.message.split(":")[1].strip()) for w in problems.warnings] == [
        (4, "unknown key `1`; events know date, end, circa, title, description, entities, articles"),
        (4, "unknown key `None`; events know date, end, circa, title, description, entities, articles"),
        (4, "unknown key `zz`; events know date, end, circa, title, description, entities, articles"),
    ]


def test_missing_title_is_an_error_in_the_file(archive):
    archive.write("content/articles/a.md", "---\ndate: 2020-01-01\n---\nText.\n")

    error = only_error(archive)

    assert (error.path, error.line) == ("content/articles/a.md", 1)
    assert "`title`" in error.message


def test_missing_date_is_an_error_in_the_file(archive):
    archive.write("content/articles/a.md", "---\ntitle: A\n---\nText.\n")

    error = only_error(archive)

    assert (error.path, error.line) == ("content/articles/a.md", 1)
    assert "`date`" in error.message


def test_article_with_an_error_is_left_out(archive):
    archive.article("good")
    archive.article("bad", date="2021-02-30")

    assert [a.slug for a in load(archive)[0].articles] == ["good"]


# --- articles: dates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2016-11-27", PublicationDate(dt.date(2016, 11, 27))),
        (
            "2016-11-27T23:30:00-05:00",
            PublicationDate(
                dt.date(2016, 11, 27), dt.datetime(2016, 11, 27, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
            ),
        ),
        ("2016-11-27T10:00:00Z", PublicationDate(dt.date(2016, 11, 27), dt.datetime(2016, 11, 27, 10, tzinfo=dt.UTC))),
    ],
)
def test_date_is_a_day_or_a_date_time_with_offset_kept_as_written(archive, written, expected):
    article = load_one_article(archive, "content/articles/a.md", article_text(date=written))

    assert article.date == expected
    assert article.date.day == dt.date(2016, 11, 27)  # never shifted to another time zone


@pytest.mark.parametrize(
    ("written", "complaint"),
    [
        ("2016-11-27T10:00:00", "no UTC offset"),
        ("2021-02-30", "not a real calendar date"),
        ("27/11/2016", "not a date"),
    ],
)
def test_bad_date_is_an_error_at_the_date_line(archive, written, complaint):
    archive.article("a", date=written)

    error = only_error(archive)

    assert (error.path, error.line) == ("content/articles/a.md", 3)
    assert complaint in error.message


@pytest.mark.parametrize(
    ("written", "complaint"),
    [("2016-11-27T10:00:00", "no UTC offset"), ("2021-02-30", "invalid TOML")],
)
def test_bad_toml_date_is_an_error_at_the_date_line(archive, written, complaint):
    archive.write("content/articles/a.md", f'+++\ntitle = "A"\ndate = {written}\n+++\n')

    error = only_error(archive)

    assert error.line == 3
    assert complaint in error.message


def test_bad_updated_date_is_an_error_at_its_line(archive):
    archive.article("a", updated="soon")

    assert located([only_error(archive)]) == [("content/articles/a.md", 4)]


@pytest.mark.parametrize(
    ("date", "updated"),
    [("2020-05-17", "2020-05-16"), ("2020-05-17T12:00:00+00:00", "2020-05-17T13:00:00+02:00"), ("2020-05-17T12:00:00+00:00", "2020-05-16")],
)
def test_an_update_before_the_publication_is_an_error_at_its_line(archive, date, updated):
    archive.article("a", date=date, updated=f'"{updated}"')

    error = only_error(archive)

    assert (error.path, error.line) == ("content/articles/a.md", 4)
    assert "is before `date`" in error.message


@pytest.mark.parametrize(
    ("date", "updated"), [("2020-05-17", "2020-05-17"), ("2020-05-17T12:00:00+00:00", "2020-05-17"), ("2020-05-17", "2020-05-17T00:30:00+02:00")]
)
def test_an_update_on_the_day_of_the_publication_loads(archive, date, updated):
    archive.article("a", date=date, updated=f'"{updated}"')

    [article] = load_cleanly(archive).articles

    assert article.updated is not None


# --- articles: other field checks -----------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://example.org/file", "www.example.org/page", "mailto:a@b.org"]
)
def test_url_must_be_http_or_https_and_errors_at_the_url_line(archive, url):
    archive.article("a", url=f'"{url}"')

    error = only_error(archive)

    assert (error.path, error.line) == ("content/articles/a.md", 4)
    assert "`url`" in error.message


@pytest.mark.parametrize(
    ("key", "value", "complaint"),
    [
        ("tags", "{iraq: 1}", "`tags` must be a list"),
        ("authors", "[[Jane, Doe]]", "`authors` must be a list"),
        ("draft", "maybe", "`draft` must be true or false"),
        ("summary", "[a, b]", "`summary` must be text"),
        ("events", "yesterday", "`events` must be a list of tables"),
    ],
)
def test_wrongly_typed_field_is_an_error_at_its_line(archive, key, value, complaint):
    archive.article("a", **{key: value})

    error = only_error(archive)

    assert error.line == 4
    assert complaint in error.message


def test_article_entities_must_exist(archive):
    archive.write("content/entities/mosul.md", MOSUL_ENTITY)
    archive.article("a", tags="[iraq]", entities="[mosul, raqqa]")

    error = only_error(archive)

    assert (error.path, error.line) == ("content/articles/a.md", 5)
    assert "'raqqa'" in error.message


def test_article_event_errors_are_reported_at_the_events_line(archive):
    archive.write(
        "content/articles/a.md",
        """\
---
title: A
date: 2020-01-01
events:
  - title: Undated
  - date: 2020-02
    title: Ghost
    entities: [ghost]
---
""",
    )

    errors = errors_of(archive)

    assert located(errors) == [("content/articles/a.md", 4), ("content/articles/a.md", 4)]
    assert any("event 'Undated': missing required `date`" in e.message for e in errors)
    assert any("event 'Ghost': entity 'ghost' does not exist" in e.message for e in errors)


def test_error_in_a_toml_front_matter_table_is_reported_at_the_table(archive):
    archive.write(
        "content/articles/a.md",
        '+++\ntitle = "A"\ndate = 2020-01-01\n\n[[events]]\ntitle = "Undated"\n+++\n',
    )

    assert located([only_error(archive)]) == [("content/articles/a.md", 5)]


# --- articles: malformed files ---------------------------------------------------------------


def test_invalid_yaml_is_reported_at_the_line_of_the_problem(archive):
    archive.write("content/articles/a.md", "---\ntitle: A\ndate: 2020-01-01\nsummary: one: two\n---\n")

    error = only_error(archive)

    assert (error.path, error.line) == ("content/articles/a.md", 4)
    assert "invalid YAML" in error.message


def test_invalid_toml_front_matter_is_reported_at_the_line_of_the_problem(archive):
    archive.write("content/articles/a.md", '+++\ntitle = "A"\ndate = 2020-01-01\nsummary = \n+++\n')

    error = only_error(archive)

    assert (error.path, error.line) == ("content/articles/a.md", 4)
    assert "invalid TOML" in error.message


@pytest.mark.parametrize(
    ("front", "line", "key", "first"),
    [
        ("title: A\ndate: 2020-01-01\ntitle: B\n", 4, "title", 2),
        ("title: A\n'date': 2020-01-01\ndate: 2020-01-02\n", 4, "date", 3),
        ("title: A\ndate: 2020-01-01\nevents:\n  - title: E\n    date: 2016\n    date: 2017\n", 7, "date", 6),
    ],
)
def test_a_yaml_key_written_twice_is_an_error_at_the_second(archive, front, line, key, first):
    archive.write("content/articles/a.md", f"---\n{front}---\nText.\n")

    error = only_error(archive)

    assert (error.path, error.line) == ("content/articles/a.md", line)
    assert error.message == f"the key `{key}` is written twice in one mapping (first on line {first}): keep one of them"


def nested_front_matter(fence: str, levels: int) -> str:
    value = "[" * levels + "]" * levels
    if fence == "---":
        return f"---\ntitle: A\ndate: 2020-01-01\nnested: {value}\n---\n"
    return f'+++\ntitle = "A"\ndate = 2020-01-01\nnested = {value}\n+++\n'


@pytest.mark.parametrize("fence", ["---", "+++"])
def test_lists_may_nest_100_levels_deep(archive, fence):
    archive.write("content/articles/a.md", nested_front_matter(fence, 100))

    loaded, problems = load(archive)

    assert problems.errors == []
    assert [article.title for article in loaded.articles] == ["A"]


@pytest.mark.parametrize("levels", [101, 3000])
@pytest.mark.parametrize("fence", ["---", "+++"])
def test_lists_nested_deeper_are_an_error_at_their_line(archive, fence, levels):
    archive.write("content/articles/a.md", nested_front_matter(fence, levels))

    error = only_error(archive)

    assert (error.path, error.line) == ("content/articles/a.md", 4)
    assert error.message.startswith("nesting is too deep (more than 100 lists or tables inside each other)")


@pytest.mark.parametrize(
    ("value", "kind"),
    [("!!int abc", "int"), ("!!float many", "float"), ("!!bool maybe", "bool"), ("!!timestamp soon", "timestamp")],
)
def test_a_yaml_value_its_tag_cannot_read_is_an_error_at_its_line(archive, value, kind):
    archive.write("content/articles/a.md", f"---\ntitle: A\ndate: 2020-01-01\nsummary: {value}\n---\n")

    error = only_error(archive)

    assert (error.path, error.line) == ("content/articles/a.md", 4)
    assert error.message.startswith("the value '")
    assert error.message.endswith(f"cannot be read as {kind}: correct it, or quote it to keep it as text")


TOO_LONG_TO_SHOW = "is a number too long to be shown (more than 4,300 digits): quote it to keep it as text"
HUGE_HEX = "0x" + "f" * 4000  # fewer than 4,300 characters, and 4,817 decimal digits


@pytest.mark.parametrize(
    "front",
    [
        f"title: {HUGE_HEX}\ndate: 2020-01-01\n",
        f"title: A\ndate: 2020-01-01\ntags: [a, {HUGE_HEX}]\n",
        f"title: A\ndate: 2020-01-01\n? {HUGE_HEX}\n: a value\n",
        "title: A\ndate: 2020-01-01\nsummary: 0b" + "1" * 15000 + "\n",
        "title: A\ndate: 2020-01-01\nsummary: " + ":".join(["59"] * 2500) + "\n",  # YAML 1.1's base 60
        "title: A\ndate: 2020-01-01\nsummary: " + "1" * 5000 + "\n",
    ],
    ids=["hexadecimal", "in-a-list", "as-a-key", "binary", "base-60", "decimal"],
)
def test_a_yaml_number_too_long_to_show_is_an_error_at_its_line(archive, front):
    archive.write("content/articles/a.md", f"---\n{front}---\nText.\n")

    error = only_error(archive)

    line = 1 + next(number for number, text in enumerate(front.split("\n"), 1) if any(mark in text for mark in ("0x", "0b", "59:", "1" * 100)))
    assert (error.path, error.line) == ("content/articles/a.md", line)
    assert error.message.endswith(TOO_LONG_TO_SHOW)


@pytest.mark.parametrize("front", ["!!set\ntitle: A\ndate: 2020-01-01\n", "!!omap [title: A, date: 2020-01-01]\n"])
def test_front_matter_tagged_as_another_kind_of_mapping_is_an_error(archive, front):
    archive.write("content/articles/a.md", f"---\n{front}---\nText.\n")

    error = only_error(archive)

    assert (error.path, error.line) == ("content/articles/a.md", 2)
    assert error.message == "front matter must be a mapping of `key: value` lines"


@pytest.mark.parametrize(
    "before",
    [
        'note = "' + "1" * 5000 + '"',
        "# " + "1" * 5000,
        "ratio = " + "1" * 5000 + ".5",
        "mask = 0x" + "0" * 4400 + "1",
        'note = """\n' + "1" * 5000 + '\n"""',
        "note = \'\'\'\n" + "1" * 5000 + " ' '' \n\'\'\'",
    ],
    ids=["in-a-string", "in-a-comment", "a-float", "hexadecimal", "in-a-multi-line-string", "in-a-multi-line-literal"],
)
def test_a_long_toml_decimal_is_found_on_its_own_line(archive, before):
    archive.write("content/glossary.toml", f'[[term]]\nterm = "Daesh"\ndefinition = "d"\n{before}\ncount = {"9" * 4301}\n')

    error = only_error(archive)

    assert (error.path, error.line) == ("content/glossary.toml", 5 + before.count("\n"))


def test_a_long_toml_decimal_before_unclosed_strings_with_escaped_line_ends_is_located_at_once(archive):
    # Each line opens a one-line string and escapes its line break: each string ends unclosed
    # at its line, and is not scanned to the end of the file from every quote (once 21 s).
    tail = '"\\\n' + '\\"\\\n' * 20_000
    archive.write("content/glossary.toml", f'count = {"9" * 4301}\n{tail}')

    started = time.monotonic()
    error = only_error(archive)

    assert (error.path, error.line) == ("content/glossary.toml", 1)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("path", "text", "line", "message"),
    [
        ("content/glossary.toml", f'[[term]]\nterm = "Daesh"\ndefinition = "d"\nnote = {HUGE_HEX}\n', 4, TOO_LONG_TO_SHOW),
        ("content/glossary.toml", '[[term]]\nterm = "Daesh"\ndefinition = "d"\nnote = ' + "9" * 4301 + "\n", 4, TOO_LONG_TO_SHOW),
        ("content/timeline.toml", f'[[event]]\ndate = "2016-10-17"\ntitle = {HUGE_HEX}\n', 3, TOO_LONG_TO_SHOW),
        ("content/articles/a.md", f'+++\ntitle = "A"\ndate = 2020-01-01\nsummary = {HUGE_HEX}\n+++\n', 4, TOO_LONG_TO_SHOW),
        (
            "content/articles/a.md",
            f'+++\ntitle = "A"\ndate = 2020-01-01\n[[notes]]\n[[notes.parts]]\nn = 1\n[[notes]]\n[[notes.parts]]\nn = 2\n[[notes.parts]]\nn = {HUGE_HEX}\n+++\n',
            11,
            TOO_LONG_TO_SHOW,
        ),
    ],
    ids=["glossary-hexadecimal", "glossary-decimal", "timeline", "toml-front-matter", "nested-array-of-tables"],
)
def test_a_toml_number_too_long_to_show_is_an_error_at_its_line(archive, path, text, line, message):
    archive.write(path, text)

    error = only_error(archive)

    assert (error.path, error.line) == (path, line)
    assert error.message.endswith(message.removeprefix("is "))


def test_yaml_merge_keys_may_be_overridden_beside_them(archive):
    archive.write("content/articles/a.md", "---\nbase: &base {title: A, date: 2020-01-01}\n<<: *base\ntitle: B\n---\n")

    loaded, problems = load(archive)

    assert problems.errors == []
    assert [article.title for article in loaded.articles] == ["B"]


@pytest.mark.parametrize("fence", ["---", "+++"])
def test_front_matter_that_is_never_closed_is_an_error(archive, fence):
    archive.write("content/articles/a.md", f"{fence}\ntitle: A\ndate: 2020-01-01\n\nText.\n")

    error = only_error(archive)

    assert (error.path, error.line) == ("content/articles/a.md", 1)
    assert "never closed" in error.message


def test_file_without_front_matter_is_an_error(archive):
    archive.write("content/articles/a.md", "# A title\n\nText.\n")

    error = only_error(archive)

    assert (error.path, error.line) == ("content/articles/a.md", 1)
    assert "no front matter" in error.message


def test_empty_file_is_an_error(archive):
    archive.write("content/articles/a.md", "")

    assert located([only_error(archive)]) == [("content/articles/a.md", 1)]


def test_non_utf8_bytes_are_an_error_at_their_line(archive):
    archive.write("content/articles/a.md", "---\ntitle: A\ndate: 2020-01-01\nsummary: café\n---\n".encode("latin-1"))

    error = only_error(archive)

    assert (error.path, error.line) == ("content/articles/a.md", 4)
    assert "UTF-8" in error.message


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: "\ufeff".encode() + text.encode(), id="bom"),
        pytest.param(lambda text: text.replace("\n", "\r\n").encode(), id="crlf"),
        pytest.param(lambda text: "\ufeff".encode() + text.replace("\n", "\r\n").encode(), id="bom-crlf"),
        pytest.param(lambda text: text.replace("\n", "\r").encode(), id="cr"),
    ],
)
def test_bom_and_windows_line_endings_load_like_plain_lf(archive, tmp_path, encode):
    text = article_text(title="Mosul", body="First paragraph.\n\nSecond paragraph.", tags="[iraq]")

    plain = load_one_article(archive, "content/articles/a.md", text.encode())
    variant = load_one_article(new_archive(tmp_path, "variant"), "content/articles/a.md", encode(text))

    assert variant == plain
    assert (variant.title, variant.body, variant.body_line) == ("Mosul", "\nFirst paragraph.\n\nSecond paragraph.\n", 6)


# --- slugs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stem", "slug"),
    [
        ("mosul", "mosul"),
        ("2016-11-27-islamic-state", "islamic-state"),
        ("2016-11-27-Islamic-State", "islamic-state"),
        ("2016-11-27 Islamic State", "islamic-state"),
        ("2016-11-27_islamic_state", "islamic-state"),
        ("2016-11-27", "2016-11-27"),
        ("Café", "cafe"),
        ("Battle for Mosul, part 2!", "battle-for-mosul-part-2"),
        ("al_Raqqa__news", "al-raqqa-news"),
    ],
)
def test_slug_comes_from_the_file_name_without_its_date_prefix(archive, stem, slug):
    article = load_one_article(archive, f"content/articles/{stem}.md", article_text())

    assert article.slug == slug


def test_explicit_slug_replaces_the_file_name(archive):
    article = load_one_article(archive, "content/articles/2016-10-17-x.md", article_text(slug="battle-begins"))

    assert article.slug == "battle-begins"


@pytest.mark.parametrize("slug", ["Mosul", "battle_begins", "battle--begins", "-mosul", "café"])
def test_explicit_slug_must_follow_the_slug_rule(archive, slug):
    archive.article("a", slug=slug)

    error = only_error(archive)

    assert (error.path, error.line) == ("content/articles/a.md", 4)
    assert "`slug`" in error.message


def test_file_name_that_gives_an_empty_slug_is_an_error(archive):
    archive.article("2016-10-17-!!!")

    assert "empty slug" in only_error(archive).message


def assert_duplicate_slug(errors: list[Diagnostic], first: str, second: str) -> None:
    assert located(errors) == [(first, 1), (second, 1)]
    for error in errors:
        assert "duplicate slug" in error.message
        assert first in error.message and second in error.message


def test_duplicate_slugs_are_an_error_naming_both_files(archive):
    archive.article("2016/2016-10-17-mosul")
    archive.article("2017/mosul")

    assert_duplicate_slug(
        errors_of(archive), "content/articles/2016/2016-10-17-mosul.md", "content/articles/2017/mosul.md"
    )


def test_explicit_slug_equal_to_another_file_slug_is_a_duplicate(archive):
    archive.article("mosul")
    archive.article("other", slug="mosul")

    assert_duplicate_slug(errors_of(archive), "content/articles/mosul.md", "content/articles/other.md")


def test_entities_may_sit_in_folders_of_their_own(archive):
    archive.write("content/entities/places/mosul.md", MOSUL_ENTITY)

    assert [entity.id for entity in load_cleanly(archive).entities] == ["mosul"]


@pytest.mark.parametrize("second", ["content/entities/cities/mosul.md", "content/entities/mosul.MD"])
def test_two_entity_files_of_one_name_are_an_error_naming_both(archive, second):
    archive.write("content/entities/places/mosul.md", MOSUL_ENTITY)
    archive.write(second, MOSUL_ENTITY)

    errors = errors_of(archive)

    paths = sorted(["content/entities/places/mosul.md", second])
    assert sorted(located(errors)) == [(path, 1) for path in paths]
    for error in errors:
        assert error.message.startswith("duplicate entity id 'mosul': ")
        assert error.message.endswith(" would be the same entity; rename one of the files")
        assert all(path in error.message for path in paths)


def test_slugs_differing_only_by_case_are_duplicates(archive):
    archive.article("one/Mosul")
    archive.article("two/mosul")

    assert_duplicate_slug(errors_of(archive), "content/articles/one/Mosul.md", "content/articles/two/mosul.md")


def test_slugs_differing_only_by_unicode_normalisation_are_duplicates(archive):
    composed, decomposed = unicodedata.normalize("NFC", "café"), unicodedata.normalize("NFD", "café")
    assert composed != decomposed
    archive.article(f"one/{composed}")
    archive.article(f"two/{decomposed}")

    assert_duplicate_slug(
        errors_of(archive), f"content/articles/one/{composed}.md", f"content/articles/two/{decomposed}.md"
    )


# --- drafts -----------------------------------------------------------------------------------


def test_drafts_are_left_out_by_default(archive):
    archive.article("published")
    archive.article("unfinished", draft="true")

    assert [a.slug for a in load_cleanly(archive).articles] == ["published"]


def test_drafts_are_included_when_the_settings_ask_for_them(archive):
    archive.article("published", date="2020-01-02")
    archive.article("unfinished", date="2020-01-01", draft="true")

    loaded = load_cleanly(archive, SETTINGS.with_overrides(drafts=True))

    assert [(a.slug, a.draft) for a in loaded.articles] == [("published", False), ("unfinished", True)]


# --- entities --------------------------------------------------------------------------------


def test_entity_fields_are_loaded(archive):
    archive.write(
        "content/entities/haider-al-abadi.md",
        """\
---
name: Haider al-Abadi
kind: person
aliases: [al-Abadi, Abadi]
summary: Prime Minister of Iraq.
links:
  Wikipedia: https://en.wikipedia.org/wiki/Haider_al-Abadi
  Official site: "http://pmo.iq/"
roles:
  - title: Prime Minister of Iraq
    from: 2014-09-08
    to: 2018-10
  - title: Party member
    from: 1967
---
He led Iraq during the *war* against Islamic State.
""",
    )

    [entity] = load_cleanly(archive).entities

    assert entity == models.Entity(
        id="haider-al-abadi",
        name="Haider al-Abadi",
        kind="person",
        pos=SourcePos("content/entities/haider-al-abadi.md", 1),
        aliases=("al-Abadi", "Abadi"),
        summary="Prime Minister of Iraq.",
        links=(
            ("Wikipedia", "https://en.wikipedia.org/wiki/Haider_al-Abadi"),
            ("Official site", "http://pmo.iq/"),
        ),
        roles=(
            Role("Prime Minister of Iraq", PartialDate(2014, 9, 8), PartialDate(2018, 10)),
            Role("Party member", PartialDate(1967), None),
        ),
        body="He led Iraq during the *war* against Islamic State.\n",
        body_line=16,
    )


@pytest.mark.parametrize("kind", ["person", "organization", "place", "event", "other"])
def test_entity_kind_may_be_any_of_the_five_kinds(archive, kind):
    archive.write("content/entities/x.md", f"---\nname: X\nkind: {kind}\n---\n")

    assert load_cleanly(archive).entities[0].kind == kind


def test_unknown_entity_kind_is_an_error_at_its_line(archive):
    archive.write("content/entities/x.md", "---\nname: X\nkind: planet\n---\n")

    error = only_error(archive)

    assert (error.path, error.line) == ("content/entities/x.md", 3)
    assert "person, organization, place, event, other" in error.message


@pytest.mark.parametrize("missing", ["name", "kind"])
def test_entity_name_and_kind_are_required(archive, missing):
    lines = {"name": "name: X", "kind": "kind: place"}
    del lines[missing]
    archive.write("content/entities/x.md", "---\nsummary: s\n" + "\n".join(lines.values()) + "\n---\n")

    error = only_error(archive)

    assert error.path == "content/entities/x.md"
    assert f"`{missing}`" in error.message


@pytest.mark.parametrize("file_name", ["Mosul.md", "al_asad.md", "al asad.md", "café.md"])
def test_entity_file_name_must_be_a_valid_id(archive, file_name):
    archive.write(f"content/entities/{file_name}", MOSUL_ENTITY)

    loaded, problems = load(archive)

    assert loaded.entities == ()
    assert located(problems.errors) == [(f"content/entities/{file_name}", None)]


def test_entity_link_must_be_http_or_https(archive):
    archive.write(
        "content/entities/x.md",
        '---\nname: X\nkind: place\nlinks:\n  Map: https://osm.org/x\n  Trap: "javascript:alert(1)"\n---\n',
    )

    error = only_error(archive)

    assert (error.path, error.line) == ("content/entities/x.md", 4)
    assert "'Trap'" in error.message


def test_role_ending_before_it_starts_is_an_error(archive):
    archive.write(
        "content/entities/x.md",
        "---\nname: X\nkind: person\nroles:\n  - title: Mayor\n    from: 2016-05\n    to: 2016-04\n---\n",
    )

    error = only_error(archive)

    assert (error.path, error.line) == ("content/entities/x.md", 4)
    assert "ends (2016-04) before it starts (2016-05)" in error.message


def test_role_ending_in_the_month_it_starts_is_valid(archive):
    archive.write(
        "content/entities/x.md",
        "---\nname: X\nkind: person\nroles:\n  - title: Mayor\n    from: 2016-05-20\n    to: 2016-05\n---\n",
    )

    [entity] = load_cleanly(archive).entities

    assert entity.roles == (Role("Mayor", PartialDate(2016, 5, 20), PartialDate(2016, 5)),)


@pytest.mark.parametrize(("title", "complaint"), [("[Mayor, Governor]", "must be text, not a list"), ("", "needs a `title`")])
def test_role_title_must_be_text(archive, title, complaint):
    archive.write("content/entities/x.md", f"---\nname: X\nkind: person\nroles:\n  - title: {title}\n    from: 2016\n---\n")

    error = only_error(archive)

    assert (error.path, error.line) == ("content/entities/x.md", 4)
    assert complaint in error.message


@pytest.mark.parametrize("label", ['""', '"  "', "~"])
def test_a_link_without_a_label_is_an_error_at_its_line(archive, label):
    # Its page would show an empty link, or one reading "None".
    archive.write("content/entities/x.md", f'---\nname: X\nkind: place\nlinks:\n  {label}: "https://example.org/x"\n---\n')

    error = only_error(archive)

    assert (error.path, error.line) == ("content/entities/x.md", 4)
    assert "needs a label" in error.message


@pytest.mark.parametrize(
    ("field", "character"),
    [
        ('roles:\n  - title: "Mayor\\x01"\n    from: 2016', "U+0001"),
        ('links:\n  "Wiki\\x1b": "https://example.org/x"', "U+001B"),
    ],
)
def test_a_control_character_in_a_role_title_or_a_link_label_is_an_error_at_its_line(archive, field, character):
    archive.write("content/entities/x.md", f"---\nname: X\nkind: person\n{field}\n---\n")

    error = only_error(archive)

    assert (error.path, error.line) == ("content/entities/x.md", 4)
    assert f"contains {character} (a control character)" in error.message


@pytest.mark.parametrize(
    "field",
    [
        'summary: "Mosul \\u202eretaken"',  # a right-to-left override, never closed
        'tags: ["\\u2067Iraq"]',  # a right-to-left isolate, never closed
        'authors: ["A \\u202b\\u202e B \\u202c"]',  # two opened, one closed
        'source: "\\u202bThe \\u2067Times\\u202c\\u2069"',  # an embedding whose close falls inside an isolate
    ],
)
def test_a_value_that_turns_the_writing_direction_and_does_not_turn_it_back_is_an_error_at_its_line(archive, field):
    archive.write("content/articles/a.md", f"---\ntitle: A\ndate: 2020-01-01\n{field}\n---\nText.\n")

    error = only_error(archive)

    assert (error.path, error.line) == ("content/articles/a.md", 4)
    assert "turns the writing direction with U+" in error.message and "after it" in error.message


def test_a_value_that_turns_the_writing_direction_back_loads(archive):
    archive.article("a", title="A", body="Text.", authors='["\u2067Mosul\u2069", "A \u202eB\u202c"]')

    [article] = load_cleanly(archive).articles

    assert article.authors == ("\u2067Mosul\u2069", "A \u202eB\u202c")


@pytest.mark.parametrize(("start", "end"), [("2016", "9999-12"), ("9999-12", "9999-12"), ("0001", "0001-01")])
def test_role_may_end_in_the_last_month_a_date_can_hold(archive, start, end):
    archive.write(
        "content/entities/x.md",
        f'---\nname: X\nkind: person\nroles:\n  - title: Mayor\n    from: "{start}"\n    to: "{end}"\n---\n',
    )

    [entity] = load_cleanly(archive).entities

    assert [(role.start.iso, role.end.iso) for role in entity.roles] == [(start, end)]


@pytest.mark.parametrize("bad", ["2016-13", "2016-02-30", "May 2016"])
def test_role_date_must_be_a_partial_date(archive, bad):
    archive.write(
        "content/entities/x.md",
        f'---\nname: X\nkind: person\nroles:\n  - title: Mayor\n    from: "{bad}"\n---\n',
    )

    error = only_error(archive)

    assert error.line == 4
    assert "`from`" in error.message


# --- glossary -----------------------------------------------------------------------------------


def test_glossary_terms_are_loaded(archive):
    archive.write("content/entities/islamic-state.md", "---\nname: Islamic State\nkind: organization\n---\n")
    archive.write(
        "content/glossary.toml",
        """\
[[term]]
term = "Daesh"
aliases = ["ISIS", "ISIL"]
definition = "An Arabic acronym for *Islamic State*."
see = ["islamic-state", "khilafa"]

[[term]]
term = "Caliphate"
id = "khilafa"
definition = "A state ruled by a caliph."
case_sensitive = false
""",
    )

    daesh, caliphate = load_cleanly(archive).terms

    assert daesh == models.Term(
        id="daesh",
        term="Daesh",
        definition="An Arabic acronym for *Islamic State*.",
        pos=SourcePos("content/glossary.toml", 1),
        aliases=("ISIS", "ISIL"),
        see=("islamic-state", "khilafa"),
        case_sensitive=True,
    )
    assert (caliphate.id, caliphate.case_sensitive, caliphate.pos.line) == ("khilafa", False, 7)


def test_term_id_defaults_to_the_slug_of_the_term(archive):
    archive.write("content/glossary.toml", '[[term]]\nterm = "Hashd al-Sha\'abi"\ndefinition = "d"\n')

    assert [t.id for t in load_cleanly(archive).terms] == ["hashd-al-sha-abi"]


def test_term_whose_name_gives_no_id_needs_an_explicit_id(archive):
    archive.write("content/glossary.toml", '[[term]]\nterm = "%"\ndefinition = "per cent"\n')

    error = only_error(archive)

    assert (error.path, error.line) == ("content/glossary.toml", 2)
    assert "`id`" in error.message


def test_term_see_must_name_an_entity_or_a_term(archive):
    archive.write("content/glossary.toml", '[[term]]\nterm = "Daesh"\ndefinition = "d"\nsee = ["nobody"]\n')

    error = only_error(archive)

    assert (error.path, error.line) == ("content/glossary.toml", 1)
    assert "'nobody'" in error.message


def test_duplicate_term_ids_are_an_error_naming_the_terms(archive):
    archive.write(
        "content/glossary.toml",
        '[[term]]\nterm = "Daesh"\ndefinition = "d"\n\n[[term]]\nterm = "DAESH"\ndefinition = "again"\n',
    )

    error = only_error(archive)

    assert (error.path, error.line) == ("content/glossary.toml", 5)
    assert "'daesh'" in error.message
    assert "'Daesh'" in error.message and "'DAESH'" in error.message


@pytest.mark.parametrize(
    ("table", "line", "complaint"),
    [
        ('term = "Daesh"', 1, "missing required `definition`"),
        ('term = "Daesh"\ndefinition = "d"\ncase_sensitive = "no"', 4, "`case_sensitive` must be true or false"),
        ('term = "Daesh"\ndefinition = "d"\nid = "Daesh"', 4, "`id` 'Daesh'"),
        ('term = "Daesh"\ndefinition = "d"\naliases = 3', 4, "`aliases` must be a list"),
    ],
)
def test_term_errors_carry_the_line_of_the_header_or_key(archive, table, line, complaint):
    """`line` counts from the second [[term]] header, which is line 1."""
    valid = '# Glossary\n\n[[term]]\nterm = "Ok"\ndefinition = "fine"\n\n'
    archive.write("content/glossary.toml", valid + "[[term]]\n" + table + "\n")
    line += 6  # a comment and a valid term come first

    error = only_error(archive)

    assert (error.path, error.line) == ("content/glossary.toml", line)
    assert complaint in error.message


@pytest.mark.parametrize("file", ["glossary.toml", "timeline.toml"])
@pytest.mark.parametrize(
    ("value", "found"),
    [('["a", "b"]', "a list holding text"), ("[1]", "a list holding a number"), ('"a"', "text"), ("[[1]]", "a list holding a list")],
)
def test_glossary_and_timeline_entries_must_be_tables(archive, file, value, found):
    array = "term" if file == "glossary.toml" else "event"
    archive.write(f"content/{file}", f"# {file}\n{array} = {value}\n")

    error = only_error(archive)

    assert (error.path, error.line) == (f"content/{file}", 2)
    assert error.message == (
        f"`{array}` must be written as [[{array}]] tables, each a `[[{array}]]` line followed by its keys, not as {found}"
    )


def test_invalid_glossary_toml_is_an_error_at_its_line(archive):
    archive.write("content/glossary.toml", '[[term]]\nterm = "Daesh"\ndefinition = \n')

    error = only_error(archive)

    assert (error.path, error.line) == ("content/glossary.toml", 3)
    assert "invalid TOML" in error.message


# --- timeline --------------------------------------------------------------------------------


def test_timeline_events_are_loaded_in_file_order(archive):
    archive.write("content/entities/mosul.md", MOSUL_ENTITY)
    archive.article("battle-begins")
    archive.write(
        "content/timeline.toml",
        """\
[[event]]
date = "2016-10"
end = 2017-07-09
circa = true
title = "Battle of Mosul"
description = "Iraqi forces retake the *city*."
entities = ["mosul"]
articles = ["battle-begins"]

[[event]]
date = 2014
title = "Islamic State takes Mosul"
""",
    )

    assert load_cleanly(archive).events == (
        Event(
            date=PartialDate(2016, 10),
            end=PartialDate(2017, 7, 9),
            circa=True,
            title="Battle of Mosul",
            description="Iraqi forces retake the *city*.",
            entity_ids=("mosul",),
            article_slugs=("battle-begins",),
            pos=SourcePos("content/timeline.toml", 1),
        ),
        Event(date=PartialDate(2014), title="Islamic State takes Mosul", pos=SourcePos("content/timeline.toml", 10)),
    )


@pytest.mark.parametrize(
    ("written", "expected"),
    [("2016", PartialDate(2016)), ('"2016-10"', PartialDate(2016, 10)), ("2016-10-17", PartialDate(2016, 10, 17))],
)
def test_timeline_date_may_be_a_year_a_month_or_a_day(archive, written, expected):
    archive.write("content/timeline.toml", f'[[event]]\ndate = {written}\ntitle = "E"\n')

    assert load_cleanly(archive).events[0].date == expected


@pytest.mark.parametrize(
    ("table", "line", "complaint"),
    [
        ('date = "2016-10-17"\nend = "2016-10-01"\ntitle = "E"', 3, "`end` 2016-10-01 is before `date` 2016-10-17"),
        ('date = "2016-13"\ntitle = "E"', 2, "not a real calendar date"),
        ('date = "October 2016"\ntitle = "E"', 2, "not a date"),
        ('title = "E"', 1, "missing required `date`"),
        ('date = 2016', 1, "missing required `title`"),
        ('date = 2016\ntitle = "E"\ncirca = "yes"', 4, "`circa` must be true or false"),
    ],
)
def test_timeline_errors_carry_the_line_of_the_header_or_key(archive, table, line, complaint):
    """`line` counts from the second [[event]] header, which is line 1."""
    archive.write("content/timeline.toml", '[[event]]\ndate = 2014\ntitle = "Fine"\n\n[[event]]\n' + table + "\n")
    line += 4  # the first four lines hold a valid event

    error = only_error(archive)

    assert (error.path, error.line) == ("content/timeline.toml", line)
    assert complaint in error.message


def test_timeline_end_in_the_same_period_as_date_is_valid(archive):
    archive.write("content/timeline.toml", '[[event]]\ndate = "2016-10-17"\nend = "2016-10"\ntitle = "E"\n')

    assert load_cleanly(archive).events[0].end == PartialDate(2016, 10)


@pytest.mark.parametrize(
    ("date", "end"),
    [("2016", "9999-12"), ("2016", "9999"), ("9999-12", "9999-12-31"), ("0001", "0001-01"), ("0001-01-01", "0001-01")],
)
def test_timeline_dates_may_be_any_year_from_1_to_9999(archive, date, end):
    archive.write("content/timeline.toml", f'[[event]]\ndate = "{date}"\nend = "{end}"\ntitle = "E"\n')

    [event] = load_cleanly(archive).events

    assert (event.date.iso, event.end.iso) == (date, end)


def test_timeline_entities_and_articles_must_exist(archive):
    archive.write("content/entities/mosul.md", MOSUL_ENTITY)
    archive.article("battle-begins")
    archive.write(
        "content/timeline.toml",
        '[[event]]\ndate = 2014\ntitle = "Fine"\nentities = ["mosul"]\narticles = ["battle-begins"]\n\n'
        '[[event]]\ndate = 2016\ntitle = "Broken"\nentities = ["raqqa"]\narticles = ["no-such-article"]\n',
    )

    errors = errors_of(archive)

    assert located(errors) == [("content/timeline.toml", 7), ("content/timeline.toml", 7)]
    assert any("entity 'raqqa' does not exist" in e.message for e in errors)
    assert any("article 'no-such-article' does not exist" in e.message for e in errors)


def test_timeline_articles_name_slugs_not_file_names(archive):
    archive.article("2016-10-17-battle-begins")
    archive.write(
        "content/timeline.toml", '[[event]]\ndate = 2016\ntitle = "E"\narticles = ["2016-10-17-battle-begins"]\n'
    )

    assert "'2016-10-17-battle-begins'" in only_error(archive).message
