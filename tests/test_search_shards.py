"""The search index in shards: which pages each Pagefind run indexes, the bundles and
manifest a build writes, their reuse by later builds, and one search over them all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from browser import serve
from conftest import DEFAULT_SITE_TOML, Archive, article_text
from search_page import STATUS, filter_checkbox, filter_counts, open_filter, result_links

import sitegen.engine.staged_writer
import sitegen.pipeline.search
import sitegen.pipeline.search_indexer
from sitegen.engine.builder import Builder, BuildOptions
from sitegen.model.errors import ContentError
from sitegen.pipeline.config import parse_settings
from sitegen.pipeline.search import is_indexed_page, pagefind_binary
from sitegen.pipeline.search_indexer import Runs
from sitegen.pipeline.search_shards import assign_shards
from sitegen.pipeline.spare_site import spare_folder
from sitegen.pipeline.staged_output import StagedOutput

BASE_URL = "https://example.org/repo/"


# --- which shard a page goes to -----------------------------------------------------------


def article_pages(*years: int) -> dict[str, int]:
    """Article page files (articles/a-<year>-<n>/index.html) and their years."""
    return {f"articles/a-{year}-{n:02}/index.html": year for n, year in enumerate(years)}


def test_an_archive_within_the_budget_is_one_shard_at_the_top_of_the_bundle():
    years = article_pages(2015, 2016)
    shards = assign_shards([*years, "entities/x/index.html"], years, ["/glossary/#t"], budget=4)
    assert [(shard.name, shard.folder, len(shard.pages), shard.records) for shard in shards] == [("all", "", 3, ("/glossary/#t",))]


def test_articles_go_by_year_and_everything_else_to_the_site_shards():
    years = article_pages(2015, 2016, 2016)
    shards = assign_shards([*years, "entities/x/index.html"], years, ["/glossary/#t"], budget=2)
    assert {shard.name: (shard.folder, shard.pages, shard.records) for shard in shards} == {
        "articles-2015": ("articles-2015/", ("articles/a-2015-00/index.html",), ()),
        "articles-2016": ("articles-2016/", ("articles/a-2016-01/index.html", "articles/a-2016-02/index.html"), ()),
        "site": ("site/", ("entities/x/index.html",), ("/glossary/#t",)),
    }


def test_a_year_larger_than_the_budget_is_cut_in_consecutive_parts_in_the_order_of_the_paths():
    years = article_pages(*[2016] * 7)
    shards = assign_shards(reversed(list(years)), years, [], budget=3)
    assert [shard.name for shard in shards] == ["articles-2016-1", "articles-2016-2", "articles-2016-3"]
    assert [page for shard in shards for page in shard.pages] == sorted(years)
    assert [len(shard.pages) for shard in shards] == [3, 3, 1]


@pytest.mark.parametrize("budget", [1, 2, 5, 13])
def test_no_shard_holds_more_than_the_budget_and_every_page_and_record_is_in_one(budget):
    years = article_pages(*[2010 + n % 4 for n in range(30)])
    pages = [*years, *(f"entities/e{n}/index.html" for n in range(9))]
    records = [f"/glossary/#t{n}" for n in range(6)]
    shards = assign_shards(pages, years, records, budget)
    assert max(len(shard.pages) + len(shard.records) for shard in shards) <= budget
    assert sorted(page for shard in shards for page in shard.pages) == sorted(pages)
    assert [record for shard in shards for record in shard.records] == records


def test_a_new_article_moves_no_page_of_another_year_nor_of_the_site():
    years = article_pages(2015, 2015, 2016, 2016, 2016)
    pages = [*years, "entities/x/index.html", "entities/y/index.html"]
    before = assign_shards(pages, years, ["/glossary/#t"], budget=2)
    years_after = {**years, "articles/a-2016-99/index.html": 2016}
    after = assign_shards([*pages, "articles/a-2016-99/index.html"], years_after, ["/glossary/#t"], budget=2)
    unchanged = {shard for shard in before if not shard.name.startswith("articles-2016")}
    assert unchanged and unchanged <= set(after)


def test_the_assignment_does_not_depend_on_the_order_pages_are_given_in():
    years = article_pages(2015, 2016, 2016, 2017)
    pages = [*years, "entities/x/index.html"]
    assert assign_shards(pages, years, [], 2) == assign_shards(reversed(pages), years, [], 2)


# --- the setting ---------------------------------------------------------------------------


def test_shard_pages_defaults_to_4000():
    assert parse_settings('[site]\ntitle = "T"\nbase_url = "https://example.org/"\n').search.shard_pages == 4000


@pytest.mark.parametrize("value", [0, -5])
def test_a_shard_budget_below_one_page_is_an_error(value):
    with pytest.raises(ContentError) as problem:
        parse_settings(f'[site]\ntitle = "T"\nbase_url = "https://example.org/"\n\n[search]\nshard_pages = {value}\n')
    assert str(problem.value) == (
        f"site.toml:6: error: `search.shard_pages` must be a number of pages, 1 or more (4000 by default), not {value}"
    )


# --- a build in shards ---------------------------------------------------------------------

ENTITIES = {
    "mosul": '---\nname: "Mosul"\nkind: place\nsummary: "A city in northern Iraq."\n---\nThe city on the Tigris, a harbour.\n',
    "nato": '---\nname: "NATO"\nkind: organization\nsummary: "An alliance."\n---\nThe alliance met at the harbour.\n',
}
GLOSSARY = (
    '[[term]]\nterm = "caliphate"\ndefinition = "A state ruled by a caliph."\n\n'
    '[[term]]\nterm = "harbourmaster"\ndefinition = "Who keeps a harbour."\n'
)
# (file name, title, date, source, tags, body); every body says "harbour".
ARTICLES = [
    ("2015-03-01-dock", "Dock strike", "2015-03-01", "The Times", "[Labour]", "The harbour closed as Mosul waited."),
    ("2016-02-10-ships", "Ships return", "2016-02-10", "The Telegraph", "[Trade]", "Ships filled the harbour."),
    ("2016-06-05-cranes", "Cranes rise", "2016-06-05", "The Times", "[Trade, Labour]", "Cranes over the harbour and NATO."),
    ("2016-09-30-storm", "Storm damage", "2016-09-30", "The Telegraph", "[Weather]", "A storm hit the harbour."),
    ("2017-01-15-reopen", "Harbour reopens", "2017-01-15", "The Times", "[Trade]", "The harbour reopened near Mosul."),
]
SHARDS = ["articles-2015", "articles-2016-1", "articles-2016-2", "articles-2017", "site-1", "site-2"]


def sharded_archive(root: Path, shard_pages: int = 2) -> Archive:
    archive = Archive.create(root, DEFAULT_SITE_TOML.replace("enabled = false", f"enabled = true\nshard_pages = {shard_pages}"))
    for name, title, date, source, tags, body in ARTICLES:
        archive.write(f"content/articles/{name}.md", article_text(title=title, date=date, body=body, source=source, tags=tags))
    for name, text in ENTITIES.items():
        archive.write(f"content/entities/{name}.md", text)
    archive.write("content/glossary.toml", GLOSSARY)
    return archive


def bundle_files(archive: Archive) -> dict[str, bytes]:
    return {path: data for path, data in archive.output_files().items() if path.startswith("pagefind/")}


def identities(folder: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime) of every file under `folder`."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def sharded(tmp_path_factory) -> Archive:
    archive = sharded_archive(tmp_path_factory.mktemp("shards") / "site")
    archive.result = archive.build(base_url=BASE_URL)
    return archive


def test_each_shard_is_a_bundle_of_its_own_listed_in_the_manifest(sharded):
    manifest = json.loads((sharded.out / "pagefind/shards.json").read_text(encoding="utf-8"))
    assert [(shard["name"], shard["bundle"]) for shard in manifest["shards"]] == [(name, f"{name}/") for name in SHARDS]
    assert sum(shard["pages"] for shard in manifest["shards"]) == len(ARTICLES) + len(ENTITIES)
    assert sum(shard["records"] for shard in manifest["shards"]) == 2
    for name in SHARDS:
        assert (sharded.out / "pagefind" / name / "pagefind-entry.json").is_file()
        assert (sharded.out / "pagefind" / name / "pagefind.js").is_file()
    assert sharded.result.search.shards == len(SHARDS) and sharded.result.search.indexed == len(SHARDS)


def test_two_clean_builds_give_the_same_bundles_byte_for_byte(tmp_path):
    first, second = sharded_archive(tmp_path / "one"), sharded_archive(tmp_path / "two")
    first.build(cache=False)
    subprocess.run(
        [sys.executable, "-m", "sitegen", "build", "--quiet", "--no-cache", "--root", str(second.root)],
        env={**os.environ, "PYTHONHASHSEED": "12345", "TZ": "Asia/Kolkata"}, check=True, timeout=120,
    )  # fmt: skip
    assert bundle_files(first) == bundle_files(second)
    assert len({path.split("/")[1] for path in bundle_files(first)} & set(SHARDS)) == len(SHARDS)


def test_an_archive_within_the_budget_keeps_one_bundle_in_pagefind_itself(tmp_path):
    archive = sharded_archive(tmp_path / "site", shard_pages=4000)
    archive.build()
    manifest = json.loads((archive.out / "pagefind/shards.json").read_text(encoding="utf-8"))
    assert [(shard["name"], shard["bundle"]) for shard in manifest["shards"]] == [("all", "")]
    assert (archive.out / "pagefind/pagefind-entry.json").is_file()
    assert sorted(path.name for path in (archive.out / "pagefind").iterdir() if path.is_dir()) == ["filter", "fragment", "index"]


def test_the_build_reads_each_page_just_before_sending_it_to_the_indexer_not_a_shard_at_once(tmp_path, monkeypatch):
    # A shard's pages are some 100 MiB at 4,000 pages: the build's process holds one page at a time.
    events: list[tuple[str, str]] = []
    real_read, real_add = sitegen.pipeline.search._read_page, sitegen.pipeline.search._add_file

    def reading(path: Path) -> bytes:
        events.append(("read", path.as_posix()))  # a page of the site being staged
        return real_read(path)

    def adding(index_id: int, page: str, data: bytes) -> dict:
        events.append(("send", page))
        return real_add(index_id, page, data)

    monkeypatch.setattr(sitegen.pipeline.search, "_read_page", reading)
    monkeypatch.setattr(sitegen.pipeline.search, "_add_file", adding)
    archive = sharded_archive(tmp_path / "site", shard_pages=4000)
    archive.build(base_url=BASE_URL)

    sent = [index for index, (what, _) in enumerate(events) if what == "send"]
    assert len(sent) == len(ARTICLES) + len(ENTITIES)
    assert all(events[index - 1][0] == "read" and events[index - 1][1].endswith("/" + events[index][1]) for index in sent)


def test_the_index_pagefind_hands_over_is_read_once_pagefind_has_ended(tmp_path, monkeypatch):
    # The whole index of a shard in one message: read while Pagefind still held it, its copies added to the peak.
    events: list[str] = []
    indexer = sitegen.pipeline.search_indexer.Indexer
    real_read, real_exit = indexer._read_answer, indexer.__exit__

    def reading(raw, doing, message_id, only=False):
        events.append(doing if doing == "writing the index" else "answer")
        return real_read(raw, doing, message_id, only)

    def exiting(self, *args):
        real_exit(self, *args)
        events.append("ended" if self._process.poll() is not None else "still running")

    monkeypatch.setattr(indexer, "_read_answer", staticmethod(reading))
    monkeypatch.setattr(indexer, "__exit__", exiting)
    archive = sharded_archive(tmp_path / "site")
    archive.build(base_url=BASE_URL, workers=1)

    last_of_each_run = [events[index - 1 : index + 1] for index, event in enumerate(events) if event == "writing the index"]
    assert last_of_each_run == [["ended", "writing the index"]] * len(SHARDS)


def test_a_page_that_changes_between_its_digest_and_its_indexing_fails_the_build(tmp_path, monkeypatch):
    # Read twice (see the test above): the shard's digest is always that of what was indexed.
    real_read = sitegen.pipeline.search._read_page
    reads: dict[Path, int] = {}

    def changing(path: Path) -> bytes:
        data = real_read(path)
        if b"Cranes over the harbour" in data:
            reads[path] = reads.get(path, 0) + 1
            if reads[path] == 2:  # as it is sent to the indexer
                return data.replace(b"Cranes over the harbour", b"Cranes over the marina")
        return data

    monkeypatch.setattr(sitegen.pipeline.search, "_read_page", changing)
    archive = sharded_archive(tmp_path / "site", shard_pages=4000)

    with pytest.raises(ContentError) as problem:
        archive.build(base_url=BASE_URL)

    (error,) = problem.value.errors
    assert error.path in {str(page) for page, count in reads.items() if count == 2}
    assert "the page changed while the search index was made" in error.message


def edit_the_2017_article(archive: Archive) -> None:
    name, title, date, source, tags, body = ARTICLES[-1]
    archive.write(f"content/articles/{name}.md", article_text(title=title, date=date, body=body + " Gulls came back.", source=source, tags=tags))


def test_editing_one_article_indexes_only_its_shard_again_and_keeps_the_other_files(tmp_path):
    archive = sharded_archive(tmp_path / "site")
    archive.build()
    before = identities(archive.out / "pagefind")
    edit_the_2017_article(archive)

    result = archive.build()

    assert (result.search.shards, result.search.indexed) == (len(SHARDS), 1)
    after = identities(archive.out / "pagefind")
    for name in SHARDS:
        shard = {path: identity for path, identity in after.items() if path.startswith(f"{name}/")}
        kept = {path: identity for path, identity in before.items() if path.startswith(f"{name}/")}
        assert (shard == kept) == (name != "articles-2017"), name
    assert bundle_files(archive) == {
        path: data for path, data in archive.clean_build_files(tmp_path).items() if path.startswith("pagefind/")
    }, "the same bundles as a clean build of the edited archive"


def test_the_refresh_of_watch_and_serve_indexes_only_the_changed_shard_and_swaps_the_whole_bundle(tmp_path):
    archive = sharded_archive(tmp_path / "site")
    builder = Builder(BuildOptions(root=archive.root))
    builder.build()
    before = identities(archive.out / "pagefind")
    edit_the_2017_article(archive)
    builder.build(incremental=True)

    report = builder.search_job()()

    assert (report.shards, report.indexed) == (len(SHARDS), 1)
    after = identities(archive.out / "pagefind")
    assert {p: i for p, i in after.items() if p.startswith("site-1/")} == {p: i for p, i in before.items() if p.startswith("site-1/")}
    assert bundle_files(archive) == {
        path: data for path, data in archive.clean_build_files(tmp_path).items() if path.startswith("pagefind/")
    }


def test_an_unchanged_single_index_is_kept_whole(tmp_path):
    archive = sharded_archive(tmp_path / "site", shard_pages=4000)
    archive.build()
    before = identities(archive.out / "pagefind")
    archive.write("content/static/notes.txt", "a file no search page shows\n")  # the build runs; no indexed page changes

    result = archive.build()

    assert (result.search.shards, result.search.indexed) == (1, 0)
    assert identities(archive.out / "pagefind") == before


def remove_a_fragment(archive: Archive) -> None:
    next((archive.out / "pagefind/articles-2015/fragment").iterdir()).unlink()


def spoil_an_entry_file(archive: Archive) -> None:
    with (archive.out / "pagefind/site-1/pagefind-entry.json").open("ab") as entry:
        entry.write(b"\n")


@pytest.mark.parametrize("spoil", [remove_a_fragment, spoil_an_entry_file])
def test_a_shard_whose_files_were_changed_in_the_output_is_indexed_again(tmp_path, spoil):
    archive = sharded_archive(tmp_path / "site")
    archive.build()
    spoil(archive)

    result = archive.build()

    assert (result.search.shards, result.search.indexed) == (len(SHARDS), 1)
    assert bundle_files(archive) == {
        path: data for path, data in archive.clean_build_files(tmp_path).items() if path.startswith("pagefind/")
    }, "the same bundles as a clean build"


def _written_in_place(path: Path) -> None:
    with path.open("r+b") as stream:  # the shard's folder does not change
        stream.write(b"/* edited */")


def _written_in_place_its_time_put_back(path: Path) -> None:
    before = path.stat()
    _written_in_place(path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def _replaced(path: Path) -> None:
    """As most editors save: a new file renamed over the old one."""
    new = path.with_name(path.name + ".new")
    new.write_bytes(b"/* replaced */" + path.read_bytes())
    os.replace(new, path)


CHANGES_OF_A_SHARD = {
    "written in place": _written_in_place,
    "its time put back": _written_in_place_its_time_put_back,
    "replaced": _replaced,
    "a file added": lambda path: path.with_name("stray.js").write_text("alert(1)"),
    "removed": Path.unlink,
}


@pytest.mark.parametrize(
    "when, change",
    [
        (when, change)
        for when in ("while the pages are indexed", "once swapped in")
        for change in CHANGES_OF_A_SHARD
        # Before its files are linked, a kept shard's change times are not compared (bringing the spare up
        # changes them): an edit that puts the modification time back then is a limit the README states.
        if (when, change) != ("while the pages are indexed", "its time put back")
    ],
)
def test_a_kept_shard_changed_in_the_output_while_a_build_runs_is_not_trusted(tmp_path, monkeypatch, when, change):
    change = CHANGES_OF_A_SHARD[change]
    archive = sharded_archive(tmp_path / "site")
    archive.build()
    style = next((archive.out / "pagefind/site-1").glob("*.css"))  # a file of the shard the build does not read
    edit_the_2017_article(archive)  # site-1's shard is kept: its files are linked from the output
    owner, name = (sitegen.engine.staged_writer, "index_site") if when == "while the pages are indexed" else (StagedOutput, "commit")
    real = getattr(owner, name)

    def changed_there(*args, **kwargs):
        if when == "while the pages are indexed":
            change(style)
            return real(*args, **kwargs)
        waiting = real(*args, **kwargs)
        change(archive.out / "pagefind/site-1" / style.name)
        return waiting

    with monkeypatch.context() as during:
        during.setattr(owner, name, changed_there)
        archive.build()
    if when == "once swapped in":  # in the site published: the next build finds it changed
        assert not archive.build().unchanged
    # (Changed before its files were linked, the shard was indexed again by the build itself.)
    assert bundle_files(archive) == {
        path: data for path, data in archive.clean_build_files(tmp_path).items() if path.startswith("pagefind/")
    }, "the same bundles as a clean build"


def test_each_edit_of_one_article_indexes_its_shard_alone_build_after_build(tmp_path):
    """The spare each build brings up holds a copy of the bundle whose files the output's kept
    shards share: removing it must not make them look changed."""
    archive = sharded_archive(tmp_path / "site")
    archive.build()
    indexed = []
    for edit in range(4):
        name, title, date, source, tags, body = ARTICLES[-1]
        archive.write(f"content/articles/{name}.md", article_text(title=title, date=date, body=f"{body} Edit {edit}.", source=source, tags=tags))
        indexed.append(archive.build().search.indexed)
    assert indexed == [1, 1, 1, 1]
    assert archive.build().unchanged


def test_a_single_bundle_is_kept_build_after_build_while_no_indexed_page_changes(tmp_path):
    archive = sharded_archive(tmp_path / "site", shard_pages=4000)
    archive.build()
    indexed = []
    for number in range(3):
        archive.write(f"content/static/notes-{number}.txt", "a file no search page shows\n")
        indexed.append(archive.build().search.indexed)
    assert indexed == [0, 0, 0]


@pytest.mark.parametrize("spare", ["the spare", "no spare"])
def test_a_kept_shard_file_edited_once_linked_with_its_time_put_back_is_not_trusted(tmp_path, monkeypatch, spare):
    """A kept shard's files are vouched for as they are once linked, not as they are at the swap, long after."""
    archive = sharded_archive(tmp_path / "site")
    archive.build()
    if spare == "no spare":
        spare_folder(archive.out).rename(tmp_path / "moved")
    edit_the_2017_article(archive)  # site-1's shard is kept: linked from the output
    style = next((archive.out / "pagefind/site-1").glob("*.css"))
    real = sitegen.pipeline.search.link_tree

    def linked_then_edited(source, target, *args, **kwargs):
        real(source, target, *args, **kwargs)
        if Path(source).name == "site-1":
            _written_in_place_its_time_put_back(style)  # the output's file, which the stage's shares

    with monkeypatch.context() as during:
        during.setattr(sitegen.pipeline.search, "link_tree", linked_then_edited)
        archive.build()
    assert not archive.build().unchanged
    assert bundle_files(archive) == {
        path: data for path, data in archive.clean_build_files(tmp_path).items() if path.startswith("pagefind/")
    }, "the same bundles as a clean build"


def _appended(path: Path) -> None:
    with path.open("ab") as stream:
        stream.write(b"/* edited */")


@pytest.mark.parametrize("what", ["a file of a kept shard", "the filter totals"])
def test_a_bundle_file_edited_between_its_last_look_and_its_link_is_not_trusted(tmp_path, monkeypatch, what):
    """Between the listing of a kept shard (or the comparison of a file beside the shards) and its link."""
    archive = sharded_archive(tmp_path / "site")
    archive.build()
    edit_the_2017_article(archive)  # site-1's shard is kept
    style = next((archive.out / "pagefind/site-1").glob("*.css"))
    search = sitegen.pipeline.search
    if what == "a file of a kept shard":
        real_tree = search.link_tree

        def edited_then_linked(source, target, *args, **kwargs):
            if Path(source).name == "site-1":  # its folder was just found as recorded
                _appended(style)
            real_tree(source, target, *args, **kwargs)

        monkeypatch.setattr(search, "link_tree", edited_then_linked)
    else:
        real_link = search.link_or_copy

        def edited_then_linked(source, target):
            if Path(source).name == "filters.json":  # its bytes were just compared
                _appended(Path(source))
            real_link(source, target)

        monkeypatch.setattr(search, "link_or_copy", edited_then_linked)
    archive.build()
    monkeypatch.undo()
    assert not archive.build().unchanged
    assert bundle_files(archive) == {
        path: data for path, data in archive.clean_build_files(tmp_path).items() if path.startswith("pagefind/")
    }, "the same bundles as a clean build"


def test_another_pagefind_binary_indexes_every_shard_again(tmp_path, monkeypatch):
    archive = sharded_archive(tmp_path / "site")
    archive.build()
    (tmp_path / "bin").mkdir()
    wrapper = tmp_path / "bin/pagefind"
    wrapper.write_text(f'#!/bin/sh\nexec {pagefind_binary()} "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(wrapper))

    result = archive.build()

    assert (result.search.shards, result.search.indexed) == (len(SHARDS), len(SHARDS))


# Runs the real indexer once, then panics: the second shard fails.
FAILS_ON_THE_SECOND_RUN = """#!/bin/sh
count="$(dirname "$0")/runs"
echo x >> "$count"
if [ "$(wc -l < "$count")" -ge 2 ]; then
    echo "thread 'main' panicked at pagefind/src/service/mod.rs:1:1:" >&2
    echo "out of memory" >&2
    exit 101
fi
exec {real} "$@"
"""


def test_a_shard_that_fails_fails_the_build_with_a_located_error_and_keeps_the_previous_site(tmp_path):
    archive = sharded_archive(tmp_path / "site")
    archive.build()
    published = archive.output_files()
    edit_the_2017_article(archive)
    (archive.root / "content/articles/2015-03-01-dock.md").write_text(article_text(title="Dock strike ends", date="2015-03-01"))
    (tmp_path / "bin").mkdir()
    binary = tmp_path / "bin/pagefind"
    binary.write_text(FAILS_ON_THE_SECOND_RUN.format(real=pagefind_binary()), encoding="utf-8")
    binary.chmod(0o755)

    result = subprocess.run(
        [sys.executable, "-m", "sitegen", "build", "--quiet", "--root", str(archive.root)],
        env={**os.environ, "PAGEFIND_BINARY_PATH": str(binary)}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == (
        f"{binary}: error: Pagefind stopped with exit code 101 while starting: "
        "thread 'main' panicked at pagefind/src/service/mod.rs:1:1: out of memory; rebuild with --no-search to skip it"
    )
    assert archive.output_files() == published
    spare = spare_folder(archive.out).name  # the previous site, kept on purpose as the next build's stage
    assert sorted(path.name for path in archive.root.iterdir() if path.name.startswith("._site") and path.name != spare) == []


def test_a_build_whose_search_fails_keeps_the_last_cache_and_leaves_no_part_of_its_own(tmp_path):
    # The cache's entries are written before the index is made, its record after the site is swapped in.
    archive = sharded_archive(tmp_path / "site")
    archive.build()
    cache = archive.root / ".sitegen-cache"
    saved = (cache / "build.cache").read_bytes()
    edit_the_2017_article(archive)
    binary = wrapped_pagefind(tmp_path / "bin", FAILS_ON_THE_SECOND_RUN)

    result = subprocess.run(
        [sys.executable, "-m", "sitegen", "build", "--quiet", "--root", str(archive.root)],
        env={**os.environ, "PAGEFIND_BINARY_PATH": str(binary)}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (cache / "build.cache").read_bytes() == saved
    assert [path.name for path in cache.iterdir() if path.name.endswith(".tmp")] == []


# --- shards indexed at once ----------------------------------------------------------------

TWO_CORES = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="shards are indexed one at a time on one core")

# Notes when each run starts and ends, waiting a little first so that runs started together overlap.
TIMED = """#!/bin/sh
echo "start $(date +%s.%N)" >> "$(dirname "$0")/runs"
sleep 0.5
{real} "$@"
echo "end $(date +%s.%N)" >> "$(dirname "$0")/runs"
"""
# The run that starts first never answers; any other panics at once.
ONE_HANGS_ANOTHER_PANICS = """#!/bin/sh
echo $$ >> "$(dirname "$0")/pids"
if mkdir "$(dirname "$0")/first" 2>/dev/null; then
    sleep 300 &
    echo $! >> "$(dirname "$0")/pids"
    wait
fi
echo "thread 'main' panicked at pagefind/src/service/mod.rs:1:1:" >&2
echo "out of memory" >&2
exit 101
"""


def wrapped_pagefind(folder: Path, script: str) -> Path:
    folder.mkdir()
    binary = folder / "pagefind"
    binary.write_text(script.replace("{real}", str(pagefind_binary())), encoding="utf-8")
    binary.chmod(0o755)
    return binary


def most_at_once(log: str) -> int:
    """The most runs alive at one time, from a log of their starts and ends."""
    events = sorted((float(stamp), 1 if what == "start" else -1) for what, stamp in (line.split() for line in log.splitlines()))
    alive = most = 0
    for _, change in events:
        alive += change
        most = max(most, alive)
    return most


@TWO_CORES
def test_two_shards_are_indexed_at_once_on_two_cores(tmp_path, monkeypatch):
    archive = sharded_archive(tmp_path / "site", shard_pages=4)
    binary = wrapped_pagefind(tmp_path / "bin", TIMED)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(binary))

    archive.build()

    assert most_at_once((binary.parent / "runs").read_text()) == 2


@TWO_CORES
def test_a_build_given_one_job_indexes_one_shard_at_a_time(tmp_path, monkeypatch):
    archive = sharded_archive(tmp_path / "site", shard_pages=4)
    binary = wrapped_pagefind(tmp_path / "bin", TIMED)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(binary))

    archive.build(workers=1)

    assert most_at_once((binary.parent / "runs").read_text()) == 1


def test_shards_indexed_at_once_give_the_bundles_of_shards_indexed_one_at_a_time(tmp_path, monkeypatch):
    at_once, one_by_one = sharded_archive(tmp_path / "at-once"), sharded_archive(tmp_path / "one-by-one")
    at_once.build()
    monkeypatch.setattr("sitegen.pipeline.search_indexer.RUNS_AT_ONCE", 1)

    one_by_one.build()

    assert bundle_files(at_once) == bundle_files(one_by_one)


def test_the_runs_at_once_hold_no_more_pages_together_than_the_budget():
    runs, held, most = Runs(budget=4, at_once=2), [], []
    lock = threading.Lock()

    def index(pages: int) -> int:
        with runs.slot(pages):
            with lock:
                held.append(pages)
                most.append(sum(held))
            time.sleep(0.05)
            with lock:
                held.remove(pages)
        return pages

    assert runs.map(index, [3, 1, 4, 2, 2, 1, 3]) == [3, 1, 4, 2, 2, 1, 3]
    assert max(most) == 4  # 3 and 1 together, or 4 alone, never 3 and 2


@TWO_CORES
def test_a_shard_that_fails_stops_the_shard_indexed_beside_it_and_its_error_is_the_one_reported(tmp_path):
    archive = sharded_archive(tmp_path / "site", shard_pages=4)
    archive.write("site.toml", (archive.root / "site.toml").read_text().replace("shard_pages = 4", "shard_pages = 4\ntimeout = 60"))
    binary = wrapped_pagefind(tmp_path / "bin", ONE_HANGS_ANOTHER_PANICS)
    started = time.monotonic()

    result = subprocess.run(
        [sys.executable, "-m", "sitegen", "build", "--quiet", "--root", str(archive.root)],
        env={**os.environ, "PAGEFIND_BINARY_PATH": str(binary)}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == (
        f"{binary}: error: Pagefind stopped with exit code 101 while starting: "
        "thread 'main' panicked at pagefind/src/service/mod.rs:1:1: out of memory; rebuild with --no-search to skip it"
    )
    assert time.monotonic() - started < 30  # not the 60 seconds the silent run had before it is given up
    assert [pid for pid in map(int, (binary.parent / "pids").read_text().split()) if alive(pid)] == []
    assert sorted(path.name for path in archive.root.iterdir() if path.name.startswith("._site")) == []


HANGS = """#!/bin/sh
echo $$ >> "$(dirname "$0")/pids"
sleep 300 &
echo $! >> "$(dirname "$0")/pids"
wait
"""


def watch_with(archive: Archive, binary: Path) -> subprocess.Popen:
    """`sitegen watch` of the archive in a child process, indexing with `binary`, its output read as text."""
    return subprocess.Popen(
        [sys.executable, "-m", "sitegen", "watch", "--root", str(archive.root)],
        env={**os.environ, "PAGEFIND_BINARY_PATH": str(binary)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_watch_told_to_stop_while_its_search_index_is_refreshed_stops_at_once(tmp_path):
    archive = sharded_archive(tmp_path / "site", shard_pages=4)
    archive.write("site.toml", (archive.root / "site.toml").read_text().replace("shard_pages = 4", "shard_pages = 4\ntimeout = 60"))
    binary = wrapped_pagefind(tmp_path / "bin", HANGS)
    process = watch_with(archive, binary)
    try:
        deadline = time.monotonic() + 60
        while not (binary.parent / "pids").exists() and time.monotonic() < deadline:  # the refresh's indexer, silent
            time.sleep(0.05)
        time.sleep(0.5)
        stopping = time.monotonic()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
        stopped_after = time.monotonic() - stopping
    finally:
        process.kill()

    assert process.returncode == 0, err
    assert stopped_after < 10  # not the 60 seconds the silent indexer is given before it is killed
    assert "search index not refreshed" not in out + err
    assert [pid for pid in map(int, (binary.parent / "pids").read_text().split()) if alive(pid)] == []


CANNOT_START = """#!/bin/sh
echo "Error: Cannot open the folder of Mixed Case" >&2
exit 3
"""


def test_watch_prints_why_its_search_index_was_not_refreshed_with_paths_and_words_as_written(tmp_path):
    archive = sharded_archive(tmp_path / "site", shard_pages=4)
    binary = wrapped_pagefind(tmp_path / "Indexer-Bin", CANNOT_START)
    process = watch_with(archive, binary)
    try:
        deadline = time.monotonic() + 60
        lines: list[str] = []
        while not any(line.startswith("Search index not refreshed") for line in lines) and time.monotonic() < deadline:
            lines.append(process.stdout.readline())
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
    finally:
        process.kill()

    message = next(line for line in lines if line.startswith("Search index not refreshed"))
    assert message.startswith(f"Search index not refreshed: {binary}: error: ")
    assert "Error: Cannot open the folder of Mixed Case" in message


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")  # a zombie has ended; it only waits to be reaped


# --- one search over every shard, in a browser --------------------------------------------

def open_search(page, root: str, query: str) -> list[str]:
    page.goto(root + f"search/?q={query}")
    page.wait_for_selector("#search .search-filter-group", timeout=15000)
    return result_links(page)


def expected_counts() -> dict[str, dict[str, int]]:
    """The filter counts of the whole archive for "harbour", from the fixture."""
    counts: dict[str, dict[str, int]] = {}

    def add(name: str, value: str) -> None:
        counts.setdefault(name, {})[value] = counts.get(name, {}).get(value, 0) + 1

    for _, _, date, source, tags, body in ARTICLES:
        add("type", "article")
        add("year", date[:4])
        add("source", source)
        for tag in tags.strip("[]").split(", "):
            add("tag", tag)
        for entity in ("Mosul", "NATO"):
            if entity in body:
                add("entity", entity)
    for kind in ("Place", "Organisation"):  # the kinds as they are shown
        add("type", "entity")
        add("kind", kind)
    add("type", "term")  # harbourmaster
    return counts


def test_one_query_finds_pages_of_every_shard_in_one_list(sharded, browser):
    with serve(sharded.out, "/repo/") as root:
        links = open_search(browser.new_page(), root, "harbour")
    assert links == sorted(
        ["/repo/articles/dock/", "/repo/articles/ships/", "/repo/articles/cranes/", "/repo/articles/storm/",
         "/repo/articles/reopen/", "/repo/entities/mosul/", "/repo/entities/nato/", "/repo/glossary/#harbourmaster"]
    )  # fmt: skip


def test_the_filters_count_over_the_whole_archive(sharded, browser):
    with serve(sharded.out, "/repo/") as root:
        page = browser.new_page()
        open_search(page, root, "harbour")
        for name in ("entity", "tag", "source"):
            open_filter(page, name)
        counts = filter_counts(page)
    assert counts == expected_counts()


@pytest.mark.parametrize(
    ("name", "value"),
    [("type", "article"), ("year", "2016"), ("kind", "Place"), ("entity", "Mosul"), ("tag", "Trade"), ("source", "The Times"), ("type", "term")],
)
def test_each_filter_narrows_the_results_across_shards_to_its_count(sharded, name, value, browser):
    with serve(sharded.out, "/repo/") as root:
        page = browser.new_page()
        everything = open_search(page, root, "harbour")
        page.locator("#search .search-filters").evaluate("details => { details.open = true; }")
        if name in ("entity", "tag", "source"):
            open_filter(page, name)
        checkbox = filter_checkbox(page, name, value)
        checkbox.check()
        page.wait_for_function(f"document.querySelector({STATUS!r}).getAttribute('data-total') !== '{len(everything)}'", timeout=15000)
        links = result_links(page)
    assert len(links) == expected_counts()[name][value]
    assert set(links) < set(everything)


def test_glossary_terms_are_found_among_the_shards(sharded, browser):
    with serve(sharded.out, "/repo/") as root:
        links = open_search(browser.new_page(), root, "caliphate")
    assert links == ["/repo/glossary/#caliphate"]


def test_the_build_says_how_many_shards_it_indexed_and_how_many_it_kept(tmp_path):
    archive = sharded_archive(tmp_path / "site")
    archive.build()
    edit_the_2017_article(archive)

    result = subprocess.run(
        [sys.executable, "-m", "sitegen", "build", "--root", str(archive.root)], capture_output=True, text=True, timeout=120, check=True
    )

    assert "Search index: 7 pages and 2 glossary terms indexed in 6 shards (1 indexed, 5 unchanged)" in result.stdout.splitlines()


@pytest.mark.parametrize("padding", [0, 65_536 - 56 - 22 - 5, 200_000])  # the second cuts the mark between two reads
def test_a_page_is_indexed_when_its_body_is_marked_wherever_the_mark_stands(tmp_path, padding):
    marked, plain = tmp_path / "marked.html", tmp_path / "plain.html"
    head = "<!doctype html><html><head><title>t</title></head><body>" + "x" * padding
    marked.write_text(head + '<main class="article" data-pagefind-body>text</main></body></html>', encoding="utf-8")
    plain.write_text(head + "<main>text</main></body></html>", encoding="utf-8")

    assert is_indexed_page(marked) and not is_indexed_page(plain)


def test_the_mark_named_in_a_page_s_text_is_not_a_marked_body(tmp_path):
    named, marked = tmp_path / "named.html", tmp_path / "marked.html"
    text = "<p>Pagefind reads data-pagefind-body; <code>&lt;main data-pagefind-body&gt;</code></p>"
    named.write_text(f"<!doctype html><html><body>{text}<main>text</main></body></html>", encoding="utf-8")
    marked.write_text(f"<!doctype html><html><body>{text}<main data-pagefind-body>text</main></body></html>", encoding="utf-8")

    assert not is_indexed_page(named) and is_indexed_page(marked)


def test_a_search_never_merges_shards_of_two_builds_when_one_replaces_the_other_while_they_load(tmp_path, browser):
    """A rebuild swapped in while a page loads the shards (the refresh of
    `sitegen serve`): the page has read the old manifest and the old shard of
    2016, then gets the new shard of 2017, where an article moved from 2016.
    Without a second look at the manifest, the article would be found twice."""
    archive = Archive.create(tmp_path / "site", DEFAULT_SITE_TOML.replace("enabled = false", "enabled = true\nshard_pages = 2"))
    articles = [("dock", "2015-03-01"), ("market", "2016-01-15"), ("quay", "2016-09-01"), ("storm", "2017-09-30")]
    for slug, date in articles:
        archive.article(slug, title=slug.capitalize(), date=date, body=f"The {slug} by the harbour.")
    archive.build(base_url=BASE_URL, output=str(tmp_path / "old"))
    archive.article("quay", title="Quay", date="2017-01-10", body="The quay by the harbour.")  # now in the 2017 shard
    archive.build(base_url=BASE_URL, output=str(tmp_path / "new"))
    manifests = []

    def swapped_meanwhile(route, request):
        relative = request.url.split("/repo/pagefind/", 1)[1].split("?")[0]
        if relative == "shards.json":
            manifests.append(relative)
        old = len(manifests) == 1 and (relative == "shards.json" or relative.startswith("articles-2016/"))
        route.fulfill(path=tmp_path / ("old" if old else "new") / "pagefind" / relative)

    with serve(tmp_path / "new", "/repo/") as root:
        page = browser.new_page()
        page.route(f"{root}pagefind/**", swapped_meanwhile)
        links = open_search(page, root, "quay")
    assert links == ["/repo/articles/quay/"]
    assert len(manifests) >= 2
