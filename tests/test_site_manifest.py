"""A build takes the manifest of the site it swapped in from what it knows it wrote
(site_manifest in sitegen/engine/published.py): one `lstat` a folder and a file it
does not already know; the search bundle alone is listed, in the stage before the
swap. The manifest is the one a listing of the whole folder gives, and an entry put
there by hand meanwhile, which it leaves out, is gone after the next build."""

from __future__ import annotations

import os

import pytest

import sitegen.engine.published
import sitegen.engine.staged_writer
from sitegen.engine.cache_file import load_persistent_cache
from sitegen.engine.published import listed_with_links_checked, output_manifest, site_manifest
from sitegen.pipeline.write import OUTPUT_MARKER

from test_spare_site import edit_one, seed

SEARCH_ON = "[site]\ntitle = \"T\"\nbase_url = \"https://example.org/\"\n\n[search]\nenabled = true\n"


def site_files(output) -> list[str]:
    """Every file of a built site outside its search bundle, by relative path."""
    return [
        path.relative_to(output).as_posix()
        for path in output.rglob("*")
        if path.is_file() and path.relative_to(output).parts[0] != "pagefind"
    ]


def folders_listed(monkeypatch) -> list[str]:
    """Every folder os.scandir lists in published.py from now on."""
    listed: list[str] = []
    real = os.scandir

    def listing(path="."):
        listed.append(os.fspath(path))
        return real(path)

    monkeypatch.setattr(sitegen.engine.published.os, "scandir", listing)
    return listed


def test_the_manifest_of_the_files_a_site_has_with_its_bundle_listed_is_the_listing_of_its_folder(archive):
    archive.write("site.toml", SEARCH_ON)
    seed(archive)
    archive.build()

    taken = site_manifest(archive.out, site_files(archive.out), known={})
    bundle = listed_with_links_checked(archive.out, "pagefind", {})

    assert {**taken, **bundle} == output_manifest(archive.out)
    assert "pagefind" in bundle and any(path.startswith("pagefind/") for path in bundle)


def test_no_folder_is_listed_and_known_files_are_not_read(archive, monkeypatch):
    archive.write("site.toml", SEARCH_ON)
    seed(archive)
    archive.build()
    listing = output_manifest(archive.out)
    files = site_files(archive.out)
    known = {path: (0, 0, 0, 0, 0) for path in files}  # statuses no file has: they can only be given back unread
    listed = folders_listed(monkeypatch)

    taken = site_manifest(archive.out, files, known)

    assert listed == []
    assert {path: taken[path] for path in files} == known
    assert {path: status for path, status in taken.items() if path not in known} == {
        path: status for path, status in listing.items() if path not in known and not path.startswith("pagefind")
    }


@pytest.mark.parametrize("search", [False, True], ids=["without search", "with search"])
def test_the_manifest_a_build_records_is_the_listing_of_the_output_it_left(archive, search):
    if search:
        archive.write("site.toml", SEARCH_ON)
    seed(archive)
    archive.build()
    for words in ("A sentence added.", "Another one."):
        edit_one(archive, words)
        archive.article("new", title="New", date="2021-05-01", body=words, tags="[Syria]")

        archive.build()

        assert load_persistent_cache(archive.root).manifest == output_manifest(archive.out)
        (archive.root / "content/articles/new.md").unlink()


def test_a_file_put_into_the_output_during_a_build_is_gone_after_the_next(archive, monkeypatch, tmp_path):
    seed(archive)
    archive.build()
    edit_one(archive)
    real = sitegen.engine.published.site_manifest

    def with_a_file_put_there_first(output, *args, **kwargs):
        (output / "articles" / "dropped.html").write_text("put there by hand")
        return real(output, *args, **kwargs)

    monkeypatch.setattr(sitegen.engine.staged_writer, "site_manifest", with_a_file_put_there_first)
    archive.build()
    assert (archive.out / "articles" / "dropped.html").exists()
    monkeypatch.undo()

    archive.build()

    assert not (archive.out / "articles" / "dropped.html").exists()
    assert archive.output_files() == archive.clean_build_files(tmp_path)
    assert (archive.out / OUTPUT_MARKER).is_file()
