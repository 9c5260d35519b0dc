"""Following an entity or a tag: an Atom feed of each, linked from its page."""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import xml.etree.ElementTree as ET

import feedparser

from sitegen.engine.builder import Builder, BuildOptions
from sitegen.model.urls import Urls
from sitegen.pipeline import feeds
from sitegen.pipeline.config import parse_settings
from sitegen.pipeline.feeds import site_feed
from conftest import DEFAULT_SITE_TOML

ATOM = "{http://www.w3.org/2005/Atom}"
MOSUL = '---\nname: "Mosul"\nkind: place\nsummary: "A city on the Tigris."\n---\n'


def mosul_archive(archive, articles: int = 3) -> None:
    """Mosul, named by `articles` articles tagged iraq (one a day from 2020-01-01), and one article about neither."""
    archive.write("content/entities/mosul.md", MOSUL)
    for number in range(articles):
        archive.article(f"a{number:03d}", title=f"Article {number}", date=f"2020-01-{number % 28 + 1:02d}" if number < 28
                        else f"2020-{number // 28 + 1:02d}-{number % 28 + 1:02d}", tags="[iraq]", body="Fighting in Mosul.")  # fmt: skip
    archive.article("elsewhere", title="Elsewhere", date="2021-06-01", tags="[syria]", body="Nothing about that city.")


def parsed(archive, relative: str) -> feedparser.FeedParserDict:
    """The feed as a feed reader reads it; it must be well-formed Atom."""
    feed = feedparser.parse((archive.out / relative).read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def atom(archive, relative: str) -> ET.Element:
    root = ET.parse(archive.out / relative).getroot()
    assert root.tag == f"{ATOM}feed"
    return root


def assert_has_every_required_element(root: ET.Element) -> None:
    """What RFC 4287 requires of a feed and of each entry."""
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}").text, required
    assert root.find(f"{ATOM}author/{ATOM}name").text
    for entry in root.findall(f"{ATOM}entry"):
        for required in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{required}").text, required
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href")


def assert_valid_feed_of_the_three_articles(archive, relative: str, title: str, page_url: str) -> None:
    """The feed at `relative` is valid Atom titled `title`, linking `page_url`, and lists
    the three articles of `mosul_archive`, newest first."""
    feed = parsed(archive, relative)
    assert feed.feed.title == title
    assert feed.feed.link == page_url
    assert [entry.title for entry in feed.entries] == ["Article 2", "Article 1", "Article 0"]
    assert_has_every_required_element(atom(archive, relative))


def test_an_entity_feed_is_valid_atom_listing_the_articles_that_mention_it(archive):
    mosul_archive(archive)
    archive.build()
    assert_valid_feed_of_the_three_articles(archive, "entities/mosul/feed.xml", "Test Archive: Mosul", "https://example.org/entities/mosul/")


def test_an_entity_feed_lists_articles_that_only_list_the_entity(archive):
    archive.write("content/entities/mosul.md", MOSUL)
    archive.article("listed", title="Listed", entities="[mosul]", body="The city is not named here.")
    archive.build()
    assert [entry.title for entry in parsed(archive, "entities/mosul/feed.xml").entries] == ["Listed"]


def test_a_tag_feed_is_valid_atom_listing_the_articles_it_tags(archive):
    mosul_archive(archive)
    archive.build()
    assert_valid_feed_of_the_three_articles(archive, "tags/iraq/feed.xml", "Test Archive: Iraq", "https://example.org/tags/iraq/")


def test_an_article_writing_one_tag_in_two_spellings_is_one_entry_of_its_feed(archive):
    archive.article("both", title="Both", tags="[Iraq, IRAQ, iraq]")
    archive.build()
    assert [entry.title for entry in parsed(archive, "tags/iraq/feed.xml").entries] == ["Both"]


def test_a_feed_holds_the_fifty_newest_articles_newest_first(archive):
    mosul_archive(archive, articles=55)
    archive.build()
    for relative in ("entities/mosul/feed.xml", "tags/iraq/feed.xml"):
        entries = parsed(archive, relative).entries
        assert len(entries) == 50
        assert entries[0].title == "Article 54" and entries[-1].title == "Article 5"
        published = [entry.published for entry in entries]
        assert published == sorted(published, reverse=True)


def test_ids_are_the_urls_of_the_feed_and_of_each_article(archive):
    mosul_archive(archive, articles=1)
    archive.build(base_url="https://example.org/repo/")
    root = atom(archive, "entities/mosul/feed.xml")
    assert root.find(f"{ATOM}id").text == "https://example.org/repo/entities/mosul/feed.xml"
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "https://example.org/repo/entities/mosul/feed.xml"
    entry = root.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}id").text == "https://example.org/repo/articles/a000/"
    assert entry.find(f"{ATOM}link[@rel='alternate']").get("href") == "https://example.org/repo/articles/a000/"


def test_a_feed_is_updated_when_its_newest_entry_is_not_when_the_site_is(archive):
    archive.write("content/entities/mosul.md", MOSUL)
    archive.article("old", title="Old", date="2019-01-02", updated="2019-03-04T10:00:00+02:00", body="Mosul.")
    archive.article("new", title="New", date="2021-01-01", body="Not that city.")
    archive.build()
    assert atom(archive, "entities/mosul/feed.xml").find(f"{ATOM}updated").text == "2019-03-04T10:00:00+02:00"
    assert atom(archive, "feed.xml").find(f"{ATOM}updated").text == "2021-01-01T00:00:00Z"


def test_an_entity_no_article_mentions_has_an_empty_feed_dated_without_the_clock(archive, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    archive.write("content/entities/mosul.md", MOSUL)
    archive.build()
    feed = parsed(archive, "entities/mosul/feed.xml")
    assert feed.entries == []
    assert atom(archive, "entities/mosul/feed.xml").find(f"{ATOM}updated").text == "1970-01-02T00:00:00Z"


def test_a_source_date_epoch_of_spaces_is_no_epoch_for_an_empty_feed_either(archive, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "  ")  # as the access date of citations reads it: not set
    archive.write("content/entities/mosul.md", MOSUL)
    archive.build()
    assert atom(archive, "entities/mosul/feed.xml").find(f"{ATOM}updated").text == "1970-01-01T00:00:00Z"


def test_an_empty_feed_is_dated_by_the_settings_whatever_the_environment(monkeypatch):
    settings = parse_settings(DEFAULT_SITE_TOML).with_environment({"SOURCE_DATE_EPOCH": "86400"}, dt.date(2026, 1, 1))
    urls = Urls(settings.site.base_url, settings.base_path)
    feeds = []
    for environment in ("0", "172800", "no time"):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", environment)
        feeds.append(site_feed((), settings, urls))
    assert [feed.data["updated"] for feed in feeds] == ["1970-01-02T00:00:00Z"] * 3
    assert feeds[0] == feeds[1] == feeds[2]


def test_the_feeds_stage_reads_nothing_from_the_environment():
    imported = {node.names[0].name for node in ast.walk(ast.parse(inspect.getsource(feeds))) if isinstance(node, ast.Import)}
    assert "os" not in imported
    assert "environ" not in inspect.getsource(feeds)


def test_titles_and_summaries_from_the_content_are_escaped(archive):
    archive.write("content/entities/mosul.md", '---\nname: "Mosul <b>& co</b>"\nkind: place\nsummary: "A & B <i>"\n---\n')
    archive.article("x", title="<script>alert(1)</script> & more", summary='"Tom & <b>Jerry</b>"', entities="[mosul]")
    archive.build()
    root = atom(archive, "entities/mosul/feed.xml")  # raises on malformed XML
    assert root.find(f"{ATOM}title").text == "Test Archive: Mosul <b>& co</b>"
    assert root.find(f"{ATOM}subtitle").text == "A & B <i>"
    entry = root.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "<script>alert(1)</script> & more"
    assert entry.find(f"{ATOM}summary").text == "Tom & <b>Jerry</b>"
    assert list(entry.find(f"{ATOM}title")) == []  # text, not markup
    parsed(archive, "entities/mosul/feed.xml")


def test_the_entity_page_links_its_feed_in_the_head_and_for_readers(archive):
    mosul_archive(archive, articles=1)
    archive.build(base_url="https://example.org/repo/")
    page = archive.html("entities/mosul/index.html")
    feeds = {link["href"]: link["title"] for link in page.find_all("link", rel="alternate", type="application/atom+xml")}
    assert feeds["/repo/entities/mosul/feed.xml"] == "Test Archive: Mosul"
    assert "/repo/feed.xml" in feeds  # the site's own feed stays
    follow = page.find("a", class_="follow-feed")
    assert follow.get_text(strip=True) == "Follow Mosul (Atom feed)"
    assert follow["href"] == "/repo/entities/mosul/feed.xml"


def test_the_tag_page_links_its_feed_in_the_head_and_for_readers(archive):
    mosul_archive(archive, articles=1)
    archive.build()
    page = archive.html("tags/iraq/index.html")
    assert page.find("link", rel="alternate", href="/tags/iraq/feed.xml")["type"] == "application/atom+xml"
    follow = page.find("a", class_="follow-feed")
    assert follow.get_text(strip=True) == "Follow Iraq (Atom feed)"
    assert follow["href"] == "/tags/iraq/feed.xml"


def test_feeds_are_not_in_the_sitemap(archive):
    mosul_archive(archive, articles=1)
    archive.build()
    sitemap = ET.parse(archive.out / "sitemap.xml").getroot()
    locations = [loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://example.org/entities/mosul/" in locations
    assert not [url for url in locations if url.endswith(".xml")]


def test_a_rebuild_of_the_same_sources_writes_the_same_feeds(archive):
    mosul_archive(archive)
    archive.build()
    first = {p: (archive.out / p).read_bytes() for p in ("entities/mosul/feed.xml", "tags/iraq/feed.xml")}
    archive.build(cache=False)
    assert {p: (archive.out / p).read_bytes() for p in first} == first


def watching(archive) -> Builder:
    """A builder as `sitegen watch` keeps it, after its first build."""
    builder = Builder(BuildOptions(root=archive.root, workers=1))
    builder.build(incremental=True)
    return builder


def test_an_edit_to_an_articles_title_renders_again_only_the_feeds_that_list_it(archive, rendered):
    mosul_archive(archive)
    builder = watching(archive)
    rendered.clear()
    archive.article("a001", title="Article one", date="2020-01-02", tags="[iraq]", body="Fighting in Mosul.")
    builder.build(incremental=True)
    assert sorted(path for path in rendered if path.endswith(".xml")) == ["entities/mosul/feed.xml", "feed.xml", "tags/iraq/feed.xml"]
    assert [entry.title for entry in parsed(archive, "entities/mosul/feed.xml").entries][1] == "Article one"


def test_an_edit_to_an_articles_body_renders_no_feed_again(archive, rendered):
    mosul_archive(archive)
    builder = watching(archive)
    rendered.clear()
    archive.article("a001", title="Article 1", date="2020-01-02", tags="[iraq]", body="Fighting in Mosul, street by street.")
    builder.build(incremental=True)
    assert [path for path in rendered if path.endswith(".xml")] == []


def test_an_empty_feed_follows_source_date_epoch_from_one_rebuild_to_the_next(archive, monkeypatch):
    archive.write("content/entities/mosul.md", MOSUL)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    builder = watching(archive)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "172800")
    archive.article("elsewhere", title="Elsewhere", body="Nothing about that city.")
    builder.build(incremental=True)
    assert atom(archive, "entities/mosul/feed.xml").find(f"{ATOM}updated").text == "1970-01-03T00:00:00Z"
