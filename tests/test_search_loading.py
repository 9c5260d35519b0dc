"""What the search page loads of an index in shards: only what a search needs.

The build writes, beside the manifest, the counts of every filter over the
whole archive (filters.json), and lists in the manifest the types, years and
kinds each shard holds: the page shows its filters before a search without
loading any shard, a search with one of those filters loads only the shards
holding its values, and a search of many shards shows the first shards'
results while the others load.
"""

from __future__ import annotations

import json
import re

import pytest
from browser import serve
from conftest import DEFAULT_SITE_TOML, Archive, article_text
from search_index import filter_files
from search_page import INPUT, RESULT_LINK, STATUS, filter_checkbox, filter_counts, hrefs, open_filter, result_count, result_links, target, wait_until_done
from test_search_shards import BASE_URL, SHARDS, expected_counts, sharded_archive


@pytest.fixture(scope="module")
def sharded(tmp_path_factory) -> Archive:
    archive = sharded_archive(tmp_path_factory.mktemp("loading") / "site")
    archive.build(base_url=BASE_URL)
    return archive


def whole_archive_counts() -> dict[str, dict[str, int]]:
    counts = expected_counts()  # those of "harbour", found everywhere but in one glossary term
    counts["type"]["term"] = 2
    return counts


def shards_requested(requests: list[str]) -> set[str]:
    """The shards whose files the page asked for, by name."""
    names = set()
    for url in requests:
        match = re.search(r"/repo/pagefind/([^/?]+)/", url)
        if match:
            names.add(match.group(1))
    return names


def filters_fetched(archive: Archive, requests: list[str]) -> list[tuple[str, str]]:
    """The filter files the page asked for: (shard, the filter the file holds), sorted."""
    files = filter_files(archive.out / "pagefind")
    relative = [url.split("/repo/pagefind/", 1)[1].split("?")[0] for url in requests if "/repo/pagefind/" in url]
    return sorted((path.split("/", 1)[0], files[path]) for path in relative if path in files)


def open_recording(browser, root: str, path: str):
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(root + path)
    return page, requests


# --- what the build writes ------------------------------------------------------------------


def test_filters_json_counts_every_filter_value_over_the_whole_archive(sharded):
    totals = json.loads((sharded.out / "pagefind/filters.json").read_text(encoding="utf-8"))
    assert totals == {"filters": whole_archive_counts()}


def test_the_manifest_lists_the_types_years_and_kinds_each_shard_holds(sharded):
    manifest = json.loads((sharded.out / "pagefind/shards.json").read_text(encoding="utf-8"))
    held = {shard["name"]: shard["filters"] for shard in manifest["shards"]}
    assert list(held) == SHARDS
    assert held["articles-2016-1"] == {"kind": [], "type": ["article"], "year": ["2016"]}
    assert held["site-1"] == {"kind": ["Organisation", "Place"], "type": ["entity"], "year": []}
    assert held["site-2"] == {"kind": [], "type": ["term"], "year": []}


# --- what the page loads --------------------------------------------------------------------


def test_before_a_search_the_filters_show_the_whole_archive_counts_without_loading_a_shard(sharded, browser):
    with serve(sharded.out, "/repo/") as root:
        page, requests = open_recording(browser, root, "search/")
        wait_until_done(page)
        counts = filter_counts(page)
    assert counts == whole_archive_counts()
    assert shards_requested(requests) == set()


def test_a_search_for_one_year_loads_only_the_shards_of_that_year(sharded, browser):
    with serve(sharded.out, "/repo/") as root:
        page, requests = open_recording(browser, root, "search/")
        wait_until_done(page)
        filter_checkbox(page, "year", "2016").check()
        page.wait_for_selector(f"{STATUS}[data-total]", timeout=15000)
        links = result_links(page)
    assert links == ["/repo/articles/cranes/", "/repo/articles/ships/", "/repo/articles/storm/"]
    assert shards_requested(requests) == {"articles-2016-1", "articles-2016-2"}


def test_a_search_for_entities_loads_only_the_shard_of_the_entity_pages(sharded, browser):
    with serve(sharded.out, "/repo/") as root:
        page, requests = open_recording(browser, root, "search/")
        wait_until_done(page)
        filter_checkbox(page, "type", "entity").check()
        page.wait_for_selector(f"{STATUS}[data-total]", timeout=15000)
        links = result_links(page)
    assert links == ["/repo/entities/mosul/", "/repo/entities/nato/"]
    assert shards_requested(requests) == {"site-1"}


FILLER = " ".join(f"m{n:05}" for n in range(12_000))  # words between "harbour" and "storm": two index chunks a shard


@pytest.fixture(scope="module")
def chunked(tmp_path_factory) -> Archive:
    """Three years, a shard each, whose words "harbour" and "storm" are in different index chunks."""
    archive = Archive.create(tmp_path_factory.mktemp("chunked"), DEFAULT_SITE_TOML.replace("enabled = false", "enabled = true\nshard_pages = 1"))
    for year in (2015, 2016, 2017):
        archive.article(f"news-{year}", title=f"News {year}", date=f"{year}-05-01", body=f"The harbour and the storm. {FILLER}")
    archive.build(base_url=BASE_URL)
    return archive


def tick_year(page, year: str, total: int) -> None:
    """Ticks the filter of `year` and waits until the page has counted its `total` results and is done."""
    filter_checkbox(page, "year", year).check()
    page.wait_for_function(f"document.querySelector({STATUS!r}).getAttribute('data-total') === '{total}'", timeout=15000)
    wait_until_done(page)


def test_a_search_with_a_year_asks_only_that_years_shards_even_after_a_search_of_every_shard(chunked, browser):
    """The first query loads every shard; with the year ticked, a word of
    another index chunk is looked up in the shard of that year only."""
    with serve(chunked.out, "/repo/") as root:
        page, requests = open_recording(browser, root, "search/?q=harbour")
        result_count(page)
        tick_year(page, "2016", 1)
        loaded = shards_requested(requests)
        requests.clear()
        page.fill(INPUT, "storm")
        page.wait_for_function("new URLSearchParams(location.search).get('q') === 'storm'", timeout=15000)
        links = result_links(page)
    assert loaded == {"articles-2015", "articles-2016", "articles-2017"}
    assert links == ["/repo/articles/news-2016/"]
    assert shards_requested(requests) == {"articles-2016"}


# Notes what the page asks Pagefind's shared worker: each instance made ("init") and each bundle merged into one.
COUNT_WORKER_MESSAGES = """
window.workerMessages = [];
const post = Worker.prototype.postMessage;
Worker.prototype.postMessage = function (message, ...rest) {
  if (message && message.method) window.workerMessages.push([message.method, message.instanceId]);
  return post.call(this, message, ...rest);
};
"""


def test_the_parts_of_a_year_are_searched_by_one_instance(sharded, browser):
    """One instance a year (2016 is cut in two shards, merged into one) and one a site shard."""
    with serve(sharded.out, "/repo/") as root:
        page = browser.new_page()
        page.add_init_script(COUNT_WORKER_MESSAGES)
        page.goto(root + "search/?q=harbour")
        result_count(page)
        messages = page.evaluate("window.workerMessages")
    assert len({instance for method, instance in messages if method == "init"}) == 5
    assert len([instance for method, instance in messages if method == "mergeIndex"]) == 1


def test_a_search_of_every_shard_fetches_pagefinds_webassembly_once(sharded, browser):
    with serve(sharded.out, "/repo/") as root:
        page, requests = open_recording(browser, root, "search/?q=harbour")
        result_count(page)
    fetched = [url for url in requests if url.rsplit("/", 1)[1].startswith("wasm.")]
    assert len(fetched) == 1


def test_every_shard_holds_the_same_webassembly(sharded):
    """What lets the page take it once for every shard."""
    files = sorted((sharded.out / "pagefind").glob("*/wasm.*.pagefind"))
    assert len({path.parent for path in files}) == 6
    assert len({(path.name, path.read_bytes()) for path in files}) == len({path.name for path in files})


def test_a_search_with_a_year_counts_the_other_filters_over_that_years_shards_together(sharded, browser):
    with serve(sharded.out, "/repo/") as root:
        page, _ = open_recording(browser, root, "search/?q=harbour")
        result_count(page)
        tick_year(page, "2016", 3)
        for name in ("entity", "tag", "source"):
            open_filter(page, name)
        counts = filter_counts(page)
    assert counts == {
        "type": {"article": 3},
        "year": {"2015": 1, "2016": 3, "2017": 1},  # the search before the tick counted every year: each is an alternative
        "entity": {"NATO": 1},
        "tag": {"Trade": 2, "Labour": 1, "Weather": 1},
        "source": {"The Telegraph": 2, "The Times": 1},
    }


def test_the_results_of_every_shard_are_one_list_ranked_by_score(tmp_path, browser):
    """The oldest year's shard is asked last, and holds the page that says the word most."""
    archive = Archive.create(tmp_path / "site", DEFAULT_SITE_TOML.replace("enabled = false", "enabled = true\nshard_pages = 1"))
    archive.article("often", title="Often", date="2015-01-01", body="Harbour, harbour: the harbour.")
    archive.article("once", title="Once", date="2016-01-01", body="A long report on trade, the weather, ships and cranes, and once the harbour.")
    archive.article("twice", title="Twice", date="2017-01-01", body="The harbour and ships, cranes and the harbour again.")
    archive.build(base_url=BASE_URL)
    with serve(archive.out, "/repo/") as root:
        page, _ = open_recording(browser, root, "search/?q=harbour")
        result_count(page)
        ranked = hrefs(page)
    assert ranked == ["/repo/articles/often/", "/repo/articles/twice/", "/repo/articles/once/"]


def tag_filter_names(tmp_path, tags: str, browser) -> tuple[list[str], int, dict]:
    """The names the search page lists under its tag filter before a search, for
    an archive whose first article has `tags` and whose second has the tag
    Trade; how many img or b elements the search holds; and filters.json's counts."""
    archive = Archive.create(tmp_path / "site", DEFAULT_SITE_TOML.replace("enabled = false", "enabled = true\nshard_pages = 1"))
    archive.article("one", title="One", date="2015-01-01", body="Harbour.", tags=tags)
    archive.article("two", title="Two", date="2016-01-01", body="Harbour.", tags="[Trade]")
    archive.build(base_url=BASE_URL)
    with serve(archive.out, "/repo/") as root:
        page, _ = open_recording(browser, root, "search/")
        wait_until_done(page)
        names = page.eval_on_selector_all('#search [data-filter="tag"] .search-filter-name', "names => names.map(n => n.textContent)")
        markup = page.locator("#search img, #search b").count()
    totals = json.loads((archive.out / "pagefind/filters.json").read_text(encoding="utf-8"))["filters"]
    return names, markup, totals


def test_filter_values_from_the_content_are_shown_as_text_before_a_search(tmp_path, browser):
    names, markup, totals = tag_filter_names(tmp_path, '["<img src=x onerror=alert(1)>"]', browser)
    assert len(names) == len(totals["tag"]) and sorted(names) == ["<img src=x onerror=alert(1)>", "Trade"]  # as written, as text
    assert markup == 0


def test_a_tag_with_markup_characters_is_shown_as_written(tmp_path, browser):
    names, markup, _ = tag_filter_names(tmp_path, '["R&D", "<b>bold</b>", "say \\"hi\\"", "toString"]', browser)
    assert sorted(names) == ["<b>bold</b>", "R&D", "Trade", 'say "hi"', "toString"]
    assert markup == 0


def test_a_tag_with_a_quote_filters_the_search(tmp_path, browser):
    archive = Archive.create(tmp_path / "site", DEFAULT_SITE_TOML.replace("enabled = false", "enabled = true\nshard_pages = 1"))
    archive.article("one", title="One", date="2015-01-01", body="Harbour.", tags='["say \\"hi\\"", "toString"]')
    archive.article("two", title="Two", date="2016-01-01", body="Harbour.", tags="[Trade]")
    archive.build(base_url=BASE_URL)
    with serve(archive.out, "/repo/") as root:
        page, _ = open_recording(browser, root, "search/")
        wait_until_done(page)
        open_filter(page, "tag")
        page.locator('#search [data-filter="tag"] label', has_text='say "hi"').locator("input").check()
        page.wait_for_selector(f"{STATUS}[data-total]", timeout=15000)
        links = result_links(page)
        ticked = page.eval_on_selector_all('#search [data-filter="tag"] input:checked', "boxes => boxes.length")
    assert links == ["/repo/articles/one/"]
    assert ticked == 1


# --- what a search counts, and when ---------------------------------------------------------


def test_a_query_fetches_no_file_of_the_entity_tag_and_source_filters(sharded, browser):
    with serve(sharded.out, "/repo/") as root:
        page, requests = open_recording(browser, root, "search/?q=harbour")
        result_count(page)
        page.wait_for_load_state("networkidle")
        fetched = {name for _, name in filters_fetched(sharded, requests)}
    assert fetched.isdisjoint({"entity", "tag", "source"})


def test_a_query_counts_type_year_and_kind_with_its_results_from_the_manifest_where_it_settles_them(sharded, browser):
    """Every page of a year's shard is an article of that year, with no kind; the
    terms' shard holds terms only: only the entities' shard, of two kinds, has its file read."""
    with serve(sharded.out, "/repo/") as root:
        page, requests = open_recording(browser, root, "search/?q=harbour")
        result_count(page)
        page.wait_for_load_state("networkidle")
        counts = filter_counts(page)
        fetched = filters_fetched(sharded, requests)
    expected = expected_counts()
    assert counts == {"type": expected["type"], "year": expected["year"], "kind": expected["kind"], "entity": {}, "tag": {}, "source": {}}
    assert fetched == [("site-1", "kind")]


def test_a_query_does_not_fetch_the_whole_archive_counts(sharded, browser):
    with serve(sharded.out, "/repo/") as root:
        page, requests = open_recording(browser, root, "search/?q=harbour")
        result_count(page)
        page.wait_for_load_state("networkidle")
    assert not [url for url in requests if url.split("?")[0].endswith("/filters.json")]


def test_the_search_page_takes_the_manifest_it_preloads_and_does_not_ask_for_it_again(sharded, browser):
    with serve(sharded.out, "/repo/") as root:
        page, requests = open_recording(browser, root, "search/?q=harbour")
        result_count(page)
        page.wait_for_load_state("networkidle")
    manifests = [url for url in requests if url.split("?")[0].endswith("/shards.json")]
    assert len(manifests) == 2  # the preload, which the script takes, and the second reading once the shards are loaded


def test_focusing_the_header_box_fetches_the_manifest_and_not_the_whole_archive_counts(sharded, browser):
    with serve(sharded.out, "/repo/") as root:
        page, requests = open_recording(browser, root, "articles/dock/")
        page.focus("#site_search_query")
        page.wait_for_load_state("networkidle")
    fetched = [url.split("/repo/", 1)[1] for url in requests if url.endswith(".json")]
    assert fetched == ["pagefind/shards.json"]


def test_opening_a_filter_counts_it_over_the_results_of_every_shard(sharded, browser):
    with serve(sharded.out, "/repo/") as root:
        page, requests = open_recording(browser, root, "search/?q=harbour")
        result_count(page)
        page.wait_for_load_state("networkidle")
        before = len(requests)
        open_filter(page, "entity")
        counts = filter_counts(page)
        fetched = {name for _, name in filters_fetched(sharded, requests[before:])}
    assert counts["entity"] == expected_counts()["entity"]  # Mosul in 2015 and 2017, NATO in 2016
    assert fetched == {"entity"}


def test_a_filter_opened_from_the_keyboard_is_counted_and_keeps_the_focus(sharded, browser):
    with serve(sharded.out, "/repo/") as root:
        page, _ = open_recording(browser, root, "search/?q=harbour")
        result_count(page)
        page.focus('#search details[data-filter="source"] > summary')
        page.keyboard.press("Enter")
        page.wait_for_selector('#search [data-filter="source"] .search-filter-value', timeout=15000)
        counts = filter_counts(page)
        focused = page.evaluate("document.activeElement.textContent")
    assert counts["source"] == expected_counts()["source"]
    assert focused == "Source"


def test_a_value_of_an_opened_filter_narrows_the_results_across_shards_with_the_counts_of_what_is_left(sharded, browser):
    with serve(sharded.out, "/repo/") as root:
        page, _ = open_recording(browser, root, "search/?q=harbour")
        result_count(page)
        open_filter(page, "tag")
        filter_checkbox(page, "tag", "Trade").check()
        page.wait_for_function(f"document.querySelector({STATUS!r}).getAttribute('data-total') === '3'", timeout=15000)
        links = result_links(page)
        counts = filter_counts(page)
    assert links == ["/repo/articles/cranes/", "/repo/articles/reopen/", "/repo/articles/ships/"]
    # Tags are alternatives: each is counted over the search without the tag filter.
    assert counts == {"type": {"article": 3}, "year": {"2016": 2, "2017": 1}, "entity": {}, "tag": {"Trade": 3, "Labour": 2, "Weather": 1}, "source": {}}


def test_a_filter_closed_is_not_counted_by_the_next_search_until_opened_again(sharded, browser):
    """Closed, a filter's files stay loaded in the shards that counted it: the
    next search shows no count of it until it is opened again, and then those of that search."""
    with serve(sharded.out, "/repo/") as root:
        page, _ = open_recording(browser, root, "search/?q=harbour")
        result_count(page)
        open_filter(page, "entity")
        page.click('#search details[data-filter="entity"] > summary')
        page.fill(INPUT, "cranes")
        page.wait_for_function("new URLSearchParams(location.search).get('q') === 'cranes'", timeout=15000)
        result_count(page)
        closed = filter_counts(page)["entity"]
        open_filter(page, "entity")
        reopened = filter_counts(page)["entity"]
    assert closed == {}
    assert reopened == {"NATO": 1}


# --- a search of many shards ----------------------------------------------------------------

YEARS = range(2001, 2013)  # twelve years, a shard each, and the entities' shard: thirteen shards


@pytest.fixture(scope="module")
def many_shards(tmp_path_factory) -> Archive:
    archive = Archive.create(tmp_path_factory.mktemp("many"), DEFAULT_SITE_TOML.replace("enabled = false", "enabled = true\nshard_pages = 2"))
    for year in YEARS:
        archive.write(f"content/articles/{year}-05-01-news-{year}.md", article_text(title=f"News {year}", date=f"{year}-05-01", body="The harbour news."))
    archive.write("content/entities/port.md", '---\nname: "Port"\nkind: place\nsummary: "A port."\n---\nA harbour town.\n')
    archive.build(base_url=BASE_URL)
    return archive


class OlderShardsHeld:
    """Holds back the page's requests for the shards of the years before 2011 until released."""

    SHARDS = re.compile(r".*/pagefind/articles-20(0\d|10)/.*")

    def __init__(self, page) -> None:
        self.held, self.released = [], False
        page.route(self.SHARDS, self._hold)

    def _hold(self, route) -> None:
        if self.released:
            route.continue_()
        else:
            self.held.append(route)

    def release(self) -> None:
        self.released = True
        for route in self.held:
            route.continue_()


def test_a_search_of_many_shards_shows_the_site_and_the_newest_years_first_and_keeps_them_first(many_shards, browser):
    """The older years' shards are held back: the first results are those of the
    entities' shard and of the two newest years, shown while the search goes on;
    once every shard is in, they stay at the top, above the others."""
    with serve(many_shards.out, "/repo/") as root:
        page = browser.new_page()
        older = OlderShardsHeld(page)
        page.goto(root + "search/?q=harbour")
        page.wait_for_function(f"document.querySelectorAll({RESULT_LINK!r}).length === 3", timeout=15000)
        early, early_status = sorted(hrefs(page)), page.get_attribute(STATUS, "data-total")
        older.release()
        total = result_count(page)
        final = hrefs(page)
    assert early == ["/repo/articles/news-2011/", "/repo/articles/news-2012/", "/repo/entities/port/"]
    assert early_status is None  # no count until every shard has answered
    assert total == len(YEARS) + 1
    assert sorted(final[:3]) == early and sorted(final) == sorted(
        [f"/repo/articles/news-{year}/" for year in YEARS] + ["/repo/entities/port/"]
    )


LAYOUT_SHIFT = """
window.__shift = 0;
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__shift += entry.value;
}).observe({ type: 'layout-shift', buffered: true });
"""


def test_nothing_moves_when_the_other_shards_results_and_the_counts_come_in(many_shards, browser):
    with serve(many_shards.out, "/repo/") as root:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(LAYOUT_SHIFT)
        page = context.new_page()
        page.goto(root + "search/?q=harbour")
        result_count(page)
        page.wait_for_timeout(500)
        shift = page.evaluate("window.__shift")
    assert shift < 0.05


def test_the_header_box_shows_the_first_shards_results_at_once_and_the_count_once_every_shard_answered(many_shards, browser):
    with serve(many_shards.out, "/repo/") as root:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        older = OlderShardsHeld(page)
        page.goto(root + "articles/news-2012/")
        page.locator("#site_search_query").press_sequentially("harbour")
        page.wait_for_selector(".site-search-results:not([hidden]) .site-search-result")
        early = page.eval_on_selector_all(".site-search-result-link", "links => links.map(a => a.getAttribute('href'))")
        early_link = page.text_content(".site-search-all")
        older.release()
        page.wait_for_function("document.querySelector('.site-search-all').textContent.startsWith('All 13')", timeout=15000)
        final = page.eval_on_selector_all(".site-search-result-link", "links => links.map(a => a.getAttribute('href'))")
    assert sorted(target(href) for href in early) == ["/repo/articles/news-2011/", "/repo/articles/news-2012/", "/repo/entities/port/"]
    assert early_link == "All results for “harbour”"
    assert final[:3] == early and len(final) == 5


def test_a_year_ticked_while_the_other_shards_load_shows_its_results_without_waiting_for_them(many_shards, browser):
    """The older years' shards are held back, so the search of every shard
    cannot end; the year 2012, ticked meanwhile, needs only its own shard."""
    with serve(many_shards.out, "/repo/") as root:
        page = browser.new_page()
        older = OlderShardsHeld(page)
        page.goto(root + "search/?q=harbour")
        page.wait_for_function(f"document.querySelectorAll({RESULT_LINK!r}).length === 3", timeout=15000)
        filter_checkbox(page, "year", "2012").check()
        total = result_count(page)
        links = hrefs(page)
        older.release()
    assert total == 1
    assert links == ["/repo/articles/news-2012/"]
