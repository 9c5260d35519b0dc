"""The persistent cache and the worker processes only save time: they never change the output."""

from __future__ import annotations

import json
import os
import time

try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None

import pytest

import sitegen.engine.cache_codec
from sitegen.engine.builder import Builder, BuildOptions, build
from sitegen.engine.cache import RECENT_NS
from sitegen.engine.cache_file import CACHE_DIR, CACHE_FILE


def small_archive(archive, articles: int = 3) -> None:
    archive.write("content/entities/mosul.md", '---\nname: Mosul\nkind: place\nsummary: "A city."\n---\nOn the Tigris.\n')
    archive.write("content/glossary.toml", '[[term]]\nterm = "caliphate"\ncase_sensitive = false\ndefinition = "A state."\n')
    for number in range(articles):
        archive.article(f"a{number:03d}", title=f"Article {number}", date=f"2020-01-{number % 28 + 1:02d}",
                        body=f"Mosul and the caliphate, part {number}.[^n]\n\n[^n]: A note {number}.")


def test_a_build_writes_the_cache_and_a_warm_build_equals_a_cold_one(archive, tmp_path):
    small_archive(archive)
    archive.build()
    assert (archive.root / CACHE_DIR / CACHE_FILE).is_file()
    archive.write("content/articles/a001.md", archive.root.joinpath("content/articles/a001.md").read_text().replace("part 1", "part one"))
    archive.build()  # warm: parsed sources and annotations come from the cache
    build(BuildOptions(root=archive.root, output=str(tmp_path / "cold"), cache=False))
    assert archive.output_files() == archive.output_files(tmp_path / "cold")


def test_the_warm_build_really_uses_the_cache(archive):
    small_archive(archive)
    archive.build()
    warm = Builder(BuildOptions(root=archive.root))
    assert warm.cache.sources.entries and warm.cache.fragments.entries
    assert not Builder(BuildOptions(root=archive.root, cache=False)).cache.sources.entries


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "wrong shape"])
def test_a_damaged_cache_file_is_ignored(archive, tmp_path, damage):
    small_archive(archive)
    archive.build()
    cache_file = archive.root / CACHE_DIR / CACHE_FILE
    data = cache_file.read_bytes()
    cache_file.write_bytes(
        {
            "truncated": data[: len(data) // 2],
            "garbage": b"\x80\x05not a pickle at all" * 10,
            "empty": b"",
            "wrong shape": json.dumps({"format": 1}).encode(),
        }[damage]
    )
    archive.build()
    build(BuildOptions(root=archive.root, output=str(tmp_path / "cold"), cache=False))
    assert archive.output_files() == archive.output_files(tmp_path / "cold")


def test_a_cache_entry_for_other_content_is_never_reused(archive, tmp_path):
    small_archive(archive)
    archive.build()
    # Same path, new bytes: the digest differs, so the stale entry cannot apply.
    archive.write("content/entities/mosul.md", '---\nname: Mosul\nkind: place\nsummary: "Another summary."\n---\n')
    archive.build()
    assert "Another summary." in archive.html("entities/mosul/index.html").select_one(".summary").get_text()
    build(BuildOptions(root=archive.root, output=str(tmp_path / "cold"), cache=False))
    assert archive.output_files() == archive.output_files(tmp_path / "cold")


def test_no_cache_neither_reads_nor_writes_the_cache(archive):
    small_archive(archive)
    archive.build(cache=False)
    assert not (archive.root / CACHE_DIR).exists()


def test_worker_processes_give_the_same_bytes_as_one_process(archive, tmp_path):
    small_archive(archive, articles=230)  # above the size at which workers are used
    archive.build(workers=1, cache=False)
    build(BuildOptions(root=archive.root, output=str(tmp_path / "parallel"), workers=2, cache=False))
    assert archive.output_files() == archive.output_files(tmp_path / "parallel")


def test_unchanged_files_are_not_rewritten_by_a_later_build(archive):
    small_archive(archive)
    archive.build()
    page = archive.out / "articles/a000/index.html"
    before = page.stat().st_mtime_ns, page.stat().st_ino
    archive.write("content/articles/a002.md", archive.root.joinpath("content/articles/a002.md").read_text().replace("part 2", "part two"))
    archive.build()
    assert (page.stat().st_mtime_ns, page.stat().st_ino) == before
    assert "part two" in (archive.out / "articles/a002/index.html").read_text()


def test_timings_cover_every_stage(archive):
    small_archive(archive)
    result = archive.build()
    assert {"load", "annotate", "pages", "render and write"} <= set(result.timings)


def test_temporary_files_a_killed_build_left_in_the_cache_folder_are_removed_by_the_next(archive):
    small_archive(archive)
    archive.build()
    folder = archive.root / CACHE_DIR
    abandoned = [folder / f".{CACHE_FILE}.k1ll3d.tmp", folder / ".stamp.4242.tmp", folder / ".templates.cache.4242.tmp"]
    being_written = folder / f".{CACHE_FILE}.wr1t1ng.tmp"  # by another build, now
    for path in [*abandoned, being_written]:
        path.write_bytes(b"half a cache")
    for path in abandoned:
        os.utime(path, (time.time() - 2 * 3600,) * 2)
    archive.article("a000", title="Article 0, edited", date="2020-01-01", body="Mosul.")

    archive.build()

    assert [path for path in abandoned if path.exists()] == []
    assert being_written.exists()


@pytest.mark.skipif(fcntl is None, reason="needs file locks")
def test_a_cache_temporary_a_build_killed_moments_ago_left_is_removed_by_the_next(archive):
    # A build writes its cache while it renders: one killed then (by `timeout`, a cancelled
    # CI job) leaves a file as large as the cache, which nobody holds.
    small_archive(archive)
    archive.build()
    left = archive.root / CACHE_DIR / f".{CACHE_FILE}.k1ll3d.tmp"
    left.write_bytes(b"half a cache")
    os.utime(left, (time.time() - 15,) * 2)
    archive.article("a000", title="Article 0, edited", date="2020-01-01", body="Mosul.")

    archive.build()

    assert not left.exists()


@pytest.mark.parametrize("name", [".stamp.{pid}.tmp", ".templates.cache.{pid}.tmp"])
def test_a_link_planted_where_a_build_writes_a_temporary_file_is_never_written_through(archive, name):
    small_archive(archive)
    (archive.root / CACHE_DIR).mkdir()
    source = archive.root / "content/articles/a000.md"
    before = source.read_bytes()
    os.link(source, archive.root / CACHE_DIR / name.format(pid=os.getpid()))
    archive.write("templates/article.html", "{% extends 'theme/article.html' %}")
    time.sleep(RECENT_NS / 1e9 + 0.01)  # sources older than the clock's step: the build stamps them

    archive.build()

    assert source.read_bytes() == before
    assert (archive.root / CACHE_DIR / "stamp").exists() and (archive.root / CACHE_DIR / "templates.cache").exists()


@pytest.mark.skipif(fcntl is None, reason="needs file locks")
def test_the_temporary_cache_file_another_build_holds_locked_is_kept_however_old(archive):
    # A build holds its cache's temporary file for as long as its search index takes, maybe hours.
    small_archive(archive)
    archive.build()
    folder = archive.root / CACHE_DIR
    being_written = folder / f".{CACHE_FILE}.s34rch.tmp"
    being_written.write_bytes(b"half a cache")
    os.utime(being_written, (time.time() - 2 * 3600,) * 2)
    archive.article("a000", title="Article 0, edited", date="2020-01-01", body="Mosul.")

    with open(being_written, "rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        archive.build()
        assert being_written.exists()
    archive.article("a000", title="Article 0, edited again", date="2020-01-01", body="Mosul.")
    archive.build()
    assert not being_written.exists()  # its build is gone: nobody holds it now


def test_a_dict_of_plain_values_comes_back_as_it_was_from_one_decoding_call(monkeypatch):
    # A parsed article's key lines (the line of each front matter field) are such a dict.
    value = {"title": 2, "date": 3, "draft": True, "weight": 1.5, "note": None, "name": "x", "big": 2**70}
    data = json.loads(json.dumps(sitegen.engine.cache_codec.encode(value)))
    calls = []
    real_decode = sitegen.engine.cache_codec.decode
    monkeypatch.setattr(sitegen.engine.cache_codec, "decode", lambda data: calls.append(data) or real_decode(data))

    decoded = sitegen.engine.cache_codec.decode(data)

    assert list(decoded.items()) == list(value.items())
    assert list(map(type, decoded.values())) == list(map(type, value.values()))
    assert len(calls) == 1


def test_the_record_of_a_build_is_read_back_without_a_decoding_call_per_page_or_file(archive, monkeypatch):
    """The record is mostly dicts by output path (a digest each, the status of each file):
    each is decoded as a whole, and comes back as it was."""
    small_archive(archive, articles=20)
    builder = Builder(BuildOptions(root=archive.root, workers=1))
    builder.build()
    lines = (archive.root / CACHE_DIR / CACHE_FILE).read_bytes().split(b"\n")
    record = {key: value for section, key, value in (json.loads(line) for line in lines if line.startswith(b'["b"')) if section == "b"}
    calls = []
    real_decode = sitegen.engine.cache_codec.decode
    monkeypatch.setattr(sitegen.engine.cache_codec, "decode", lambda data: calls.append(data) or real_decode(data))

    decoded = {key: sitegen.engine.cache_codec.decode(value) for key, value in record.items()}

    pages = len(builder.cache.page_inputs)
    assert pages > 60
    assert len(calls) < pages
    assert decoded["pages"] == builder.cache.page_inputs
    assert decoded["written"] == builder.cache.written
    assert decoded["manifest"] == builder.cache.manifest
