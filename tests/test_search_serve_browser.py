"""Search under `sitegen serve` while an edit is indexed again, in Chromium.

`sitegen serve` rebuilds the pages after a save and then refreshes the search
index in the background: only the edited article's shard is indexed again,
and the new index is swapped in whole. A reader searching meanwhile gets the
old index or the new one, each whole: never an error, a failed request for
a Pagefind file, or a list that mixes the two; once the refresh is done,
the new word finds the article, in one list with the hits of other shards.
"""

from __future__ import annotations

import contextlib
import json
import re
import time

import search_page
from browser import chromium
from conftest import DEFAULT_SITE_TOML, Archive, article_text
from test_serve import Server, sitegen_serve

BASE_URL = "https://example.org/repo/"
# (file name, title, date, body): with two pages a shard, each year is a shard of its own.
ARTICLES = [
    ("2015-03-01-dock", "Dock strike", "2015-03-01", "The harbour closed."),
    ("2016-06-05-cranes", "Cranes rise", "2016-06-05", "Cranes over the harbour; a zeppelin passed."),
    ("2016-01-15-market", "Market day", "2016-01-15", "A market by the harbour."),
    ("2017-09-30-storm", "Storm damage", "2017-09-30", "A storm hit the harbour."),
]
EVERY_ARTICLE = sorted(["/repo/articles/dock/", "/repo/articles/cranes/", "/repo/articles/market/", "/repo/articles/storm/"])
ZEPPELIN_BEFORE = ["/repo/articles/cranes/"]
ZEPPELIN_AFTER = ["/repo/articles/cranes/", "/repo/articles/storm/"]
REFRESHED = r"^Search index refreshed"


def make_archive(root) -> Archive:
    archive = Archive.create(
        root, DEFAULT_SITE_TOML.replace("https://example.org/", BASE_URL).replace("enabled = false", "enabled = true\nshard_pages = 2")
    )
    for name, title, date, body in ARTICLES:
        archive.write(f"content/articles/{name}.md", article_text(title=title, date=date, body=body))
    return archive


def edit_the_storm(archive: Archive) -> None:
    """A new word in the 2017 article: only the shard articles-2017 changes."""
    name, title, date, body = ARTICLES[-1]
    archive.write(f"content/articles/{name}.md", article_text(title=title, date=date, body=body + " A zeppelin came down."))


def refreshes(server: Server) -> int:
    return sum(1 for line in server.stdout if re.match(REFRESHED, line))


def wait_for_refreshes(server: Server, count: int, timeout: float = 60.0) -> None:
    """Until the server has said `count` times that it refreshed the index."""
    deadline = time.monotonic() + timeout
    while refreshes(server) < count:
        assert server.process.poll() is None and time.monotonic() < deadline, (server.stdout, server.stderr)
        time.sleep(0.05)


class Reader:
    """Pages of one browser context, recording every console error and every
    request for a Pagefind file that failed or was refused."""

    def __init__(self, browser, root: str, live_reload: bool = True):
        self.root = root
        self.context = browser.new_context()
        self.problems: list[str] = []
        if not live_reload:  # the page's long poll never answers: it keeps the index it loaded
            self.context.route("**/__sitegen/status*", lambda route: None)

    def request_failed(self, request) -> None:
        # A page closed or reloaded (by live reload) while loading cancels its requests: not a failure of the server.
        if "/pagefind/" in request.url and request.failure != "net::ERR_ABORTED":
            self.problems.append(f"failed ({request.failure}): {request.url}")

    def open(self, query: str):
        page = self.context.new_page()
        page.on("console", lambda message: message.type == "error" and self.problems.append(f"console: {message.text}"))
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", self.request_failed)
        page.on("response", lambda response: "/pagefind/" in response.url and response.status >= 400 and self.problems.append(f"{response.status}: {response.url}"))
        page.goto(f"{self.root}search/?q={query}")
        return page

    def search(self, query: str) -> list[str]:
        """The results of `query` on a search page opened for it (a new index loaded)."""
        page = self.open(query)
        try:
            return search_page.result_links(page)
        finally:
            page.close()


def search_again(page, query: str) -> list[str]:
    """The results of `query` typed in a search page that is already open (its index loaded)."""
    page.fill(search_page.INPUT, query)
    page.wait_for_function(
        "query => new URLSearchParams(location.search).get('q') === query && "
        "document.querySelector('#search').getAttribute('data-state') === 'done'",
        arg=query,
        timeout=15000,
    )
    return search_page.result_links(page)


@contextlib.contextmanager
def serving(tmp_path):
    archive = make_archive(tmp_path / "site")
    with sitegen_serve(archive) as server, chromium() as browser:
        wait_for_refreshes(server, 1)  # the first index
        yield archive, server, browser


def test_an_edit_is_found_by_search_once_its_shard_is_indexed_again_with_the_hits_of_other_shards(tmp_path):
    with serving(tmp_path) as (archive, server, browser):
        manifest = json.loads((archive.out / "pagefind/shards.json").read_text(encoding="utf-8"))
        assert [shard["name"] for shard in manifest["shards"]] == ["articles-2015", "articles-2016", "articles-2017"]
        reader = Reader(browser, server.url)
        assert reader.search("zeppelin") == ZEPPELIN_BEFORE
        edit_the_storm(archive)
        server.wait_for(r"^Build 2 ")
        before = reader.search("zeppelin")
        if refreshes(server) < 2:  # the page is rebuilt, its shard not yet indexed again
            assert before in (ZEPPELIN_BEFORE, ZEPPELIN_AFTER)
        wait_for_refreshes(server, 2)
        assert reader.search("zeppelin") == ZEPPELIN_AFTER
        assert reader.search("harbour") == EVERY_ARTICLE
    assert reader.problems == []


def test_a_page_open_during_the_refresh_reloads_with_the_new_index(tmp_path):
    with serving(tmp_path) as (archive, server, browser):
        reader = Reader(browser, server.url)
        page = reader.open("zeppelin")
        assert search_page.result_links(page) == ZEPPELIN_BEFORE
        edit_the_storm(archive)
        wait_for_refreshes(server, 2)
        search_page.wait_for_results(page, ZEPPELIN_AFTER)
        assert search_page.result_links(page) == ZEPPELIN_AFTER
    assert reader.problems == []


def test_searches_during_the_refresh_get_the_old_index_or_the_new_one_each_whole(tmp_path):
    with serving(tmp_path) as (archive, server, browser):
        held = Reader(browser, server.url, live_reload=False)  # pages that keep the index they loaded
        polling, waiting = held.open("zeppelin"), held.open("zeppelin")
        assert search_page.result_links(polling) == search_page.result_links(waiting) == ZEPPELIN_BEFORE
        fresh = Reader(browser, server.url, live_reload=False)  # a page opened for each search
        edit_the_storm(archive)
        answers, polls_after = [], 0
        while polls_after < 3:
            done = refreshes(server) >= 2
            answers.append(("polling", "harbour", search_again(polling, "harbour")))
            answers.append(("polling", "zeppelin", search_again(polling, "zeppelin")))
            answers.append(("fresh", "zeppelin", fresh.search("zeppelin")))
            polls_after += done
        # A page that loaded the index before the refresh first asks for the results' files after it.
        answers.append(("waiting", "harbour", search_again(waiting, "harbour")))
        answers.append(("waiting", "zeppelin", search_again(waiting, "zeppelin")))
    for reader, query, links in answers:
        if query == "harbour":
            assert links == EVERY_ARTICLE, (reader, query, links)
        elif reader == "fresh":
            assert links in (ZEPPELIN_BEFORE, ZEPPELIN_AFTER), links
        else:
            assert links == ZEPPELIN_BEFORE, f"the {reader} page keeps searching the index it loaded, whole"
    fresh_answers = [links for reader, _, links in answers if reader == "fresh"]
    first_new = fresh_answers.index(ZEPPELIN_AFTER)
    assert all(links == ZEPPELIN_AFTER for links in fresh_answers[first_new:]), "once the new index is in, never the old one"
    assert held.problems == [] and fresh.problems == []
