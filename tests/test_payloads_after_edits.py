"""Hostile text saved into an archive already built is published as a clean build publishes it.

tests/test_bad_input.py checks that a clean build escapes or sanitises every
payload in every field. These tests bring the same payloads in by edits, as
an editor saves them: into a running builder (watch, serve), one file at a
time, and into a new `sitegen build` process, whose plan record keeps every
page but the edited article's. Each site must then be, byte for byte, a clean
build of the same sources: no page keeps markup an earlier build let through,
and no shortcut renders a payload another way.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import sitegen.engine.builder
from sitegen.engine.builder import Builder, BuildOptions, build
from test_bad_input import DISGUISED_ADDRESSES, PAYLOADS, harmless, payload_archive
from test_incremental import assert_same_trees, clean_build_of, output_tree


def calm_archive(root: Path):
    """The payload archive with every payload made harmless (the same slugs and pages)."""
    return payload_archive(root, lambda n: harmless(PAYLOADS[n]), search=False)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The sources with every payload in every field, and a clean build of them."""
    archive = payload_archive(tmp_path_factory.mktemp("hostile") / "site", lambda n: PAYLOADS[n], search=False)
    clean = tmp_path_factory.mktemp("hostile-clean") / "out"
    clean_build_of(archive.root, clean)
    return archive, output_tree(clean)


def content_files(archive) -> list[str]:
    """The sources under content/, articles first, as paths relative to the archive."""
    files = sorted(path.relative_to(archive.root).as_posix() for path in (archive.root / "content").rglob("*") if path.is_file())
    return sorted(files, key=lambda relative: not relative.startswith("content/articles/"))


def add_body_payloads(archive, n: int) -> Path:
    """Raw HTML and disguised script addresses appended to the body of article `n` alone."""
    path = archive.root / f"content/articles/a{n}.md"
    path.write_text(path.read_text(encoding="utf-8") + f"\n{PAYLOADS[n]}\n\n{DISGUISED_ADDRESSES[n]}\n", encoding="utf-8")
    return path


def test_payloads_saved_file_by_file_into_a_running_builder_give_a_clean_builds_site(tmp_path, hostile):
    source, expected = hostile
    archive = calm_archive(tmp_path / "site")
    builder = Builder(BuildOptions(root=archive.root, workers=1))
    builder.build(incremental=True)
    for relative in content_files(source):
        shutil.copyfile(source.root / relative, archive.root / relative)
        builder.build(incremental=True, changed=[archive.root / relative])  # as watch tells it
    assert_same_trees(output_tree(archive.out), expected)


def test_payloads_saved_into_article_bodies_of_a_running_builder_give_a_clean_builds_site(tmp_path):
    archive = calm_archive(tmp_path / "site")
    builder = Builder(BuildOptions(root=archive.root, workers=1))
    builder.build(incremental=True)
    for n in range(len(PAYLOADS)):
        builder.build(incremental=True, changed=[add_body_payloads(archive, n)])
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))


def test_payloads_saved_into_article_bodies_between_new_processes_give_a_clean_builds_site(tmp_path, monkeypatch):
    archive = calm_archive(tmp_path / "site")
    build(BuildOptions(root=archive.root, workers=1))
    every_page_planned: list[bool] = []
    plan_pages = sitegen.engine.builder.plan_pages
    monkeypatch.setattr(sitegen.engine.builder, "plan_pages", lambda *args: every_page_planned.append(True) or plan_pages(*args))
    for n in range(len(PAYLOADS)):
        add_body_payloads(archive, n)
        build(BuildOptions(root=archive.root, workers=1))
    assert every_page_planned == []  # each build kept every other page by the plan's record
    monkeypatch.undo()
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))


def test_payloads_saved_into_every_field_before_a_new_process_give_a_clean_builds_site(tmp_path, hostile):
    source, expected = hostile
    archive = calm_archive(tmp_path / "site")
    build(BuildOptions(root=archive.root, workers=1))
    for relative in content_files(source):
        shutil.copyfile(source.root / relative, archive.root / relative)
    build(BuildOptions(root=archive.root, workers=1))
    assert_same_trees(output_tree(archive.out), expected)
