"""Claiming the output paths: the folders of each path, worked out for every page of a build."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

import sitegen.pipeline.outputs
from sitegen.model.errors import Problems
from sitegen.model.models import StaticFile
from sitegen.pipeline.outputs import claim_outputs


def test_claiming_the_pages_of_a_build_makes_no_path_object_per_page(monkeypatch):
    made = []

    class Counted(PurePosixPath):
        def __new__(cls, *args):
            made.append(args)
            return super().__new__(cls, *args)

    monkeypatch.setattr(sitegen.pipeline.outputs, "PurePosixPath", Counted)
    pages = [f"articles/{number:05d}-a-title/" for number in range(500)] + [f"entities/e{number}/" for number in range(500)]
    copies = claim_outputs(pages, [], [], Path("."), Problems())
    assert copies == [] and made == []


@pytest.mark.parametrize(
    "target",
    ["a/b/c.html", "a.html", "a//b/c.html", "./a/b.html", "a/./b.html", "a/b/", "/a/b.html", "a/../b.html", ".hidden/x", "é/ß.txt"],
)
def test_a_path_has_the_folders_a_posix_path_reads_in_it(target):
    parts = PurePosixPath(target).parts[:-1]
    assert sitegen.pipeline.outputs._parents(target) == ["/".join(parts[: depth + 1]) for depth in range(len(parts))]


def test_a_static_file_inside_a_page_folder_is_still_refused(tmp_path):
    problems = Problems()
    static = StaticFile(source="content/static/articles/first/index.html/x.txt", target="articles/first/index.html/x.txt")
    copies = claim_outputs(["articles/first/"], [], [static], tmp_path, problems)
    assert copies == [] and [item.message for item in problems.items] == [
        "this file would replace the generated page /articles/first/ with a folder; rename or move it"
    ]


def test_claiming_the_pages_of_a_build_lists_no_page_folders_when_no_static_file_asks(monkeypatch):
    # A build claims a path per page: their folders are looked up for each static file, not listed for every page.
    listed = []
    parents = sitegen.pipeline.outputs._parents
    monkeypatch.setattr(sitegen.pipeline.outputs, "_parents", lambda target: listed.append(target) or parents(target))
    pages = [f"articles/{number:05d}-a-title/" for number in range(500)] + [f"entities/e{number}/" for number in range(500)]
    static = StaticFile(source="content/static/images/map.png", target="images/map.png")

    copies = claim_outputs(pages, [], [static], Path("."), Problems())

    assert copies == [("images/map.png", Path("content/static/images/map.png"))]
    assert set(listed) == {"images/map.png"}  # the static file's own folders only


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("articles", "the folder of the generated page /articles/00003-a-title/"),  # claimed first there
        ("ARTICLES/00001-A-TITLE", "the folder of the generated page /articles/00001-a-title/"),
        ("entities/e7/index.html/x", "the generated page /entities/e7/ with a folder"),
        ("pagefind", "the folder of the search index /pagefind/"),
        ("pagefind/x.js", "the search index /pagefind/"),
    ],
)
def test_a_static_file_where_a_page_or_its_folder_is_names_the_first_page_claimed_there(target, message):
    pages = [f"articles/{number:05d}-a-title/" for number in (3, 0, 1)] + [f"entities/e{number}/" for number in range(10)]
    problems = Problems()

    claim_outputs(pages, [], [StaticFile(source=f"content/static/{target}", target=target)], Path("."), problems)

    assert [item.message.split("this file would replace ")[1].split(";")[0].split(" where")[0] for item in problems.items] == [message]
