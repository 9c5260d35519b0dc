"""Publishing the output folder: `sitegen build` replaces the site in one step.

Whatever happens to a build (an error, a full disk, Ctrl-C, kill -9, a second
build started at once), the output folder holds either the whole previous
site or the whole new one, search index included, with the modes a web
server running as another user can read, and nothing is ever written outside it.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sitegen.pipeline.spare_copy as spare_copy
from conftest import Archive

from sitegen.cli import main
from sitegen.engine.builder import Builder, BuildOptions, build
from sitegen.model.errors import ContentError
from sitegen.pipeline.search import SearchError
from sitegen.pipeline.spare_site import spare_folder
from sitegen.pipeline.staged_output import StagedOutput

# --- helpers ---------------------------------------------------------------------------


def first_site_copy(name: str) -> list[str]:
    """What a first build into a new folder `name` leaves beside it: a copy of its
    site as the next build's stage, where there is a `cp` to make it (spare_copy.py)."""
    return [f".{name}.previous"] if spare_copy._copier() is not None else []


def output_tree(output: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and every folder (None) of an output folder."""
    if not output.exists():
        return {}
    return {
        path.relative_to(output).as_posix(): (None if path.is_dir() and not path.is_symlink() else path.read_bytes())
        for path in sorted(output.rglob("*"))
    }


def leftovers(archive: Archive) -> list[str]:
    """What builds left beside the output folder (staging, search and lock files),
    but the spare: the previous site, kept on purpose as the next build's stage."""
    spare = spare_folder(archive.out).name
    return sorted(path.name for path in archive.out.parent.iterdir() if path.name.startswith("._site") and path.name != spare)


def seed(archive: Archive, articles: int = 24) -> None:
    for number in range(articles):
        archive.article(f"a{number:02d}", title=f"Article {number}", date=f"2020-01-{number + 1:02d}", tags="[Iraq]")


def edit_every_page(archive: Archive) -> None:
    """An edit that changes every page: the site's title is on each of them."""
    site_toml = archive.root / "site.toml"
    site_toml.write_text(site_toml.read_text().replace('title = "Test Archive"', 'title = "Renamed Archive"'))


def enable_search(archive: Archive) -> None:
    site_toml = archive.root / "site.toml"
    site_toml.write_text(site_toml.read_text().replace("enabled = false", "enabled = true"))


def old_and_new_sites(archive: Archive, tmp_path: Path) -> tuple[dict, dict]:
    """Build the archive, edit it, and return the site before and after the edit
    (the latter built elsewhere); the output folder keeps the site before."""
    archive.build()
    old = output_tree(archive.out)
    edit_every_page(archive)
    archive.build(output=str(tmp_path / "new"))
    new = output_tree(tmp_path / "new")
    assert old != new
    return old, new


def sitegen(archive: Archive, *arguments: str) -> tuple[int, str]:
    """`sitegen build` in this process: exit code and what it printed on stderr."""
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
        code = main(["build", "--quiet", "--jobs", "1", "--root", str(archive.root), *arguments])
    return code, errors.getvalue()


# A `sitegen build` in a child process that stops itself at the Nth file-system
# operation (os.link, os.rename, os.replace, os.mkdir, os.unlink, os.rmdir,
# a file written): with SIGKILL as `kill -9` would, with KeyboardInterrupt as
# Ctrl-C does, or by waiting (`pause`) until it is killed from outside.
# With STOP_AT=0 it only counts, and writes the count to COUNT_FILE.
CHILD = r"""
import os, signal, sys, time, pathlib
stop_at, how = int(os.environ["STOP_AT"]), os.environ["STOP_HOW"]
calls = 0

def stop():
    if how == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if how == "interrupt":
        raise KeyboardInterrupt
    pathlib.Path(os.environ["PAUSED_FILE"]).write_text("paused")
    time.sleep(60)

def counted(function):
    def operation(*args, **kwargs):
        global calls
        calls += 1
        if calls == stop_at:
            stop()
        return function(*args, **kwargs)
    return operation

for name in ("link", "rename", "replace", "mkdir", "unlink", "rmdir"):
    setattr(os, name, counted(getattr(os, name)))
pathlib.Path.write_bytes = counted(pathlib.Path.write_bytes)
if os.environ.get("STOP_IN_SEARCH"):
    import sitegen.engine.indexing as indexing
    index = indexing.build_search_index
    def index_then_stop(*args, **kwargs):
        result = index(*args, **kwargs)
        stop()
        return result
    indexing.build_search_index = index_then_stop
from sitegen.cli import main
try:
    code = main(sys.argv[1:])
finally:
    if not stop_at:
        pathlib.Path(os.environ["COUNT_FILE"]).write_text(str(calls))
sys.exit(code)
"""


def start_child_build(archive: Archive, tmp_path: Path, stop_at: int, how: str = "kill", **environment: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, "build", "--quiet", "--jobs", "1", "--root", str(archive.root)],
        env={
            **os.environ,
            "STOP_AT": str(stop_at),
            "STOP_HOW": how,
            "COUNT_FILE": str(tmp_path / "count"),
            "PAUSED_FILE": str(tmp_path / "paused"),
            **environment,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_child_build(archive: Archive, tmp_path: Path, stop_at: int, how: str = "kill", **environment: str) -> subprocess.CompletedProcess:
    child = start_child_build(archive, tmp_path, stop_at, how, **environment)
    stdout, stderr = child.communicate(timeout=120)
    return subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)


def operations_of_a_build(archive: Archive, tmp_path: Path) -> int:
    """How many counted operations a whole build of `archive` makes (run on a copy)."""
    copy = Archive(tmp_path / "counted")
    shutil.copytree(archive.root, copy.root)
    finished = run_child_build(copy, tmp_path, 0)
    assert finished.returncode == 0, finished.stderr
    return int((tmp_path / "count").read_text())


# --- modes a web server can read --------------------------------------------------------------


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def modes(output: Path) -> set[tuple[str, int]]:
    """The distinct (kind, mode) pairs of the output folder and everything in it."""
    paths = [output, *output.rglob("*")]
    return {("folder" if path.is_dir() else "file", stat.S_IMODE(path.stat().st_mode)) for path in paths}


def test_a_first_build_gives_folders_and_files_the_modes_of_the_umask(archive, umask_022):
    seed(archive, 2)
    archive.build()
    assert modes(archive.out) == {("folder", 0o755), ("file", 0o644)}


def test_a_new_page_of_the_staged_site_costs_one_open_one_write_and_one_close(tmp_path, monkeypatch):
    staged = StagedOutput(tmp_path / "_site")
    (staged.stage / "articles" / "a").mkdir(parents=True)
    calls: list[str] = []
    for name in ("open", "write", "close", "fstat", "lseek"):
        real = getattr(os, name)
        monkeypatch.setattr(os, name, lambda *args, _real=real, _name=name: (calls.append(_name), _real(*args))[1])
    monkeypatch.setattr(io, "open", lambda *args, **kwargs: pytest.fail("a buffered file object was opened"))
    staged.write_bytes("articles/a/index.html", b"<p>page</p>")
    monkeypatch.undo()
    assert calls == ["open", "write", "close"]
    assert (staged.stage / "articles" / "a" / "index.html").read_bytes() == b"<p>page</p>"
    staged.discard()


def test_an_existing_output_folder_keeps_its_mode(archive, umask_022):
    seed(archive, 2)
    archive.out.mkdir()
    archive.out.chmod(0o750)
    archive.build()
    assert stat.S_IMODE(archive.out.stat().st_mode) == 0o750
    edit_every_page(archive)
    archive.build()
    assert stat.S_IMODE(archive.out.stat().st_mode) == 0o750


def test_files_rewritten_in_place_get_the_mode_of_the_umask(archive, umask_022):
    seed(archive, 2)
    builder = Builder(BuildOptions(root=archive.root))
    builder.build(incremental=True)
    edit_every_page(archive)
    builder.build(incremental=True)
    assert modes(archive.out) == {("folder", 0o755), ("file", 0o644)}


def test_a_rebuild_that_fails_while_rendering_creates_no_output_folder(archive):
    seed(archive, 2)
    builder = Builder(BuildOptions(root=archive.root))
    builder.build(incremental=True)
    archive.write("templates/base.html", "{{ undefined_variable.attribute }}")
    shutil.rmtree(archive.out)
    with pytest.raises(ContentError):
        builder.build(incremental=True)
    assert not archive.out.exists()


# --- one step from the previous site to the new one ------------------------------------------


@pytest.mark.parametrize("moment", [0.05, 0.2, 0.35, 0.5, 0.6, 0.7, 0.85, 0.95, 0.99])
def test_a_build_killed_at_any_moment_leaves_the_whole_old_or_the_whole_new_site(archive, tmp_path, moment):
    seed(archive)
    old, new = old_and_new_sites(archive, tmp_path)
    stop_at = max(1, round(operations_of_a_build(archive, tmp_path) * moment))

    killed = run_child_build(archive, tmp_path, stop_at)

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert output_tree(archive.out) in (old, new)


def test_ctrl_c_during_a_build_leaves_a_whole_site_and_nothing_beside_it(archive, tmp_path):
    seed(archive)
    old, new = old_and_new_sites(archive, tmp_path)
    stop_at = round(operations_of_a_build(archive, tmp_path) * 0.6)

    interrupted = run_child_build(archive, tmp_path, stop_at, "interrupt")

    assert interrupted.returncode == 130, interrupted.stderr
    assert output_tree(archive.out) in (old, new)
    assert leftovers(archive) == []


def test_the_build_after_a_killed_one_removes_its_leftovers_and_publishes_the_new_site(archive, tmp_path):
    seed(archive)
    _, new = old_and_new_sites(archive, tmp_path)
    stop_at = round(operations_of_a_build(archive, tmp_path) * 0.5)
    assert run_child_build(archive, tmp_path, stop_at).returncode == -signal.SIGKILL
    assert leftovers(archive), "the killed build left its staging folder"

    archive.build()

    assert output_tree(archive.out) == new
    assert leftovers(archive) == []


def test_a_build_killed_after_indexing_leaves_the_old_pages_with_the_old_index(archive, tmp_path):
    enable_search(archive)
    seed(archive, 3)
    archive.build()
    old = output_tree(archive.out)
    assert "pagefind/pagefind-entry.json" in old
    edit_every_page(archive)

    killed = run_child_build(archive, tmp_path, -1, STOP_IN_SEARCH="1")

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert output_tree(archive.out) == old
    archive.build()
    assert leftovers(archive) == []
    assert "Renamed Archive" in (archive.out / "index.html").read_text()


def test_a_failed_search_index_publishes_nothing_and_the_message_says_so(archive, tmp_path, monkeypatch):
    seed(archive, 3)
    archive.build()
    before = output_tree(archive.out)
    edit_every_page(archive)

    def failing_index(*args, **kwargs):
        raise SearchError("the search index could not be built: pagefind crashed")

    monkeypatch.setattr("sitegen.engine.indexing.build_search_index", failing_index)
    enable_search(archive)
    code, stderr = sitegen(archive)

    assert code == 1
    assert "search index: error: the search index could not be built" in stderr
    assert "the previous output is unchanged" in stderr
    assert output_tree(archive.out) == before
    assert leftovers(archive) == []


def test_leftovers_of_killed_builds_are_removed_by_the_next_build(archive):
    seed(archive, 2)
    archive.build()
    for name in ("._site.staging-0badc0de", "._site.search-0badc0de"):
        archive.write(f"{name}/pagefind/fragment/x.pf_fragment", b"half written")
    archive.build()
    assert leftovers(archive) == []


def test_without_an_atomic_exchange_a_build_is_still_whole(archive, tmp_path, monkeypatch):
    seed(archive, 2)
    _, new = old_and_new_sites(archive, tmp_path)
    monkeypatch.setattr("sitegen.pipeline.write.exchange", lambda first, second: False)
    archive.build()
    assert output_tree(archive.out) == new
    assert leftovers(archive) == []


# --- never through a symbolic link ---------------------------------------------------------


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "precious.txt").write_text("not the site's")
    return folder


def test_a_clean_build_replaces_a_symbolic_link_in_the_output_and_writes_nothing_through_it(archive, elsewhere):
    seed(archive, 2)
    archive.build()
    archive.article("new", title="New", tags="[Fresh]")
    (archive.out / "tags").rename(archive.out.parent / "tags-was")
    (archive.out / "tags").symlink_to(elsewhere, target_is_directory=True)

    archive.build()

    assert sorted(p.name for p in elsewhere.iterdir()) == ["precious.txt"]
    tags = archive.out / "tags"
    assert tags.is_dir() and not tags.is_symlink()
    assert [a.get_text() for a in archive.html("tags/fresh/index.html").select(".article-list a")] == ["New"]


def test_an_incremental_build_replaces_a_symbolic_link_in_the_output_and_writes_nothing_through_it(archive, elsewhere):
    seed(archive, 2)
    builder = Builder(BuildOptions(root=archive.root))
    builder.build(incremental=True)
    archive.article("new", title="New", tags="[Fresh]")
    (archive.out / "tags").rename(archive.out.parent / "tags-was")
    (archive.out / "tags").symlink_to(elsewhere, target_is_directory=True)

    builder.build(incremental=True)

    assert sorted(p.name for p in elsewhere.iterdir()) == ["precious.txt"]
    tags = archive.out / "tags"
    assert tags.is_dir() and not tags.is_symlink()
    assert [a.get_text() for a in archive.html("tags/iraq/index.html").select(".article-list a")] == ["Article 1", "Article 0"]


def test_a_symbolic_link_named_like_a_previous_site_left_aside_is_never_put_back(archive, elsewhere):
    """A link planted as `._site.retired-…` to another folder sitegen wrote: the
    build removes the link, and that folder keeps everything it held."""
    (elsewhere / ".sitegen-output").write_text("")
    seed(archive, 2)
    (archive.root / "._site.retired-0badc0de").symlink_to(elsewhere, target_is_directory=True)

    archive.build()

    assert sorted(p.name for p in elsewhere.iterdir()) == [".sitegen-output", "precious.txt"]
    assert archive.out.is_dir() and not archive.out.is_symlink()
    assert (archive.out / "index.html").is_file()
    assert leftovers(archive) == []


@pytest.mark.parametrize("name", ["site*", "site?", "[s]ite"])
def test_an_output_named_with_wildcards_removes_no_other_folder_beside_it(archive, tmp_path, name):
    """What a build clears beside its output is matched by the output's name as written."""
    neighbour = tmp_path / "public" / ".site-notes.staging-1"
    (neighbour / "keep.txt").parent.mkdir(parents=True)
    (neighbour / "keep.txt").write_text("not the site's")
    (tmp_path / "public" / ".sites.search-2").mkdir()
    (tmp_path / "public" / ".site.retired-3").mkdir()
    seed(archive, 2)

    build(BuildOptions(root=archive.root, output=str(tmp_path / "public" / name)))

    assert (neighbour / "keep.txt").read_text() == "not the site's"
    assert sorted(p.name for p in (tmp_path / "public").iterdir()) == sorted([
        ".site-notes.staging-1", ".site.retired-3", ".sites.search-2", name,
        *first_site_copy(name),
    ])  # fmt: skip


# --- one build at a time --------------------------------------------------------------------


def test_a_second_build_while_one_is_writing_stops_with_a_clear_error(archive, tmp_path):
    seed(archive, 2)
    archive.build()
    edit_every_page(archive)
    first = start_child_build(archive, tmp_path, operations_of_a_build(archive, tmp_path) // 2, "pause")
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "paused").exists():
            assert first.poll() is None and time.monotonic() < deadline, "the first build did not get to writing"
            time.sleep(0.05)

        code, stderr = sitegen(archive)

        assert code == 1
        assert "error: another sitegen build is writing _site; wait for it to finish" in stderr
    finally:
        first.kill()
        first.wait()
    archive.build()
    assert "Renamed Archive" in (archive.out / "index.html").read_text()
    assert leftovers(archive) == []


# --- full disks and other refusals of the system ---------------------------------------------


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.ENOSPC, "no space left on the device while writing _site/"),
        (errno.EDQUOT, "the disk quota is used up while writing _site/"),
        (errno.EROFS, "the file system is read-only: cannot write _site/"),
        (errno.EACCES, "permission denied while writing _site/"),
        (errno.EIO, "input/output error while writing _site/"),
    ],
)
def test_a_refused_write_is_a_located_error_and_the_previous_site_stays(archive, tmp_path, monkeypatch, code, words):
    seed(archive, 3)
    archive.build()
    before = output_tree(archive.out)
    edit_every_page(archive)
    open_file = os.open

    def refused(path, flags, *args, **kwargs):
        if flags & os.O_CREAT and Path(path).name == "index.html" and Path(path).parent.name == "a01":
            raise OSError(code, os.strerror(code), str(path))
        return open_file(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refused)
    status, stderr = sitegen(archive)

    assert status == 1, stderr
    assert f"_site: error: {words}articles/a01/index.html" in stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    assert output_tree(archive.out) == before
    assert leftovers(archive) == []


def test_an_output_folder_that_is_a_mount_point_is_refused_before_anything_is_written(archive, monkeypatch):
    seed(archive, 2)
    archive.build()
    before = output_tree(archive.out)
    is_mount = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda path: Path(path) == archive.out or is_mount(path))
    edit_every_page(archive)

    status, stderr = sitegen(archive)

    assert status == 1
    assert "_site: error: _site is busy (a mount point, or in use) and cannot be replaced" in stderr
    assert output_tree(archive.out) == before


def test_a_swap_refused_across_file_systems_is_a_located_error(archive, monkeypatch):
    seed(archive, 2)
    archive.build()
    before = output_tree(archive.out)
    edit_every_page(archive)

    def refused(first, second):
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(second))

    monkeypatch.setattr("sitegen.pipeline.write.exchange", refused)
    status, stderr = sitegen(archive)

    assert status == 1
    assert "_site: error: _site is on another file system than the folder around it" in stderr
    assert output_tree(archive.out) == before
    assert leftovers(archive) == []


def test_a_full_disk_during_a_rebuild_of_watch_is_an_error_and_the_output_stays(archive, monkeypatch):
    seed(archive, 2)
    builder = Builder(BuildOptions(root=archive.root))
    builder.build(incremental=True)
    before = output_tree(archive.out)
    edit_every_page(archive)

    def full(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr("sitegen.pipeline.in_place_output.write_atomically", full)
    with pytest.raises(ContentError) as failure:
        builder.build(incremental=True)

    assert str(failure.value.errors[0]).startswith("_site: error: no space left on the device while writing _site/")
    assert output_tree(archive.out) == before


def test_a_build_into_a_new_folder_outside_the_archive_works(archive, tmp_path):
    seed(archive, 2)
    result = build(BuildOptions(root=archive.root, output=str(tmp_path / "deep/er/site")))
    assert (result.output / "index.html").is_file()
    assert sorted(p.name for p in (tmp_path / "deep/er").iterdir()) == sorted(["site", *first_site_copy("site")])


def test_without_an_atomic_exchange_the_previous_site_left_aside_by_a_killed_build_is_put_back(archive):
    seed(archive, 2)
    archive.build()
    before = output_tree(archive.out)
    # What a build killed between its two renames leaves: the previous site aside, the new one staged.
    archive.out.rename(archive.root / "._site.retired-0badc0de")
    archive.write("._site.staging-0badc0de/index.html", "the new site, half written")
    archive.write("content/articles/broken.md", "---\ntitle: [unclosed\ndate: 2020-01-01\n---\n")

    with pytest.raises(ContentError):
        archive.build()

    assert output_tree(archive.out) == before
    assert leftovers(archive) == []


def test_a_system_error_before_the_output_is_touched_is_reported_not_called_a_bug(archive, monkeypatch):
    seed(archive, 2)
    archive.build()
    before = output_tree(archive.out)

    def unreadable(root, output):
        raise OSError(errno.EACCES, os.strerror(errno.EACCES), str(output))

    monkeypatch.setattr("sitegen.engine.builder.check_output_folder", unreadable)
    edit_every_page(archive)  # a build with work to do (with nothing changed, the stamp answers first)
    status, stderr = sitegen(archive)

    assert status == 1
    assert f"{archive.out}: error: Permission denied; check it and build again" in stderr
    assert "internal error" not in stderr
    assert output_tree(archive.out) == before
