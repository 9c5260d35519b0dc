"""A running builder repairs, at its next build, what someone else changed in the output folder.

Each test changes the output by hand between two builds of the same builder
(each after an edit, as `sitegen watch` runs them) and checks the page, or
the whole folder, is what a clean build writes. `surveyed` runs each test
twice: with the kernel's events naming the folders that changed, and
without (every folder asked for its status).
"""

from __future__ import annotations

import os
import shutil
import stat

import sitegen.pipeline.in_place_output
import test_edit_work
from sitegen.engine.builder import Builder, BuildOptions
from sitegen.pipeline.folder_events import FolderEvents
from test_edit_work import edit_body
from test_incremental import assert_same_trees, clean_build_of, output_tree

# The running builder of tests/test_edit_work.py, surveying the output each way.
watching, surveyed, surveyed_by_events = test_edit_work.watching, test_edit_work.surveyed, test_edit_work.surveyed_by_events


def title_of(archive, relative: str) -> str:
    return archive.html(relative).select_one("h1").get_text()


def test_a_page_deleted_by_hand_is_written_again(archive, surveyed):
    (archive.out / "articles/second/index.html").unlink()
    edit_body(archive, "Even more.")
    surveyed.build(incremental=True)
    assert title_of(archive, "articles/second/index.html") == "Second"


def test_a_page_replaced_by_hand_is_written_again(archive, surveyed, tmp_path):
    # As an editor or a sync tool saves: a new file renamed over the page.
    (tmp_path / "page.html").write_text("<h1>Not the page</h1>")
    os.replace(tmp_path / "page.html", archive.out / "articles/second/index.html")
    edit_body(archive, "Even more.")
    surveyed.build(incremental=True)
    assert title_of(archive, "articles/second/index.html") == "Second"


def test_a_file_put_beside_a_page_by_hand_is_removed(archive, surveyed):
    (archive.out / "articles/third/stray.html").write_text("not a page")
    edit_body(archive, "Even more.")
    surveyed.build(incremental=True)
    assert not (archive.out / "articles/third/stray.html").exists()


def test_a_page_folder_replaced_by_a_file_by_hand_is_a_folder_again_without_an_error(archive, surveyed, tmp_path):
    shutil.rmtree(archive.out / "articles/second")
    (archive.out / "articles/second").write_text("not a folder")
    edit_body(archive, "Even more.")
    surveyed.build(incremental=True)
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))


def test_with_events_a_page_rewritten_where_it_is_by_hand_is_written_again(archive, surveyed_by_events):
    # No folder changes: only the kernel's event on the file tells.
    page = archive.out / "articles/second/index.html"
    with open(page, "r+b") as stream:
        stream.write(b"<!-- by hand -->")
    edit_body(archive, "Even more.")
    surveyed_by_events.build(incremental=True)
    assert not page.read_bytes().startswith(b"<!-- by hand -->")
    assert title_of(archive, "articles/second/index.html") == "Second"


def test_with_events_a_page_whose_mode_was_changed_by_hand_gets_a_clean_builds_mode_again(archive, surveyed_by_events, tmp_path):
    # Its bytes are still the page's: a web server that may no longer read it serves nothing.
    page = archive.out / "articles/second/index.html"
    os.chmod(page, 0o600)
    edit_body(archive, "Even more.")
    surveyed_by_events.build(incremental=True)
    clean_build_of(archive.root, tmp_path / "clean")
    assert modes(archive.out, "articles/second/index.html") == modes(tmp_path / "clean", "articles/second/index.html")


def test_a_page_folder_whose_mode_was_changed_by_hand_gets_a_clean_builds_mode_again(archive, surveyed, tmp_path):
    os.chmod(archive.out / "articles/second", 0o700)  # the web server may no longer enter it
    edit_body(archive, "Even more.")
    surveyed.build(incremental=True)
    clean_build_of(archive.root, tmp_path / "clean")
    assert modes(archive.out, "articles/second") == modes(tmp_path / "clean", "articles/second")


def test_a_new_running_builder_gives_what_was_changed_in_mode_by_hand_a_clean_builds_modes(archive, watching, tmp_path):
    os.chmod(archive.out / "articles/second/index.html", 0o600)
    os.chmod(archive.out / "articles/third", 0o700)
    Builder(BuildOptions(root=archive.root, workers=1)).build(incremental=True)  # as `sitegen watch` starts
    clean_build_of(archive.root, tmp_path / "clean")
    assert modes(archive.out, "articles/second/index.html", "articles/third") == modes(tmp_path / "clean", "articles/second/index.html", "articles/third")


def modes(output, *relatives: str) -> list[int]:
    return [stat.S_IMODE((output / relative).stat().st_mode) for relative in relatives]


def test_an_output_folder_swapped_for_an_altered_copy_is_repaired(archive, surveyed, tmp_path):
    shutil.copytree(archive.out, tmp_path / "copy")
    (tmp_path / "copy/articles/second/index.html").write_text("<h1>Not the page</h1>")
    os.rename(archive.out, tmp_path / "moved")
    os.rename(tmp_path / "copy", archive.out)
    edit_body(archive, "Even more.")
    surveyed.build(incremental=True)
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))


def test_a_link_put_in_the_output_and_removed_by_hand_during_the_rebuild_is_no_error(archive, surveyed, monkeypatch, tmp_path):
    link = archive.out / "articles/second/link.html"
    link.symlink_to(tmp_path)
    real = sitegen.pipeline.in_place_output.survey

    def survey_then_remove_it(*args, **kwargs):
        found = real(*args, **kwargs)
        link.unlink()  # by someone else, once the survey saw it
        return found

    monkeypatch.setattr(sitegen.pipeline.in_place_output, "survey", survey_then_remove_it)
    edit_body(archive, "Even more.")
    surveyed.build(incremental=True)
    monkeypatch.undo()
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))


def test_when_the_kernel_refuses_a_watch_every_folder_is_asked_and_a_deleted_page_written_again(archive, watching, monkeypatch):
    monkeypatch.setattr(FolderEvents, "watch", lambda self, path, prefix: False)  # its limit of watches reached
    edit_body(archive, "More.")
    watching.build(incremental=True)
    assert watching._output_survey.events is None
    shutil.rmtree(archive.out / "articles/second")
    edit_body(archive, "Even more.")
    watching.build(incremental=True)
    assert title_of(archive, "articles/second/index.html") == "Second"


def test_when_the_events_cannot_vouch_for_every_folder_the_whole_output_is_surveyed(archive, surveyed_by_events, monkeypatch, tmp_path):
    monkeypatch.setattr(FolderEvents, "changed", lambda self: None)  # as after the kernel's queue overflowed
    (archive.out / "articles/second/index.html").unlink()
    (archive.out / "articles/third/stray.html").write_text("not a page")
    edit_body(archive, "Even more.")
    surveyed_by_events.build(incremental=True)
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))


def test_only_the_latest_survey_of_a_process_keeps_its_watches(tmp_path):
    # Watches count against a limit the user's every program shares: a builder a process
    # no longer uses (tests make many) must not keep them. The older survey's events no
    # longer vouch for anything: its next survey walks the whole folder.
    first = FolderEvents.open()
    if first is None:
        return  # no inotify here: every folder is asked for its status
    assert first.watch(str(tmp_path), "")
    second = FolderEvents.open()
    assert second.watch(str(tmp_path), "")
    (tmp_path / "new.html").write_text("by hand")
    assert first.changed() is None and second.changed() == {""}
    second.close()


def test_two_hundred_surveys_open_no_more_than_one_queue_of_the_kernel(tmp_path):
    descriptors = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    surveys = [FolderEvents.open() for _ in range(200)]
    if descriptors is None or surveys[0] is None:
        return  # no inotify here
    assert len(os.listdir("/proc/self/fd")) - descriptors <= 1
    for survey in surveys:
        survey.close()
