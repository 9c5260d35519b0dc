"""A single build after a small edit writes its cache's entries in a thread of their own
while it plans and renders (engine/cache_file.py's PendingCache): the file it leaves holds what a
build that wrote them at the end leaves, and whatever stops the thread costs time only."""

from __future__ import annotations

import errno
import shutil
import threading

import pytest

import sitegen.engine.builder
import sitegen.engine.cache_file
import sitegen.engine.staged_writer
from sitegen.engine.cache_file import PendingCache, load_persistent_cache
from sitegen.model.errors import CacheUnreadable

from test_second_build import single_build, single_built_then_first_article_edited

WRITER = "sitegen cache writing"  # the thread's name


def cache_file(archive):
    return archive.root / ".sitegen-cache" / "build.cache"


def temporaries(archive) -> list[str]:
    return sorted(path.name for path in (archive.root / ".sitegen-cache").glob(".build.cache.*.tmp"))


def in_the_writer() -> bool:
    return threading.current_thread().name == WRITER


def test_a_build_after_an_edit_writes_its_cache_while_it_renders_its_pages(archive, monkeypatch):
    single_built_then_first_article_edited(archive)
    seen_while_rendering = []
    render = sitegen.engine.staged_writer.render_page
    monkeypatch.setattr(
        sitegen.engine.staged_writer, "render_page", lambda *args: seen_while_rendering.append(temporaries(archive)) or render(*args)
    )

    single_build(archive.root)

    assert seen_while_rendering and all(len(names) == 1 for names in seen_while_rendering)
    assert temporaries(archive) == []
    assert single_build(archive.root).rendered == 0


def test_a_build_after_an_edit_writes_its_cache_while_it_plans_its_pages(archive, monkeypatch):
    single_built_then_first_article_edited(archive)
    seen_while_planning = []
    plan = sitegen.engine.builder.Builder._plan_pages
    monkeypatch.setattr(
        sitegen.engine.builder.Builder, "_plan_pages", lambda *args: seen_while_planning.append(temporaries(archive)) or plan(*args)
    )

    single_build(archive.root)

    assert seen_while_planning and all(len(names) == 1 for names in seen_while_planning)
    assert temporaries(archive) == []
    assert single_build(archive.root).rendered == 0


def entry_lines(archive) -> list[bytes]:
    """The cache file's lines of sources and fragments (not the build's record, which holds statuses of files, nor the seal)."""
    return [line for line in cache_file(archive).read_bytes().split(b"\n")[1:-2] if not line.startswith(b'["b"')]


def test_the_cache_written_while_rendering_holds_what_the_cache_written_after_holds(archive, tmp_path, monkeypatch):
    single_built_then_first_article_edited(archive)
    other = type(archive)(tmp_path / "other")
    shutil.copytree(archive.root, other.root, symlinks=True, ignore=shutil.ignore_patterns("_site", "._site.*"))

    single_build(archive.root)
    monkeypatch.setattr(sitegen.engine.builder.Builder, "_cache_written_while_rendering", lambda self: False)
    single_build(other.root)

    assert entry_lines(archive) == entry_lines(other)
    assert archive.output_files() == other.output_files()


def test_a_cache_whose_entries_cannot_be_written_leaves_the_last_one_and_the_new_site(archive, tmp_path, monkeypatch):
    single_built_then_first_article_edited(archive)
    before = cache_file(archive).read_bytes()
    write = PendingCache.write

    def full_disk(self, lines):
        if in_the_writer():
            raise OSError(errno.ENOSPC, "No space left on device")
        return write(self, lines)

    monkeypatch.setattr(PendingCache, "write", full_disk)

    result = single_build(archive.root)

    assert result.warnings == []
    assert "Fighting around Mosul" in archive.html("articles/first/index.html").get_text(" ", strip=True)
    assert cache_file(archive).read_bytes() == before and temporaries(archive) == []
    monkeypatch.setattr(PendingCache, "write", write)
    single_build(archive.root)
    assert archive.output_files() == archive.clean_build_files(tmp_path)


def test_an_entry_that_does_not_decode_while_the_cache_is_written_gives_the_clean_build(archive, tmp_path, monkeypatch):
    single_built_then_first_article_edited(archive)
    loaded = sitegen.engine.cache_file.loaded

    def undecodable(value):
        if in_the_writer():
            raise CacheUnreadable("a piece of the build cache does not decode")
        return loaded(value)

    monkeypatch.setattr(sitegen.engine.cache_file, "loaded", undecodable)

    single_build(archive.root)

    assert archive.output_files() == archive.clean_build_files(tmp_path)
    assert load_persistent_cache(archive.root).fragments.entries  # written anew by the build made again
    assert temporaries(archive) == []


def test_a_build_that_fails_while_its_cache_is_written_leaves_the_last_cache_and_no_temporary_file(archive, monkeypatch):
    single_built_then_first_article_edited(archive)
    before = cache_file(archive).read_bytes()
    started = threading.Event()
    write = PendingCache.write

    def slow(self, lines):
        if in_the_writer():
            started.set()
        return write(self, lines)

    def failing(*args):
        started.wait(5)
        raise RuntimeError("a renderer's own fault")

    monkeypatch.setattr(PendingCache, "write", slow)
    monkeypatch.setattr(sitegen.engine.staged_writer, "render_page", failing)

    with pytest.raises(RuntimeError):
        single_build(archive.root)

    assert started.is_set()
    assert cache_file(archive).read_bytes() == before and temporaries(archive) == []
    assert not [thread for thread in threading.enumerate() if thread.name == WRITER]
