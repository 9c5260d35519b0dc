"""Search with Pagefind, read the way readers and Pagefind itself read it, under a /repo/ subpath."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.error
import urllib.request
from urllib.parse import urljoin, urlsplit

import pytest
from browser import chromium, serve
from bs4 import BeautifulSoup
from conftest import DEFAULT_SITE_TOML, Archive

BASE_URL = "https://example.org/repo/"
ENTITY = '---\nname: "Mosul"\nkind: place\nsummary: "A city in northern Iraq."\n---\nThe city on the Tigris.\n'
GLOSSARY = '[[term]]\nterm = "caliphate"\ncase_sensitive = false\ndefinition = "A state ruled by a *caliph*."\n'


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Archive:
    archive = Archive(tmp_path_factory.mktemp("search"))
    archive.write("site.toml", DEFAULT_SITE_TOML.replace("enabled = false", "enabled = true"))
    archive.write(
        "content/articles/2016-11-27-retreat.md",
        "---\ntitle: Retreat reveals plots\ndate: 2016-11-27\nsource: The Telegraph\ntags: [Iraq]\n"
        "summary: Plots uncovered.\n---\n\nTroops advanced on Mosul as the caliphate shrank.\n",
    )
    archive.write("content/entities/mosul.md", ENTITY)
    archive.write("content/glossary.toml", GLOSSARY)
    archive.result = archive.build(base_url=BASE_URL)
    return archive


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def references(url: str, body: bytes, content_type: str) -> list[str]:
    if content_type == "html":
        soup = BeautifulSoup(body.decode("utf-8"), "html.parser")
        values = [element.get(attribute) for attribute in ("href", "src", "action") for element in soup.find_all(attrs={attribute: True})]
        return [urljoin(url, value) for value in values]
    if content_type == "css":
        return [urljoin(url, value.strip("'\"")) for value in re.findall(r"url\(([^)]+)\)", body.decode("utf-8"))]
    return []


def test_the_bundle_goes_to_pagefind_not_underscore_pagefind(site):
    assert site.result.search is not None and site.result.search.records == 1
    assert (site.out / "pagefind/pagefind-ui.js").is_file()
    assert not (site.out / "_pagefind").exists()


def test_crawl_under_the_subpath_finds_no_404_and_no_url_outside_it(site):
    with serve(site.out, "/repo/") as root:
        origin = root[: -len("/repo/")]
        queue = [root]
        seen: set[str] = set()
        failures = []
        while queue:
            url = queue.pop().split("#")[0]
            if url in seen or urlsplit(url).netloc != urlsplit(root).netloc:
                continue
            seen.add(url)
            status, body = fetch(url)
            if status != 200:
                failures.append(f"{status} {url}")
                continue
            kind = "html" if url.endswith(("/", ".html")) else "css" if url.endswith(".css") else ""
            for found in references(url, body, kind):
                path = urlsplit(found).path
                if urlsplit(found).netloc == urlsplit(root).netloc:
                    assert path.startswith("/repo/"), f"{url} refers to {found}, outside /repo/"
                queue.append(found)
        assert failures == []
        assert f"{origin}/repo/pagefind/pagefind-ui.js" in seen
        assert len([u for u in seen if u.endswith("/")]) > 10


def test_search_page_finds_the_article_and_loads_every_pagefind_file_under_the_subpath(site):
    with serve(site.out, "/repo/") as root, chromium() as browser:
        page = browser.new_page()
        failed, requested = [], []
        page.on("request", lambda request: requested.append(request.url))
        page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.goto(root + "search/?q=Mosul")
        page.wait_for_selector(".pagefind-ui__result-link", timeout=15000)
        assert page.input_value(".pagefind-ui__search-input") == "Mosul"
        links = [a.get_attribute("href") for a in page.query_selector_all(".pagefind-ui__result-link")]
        assert "/repo/articles/retreat/" in links and "/repo/entities/mosul/" in links
        assert any("/repo/pagefind/" in url and url.endswith(".pf_meta") for url in requested)
        assert all(urlsplit(url).path.startswith("/repo/") for url in requested)
        assert failed == []


def test_the_index_holds_articles_entities_and_terms_with_their_filters(site):
    with serve(site.out, "/repo/") as root, chromium() as browser:
        page = browser.new_page()
        page.goto(root)
        index = page.evaluate(
            """async () => {
                const pagefind = await import('/repo/pagefind/pagefind.js');
                await pagefind.options({ baseUrl: '/repo/' });
                const all = await pagefind.search(null, { sort: { date: 'desc' }, filters: {} });
                const records = {};
                for (const result of (await pagefind.search('mosul')).results.concat((await pagefind.search('caliphate')).results)) {
                    const data = await result.data();
                    records[data.url] = { title: data.meta.title, date: data.meta.date || null, summary: data.meta.summary || null, filters: data.filters };
                }
                return { filters: await pagefind.filters(), records };
            }"""
        )
    article = index["records"]["/repo/articles/retreat/"]
    assert article["title"] == "Retreat reveals plots"
    assert article["date"] == "27 November 2016" and article["summary"] == "Plots uncovered."
    assert article["filters"] == {
        "type": ["article"], "year": ["2016"], "source": ["The Telegraph"], "tag": ["Iraq"], "entity": ["Mosul"],
    }
    assert index["records"]["/repo/entities/mosul/"]["filters"] == {"type": ["entity"], "kind": ["Place"]}
    term = index["records"]["/repo/glossary/#caliphate"]
    assert term["title"] == "caliphate" and term["filters"] == {"type": ["term"]}
    assert term["summary"] == "A state ruled by a caliph.", "the definition as plain text, without Markdown"
    assert index["filters"]["type"] == {"article": 1, "entity": 1, "term": 1}


def test_every_page_has_a_search_box_that_works_without_javascript(site):
    for name in ("index.html", "articles/retreat/index.html", "entities/mosul/index.html", "404.html"):
        form = site.html(name).find("form", role="search")
        assert form["action"] == "/repo/search/" and form["method"] == "get"
        assert form.find("input", attrs={"name": "q"})["type"] == "search"


def test_no_search_option_skips_the_index_and_says_so(site, tmp_path):
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "sitegen", "build", "--root", str(site.root), "--out", str(out), "--no-search"],
        capture_output=True, text=True, check=True,
    )
    assert "Search index skipped (--no-search)" in result.stdout
    assert not (out / "pagefind").exists()


def test_the_type_filter_narrows_the_results(site):
    with serve(site.out, "/repo/") as root, chromium() as browser:
        page = browser.new_page()
        page.goto(root + "search/?q=Mosul")
        page.wait_for_selector(".pagefind-ui__result-link", timeout=15000)
        everything = page.locator(".pagefind-ui__result-link").count()
        page.get_by_label("article", exact=False).first.check()
        page.wait_for_function(
            f"document.querySelectorAll('.pagefind-ui__result-link').length < {everything}", timeout=15000
        )
        links = [a.get_attribute("href") for a in page.query_selector_all(".pagefind-ui__result-link")]
        assert links == ["/repo/articles/retreat/"]
