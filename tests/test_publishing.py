"""What a host needs beside the pages: GitHub Pages markers, sitemap, robots.txt, feed, metadata."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

REPOSITORY = Path(__file__).resolve().parent.parent
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_every_build_writes_nojekyll_and_no_path_starts_with_an_underscore(archive):
    archive.article("a", title="A")
    archive.build()
    assert (archive.out / ".nojekyll").is_file()
    for path in archive.out.rglob("*"):
        parts = path.relative_to(archive.out).parts
        assert not any(part.startswith("_") for part in parts), path


def test_sitemap_lists_every_page_with_absolute_urls_but_not_the_404_page(archive):
    archive.article("a", title="A", date="2020-05-17", updated="2020-06-01")
    archive.build(base_url="https://example.org/repo/")
    root = ET.parse(archive.out / "sitemap.xml").getroot()
    entries = {u.find(f"{SITEMAP}loc").text: u.find(f"{SITEMAP}lastmod") for u in root.findall(f"{SITEMAP}url")}
    assert "https://example.org/repo/" in entries
    assert entries["https://example.org/repo/articles/a/"].text == "2020-06-01"
    assert all(url.startswith("https://example.org/repo/") for url in entries)
    assert not any("404" in url for url in entries)


def test_robots_txt_points_at_the_sitemap(archive):
    archive.build(base_url="https://example.org/repo/")
    lines = (archive.out / "robots.txt").read_text().splitlines()
    assert "Sitemap: https://example.org/repo/sitemap.xml" in lines


def test_feed_is_atom_with_the_latest_fifty_articles(archive):
    for day in range(1, 56):
        archive.article(f"a{day:02d}", title=f"Article {day:02d}", date=f"2020-03-{day % 28 + 1:02d}" if day > 28 else f"2020-02-{day:02d}")
    archive.build()
    feed = ET.parse(archive.out / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{required}").text
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == "https://example.org/feed.xml"
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 50
    for entry in entries:
        assert entry.find(f"{ATOM}id").text.startswith("https://example.org/articles/")
        assert entry.find(f"{ATOM}updated").text.endswith("Z")
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href") == entry.find(f"{ATOM}id").text
    assert feed.find(f"{ATOM}updated").text == max(e.find(f"{ATOM}updated").text for e in entries)


def test_feed_updated_comes_from_the_content_not_the_clock(archive):
    archive.article("a", title="A", date="2019-01-02T10:00:00+02:00")
    archive.build()
    feed = ET.parse(archive.out / "feed.xml").getroot()
    assert feed.find(f"{ATOM}updated").text == "2019-01-02T10:00:00+02:00"


def test_cname_is_written_only_when_configured(archive):
    archive.build()
    assert not (archive.out / "CNAME").exists()
    archive.write("site.toml", archive.root.joinpath("site.toml").read_text().replace("[search]", 'cname = "archive.example.org"\n\n[search]'))
    archive.build()
    assert (archive.out / "CNAME").read_text() == "archive.example.org\n"


def test_every_page_has_canonical_url_description_and_open_graph(archive):
    archive.article("a", title="A", summary="'About A.'")
    archive.build()
    for html_file in sorted(archive.out.rglob("*.html")):
        if html_file.name == "404.html":
            continue
        page = archive.html(html_file.relative_to(archive.out).as_posix())
        canonical = page.find("link", rel="canonical")["href"]
        assert canonical.startswith("https://example.org/"), html_file
        assert page.find("meta", attrs={"name": "description"})["content"], html_file
        assert page.find("meta", property="og:url")["content"] == canonical
        assert page.find("meta", property="og:title")["content"]
    article = archive.html("articles/a/index.html")
    assert article.find("meta", property="og:type")["content"] == "article"
    assert article.find("meta", property="og:description")["content"] == "About A."


def test_not_found_page_links_work_from_any_depth_under_the_subpath(archive):
    archive.build(base_url="https://example.org/repo/")
    page = archive.html("404.html")
    for element in page.find_all(href=True) + page.find_all(src=True):
        value = element.get("href") or element.get("src")
        assert value.startswith(("/repo/", "#")), value


def test_search_can_be_turned_off_in_site_toml_and_the_build_says_so(archive):
    archive.article("a", title="A")
    result = archive.build()
    assert result.search is None and result.search_skipped_because == "[search] enabled = false"
    assert not (archive.out / "pagefind").exists()
    assert not (archive.out / "search").exists()
    assert archive.html("index.html").find("form", role="search") is None


def test_pages_workflow_builds_with_the_base_url_from_the_pages_configuration():
    workflow = yaml.safe_load((REPOSITORY / ".github/workflows/pages.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    configure = next(step for step in steps if str(step.get("uses", "")).startswith("actions/configure-pages"))
    build = next(step for step in steps if "sitegen build" in step.get("run", ""))
    assert f"steps.{configure['id']}.outputs.base_url" in build["run"]
    upload = next(step for step in steps if str(step.get("uses", "")).startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "_site"
    assert workflow["permissions"]["pages"] == "write" and workflow["permissions"]["id-token"] == "write"
    assert any(str(step.get("uses", "")).startswith("actions/deploy-pages") for step in workflow["jobs"]["deploy"]["steps"])


def test_an_empty_feed_takes_its_date_from_source_date_epoch_not_the_clock(archive, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    archive.build()
    feed = ET.parse(archive.out / "feed.xml").getroot()
    assert feed.find(f"{ATOM}updated").text == "1970-01-02T00:00:00Z"


def test_robots_txt_gives_the_sitemap_address_as_written_not_escaped_as_html(archive):
    archive.build(base_url="https://example.org/rock&roll's/")
    lines = (archive.out / "robots.txt").read_text().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Sitemap: https://example.org/rock&roll's/sitemap.xml" in lines
