"""A single build that will write forks a process that brings the spare beside
the output up to the published site, its stage, while it plans
(sitegen/engine/stage_ready.py; where there is no spare, test_spare_copy.py).
Whatever happens to that process, the site published is a clean build's."""

from __future__ import annotations

import os
import time

import pytest

import sitegen.engine.stage_ready
import sitegen.pipeline.staged_output
from sitegen.engine.builder import Builder
from sitegen.engine.cache_file import load_persistent_cache
from sitegen.engine.published import output_manifest
from sitegen.engine.stage_ready import SpareBroughtUp
from sitegen.pipeline.spare_site import BroughtUp, spare_folder

from test_output_atomic import leftovers, output_tree
from test_output_check import forks_recorded
from test_spare_copy import links_made_by_this_process as links_made_here
from test_spare_site import built_twice, edit_one, seed

pytestmark = pytest.mark.skipif(not sitegen.engine.stage_ready.REUSABLE or not hasattr(os, "fork"), reason="no spare on this system")


def brought_up_here(monkeypatch) -> list[str]:
    """The spares the build process brings up itself (not its child)."""
    calls: list[str] = []
    real = sitegen.pipeline.staged_output.bring_up_to
    monkeypatch.setattr(sitegen.pipeline.staged_output, "bring_up_to", lambda spare, *rest: calls.append(os.fspath(spare)) or real(spare, *rest))
    return calls


def single_build(archive):
    """What `sitegen build` runs (a builder that does not last: a running one forks nothing)."""
    return archive.build(workers=1)


def test_the_build_process_does_not_bring_the_spare_up_itself(archive, tmp_path, monkeypatch):
    built_twice(archive)
    edit_one(archive, "Another sentence.")
    here, linked = brought_up_here(monkeypatch), links_made_here(monkeypatch)
    single_build(archive)
    assert here == [] and linked == []
    assert archive.output_files() == archive.clean_build_files(tmp_path)
    assert leftovers(archive) == []


@pytest.mark.parametrize("spare", ["none yet", "kept by the last build"])
def test_the_manifest_is_the_output_as_it_is_and_the_next_build_trusts_it(archive, spare):
    if spare == "none yet":
        seed(archive)
        single_build(archive)
    else:
        built_twice(archive)
    edit_one(archive, "Another sentence.")
    single_build(archive)
    assert load_persistent_cache(archive.root).manifest == output_manifest(archive.out)
    edit_one(archive, "A third sentence.")
    assert single_build(archive).rendered < 5  # the edited article's page and the few that quote it


def test_a_child_that_fails_leaves_the_spare_to_the_build(archive, tmp_path, monkeypatch):
    built_twice(archive)
    edit_one(archive, "Another sentence.")
    (spare_folder(archive.out) / "stray.html").write_text("<p>not the site's</p>")

    def failing(*args):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(sitegen.engine.stage_ready, "bring_up_to", failing)  # in the child only
    here = brought_up_here(monkeypatch)
    single_build(archive)
    assert here == [os.fspath(spare_folder(archive.out))]
    assert archive.output_files() == archive.clean_build_files(tmp_path)


class _Finished:
    """A child that has ended with `result`."""

    def __init__(self, result):
        self._result = result

    def result(self):
        return self._result


def test_the_child_s_result_gives_the_spare_as_it_brought_it_up():
    linked = [("articles/a/index.html", (0o100644, 10, 1, 2, 3))]
    brought_up = SpareBroughtUp(_Finished((["articles/a/index.html"], ["articles"], linked, 0o755))).wait()
    assert brought_up == BroughtUp({"articles/a/index.html"}, {"articles"}, {"articles/a/index.html": (0o100644, 10, 1, 2, 3)}, 0o755)


@pytest.mark.parametrize(
    "result",
    [
        ([1, 2], [], [], 0o755),
        ([], [], [("index.html", (1, 2, 3))], 0o755),
        ([], [], [("index.html", "12345")], 0o755),
        ([], [], [(1, (1, 2, 3, 4, 5))], 0o755),
        ([], [], ["index.html"], 0o755),
        ([], [], [], "0o755"),
        ([], []),
    ],
    ids=["files not paths", "a status too short", "a status not of numbers", "a linked file not a path", "a linked file without its status", "a mode not a number", "too few parts"],
)
def test_a_result_of_the_wrong_shape_is_not_taken(result):
    assert SpareBroughtUp(_Finished(result)).wait() is None


def test_a_build_that_fails_while_the_child_runs_ends_it_and_the_next_build_is_clean(archive, tmp_path, monkeypatch):
    built_twice(archive)
    edit_one(archive, "Another sentence.")
    published = output_tree(archive.out)
    children = forks_recorded(monkeypatch)
    monkeypatch.setattr(sitegen.engine.stage_ready, "bring_up_to", lambda *args: time.sleep(60))

    def failing_plan(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Builder, "_plan_pages", failing_plan)  # while the pages are planned
    started = time.monotonic()
    with pytest.raises(Exception):
        single_build(archive)
    assert time.monotonic() - started < 30
    assert len(children) == 2  # the output's comparison (test_output_check.py), then the spare's bringing up
    for child in children:
        with pytest.raises(ChildProcessError):
            os.waitpid(child, os.WNOHANG)  # ended and waited for by the build
    assert output_tree(archive.out) == published
    monkeypatch.undo()
    single_build(archive)
    assert archive.output_files() == archive.clean_build_files(tmp_path)
    assert leftovers(archive) == []
