"""What a build holds in memory: bounded by design, not by luck.

The rendering processes are forked from the build, so they share its memory
until they write to it. Python writes to an object whenever it counts a
reference to it, and its cycle collector writes to every object it walks:
left alone, each worker would end with its own copy of most of the build.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import gc
import io
import math
import os
import sys
import tempfile
import tracemalloc
import types
from pathlib import Path

import pytest

import sitegen.engine.builder
import sitegen.engine.staged_writer
import sitegen.engine.stored_fragments
from sitegen.engine.builder import BuildOptions, Builder, build
from sitegen.engine.cache import SourceCache, digest_of
from sitegen.engine.cache_file import CACHE_DIR, CACHE_FILE, load_persistent_cache
from sitegen.engine.parallel import map_in_workers
from sitegen.engine.stored_fragments import DamagedCopy, FragmentStore, StoredArticle, StoredSource, loaded
from sitegen.model.errors import Problems
from sitegen.model.models import Article
from sitegen.pipeline.annotate import AnnotatedArticle
from sitegen.cli import main
from sitegen.pipeline.cards import ArticleCard
from sitegen.pipeline.exports import DATA_FILE_NAMES, DATA_FOLDER, MENTIONS, CsvTable
from sitegen.pipeline.packed_mentions import MentionPacker
from sitegen.pipeline.site import Page, PlannedPage
from sitegen.pipeline.snippets import Snippet
from sitegen.pipeline.entity_usage import EntityUsageIndex, ListedArticle

SMAPS = Path("/proc/self/smaps_rollup")


def _private_dirty_kib() -> int:
    for line in SMAPS.read_text().splitlines():
        if line.startswith("Private_Dirty:"):
            return int(line.split()[1])
    raise AssertionError("no Private_Dirty in smaps_rollup")


def _copied_by_a_collection(item: int) -> int:
    """KiB of the parent's memory that a full collection in this worker copies."""
    before = _private_dirty_kib()
    gc.collect()
    return _private_dirty_kib() - before


@pytest.mark.skipif(not SMAPS.exists() or not hasattr(os, "fork"), reason="needs Linux's /proc and fork")
def test_a_collection_in_a_worker_does_not_copy_the_parents_objects():
    parent_objects = [[index] for index in range(400_000)]  # some 40 MiB of objects the collector tracks
    copied = map_in_workers(_copied_by_a_collection, range(400), workers=2)
    assert max(copied) < 8 * 1024, "a worker's collection copied the parent's objects"
    del parent_objects


def _pages_by_process(archive, tmp_path: Path, monkeypatch, pages_per_process: int) -> dict[int, list[str]]:
    """Build 250 articles with two workers; the pages each process rendered."""
    for number in range(250):
        archive.article(f"a{number:03}", title=f"Article {number}", date=f"2020-01-{number % 28 + 1:02}", body=f"Text {number}.")
    log = tmp_path / "rendered.log"
    real = sitegen.engine.staged_writer.render_page

    def logged(env, page, *args):
        with open(log, "a", encoding="utf-8") as stream:  # appends of one short line do not interleave
            stream.write(f"{os.getpid()} {page.path}\n")
        return real(env, page, *args)

    monkeypatch.setattr(sitegen.engine.staged_writer, "render_page", logged)
    monkeypatch.setattr(sitegen.engine.staged_writer, "PAGES_PER_RENDERING_PROCESS", pages_per_process)
    result = build(BuildOptions(root=archive.root, search=False, workers=2, cache=False))
    pages: dict[int, list[str]] = collections.defaultdict(list)
    for line in log.read_text(encoding="utf-8").splitlines():
        pid, _, path = line.partition(" ")
        pages[int(pid)].append(path)
    assert sum(map(len, pages.values())) == result.rendered
    return pages


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_no_rendering_process_renders_more_than_its_share_of_pages(archive, tmp_path, monkeypatch):
    pages = _pages_by_process(archive, tmp_path, monkeypatch, pages_per_process=40)
    pages.pop(os.getpid(), None)  # the files of data/ (see the next test)
    assert len(pages) >= 2
    assert max(map(len, pages.values())) <= 40


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_the_files_of_data_are_the_only_pages_the_builds_own_process_renders(archive, tmp_path, monkeypatch):
    # Made from every article's rows: a rendering process would copy all of them from the build's memory.
    pages = _pages_by_process(archive, tmp_path, monkeypatch, pages_per_process=40)
    assert sorted(pages[os.getpid()]) == sorted([DATA_FOLDER, *(DATA_FOLDER + name for name in DATA_FILE_NAMES)])


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_rendering_process_is_forked_only_once_the_last_one_rendered_its_share(archive, tmp_path, monkeypatch):
    pages = _pages_by_process(archive, tmp_path, monkeypatch, pages_per_process=60)
    pages.pop(os.getpid(), None)
    assert len(pages) == math.ceil(sum(map(len, pages.values())) / 60)


def _pages_alive_when_the_cache_is_saved(monkeypatch, make_builder) -> int:
    alive: list[int] = []
    real = sitegen.engine.builder.save_persistent_cache

    def counting(root, cache):
        alive.append(sum(isinstance(thing, Page) for thing in gc.get_objects()))
        return real(root, cache)

    monkeypatch.setattr(sitegen.engine.builder, "save_persistent_cache", counting)
    make_builder().build()
    return alive[0]


def test_a_single_build_holds_no_page_once_the_pages_are_written(archive, monkeypatch):
    for number in range(5):
        archive.article(f"a{number}", title=f"Article {number}")
    options = BuildOptions(root=archive.root, search=False, workers=1)
    assert _pages_alive_when_the_cache_is_saved(monkeypatch, lambda: Builder(options, lasting=False)) == 0


def test_a_lasting_builder_keeps_its_pages_for_the_next_build(archive, monkeypatch):
    archive.article("a", title="Article")
    options = BuildOptions(root=archive.root, search=False, workers=1)
    assert _pages_alive_when_the_cache_is_saved(monkeypatch, lambda: Builder(options)) > 0


def test_digesting_a_string_does_not_grow_it():
    text = "Fighting around Mosul’s old city began." * 100
    size = sys.getsizeof(text)
    digest_of(("article", text))
    assert sys.getsizeof(text) == size


def test_strings_kept_by_a_build_are_no_larger_than_the_same_strings_made_afresh(archive):
    archive.article("a", title="Mosul’s old city", body="Fighting around Mosul’s old city began.\n\nA second paragraph.")
    builder = Builder(BuildOptions(root=archive.root, search=False, workers=1))
    builder.build()
    (fragment,) = (value for value in builder.cache.fragments.entries.values() if isinstance(value, AnnotatedArticle))
    ((_, (parsed, *_), _),) = (entry for key, entry in builder.cache.sources.entries.items() if key.endswith("a.md"))
    for text in (fragment.body_html, parsed.body):
        assert not text.isascii()
        assert sys.getsizeof(text) == sys.getsizeof(text.encode().decode())


def _three_articles(archive) -> None:
    for number in range(3):
        archive.article(f"a{number}", title=f"Article {number}", body=f"Text of article {number}.")


def test_a_builder_holds_where_its_cache_file_had_each_entry_not_the_file(archive):
    _three_articles(archive)
    build(BuildOptions(root=archive.root, search=False, workers=1))
    cache = load_persistent_cache(archive.root)
    assert cache.encoded
    held = [part for _, *where in cache.encoded.values() for part in where if isinstance(part, bytes)]
    assert held and all(len(part) == 16 for part in held)  # a digest of each line, never the line


def test_a_cache_file_written_over_after_it_was_read_is_encoded_again_whole(archive, tmp_path):
    _three_articles(archive)
    build(BuildOptions(root=archive.root, search=False, workers=1))
    builder = Builder(BuildOptions(root=archive.root, search=False, workers=1))
    cache_path = archive.root / CACHE_DIR / CACHE_FILE
    cache_path.write_bytes(bytes(len(cache_path.read_bytes())))  # the same size, other bytes
    archive.article("a0", title="Article 0", body="Text of article 0, edited.")
    builder.build()
    saved = load_persistent_cache(archive.root)
    assert len(saved.sources.entries) == 3 and len(saved.fragments.entries) == 3
    assert {fragment.body_html for fragment in saved.fragments.entries.values()} == {
        fragment.body_html for fragment in builder.cache.fragments.entries.values()
    }


def _five_articles_naming_an_entity(archive) -> None:
    archive.write("content/entities/mosul.md", "---\nid: mosul\nname: Mosul\nkind: place\n---\n\nA city.\n")
    for number in range(5):
        archive.article(f"a{number}", title=f"Article {number}", body=f"Fighting around Mosul began, day {number}.")


def _alive(cls: type, module, where: str, monkeypatch, **match) -> list[int]:
    """How many objects of class `cls` (with the attribute values `match`) are alive
    each time the engine's `module` calls its function `where`, during one single build."""
    counts: list[int] = []
    real = getattr(module, where)

    def counting(*args, **kwargs):
        found = (thing for thing in gc.get_objects() if isinstance(thing, cls))
        counts.append(sum(all(getattr(thing, name) == value for name, value in match.items()) for thing in found))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, where, counting)
    return counts


def _with_search(archive) -> None:
    archive.write("site.toml", (archive.root / "site.toml").read_text(encoding="utf-8").replace("enabled = false", "enabled = true", 1))


def test_a_single_build_holds_no_annotation_of_its_articles_while_its_search_index_is_made(archive, monkeypatch):
    # The indexer runs beside the build's process, and what that process holds counts with it:
    # the cache's entries are written first, then let go with what annotation made.
    _five_articles_naming_an_entity(archive)
    _with_search(archive)
    alive = _alive((AnnotatedArticle, StoredArticle), sitegen.engine.staged_writer, "index_site", monkeypatch)
    result = build(BuildOptions(root=archive.root, workers=1))
    assert result.search is not None and alive == [0]


def test_a_build_with_search_saves_its_whole_cache_for_the_next_build(archive):
    _five_articles_naming_an_entity(archive)
    _with_search(archive)
    build(BuildOptions(root=archive.root, workers=1))
    cache = load_persistent_cache(archive.root)
    assert sorted(key.rsplit("/", 1)[-1] for key in cache.sources.entries if key.endswith(".md")) == [
        "a0.md", "a1.md", "a2.md", "a3.md", "a4.md", "mosul.md",
    ]  # fmt: skip
    assert sorted(key[0] for key in cache.fragments.entries).count("article") == 5
    assert cache.manifest and cache.page_inputs and cache.written
    assert build(BuildOptions(root=archive.root, workers=1)).unchanged


def test_a_build_whose_cache_entries_could_not_be_written_before_its_index_writes_the_whole_cache_after(archive, monkeypatch):
    # A full disk, say, while the entries were written: they are kept, not let go, and the cache is written whole at the end.
    _five_articles_naming_an_entity(archive)
    _with_search(archive)
    monkeypatch.setattr(sitegen.engine.builder, "begin_persistent_cache", lambda root, cache: None)
    build(BuildOptions(root=archive.root, workers=1))
    cache = load_persistent_cache(archive.root)
    assert sorted(key[0] for key in cache.fragments.entries).count("article") == 5


def test_a_single_build_holds_no_annotated_html_of_its_articles_once_they_are_annotated(archive, monkeypatch):
    _five_articles_naming_an_entity(archive)
    alive = _alive(AnnotatedArticle, sitegen.engine.builder, "plan_pages", monkeypatch)
    build(BuildOptions(root=archive.root, search=False, workers=1, cache=False))
    assert alive == [0]


def test_a_single_build_makes_each_article_page_only_when_it_renders_it(archive, monkeypatch):
    _five_articles_naming_an_entity(archive)
    alive = _alive(Page, sitegen.engine.staged_writer, "render_page", monkeypatch, kind="article")
    build(BuildOptions(root=archive.root, search=False, workers=1, cache=False))
    assert alive and max(alive) <= 1  # the page being rendered, at most


def test_a_single_build_holds_one_file_of_open_data_at_a_time_while_it_writes_them(archive, monkeypatch):
    _five_articles_naming_an_entity(archive)
    held: list[int] = []
    real = sitegen.engine.staged_writer.render_page

    def counting(env, page, *args):
        if page.path.startswith(DATA_FOLDER) and page.literal is not None:
            found = (thing for thing in gc.get_objects() if isinstance(thing, Page))
            held.append(sum(thing.path.startswith(DATA_FOLDER) and thing.literal is not None for thing in found))
        return real(env, page, *args)

    monkeypatch.setattr(sitegen.engine.staged_writer, "render_page", counting)
    build(BuildOptions(root=archive.root, search=False, workers=1, cache=False))
    assert len(held) == len(DATA_FILE_NAMES) and max(held) == 1  # the file being written


def test_a_single_build_keeps_no_index_of_its_plan_while_it_renders(archive, monkeypatch):
    """Each article's part of the plan's indexes (its rows in the entities' lists, its
    open-data rows by slug) is kept for a next build that a single build never plans."""
    _five_articles_naming_an_entity(archive)
    alive = _alive(EntityUsageIndex, sitegen.engine.staged_writer, "render_page", monkeypatch)
    build(BuildOptions(root=archive.root, search=False, workers=1, cache=False))
    assert alive and max(alive) == 0


def test_a_lasting_builder_keeps_the_indexes_of_its_plan_for_the_next_build(archive, monkeypatch):
    _five_articles_naming_an_entity(archive)
    alive = _alive(EntityUsageIndex, sitegen.engine.staged_writer, "render_page", monkeypatch)
    Builder(BuildOptions(root=archive.root, search=False, workers=1, cache=False)).build()
    assert alive and min(alive) == 1


def _classes_reachable(root) -> set[type]:
    """The classes of the objects `root` leads to, as a forked process would read them:
    through functions' closures, not their modules' globals."""
    seen: set[int] = set()
    found: set[type] = set()
    stack = [root]
    while stack:
        thing = stack.pop()
        if id(thing) in seen or isinstance(thing, (type, types.ModuleType)):
            continue
        seen.add(id(thing))
        found.add(type(thing))
        if isinstance(thing, types.FunctionType):
            stack.extend(cell.cell_contents for cell in thing.__closure__ or ())
        else:
            stack.extend(gc.get_referents(thing))
    return found


def _reached_from_the_planned_entity_page(archive, monkeypatch) -> set[type]:
    """The classes of every object the planned page of the one entity that five articles name leads to, in a single build."""
    _five_articles_naming_an_entity(archive)
    reached: list[set[type]] = []
    real = sitegen.engine.builder.plan_pages

    def planning(*args, **kwargs):
        pages = real(*args, **kwargs)
        reached.extend(_classes_reachable(page) for page in pages if isinstance(page, PlannedPage) and page.template == "entity.html")
        return pages

    monkeypatch.setattr(sitegen.engine.builder, "plan_pages", planning)
    build(BuildOptions(root=archive.root, search=False, workers=1, cache=False))
    assert len(reached) == 1
    return reached[0]


def test_the_planned_pages_of_an_entity_lead_to_no_article_and_no_annotation(archive, monkeypatch):
    """A process forked to render an entity's pages reads every object they are made from:
    of the articles that mention it, what the pages show, not the whole article."""
    assert not _reached_from_the_planned_entity_page(archive, monkeypatch) & {Article, AnnotatedArticle}


def test_the_planned_pages_of_an_entity_lead_to_no_card_and_no_sentence_but_as_bytes(archive, monkeypatch):
    """The rows of an entity's list (a card and a sentence for every article that
    mentions it) lie all over the build's memory: a process that read them as
    objects would copy most of it. A single build holds them packed in bytes."""
    assert not _reached_from_the_planned_entity_page(archive, monkeypatch) & {ArticleCard, Snippet, ListedArticle}


def _card(slug: str, title: str) -> ArticleCard:
    return ArticleCard(slug, title, f"/articles/{slug}/", "2020-05-17", "17 May 2020", "", "")


def _rows_and_packer(first_title: str = "First") -> tuple[list, MentionPacker]:
    cards = {"a": _card("a", first_title), "b": _card("b", "Second")}
    articles = [types.SimpleNamespace(slug="a"), types.SimpleNamespace(slug="b")]
    date = types.SimpleNamespace(day=None)  # the rows' dates are packed as they are
    rows = [(ListedArticle("b", date, cards["b"]), 2, Snippet("Mosul’s old city.", 0, 5)), (ListedArticle("a", date, cards["a"]), 0, None)]
    return rows, MentionPacker(articles, cards)


def test_the_rows_of_an_entity_unpack_to_equal_rows_and_cards():
    rows, packer = _rows_and_packer()
    unpacked, cards = packer.pack(rows).unpack()
    assert [(listed.slug, listed.card, count, snippet) for listed, count, snippet in unpacked] == [
        (listed.slug, listed.card, count, snippet) for listed, count, snippet in rows
    ]
    assert cards == {"a": rows[1][0].card, "b": rows[0][0].card}


def test_packed_rows_digest_as_the_cards_they_show():
    rows, packer = _rows_and_packer()
    edited_rows, edited_packer = _rows_and_packer(first_title="First, edited")
    assert digest_of(packer.pack(rows)) == digest_of(_rows_and_packer()[1].pack(rows))
    assert digest_of(packer.pack(rows)) != digest_of(edited_packer.pack(edited_rows))


def _peak_while(make) -> tuple[int, object]:
    """The most memory (bytes) that Python held at once while `make()` ran, and what it made."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        made = make()
        return tracemalloc.get_traced_memory()[1], made
    finally:
        tracemalloc.stop()


def test_digesting_long_bytes_copies_none_of_them():
    data = os.urandom(8 << 20)  # a SQLite file of open data, say
    peak, _ = _peak_while(lambda: digest_of(("data/archive.sqlite", data)))
    assert peak < len(data) // 8


def test_a_csv_file_of_open_data_is_held_once_while_it_is_made():
    """Text held by a StringIO takes two bytes a character once one is not Latin-1,
    and is copied again to be encoded: the mentions' CSV was held five times over."""
    row = ("an-article", "mosul", 3, "Fighting around Mosul’s old city began.")
    count = 40_000

    def make() -> bytes:
        table = CsvTable(MENTIONS)
        table.add_csv_rows(row for _ in range(count))
        return table.bytes()

    peak, made = _peak_while(make)
    assert made.decode("utf-8").count("Mosul’s") == count
    assert peak < len(made) * 1.5


def test_no_archive_outlives_the_builder_that_built_it(archive):
    _five_articles_naming_an_entity(archive)
    builder = Builder(BuildOptions(root=archive.root, search=False, workers=1, cache=False))
    builder.build()
    archive.article("a0", title="Article 0", body="Fighting around Mosul began, day one.")
    builder.build(incremental=True)  # the second build asks what changed since the first
    del builder
    gc.unfreeze()  # the builder keeps what it holds out of the collector's sight, and of gc.get_objects()
    gc.collect()
    assert not [thing for thing in gc.get_objects() if isinstance(thing, Article) and thing.title.startswith("Article ")]


def test_a_single_build_writes_what_a_builder_that_lives_on_writes(archive, tmp_path):
    _five_articles_naming_an_entity(archive)
    build(BuildOptions(root=archive.root, search=False, workers=1, cache=False))
    Builder(BuildOptions(root=archive.root, search=False, workers=1, cache=False, output=tmp_path / "lasting")).build()
    assert archive.output_files() == archive.output_files(tmp_path / "lasting")


def test_the_cache_a_single_build_saves_holds_its_articles_annotated_html(archive):
    _five_articles_naming_an_entity(archive)
    build(BuildOptions(root=archive.root, search=False, workers=1))
    saved = load_persistent_cache(archive.root)
    lasting = Builder(BuildOptions(root=archive.root, search=False, workers=1, cache=False))
    lasting.build()
    assert sorted(saved.fragments.entries.items()) == sorted(lasting.cache.fragments.entries.items())


def test_a_full_temporary_folder_while_annotating_is_an_error_and_the_output_stays(archive, monkeypatch):
    _five_articles_naming_an_entity(archive)
    build(BuildOptions(root=archive.root, search=False, workers=1, cache=False))
    before = {path: path.read_bytes() for path in archive.out.rglob("*") if path.is_file()}
    archive.article("a0", title="Article 0, edited")

    def full(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(sitegen.engine.stored_fragments.os, "pwrite", full)
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
        status = main(["build", "--quiet", "--jobs", "1", "--no-cache", "--no-search", "--root", str(archive.root)])
    assert status == 1
    first = errors.getvalue().splitlines()[0]
    assert first == f"_site: error: no space left on the device while writing {tempfile.gettempdir()}; free some space and build again"
    assert {path: path.read_bytes() for path in archive.out.rglob("*") if path.is_file()} == before


# --- the articles' Markdown, set aside once annotated ---------------------------------------


def _bodies_alive(monkeypatch, where: str) -> list[int]:
    """How many parsed articles with their Markdown body are alive each time the
    builder calls its function `where` (the articles' bodies are all non-empty)."""
    counts: list[int] = []
    real = getattr(sitegen.engine.builder, where)

    def counting(*args, **kwargs):
        counts.append(sum(isinstance(thing, Article) and bool(thing.body) for thing in gc.get_objects()))
        return real(*args, **kwargs)

    monkeypatch.setattr(sitegen.engine.builder, where, counting)
    return counts


def test_a_single_build_holds_no_article_body_once_its_articles_are_annotated(archive, monkeypatch):
    _five_articles_naming_an_entity(archive)
    planning = _bodies_alive(monkeypatch, "plan_pages")
    saving = _bodies_alive(monkeypatch, "save_persistent_cache")
    build(BuildOptions(root=archive.root, search=False, workers=1))
    assert planning == [0] and saving == [0]


def test_a_lasting_builder_keeps_its_articles_bodies_for_the_next_build(archive, monkeypatch):
    _five_articles_naming_an_entity(archive)
    planning = _bodies_alive(monkeypatch, "plan_pages")
    Builder(BuildOptions(root=archive.root, search=False, workers=1)).build()
    assert planning == [5]


def test_the_cache_a_single_build_saves_holds_its_articles_as_parsed(archive):
    _five_articles_naming_an_entity(archive)
    build(BuildOptions(root=archive.root, search=False, workers=1))
    saved = load_persistent_cache(archive.root)
    lasting = Builder(BuildOptions(root=archive.root, search=False, workers=1, cache=False))
    lasting.build()
    assert sorted(saved.sources.entries.items()) == sorted(lasting.cache.sources.entries.items())


def _set_aside(article: Article) -> tuple[FragmentStore, StoredSource]:
    store = FragmentStore()
    return store, store.keep_source(article, {"entities": 3})


def _damage(store: FragmentStore, offset: int) -> None:
    os.pwrite(store.fileno(), b"#", offset)


ARTICLE = Article("a", "Article", None, "Fighting around Mosul’s old city began.", 5, None)


def test_a_body_set_aside_is_read_back_as_it_was():
    _, stored = _set_aside(ARTICLE)
    assert stored.article.body == ""
    assert loaded((b"digest", stored, ())) == (b"digest", (ARTICLE, {"entities": 3}), ())


def test_a_damaged_copy_of_a_body_set_aside_is_not_taken_for_it():
    store, stored = _set_aside(ARTICLE)
    _damage(store, stored.offset)
    with pytest.raises(DamagedCopy):
        loaded((b"digest", stored, ()))


def test_a_damaged_copy_of_annotated_html_is_not_taken_for_it():
    store = FragmentStore()
    stored = store.keep(AnnotatedArticle("a", "<p>Fighting around Mosul.</p>", (), endnotes_html="<ol></ol>"))
    assert stored.body_html == "<p>Fighting around Mosul.</p>"
    _damage(store, stored.offset + 1)
    with pytest.raises(DamagedCopy):
        stored.body_html
    assert stored.endnotes_html == "<ol></ol>"


def test_a_source_whose_body_set_aside_was_damaged_is_parsed_again(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("text", encoding="utf-8")
    cache, parsed = SourceCache(), []
    parse = lambda problems: parsed.append(path) or (ARTICLE, {})  # noqa: E731
    cache.parse_all([("a.md", path, parse)], Problems())
    store, stored = _set_aside(ARTICLE)
    digest, _, problems = cache.entries["a.md"]
    cache.entries["a.md"] = (digest, stored, problems)
    assert cache.parse_all([("a.md", path, parse)], Problems()) == [(ARTICLE, {"entities": 3})]  # read back
    cache.entries["a.md"] = (digest, stored, problems)
    _damage(store, stored.offset)
    assert cache.parse_all([("a.md", path, parse)], Problems()) == [(ARTICLE, {})]
    assert parsed == [path, path]


def test_an_article_whose_body_set_aside_was_damaged_is_left_out_of_the_cache(archive, monkeypatch):
    _five_articles_naming_an_entity(archive)
    real = sitegen.engine.builder.save_persistent_cache

    def damaging(root, cache):
        (stored,) = (entry[1] for key, entry in cache.sources.entries.items() if key.endswith("a0.md"))
        _damage(stored.store, stored.offset)
        return real(root, cache)

    monkeypatch.setattr(sitegen.engine.builder, "save_persistent_cache", damaging)
    build(BuildOptions(root=archive.root, search=False, workers=1))
    saved = sorted(key.rsplit("/", 1)[-1] for key, entry in load_persistent_cache(archive.root).sources.entries.items())
    assert saved == ["a1.md", "a2.md", "a3.md", "a4.md", "mosul.md"]


def test_the_articles_a_single_build_plans_from_share_their_tags_and_entity_ids(archive, monkeypatch):
    archive.write("content/entities/mosul.md", "---\nid: mosul\nname: Mosul\nkind: place\n---\n\nA city.\n")
    for number in range(2):
        archive.article(f"a{number}", title=f"Article {number}", tags="[war]", entities="[mosul]", body="Mosul.")
    planned: list = []
    real = sitegen.engine.builder.plan_pages
    monkeypatch.setattr(sitegen.engine.builder, "plan_pages", lambda archive, *args: planned.append(archive) or real(archive, *args))
    build(BuildOptions(root=archive.root, search=False, workers=2))
    first, second = planned[0].articles
    assert first.tags[0] is second.tags[0] and first.entity_ids[0] is second.entity_ids[0]
