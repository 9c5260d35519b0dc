"""A new `sitegen build` with nothing changed stops after reading the last build's stamp.

The stamp (sitegen/engine/stamp.py) holds the status of every file the last
build read and a digest of the output folder as it left it, sealed like the
cache. When both are as they were, the command reports the last build's
result without loading the cache or importing the pipeline; anything else
goes to the builder, which checks what it loads.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sitegen.engine.builder
import sitegen.engine.stamp
import sitegen.pipeline.config
import sitegen.pipeline.render
from sitegen.cli import main
from sitegen.engine.cache import RECENT_NS
from sitegen.engine.cache_key import cache_key, seal_of
from sitegen.engine.options import BuildOptions
from sitegen.engine.stamp import manifest_digest, unchanged_build

from conftest import parse_html


def seed(archive) -> None:
    archive.write("content/entities/mosul.md", '---\nname: Mosul\nkind: place\nsummary: "A city."\n---\nOn the Tigris.\n')
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.", tags="[Iraq]")
    archive.article("second", title="Second", date="2016-11-27", body="Mosul again.", tags="[Iraq]")
    settle()


def settle() -> None:
    """Let the files just written age past the step of the file system's clock (see RECENT_NS)."""
    time.sleep(RECENT_NS / 1e9 + 0.01)


def sitegen_build(archive, *arguments: str) -> str:
    """`sitegen build` in this process; what it printed on stdout."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(io.StringIO()):
        assert main(["build", "--jobs", "1", "--root", str(archive.root), *arguments]) == 0
    return printed.getvalue()


def stamp_path(archive) -> Path:
    return archive.root / ".sitegen-cache" / "stamp"


def unchanged(archive) -> bool:
    return unchanged_build(BuildOptions(root=archive.root)) is not None


# What a child process imported by the time `sitegen build` returned.
IMPORTED = """
import json, sys
from sitegen.cli import main
code = main(sys.argv[1:])
print(json.dumps([code, sorted(sys.modules)]))
"""


def modules_of_a_build(archive) -> tuple[int, set[str]]:
    child = subprocess.run(
        [sys.executable, "-c", IMPORTED, "build", "--quiet", "--root", str(archive.root)],
        capture_output=True, text=True, timeout=120, env=os.environ,
    )  # fmt: skip
    code, modules = json.loads(child.stdout.strip().splitlines()[-1])
    return code, set(modules)


def test_a_second_build_with_nothing_changed_imports_neither_the_pipeline_nor_its_libraries(archive):
    seed(archive)
    sitegen_build(archive)

    code, modules = modules_of_a_build(archive)

    assert code == 0
    assert not modules & {"jinja2", "markdown_it", "cbor2", "selectolax", "sitegen.engine.builder", "sitegen.engine.cache_file"}
    assert not any(name.startswith("sitegen.pipeline.") for name in modules)


def test_the_stamp_answers_with_the_last_builds_counts_and_warnings(archive):
    seed(archive)
    archive.article("third", title="Third", date="2017-01-01", body="Text.", tags="['!!']")  # a tag without letters
    settle()
    first = archive.build()

    again = unchanged_build(BuildOptions(root=archive.root))

    assert again is not None and again.unchanged
    assert (again.articles, again.entities, again.pages) == (first.articles, first.entities, first.pages) == (3, 1, first.pages)
    assert first.warnings and again.warnings == first.warnings


def test_an_edit_that_keeps_a_sources_size_and_mtime_is_still_seen(archive):
    seed(archive)
    sitegen_build(archive)
    source = archive.root / "content/articles/first.md"
    info = source.stat()
    source.write_text(source.read_text().replace("near", "nigh"))
    os.utime(source, ns=(info.st_atime_ns, info.st_mtime_ns))

    assert not unchanged(archive)
    sitegen_build(archive)
    assert "Fighting nigh Mosul" in parse_html((archive.out / "articles/first/index.html").read_text()).get_text()


def test_the_digest_of_a_manifest_is_of_its_entries_alone():
    entries = [("articles/a/index.html", (0o100644, 10, 1, 2, 3)), ("big", (0o100644, 2**40, 2**62, 2**63 + 1, 7))]
    spelled_apart = {"".join(["articles/", "a/index.html"]): (0o100644, 10, 1, 2, 3), "big": (0o100644, 2**40, 2**62, 2**63 + 1, 7)}
    interned = {sys.intern(path): status for path, status in reversed(entries)}

    assert manifest_digest(dict(entries)) == manifest_digest(spelled_apart) == manifest_digest(interned)
    assert manifest_digest(dict(entries)) != manifest_digest({**dict(entries), "big": (0o100644, 2**40, 2**62, 2**63 + 2, 7)})
    assert manifest_digest(dict(entries)) != manifest_digest({**dict(entries), "bin": (0o100644, 2**40, 2**62, 2**63 + 1, 7)})


def test_a_build_after_an_edit_takes_the_sources_status_once_and_its_stamp_then_answers(archive, monkeypatch):
    seed(archive)
    sitegen_build(archive)
    archive.article("first", title="First", date="2016-10-17", body="Fighting nigh Mosul began.", tags="[Iraq]")
    settle()
    taken = []
    digest = sitegen.engine.stamp.sources_digest
    monkeypatch.setattr(sitegen.engine.stamp, "sources_digest", lambda root: taken.append(root) or digest(root))
    monkeypatch.setattr(sitegen.engine.builder, "sources_digest", sitegen.engine.stamp.sources_digest)

    sitegen_build(archive)

    assert taken == [archive.root.resolve()]  # by the stamp's check; the builder stamps with it
    assert "Nothing changed" in sitegen_build(archive)


def test_a_cache_temporary_a_killed_build_left_is_removed_by_a_check_that_finds_nothing_changed(archive):
    # After a build killed while it wrote its cache, the next may finish within the ten seconds
    # such a file is spared, and every build after it stop at the stamp: they remove it.
    seed(archive)
    sitegen_build(archive)
    left = archive.root / ".sitegen-cache" / ".build.cache.k1ll3d.tmp"
    left.write_bytes(b"half a cache")
    os.utime(left, (time.time() - 15,) * 2)

    assert "Nothing changed" in sitegen_build(archive)

    assert not left.exists()


def test_a_stamp_check_that_answers_leaves_no_sources_status_for_a_later_build(archive):
    seed(archive)
    sitegen_build(archive)
    assert unchanged(archive)

    assert sitegen.engine.stamp.taken_sources_digest(archive.root.resolve()) is None


@pytest.mark.parametrize(
    "change",
    [
        lambda archive: archive.write("templates/page.html", "{% extends 'base.html' %}"),
        lambda archive: archive.write("content/static/new.txt", "a file to copy"),
        lambda archive: (archive.root / "content/entities/mosul.md").unlink(),
        lambda archive: archive.write("site.toml", (archive.root / "site.toml").read_text() + "\n"),
    ],
    ids=["a template added", "a static file added", "a source removed", "site.toml saved"],
)
def test_any_change_to_what_a_build_reads_goes_to_the_builder(archive, change):
    seed(archive)
    sitegen_build(archive)
    change(archive)
    assert not unchanged(archive)


def test_a_build_given_its_output_folder_as_a_path_object_stamps_it_as_the_same_folder_given_as_text(archive):
    # BuildOptions.output is text; a caller of the Python API may well give a Path.
    seed(archive)
    output = archive.root / "public"

    sitegen.engine.builder.build(BuildOptions(root=archive.root, output=output, workers=1))

    assert unchanged_build(BuildOptions(root=archive.root, output=str(output))) is not None


def test_other_options_go_to_the_builder(archive):
    seed(archive)
    sitegen_build(archive)
    assert unchanged_build(BuildOptions(root=archive.root, drafts=True)) is None
    assert unchanged_build(BuildOptions(root=archive.root, base_url="https://example.net/")) is None


@pytest.mark.parametrize(
    "change",
    [
        lambda out: (out / "articles/first/index.html").write_text("<p>edited</p>"),
        lambda out: (out / "stray.html").write_text("<p>not ours</p>"),
        lambda out: (out / "articles/first/index.html").unlink(),
        lambda out: (out.parent / f".{out.name}.staging-0badc0de").mkdir(),
    ],
    ids=["a page edited", "a file added", "a page removed", "a killed build's leftovers beside it"],
)
def test_an_output_folder_not_as_the_last_build_left_it_goes_to_the_builder(archive, change):
    seed(archive)
    sitegen_build(archive)
    change(archive.out)

    assert not unchanged(archive)
    sitegen_build(archive)
    assert "Fighting near Mosul" in parse_html((archive.out / "articles/first/index.html").read_text()).get_text()
    assert not (archive.out / "stray.html").exists()
    assert unchanged(archive)


def test_a_stamp_edited_or_sealed_with_another_key_is_not_believed(archive):
    seed(archive)
    sitegen_build(archive)
    header, record, seal, end = stamp_path(archive).read_bytes().split(b"\n")
    forged = json.loads(record)
    forged["counts"] = [99, 99, 99]
    body = header + b"\n" + json.dumps(forged).encode() + b"\n"

    stamp_path(archive).write_bytes(body + seal + b"\n")
    assert not unchanged(archive)
    stamp_path(archive).write_bytes(body + seal_of(body, b"another key") + b"\n")
    assert not unchanged(archive)
    stamp_path(archive).write_bytes(body + seal_of(body, cache_key()) + b"\n")
    assert unchanged_build(BuildOptions(root=archive.root)).articles == 99  # the seal is what is trusted


def test_no_cache_neither_reads_nor_writes_a_stamp(archive):
    seed(archive)
    sitegen_build(archive, "--no-cache")
    assert not stamp_path(archive).exists()
    sitegen_build(archive)
    assert unchanged_build(BuildOptions(root=archive.root, cache=False)) is None


def test_the_names_the_stamp_checks_are_those_the_pipeline_reads():
    assert sitegen.engine.stamp.CONFIG_FILE == sitegen.pipeline.config.CONFIG_FILE
    assert sitegen.engine.stamp.THEME_DIR == sitegen.pipeline.render.THEME_DIR.resolve()
    assert "templates" in sitegen.engine.stamp.SOURCE_FOLDERS
    assert sitegen.pipeline.render.SITE_TEMPLATES_DIR in sitegen.engine.stamp.SOURCE_FOLDERS


def test_sources_changed_just_before_a_build_are_not_vouched_for(archive, monkeypatch):
    """Two writes within one step of the file system's clock can leave the same status."""
    seed(archive)
    monkeypatch.setattr(sitegen.engine.stamp, "RECENT_NS", 3600 * 10**9)  # everything counts as just written
    sitegen_build(archive)
    assert not unchanged(archive)


def enable_search(archive) -> None:
    site_toml = archive.root / "site.toml"
    site_toml.write_text(site_toml.read_text().replace("enabled = false", "enabled = true"))


def test_with_search_the_stamp_answers_while_the_same_pagefind_binary_would_index(archive, tmp_path, monkeypatch):
    enable_search(archive)
    seed(archive)
    sitegen_build(archive)
    assert unchanged(archive)
    code, modules = modules_of_a_build(archive)
    assert code == 0 and "jinja2" not in modules

    other = tmp_path / "pagefind"
    other.write_bytes(b"another binary")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(other))
    assert not unchanged(archive)


@pytest.mark.parametrize(("access_date", "answers_the_next_day"), [("build", False), ("2016-12-01", True), ("", True)])
def test_a_stamp_of_pages_citing_the_clocks_day_answers_on_that_day_only(archive, monkeypatch, access_date, answers_the_next_day):
    seed(archive)
    archive.write("site.toml", (archive.root / "site.toml").read_text().replace("[site]\n", f'[site]\ncitation_access_date = "{access_date}"\n'))
    settle()
    sitegen_build(archive)
    assert unchanged(archive)

    monkeypatch.setattr(sitegen.engine.stamp, "today", lambda: "2999-01-01")

    assert unchanged(archive) is answers_the_next_day
