"""A running builder told which paths changed (as `sitegen watch` tells it) reads only those.

The watcher knows every path its batch of changes holds. When they are all
files the last load read, and still regular files, the builder walks no
folder of sources and asks no other file for its status; anything else (a
new, removed or renamed file, a folder, a setting, a load that did not end)
checks every source as a build without that word does. Either way the output
is that of a clean build of the same sources.
"""

from __future__ import annotations

import os
import time
from stat import S_ISDIR

import pytest
from conftest import article_text

import sitegen.dev.watch
from sitegen.dev.watch import Watcher
from sitegen.engine.builder import Builder, BuildOptions
from sitegen.engine.cache import RECENT_NS
from test_incremental import assert_same_trees, clean_build_of, output_tree


def seed(archive) -> None:
    archive.write("content/entities/mosul.md", '---\nname: Mosul\nkind: place\nsummary: "A city."\n---\nOn the Tigris.\n')
    archive.write("content/glossary.toml", '[[term]]\nterm = "siege"\ndefinition = "A long blockade."\n')
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.")
    archive.article("second", title="Second", date="2016-11-27", body="Mosul again, a siege.")
    archive.article("third", title="Third", date="2015-03-01", body="Nothing here.")


@pytest.fixture
def watching(archive):
    """A builder as `sitegen watch` keeps it, after its first build, its sources old enough to be trusted."""
    seed(archive)
    time.sleep(RECENT_NS / 1e9 + 0.01)  # a status this recent is not trusted (see SourceCache)
    builder = Builder(BuildOptions(root=archive.root, workers=1))
    builder.build(incremental=True)
    return builder


def sources_asked(monkeypatch, archive) -> dict[str, list[str]]:
    """From now on, every article and entity asked for its status (os.stat) and every folder of sources listed."""
    content = str(archive.root / "content")
    asked: dict[str, list[str]] = {"stat": [], "scandir": []}
    real_stat, real_scandir = os.stat, os.scandir

    def stat(path, *args, **kwargs):
        if str(path).startswith(content) and str(path).endswith(".md"):
            asked["stat"].append(os.path.relpath(path, content))
        return real_stat(path, *args, **kwargs)

    def scandir(path="."):
        if str(path).startswith(content):
            asked["scandir"].append(os.path.relpath(path, content))
        return real_scandir(path)

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(os, "scandir", scandir)
    return asked


def same_as_a_clean_build(archive, tmp_path) -> None:
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))


def test_an_edit_named_as_changed_reads_the_status_of_that_file_alone(archive, watching, monkeypatch, tmp_path):
    edited = archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began, then stopped.")
    asked = sources_asked(monkeypatch, archive)
    watching.build(incremental=True, changed=[edited])
    assert asked == {"stat": ["articles/first.md"], "scandir": []}
    assert "then stopped" in archive.html("articles/first/index.html").select_one("article").get_text()
    monkeypatch.undo()
    same_as_a_clean_build(archive, tmp_path)


def test_without_changed_paths_every_source_and_folder_is_checked(archive, watching, monkeypatch):
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began, then stopped.")
    asked = sources_asked(monkeypatch, archive)
    folders = folders_asked(monkeypatch, archive)
    watching.build(incremental=True)
    assert {"articles/first.md", "articles/second.md", "articles/third.md", "entities/mosul.md"} <= set(asked["stat"])
    assert {"articles", "entities"} <= set(folders)


def test_without_changed_paths_a_folder_that_changed_is_listed_again(archive, watching, monkeypatch, tmp_path):
    archive.article("fourth", title="Fourth", date="2017-01-02", body="Mosul once more.")
    asked = sources_asked(monkeypatch, archive)
    watching.build(incremental=True)
    assert asked["scandir"] == ["articles"]
    assert archive.html("articles/fourth/index.html").select_one("h1").get_text() == "Fourth"
    monkeypatch.undo()
    same_as_a_clean_build(archive, tmp_path)


def folders_asked(monkeypatch, archive) -> list[str]:
    """From now on, every folder of sources asked for its status (os.stat)."""
    content = str(archive.root / "content")
    asked: list[str] = []
    real_stat = os.stat

    def stat(path, *args, **kwargs):
        status = real_stat(path, *args, **kwargs)
        if str(path).startswith(content) and S_ISDIR(status.st_mode):
            asked.append(os.path.relpath(path, content))
        return status

    monkeypatch.setattr(os, "stat", stat)
    return asked


def test_an_edited_glossary_named_as_changed_is_read_again(archive, watching, tmp_path):
    glossary = archive.write("content/glossary.toml", '[[term]]\nterm = "siege"\ndefinition = "A blockade of a town."\n')
    watching.build(incremental=True, changed=[glossary])
    assert "A blockade of a town." in archive.html("glossary/index.html").get_text()
    same_as_a_clean_build(archive, tmp_path)


def test_a_new_article_named_as_changed_gets_its_page(archive, watching, tmp_path):
    new = archive.article("fourth", title="Fourth", date="2017-01-02", body="Mosul once more.")
    watching.build(incremental=True, changed=[new])
    assert archive.html("articles/fourth/index.html").select_one("h1").get_text() == "Fourth"
    same_as_a_clean_build(archive, tmp_path)


def test_a_deleted_article_named_as_changed_loses_its_page(archive, watching, tmp_path):
    gone = archive.root / "content/articles/third.md"
    gone.unlink()
    watching.build(incremental=True, changed=[gone])
    assert not (archive.out / "articles/third/index.html").exists()
    same_as_a_clean_build(archive, tmp_path)


def test_a_renamed_article_named_as_changed_moves_its_page(archive, watching, tmp_path):
    old, new = archive.root / "content/articles/third.md", archive.root / "content/articles/renamed.md"
    old.rename(new)
    watching.build(incremental=True, changed=[old, new])
    assert not (archive.out / "articles/third/index.html").exists()
    assert archive.html("articles/renamed/index.html").select_one("h1").get_text() == "Third"
    same_as_a_clean_build(archive, tmp_path)


def test_a_new_folder_of_articles_named_as_changed_is_walked(archive, watching, tmp_path):
    folder = archive.root / "content/articles/2017"
    folder.mkdir()
    (folder / "fifth.md").write_text(article_text(title="Fifth", date="2017-02-03", body="Later."))
    watching.build(incremental=True, changed=[folder])  # a folder moved in is one event, for the folder
    assert archive.html("articles/fifth/index.html").select_one("h1").get_text() == "Fifth"
    same_as_a_clean_build(archive, tmp_path)


def test_a_file_replaced_by_a_symbolic_link_is_checked_with_every_source(archive, watching, tmp_path):
    target = archive.root / "content/articles/third.md"
    elsewhere = tmp_path / "elsewhere.md"
    elsewhere.write_text(target.read_text())
    target.unlink()
    target.symlink_to(elsewhere)
    result = watching.build(incremental=True, changed=[target])
    assert any("symbolic link not followed" in warning.message for warning in result.warnings)
    assert not (archive.out / "articles/third/index.html").exists()


def test_after_a_load_that_did_not_end_every_source_is_checked(archive, watching, monkeypatch, tmp_path):
    import sitegen.engine.source_loading

    first = archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began, then stopped.")
    real = sitegen.engine.source_loading.load_archive

    def interrupted(*args, **kwargs):
        raise OSError("the disk went away")

    monkeypatch.setattr(sitegen.engine.source_loading, "load_archive", interrupted)
    with pytest.raises(Exception, match="the disk went away"):
        watching.build(incremental=True, changed=[first])
    monkeypatch.setattr(sitegen.engine.source_loading, "load_archive", real)
    # The next batch names another file only: the edit of the first must not be lost.
    second = archive.article("second", title="Second", date="2016-11-27", body="Mosul again, a long siege.")
    asked = sources_asked(monkeypatch, archive)
    watching.build(incremental=True, changed=[second])
    assert "articles/first.md" in asked["stat"]
    assert "then stopped" in archive.html("articles/first/index.html").select_one("article").get_text()
    monkeypatch.undo()
    same_as_a_clean_build(archive, tmp_path)


def test_a_warning_of_the_walk_is_given_again_when_no_folder_is_walked(archive, watching, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (archive.root / "content/articles/linked").symlink_to(elsewhere)
    first = archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.")
    watching.build(incremental=True, changed=[first, archive.root / "content/articles/linked"])
    edited = archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began, then stopped.")
    result = watching.build(incremental=True, changed=[edited])
    assert [w.path for w in result.warnings if "symbolic link to a folder" in w.message] == ["content/articles/linked"]


def test_the_watcher_tells_the_builder_which_paths_changed(archive, monkeypatch):
    seed(archive)
    time.sleep(RECENT_NS / 1e9 + 0.01)
    watcher = Watcher(Builder(BuildOptions(root=archive.root, workers=1)), lambda event: None)
    try:
        watcher.rebuild()
        archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began, then stopped.")
        asked = sources_asked(monkeypatch, archive)
        assert watcher.rebuild(("content/articles/first.md",)).result is not None
        assert asked == {"stat": ["articles/first.md"], "scandir": []}
    finally:
        watcher.stop()


def test_a_save_through_a_running_watcher_reads_the_status_of_the_saved_file_alone(archive, monkeypatch):
    from test_watch import watching as running_watcher

    monkeypatch.setattr(sitegen.dev.watch, "theme_is_editable", lambda: False)  # the archive's sources only
    seed(archive)
    time.sleep(RECENT_NS / 1e9 + 0.01)
    with running_watcher(archive) as running:
        seen = running.count
        asked = sources_asked(monkeypatch, archive)
        saved = archive.root / "content/articles/first.md"
        temporary = saved.with_name(".first.md.swap")  # as editors save: a hidden temporary renamed over the file
        temporary.write_text(article_text(title="First", date="2016-10-17", body="Fighting near Mosul began, then stopped."))
        os.replace(temporary, saved)
        event = running.wait_for(seen + 1)
        monkeypatch.undo()
    assert event.result is not None and event.changes == ("content/articles/first.md",)
    assert asked == {"stat": ["articles/first.md"], "scandir": []}


def test_with_search_off_the_refresh_after_a_pause_loads_no_source(archive, watching, monkeypatch):
    import sitegen.engine.source_loading

    loaded = []
    real = sitegen.engine.source_loading.load_archive
    monkeypatch.setattr(sitegen.engine.source_loading, "load_archive", lambda *args: loaded.append(args) or real(*args))
    assert watching.search_job() is None
    assert loaded == []


def test_an_edit_named_as_changed_names_no_source_again(archive, watching, monkeypatch):
    import sitegen.pipeline.load

    edited = archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began, then stopped.")
    watching.build(incremental=True, changed=[edited])
    named = []
    real = sitegen.pipeline.load.source_name
    monkeypatch.setattr(sitegen.pipeline.load, "source_name", lambda *args: named.append(args) or real(*args))
    edited = archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began, then it stopped.")
    watching.build(incremental=True, changed=[edited])
    assert named == []


def test_a_renamed_folder_of_articles_named_as_changed_moves_its_pages(archive, watching, tmp_path):
    old = archive.root / "content/articles/2016"
    old.mkdir()
    (old / "fifth.md").write_text(article_text(title="Fifth", date="2016-02-03", body="Earlier."))
    watching.build(incremental=True, changed=[old])
    new = archive.root / "content/articles/2016-reports"
    old.rename(new)
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began, then stopped.")
    # A folder renamed is one event for each of its names, not one for each file inside.
    watching.build(incremental=True, changed=[old, new, archive.root / "content/articles/first.md"])
    assert archive.html("articles/fifth/index.html").select_one("h1").get_text() == "Fifth"
    assert "then stopped" in archive.html("articles/first/index.html").select_one("article").get_text()
    same_as_a_clean_build(archive, tmp_path)


def test_a_save_by_rename_named_with_its_hidden_temporary_reads_the_saved_file(archive, watching, tmp_path):
    saved = archive.root / "content/articles/first.md"
    temporary = saved.with_name(".first.md.swp")
    temporary.write_text(article_text(title="First", date="2016-10-17", body="Fighting near Mosul began, then stopped."))
    os.replace(temporary, saved)
    watching.build(incremental=True, changed=[temporary, saved])  # a watcher that lets the temporary through
    assert "then stopped" in archive.html("articles/first/index.html").select_one("article").get_text()
    same_as_a_clean_build(archive, tmp_path)
