"""Where a cold single build (`sitegen build`) does its work.

The main process plans; the pages are made, digested and rendered in the
rendering processes, which otherwise wait for it. So a single build plans
the pages of articles, their citation files, the pages of entities and the
files of open data without making them, and what it then makes is exactly
what a builder that lives on (watch, serve) makes at once. Nor does the
cycle collector walk the plan over and over while it is made. The sources,
too, are parsed in worker processes, which send back what they made, and
the digest of what each planned page is made from, kept for the next build,
is taken where the page is made.
"""

from __future__ import annotations

import gc
import os

import pytest

import sitegen.engine.builder
import sitegen.engine.made_from
import sitegen.pipeline.load
import sitegen.pipeline.article_pages
import sitegen.pipeline.entity_pages
import sitegen.pipeline.open_data_pages
from sitegen.engine.builder import BuildOptions, Builder, build
from sitegen.engine.parallel import MIN_ITEMS_FOR_WORKERS
from sitegen.pipeline.exports import DATA_FILE_NAMES, DATA_FOLDER
from sitegen.pipeline.site import PlannedPage

from conftest import Archive
from test_entity_pages import MANY, articles_on, events, with_mosul


def calls_of(monkeypatch, module, name: str) -> list:
    """The arguments of every call of `module.name`, which still does its work."""
    calls, real = [], getattr(module, name)
    monkeypatch.setattr(module, name, lambda *args: calls.append(args) or real(*args))
    return calls


def single_build_plan(archive: Archive):
    return Builder(BuildOptions(root=archive.root, workers=1, cache=False), lasting=False).plan()


def lasting_builder_plan(archive: Archive):
    return Builder(BuildOptions(root=archive.root, workers=1, cache=False)).plan()


def test_a_single_build_plans_the_pages_of_entities_without_making_them(archive, monkeypatch):
    with_mosul(archive)
    articles_on(archive, MANY[:3])
    made = calls_of(monkeypatch, sitegen.pipeline.entity_pages, "pages_of_entity")

    plan = single_build_plan(archive)

    entity_pages = [page for page in plan.pages if page.path.startswith("entities/") and page.path.endswith("/")][1:]  # not the index
    assert {page.path for page in entity_pages} == {"entities/mosul/", "entities/raqqa/"}
    assert made == [] and all(isinstance(page, PlannedPage) for page in entity_pages)


def test_a_single_build_plans_the_citation_files_of_articles_without_making_them(archive, monkeypatch):
    articles_on(archive, MANY[:3])
    made = calls_of(monkeypatch, sitegen.pipeline.article_pages, "citation_files")
    made_alone = calls_of(monkeypatch, sitegen.pipeline.article_pages, "citation_file")

    plan = single_build_plan(archive)

    citations = [page for page in plan.pages if page.path.endswith(("cite.bib", "cite.json"))]
    assert len(citations) == 6 and all(isinstance(page, PlannedPage) and not page.indexable for page in citations)
    assert made == [] and made_alone == []


def test_a_single_build_plans_the_files_of_open_data_without_making_them(archive, monkeypatch):
    with_mosul(archive)
    articles_on(archive, MANY[:3])
    made = calls_of(monkeypatch, sitegen.pipeline.open_data_pages, "data_files")

    plan = single_build_plan(archive)

    data = [page for page in plan.pages if page.path.startswith("data/")]
    assert [page.path for page in data] == [f"data/{name}" for name in DATA_FILE_NAMES] + ["data/"]
    assert made == [] and all(isinstance(page, PlannedPage) for page in data)


def test_the_pages_a_single_build_plans_are_those_a_lasting_builder_makes(archive):
    with_mosul(archive)
    articles_on(archive, MANY)  # three pages of Mosul's articles
    events(archive, 9)  # and a page of all its events

    planned = single_build_plan(archive).pages
    made = [page.make() if isinstance(page, PlannedPage) else page for page in planned]

    assert "entities/mosul/page/3/" in [page.path for page in made] and "entities/mosul/timeline/" in [page.path for page in made]
    assert made == lasting_builder_plan(archive).pages


def test_each_planned_page_of_an_entity_is_made_with_its_fellows_once(archive, monkeypatch):
    with_mosul(archive)
    articles_on(archive, MANY)
    made = calls_of(monkeypatch, sitegen.pipeline.entity_pages, "pages_of_entity")
    plan = single_build_plan(archive)

    for page in plan.pages:
        if page.path.startswith("entities/mosul/") and isinstance(page, PlannedPage):  # its three pages
            page.make()

    assert [args[0].id for args in made] == ["mosul"]


def test_the_cycle_collector_does_not_run_while_the_pages_are_planned(archive, monkeypatch):
    articles_on(archive, MANY[:3])
    collecting = []
    real = sitegen.engine.builder.plan_pages
    monkeypatch.setattr(sitegen.engine.builder, "plan_pages", lambda *args: collecting.append(gc.isenabled()) or real(*args))

    single_build_plan(archive)

    assert collecting == [False] and gc.isenabled()


def test_a_build_from_the_last_ones_cache_collects_cycles_while_it_plans(archive, monkeypatch):
    articles_on(archive, MANY[:3])
    build(BuildOptions(root=archive.root, workers=1))
    collecting = []
    real = sitegen.engine.builder.plan_pages
    monkeypatch.setattr(sitegen.engine.builder, "plan_pages", lambda *args: collecting.append(gc.isenabled()) or real(*args))
    archive.article("a000", title="Article 000, retitled", date=MANY[0], body="Edited.")  # its card changed: every page is planned

    build(BuildOptions(root=archive.root, workers=1))

    assert collecting == [True]


def many_articles(archive: Archive, count: int = MIN_ITEMS_FOR_WORKERS, **extra) -> None:
    """Enough articles for the load to parse them in worker processes; the first with `extra` fields."""
    for number in range(count):
        archive.article(f"a{number:03d}", title=f"Article {number}", body=f"Text {number}.", **(extra if number == 0 else {}))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_the_sources_are_parsed_in_worker_processes_each_once(archive, tmp_path, monkeypatch):
    many_articles(archive)
    log = tmp_path / "parsed.log"
    real = sitegen.pipeline.load.read_article

    def logged(root, path, problems):
        with open(log, "a", encoding="utf-8") as stream:  # appends of one short line do not interleave
            stream.write(f"{os.getpid()} {path.name}\n")
        return real(root, path, problems)

    monkeypatch.setattr(sitegen.pipeline.load, "read_article", logged)
    result = Builder(BuildOptions(root=archive.root, workers=2, cache=False), lasting=False).build()

    parsed = [line.split() for line in log.read_text().splitlines()]
    assert result.articles == MIN_ITEMS_FOR_WORKERS == len({name for _, name in parsed}) == len(parsed)
    assert str(os.getpid()) not in {pid for pid, _ in parsed}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_the_problems_found_by_the_processes_that_parse_are_reported(archive):
    many_articles(archive, colour="red")

    result = Builder(BuildOptions(root=archive.root, workers=2, cache=False), lasting=False).build()

    assert [(warning.path, warning.line) for warning in result.warnings] == [("content/articles/a000.md", 4)]
    assert "colour" in result.warnings[0].message


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_the_digests_of_what_planned_pages_are_made_from_are_taken_where_they_are_made(archive, tmp_path, monkeypatch):
    many_articles(archive)
    log = tmp_path / "digested.log"
    real = sitegen.engine.made_from.MadeFrom.digest

    def logged(self, path, template, inputs):
        with open(log, "a", encoding="utf-8") as stream:  # appends of one short line do not interleave
            stream.write(f"{os.getpid()} {path}\n")
        return real(self, path, template, inputs)

    monkeypatch.setattr(sitegen.engine.made_from.MadeFrom, "digest", logged)
    Builder(BuildOptions(root=archive.root, workers=2), lasting=False).build()

    digested = [line.split() for line in log.read_text().splitlines()]
    assert {"articles/a000/", "articles/a000/cite.bib"} <= {path for _, path in digested}
    # Only the files of data/ are made in the build's own process (see test_build_memory.py), and digested there.
    assert {path for pid, path in digested if pid == str(os.getpid())} <= {DATA_FOLDER, *(DATA_FOLDER + name for name in DATA_FILE_NAMES)}
