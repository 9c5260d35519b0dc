"""The plan's record in the persistent cache (sitegen/engine/plan_record.py).

A `sitegen build` records the digest of everything its plan reads but the
articles, and of each article what the plan read of it. The next process,
when only the text of some articles changed, digests the planned pages of
those articles alone and keeps the recorded digests of every other page;
when anything else changed, or the record cannot be trusted, it digests
every page, as before. Either way the output is a clean build's.
"""

from __future__ import annotations

from pathlib import Path

import sitegen.engine.builder
import sitegen.engine.made_from
import sitegen.pipeline.cards
import sitegen.pipeline.kept_views
import sitegen.pipeline.staged_output
from sitegen.engine.builder import Builder, BuildOptions, build
from sitegen.engine.plan_record import ARTICLE_KINDS
from sitegen.model.errors import Problems
from sitegen.pipeline.pages import plan_article_pages, plan_pages
from sitegen.pipeline.site import PlannedPage
from sitegen.engine.cache_file import CACHE_DIR, CACHE_FILE, load_persistent_cache

from test_damaged_cache import older_format
from test_second_build import seed


def single_build(root: Path):
    """What `sitegen build` does in a new process."""
    return build(BuildOptions(root=root, workers=1))


def digested_pages(monkeypatch) -> list[str]:
    """The path of every planned page whose inputs the build digests."""
    paths: list[str] = []
    real = sitegen.engine.made_from.MadeFrom.digest
    monkeypatch.setattr(sitegen.engine.made_from.MadeFrom, "digest", lambda self, path, *rest: paths.append(path) or real(self, path, *rest))
    return paths


def edit_outside_the_quoted_sentence(archive) -> None:
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.\n\nA longer second paragraph.", tags="[Iraq]")


def every_page_planned(monkeypatch) -> list[bool]:
    """One item for each time the build plans every page."""
    calls: list[bool] = []
    real = sitegen.engine.builder.plan_pages
    monkeypatch.setattr(sitegen.engine.builder, "plan_pages", lambda *args: calls.append(True) or real(*args))
    return calls


def test_after_an_edit_of_an_articles_text_a_new_process_plans_digests_and_renders_that_articles_page_only(archive, monkeypatch, rendered):
    seed(archive)
    single_build(archive.root)
    pages = len(load_persistent_cache(archive.root).page_inputs)
    edit_outside_the_quoted_sentence(archive)
    digested, planned = digested_pages(monkeypatch), every_page_planned(monkeypatch)
    rendered.clear()

    result = single_build(archive.root)

    assert planned == [] and digested == ["articles/first/"]
    assert rendered == ["articles/first/"] and result.rendered == 1
    assert result.pages == pages  # every page of the last build, kept
    assert "A longer second paragraph." in archive.html("articles/first/index.html").get_text(" ", strip=True)


def test_after_an_edit_that_changes_what_the_plan_reads_of_an_article_a_new_process_digests_every_planned_page(archive, monkeypatch):
    seed(archive)
    single_build(archive.root)
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.\n\nMosul held.", tags="[Iraq]")  # a count
    digested = digested_pages(monkeypatch)

    single_build(archive.root)

    assert {"entities/mosul/", "entities/tikrit/", "articles/second/"} <= set(digested)


def test_new_processes_after_edits_moving_an_article_between_years_tags_and_entities_leave_what_a_clean_build_leaves(archive, tmp_path):
    seed(archive)
    single_build(archive.root)
    edits = [
        lambda: edit_outside_the_quoted_sentence(archive),
        lambda: archive.article("first", title="First", date="2017-03-02", body="Fighting near Mosul began.\n\nA longer second paragraph.", tags="[Iraq]"),
        lambda: archive.article("first", title="First", date="2017-03-02", body="Fighting near Mosul began.\n\nA third text.", tags="[Iraq]"),
        lambda: archive.article("first", title="First", date="2017-03-02", body="Fighting near Mosul began.\n\nA third text.", tags="[Syria]"),
        lambda: archive.article("first", title="First", date="2017-03-02", body="Fighting near Tikrit began.\n\nA third text.", tags="[Syria]"),
        lambda: archive.article("first", title="First", date="2017-03-02", body="Fighting near Tikrit began.\n\nA fourth text.", tags="[Syria]"),
        lambda: archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.\n\nA second paragraph.", tags="[Iraq]"),
    ]
    for number, edit in enumerate(edits):
        edit()
        single_build(archive.root)
        assert archive.output_files() == archive.clean_build_files(tmp_path), number


def test_a_plan_record_altered_in_the_cache_file_is_not_trusted(archive, monkeypatch, tmp_path):
    seed(archive)
    single_build(archive.root)
    cache_file = archive.root / CACHE_DIR / CACHE_FILE
    data = cache_file.read_bytes()
    start = data.index(b'["b","plan articles"')
    at = data.index(b'"', data.index(b'first', start) + len(b'first",')) + 3  # inside the first article's digest
    cache_file.write_bytes(data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :])
    assert load_persistent_cache(archive.root).plan_articles == {}  # the seal no longer verifies: nothing is read

    assert_an_edit_then_plans_and_digests_every_page(archive, monkeypatch, tmp_path)


def test_a_plan_record_of_another_format_is_not_read(archive, monkeypatch, tmp_path):
    seed(archive)
    single_build(archive.root)
    assert load_persistent_cache(archive.root).plan_articles
    cache_file = archive.root / CACHE_DIR / CACHE_FILE
    cache_file.write_bytes(older_format(CACHE_FILE, cache_file.read_bytes()))
    assert load_persistent_cache(archive.root).plan_articles == {}

    assert_an_edit_then_plans_and_digests_every_page(archive, monkeypatch, tmp_path)


def assert_an_edit_then_plans_and_digests_every_page(archive, monkeypatch, tmp_path) -> None:
    """After an edit of an article's text, a new process with no record it can trust digests
    the other pages too, and leaves what a clean build leaves."""
    edit_outside_the_quoted_sentence(archive)
    digested = digested_pages(monkeypatch)

    single_build(archive.root)

    assert {"entities/mosul/", "articles/second/"} <= set(digested)
    assert archive.output_files() == archive.clean_build_files(tmp_path)


def test_a_new_process_after_another_archives_record_digests_every_planned_page(archive, monkeypatch, tmp_path):
    """A record made for other settings (here another title) vouches for no page."""
    seed(archive)
    single_build(archive.root)
    archive.write("site.toml", (archive.root / "site.toml").read_text().replace('title = "', 'title = "The ', 1))
    edit_outside_the_quoted_sentence(archive)
    digested = digested_pages(monkeypatch)

    single_build(archive.root)

    assert {"entities/mosul/", "articles/second/"} <= set(digested)
    assert archive.output_files() == archive.clean_build_files(tmp_path)


def test_a_page_the_record_keeps_whose_file_cannot_be_linked_is_planned_and_rendered(archive, monkeypatch, tmp_path, rendered):
    seed(archive)
    single_build(archive.root)
    edit_outside_the_quoted_sentence(archive)
    real = sitegen.pipeline.staged_output.StagedOutput.link_previous
    monkeypatch.setattr(sitegen.pipeline.staged_output.StagedOutput, "link_previous", lambda self, target: target != "entities/tikrit/index.html" and real(self, target))
    planned = every_page_planned(monkeypatch)
    rendered.clear()

    single_build(archive.root)

    assert planned == [True] and "entities/tikrit/" in rendered
    assert archive.output_files() == archive.clean_build_files(tmp_path)


def planned_alone_and_with_every_page(archive) -> tuple[list, list]:
    """The pages `plan_article_pages` plans for every article, and those of a single build's `plan_pages`."""
    builder = Builder(BuildOptions(root=archive.root, workers=1), lasting=False)
    sources = builder.load(*builder.configure())
    annotations = builder._annotate(sources)
    slugs = {article.slug for article in sources.archive.articles}
    alone = plan_article_pages(sources.archive, annotations, sources.settings, Problems(), slugs)
    every = plan_pages(sources.archive, annotations, sources.settings, Problems(), None, False, True)
    return alone, every


def archive_with_events_tied_to_articles(archive) -> None:
    seed(archive)
    archive.article("third", title="Third", date="2017-01-05", body="Tikrit and Mosul, later.", tags="[Iraq, Syria]")
    archive.write("content/timeline.toml", '[[event]]\ndate = "2016-10-17"\ntitle = "Battle"\nentities = ["mosul"]\narticles = ["first", "third"]\n')


def test_the_page_planned_for_an_article_alone_is_the_one_planned_with_every_page(archive):
    archive_with_events_tied_to_articles(archive)
    alone, every = planned_alone_and_with_every_page(archive)
    by_path = {page.path: page for page in every}
    assert {page.path for page in alone} == {"articles/first/", "articles/second/", "articles/third/"}
    for page in alone:
        planned = by_path[page.path]
        assert (page.template, page.modified, page.indexable) == (planned.template, planned.modified, planned.indexable)
        assert page.inputs == planned.inputs, page.path
    assert any(page.inputs[5] for page in alone) and all(page.inputs[6] for page in alone)  # events tied to them, related articles


def test_of_every_page_planned_only_an_articles_own_page_holds_its_annotation(archive):
    """What lets a build keep every other page when only an article's text changed (engine/plan_record.py)."""
    archive_with_events_tied_to_articles(archive)
    _, every = planned_alone_and_with_every_page(archive)
    for page in every:
        assert isinstance(page, PlannedPage) or not page_holds_an_annotation(page), page.path
        if isinstance(page, PlannedPage):
            held = [value.slug for value in page.inputs if type(value) in ARTICLE_KINDS[1:]]
            assert held == ([page.path.split("/")[1]] if page.path.startswith("articles/") and page.path.endswith("/") else []), page.path


def page_holds_an_annotation(page) -> bool:
    """Whether an annotated article is anywhere in a page's data."""
    seen, stack = set(), [page.data]
    while stack:
        value = stack.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        if type(value) in ARTICLE_KINDS[1:]:
            return True
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, (list, tuple, set, frozenset)):
            stack.extend(value)
        elif hasattr(value, "__dataclass_fields__"):
            stack.extend(getattr(value, name) for name in value.__dataclass_fields__)
    return False


def test_a_build_that_keeps_the_other_pages_gives_the_warnings_of_planning_them_once(archive, monkeypatch):
    seed(archive)
    archive.article("third", title="Third", date="2017-01-01", body="Text.", tags="['!!']")  # a tag without letters
    first = single_build(archive.root)
    edit_outside_the_quoted_sentence(archive)
    kept = single_build(archive.root)
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.\n\nA second paragraph.", tags="[Iraq]")
    real = sitegen.pipeline.staged_output.StagedOutput.link_previous
    monkeypatch.setattr(sitegen.pipeline.staged_output.StagedOutput, "link_previous", lambda self, target: target != "entities/tikrit/index.html" and real(self, target))
    planned_again = single_build(archive.root)

    assert [str(w) for w in first.warnings] == [str(w) for w in kept.warnings] == [str(w) for w in planned_again.warnings]
    assert len(first.warnings) == 1


def cards_made(monkeypatch) -> list[str]:
    """The slug of every article whose card is made from now on, by any view."""
    slugs: list[str] = []
    real = sitegen.pipeline.cards.article_card
    counting = lambda article, urls: slugs.append(article.slug) or real(article, urls)  # noqa: E731
    for module in (sitegen.pipeline.cards, sitegen.pipeline.kept_views):
        monkeypatch.setattr(module, "article_card", counting)
    return slugs


def test_after_an_edit_of_an_articles_text_a_new_process_makes_no_card_of_an_article_its_page_does_not_show(archive, monkeypatch, tmp_path):
    seed(archive)
    for number in range(5):
        archive.article(f"other-{number}", title=f"Other {number}", date=f"2015-0{number + 1}-01", body="Nothing known.", tags="[Elsewhere]")
    single_build(archive.root)
    edit_outside_the_quoted_sentence(archive)
    carded = cards_made(monkeypatch)

    single_build(archive.root)

    assert "first" in carded and not any(slug.startswith("other-") for slug in carded)
    assert archive.output_files() == archive.clean_build_files(tmp_path)
