"""Helpers of the tests of what a new `sitegen build` process does with the previous site."""

from __future__ import annotations

from sitegen.engine.builder import Builder, BuildOptions


def seed_two_articles_naming_mosul(archive) -> None:
    archive.write("content/entities/mosul.md", '---\nname: Mosul\nkind: place\nsummary: "A city."\n---\nOn the Tigris.\n')
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.", tags="[Iraq]")
    archive.article("second", title="Second", date="2016-11-27", body="Mosul again.", tags="[Iraq]")


def new_process_build(archive):
    """What a new `sitegen build` process does: load the persistent cache, then build."""
    return Builder(BuildOptions(root=archive.root, workers=1)).build()
