"""A running builder (watch, serve) plans again only the pages an edit can change.

The pages of each article and each entity are kept with the sources and
values they were made from (sitegen.pipeline.site.PlanMemo), entity usage is
an index updated from the articles that changed, and a page kept from the
last build keeps its digest. These tests pin down what an edit re-renders;
tests/test_incremental.py checks that any sequence of edits still gives a
clean build's output.
"""

from __future__ import annotations

import os
import time

import pytest

import sitegen.engine.annotation
import sitegen.engine.builder
import sitegen.engine.cache
import sitegen.engine.in_place_writer
import sitegen.engine.open_data
import sitegen.engine.page_digests
import sitegen.engine.plan_memos
import sitegen.engine.staged_writer
import sitegen.pipeline.listings
import sitegen.pipeline.timeline
from sitegen.engine.builder import Builder, BuildOptions
from sitegen.model.errors import ContentError
from sitegen.pipeline.cards import ArticleCard, EventView
from sitegen.pipeline.citation import Citation
from sitegen.pipeline.feeds import FeedEntry
from sitegen.pipeline.output_survey import RECENT_FOLDER_NS

from conftest import article_text
from test_incremental import assert_same_trees, clean_build_of, output_tree


def seed(archive) -> None:
    archive.write("content/entities/mosul.md", '---\nname: Mosul\nkind: place\nsummary: "A city."\n---\nOn the Tigris.\n')
    archive.write("content/entities/tikrit.md", '---\nname: Tikrit\nkind: place\nsummary: "A town."\n---\n')
    archive.write("content/entities/baghdad.md", '---\nname: Baghdad\nkind: place\nsummary: "The capital."\n---\n')
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.\n\nThen Baghdad.", tags="[Iraq]")
    archive.article("second", title="Second", date="2016-11-27", body="Mosul again, and Tikrit.", tags="[Iraq, Siege]")
    archive.article("third", title="Third", date="2015-03-01", body="Tikrit and Baghdad.", tags="[Siege]")


@pytest.fixture
def watching(archive):
    """A builder as `sitegen watch` keeps it, after its first build."""
    seed(archive)
    builder = Builder(BuildOptions(root=archive.root, workers=1))
    builder.build(incremental=True)
    return builder


def test_a_body_edit_re_renders_its_page_and_the_pages_quoting_it_and_nothing_else(archive, watching, rendered):
    archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.\n\nThen Baghdad.", tags="[Iraq]")
    watching.build(incremental=True)
    # Mosul's page quotes the sentence edited; Baghdad's quotes one that did not change.
    assert sorted(rendered) == ["articles/first/", "entities/mosul/"]


def test_a_body_edit_that_changes_no_quoted_sentence_re_renders_only_its_page(archive, watching, rendered):
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.\n\nThen Baghdad.\n\nMore.", tags="[Iraq]")
    watching.build(incremental=True)
    assert rendered == ["articles/first/"]


def test_a_body_edit_plans_only_the_pages_of_that_article_and_of_the_entities_whose_quoted_sentence_changed(archive, watching):
    archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.\n\nThen Baghdad.", tags="[Iraq]")
    watching.build(incremental=True)
    # The article's and Mosul's pages; not Baghdad's (its sentence is the same), nor Tikrit's, nor the open data.
    assert watching.cache.plans.made == 2


def test_a_body_edit_that_changes_no_quoted_sentence_plans_no_entity_page(archive, watching):
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.\n\nThen Baghdad.\n\nMore.", tags="[Iraq]")
    watching.build(incremental=True)
    assert watching.cache.plans.made == 1


def test_a_new_title_re_renders_the_pages_of_the_entities_listing_the_article(archive, watching, rendered):
    archive.article("first", title="The first", date="2016-10-17", body="Fighting near Mosul began.\n\nThen Baghdad.", tags="[Iraq]")
    watching.build(incremental=True)
    # Its card, with the title, is in Mosul's and Baghdad's lists.
    assert {"entities/mosul/", "entities/baghdad/"} <= set(rendered)


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param({"date": "2014-01-05"}, id="to another year"),
        pytest.param({"tags": "[Siege, Mosul]"}, id="to other tags"),
        pytest.param({"body": "Only Tikrit here."}, id="to other entities"),
        pytest.param({"entities": "[tikrit, baghdad]"}, id="listing other entities"),
        pytest.param({"title": "A new title"}, id="a new title in every listing"),
    ],
)
def test_an_article_moved_between_listings_gives_a_clean_build(archive, watching, tmp_path, edit):
    fields = {"title": "First", "date": "2016-10-17", "body": "Fighting near Mosul began.\n\nThen Baghdad.", "tags": "[Iraq]"} | edit
    archive.write("content/articles/first.md", article_text(**fields))
    watching.build(incremental=True)
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))


def test_co_mentions_follow_articles_that_go_away_and_come_back(archive, watching, tmp_path):
    text = archive.root.joinpath("content/articles/third.md").read_text()
    archive.root.joinpath("content/articles/third.md").unlink()
    watching.build(incremental=True)
    archive.write("content/articles/third.md", text)
    watching.build(incremental=True)
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))


# The modules of the engine that run a build, which the builder's calls are counted in.
BUILDING_MODULES = (
    sitegen.engine.builder, sitegen.engine.plan_memos, sitegen.engine.page_digests, sitegen.engine.staged_writer,
    sitegen.engine.in_place_writer, sitegen.engine.open_data,
)  # fmt: skip


def count_calls(monkeypatch, name: str) -> list:
    """Every call from now on of the function the builder, or a module it runs a build with, knows as `name`."""
    calls: list = []
    knowing = [module for module in BUILDING_MODULES if hasattr(module, name)]
    assert knowing, f"no module of the build calls {name}"
    for module in knowing:
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *args, real=real: calls.append(args) or real(*args))
    return calls


def test_an_article_edit_neither_indexes_the_entities_again_nor_claims_the_outputs_again(archive, watching, monkeypatch):
    catalogues, claims = count_calls(monkeypatch, "build_catalog"), count_calls(monkeypatch, "claim_outputs")
    archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.\n\nThen Baghdad.", tags="[Iraq]")
    watching.build(incremental=True)
    assert (catalogues, claims) == ([], [])


def test_an_entity_edit_indexes_the_entities_again(archive, watching, monkeypatch):
    catalogues = count_calls(monkeypatch, "build_catalog")
    archive.write("content/entities/tikrit.md", '---\nname: Tikrit\nkind: place\naliases: [Tikrit city]\nsummary: "A town."\n---\n')
    watching.build(incremental=True)
    assert len(catalogues) == 1


def test_a_static_file_that_clashes_with_a_page_is_still_reported_by_a_running_builder(archive, watching, tmp_path):
    archive.write("content/static/articles/first/index.html", "<p>not the article</p>")
    with pytest.raises(ContentError) as failure:
        watching.build(incremental=True)
    assert "this file would replace the generated page /articles/first/" in str(failure.value.errors[0])
    (archive.root / "content/static/articles/first/index.html").unlink()
    watching.build(incremental=True)
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))


# --- the work of an edit is proportional to the edit, not to the archive ---------------------

ARCHIVE_SIZE = 200


@pytest.fixture
def watching_a_larger_archive(archive):
    return running_builder_of_a_larger_archive(archive)


def running_builder_of_a_larger_archive(archive):
    """A running builder after its first build of ARCHIVE_SIZE articles over ten years, the
    three entities, two tags and a timeline event between them."""
    seed(archive)
    archive.write("content/timeline.toml", '[[events]]\ndate = "2016-10-17"\ntitle = "The battle begins"\nentities = ["mosul"]\n')
    for number in range(ARCHIVE_SIZE):
        archive.article(f"report-{number}", title=f"Report {number}", date=f"{2010 + number % 10}-0{1 + number % 9}-1{number % 10}",
                        body=f"Report {number} from Mosul" + (", and Tikrit." if number % 3 else "."), tags="[Iraq, Siege]")  # fmt: skip
    builder = Builder(BuildOptions(root=archive.root, workers=1))
    builder.build(incremental=True)
    return builder


def count_made(monkeypatch, made: type) -> list:
    """Every `made` object constructed from now on."""
    calls: list = []
    real = made.__init__
    monkeypatch.setattr(made, "__init__", lambda self, *args, **kwargs: calls.append(args) or real(self, *args, **kwargs))
    return calls


@pytest.mark.parametrize("made", [ArticleCard, FeedEntry, EventView, Citation], ids=lambda made: made.__name__)
def test_a_body_edit_makes_the_views_of_that_article_again_not_those_of_every_article(archive, watching_a_larger_archive,
                                                                                       monkeypatch, made):  # fmt: skip
    calls = count_made(monkeypatch, made)
    archive.article("report-7", title="Report 7", date="2017-08-17", body="Report 7 from Mosul, corrected.", tags="[Iraq, Siege]")
    watching_a_larger_archive.build(incremental=True)
    assert len(calls) <= 2


def test_a_body_edit_compares_no_article_of_the_archive_field_by_field(archive, watching_a_larger_archive, monkeypatch):
    # The keys of the pages an edit leaves alone are the very objects of the last build.
    calls = count_made(monkeypatch, ArticleCard)
    compared: list = []
    real = ArticleCard.__eq__
    monkeypatch.setattr(ArticleCard, "__eq__", lambda self, other: compared.append(self) or real(self, other))
    archive.article("report-7", title="Report 7", date="2017-08-17", body="Report 7 from Mosul, corrected.", tags="[Iraq, Siege]")
    watching_a_larger_archive.build(incremental=True)
    assert len(compared) + len(calls) <= 10


def test_a_body_edit_plans_no_page_of_an_entity_no_article_mentions(archive):
    seed(archive)
    archive.write("content/entities/basra.md", '---\nname: Basra\nkind: place\nsummary: "A port."\n---\n')
    builder = Builder(BuildOptions(root=archive.root, workers=1))
    builder.build(incremental=True)
    archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.\n\nThen Baghdad.", tags="[Iraq]")
    builder.build(incremental=True)
    # As without Basra: the article's and Mosul's pages (Baghdad's sentence and the open data's rows are unchanged).
    assert builder.cache.plans.made == 2


def test_a_body_edit_makes_no_publication_event_but_its_own(archive, watching_a_larger_archive, monkeypatch):
    made = count_calls_in(monkeypatch, sitegen.pipeline.timeline, "publication_event")
    archive.article("report-7", title="Report 7", date="2017-08-17", body="Report 7 from Mosul, corrected.", tags="[Iraq, Siege]")
    watching_a_larger_archive.build(incremental=True)
    assert [article.slug for article, in made] == ["report-7"]


def test_an_article_edit_digests_the_catalogue_of_entities_no_more(archive, watching, monkeypatch):
    digested = count_calls_in(monkeypatch, sitegen.engine.cache, "digest_of")
    monkeypatch.setattr(sitegen.engine.annotation, "digest_of", sitegen.engine.cache.digest_of, raising=False)  # wherever it is called
    archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.\n\nThen Baghdad.", tags="[Iraq]")
    watching.build(incremental=True)
    assert not any(isinstance(value, tuple) and any(isinstance(part, dict) for part in value) for value, in digested)


def test_a_body_edit_that_uses_no_term_keeps_the_glossary_page(archive, watching):
    archive.write("content/glossary.toml", '[[term]]\nterm = "Siege"\ndefinition = "A long attack."\n')
    archive.article("second", title="Second", date="2016-11-27", body="The siege of Mosul, and Tikrit.", tags="[Iraq, Siege]")
    watching.build(incremental=True)
    glossary = watching.cache.plans.previous["glossary"][2]
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.\n\nThen Baghdad.\n\nMore.", tags="[Iraq]")
    watching.build(incremental=True)
    assert watching.cache.plans.previous["glossary"][2] is glossary


def count_calls_in(monkeypatch, module, name: str) -> list:
    """Every call from now on of `module.name`."""
    calls: list = []
    real = getattr(module, name)
    monkeypatch.setattr(module, name, lambda *args: calls.append(args) or real(*args))
    return calls


# --- the output folder: listed again only where it changed ---------------------------------


def listings_of(monkeypatch, folder) -> list[str]:
    """Every folder under `folder` listed (os.scandir) from now on."""
    listed: list[str] = []
    real = os.scandir

    def scandir(path="."):
        if str(path).startswith(str(folder)):
            listed.append(str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    return listed


def age_past_the_clock_step() -> None:
    """Let the folders just written age past the step of the file system's clock (see RECENT_FOLDER_NS)."""
    time.sleep(RECENT_FOLDER_NS / 1e9 + 0.01)


def test_an_edit_lists_only_the_output_folders_that_changed(archive, watching_a_larger_archive, monkeypatch):
    age_past_the_clock_step()
    archive.article("report-7", title="Report 7", date="2017-08-17", body="Report 7 from Mosul, and Tikrit.\n\nCorrected.", tags="[Iraq, Siege]")
    watching_a_larger_archive.build(incremental=True)  # lists every folder, old enough now to be trusted next time
    age_past_the_clock_step()
    listed = listings_of(monkeypatch, archive.out)
    archive.article("report-7", title="Report 7", date="2017-08-17", body="Report 7 from Mosul, and Tikrit.\n\nCorrected again.", tags="[Iraq, Siege]")
    watching_a_larger_archive.build(incremental=True)
    # The folder of the page the last build wrote; not one of the hundreds of others.
    assert [os.path.relpath(path, archive.out) for path in listed] == ["articles/report-7"]


def edit_first(archive) -> None:
    archive.article("first", title="First", date="2016-10-17", body="Fighting around Mosul began.\n\nThen Baghdad.", tags="[Iraq]")


def test_a_page_deleted_from_the_output_is_written_again_by_a_running_builder(archive, watching):
    age_past_the_clock_step()
    edit_first(archive)
    watching.build(incremental=True)
    age_past_the_clock_step()
    (archive.out / "articles/second/index.html").unlink()
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.", tags="[Iraq]")
    watching.build(incremental=True)
    assert archive.html("articles/second/index.html").select_one("h1").get_text() == "Second"


def replace_behind_its_back(path) -> None:
    """What an editor's save or a sync tool does: a new file renamed over the old one."""
    beside = path.with_name(path.name + ".new")
    beside.write_text("<p>not the page sitegen wrote</p>")
    os.replace(beside, path)


def test_a_page_replaced_in_the_output_is_written_again_by_a_running_builder(archive, watching):
    age_past_the_clock_step()
    edit_first(archive)
    watching.build(incremental=True)
    age_past_the_clock_step()
    replace_behind_its_back(archive.out / "articles/second/index.html")
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.", tags="[Iraq]")
    watching.build(incremental=True)
    assert archive.html("articles/second/index.html").select_one("h1").get_text() == "Second"


def test_a_page_replaced_in_the_output_just_after_a_rebuild_wrote_it_is_written_again(archive, watching):
    age_past_the_clock_step()
    edit_first(archive)
    watching.build(incremental=True)
    age_past_the_clock_step()
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.", tags="[Iraq]")
    watching.build(incremental=True)  # writes the page of `first` into a folder it listed
    replace_behind_its_back(archive.out / "articles/first/index.html")
    archive.article("third", title="Third", date="2015-03-01", body="Tikrit and Baghdad.\n\nMore.", tags="[Siege]")
    watching.build(incremental=True)
    assert archive.html("articles/first/index.html").select_one("h1").get_text() == "First"


def test_a_file_put_into_an_output_folder_is_removed_by_a_running_builder(archive, watching):
    age_past_the_clock_step()
    edit_first(archive)
    watching.build(incremental=True)
    age_past_the_clock_step()
    (archive.out / "articles/second/stray.html").write_text("not a page")
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.", tags="[Iraq]")
    watching.build(incremental=True)
    assert not (archive.out / "articles/second/stray.html").exists()


def test_a_tag_edit_slugifies_each_spelling_of_a_tag_once_not_once_per_article(archive, watching_a_larger_archive, monkeypatch):
    slugified = count_calls_in(monkeypatch, sitegen.pipeline.listings, "slugify")
    archive.article("report-7", title="Report 7", date="2017-08-17", body="Report 7 from Mosul.", tags="[Iraq, Siege, Mosul]")
    watching_a_larger_archive.build(incremental=True)
    assert sorted(tag for tag, in slugified) == ["Iraq", "Mosul", "Siege"]


def test_an_in_place_rebuild_works_out_the_output_file_of_the_pages_the_edit_changed_alone(archive, watching_a_larger_archive,
                                                                                          monkeypatch):  # fmt: skip
    files = count_calls(monkeypatch, "page_file")
    archive.article("report-7", title="Report 7", date="2017-08-17", body="Report 7 from Mosul, corrected.", tags="[Iraq, Siege]")
    watching_a_larger_archive.build(incremental=True)
    worked_out = [page.path for page, in files]
    # Its own page, those of the entities it names and the open data: none of the other articles' pages.
    assert [path for path in worked_out if path.startswith("articles/")] == ["articles/report-7/"]
    assert len(worked_out) < ARCHIVE_SIZE / 10


def test_a_body_edit_looks_at_the_sitemap_entries_of_the_pages_it_changed_alone(archive, watching_a_larger_archive):
    archive.article("report-7", title="Report 7", date="2017-08-17", body="Report 7 from Mosul, corrected.", tags="[Iraq, Siege]")
    watching_a_larger_archive.build(incremental=True)
    sitemap = watching_a_larger_archive.cache.plans.aggregates["sitemap"]
    # The pages of the article, of the entities it names and of the open data, out of more than three per article.
    assert sitemap.worked_out < ARCHIVE_SIZE / 10


def test_a_body_edit_plans_the_pages_of_that_article_alone_not_one_per_article(archive, watching_a_larger_archive):
    archive.article("report-7", title="Report 7", date="2017-08-17", body="Report 7 from Mosul, and Tikrit.\n\nCorrected.", tags="[Iraq, Siege]")
    watching_a_larger_archive.build(incremental=True)
    assert watching_a_larger_archive.cache.plans.aggregates["article pages"].planned == 1


def test_a_new_title_plans_the_pages_of_the_articles_that_list_it_as_related_again(archive, watching_a_larger_archive, tmp_path):
    archive.article("third", title="Third, corrected", date="2015-03-01", body="Tikrit and Baghdad.", tags="[Siege]")
    watching_a_larger_archive.build(incremental=True)
    related = watching_a_larger_archive.cache.plans.aggregates["related"].lists
    listing = [slug for slug, more in related.items() if "third" in more]
    assert "first" in listing  # the other article naming Baghdad
    assert "Third, corrected" in [link.get_text() for link in archive.html("articles/first/index.html").select("a")]
    assert watching_a_larger_archive.cache.plans.aggregates["article pages"].planned == 1 + len(listing)
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))
