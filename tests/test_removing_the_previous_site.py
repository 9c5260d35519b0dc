"""Where the previous site cannot be kept as the next build's stage (a system
that cannot open, list and change folders through descriptors; see
pipeline/spare_site.py), it is deleted after the swap: its files at once, its
folders by `rm` in a child process while the build records the new site and
saves its cache, all of it before the build releases its lock and returns."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import sitegen.pipeline.folder_removal
import sitegen.pipeline.spare_copy
import sitegen.pipeline.staged_output
from sitegen.engine.published import manifest_modes, output_manifest
from sitegen.pipeline.folder_removal import remove_in_background

from second_process import new_process_build, seed_two_articles_naming_mosul


def beside_the_output(archive) -> list[str]:
    return sorted(path.name for path in archive.root.iterdir() if path.name.startswith("._site"))


@pytest.fixture(autouse=True)
def no_spare(monkeypatch):
    """A system where the previous site cannot be kept beside the output."""
    monkeypatch.setattr(sitegen.pipeline.staged_output, "REUSABLE", False)
    monkeypatch.setattr(sitegen.pipeline.spare_copy, "REUSABLE", False)  # nor copied as one


def a_site(folder: Path) -> None:
    for page in ("index.html", "articles/first/index.html", "articles/second/index.html"):
        path = folder / page
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page)


def test_a_build_after_an_edit_returns_with_nothing_of_the_previous_site_left(archive):
    seed_two_articles_naming_mosul(archive)
    new_process_build(archive)
    archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.", tags="[Iraq]")
    new_process_build(archive)
    assert beside_the_output(archive) == []
    assert "Fighting around" in archive.html("articles/first/index.html").get_text()


def test_the_folders_of_the_previous_site_are_not_removed_by_the_build_process_itself(archive, monkeypatch):
    seed_two_articles_naming_mosul(archive)
    new_process_build(archive)
    archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.", tags="[Iraq]")
    removed_here: list[str] = []
    real_rmdir = os.rmdir

    def counting_rmdir(path, *args, **kwargs):
        if kwargs.get("dir_fd") is not None or archive.root in Path(path).parents:  # not the build's own temporary folders
            removed_here.append(os.fspath(path))
        return real_rmdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "rmdir", counting_rmdir)
    new_process_build(archive)
    assert removed_here == []  # all of them by `rm`, on another core
    assert beside_the_output(archive) == []


def test_the_build_after_two_edits_in_a_row_renders_only_what_the_last_edit_changed(archive, rendered):
    """The manifest of each build is taken once the previous site's files are
    unlinked: they share their status (the change time) with the new site's."""
    seed_two_articles_naming_mosul(archive)
    new_process_build(archive)
    archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.", tags="[Iraq]")
    new_process_build(archive)
    archive.article("second", title="Second", date="2016-11-27", body="Mosul once more.", tags="[Iraq]")
    rendered.clear()
    new_process_build(archive)
    assert sorted(rendered) == ["articles/second/", "entities/mosul/"]  # Mosul's page quotes it


def test_without_rm_the_previous_site_is_removed_by_the_build_itself(archive, monkeypatch):
    seed_two_articles_naming_mosul(archive)
    new_process_build(archive)
    archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.", tags="[Iraq]")
    monkeypatch.setattr(sitegen.pipeline.folder_removal, "_remover", lambda: None)
    new_process_build(archive)
    assert beside_the_output(archive) == []


def test_what_rm_left_is_removed_before_the_wait_ends(tmp_path, monkeypatch):
    site = tmp_path / "site"
    a_site(site)
    monkeypatch.setattr(sitegen.pipeline.folder_removal, "_remover", lambda: "/bin/true")  # an `rm` that removes nothing
    wait = remove_in_background(site, manifest_modes(output_manifest(site)))
    wait()
    assert not os.path.lexists(site)


def test_the_files_are_gone_before_the_folders_are_waited_for(tmp_path, monkeypatch):
    site = tmp_path / "site"
    a_site(site)
    monkeypatch.setattr(sitegen.pipeline.folder_removal, "_remover", lambda: "/bin/true")
    wait = remove_in_background(site, manifest_modes(output_manifest(site)))
    assert [path for path in site.rglob("*") if not path.is_dir()] == []
    wait()


def test_a_build_holds_its_lock_until_the_previous_site_is_gone(archive, monkeypatch):
    seed_two_articles_naming_mosul(archive)
    new_process_build(archive)
    archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.", tags="[Iraq]")
    lock = archive.root / "._site.lock"
    seen: list[tuple[bool, list[str]]] = []
    real = sitegen.pipeline.staged_output.remove_in_background

    def watched(top, listed=None):
        wait = real(top, listed)

        def waiting() -> None:
            wait()
            seen.append((lock.exists(), beside_the_output(archive)))

        return waiting

    monkeypatch.setattr(sitegen.pipeline.staged_output, "remove_in_background", watched)
    new_process_build(archive)
    assert seen == [(True, ["._site.lock"])]
