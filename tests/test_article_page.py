"""An article's page as a reader sees it: byline, reading time, "More on this
story", the entities it names; and the tag names, home counts and external
links readers meet around it."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import sitegen.pipeline.annotate
from sitegen.engine.builder import Builder, BuildOptions
from sitegen.model.models import Article, PublicationDate, SourcePos
from sitegen.pipeline import related
from sitegen.pipeline.related import related_articles


def entity(archive, entity_id: str, name: str, kind: str = "place") -> None:
    archive.write(f"content/entities/{entity_id}.md", f"---\nname: {json.dumps(name)}\nkind: {kind}\n---\n")


def page_of(archive, slug: str):
    return archive.html(f"articles/{slug}/index.html")


# --- byline and reading time ------------------------------------------------------------------


@pytest.mark.parametrize(
    "authors, byline",
    [
        ("[Jane Doe]", "By Jane Doe"),
        ("[Jane Doe, John Roe]", "By Jane Doe and John Roe"),
        ("[Jane Doe, John Roe, Ann Other]", "By Jane Doe, John Roe and Ann Other"),
    ],
)
def test_the_byline_names_the_authors_as_a_sentence_does(archive, authors, byline):
    archive.article("a", authors=authors)
    archive.build()
    assert page_of(archive, "a").select_one(".byline .authors").get_text() == byline


def test_each_author_of_the_byline_is_isolated_so_right_to_left_names_keep_their_order(archive):
    archive.article("a", authors="[محمد علي, سارة أحمد, Jane Doe]")
    archive.build()
    authors = page_of(archive, "a").select_one(".byline .authors")
    assert [bdi.get_text() for bdi in authors.find_all("bdi")] == ["محمد علي", "سارة أحمد", "Jane Doe"]
    assert authors.get_text() == "By محمد علي, سارة أحمد and Jane Doe"


def test_an_article_without_authors_has_no_byline_but_still_its_date(archive):
    archive.article("a", date="2016-11-27")
    archive.build()
    byline = page_of(archive, "a").select_one(".byline")
    assert byline.select_one(".authors") is None
    assert byline.select_one("time")["datetime"] == "2016-11-27"


@pytest.mark.parametrize("words, minutes", [(3, 1), (230 * 6, 6), (230 * 6 + 100, 6), (230 * 6 + 130, 7)])
def test_the_reading_time_is_the_word_count_at_230_words_a_minute(archive, words, minutes):
    archive.article("a", body=" ".join(["word"] * words))
    archive.build()
    assert page_of(archive, "a").select_one(".byline .reading-time").get_text() == f"{minutes} min read"


def test_chinese_and_japanese_text_is_read_at_500_characters_a_minute(archive):
    archive.article("a", body="摩苏尔战役继续进行。" * 150 + "\n\nモスルの戦いは続いている。" * 50)  # 1,350 characters, then 600 (the full stops are not counted)
    archive.build()
    assert page_of(archive, "a").select_one(".reading-time").get_text() == "4 min read"


def test_the_reading_time_does_not_count_link_targets_or_html_tags(archive):
    link = "[word](https://example.com/many/words/in/a/long/address/that/nobody/reads) "
    archive.article("a", body=(link + '<span class="x y z">word</span> ') * 100 + "word " * 130)
    archive.build()
    assert page_of(archive, "a").select_one(".reading-time").get_text() == "1 min read"  # 330 words


def test_a_word_between_punctuation_counts_once_and_punctuation_alone_not_at_all(archive):
    # "(word)/“word”." is two words; a dash between spaces is none.
    archive.article("a", body="(word)/“word”. " * 173 + "— " * 500)
    archive.build()
    assert page_of(archive, "a").select_one(".reading-time").get_text() == "2 min read"  # 346 words


def test_the_reading_time_is_worked_out_once_per_article_while_it_is_annotated(archive, monkeypatch):
    """Not while the pages are planned, which one process does for the whole archive."""
    counted: list[int] = []
    real = sitegen.pipeline.annotate.reading_minutes

    def counting(markdown: str) -> int:
        counted.append(1)
        return real(markdown)

    monkeypatch.setattr(sitegen.pipeline.annotate, "reading_minutes", counting)
    archive.article("a", body="word " * 700)
    archive.article("b", body="word " * 10)
    archive.build(workers=1)
    assert len(counted) == 2
    assert [page_of(archive, slug).select_one(".reading-time").get_text() for slug in ("a", "b")] == ["3 min read", "1 min read"]

# --- "More on this story" ---------------------------------------------------------------------


def more_on(archive, slug: str) -> list[str]:
    section = page_of(archive, slug).select_one(".more-on-this-story")
    return [a["href"] for a in section.select("a")] if section else []


def test_more_on_this_story_lists_the_articles_sharing_the_rarest_entities_first(archive):
    entity(archive, "mosul", "Mosul")
    entity(archive, "tikrit", "Tikrit")
    entity(archive, "iraq", "Iraq")
    archive.article("a", title="A", date="2016-01-01", body="Mosul, Tikrit and Iraq.")
    archive.article("b", title="B", date="2016-01-02", body="Tikrit and Iraq.")  # shares Tikrit (in 3 articles) and Iraq
    archive.article("c", title="C", date="2016-01-03", body="Mosul.")  # shares Mosul (in 2): rarer than Tikrit
    archive.article("d", title="D", date="2016-01-04", body="Tikrit.")
    archive.article("e", title="E", date="2016-01-05", body="Iraq.")
    archive.article("f", title="F", date="2016-01-06", body="Nothing in common.")
    archive.build()
    # b: log(6/3) + log(6/3) = 1.39; c: log(6/2) = 1.10 for the rarer Mosul; d and e: log(6/3) = 0.69, newer first.
    assert more_on(archive, "a") == ["/articles/b/", "/articles/c/", "/articles/e/", "/articles/d/"]


def test_more_on_this_story_breaks_ties_by_the_newer_article_then_the_slug(archive):
    entity(archive, "mosul", "Mosul")
    archive.article("a", title="A", date="2016-01-01", body="Mosul.")
    for slug, date in (("c", "2016-02-01"), ("b", "2016-02-01"), ("d", "2016-03-01")):
        archive.article(slug, title=slug.upper(), date=date, body="Mosul.")
    archive.article("z", title="Z", date="2016-04-01", body="Nothing.")
    archive.build()
    assert more_on(archive, "a") == ["/articles/d/", "/articles/b/", "/articles/c/"]


def test_more_on_this_story_shows_five_articles_at_most_and_never_the_article_itself(archive):
    entity(archive, "mosul", "Mosul")
    for day in range(1, 9):
        archive.article(f"a{day}", title=f"A{day}", date=f"2016-01-0{day}", body="Mosul.")
    archive.article("z", title="Z", date="2016-04-01", body="Nothing.")
    archive.build()
    listed = more_on(archive, "a1")
    assert listed == [f"/articles/a{day}/" for day in (8, 7, 6, 5, 4)]


def test_an_article_sharing_no_entity_has_no_more_on_this_story(archive):
    entity(archive, "mosul", "Mosul")
    archive.article("a", title="A", body="Mosul.")
    archive.article("b", title="B", body="Elsewhere.")
    archive.build()
    assert page_of(archive, "b").select_one(".more-on-this-story") is None


def test_an_entity_more_than_the_common_limit_of_articles_involve_relates_no_articles(archive, monkeypatch):
    monkeypatch.setattr(related, "COMMON_LIMIT", 2)
    entity(archive, "iraq", "Iraq")
    entity(archive, "mosul", "Mosul")
    archive.article("a", title="A", body="Iraq.")
    archive.article("b", title="B", body="Iraq and Mosul.")
    archive.article("c", title="C", body="Iraq and Mosul.")
    archive.build()
    assert more_on(archive, "a") == []
    assert more_on(archive, "b") == ["/articles/c/"]


def test_listed_entities_relate_articles_as_mentioned_ones_do(archive):
    entity(archive, "mosul", "Mosul")
    archive.article("a", title="A", body="Nothing named.", entities="[mosul]")
    archive.article("b", title="B", body="Mosul.")
    archive.article("c", title="C", body="Elsewhere.")
    archive.build()
    assert more_on(archive, "a") == ["/articles/b/"]


def story(slug: str, day: int) -> Article:
    return Article(slug, slug, PublicationDate(dt.date(2016, 1, day), None), "", 1, SourcePos("x.md", 1))


def test_an_article_weighs_its_rarest_entities_first_while_their_articles_add_up_to_the_limit(monkeypatch):
    monkeypatch.setattr(related, "COMMON_LIMIT", 3)
    articles = [story(f"a{day}", day) for day in range(1, 9)]
    postings = {"rare": [(a, 1, None) for a in articles[:2]], "commoner": [(a, 1, None) for a in articles[:1] + articles[2:4]]}
    involved = {"a1": ["rare", "commoner"]}
    # "rare" (2 articles) fits the limit of 3; "commoner" (3 more) does not.
    assert related_articles(articles, involved, postings)["a1"] == ("a2",)


def test_an_edit_elsewhere_that_changes_the_list_re_renders_the_page(archive, rendered):
    entity(archive, "mosul", "Mosul")
    archive.article("a", title="A", date="2016-01-01", body="Mosul.")
    archive.article("b", title="B", date="2016-01-02", body="Mosul.")
    archive.article("c", title="C", date="2016-01-03", body="Elsewhere.")
    archive.article("d", title="D", date="2016-01-04", body="Nowhere.")
    builder = Builder(BuildOptions(root=archive.root, workers=1))
    builder.build(incremental=True)
    archive.article("c", title="C", date="2016-01-03", body="Mosul too.")
    builder.build(incremental=True)
    assert "articles/a/" in rendered
    assert more_on(archive, "a") == ["/articles/c/", "/articles/b/"]


# --- the entities an article names ------------------------------------------------------------


def test_in_this_article_headings_name_each_kind_in_the_plural(archive):
    entity(archive, "trump", "Donald Trump", kind="person")
    entity(archive, "nato", "NATO", kind="organization")
    entity(archive, "mosul", "Mosul")
    archive.article("a", body="Donald Trump, NATO and Mosul.")
    archive.build()
    section = page_of(archive, "a").select_one(".in-this-article")
    assert [h.get_text() for h in section.find_all("h3")] == ["People", "Organisations", "Places"]


# --- tags -------------------------------------------------------------------------------------


def tag_names_everywhere(archive, slug: str, tag_slug: str) -> set[str]:
    """How the tag reads on the article page, in its search filter, on the tag index and on its own page."""
    article = page_of(archive, slug)
    on_article = {a.get_text() for a in article.select(".tag-list a") if a["href"] == f"/tags/{tag_slug}/"}
    filters = {
        span["data-pagefind-filter"].removeprefix("tag:")
        for span in article.select("[data-pagefind-filter^='tag:']")
    }
    index = archive.html("tags/index.html")
    on_index = {a.get_text() for a in index.select(".tag-index a") if a["href"] == f"/tags/{tag_slug}/"}
    own = archive.html(f"tags/{tag_slug}/index.html").h1.contents[-1].strip()
    return on_article | ({name for name in filters if name.casefold().replace(" ", "-") == tag_slug}) | on_index | {own}


def test_a_tag_written_as_its_slug_shows_the_name_of_the_entity_of_that_id(archive):
    entity(archive, "islamic-state", "Islamic State", kind="organization")
    archive.article("a", tags="[islamic-state]")
    archive.build()
    assert tag_names_everywhere(archive, "a", "islamic-state") == {"Islamic State"}


def test_a_tag_written_as_its_slug_with_no_entity_shows_in_words(archive):
    archive.article("a", tags="[british-army]")
    archive.build()
    assert tag_names_everywhere(archive, "a", "british-army") == {"British army"}


def test_a_tag_spelled_in_words_by_one_article_shows_that_spelling_on_every_page(archive):
    archive.article("a", title="A", tags="[british-army]")
    archive.article("b", title="B", tags="[British Army]")
    archive.build()
    assert tag_names_everywhere(archive, "a", "british-army") == {"British Army"}


def test_a_tag_shows_the_spelling_most_articles_give_it(archive):
    archive.article("a", title="A", tags="[Iraq]")
    archive.article("b", title="B", tags="[Iraq]")
    archive.article("c", title="C", tags="[IRAQ]")
    archive.build()
    assert tag_names_everywhere(archive, "c", "iraq") == {"Iraq"}


# --- the home page's counts -------------------------------------------------------------------


def test_every_count_on_the_home_page_links_to_the_page_listing_what_it_counts(archive):
    entity(archive, "mosul", "Mosul")
    archive.write("content/glossary.toml", '[[term]]\nterm = "caliph"\ndefinition = "A ruler."\n')
    archive.write("content/timeline.toml", '[[event]]\ndate = 2014\ntitle = "Mosul falls"\n')
    archive.article("a", tags="[Iraq]", body="Mosul.")
    archive.build()
    counts = archive.html("index.html").select(".counts li")
    links = [(item.a["href"] if item.a else None, item.get_text(" ", strip=True)) for item in counts]
    assert links == [
        ("/archive/", "1 article"),
        ("/entities/", "1 entity"),
        ("/glossary/", "1 glossary term"),
        ("/timeline/", "1 timeline event"),
        ("/tags/", "1 tag"),
    ]


# --- external links ---------------------------------------------------------------------------


def test_only_links_that_leave_the_site_are_marked_external(archive):
    """The stylesheet marks `rel="external"` links with an arrow (see
    test_reader_browser.py): no link within the site may carry it."""
    archive.write("content/entities/mosul.md", '---\nname: Mosul\nkind: place\nlinks:\n  Wikipedia: "https://en.wikipedia.org/wiki/Mosul"\n---\n')
    archive.article("a", title="A", source="'The Telegraph'", url="https://example.com/story", body="Mosul.",
                    events='[{date: "2016-10-17", title: "Offensive"}]')  # fmt: skip
    archive.build()
    marked = []
    for path in ("articles/a/index.html", "entities/mosul/index.html", "timeline/index.html"):
        for link in archive.html(path).select("main a[href]"):
            # The citation gives the archive's own copy by its full address: that stays on the site.
            leaves = link["href"].startswith(("http://", "https://")) and not link["href"].startswith("https://example.org/")
            assert ("external" in link.get("rel", ())) == leaves, (path, link)
            marked += [link["href"]] if leaves else []
    # The original is linked from the byline and from the citation.
    assert marked == ["https://example.com/story", "https://example.com/story", "https://en.wikipedia.org/wiki/Mosul"]
