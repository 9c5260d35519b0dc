"""The work a running builder does for a one-article edit: only what the edit can change.

tests/test_incremental_planning.py pins down what an edit plans and renders;
these tests pin down the work around it (the timeline's keys, the sitemap's
entries, the pages compared with the last build), counted, never timed.
tests/test_incremental.py checks that any sequence of edits still gives a
clean build's output.
"""

from __future__ import annotations

import sys

import pytest

import sitegen.pipeline.listings
import sitegen.pipeline.pages
import sitegen.pipeline.write
from sitegen.engine.builder import Builder, BuildOptions
from sitegen.model.urls import Urls
from test_incremental import assert_same_trees, clean_build_of, output_tree
from test_incremental_planning import count_calls_in, seed

TIMELINE = (
    '[[event]]\ndate = "2016-10-17"\ntitle = "The battle begins"\nentities = ["mosul"]\n'
    '[[event]]\ndate = "2003-03-20"\ntitle = "The invasion"\nentities = ["baghdad"]\n'
)


@pytest.fixture
def watching(archive):
    """A builder as `sitegen watch` keeps it, after its first build, with a timeline of two periods."""
    seed(archive)
    archive.write("content/timeline.toml", TIMELINE)
    builder = Builder(BuildOptions(root=archive.root, workers=1))
    builder.build(incremental=True)
    return builder


def edit_body(archive, more: str = "More.") -> None:
    archive.article("first", title="First", date="2016-10-17", body=f"Fighting near Mosul began.\n\nThen Baghdad.\n\n{more}", tags="[Iraq]")


def test_a_body_edit_works_out_no_key_of_the_timeline_pages(archive, watching, monkeypatch):
    keyed = count_calls_in(monkeypatch, sitegen.pipeline.pages, "period_years")
    edit_body(archive)
    watching.build(incremental=True)
    assert keyed == []


def test_an_event_edit_after_body_edits_makes_the_page_of_its_period_alone(archive, watching, monkeypatch, tmp_path):
    edit_body(archive, "More.")
    watching.build(incremental=True)
    edit_body(archive, "Even more.")
    watching.build(incremental=True)
    made = count_calls_in(monkeypatch, sitegen.pipeline.pages, "timeline_period_page")
    archive.write("content/timeline.toml", TIMELINE.replace("The invasion", "The invasion of Iraq"))
    watching.build(incremental=True)
    assert [period.slug for period, *_ in made] == ["2000s"]
    monkeypatch.undo()
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))


def test_a_body_edit_works_out_the_sitemap_entry_of_its_own_page_alone(archive, watching, monkeypatch):
    planned: list[str] = []  # the absolute addresses the planning of pages works out
    real = Urls.absolute

    def absolute(self, path):
        if sys._getframe(1).f_globals["__name__"] == sitegen.pipeline.pages.__name__:
            planned.append(path)
        return real(self, path)

    monkeypatch.setattr(Urls, "absolute", absolute)
    edit_body(archive)
    watching.build(incremental=True)
    assert planned == ["articles/first/"]


def test_a_body_edit_works_out_no_folder_of_the_output_the_pages_are_in(archive, watching, monkeypatch):
    edit_body(archive, "More.")
    watching.build(incremental=True)
    worked_out = count_calls_in(monkeypatch, sitegen.pipeline.write, "folders_holding")
    edit_body(archive, "Even more.")
    watching.build(incremental=True)
    assert worked_out == []


def test_a_deleted_article_still_takes_its_folder_from_the_output(archive, watching, tmp_path):
    edit_body(archive, "More.")
    watching.build(incremental=True)
    (archive.root / "content/articles/second.md").unlink()
    watching.build(incremental=True)
    assert not (archive.out / "articles/second").exists()
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))
