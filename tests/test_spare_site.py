"""The previous site, kept beside the output as the next build's stage (sitegen/pipeline/spare_site.py).

A `sitegen build` that replaces a site keeps the site it swapped out as
`._site.previous`; the next build brings it up to the published site where
they differ, writes its own changes into it and exchanges it with the
output. Nothing in it is trusted: whatever was done to it, or to the output,
by hand or by a killed build, the site published is a clean build's, and the
output is always one whole site.
"""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest
from conftest import Archive

import sitegen.engine.parallel
import sitegen.engine.stage_ready
import sitegen.engine.staged_writer
import sitegen.pipeline.spare_copy
import sitegen.pipeline.staged_output
from sitegen.engine.cache_file import load_persistent_cache
from sitegen.engine.published import output_manifest
from sitegen.pipeline.render import THEME_TEMPLATES_DIR
from sitegen.pipeline.spare_site import bring_up_to, spare_folder

import test_output_atomic
from test_output_atomic import edit_every_page, leftovers, output_tree, run_child_build


def seed(archive: Archive) -> None:
    archive.write("content/entities/mosul.md", '---\nname: Mosul\nkind: place\nsummary: "A city."\n---\nOn the Tigris.\n')
    for number in range(6):
        archive.article(f"a{number}", title=f"Article {number}", date=f"2020-01-{number + 1:02d}", body="Fighting near Mosul.", tags="[Iraq]")


def edit_one(archive: Archive, words: str = "A sentence added.") -> None:
    archive.article("a2", title="Article 2", date="2020-01-03", body=f"Fighting near Mosul. {words}", tags="[Iraq]")


def built_twice(archive: Archive) -> None:
    """Built, one article edited, built again: the first site is now the spare."""
    seed(archive)
    archive.build()
    edit_one(archive)
    archive.build()


def test_a_build_that_replaces_a_site_keeps_the_previous_one_beside_the_output(archive):
    seed(archive)
    archive.build()
    first = output_tree(archive.out)
    edit_one(archive)
    archive.build()
    assert output_tree(spare_folder(archive.out)) == first
    assert "A sentence added." in archive.html("articles/a2/index.html").get_text()


def test_the_next_build_makes_the_spare_its_stage_and_gives_the_site_of_a_clean_build(archive, tmp_path):
    built_twice(archive)
    spare = spare_folder(archive.out).stat().st_ino
    edit_one(archive, "Another sentence.")
    archive.article("a9", title="Article 9", date="2020-02-01", body="New near Mosul.", tags="[Syria]")
    (archive.root / "content/articles/a4.md").unlink()
    archive.build()
    assert archive.out.stat().st_ino == spare  # the spare, swapped in
    assert archive.output_files() == archive.clean_build_files(tmp_path)
    assert leftovers(archive) == []


def test_the_site_swapped_out_is_left_whole_by_the_build_that_reuses_the_spare(archive):
    """Files the two trees share are replaced in the stage, never written into."""
    built_twice(archive)
    published = output_tree(archive.out)
    edit_every_page(archive)
    archive.build()
    assert output_tree(spare_folder(archive.out)) == published


def test_the_manifest_a_build_that_reuses_the_spare_records_is_the_output_as_it_is(archive):
    built_twice(archive)
    edit_one(archive, "Another sentence.")
    archive.build()
    assert load_persistent_cache(archive.root).manifest == output_manifest(archive.out)
    assert archive.build().unchanged  # and the next build finds it so


def test_a_status_vouched_for_is_taken_unread_only_for_the_file_of_its_inode(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "kept.html").write_text("kept")
    (site / "replaced.html").write_text("replaced")
    listed = output_manifest(site)
    known = {path: (*status[:2], 1, 2, status[4]) for path, status in listed.items()}  # times no file has
    (site / "replaced.html").rename(tmp_path / "aside.html")  # still there: its inode is not given again
    (site / "replaced.html").write_text("replaced by hand")
    found = output_manifest(site, known=known)
    assert found["kept.html"] == known["kept.html"]
    assert found["replaced.html"] == output_manifest(site)["replaced.html"] != known["replaced.html"]


def _replace(path: Path) -> None:
    path.unlink()
    path.write_text("replaced by hand")


def _write_in_place(path: Path) -> None:
    with open(path, "r+b") as stream:  # the published site's file too: they share it
        stream.write(b"<!-- written in place -->")


def _folder_for_file(path: Path) -> None:
    path.unlink()
    path.mkdir()
    (path / "inside.html").write_text("a folder where a page goes")


def _stray(path: Path) -> None:
    (path.parent / "stray.html").write_text("added by hand")
    (path.parent / "stray-folder").mkdir()


def _mode(path: Path) -> None:
    path.parent.chmod(0o700)


@pytest.mark.parametrize(
    "change",
    [_replace, _write_in_place, _folder_for_file, _stray, _mode, Path.unlink],
    ids=["a file replaced", "a file written in place", "a folder where a file was", "files added", "a folder's mode", "a file removed"],
)
@pytest.mark.parametrize("which", ["the spare", "the output"])
def test_a_file_changed_by_hand_in_either_tree_does_not_slip_into_the_site(archive, tmp_path, change, which):
    built_twice(archive)
    tree = spare_folder(archive.out) if which == "the spare" else archive.out
    change(tree / "articles/a3/index.html")
    edit_one(archive, "Another sentence.")
    archive.build()
    assert archive.output_files() == archive.clean_build_files(tmp_path)
    assert {os.stat(archive.out / folder).st_mode & 0o777 for folder in ("articles", "articles/a3")} == {archive.out.joinpath("articles/a1").stat().st_mode & 0o777}


def _write_in_place_and_put_its_time_back(path: Path) -> None:
    """Written in place, its modification time then put back (as `cp -p` or `touch -r` do): the change time alone differs."""
    before = path.stat()
    _write_in_place(path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def _edit_in_place_once(monkeypatch, owner, name: str, path: Path, edit=_write_in_place) -> None:
    """Make `owner.name` write into the published file `path` in place (`edit`) before it runs, the first time it is called."""
    real = getattr(owner, name)

    def edited_first(*args, **kwargs):
        if path.read_bytes().startswith(b"<!DOCTYPE"):
            edit(path)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, edited_first)


def edit_a4(archive: Archive) -> None:
    archive.article("a4", title="Article 4", date="2020-01-05", body="Fighting near Mosul. Edited.", tags="[Iraq]")


def spare_moved_away(archive: Archive, tmp_path: Path) -> None:
    """The output's files are then linked into a new stage one by one. (Moved, not deleted:
    deleting its files would change the status of the output's, which share them.)"""
    spare_folder(archive.out).rename(tmp_path / "moved")


# The second build of built_twice rewrote a2 alone: the spare's a2 is not the output's, and is
# linked when the spare is brought up; the two trees share the file of a3.
@pytest.mark.parametrize("page", ["a2", "a3"])
@pytest.mark.parametrize("stage", ["the spare", "a new stage"])
def test_a_page_edited_in_place_in_the_output_while_a_build_runs_is_not_trusted_by_the_next(archive, tmp_path, monkeypatch, page, stage):
    built_twice(archive)
    if stage == "a new stage":
        spare_moved_away(archive, tmp_path)
    edit_a4(archive)
    with monkeypatch.context() as during:
        # Edited once the build has kept its page (linked or shared), before the site is swapped in.
        _edit_in_place_once(during, sitegen.pipeline.staged_output.StagedOutput, "commit", archive.out / f"articles/{page}/index.html")
        archive.build()
    archive.build()
    assert archive.output_files() == archive.clean_build_files(tmp_path)


@pytest.mark.parametrize("edit", [_write_in_place, _write_in_place_and_put_its_time_back], ids=["written in place", "its time put back"])
@pytest.mark.parametrize("stage", ["the spare", "a new stage"])
def test_a_page_edited_in_place_after_the_output_was_checked_is_not_linked_into_the_stage(archive, tmp_path, monkeypatch, stage, edit):
    built_twice(archive)
    page = archive.out / "articles/a2/index.html"
    if stage == "a new stage":
        spare_moved_away(archive, tmp_path)
        _edit_in_place_once(monkeypatch, sitegen.pipeline.staged_output.StagedOutput, "link_previous", page, edit)
    else:
        for module in (sitegen.engine.stage_ready, sitegen.pipeline.staged_output):  # in a forked child, or here
            _edit_in_place_once(monkeypatch, module, "bring_up_to", page, edit)
    edit_a4(archive)
    archive.build()
    assert archive.output_files() == archive.clean_build_files(tmp_path)


def test_a_page_edited_in_place_after_the_check_of_an_output_not_as_its_manifest_says_is_not_kept(archive, tmp_path, monkeypatch):
    """The output is listed again to bring the spare up, after the check: what changed in between is not kept."""
    built_twice(archive)
    _replace(archive.out / "articles/a5/index.html")  # the output is not as its manifest says
    edit_a4(archive)
    page = archive.out / "articles/a3/index.html"  # kept by the check, then edited
    _edit_in_place_once(monkeypatch, sitegen.engine.staged_writer, "output_manifest", page)
    archive.build()
    assert archive.output_files() == archive.clean_build_files(tmp_path)


def _after_the_swap(monkeypatch, change) -> None:
    """Make the commit of the stage call `change` once the site is swapped in, before the build takes its manifest."""
    real = sitegen.pipeline.staged_output.StagedOutput.commit

    def committed_then_changed(self, *args, **kwargs):
        waiting = real(self, *args, **kwargs)
        change()
        return waiting

    monkeypatch.setattr(sitegen.pipeline.staged_output.StagedOutput, "commit", committed_then_changed)


@pytest.mark.parametrize("change", [_write_in_place, Path.unlink], ids=["written in place", "removed"])
@pytest.mark.parametrize("build", ["a first build", "a build after an edit"])
def test_a_page_the_build_wrote_changed_in_the_output_once_swapped_in_is_made_again_by_the_next(archive, tmp_path, monkeypatch, change, build):
    """The statuses of the files a build writes are taken in the stage, before the swap."""
    seed(archive)
    if build == "a build after an edit":
        archive.build()
        edit_a4(archive)  # its page written anew
    with monkeypatch.context() as during:
        _after_the_swap(during, lambda: change(archive.out / "articles/a4/index.html"))
        archive.build()
    assert not archive.build().unchanged
    assert archive.output_files() == archive.clean_build_files(tmp_path)


def test_a_kept_page_removed_from_the_output_once_swapped_in_without_a_spare_is_made_again_by_the_next(archive, tmp_path, monkeypatch):
    """Without a spare, the site swapped out is deleted, which changes the status of the files it shared:
    they are looked at again before the manifest is taken, and one gone is not recorded as absent."""
    monkeypatch.setattr(sitegen.pipeline.staged_output, "REUSABLE", False)
    monkeypatch.setattr(sitegen.pipeline.spare_copy, "REUSABLE", False)
    seed(archive)
    archive.build()
    edit_a4(archive)
    with monkeypatch.context() as during:
        _after_the_swap(during, lambda: (archive.out / "articles/a3/index.html").unlink())  # kept: linked into the stage
        archive.build()
    assert not archive.build().unchanged
    assert archive.output_files() == archive.clean_build_files(tmp_path)


def test_a_spare_that_cannot_serve_makes_an_edit_render_no_more_pages(archive, monkeypatch):
    """The spare removed shared the output's files: their change time is the removal's, and the
    rest of their status still says they are the files the check found."""
    built_twice(archive)
    monkeypatch.setattr(sitegen.pipeline.staged_output, "REUSABLE", False)  # it cannot serve: removed
    monkeypatch.setattr(sitegen.pipeline.spare_copy, "REUSABLE", False)
    edit_a4(archive)
    assert archive.build().rendered == 1
    assert archive.build().unchanged


def _same_bytes_rendered_again(archive: Archive) -> None:
    """The theme's base template, copied into the archive: every page is rendered again, to the same bytes."""
    (archive.root / "templates").mkdir(exist_ok=True)
    shutil.copyfile(THEME_TEMPLATES_DIR / "base.html", archive.root / "templates/base.html")


@pytest.mark.parametrize("stage", ["the spare", "a new stage"])
def test_a_page_compared_in_a_rendering_process_then_edited_in_place_is_not_trusted_by_the_next_build(archive, tmp_path, monkeypatch, stage):
    """A page rendered to the bytes the output has keeps the output's file (the spare's, or
    linked into a new stage): the rendering process gives the status it was vouched for with."""
    monkeypatch.setattr(sitegen.engine.parallel, "MIN_ITEMS_FOR_WORKERS", 1)
    built_twice(archive)
    if stage == "a new stage":
        spare_moved_away(archive, tmp_path)
    _same_bytes_rendered_again(archive)
    with monkeypatch.context() as during:
        _edit_in_place_once(during, sitegen.pipeline.staged_output.StagedOutput, "commit", archive.out / "articles/a3/index.html")
        assert archive.build(workers=2).rendered > 1
    archive.build(workers=2)
    assert archive.output_files() == archive.clean_build_files(tmp_path)


@pytest.mark.parametrize("edit", [_write_in_place, _write_in_place_and_put_its_time_back], ids=["written in place", "its time put back"])
def test_bringing_the_spare_up_leaves_out_a_published_file_changed_since_it_was_listed(tmp_path, edit):
    site, spare = tmp_path / "site", tmp_path / "spare"
    (site / "pages").mkdir(parents=True)
    spare.mkdir()
    for name in ("kept", "edited"):
        (site / f"pages/{name}.html").write_text(f"<p>The page {name} of the site.</p>")  # longer than what is written in place
    listed = output_manifest(site)
    edit(site / "pages/edited.html")
    brought_up = bring_up_to(spare, site, listed, "pagefind")
    assert sorted(p.relative_to(spare).as_posix() for p in spare.rglob("*")) == ["pages", "pages/kept.html"]
    assert brought_up.files == {"pages/kept.html"}
    # Linked, the file's change time is the link's: what the build records is its status now.
    assert brought_up.linked == {"pages/kept.html": output_manifest(site)["pages/kept.html"]}


def test_a_folder_of_the_spare_replaced_by_a_link_is_removed_and_nothing_written_through_it(archive, tmp_path):
    built_twice(archive)
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(archive.out / "articles", elsewhere)
    before = output_tree(elsewhere)
    folder = spare_folder(archive.out) / "articles"
    shutil.rmtree(folder)
    folder.symlink_to(elsewhere, target_is_directory=True)
    edit_every_page(archive)
    archive.build()
    assert output_tree(elsewhere) == before
    assert archive.output_files() == archive.clean_build_files(tmp_path)
    assert not (archive.out / "articles").is_symlink()


@pytest.mark.parametrize("kind", ["a link to a folder", "a file"])
def test_a_spare_that_is_not_a_folder_is_removed_and_the_stage_made_anew(archive, tmp_path, kind):
    built_twice(archive)
    spare = spare_folder(archive.out)
    shutil.rmtree(spare)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    if kind == "a file":
        spare.write_text("not a site")
    else:
        spare.symlink_to(elsewhere, target_is_directory=True)
    edit_one(archive, "Another sentence.")
    archive.build()
    assert list(elsewhere.iterdir()) == []
    assert archive.output_files() == archive.clean_build_files(tmp_path)
    assert spare.is_dir() and not spare.is_symlink()  # the site just swapped out, kept in its place


def test_a_spare_deleted_by_the_user_only_makes_the_stage_anew(archive, tmp_path):
    built_twice(archive)
    shutil.rmtree(spare_folder(archive.out))
    edit_one(archive, "Another sentence.")
    archive.build()
    assert archive.output_files() == archive.clean_build_files(tmp_path)


def test_where_the_spare_cannot_be_kept_the_previous_site_is_deleted(archive, monkeypatch):
    monkeypatch.setattr(sitegen.pipeline.staged_output, "REUSABLE", False)
    monkeypatch.setattr(sitegen.pipeline.spare_copy, "REUSABLE", False)  # nor copied as one
    built_twice(archive)
    assert not os.path.lexists(spare_folder(archive.out))


def test_a_second_build_with_nothing_changed_is_not_stopped_by_the_spare(archive):
    built_twice(archive)
    assert archive.build().unchanged


# --- killed at any moment ------------------------------------------------------------------


def prepared(root: Path) -> Archive:
    """Built twice (a spare beside the output), then every page edited."""
    archive = Archive.create(root)
    built_twice(archive)
    edit_every_page(archive)
    return archive


@pytest.fixture
def child_with_spare(monkeypatch):
    """test_output_atomic's counting child, with spare_site imported before it wraps the
    functions of `os`: whether folders can be changed through descriptors is read off them."""
    monkeypatch.setattr(test_output_atomic, "CHILD", "import sitegen.pipeline.spare_site\n" + test_output_atomic.CHILD)


@pytest.mark.parametrize("moment", [0.02, 0.12, 0.18, 0.4, 0.7, 0.85, 0.95, 1.0])
def test_a_build_killed_while_it_reuses_the_spare_leaves_one_whole_site_and_the_next_build_a_clean_one(tmp_path, moment, child_with_spare):
    counted = prepared(tmp_path / "built whole")  # the same builds, to count the operations of the last one
    spare = spare_folder(counted.out).stat().st_ino
    assert run_child_build(counted, tmp_path, 0).returncode == 0
    assert counted.out.stat().st_ino == spare  # it did reuse the spare
    operations = int((tmp_path / "count").read_text())
    new = output_tree(counted.out)
    archive = prepared(tmp_path / "site")
    old = output_tree(archive.out)

    killed = run_child_build(archive, tmp_path, max(1, round(operations * moment)))

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert output_tree(archive.out) in (old, new)
    archive.build()
    assert output_tree(archive.out) == new
    assert leftovers(archive) == []
