"""`sitegen build` reads and verifies its cache file while it imports the pipeline.

Reading the file and taking its seal leave the interpreter free, and the
import of the pipeline takes a new process about a third of a second: the
command starts the reading in a thread of its own first (engine/cache_bytes.py),
and the builder decodes what that reading found and verified.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys

import pytest

import sitegen.engine.cache_bytes
import sitegen.engine.stamp
from sitegen.engine.builder import BuildOptions, build
from sitegen.engine.cache_bytes import CACHE_DIR, CACHE_FILE, CacheReading
from sitegen.engine.cache_file import load_persistent_cache

from test_second_build import seed

# `sitegen build` in a child process, telling whether the pipeline was imported when the reading began.
STARTED = """
import json, sys
import sitegen.engine.cache_bytes as cache_bytes
begun = []
real = cache_bytes.CacheReading.__init__
def noted(self, *arguments):
    begun.append("sitegen.engine.builder" in sys.modules)
    real(self, *arguments)
cache_bytes.CacheReading.__init__ = noted
from sitegen.cli import main
code = main(sys.argv[1:])
print(json.dumps([code, begun]))
"""


def test_a_build_process_starts_reading_its_cache_before_it_imports_the_pipeline(archive):
    seed(archive)
    build(BuildOptions(root=archive.root, workers=1))
    archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.", tags="[Iraq]")

    child = subprocess.run(
        [sys.executable, "-c", STARTED, "build", "--quiet", "--no-search", "--root", str(archive.root)],
        capture_output=True, text=True, timeout=120, env=os.environ,
    )  # fmt: skip

    assert json.loads(child.stdout.strip().splitlines()[-1]) == [0, [False]], child.stderr


def test_a_reading_given_the_size_of_the_sources_does_not_measure_them_again(archive, monkeypatch):
    # The stamp's check took the status of every source: the reading (in a thread, beside the
    # imports) need not walk content/ to tell whether the cache file is of a plausible size.
    seed(archive)
    build(BuildOptions(root=archive.root, workers=1))
    monkeypatch.setattr(sitegen.engine.cache_bytes, "SIZE_FLOOR", 0)  # every cache is measured against the sources
    walked = []
    monkeypatch.setattr(sitegen.engine.cache_bytes, "sources_size", lambda root: walked.append(root) or 10**9)

    found = CacheReading(archive.root, content_bytes=10**6).result()

    assert found is not None and found[0] is not None and walked == []
    assert CacheReading(archive.root).result()[0] is not None and walked == [archive.root]  # the check of the check


def test_a_build_decodes_the_cache_as_its_reading_found_and_verified_it(archive):
    seed(archive)
    build(BuildOptions(root=archive.root, workers=1))
    archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.", tags="[Iraq]")
    reading = CacheReading(archive.root)
    reading.result()
    (archive.root / CACHE_DIR / CACHE_FILE).unlink()  # gone since: what was read is used

    result = build(BuildOptions(root=archive.root, workers=1), reading=reading)

    assert 0 < result.rendered < 6  # the edited article's page and a few that quote it, not all
    assert "Fighting around Mosul" in archive.html("articles/first/index.html").get_text(" ", strip=True)


def test_a_reading_that_failed_leaves_the_builder_to_read_the_file_itself(archive, monkeypatch):
    seed(archive)
    build(BuildOptions(root=archive.root, workers=1))
    archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.", tags="[Iraq]")
    monkeypatch.setattr(CacheReading, "_read", lambda self: None)  # as if the thread had met an error

    result = build(BuildOptions(root=archive.root, workers=1), reading=CacheReading(archive.root))

    assert 0 < result.rendered < 6


def test_the_stamps_look_at_the_sources_measures_the_bytes_of_content(archive):
    seed(archive)
    archive.write("content/static/notes.txt", "x" * 1000)
    files = [path for path in (archive.root / "content").rglob("*") if path.is_file()]

    with contextlib.suppress(sitegen.engine.stamp.Unusual):  # files written just now: measured all the same
        sitegen.engine.stamp.sources_digest(archive.root)

    assert sitegen.engine.stamp.content_bytes_seen(archive.root) == sum(path.stat().st_size for path in files)


def test_articles_a_single_build_reads_from_the_cache_share_one_string_for_each_tag_and_entity(archive):
    # As the articles a build parses share them once their bodies are set aside: at 100,000
    # articles, a string for each tag of each article would hold tens of megabytes.
    seed(archive)
    archive.article("third", title="Third", date="2017-01-05", body="Tikrit, later.", tags="[Iraq]", entities="[mosul]")
    archive.article("fourth", title="Fourth", date="2017-01-06", body="Later still.", tags="[Iraq]", entities="[mosul]")
    build(BuildOptions(root=archive.root))

    sources = load_persistent_cache(archive.root, lazy=True).sources.entries
    third, fourth = (sources[f"article:content/articles/{name}.md"][1].article for name in ("third", "fourth"))

    assert third.tags == fourth.tags == ("Iraq",) and third.tags[0] is fourth.tags[0]
    assert third.entity_ids == fourth.entity_ids == ("mosul",) and third.entity_ids[0] is fourth.entity_ids[0]


@pytest.mark.skipif(not hasattr(os, "posix_fadvise") or not os.path.isdir("/proc/self/fd"), reason="no posix_fadvise or /proc here")
def test_once_read_the_cache_files_pages_are_given_back_to_the_system(archive, monkeypatch):
    # The build holds the bytes it read; the pages freed serve the next file's, written at its end.
    seed(archive)
    build(BuildOptions(root=archive.root))
    advised = []
    real = os.posix_fadvise

    def noting(handle, offset, length, advice):
        advised.append((os.path.realpath(f"/proc/self/fd/{handle}"), offset, length, advice))
        return real(handle, offset, length, advice)

    monkeypatch.setattr(os, "posix_fadvise", noting)

    assert CacheReading(archive.root).result()[0] is not None

    cache_file = os.path.realpath(archive.root / CACHE_DIR / CACHE_FILE)
    assert advised == [(cache_file, 0, 0, os.POSIX_FADV_DONTNEED)]
