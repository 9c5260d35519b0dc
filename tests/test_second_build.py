"""A second `sitegen build` redoes only what changed since the first.

The persistent cache keeps the record of the last build (the digest of all
its inputs, its warnings, each page's input digest, each written file's
digest, and the status of every entry of the output folder). A new process
that loads it renders nothing when nothing changed, and after an edit only
the pages whose inputs changed, linking the others from the previous site.
Files in the output folder are trusted only while their status is exactly
what the last build left (sitegen/engine/published.py).
"""

from __future__ import annotations

import dataclasses
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sitegen.engine.builder
import sitegen.engine.cache
import sitegen.engine.page_digests
import sitegen.engine.staged_writer
import sitegen.engine.cache_file
import sitegen.engine.made_from
import sitegen.engine.stored_fragments
import sitegen.pipeline.annotate
import sitegen.pipeline.article_pages
import sitegen.pipeline.entity_pages
import sitegen.pipeline.open_data_pages
import sitegen.pipeline.spare_copy
import sitegen.pipeline.staged_output
from sitegen.cli import main
from sitegen.engine.builder import Builder, BuildOptions
from sitegen.engine.cache import RECENT_NS, SharedDigests, digest_of
from sitegen.engine.digests import speed_up_pickling
from sitegen.engine.cache_file import load_persistent_cache
from sitegen.model.models import Article, Entity
from sitegen.pipeline.exports import ArticleRows
from sitegen.pipeline.site import Page
from sitegen.pipeline.cards import ArticleCard

from conftest import parse_html


def seed(archive) -> None:
    archive.write("content/entities/mosul.md", '---\nname: Mosul\nkind: place\nsummary: "A city."\n---\nOn the Tigris.\n')
    archive.write("content/entities/tikrit.md", '---\nname: Tikrit\nkind: place\nsummary: "A town."\n---\n')
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.\n\nA second paragraph.", tags="[Iraq]")
    archive.article("second", title="Second", date="2016-11-27", body="Mosul again, and Tikrit.", tags="[Iraq]")


def statuses(folder: Path) -> dict[str, tuple[int, int, int]]:
    """(inode, mtime, ctime) of everything in a folder and beside it: any write, link or new folder changes it.

    Not of the folder around them, whose times the build's lock (a file
    beside the output, made and deleted by every build) changes."""
    found = {}
    for path in folder.parent.rglob("*"):
        if ".sitegen-cache" in path.parts or "content" in path.parts:
            continue
        info = path.lstat()
        found[path.as_posix()] = (info.st_ino, info.st_mtime_ns, info.st_ctime_ns)
    return found


def fresh_builder(root: Path) -> Builder:
    """What a new `sitegen build` process does: load the persistent cache, then build."""
    return Builder(BuildOptions(root=root, workers=1))


def test_a_second_build_with_nothing_changed_renders_and_writes_nothing(archive, rendered):
    seed(archive)
    fresh_builder(archive.root).build()
    before = statuses(archive.out)
    rendered.clear()
    result = fresh_builder(archive.root).build()
    assert result.unchanged and result.files == 0 and result.rendered == 0
    assert rendered == []
    assert statuses(archive.out) == before  # no new inode, no staging folder, no file touched


def test_a_second_build_with_nothing_changed_says_so(archive, capsys):
    seed(archive)
    assert main(["build", "--root", str(archive.root), "--jobs", "1"]) == 0
    capsys.readouterr()
    assert main(["build", "--root", str(archive.root), "--jobs", "1"]) == 0
    assert capsys.readouterr().out.startswith("Nothing changed:")


def test_the_warnings_of_the_last_build_are_reported_again_when_nothing_changed(archive):
    seed(archive)
    archive.article("third", title="Third", date="2017-01-01", body="Text.", tags="['!!']")  # a tag without letters
    first = fresh_builder(archive.root).build()
    again = fresh_builder(archive.root).build()
    assert again.unchanged and first.warnings
    assert [str(w) for w in again.warnings] == [str(w) for w in first.warnings]


def test_an_article_edited_in_a_new_process_renders_its_page_and_the_pages_quoting_it(archive, rendered):
    built_then_first_article_edited(archive)
    rendered.clear()
    result = fresh_builder(archive.root).build()
    # The article's page, and Mosul's page, which quotes the sentence of its first mention.
    assert sorted(rendered) == ["articles/first/", "entities/mosul/"]
    assert result.rendered == 2
    assert "Fighting around Mosul" in archive.html("entities/mosul/index.html").get_text(" ", strip=True).replace("  ", " ")


def test_pages_kept_from_the_last_build_are_the_same_files(archive):
    seed(archive)
    fresh_builder(archive.root).build()
    inode = (archive.out / "entities/tikrit/index.html").stat().st_ino
    archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.", tags="[Iraq]")
    fresh_builder(archive.root).build()
    assert (archive.out / "entities/tikrit/index.html").stat().st_ino == inode  # linked, not written


def test_a_file_edited_in_the_output_is_written_again_even_with_its_old_mtime(archive, tmp_path, rendered):
    seed(archive)
    fresh_builder(archive.root).build()
    page = archive.out / "articles/second/index.html"
    original = page.read_bytes()
    info = page.stat()
    page.write_bytes(original.replace(b"Tikrit", b"Tikrix"))
    os.utime(page, ns=(info.st_atime_ns, info.st_mtime_ns))  # same size, same mtime: only the ctime tells
    rendered.clear()
    result = fresh_builder(archive.root).build()
    assert not result.unchanged
    assert rendered == ["articles/second/"]
    assert page.read_bytes() == original


def test_a_page_whose_mode_was_changed_in_the_output_gets_the_mode_of_a_clean_build(archive, tmp_path):
    seed(archive)
    fresh_builder(archive.root).build()
    page = archive.out / "articles/second/index.html"
    clean_mode = page.stat().st_mode
    page.chmod(0o600)  # a server running as another user could no longer read it
    fresh_builder(archive.root).build()
    assert page.stat().st_mode == clean_mode


def test_a_file_added_to_the_output_is_not_kept(archive):
    seed(archive)
    fresh_builder(archive.root).build()
    archive.write("_site/stray.html", "<p>not ours</p>")
    result = fresh_builder(archive.root).build()
    assert not result.unchanged
    assert not (archive.out / "stray.html").exists()


def test_a_deleted_page_is_rendered_again(archive, rendered):
    seed(archive)
    fresh_builder(archive.root).build()
    (archive.out / "entities/tikrit/index.html").unlink()
    rendered.clear()
    fresh_builder(archive.root).build()
    assert rendered == ["entities/tikrit/"]
    assert parse_html((archive.out / "entities/tikrit/index.html").read_text()).find("h1").get_text(strip=True) == "Tikrit"


def test_without_the_cache_every_page_is_rendered(archive, rendered):
    seed(archive)
    fresh_builder(archive.root).build()
    rendered.clear()
    result = Builder(BuildOptions(root=archive.root, workers=1, cache=False)).build()
    assert not result.unchanged and len(rendered) == result.pages


def test_pages_kept_are_linked_by_the_build_itself_and_only_pages_to_render_go_to_the_workers(archive, monkeypatch):
    built_then_first_article_edited(archive)
    handed = []
    spread = sitegen.engine.staged_writer.map_in_workers

    def recorded(function, items, workers, progress=None, **options):
        handed.append(len(items))
        return spread(function, items, workers, progress, **options)

    monkeypatch.setattr(sitegen.engine.staged_writer, "map_in_workers", recorded)
    result = fresh_builder(archive.root).build()
    assert result.rendered == 2 and handed[-1] == 2


def test_after_an_edit_the_output_folder_found_as_recorded_is_not_listed_again_to_link_its_files(archive, monkeypatch):
    built_then_first_article_edited(archive)
    kept_page = archive.out / "articles/second/index.html"
    inode = kept_page.stat().st_ino
    surveys = calls_recorded(monkeypatch, sitegen.pipeline.staged_output, "survey")
    result = fresh_builder(archive.root).build()
    assert surveys == []  # the check against the manifest listed it: its files are the manifest's
    assert result.rendered == 2 and kept_page.stat().st_ino == inode  # the other pages linked all the same
    assert "around Mosul" in parse_html((archive.out / "articles/first/index.html").read_text()).find("article").get_text()


def test_after_an_edit_an_output_folder_changed_since_is_listed_to_link_its_files(archive, monkeypatch):
    built_then_first_article_edited(archive)
    (archive.out / "stray.txt").write_text("added by hand")
    surveys = calls_recorded(monkeypatch, sitegen.pipeline.staged_output, "survey")
    fresh_builder(archive.root).build()
    assert surveys == [archive.out]
    assert not (archive.out / "stray.txt").exists()


def test_after_an_edit_the_previous_site_is_removed_from_the_manifest_without_listing_its_folders(archive, monkeypatch):
    built_then_first_article_edited(archive)
    monkeypatch.setattr(sitegen.pipeline.staged_output, "REUSABLE", False)  # where it cannot be kept as the next stage
    monkeypatch.setattr(sitegen.pipeline.spare_copy, "REUSABLE", False)  # nor copied as one
    walked, walk = [], shutil.rmtree
    monkeypatch.setattr(shutil, "rmtree", lambda path, *args, **options: walked.append(os.fspath(path)) or walk(path, *args, **options))
    fresh_builder(archive.root).build()
    assert [path for path in walked if os.path.basename(path).startswith("._site.")] == []  # no folder listed, no entry stat-ed
    assert sorted(path.name for path in archive.out.parent.iterdir() if path.name.startswith("._site")) == []


def calls_recorded(monkeypatch, module, name: str) -> list:
    """The argument of every call of the one-argument function `module.name`, which still does its work."""
    calls, real = [], getattr(module, name)
    monkeypatch.setattr(module, name, lambda value: calls.append(value) or real(value))
    return calls


def entry_lines_encoded(monkeypatch) -> list:
    """The key of every source and fragment whose cache line is encoded afresh (not copied from the last file)."""
    keys, real = [], sitegen.engine.cache_file._entry_line
    monkeypatch.setattr(sitegen.engine.cache_file, "_entry_line", lambda section, key, *rest: keys.append(key) or real(section, key, *rest))
    return keys


def single_built_then_first_article_edited(archive) -> None:
    """The seed archive built by `sitegen build`, then its first article's body edited."""
    seed(archive)
    single_build(archive.root)
    archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.\n\nA second paragraph.", tags="[Iraq]")


def built_then_first_article_edited(archive) -> None:
    """The seed archive built by one process, then its first article's body edited."""
    seed(archive)
    fresh_builder(archive.root).build()
    archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.\n\nA second paragraph.", tags="[Iraq]")


def test_after_an_edit_the_cache_encodes_again_only_the_edited_source_and_its_annotation(archive, monkeypatch):
    built_then_first_article_edited(archive)
    keys = entry_lines_encoded(monkeypatch)

    fresh_builder(archive.root).build()

    assert len(keys) == 2 and "article:content/articles/first.md" in keys  # the source, and the article annotated
    assert len(load_persistent_cache(archive.root).fragments.entries) > 2  # every other entry was written as it was read


def test_after_an_edit_a_single_build_encodes_again_only_the_edited_source_and_its_annotation(archive, monkeypatch):
    # A single build sets its articles' bodies aside once annotated: the unchanged sources'
    # lines are still copied from the cache file, not read back and encoded again.
    single_built_then_first_article_edited(archive)
    keys = entry_lines_encoded(monkeypatch)

    single_build(archive.root)

    assert len(keys) == 2 and "article:content/articles/first.md" in keys  # the source, and the article annotated


def test_after_an_edit_a_new_build_process_digests_no_unchanged_article_or_entity_to_find_its_annotation(archive, monkeypatch):
    single_built_then_first_article_edited(archive)
    digested, real = [], sitegen.engine.cache.digest_of
    monkeypatch.setattr(sitegen.engine.cache, "digest_of", lambda value, *rest: digested.append(value) or real(value, *rest))

    single_build(archive.root)

    sources = [value for value in digested if type(value) in (Article, Entity)]
    assert [(type(value).__name__, value.slug if type(value) is Article else value.id) for value in sources] == [("Article", "first")]
    [mosul, tikrit] = archive.html("articles/second/index.html").select(".article-body a.mention")  # its annotation was found
    assert (mosul["data-entity"], tikrit["data-entity"]) == ("mosul", "tikrit")


def test_the_digest_kept_beside_each_parsed_source_is_the_digest_of_that_source(archive):
    seed(archive)
    single_build(archive.root)

    cache = load_persistent_cache(archive.root)

    known = list(cache.fragments.digests.values())
    assert {type(source) for source, _ in known} == {Article, Entity} and len(known) == 4  # two articles, two entities
    assert all(digest == digest_of(source) for source, digest in known)


def test_after_an_edit_a_new_process_counts_the_reading_time_of_the_edited_article_only(archive, monkeypatch):
    built_then_first_article_edited(archive)
    counted = calls_recorded(monkeypatch, sitegen.pipeline.annotate, "reading_minutes")

    fresh_builder(archive.root).build()

    assert [text.strip() for text in counted] == ["Fighting around Mosul began.\n\nA second paragraph."]  # the others' are kept
    time_shown = archive.html("articles/second/index.html").select_one(".reading-time")
    assert time_shown.get_text(strip=True) == "1 min read"


def test_each_article_card_is_digested_once_however_many_pages_show_it(archive, monkeypatch):
    seed(archive)  # both cards are on the home page, the archive, the tag's page and Mosul's page
    digested = []
    state = ArticleCard.__getstate__
    monkeypatch.setattr(ArticleCard, "__getstate__", lambda card: digested.append(card.slug) or state(card))

    fresh_builder(archive.root).build()

    assert sorted(digested) == ["first", "second"]


def test_a_source_unchanged_since_the_last_build_is_not_read_again(archive, monkeypatch):
    seed(archive)
    time.sleep(RECENT_NS / 1e9 + 0.01)  # older than the step of the file system's clock
    fresh_builder(archive.root).build()
    archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.", tags="[Iraq]")
    read = []
    read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda path: read.append(path.name) or read_bytes(path))

    fresh_builder(archive.root).build()

    assert {name for name in read if name.endswith(".md")} == {"first.md"}  # for its digest, then to parse it


def test_a_source_rewritten_with_its_old_size_and_mtime_is_read_again(archive):
    seed(archive)
    time.sleep(RECENT_NS / 1e9 + 0.01)
    fresh_builder(archive.root).build()
    source = archive.root / "content/articles/second.md"
    info = source.stat()
    source.write_text(source.read_text().replace("Tikrit", "Tikrix"))
    os.utime(source, ns=(info.st_atime_ns, info.st_mtime_ns))  # only the change time tells

    fresh_builder(archive.root).build()

    assert "Tikrix" in archive.html("articles/second/index.html").get_text()


def test_a_cold_build_digests_the_inputs_of_each_page_once_in_the_process_that_renders_it(archive, monkeypatch):
    """No page's inputs are digested up front by the main process while the workers wait."""
    seed(archive)
    events: list[tuple[str, str]] = []
    real_render, real_digest = sitegen.engine.staged_writer.render_page, sitegen.engine.page_digests.digest_of

    def render(env, page, *args):
        events.append(("render", page.path))
        return real_render(env, page, *args)

    def digest(value, *shared):
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], Page):
            events.append(("digest", value[1].path))
        return real_digest(value, *shared)

    monkeypatch.setattr(sitegen.engine.staged_writer, "render_page", render)
    monkeypatch.setattr(sitegen.engine.page_digests, "digest_of", digest)
    result = fresh_builder(archive.root).build()
    assert result.rendered == result.pages
    # Each page's digest is taken next to its rendering (before it, for an article page made there; after
    # it for the others), never for every page up front.
    pairs = [events[i : i + 2] for i in range(0, len(events), 2)]
    assert all(sorted(pair) == [("digest", pair[0][1]), ("render", pair[0][1])] for pair in pairs), events
    assert len({path for _, path in events}) == len(pairs) == result.pages


def test_the_page_digests_taken_while_rendering_let_the_next_build_render_nothing(archive, rendered):
    seed(archive)
    fresh_builder(archive.root).build()
    rendered.clear()
    assert fresh_builder(archive.root).build().rendered == 0 and rendered == []


def single_build(root: Path):
    """What `sitegen build` does in a new process: a builder for one build, which plans the articles' pages to make them later."""
    return sitegen.engine.builder.build(BuildOptions(root=root, workers=1))


def test_after_an_edit_a_new_build_process_makes_the_page_and_citation_files_of_the_edited_article_only(archive, monkeypatch):
    single_built_then_first_article_edited(archive)
    made, cited = [], []
    article_page, citation_files = sitegen.pipeline.article_pages.article_page, sitegen.pipeline.article_pages.citation_files
    citation_file = sitegen.pipeline.article_pages.citation_file  # a planned citation file is made alone
    monkeypatch.setattr(sitegen.pipeline.article_pages, "article_page", lambda article, *rest: made.append(article.slug) or article_page(article, *rest))
    monkeypatch.setattr(sitegen.pipeline.article_pages, "citation_files", lambda citation, path: cited.append(path) or citation_files(citation, path))
    monkeypatch.setattr(sitegen.pipeline.article_pages, "citation_file", lambda citation, path, index: cited.append(path) or citation_file(citation, path, index))

    single_build(archive.root)

    assert made == ["first"]
    assert set(cited) == {"articles/first/"}
    assert "Fighting around Mosul" in archive.html("articles/first/index.html").get_text(" ", strip=True)


def test_builds_of_new_processes_after_each_edit_leave_what_a_clean_build_leaves(archive, tmp_path):
    seed(archive)
    single_build(archive.root)
    edits = [
        lambda: archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.", tags="[Iraq]"),
        lambda: archive.article("second", title="Second, retitled", date="2016-11-27", body="Mosul again, and Tikrit.", tags="[Iraq]"),
        lambda: archive.article("second", title="Second", date="2016-11-27", body="Mosul again, and Tikrit.", tags="[Iraq, Syria]"),
        lambda: archive.write("content/entities/mosul.md", '---\nname: Mosul\nkind: place\nsummary: "A city in Iraq."\n---\n'),
        lambda: archive.write("content/timeline.toml", "".join(f'[[event]]\ndate = "{2000 + n}"\ntitle = "Event {n}"\nentities = ["mosul"]\n\n' for n in range(12))),
        lambda: archive.write("content/timeline.toml", "".join(f'[[event]]\ndate = "{2000 + n}"\ntitle = "Event {n}"\nentities = ["mosul"]\n\n' for n in range(3))),
        lambda: archive.article("third", title="Third", date="2017-01-01", body="Tikrit.", tags="[Syria]"),
        lambda: archive.write("site.toml", (archive.root / "site.toml").read_text().replace('title = "', 'title = "The ', 1)),
    ]
    for number, edit in enumerate(edits):
        edit()
        single_build(archive.root)
        assert archive.output_files() == archive.clean_build_files(tmp_path), number


def test_after_an_edit_a_new_build_process_makes_the_pages_and_feeds_of_the_entities_it_changes_only(archive, monkeypatch):
    single_built_then_first_article_edited(archive)
    made, fed = [], []
    pages_of_entity, entity_feed = sitegen.pipeline.entity_pages.pages_of_entity, sitegen.pipeline.entity_pages.entity_feed
    monkeypatch.setattr(sitegen.pipeline.entity_pages, "pages_of_entity", lambda entity, *rest: made.append(entity.id) or pages_of_entity(entity, *rest))
    monkeypatch.setattr(sitegen.pipeline.entity_pages, "entity_feed", lambda entity, *rest: fed.append(entity.id) or entity_feed(entity, *rest))

    single_build(archive.root)

    assert made == ["mosul"]  # its page quotes the sentence that mentions it
    assert fed == []  # the entries of its feed show no body
    quoted = archive.html("entities/mosul/index.html").get_text(" ", strip=True).replace("  ", " ")
    assert "Fighting around Mosul" in quoted


def entity_pages_made(monkeypatch) -> list[str]:
    """The ids of the entities whose pages the build makes, in the order made."""
    made: list[str] = []
    pages_of_entity = sitegen.pipeline.entity_pages.pages_of_entity
    monkeypatch.setattr(sitegen.pipeline.entity_pages, "pages_of_entity", lambda entity, *rest: made.append(entity.id) or pages_of_entity(entity, *rest))
    return made


def mention_items(archive, path: str) -> list[str]:
    return [item.get_text(" ", strip=True) for item in archive.html(path).select(".mention-item")]


def test_after_an_edit_outside_the_quoted_sentence_a_new_build_process_makes_no_entity_page(archive, monkeypatch):
    seed(archive)
    single_build(archive.root)
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.\n\nA longer second paragraph.", tags="[Iraq]")
    made = entity_pages_made(monkeypatch)

    single_build(archive.root)

    assert made == []  # each page shows the article's card, count and sentence, none of which changed
    assert "A longer second paragraph." in archive.html("articles/first/index.html").get_text(" ", strip=True)


def test_after_an_edit_that_mentions_an_entity_again_a_new_build_process_makes_its_page_with_the_new_count(archive, monkeypatch):
    seed(archive)
    single_build(archive.root)
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.\n\nMosul held.", tags="[Iraq]")
    made = entity_pages_made(monkeypatch)

    single_build(archive.root)

    assert made == ["mosul"]
    first = mention_items(archive, "entities/mosul/index.html")[1]
    assert "2 mentions" in first and "Fighting near Mosul began." in first


def test_after_a_mentioning_article_is_retitled_a_new_build_process_makes_the_pages_of_its_entities_with_the_new_title(archive, monkeypatch):
    seed(archive)
    single_build(archive.root)
    archive.article("second", title="Second, retitled", date="2016-11-27", body="Mosul again, and Tikrit.", tags="[Iraq]")
    made = entity_pages_made(monkeypatch)

    single_build(archive.root)

    assert sorted(made) == ["mosul", "tikrit"]
    assert archive.html("entities/tikrit/index.html").select_one(".mention-item h3").get_text(strip=True) == "Second, retitled"


def test_after_a_mentioning_article_is_redated_a_new_build_process_makes_the_pages_of_its_entities_with_the_new_date(archive, monkeypatch):
    seed(archive)
    single_build(archive.root)
    archive.article("second", title="Second", date="2016-12-05", body="Mosul again, and Tikrit.", tags="[Iraq]")
    made = entity_pages_made(monkeypatch)

    single_build(archive.root)

    assert sorted(made) == ["mosul", "tikrit"]
    assert archive.html("entities/tikrit/index.html").select_one(".mention-item time")["datetime"] == "2016-12-05"


def test_after_an_edit_that_changes_no_rows_a_new_build_process_does_not_make_the_open_data_again(archive, monkeypatch):
    seed(archive)
    single_build(archive.root)
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.\n\nA longer second paragraph.", tags="[Iraq]")
    made, data_files = [], sitegen.pipeline.open_data_pages.data_files
    monkeypatch.setattr(sitegen.pipeline.open_data_pages, "data_files", lambda *inputs: made.append(len(inputs)) or data_files(*inputs))

    single_build(archive.root)

    assert made == []
    assert "A longer second paragraph" in archive.html("articles/first/index.html").get_text()
    assert (archive.out / "data/archive.sqlite").is_file()


def three_articles_built(archive) -> None:
    """The seed archive and a third article, mentioning Tikrit alone, built by `sitegen build`."""
    seed(archive)
    archive.article("third", title="Third", date="2017-01-05", body="Tikrit, later.", tags="[Iraq]")
    single_build(archive.root)


def test_after_an_edit_a_new_build_process_decodes_the_html_of_no_article_it_does_not_render(archive, monkeypatch):
    """The annotated HTML, most of the cache file, stays in the file's bytes until a page reads it."""
    three_articles_built(archive)
    archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.\n\nA second paragraph.", tags="[Iraq]")
    read = []
    real_read = sitegen.engine.cache_file.SealedHtml.read
    monkeypatch.setattr(sitegen.engine.cache_file.SealedHtml, "read", lambda html, *span: read.append(span) or real_read(html, *span))

    single_build(archive.root)

    assert read == []  # only the edited article's page was made, from its new annotation
    assert "Fighting around Mosul" in archive.html("articles/first/index.html").get_text(" ", strip=True)


def test_after_an_edit_a_new_build_process_decodes_the_mentions_of_no_article_it_plans_no_page_for(archive, monkeypatch):
    """An annotated article's mentions (with their snippets) and terms stay in the file's bytes
    until read. An edit outside the sentences the entities' pages quote makes no entity page:
    of the other articles, the plan of the edited one's page reads which entities each mentions."""
    three_articles_built(archive)
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.\n\nA longer second paragraph.", tags="[Iraq]")
    decoded = []
    real_decode = sitegen.engine.cache_file._SealedDetails.decode
    monkeypatch.setattr(sitegen.engine.cache_file._SealedDetails, "decode", lambda details: decoded.append(details.slug) or real_decode(details))

    single_build(archive.root)

    assert decoded == []
    related = archive.html("articles/first/index.html").select(".related-list a")
    assert [link.get_text(strip=True) for link in related] == ["Second"]  # which mentions Mosul too; Third does not


def bodies_read_back(monkeypatch) -> list[str]:
    """The slug of every article whose Markdown body is read back from the cache file's bytes
    (not from the build's temporary file, where it keeps the bodies of articles it parsed)."""
    read, real_load = [], sitegen.engine.stored_fragments.StoredSource.load

    def load(stored):
        if type(stored.store) is sitegen.engine.cache_file.SealedHtml:
            read.append(stored.article.slug)
        return real_load(stored)

    monkeypatch.setattr(sitegen.engine.stored_fragments.StoredSource, "load", load)
    return read


def test_after_an_edit_a_new_build_process_reads_the_markdown_of_no_article_it_does_not_annotate(archive, monkeypatch):
    """An article's body is kept apart in the cache file: of the articles loaded from it, none is annotated again."""
    single_built_then_first_article_edited(archive)
    read = bodies_read_back(monkeypatch)

    single_build(archive.root)

    assert read == []


def test_after_an_entity_is_added_a_new_build_process_annotates_each_article_from_its_body_in_the_cache_as_a_clean_build(archive, tmp_path, monkeypatch):
    seed(archive)
    single_build(archive.root)
    archive.write("content/entities/tigris.md", '---\nname: Tigris\nkind: place\nsummary: "A river."\n---\n')
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul, on the Tigris, began.", tags="[Iraq]")
    read = bodies_read_back(monkeypatch)

    single_build(archive.root)

    assert read == ["second"]  # annotated again for the new name; the edited one was parsed from its file
    assert archive.output_files() == archive.clean_build_files(tmp_path)


def test_the_html_of_an_article_kept_apart_in_the_cache_comes_back_as_it_was(archive, tmp_path):
    """Quotes, backslashes, tabs, new lines and text beyond ASCII survive the file, read lazily or not."""
    archive.article("odd", title="Odd", date="2016-10-17", body='Say "Mosul"\\ then\ttab — «quoted» 𝄞.\n\nAnd on.', tags="[Iraq]")
    builder = Builder(BuildOptions(root=archive.root, workers=1))
    builder.build()
    made = {key: (value.body_html, value.endnotes_html) for key, value in builder.cache.fragments.entries.items()}
    for lazy in (False, True):
        loaded = load_persistent_cache(archive.root, lazy=lazy).fragments.entries
        assert {key: (value.body_html, value.endnotes_html) for key, value in loaded.items()} == made


def test_after_an_edit_a_new_build_process_copies_unchanged_cache_lines_from_what_it_read_and_verified(archive, monkeypatch):
    """Not from the file on disk again, which it need neither reopen nor digest line by line."""
    seed(archive)
    single_build(archive.root)
    before = load_persistent_cache(archive.root)
    archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.\n\nA second paragraph.", tags="[Iraq]")
    reread = calls_recorded(monkeypatch, sitegen.engine.cache_file, "line_digest")

    single_build(archive.root)

    assert reread == []
    after = load_persistent_cache(archive.root)
    assert after.sources.entries.keys() == before.sources.entries.keys()
    assert after.fragments.entries.keys() - before.fragments.entries.keys()  # the edited article's new annotation
    unchanged = {key: value for key, value in before.sources.entries.items() if key != "article:content/articles/first.md"}
    assert all(after.sources.entries[key] == value for key, value in unchanged.items())


def test_equal_sets_held_in_another_order_digest_alike():
    """A set's order follows the hashes of its strings, which each process salts anew."""
    names = [f"entity-{n}" for n in range(200)]  # enough to collide in the table whatever the salt
    one = frozenset(names)
    for seed in range(100):  # strings that collide in the table are held in the order they were added
        other = frozenset(random.Random(seed).sample(names, len(names)))
        if list(one) != list(other):
            break
    assert one == other and list(one) != list(other)
    assert digest_of(("event", one)) == digest_of(("event", other))
    shared = SharedDigests([ArticleCard])
    assert digest_of(("event", one), shared) == digest_of(("event", other), shared)


def test_a_view_digested_with_shared_objects_is_taken_by_its_fields_not_pickled_as_an_object(monkeypatch):
    """A page's digest holds millions of views: each is written as its class's name and its fields."""
    card = ArticleCard("first", "First", "/articles/first/", "2016-10-17", "17 October 2016", "", "A summary.")
    shared = SharedDigests([Page])
    before = digest_of(("page", card), shared)
    monkeypatch.setattr(ArticleCard, "__reduce_ex__", lambda self, protocol: pytest.fail("pickled as an object"), raising=False)
    assert digest_of(("page", card), SharedDigests([Page])) == before


def test_a_view_digested_with_shared_objects_differs_with_any_field_and_with_its_class():
    fields = ("first", "First", "/articles/first/", "2016-10-17", "17 October 2016", "", "A summary.")
    card = ArticleCard(*fields)
    seen = {digest_of(card, SharedDigests([Page]))}
    for place in range(len(fields)):
        changed = ArticleCard(*fields[:place], fields[place] + "!", *fields[place + 1 :])
        seen.add(digest_of(changed, SharedDigests([Page])))
    seen.add(digest_of(_OtherCard(*fields), SharedDigests([Page])))
    assert len(seen) == len(fields) + 2


@dataclasses.dataclass(frozen=True, slots=True)
class _OtherCard:
    """A class of the very fields of ArticleCard."""

    slug: str
    title: str
    url: str
    date_iso: str
    date_display: str
    source: str
    summary: str


speed_up_pickling(sys.modules[__name__])


def test_views_digested_for_what_pages_are_made_from_are_not_digested_again_for_the_pages():
    """A rendering process takes both digests of a page: each card it shows is digested once for both."""
    card = ArticleCard("first", "First", "/articles/first/", "2016-10-17", "17 October 2016", "", "A summary.")
    made_from = SharedDigests([ArticleCard, Page])
    digest_of(("made from", card), made_from)
    pages = made_from.of_kinds([ArticleCard])
    assert pages.held[id(card)] is card  # taken already, with made_from's
    assert digest_of(("page", card), pages) == digest_of(("page", card), SharedDigests([ArticleCard]))


def build_in_new_process(root: Path, hash_seed: str) -> None:
    """`sitegen build` in a process of its own, whose strings hash with `hash_seed`."""
    environment = {**os.environ, "PYTHONHASHSEED": hash_seed}
    command = [sys.executable, "-m", "sitegen", "build", "--root", str(root), "--jobs", "1", "--no-search", "--quiet"]
    subprocess.run(command, env=environment, check=True, capture_output=True, timeout=120)


def test_after_a_body_edit_a_build_process_with_other_string_hashes_takes_the_open_data_as_made_from_the_same(archive):
    """The timeline's events hold the set of entities each involves: the next
    process's digest of what the open data is made from is still the last
    one's, so it keeps the files without making them again."""
    seed(archive)
    for name in ("basra", "erbil", "kirkuk", "najaf"):
        archive.write(f"content/entities/{name}.md", f'---\nname: {name.title()}\nkind: place\nsummary: "A city."\n---\n')
    events = "".join(
        f'[[event]]\ndate = "{2000 + n}"\ntitle = "Event {n}"\nentities = ["mosul", "tikrit", "basra", "erbil", "kirkuk", "najaf"]\n\n'
        for n in range(3)
    )
    archive.write("content/timeline.toml", events)
    build_in_new_process(archive.root, "1")
    before = load_persistent_cache(archive.root).made_from
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.\n\nA longer second paragraph.", tags="[Iraq]")

    build_in_new_process(archive.root, "2")

    after = load_persistent_cache(archive.root).made_from
    assert {path: after[path] for path in after if path.startswith("data/")} == {path: before[path] for path in before if path.startswith("data/")}
    assert "A longer second paragraph" in archive.html("articles/first/index.html").get_text()


def test_after_an_edit_a_new_build_process_digests_each_articles_open_data_rows_whole_and_once(archive, monkeypatch):
    """The rows, plain text and numbers, are pickled by the pickler alone, once
    for the six files of data/, not value by value through the digest's hook."""
    seed(archive)
    archive.article("third", title="Third", date="2017-01-05", body="Tikrit, later.", tags="[Iraq]")
    single_build(archive.root)
    # An edit that names Mosul again: what the plan reads of the article changed, so every planned page is digested.
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.\n\nMosul held.", tags="[Iraq]")
    digested = calls_recorded(monkeypatch, sitegen.engine.made_from, "plain_digest")

    single_build(archive.root)

    assert sorted(rows.article[0] for rows in digested) == ["first", "second", "third"]


def test_equal_open_data_rows_made_apart_digest_alike():
    rows = ArticleRows(("first", "Première"), ("first", "Première"), (("first", "mosul", 2, None, 1),), (("first", "mosul", 2, None, 1),))
    again = ArticleRows(*(tuple(part) for part in rows))
    assert sitegen.engine.made_from.plain_digest(rows) == sitegen.engine.made_from.plain_digest(again)
    assert sitegen.engine.made_from.plain_digest(rows) != sitegen.engine.made_from.plain_digest(rows._replace(article=("first", "Premiere")))
