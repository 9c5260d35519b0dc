"""A build that finds the output folder as its manifest says makes the previous
site's folders in the stage in a child process (`xargs mkdir -p`) while it
digests the pages, and removes those the new site does not use before writing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import sitegen.pipeline.spare_copy
import sitegen.pipeline.staged_output
import sitegen.pipeline.write
from sitegen.engine.published import manifest_modes, output_manifest
from sitegen.pipeline.staged_output import StagedOutput
from sitegen.model.urls import folders_holding

from second_process import new_process_build, seed_two_articles_naming_mosul


@pytest.fixture(autouse=True)
def no_spare_copied(monkeypatch):
    """The stage these tests are about is made here, as where there is no `cp` to copy
    the published site as the spare (see test_spare_copy.py)."""
    monkeypatch.setattr(sitegen.pipeline.spare_copy, "_copier", lambda: None)


def folders_of(output: Path) -> set[str]:
    return {path.relative_to(output).as_posix() for path in output.rglob("*") if path.is_dir()}


def test_a_build_after_an_edit_makes_no_folder_of_the_stage_itself(archive, monkeypatch):
    seed_two_articles_naming_mosul(archive)
    new_process_build(archive)
    archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.", tags="[Iraq]")
    made_here: list[str] = []
    real_mkdir = os.mkdir

    def counting_mkdir(path, *args, **kwargs):
        if archive.root in Path(path).parents:  # not the build's own temporary folders
            made_here.append(os.fspath(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", counting_mkdir)
    new_process_build(archive)
    assert [path for path in made_here if ".staging-" in os.path.dirname(path)] == []  # the stage's own, not inside it
    assert "Fighting around" in archive.html("articles/first/index.html").get_text()


def test_the_folder_of_a_deleted_article_is_not_left_empty_in_the_new_site(archive):
    seed_two_articles_naming_mosul(archive)
    new_process_build(archive)
    (archive.root / "content/articles/second.md").unlink()
    new_process_build(archive)
    assert not (archive.out / "articles/second").exists()
    assert all(any(Path(archive.out, folder).iterdir()) for folder in folders_of(archive.out))


def test_the_site_is_the_same_whether_the_folders_are_made_in_advance_or_not(archive, tmp_path, monkeypatch):
    seed_two_articles_naming_mosul(archive)
    new_process_build(archive)
    archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.", tags="[Iraq]")
    (archive.root / "content/articles/second.md").unlink()
    new_process_build(archive)
    assert archive.output_files() == archive.clean_build_files(tmp_path)
    assert folders_of(archive.out) == folders_holding(archive.output_files())


def test_a_folder_made_in_advance_where_the_new_site_has_a_file_gives_way(tmp_path):
    previous = tmp_path / "site"
    (previous / "notes/old").mkdir(parents=True)
    (previous / "notes/old/index.html").write_text("old")
    (previous / sitegen.pipeline.write.OUTPUT_MARKER).write_bytes(sitegen.pipeline.write.OUTPUT_MARKER_TEXT)
    listed = manifest_modes(output_manifest(previous))
    staged = StagedOutput(previous, listed)
    staged.make_folders_in_background(["notes", "notes/old"])
    staged.folders_made()
    assert staged.premade == ["notes", "notes/old"]
    staged.remove_unused_folders(folders_holding(["notes/old"]), {"notes/old"})  # now a file
    staged.write_bytes("notes/old", b"new")
    assert (staged.stage / "notes/old").read_bytes() == b"new"
    staged.discard()


def test_without_xargs_the_folders_are_made_as_the_files_are_written(archive, monkeypatch):
    seed_two_articles_naming_mosul(archive)
    new_process_build(archive)
    archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.", tags="[Iraq]")
    monkeypatch.setattr(sitegen.pipeline.staged_output, "_folder_maker", lambda: None)
    new_process_build(archive)
    assert "Fighting around" in archive.html("articles/first/index.html").get_text()
    assert (archive.out / "articles/second/index.html").is_file()
