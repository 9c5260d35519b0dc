"""Removing the previous site after the swap, from the list of what it held."""

from __future__ import annotations

import os

from sitegen.engine.published import manifest_modes, output_manifest
from sitegen.pipeline.folder_removal import remove_folder


def a_site(folder) -> None:
    for page in ("index.html", "articles/first/index.html", "articles/second/index.html", "entities/mosul/index.html"):
        path = folder / page
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page)


def test_a_folder_removed_from_its_list_is_gone(tmp_path):
    site = tmp_path / "site"
    a_site(site)
    remove_folder(site, manifest_modes(output_manifest(site)))
    assert not site.exists()


def test_what_the_list_did_not_hold_is_removed_too(tmp_path):
    site = tmp_path / "site"
    a_site(site)
    listed = manifest_modes(output_manifest(site))
    (site / "articles/first/added.txt").write_text("added since")
    (site / "later").mkdir()
    remove_folder(site, listed)
    assert not site.exists()


def test_a_listed_folder_replaced_by_a_link_is_not_followed(tmp_path):
    site, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    a_site(site)
    listed = manifest_modes(output_manifest(site))
    (elsewhere / "first").mkdir(parents=True)
    (elsewhere / "first/index.html").write_text("not the site's")
    for page in ("first", "second"):
        (site / "articles" / page / "index.html").unlink()
        (site / "articles" / page).rmdir()
    (site / "articles").rmdir()
    os.symlink(elsewhere, site / "articles")
    remove_folder(site, listed)
    assert not site.exists()
    assert (elsewhere / "first/index.html").read_text() == "not the site's"


def test_without_a_list_the_folder_is_removed_all_the_same(tmp_path):
    site = tmp_path / "site"
    a_site(site)
    remove_folder(site)
    assert not site.exists()
