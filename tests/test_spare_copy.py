"""A build whose site is the first in its output folder leaves a copy of it
beside the output, `cp -a -l`, as the next build's stage (the spare), before it
takes its manifest (sitegen/pipeline/spare_copy.py); the copy is a spare as
any other: brought up to the published site, never trusted."""

from __future__ import annotations

import os
import subprocess

import pytest

import sitegen.pipeline.spare_copy
from sitegen.engine.cache_file import load_persistent_cache
from sitegen.engine.published import output_manifest
from sitegen.pipeline.spare_copy import SpareCopy
from sitegen.pipeline.spare_site import spare_folder

from test_output_atomic import leftovers, output_tree
from test_spare_site import edit_one, seed

needs_cp = pytest.mark.skipif(sitegen.pipeline.spare_copy._copier() is None, reason="no cp that makes hard links here")


def first_build_without_cp(archive) -> None:
    """A first build into a new output folder where no `cp` could copy its site."""
    seed(archive)
    copier = sitegen.pipeline.spare_copy._copier
    sitegen.pipeline.spare_copy._copier = lambda: None
    try:
        archive.build()
    finally:
        sitegen.pipeline.spare_copy._copier = copier
    assert not os.path.lexists(spare_folder(archive.out))


def links_made_by_this_process(monkeypatch) -> list[str]:
    made: list[str] = []
    real_link = os.link

    def counting_link(source, target, *args, **kwargs):
        made.append(os.fspath(target))
        return real_link(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "link", counting_link)
    return made


def first_build(archive) -> None:
    seed(archive)
    archive.build()


@needs_cp
def test_a_first_build_into_a_new_folder_leaves_a_copy_of_its_site_as_the_spare(archive):
    first_build(archive)
    published = output_tree(archive.out)
    assert output_tree(spare_folder(archive.out)) == published
    same_files = {
        path for path in published if published[path] is not None and os.path.samefile(archive.out / path, spare_folder(archive.out) / path)
    }
    assert same_files == {path for path, data in published.items() if data is not None}  # links, not copies
    assert load_persistent_cache(archive.root).manifest == output_manifest(archive.out)  # taken after the links


@needs_cp
def test_the_build_after_an_edit_then_takes_the_spare_and_trusts_every_published_file(archive, tmp_path, monkeypatch):
    first_build(archive)
    edit_one(archive)
    made = links_made_by_this_process(monkeypatch)
    result = archive.build(workers=1)
    assert made == []
    assert result.rendered < 5
    assert archive.output_files() == archive.clean_build_files(tmp_path)
    assert archive.build().unchanged


def test_a_build_without_the_cache_leaves_no_spare(archive):
    seed(archive)
    archive.build(cache=False)
    assert not os.path.lexists(spare_folder(archive.out))


@needs_cp
def test_the_copy_gives_the_site_of_a_clean_build_and_keeps_the_first_site_as_the_spare(archive, tmp_path):
    first_build(archive)
    first = output_tree(archive.out)
    edit_one(archive)
    archive.article("a9", title="Article 9", date="2020-02-01", body="New near Mosul.", tags="[Syria]")
    (archive.root / "content/articles/a4.md").unlink()
    archive.build()
    assert archive.output_files() == archive.clean_build_files(tmp_path)
    assert output_tree(spare_folder(archive.out)) == first
    assert leftovers(archive) == []


def test_without_cp_the_next_build_makes_its_stage_itself_and_the_site_is_the_same(archive, tmp_path, monkeypatch):
    first_build_without_cp(archive)
    edit_one(archive)
    made = links_made_by_this_process(monkeypatch)
    archive.build()
    assert made != []
    assert archive.output_files() == archive.clean_build_files(tmp_path)


@needs_cp
def test_where_cp_fails_the_spare_it_left_is_brought_up_and_the_site_is_the_same(archive, tmp_path, monkeypatch):
    seed(archive)
    with monkeypatch.context() as patched:
        patched.setattr(sitegen.pipeline.spare_copy, "_copier", lambda: "false")  # exits 1 at once, having copied nothing
        archive.build()
    edit_one(archive)
    archive.build()
    assert archive.output_files() == archive.clean_build_files(tmp_path)


@needs_cp
def test_a_build_that_fails_while_cp_runs_stops_it_and_the_next_build_is_clean(archive, tmp_path, monkeypatch):
    seed(archive)
    started: list[subprocess.Popen] = []
    real_popen = subprocess.Popen

    def slow_copier(command, *args, **kwargs):
        child = real_popen(["sleep", "30"], *args, **kwargs)  # a copy that would outlive the build
        started.append(child)
        return child

    def failing(self):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(sitegen.pipeline.spare_copy.subprocess, "Popen", slow_copier)
        patched.setattr(SpareCopy, "wait", failing)  # while cp runs
        with pytest.raises(Exception):
            archive.build()
    assert started and started[0].poll() is not None  # killed before the build ended
    edit_one(archive)
    archive.build()
    assert archive.output_files() == archive.clean_build_files(tmp_path)
    assert leftovers(archive) == []


@needs_cp
def test_an_interrupt_while_the_copy_is_waited_for_leaves_it_to_be_stopped(archive, monkeypatch):
    first_build_without_cp(archive)
    real_popen = subprocess.Popen
    monkeypatch.setattr(sitegen.pipeline.spare_copy.subprocess, "Popen", lambda command, *args, **kwargs: real_popen(["sleep", "30"], *args, **kwargs))
    copy = sitegen.pipeline.spare_copy.start_spare_copy(archive.out, "pagefind")
    child = copy._child
    monkeypatch.setattr(child, "wait", lambda *args: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        copy.wait()
    monkeypatch.undo()
    copy.stop()
    assert child.poll() is not None  # killed, not left to write beside the output
