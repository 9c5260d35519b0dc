"""The work a running builder does for a one-article edit: only what the edit can change.

tests/test_incremental_planning.py pins down what an edit plans and renders;
these tests pin down the work around it (the timeline's keys, the sitemap's
entries, the pages compared with the last build), counted, never timed.
tests/test_incremental.py checks that any sequence of edits still gives a
clean build's output.
"""

from __future__ import annotations

import os
import sys
import time

import pytest

import sitegen.pipeline.listings
import sitegen.pipeline.load
import sitegen.pipeline.article_pages
import sitegen.pipeline.entity_pages
import sitegen.pipeline.host_files
import sitegen.pipeline.open_data_pages
import sitegen.pipeline.pages
import sitegen.pipeline.in_place_output
from sitegen.engine.builder import Builder, BuildOptions
from sitegen.model.errors import ContentError
from sitegen.pipeline.folder_events import FolderEvents
from sitegen.pipeline.source_walk import RECENT_FOLDER_NS
from sitegen.model.urls import Urls
from test_incremental import assert_same_trees, clean_build_of, output_tree
from test_incremental_planning import ARCHIVE_SIZE, count_calls_in, running_builder_of_a_larger_archive, seed

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



@pytest.fixture
def watching_a_larger_archive(archive):
    return running_builder_of_a_larger_archive(archive)

# The modules that plan the pages (see pipeline/pages.py).
PLANNING_MODULES = {
    module.__name__
    for module in (sitegen.pipeline.pages, sitegen.pipeline.article_pages, sitegen.pipeline.entity_pages,
                   sitegen.pipeline.open_data_pages, sitegen.pipeline.host_files)
}  # fmt: skip


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
        if sys._getframe(1).f_globals["__name__"] in PLANNING_MODULES:
            planned.append(path)
        return real(self, path)

    monkeypatch.setattr(Urls, "absolute", absolute)
    edit_body(archive)
    watching.build(incremental=True)
    assert planned == ["articles/first/"]


def test_a_body_edit_works_out_no_folder_of_the_output_the_pages_are_in(archive, watching, monkeypatch):
    edit_body(archive, "More.")
    watching.build(incremental=True)
    worked_out = count_calls_in(monkeypatch, sitegen.pipeline.in_place_output, "folders_holding")
    edit_body(archive, "Even more.")
    watching.build(incremental=True)
    assert worked_out == []


def test_a_body_edit_keeps_the_last_builds_set_of_the_sites_files_not_a_new_one(archive, watching):
    edit_body(archive, "More.")
    watching.build(incremental=True)
    kept = watching._last_in_place.keep
    edit_body(archive, "Even more.")
    watching.build(incremental=True)
    assert watching._last_in_place.keep is kept


def test_a_deleted_article_still_takes_its_folder_from_the_output(archive, watching, tmp_path):
    edit_body(archive, "More.")
    watching.build(incremental=True)
    (archive.root / "content/articles/second.md").unlink()
    watching.build(incremental=True)
    assert not (archive.out / "articles/second").exists()
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))


# --- the listings, the glossary, the events and the open data: worked out from the edited article alone ---------


def edit_report(archive, body: str = "Report 7 from Mosul, corrected.", **fields: str) -> None:
    fields = {"title": "Report 7", "date": "2017-08-17", "tags": "[Iraq, Siege]", **fields}
    archive.article("report-7", body=body, **fields)


def test_a_body_edit_makes_the_card_and_feed_entry_of_no_other_article(archive, watching_a_larger_archive):
    edit_report(archive)
    watching_a_larger_archive.build(incremental=True)
    assert watching_a_larger_archive.cache.plans.aggregates["articles"].looked_at == 1


def test_a_body_edit_groups_no_article_into_the_tags_or_the_years(archive, watching_a_larger_archive):
    edit_report(archive)
    watching_a_larger_archive.build(incremental=True)
    assert watching_a_larger_archive.cache.plans.aggregates["listings"].grouped == 0


def test_a_new_tag_groups_the_articles_again_as_a_clean_build_does(archive, watching_a_larger_archive, tmp_path):
    edit_report(archive)
    watching_a_larger_archive.build(incremental=True)
    edit_report(archive, tags="[Iraq, Siege, Tigris]")
    watching_a_larger_archive.build(incremental=True)
    assert archive.html("tags/tigris/index.html").select_one("h1").get_text(strip=True).endswith("Tigris")
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))


def test_a_body_edit_looks_at_the_glossary_uses_of_that_article_alone(archive, watching_a_larger_archive):
    edit_report(archive)
    watching_a_larger_archive.build(incremental=True)
    assert watching_a_larger_archive.cache.plans.aggregates["term uses"].looked_at == 1


def test_a_term_used_anew_by_an_edit_is_listed_in_the_glossary_as_a_clean_build_lists_it(archive, watching_a_larger_archive,
                                                                                          tmp_path):  # fmt: skip
    archive.write("content/glossary.toml", '[[term]]\nid = "siege"\nterm = "Siege"\ndefinition = "A blockade."\n')
    watching_a_larger_archive.build(incremental=True)
    edit_report(archive)
    watching_a_larger_archive.build(incremental=True)
    edit_report(archive, body="Report 7 from Mosul. The Siege went on.")
    watching_a_larger_archive.build(incremental=True)
    assert "Report 7" in [link.get_text() for link in archive.html("glossary/index.html").select("a")]
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))


def test_a_body_edit_looks_at_the_timeline_entry_of_that_article_alone(archive, watching_a_larger_archive):
    edit_report(archive)
    watching_a_larger_archive.build(incremental=True)
    assert watching_a_larger_archive.cache.plans.aggregates["events"].looked_at <= 1  # its publication, when the timeline shows them


def test_a_body_edit_makes_the_open_data_rows_of_that_article_alone(archive, watching_a_larger_archive):
    edit_report(archive)
    watching_a_larger_archive.build(incremental=True)
    assert watching_a_larger_archive.cache.plans.aggregates["open data rows"].looked_at == 1


def test_a_body_edit_plans_the_pages_of_no_entity_it_does_not_quote_anew(archive, watching_a_larger_archive):
    edit_report(archive, body="Report 7 from Mosul, and Tikrit.\n\nCorrected.")
    watching_a_larger_archive.build(incremental=True)
    assert watching_a_larger_archive.cache.plans.aggregates["entity pages"].planned == 0


def test_an_edit_that_names_another_entity_plans_the_entities_it_names_before_or_after_as_a_clean_build_does(
        archive, watching_a_larger_archive, tmp_path):  # fmt: skip
    edit_report(archive, body="Report 7 from Mosul and Baghdad.")  # was Mosul and Tikrit
    watching_a_larger_archive.build(incremental=True)
    assert watching_a_larger_archive.cache.plans.aggregates["entity pages"].planned == 3  # their lists or co-mentions changed
    assert "Report 7" in [link.get_text() for link in archive.html("entities/baghdad/index.html").select("main a")]
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))


def test_a_tag_without_letters_is_still_reported_by_a_rebuild_after_another_article_was_edited(archive, watching):
    archive.article("second", title="Second", date="2016-11-27", body="Mosul again, and Tikrit.", tags="[Iraq, '...']")
    watching.build(incremental=True)
    edit_body(archive)
    result = watching.build(incremental=True)
    assert [(w.path, "'...'" in w.message) for w in result.warnings] == [("content/articles/second.md", True)]


def test_a_body_edit_looks_at_the_entity_usage_of_that_article_alone(archive, watching_a_larger_archive):
    edit_report(archive)
    watching_a_larger_archive.build(incremental=True)
    assert watching_a_larger_archive.cache.plans.aggregates["entity usage"].looked_at == 1


# --- loading: each source asked for its status, no folder listed, the checks of the edited article alone ---------


@pytest.fixture
def settled(archive, watching):
    """The running builder once the folders of sources are old enough for their status to be trusted."""
    time.sleep(RECENT_FOLDER_NS / 1e9 + 0.01)
    watching.build(incremental=True)
    return watching


def calls_under(monkeypatch, folder, name: str) -> list[str]:
    """Every call from now on of `os.<name>` (stat, scandir) for a path under `folder`, relative to it."""
    calls: list[str] = []
    real = getattr(os, name)

    def counted(path, *args, **kwargs):
        if os.fspath(path).startswith(os.fspath(folder) + os.sep):
            calls.append(os.path.relpath(path, folder))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, name, counted)
    return calls


def test_a_body_edit_lists_no_folder_of_sources(archive, settled, monkeypatch):
    listed = calls_under(monkeypatch, archive.root / "content", "scandir")
    edit_body(archive)
    settled.build(incremental=True)
    assert listed == []


def test_a_body_edit_asks_each_source_for_its_status_once(archive, settled, monkeypatch):
    asked = calls_under(monkeypatch, archive.root / "content", "stat")
    edit_body(archive)
    settled.build(incremental=True)
    sources = [path for path in asked if path.endswith(".md")]
    assert sorted(sources) == sorted(set(sources)) == [f"articles/{name}.md" for name in ("first", "second", "third")] + [
        f"entities/{name}.md" for name in ("baghdad", "mosul", "tikrit")
    ]


def test_an_article_added_to_a_folder_of_sources_is_found(archive, settled, tmp_path):
    archive.article("fourth", title="Fourth", date="2017-01-02", body="Mosul once more.")
    settled.build(incremental=True)
    assert archive.html("articles/fourth/index.html").select_one("h1").get_text() == "Fourth"
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))


def test_a_body_edit_checks_the_references_of_that_article_alone(archive, watching, monkeypatch):
    checked = count_calls_in(monkeypatch, sitegen.pipeline.load, "_article_reference_problems")
    edit_body(archive)
    watching.build(incremental=True)
    assert [article.slug for article, *_ in checked] == ["first"]


def test_an_unknown_entity_of_an_article_not_edited_is_still_reported(archive, watching):
    archive.article("second", title="Second", date="2016-11-27", body="Mosul.", entities="[nowhere]")
    with pytest.raises(ContentError):
        watching.build(incremental=True)
    edit_body(archive)
    with pytest.raises(ContentError) as raised:
        watching.build(incremental=True)
    assert [(error.path, "'nowhere' does not exist" in error.message) for error in raised.value.errors] == [
        ("content/articles/second.md", True)
    ]


def test_an_entity_removed_is_reported_in_the_articles_that_name_it_though_not_edited(archive, watching):
    archive.article("second", title="Second", date="2016-11-27", body="Mosul.", entities="[tikrit]")
    watching.build(incremental=True)
    (archive.root / "content/entities/tikrit.md").unlink()
    with pytest.raises(ContentError) as raised:
        watching.build(incremental=True)
    assert [(error.path, "'tikrit' does not exist" in error.message) for error in raised.value.errors] == [
        ("content/articles/second.md", True)
    ]


# --- the survey of the output: the folders that changed found, what changed under them found ---------------------


def survey_the_output(archive, builder, monkeypatch, how: str):
    """`builder` once an edit was written and the output's folders are old enough for their status to be
    trusted, surveying the output as `how` says: by the kernel's events, or (where it gives none) by
    asking every folder for its status."""
    if how == "statuses":
        monkeypatch.setattr(FolderEvents, "open", classmethod(lambda cls: None))
    time.sleep(RECENT_FOLDER_NS / 1e9 + 0.01)
    edit_body(archive, "More.")
    builder.build(incremental=True)
    time.sleep(RECENT_FOLDER_NS / 1e9 + 0.01)
    return builder


@pytest.fixture(params=["events", "statuses"])
def surveyed(request, archive, watching, monkeypatch):
    return survey_the_output(archive, watching, monkeypatch, request.param)


@pytest.fixture
def surveyed_by_statuses(archive, watching, monkeypatch):
    return survey_the_output(archive, watching, monkeypatch, "statuses")


@pytest.fixture
def surveyed_by_events(archive, watching, monkeypatch):
    builder = survey_the_output(archive, watching, monkeypatch, "events")
    assert builder._output_survey.events is not None  # on Linux the survey must have its queue of events
    return builder


def test_without_events_an_edit_asks_each_folder_of_the_output_for_its_status_once(archive, surveyed_by_statuses, monkeypatch):
    asked = calls_under(monkeypatch, archive.out, "stat")
    edit_body(archive, "Even more.")
    surveyed_by_statuses.build(incremental=True)
    monkeypatch.undo()
    folders = [path for path in asked if (archive.out / path).is_dir()]
    assert sorted(folders) == sorted(set(folders)) == sorted(
        os.path.relpath(here, archive.out) for here, _, _ in os.walk(archive.out) if here != os.fspath(archive.out)
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kernel events of folders are Linux's inotify")
def test_with_events_an_edit_asks_only_the_folder_it_wrote_to_for_its_status(archive, surveyed_by_events, monkeypatch):
    asked = calls_under(monkeypatch, archive.out, "stat")
    edit_body(archive, "Even more.")
    surveyed_by_events.build(incremental=True)
    monkeypatch.undo()
    assert [path for path in asked if (archive.out / path).is_dir()] == ["articles/first"]


def test_a_page_folder_deleted_from_the_output_is_written_again(archive, surveyed):
    import shutil

    shutil.rmtree(archive.out / "articles/second")
    edit_body(archive, "Even more.")
    surveyed.build(incremental=True)
    assert archive.html("articles/second/index.html").select_one("h1").get_text() == "Second"


def test_a_folder_put_into_a_page_folder_of_the_output_is_removed(archive, surveyed):
    (archive.out / "articles/second/extra").mkdir()
    (archive.out / "articles/second/extra/stray.html").write_text("not a page")
    edit_body(archive, "Even more.")
    surveyed.build(incremental=True)
    assert not (archive.out / "articles/second/extra").exists()


def test_a_folder_put_where_a_page_file_was_is_replaced_by_the_page(archive, surveyed):
    page = archive.out / "articles/second/index.html"
    page.unlink()
    page.mkdir()
    (page / "stray.html").write_text("not a page")
    edit_body(archive, "Even more.")
    surveyed.build(incremental=True)
    assert page.is_file()
    assert archive.html("articles/second/index.html").select_one("h1").get_text() == "Second"
    edit_body(archive, "And more.")  # and the next survey finds the page where the folder was
    surveyed.build(incremental=True)
    assert "And more." in archive.html("articles/first/index.html").get_text()

def test_after_the_output_changed_behind_its_back_a_running_builder_writes_what_a_clean_build_writes(archive, surveyed, tmp_path):
    (archive.out / "articles/second/index.html").unlink()
    (archive.out / "articles/third/stray.html").write_text("not a page")
    edit_body(archive, "Even more.")
    surveyed.build(incremental=True)
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))


# --- the timeline and the annotations: looked up for the edited article alone ------------------------------------


def test_a_body_edit_makes_no_entry_of_the_timeline_anew(archive, watching_a_larger_archive, monkeypatch):
    from sitegen.pipeline.timeline import TimelineEntry
    from test_incremental_planning import count_made

    made = count_made(monkeypatch, TimelineEntry)
    edit_report(archive)
    watching_a_larger_archive.build(incremental=True)
    assert made == []


def test_a_retitled_article_is_retitled_on_the_timeline_as_a_clean_build_shows_it(archive, watching_a_larger_archive, tmp_path):
    edit_report(archive, title="Report 7, revised")
    watching_a_larger_archive.build(incremental=True)
    titles = [heading.get_text(strip=True) for heading in archive.html("timeline/2017/index.html").select("main h3")]
    assert "Report 7, revised" in titles
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))


def test_a_body_edit_digests_no_other_article_to_look_up_its_annotation(archive, watching_a_larger_archive, monkeypatch):
    from sitegen.engine.cache import FragmentCache
    from sitegen.model.models import Article

    digested = count_calls_in(monkeypatch, FragmentCache, "digest")
    edit_report(archive)
    watching_a_larger_archive.build(incremental=True)
    assert [source.slug for _, source in digested if isinstance(source, Article)] == ["report-7"]


def test_a_body_edit_that_moves_no_mention_works_out_no_entity_s_co_mentions(archive, watching_a_larger_archive, monkeypatch):
    import sitegen.pipeline.sections

    worked_out = count_calls_in(monkeypatch, sitegen.pipeline.sections, "top_co_mentions")
    edit_report(archive, body="Report 7 from Mosul, and Tikrit, corrected.")
    watching_a_larger_archive.build(incremental=True)
    assert worked_out == []


def test_a_body_edit_that_moves_no_mention_works_out_no_entity_s_months(archive, watching_a_larger_archive, monkeypatch):
    worked_out = count_calls_in(monkeypatch, sitegen.pipeline.entity_pages, "entity_months")
    edit_report(archive, body="Report 7 from Mosul, and Tikrit, corrected.")
    watching_a_larger_archive.build(incremental=True)
    assert worked_out == []


def test_a_body_edit_works_out_the_order_of_no_other_article(archive, watching_a_larger_archive, monkeypatch):
    ordered = count_calls_in(monkeypatch, sitegen.pipeline.load, "_newest_first")
    edit_report(archive)
    watching_a_larger_archive.build(incremental=True)
    assert {article.slug for (article,) in ordered} == {"report-7"}


def test_an_article_redated_by_an_edit_takes_its_place_in_the_order_as_a_clean_build_puts_it(archive, watching_a_larger_archive,
                                                                                             tmp_path):  # fmt: skip
    edit_report(archive, date="2009-01-01")
    watching_a_larger_archive.build(incremental=True)
    assert archive.html("archive/2009/index.html").select_one("main a[href$='/articles/report-7/']") is not None
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))


def test_two_articles_given_one_slug_by_an_edit_are_reported_though_their_slugs_were_checked_before(archive, watching):
    archive.article("second", title="Second", date="2016-11-27", body="Mosul again.", slug="first")
    with pytest.raises(ContentError) as raised:
        watching.build(incremental=True)
    assert sorted(error.path for error in raised.value.errors if "duplicate slug" in error.message) == [
        "content/articles/first.md", "content/articles/second.md"
    ]


# --- what changed since the last build: worked out once, for every index that asks ------------------------------


def test_a_body_edit_compares_the_articles_with_the_last_build_s_once_and_their_annotations_not_at_all(archive, watching_a_larger_archive,
                                                                                                        monkeypatch):  # fmt: skip
    """The annotations are the last build's but for the articles that changed: they are looked up at those places alone."""
    import sitegen.pipeline.cards

    compared = count_calls_in(monkeypatch, sitegen.pipeline.cards, "changed_places")
    edit_report(archive)
    watching_a_larger_archive.build(incremental=True)
    assert sorted(type(new[0]).__name__ for new, _ in compared) == ["Article"]


def test_a_body_edit_compares_no_stretch_of_the_plan_as_long_as_its_articles_pages_with_the_last_one(archive, watching_a_larger_archive,
                                                                                                     monkeypatch):  # fmt: skip
    """The places where the articles' pages changed are handed through the plan, not found by comparing it with the last."""
    import sitegen.engine.in_place_writer
    import sitegen.engine.plan_memos

    modules = (sitegen.pipeline.host_files, sitegen.engine.plan_memos, sitegen.engine.in_place_writer)
    compared = [count_calls_in(monkeypatch, module, "changed_places") for module in modules]
    edit_report(archive)
    watching_a_larger_archive.build(incremental=True)
    pages = len(watching_a_larger_archive.cache.page_inputs)
    assert sum(len(new) > pages // 2 for calls in compared for new, *_ in calls) == 0


def test_a_body_edit_compares_no_memo_entry_object_by_object_over_every_article(archive, watching_a_larger_archive, monkeypatch):
    """The event views and the open data's rows are lists the plan keeps while none changed: one object to compare."""
    import sitegen.pipeline.site

    compared = count_calls_in(monkeypatch, sitegen.pipeline.site, "_same_inputs")
    edit_report(archive)
    watching_a_larger_archive.build(incremental=True)
    assert compared and max(len(sources) for _, sources, _ in compared) < ARCHIVE_SIZE / 2


def test_a_body_edit_puts_the_names_of_the_sources_in_order_for_their_digest_no_more(archive, watching_a_larger_archive, monkeypatch):
    import sitegen.engine.cache

    ordered: list[int] = []

    def counted(items, *args, **kwargs):
        items = list(items)
        ordered.append(len(items))
        return sorted(items, *args, **kwargs)

    monkeypatch.setattr(sitegen.engine.cache, "sorted", counted, raising=False)
    edit_report(archive)
    watching_a_larger_archive.build(incremental=True)
    sources = len(watching_a_larger_archive.cache.sources.entries)
    assert [count for count in ordered if count == sources] == []
