"""`sitegen watch`: a real Watcher on a fixture archive, rebuilding as an editor saves.

Each test runs `Watcher.run()` in a thread (first build, then watchfiles) and
stops it in a `finally`. Waits poll with deadlines; fixed sleeps appear only
where a test must show that nothing happens.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

import pytest
from conftest import DEFAULT_SITE_TOML, Archive, article_text

from sitegen.dev import watch
from sitegen.dev.watch import BuildEvent, SourceFilter, Watcher
from sitegen.engine.builder import Builder, BuildOptions
from sitegen.model.sourcenames import is_ignored_name
from sitegen.pipeline.render import THEME_DIR

DEADLINE = 10.0  # seconds to wait for a build that should come
QUIET = 0.6  # seconds without a build that show a save was one batch (the watcher's step is 0.025 s)


@pytest.fixture(autouse=True)
def archive_sources_only(monkeypatch):
    """Watch the fixture archive, not sitegen's own theme: an edit to the theme in
    this checkout while a test runs would be a build the test did not cause.
    (Which theme paths pass the filter is tested below.)"""
    monkeypatch.setattr(watch, "theme_is_editable", lambda: False)


class Running:
    """A Watcher running in a background thread, and every BuildEvent it reported."""

    def __init__(self, archive: Archive):
        self.archive = archive
        self.events: list[BuildEvent] = []
        self.crash: BaseException | None = None
        # The files of data/ are written in the background a moment after a build: within QUIET here.
        self.watcher = Watcher(Builder(BuildOptions(root=archive.root)), self.events.append, search_delay=0.1)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.watcher.run()
        except BaseException as exc:  # reported by the waits and on exit
            self.crash = exc

    @property
    def count(self) -> int:
        return len(self.events)

    def wait_for(self, count: int, timeout: float = DEADLINE) -> BuildEvent:
        """Wait until `count` builds have been reported; return the latest."""
        deadline = time.monotonic() + timeout
        while self.count < count:
            if self.crash is not None:
                raise AssertionError(f"the watcher crashed: {self.crash!r}") from self.crash
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {timeout} s for build {count}; saw {self.count}: {self.events}")
            time.sleep(0.02)
        return self.events[-1]

    def quiet(self, seconds: float = QUIET) -> None:
        """Let time pass in which a stray build would show."""
        time.sleep(seconds)
        assert self.crash is None, f"the watcher crashed: {self.crash!r}"


@contextlib.contextmanager
def watching(archive: Archive):
    running = Running(archive)
    running.thread.start()
    try:
        first = running.wait_for(1)
        assert first.result is not None, first.errors  # and the watcher listens since before it
        yield running
    finally:
        running.watcher.stop()
        running.thread.join(timeout=10)
    assert not running.thread.is_alive(), "the watcher did not stop"
    assert running.crash is None, f"the watcher crashed: {running.crash!r}"


def body_text(archive: Archive, name: str) -> str:
    return archive.html(f"articles/{name}/index.html").select_one(".article-body").get_text().strip()


def seed(archive: Archive) -> None:
    archive.article("first", title="First", date="2020-01-02", body="First text.")
    archive.article("second", title="Second", date="2020-01-03", body="Second text.")


# --- builds follow the sources ------------------------------------------------------------


def test_the_first_build_happens_before_any_change(archive):
    seed(archive)
    with watching(archive) as running:
        first = running.events[0]
        assert first.number == 1 and first.changes == () and first.errors == ()
        assert body_text(archive, "first") == "First text."


def test_a_save_during_the_first_build_is_not_lost(archive, tmp_path):
    seed(archive)
    running = Running(archive)
    real_build = running.watcher.builder.build

    def first_build_then_a_save(*args, **kwargs):
        result = real_build(*args, **kwargs)
        if running.watcher.builds == 1:  # the sources were read; the editor saves before the build returns
            archive.article("first", title="First", date="2020-01-02", body="Saved during the first build.")
        return result

    running.watcher.builder.build = first_build_then_a_save
    running.thread.start()
    try:
        running.wait_for(2)
        assert body_text(archive, "first") == "Saved during the first build."
        assert archive.output_files() == archive.clean_build_files(tmp_path)
    finally:
        running.watcher.stop()
        running.thread.join(timeout=10)


def test_an_edit_rebuilds_once_and_the_page_shows_the_new_text(archive, tmp_path):
    seed(archive)
    with watching(archive) as running:
        seen = running.count
        archive.article("first", title="First", date="2020-01-02", body="Edited text.")
        event = running.wait_for(seen + 1)
        running.quiet()
        assert running.count == seen + 1
        assert event.changes == ("content/articles/first.md",) and event.result is not None
        assert body_text(archive, "first") == "Edited text."
        assert archive.output_files() == archive.clean_build_files(tmp_path)


def test_a_new_article_gets_its_page_and_a_place_on_the_home_page(archive):
    seed(archive)
    with watching(archive) as running:
        seen = running.count
        archive.article("third", title="Third", date="2020-01-04", body="Third text.")
        running.wait_for(seen + 1)
        assert body_text(archive, "third") == "Third text."
        titles = [link.get_text(strip=True) for link in archive.html("index.html").select("main a")]
        assert "Third" in titles


def test_a_deleted_article_loses_its_page(archive, tmp_path):
    seed(archive)
    with watching(archive) as running:
        seen = running.count
        (archive.root / "content/articles/second.md").unlink()
        running.wait_for(seen + 1)
        assert not (archive.out / "articles/second").exists()
        assert "Second" not in archive.html("index.html").select_one("main").get_text()
        running.quiet()  # and the files of data/, written in the background
        assert archive.output_files() == archive.clean_build_files(tmp_path)


@pytest.mark.parametrize("name", ["photo.jpg", "clip.swf"])
def test_an_edited_static_file_is_copied_again(archive, tmp_path, name):
    seed(archive)
    archive.write(f"content/static/{name}", b"first version")
    with watching(archive) as running:
        seen = running.count
        archive.write(f"content/static/{name}", b"second version")
        running.wait_for(seen + 1)
        assert (archive.out / name).read_bytes() == b"second version"
        assert archive.output_files() == archive.clean_build_files(tmp_path)


# --- editors' save patterns --------------------------------------------------------------


def _vim_probe(folder: Path, text: str) -> None:
    (folder / "4913").write_text("")  # vim checks it may create files in the folder
    (folder / "4913").unlink()
    (folder / "x.md").write_text(text)


def _vim_swap(folder: Path, text: str) -> None:
    (folder / ".x.md.swp").write_bytes(b"b0VIM 9.0\0swap")
    (folder / "x.md").write_text(text)
    (folder / ".x.md.swp").unlink()


def _vim_backup_rename(folder: Path, text: str) -> None:
    os.rename(folder / "x.md", folder / "x.md~")
    (folder / "x.md").write_text(text)
    (folder / "x.md~").unlink()


def _helix(folder: Path, text: str) -> None:
    (folder / "x.md.bck").write_bytes((folder / "x.md").read_bytes())
    (folder / "x.md").write_text(text)
    (folder / "x.md.bck").unlink()


def _temp_then_rename(folder: Path, text: str) -> None:
    (folder / "x.md.tmp").write_text(text)
    os.replace(folder / "x.md.tmp", folder / "x.md")


def _hidden_temp_then_rename(folder: Path, text: str) -> None:
    (folder / ".x.md.save").write_text(text)
    os.replace(folder / ".x.md.save", folder / "x.md")


def _emacs(folder: Path, text: str) -> None:
    os.symlink("editor@host.4242:1700000000", folder / ".#x.md")  # emacs' lock: a dangling symlink
    (folder / "x.md").write_text(text)
    (folder / ".#x.md").unlink()


SAVES = {
    "vim-4913-probe": _vim_probe,
    "vim-swap-file": _vim_swap,
    "vim-backup-rename": _vim_backup_rename,
    "helix-bck": _helix,
    "write-temp-then-rename": _temp_then_rename,
    "hidden-temp-then-rename": _hidden_temp_then_rename,
    "emacs-lock": _emacs,
}


@pytest.mark.parametrize("save", SAVES.values(), ids=SAVES.keys())
def test_an_editor_save_is_one_build_equal_to_a_clean_build(archive, tmp_path, save):
    archive.article("x", title="X", body="Before the save.")
    with watching(archive) as running:
        seen = running.count
        save(archive.root / "content/articles", article_text(title="X", body="After the save."))
        event = running.wait_for(seen + 1)
        running.quiet()
        assert running.count - seen <= 2, [e.changes for e in running.events[seen:]]
        assert running.events[-1].result is not None, running.events[-1].errors
        assert event.changes == ("content/articles/x.md",)
        assert body_text(archive, "x") == "After the save."
        assert archive.output_files() == archive.clean_build_files(tmp_path)


@pytest.mark.parametrize("save", [_temp_then_rename, _hidden_temp_then_rename], ids=["temp", "hidden-temp"])
def test_a_save_by_renaming_a_temporary_over_the_file_is_exactly_one_build(archive, save):
    archive.article("x", title="X", body="Before the save.")
    with watching(archive) as running:
        seen = running.count
        for number in range(5):
            save(archive.root / "content/articles", article_text(title="X", body=f"Save {number}."))
            running.wait_for(seen + number + 1)
            running.quiet(0.3)
        assert [event.changes for event in running.events[seen:]] == [("content/articles/x.md",)] * 5


def test_editor_temporaries_alone_do_not_build(archive):
    archive.article("x", title="X")
    folder = archive.root / "content/articles"
    with watching(archive) as running:
        seen = running.count
        for name in ("4913", ".x.md.swp", "x.md~", "x.md.bck", "x.md.tmp", "#x.md#"):
            (folder / name).write_text("scratch")
        os.symlink("editor@host.4242:1700000000", folder / ".#x.md")
        running.quiet(1.0)
        assert running.count == seen


def test_a_burst_of_200_new_articles_is_at_most_two_builds(archive, tmp_path):
    with watching(archive) as running:
        seen = running.count
        for number in range(200):
            archive.article(f"burst-{number:03}", title=f"Burst {number}", body=f"Text {number}.")
        deadline = time.monotonic() + 20
        while len(list((archive.out / "articles").glob("burst-*"))) < 200:
            assert time.monotonic() < deadline, "not every article of the burst was built"
            running.wait_for(running.count + 1, timeout=deadline - time.monotonic())
        running.quiet(1.0)
        assert 1 <= running.count - seen <= 2
        assert archive.output_files() == archive.clean_build_files(tmp_path)


# --- one rule for what is published and what builds ----------------------------------------

# Files editors and systems write beside the real one: never published, never a build.
EDITOR_TEMPORARIES = [
    "4913",  # vim's probe that it may write in the folder
    ".x.md.swp",  # vim's swap files, hidden beside the file ...
    ".x.md.swo",
    ".x.md.swx",
    "x.md.swp",  # ... or not
    "x.md.swx",
    "x.md~",
    "x.md.bck",
    "x.md.tmp",
    "x.md.temp",
    "X.MD.TMP",
    ".#x.md",
    "#x.md#",
    ".goutputstream-3ZXB41",
    "x.md.crswap",
    "x.md___jb_tmp___",
    "x.md___jb_old___",
    ".~lock.x.md#",
    ".DS_Store",
    "Thumbs.db",
    "desktop.ini",
]
# Names that only look like those: content, published and built like any other.
LOOKALIKES = ["4913.md", "tmp.md", "swap.md", "notes.swift", "clip.swf", "#hashtag.md", "photo.jpg", "x.tmp.txt", "4913.txt"]


def test_editor_temporaries_in_static_neither_build_nor_get_published(archive, tmp_path):
    seed(archive)
    archive.write("content/static/photo.jpg", b"a photo")
    with watching(archive) as running:
        seen = running.count
        for name in EDITOR_TEMPORARIES:
            archive.write(f"content/static/{name}", "scratch")
        running.quiet(1.0)
        assert running.count == seen, [event.changes for event in running.events[seen:]]
        clean = archive.clean_build_files(tmp_path)
        assert sorted(set(clean) & set(EDITOR_TEMPORARIES)) == []
        assert archive.output_files() == clean


def test_editor_temporaries_in_a_static_subfolder_are_not_published(archive):
    archive.write("content/static/docs/report.pdf", b"%PDF-1.4")
    for name in EDITOR_TEMPORARIES:
        archive.write(f"content/static/docs/{name}", "scratch")
    archive.write("content/static/docs.tmp/stale.pdf", b"%PDF-1.4")  # a folder's name counts too
    archive.build()
    assert [path for path in archive.output_files() if path.startswith("docs")] == ["docs/report.pdf"]


def test_lookalikes_in_static_build_and_are_published(archive, tmp_path):
    seed(archive)
    with watching(archive) as running:
        seen = running.count
        for name in LOOKALIKES:
            archive.write(f"content/static/{name}", f"the file {name}")
        running.wait_for(seen + 1)
        deadline = time.monotonic() + DEADLINE
        while not all((archive.out / name).is_file() for name in LOOKALIKES):  # a second batch may follow
            assert time.monotonic() < deadline, "not every file was published"
            running.wait_for(running.count + 1, timeout=deadline - time.monotonic())
        running.quiet()
        assert archive.output_files() == archive.clean_build_files(tmp_path)


# --- the output is not a source --------------------------------------------------------


def test_a_build_does_not_wake_the_watcher(archive):
    seed(archive)
    with watching(archive) as running:
        seen = running.count
        archive.article("first", title="First", date="2020-01-02", body="A change that rewrites pages.")
        running.wait_for(seen + 1)
        running.quiet(3.0)
        assert running.count == seen + 1


def test_changes_inside_the_output_folder_do_not_build(archive):
    seed(archive)
    with watching(archive) as running:
        seen = running.count
        (archive.out / "index.html").write_text("touched by hand")
        (archive.out / "articles/new").mkdir()
        (archive.out / "articles/new/index.html").write_text("a file the build did not write")
        (archive.out / "articles/first/index.html").unlink()
        running.quiet(1.5)
        assert running.count == seen


# --- a bad edit, then the fix ----------------------------------------------------------------


def test_a_bad_edit_reports_path_and_line_and_keeps_the_last_good_output(archive):
    seed(archive)
    with watching(archive) as running:
        good = archive.output_files()
        seen = running.count
        truncated = article_text(title="First", date="2020-01-02", body="Broken.")[:20]
        archive.write("content/articles/first.md", truncated)
        event = running.wait_for(seen + 1)
        assert event.result is None
        assert [(error.path, error.line) for error in event.errors] == [("content/articles/first.md", 1)]
        assert str(event.errors[0]).startswith("content/articles/first.md:1: error:")
        assert archive.output_files() == good


def test_a_fixing_save_recovers_without_a_restart(archive, tmp_path):
    seed(archive)
    with watching(archive) as running:
        seen = running.count
        archive.write("content/articles/first.md", article_text(title="First", date="2020-01-02")[:20])
        assert running.wait_for(seen + 1).result is None
        archive.article("first", title="First", date="2020-01-02", body="Fixed text.")
        event = running.wait_for(seen + 2)
        assert event.result is not None and event.errors == ()
        assert body_text(archive, "first") == "Fixed text."
        assert archive.output_files() == archive.clean_build_files(tmp_path)


def test_an_unforeseen_failure_of_one_rebuild_is_reported_and_the_next_save_recovers(archive, tmp_path):
    seed(archive)
    with watching(archive) as running:
        good = archive.output_files()
        real_build = running.watcher.builder.build
        failures = []

        def failing_once(*args, **kwargs):
            if not failures:
                failures.append(True)
                raise RuntimeError("an unforeseen failure")
            return real_build(*args, **kwargs)

        running.watcher.builder.build = failing_once
        seen = running.count
        archive.article("first", title="First", date="2020-01-02", body="The save that meets the failure.")
        event = running.wait_for(seen + 1)
        assert event.result is None
        [error] = event.errors
        assert str(error).startswith("sitegen: error: internal error (RuntimeError('an unforeseen failure') at ")
        assert "please report it" in error.message and "RuntimeError" in event.trace
        assert archive.output_files() == good
        archive.article("first", title="First", date="2020-01-02", body="The next save.")
        event = running.wait_for(seen + 2)
        assert event.result is not None, event.errors
        assert body_text(archive, "first") == "The next save."
        assert archive.output_files() == archive.clean_build_files(tmp_path)


# --- configuration and templates -------------------------------------------------------


def test_a_change_to_site_toml_rebuilds_every_page(archive, tmp_path):
    seed(archive)
    with watching(archive) as running:
        seen = running.count
        archive.write("site.toml", DEFAULT_SITE_TOML.replace('title = "Test Archive"', 'title = "Renamed Archive"'))
        running.wait_for(seen + 1)
        for page in ("index.html", "articles/first/index.html", "tags/index.html"):
            assert archive.html(page).select_one(".site-title").get_text() == "Renamed Archive", page
        assert archive.output_files() == archive.clean_build_files(tmp_path)


def test_a_new_template_override_applies_and_its_edit_too(archive, tmp_path):
    seed(archive)
    override = '{% extends "theme/base.html" %}{% block colophon %}COLOPHON{% endblock %}'
    with watching(archive) as running:
        seen = running.count
        archive.write("templates/base.html", override.replace("COLOPHON", "Our colophon"))
        running.wait_for(seen + 1)
        assert archive.html("articles/first/index.html").select_one(".colophon").get_text() == "Our colophon"
        archive.write("templates/base.html", override.replace("COLOPHON", "Our second colophon"))
        running.wait_for(seen + 2)
        assert archive.html("index.html").select_one(".colophon").get_text() == "Our second colophon"
        assert archive.output_files() == archive.clean_build_files(tmp_path)


# --- what gets through the filter ------------------------------------------------------------


@pytest.mark.parametrize("name", EDITOR_TEMPORARIES)
def test_editor_temporary_files_are_ignored(name):
    assert is_ignored_name(name)


@pytest.mark.parametrize("name", ["x.md", "2016-11-27-retreat.md", "glossary.toml", "timeline.toml", "site.toml", "base.html", *LOOKALIKES])
def test_real_files_are_not_ignored(name):
    assert not is_ignored_name(name)


ROOT = Path("/archive")


@pytest.mark.parametrize(
    "path",
    [
        "site.toml",
        "content",
        "content/articles/x.md",
        "content/articles/2016/deep/x.md",
        "content/entities/mosul.md",
        "content/glossary.toml",
        "content/timeline.toml",
        "content/static/photo.jpg",
        "templates/base.html",
        "templates/partials/card.html",
    ],
)
def test_sources_pass_the_filter(path):
    assert SourceFilter(ROOT, include_theme=False)(None, str(ROOT / path))


@pytest.mark.parametrize(
    "path",
    [
        "_site",
        "_site/index.html",
        "_site/articles/x/index.html",
        "_site/.sitegen-output",
        "_site/content/articles/x.md",
        "._site.staging-abc123/index.html",
        ".sitegen-cache/0f/1e2d",
        "content/.sitegen-cache/0f/1e2d",
        "content/articles/.sitegen-cache",
        "content/articles/4913",
        "content/articles/.x.md.swp",
        "content/articles/x.md~",
        "content/articles/x.md.bck",
        "content/articles/x.md.tmp",
        "content/articles/.#x.md",
        "content/static/4913",
        "content/static/x.tmp",
        "content/static/docs.tmp/stale.pdf",
        "content/.git/HEAD",
        "content/articles/.hidden/x.md",
        ".git/index",
        "site.toml~",
        "site.toml.tmp",
        "README.md",
        "other/site.toml",
        "contents/articles/x.md",
        "templates.bak/base.html",
    ],
)
def test_everything_else_is_filtered_out(path):
    assert not SourceFilter(ROOT, include_theme=True)(None, str(ROOT / path))


@pytest.mark.parametrize("include_theme", [True, False])
def test_the_theme_passes_only_when_it_is_watched(include_theme):
    theme_template = str(THEME_DIR / "templates/base.html")
    assert SourceFilter(ROOT, include_theme=include_theme)(None, theme_template) is include_theme


def test_a_refused_output_folder_in_site_toml_is_reported_and_watching_goes_on(archive):
    from sitegen.dev.watch import Watcher
    from sitegen.engine.builder import Builder, BuildOptions

    events = []
    watcher = Watcher(Builder(BuildOptions(root=archive.root)), events.append)
    watcher.rebuild()
    original = archive.root.joinpath("site.toml").read_text()
    archive.write("site.toml", original + '\n[build]\noutput = "content"\n')
    event = watcher.rebuild(("site.toml",))
    assert event.result is None and event.errors[0].path == "site.toml"
    archive.write("site.toml", original)
    assert watcher.rebuild(("site.toml",)).result is not None


def test_the_search_index_is_refreshed_in_the_background_once_rebuilds_pause(archive):
    import time as clock

    from sitegen.dev.watch import Watcher
    from sitegen.engine.builder import Builder, BuildOptions

    archive.write("site.toml", archive.root.joinpath("site.toml").read_text().replace("enabled = false", "enabled = true"))
    archive.article("a", title="A", body="Searchable words.")
    refreshed = []
    watcher = Watcher(Builder(BuildOptions(root=archive.root)), lambda event: None, search_delay=0.5, on_search=refreshed.append)
    try:
        for number in range(3):  # a quick series of saves
            archive.article("a", title="A", body=f"Searchable words, version {number}.")
            event = watcher.rebuild(("content/articles/a.md",))
            assert event.result is not None
            assert refreshed == [], "the pages are written without waiting for the index"
        deadline = clock.monotonic() + 30
        while not refreshed and clock.monotonic() < deadline:
            clock.sleep(0.1)
        clock.sleep(1.0)
        assert len(refreshed) == 1 and refreshed[0].startswith("search index refreshed")
        assert (archive.out / "pagefind/pagefind-entry.json").is_file()
    finally:
        watcher.stop()


def wait_until(condition, timeout: float = 30.0) -> None:
    import time as clock

    deadline = clock.monotonic() + timeout
    while not condition() and clock.monotonic() < deadline:
        clock.sleep(0.05)


def test_the_hooks_around_a_refresh_run_before_the_new_index_is_made_and_after_it_is_in(archive):
    from sitegen.dev.watch import Watcher
    from sitegen.engine.builder import Builder, BuildOptions

    archive.write("site.toml", archive.root.joinpath("site.toml").read_text().replace("enabled = false", "enabled = true"))
    archive.article("a", title="A", body="Searchable words.")
    seen = []
    watcher = Watcher(
        Builder(BuildOptions(root=archive.root)),
        lambda event: None,
        search_delay=0.1,
        on_search=lambda message: seen.append("message"),
        before_search=lambda: seen.append(("before", (archive.out / "pagefind").exists())),
        after_search=lambda: seen.append(("after", (archive.out / "pagefind").exists())),
    )
    try:
        watcher.rebuild()
        wait_until(lambda: "message" in seen)
    finally:
        watcher.stop()
    assert seen == [("before", False), ("after", True), "message"]


def test_a_refresh_that_fails_does_not_say_the_new_index_is_in(archive, monkeypatch):
    from sitegen.dev.watch import Watcher
    from sitegen.engine.builder import Builder, BuildOptions

    archive.write("site.toml", archive.root.joinpath("site.toml").read_text().replace("enabled = false", "enabled = true"))
    archive.article("a", title="A", body="Searchable words.")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", "/bin/false")
    seen = []
    watcher = Watcher(
        Builder(BuildOptions(root=archive.root)),
        lambda event: None,
        search_delay=0.1,
        on_search=lambda message: seen.append(message.split(":")[0]),
        before_search=lambda: seen.append("before"),
        after_search=lambda: seen.append("after"),
    )
    try:
        watcher.rebuild()
        wait_until(lambda: len(seen) == 2)
    finally:
        watcher.stop()
    assert seen == ["before", "search index not refreshed"]


def test_the_data_files_are_written_in_the_background_after_the_pages_once_rebuilds_pause(archive, tmp_path):
    import time as clock

    seed(archive)
    refreshed = []
    watcher = Watcher(Builder(BuildOptions(root=archive.root)), lambda event: None, search_delay=0.5, on_open_data=refreshed.append)
    try:
        watcher.rebuild()
        first_data = archive.output_files()["data/articles.csv"]
        for number in range(3):  # a quick series of saves
            archive.article("first", title=f"First, version {number}", date="2020-01-02", body="First text.")
            assert watcher.rebuild(("content/articles/first.md",)).result is not None
            assert archive.html("articles/first/index.html").select_one("h1").get_text() == f"First, version {number}"
            assert archive.output_files()["data/articles.csv"] == first_data, "the pages are written without waiting for data/"
        deadline = clock.monotonic() + 30
        while not refreshed and clock.monotonic() < deadline:
            clock.sleep(0.1)
        clock.sleep(1.0)
        assert len(refreshed) == 1 and refreshed[0].startswith("open data refreshed")
        assert archive.output_files() == archive.clean_build_files(tmp_path)
    finally:
        watcher.stop()


def test_a_system_that_refuses_to_watch_is_an_error_not_a_crash(archive, monkeypatch, capsys):
    import watchfiles

    from sitegen.cli import main

    def refuse(*paths, **options):
        raise OSError("OS file watch limit reached")

    monkeypatch.setattr(watchfiles, "watch", refuse)
    assert main(["watch", "--root", str(archive.root)]) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"{archive.root}: error: cannot watch for changes (OS file watch limit reached)")
    assert "internal error" not in error
