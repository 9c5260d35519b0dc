"""A single build compares the output folder with its manifest in a forked child
while it loads its sources (output_check in sitegen/engine/up_to_date.py). What
the child finds is what the build would have found: a file changed by hand is
rendered again; a child that fails or answers in another shape leaves the
comparison to the build."""

from __future__ import annotations

import os

import pytest

import sitegen.engine.forked
import sitegen.engine.up_to_date
from sitegen.engine.forked import fork_work

from test_spare_site import edit_one, seed

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this system")


def listings_here(monkeypatch) -> list[str]:
    """The output folders the build process lists itself to compare them with the manifest."""
    calls: list[str] = []
    real, parent = sitegen.engine.up_to_date.output_manifest, os.getpid()
    monkeypatch.setattr(
        sitegen.engine.up_to_date, "output_manifest", lambda output: (os.getpid() == parent and calls.append(os.fspath(output))) or real(output)
    )
    return calls


def forks_recorded(monkeypatch) -> list[int]:
    """The process id of every child forked from now on."""
    children: list[int] = []
    real_fork = os.fork

    def recording_fork():
        pid = real_fork()
        if pid:
            children.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", recording_fork)
    return children


def built_and_tampered(archive) -> None:
    """Built, a page of the output changed by hand, another article edited."""
    seed(archive)
    archive.build()
    (archive.out / "articles/a4/index.html").write_text("<p>changed by hand</p>")
    edit_one(archive)


def test_the_build_process_does_not_list_the_output_itself(archive, monkeypatch):
    seed(archive)
    archive.build()
    edit_one(archive)
    here = listings_here(monkeypatch)
    archive.build()
    assert here == []


def test_a_page_changed_by_hand_is_found_by_the_child_and_rendered_again(archive, tmp_path, monkeypatch):
    built_and_tampered(archive)
    here = listings_here(monkeypatch)
    archive.build()
    assert here == []
    assert archive.output_files() == archive.clean_build_files(tmp_path)


def test_a_child_that_fails_leaves_the_comparison_to_the_build(archive, tmp_path, monkeypatch):
    built_and_tampered(archive)
    real, parent = sitegen.engine.up_to_date.output_manifest, os.getpid()

    def failing_in_the_child(output):
        if os.getpid() != parent:
            raise OSError(5, "Input/output error")
        return real(output)

    monkeypatch.setattr(sitegen.engine.up_to_date, "output_manifest", failing_in_the_child)
    archive.build()
    assert archive.output_files() == archive.clean_build_files(tmp_path)


@pytest.mark.parametrize("answer", [[1, 2], "everything", {"articles/a4/index.html": 1}])
def test_an_answer_of_another_shape_leaves_the_comparison_to_the_build(archive, tmp_path, monkeypatch, answer):
    built_and_tampered(archive)
    monkeypatch.setattr(sitegen.engine.up_to_date, "fork_work", lambda work: fork_work(lambda: answer))
    here = listings_here(monkeypatch)
    archive.build()
    assert len(here) == 1
    assert archive.output_files() == archive.clean_build_files(tmp_path)


def test_a_build_that_fails_while_loading_ends_the_child(archive, monkeypatch):
    seed(archive)
    archive.build()
    archive.write("content/articles/broken.md", "---\ntitle: [unclosed\n---\nText.\n")
    children = forks_recorded(monkeypatch)
    with pytest.raises(Exception):
        archive.build()
    assert len(children) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(children[0], os.WNOHANG)  # ended and waited for by the build
