"""The search experience in Chromium: the search page, the header's box, and the page a result leads to."""

from __future__ import annotations

import pytest
import search_page
from browser import chromium, serve
from conftest import DEFAULT_SITE_TOML, Archive, article_text

WIDE, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
ENTITIES = {
    "mosul": ("Mosul", "place"),
    "nato": ("NATO", "organization"),
    "basra": ("Basra", "place"),
    "tigris": ("Tigris", "place"),
}
# (file name, title, date, body): every body but the last says "harbour"; Basra
# is mentioned only where "harbour" is not. With two pages a shard, 2016 is cut
# into two shards (cranes and market, then quay).
ARTICLES = [
    ("2015-03-01-dock", "Dock strike", "2015-03-01", "The harbour closed as Mosul waited."),
    ("2018-02-10-ships", "Ships return", "2018-02-10", "Ships filled the harbour by the Tigris. Mosul watched."),
    ("2016-06-05-cranes", "Cranes rise", "2016-06-05", "Cranes over the harbour and NATO at Mosul."),
    ("2017-09-30-storm", "Storm damage", "2017-09-30", "A storm hit the harbour; NATO helped."),
    ("2016-01-15-market", "Market day", "2016-01-15", "Basra held its market."),
    ("2016-09-01-quay", "Quay works", "2016-09-01", "Work on the harbour quay."),
]
GLOSSARY = '[[term]]\nterm = "harbourmaster"\ndefinition = "Who keeps a harbour."\n'


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Archive:
    """A small archive indexed in several shards, so every search merges them."""
    archive = Archive.create(tmp_path_factory.mktemp("search-ui"), DEFAULT_SITE_TOML.replace("enabled = false", "enabled = true\nshard_pages = 2"))
    for name, title, date, body in ARTICLES:
        archive.write(f"content/articles/{name}.md", article_text(title=title, date=date, body=body, summary=f"About {title.lower()}."))
    for slug, (name, kind) in ENTITIES.items():
        archive.write(f"content/entities/{slug}.md", f'---\nname: "{name}"\nkind: {kind}\nsummary: "The {name} entity."\n---\nA harbour town.\n')
    archive.write("content/glossary.toml", GLOSSARY)
    archive.build(base_url="https://example.org/repo/")
    return archive


@pytest.fixture(scope="module")
def browsing(site):
    with serve(site.out, "/repo/") as root, chromium() as browser:
        yield root, browser


def open_page(browsing, path: str, viewport=WIDE, **options):
    root, browser = browsing
    page = browser.new_context(viewport=viewport, **options).new_page()
    page.goto(root + path)
    return page


def search(browsing, query: str, viewport=WIDE, suffix: str = ""):
    page = open_page(browsing, f"search/?q={query}{suffix}", viewport)
    search_page.result_links(page)
    return page


def box(page, selector: str) -> dict:
    return page.eval_on_selector(selector, "e => e.getBoundingClientRect().toJSON()")


# --- the search page ------------------------------------------------------------------------


def test_results_take_the_whole_text_column_at_1280(browsing):
    page = search(browsing, "harbour")
    assert box(page, "#search .search-results")["width"] >= 640


def test_result_text_is_at_least_16_px(browsing):
    page = search(browsing, "harbour")
    sizes = page.eval_on_selector_all(
        "#search .search-result-summary, #search .search-result-excerpt, #search .search-result-date",
        "nodes => nodes.map(n => parseFloat(getComputedStyle(n).fontSize))",
    )
    assert sizes and min(sizes) >= 16


def test_every_result_says_whether_it_is_an_article_an_entity_or_a_term_and_articles_give_date_and_summary(browsing):
    page = search(browsing, "harbour")
    results = page.eval_on_selector_all(
        "#search .search-result",
        """items => items.map(item => ({
            href: item.querySelector('.search-result-link').getAttribute('href').replace(/\\?highlight=[^#]*/, ''),
            type: item.querySelector('.search-result-type')?.textContent,
            date: item.querySelector('.search-result-date')?.textContent || null,
            summary: item.querySelector('.search-result-summary')?.textContent || null,
        }))""",
    )
    types = {result["href"]: result["type"] for result in results}
    assert types["/repo/articles/dock/"] == "Article"
    assert types["/repo/entities/nato/"] == "Entity · Organisation"
    assert types["/repo/glossary/#harbourmaster"] == "Term"
    dock = next(result for result in results if result["href"] == "/repo/articles/dock/")
    assert dock["date"] == "1 March 2015" and dock["summary"] == "About dock strike."


def test_a_term_result_shows_its_definition_once(browsing):
    page = search(browsing, "harbour")
    term = page.locator('#search .search-result[data-type="term"]')
    assert term.locator(".search-result-title").inner_text() == "harbourmaster"
    assert term.inner_text().count("Who keeps a harbour") == 1


def test_sorting_by_date_lists_the_articles_newest_first_across_shards_then_the_rest(browsing):
    page = search(browsing, "harbour")
    by_relevance = search_page.hrefs(page)
    page.select_option("#search_sort", "date")
    page.wait_for_function("document.querySelector('#search').getAttribute('data-state') === 'done' && location.search.includes('sort=date')")
    search_page.result_links(page)
    by_date = search_page.hrefs(page)
    articles = ["/repo/articles/ships/", "/repo/articles/storm/", "/repo/articles/quay/", "/repo/articles/cranes/", "/repo/articles/dock/"]
    assert by_date[:5] == articles
    assert sorted(by_date) == sorted(by_relevance) and by_date != by_relevance


def test_the_entity_filter_lists_entities_found_by_count_with_no_empty_value(browsing):
    page = search(browsing, "harbour")
    search_page.open_filter(page, "entity")
    names = page.eval_on_selector_all('#search [data-filter="entity"] .search-filter-value input', "boxes => boxes.map(b => b.value)")
    assert names == ["Mosul", "NATO", "Tigris"]  # Basra is mentioned only where "harbour" is not
    assert search_page.filter_counts(page)["entity"] == {"Mosul": 3, "NATO": 2, "Tigris": 1}


def test_a_text_box_narrows_the_entity_filter(browsing):
    page = search(browsing, "harbour")
    search_page.open_filter(page, "entity")
    page.get_by_placeholder("Find an entity").fill("at")
    shown = page.eval_on_selector_all('#search [data-filter="entity"] .search-filter-value:not([hidden]) input', "boxes => boxes.map(b => b.value)")
    assert shown == ["NATO"]


def test_the_entity_finder_says_so_when_no_entity_matches(browsing):
    page = search(browsing, "harbour")
    search_page.open_filter(page, "entity")
    page.get_by_placeholder("Find an entity").fill("zzz")
    assert page.get_by_role("status").filter(has_text="No entity matches.").is_visible()


def test_an_entity_ticked_stays_in_the_list_whatever_the_finder_holds(browsing):
    page = search(browsing, "harbour")
    search_page.open_filter(page, "entity")
    search_page.filter_checkbox(page, "entity", "NATO").check()
    page.wait_for_function(f"document.querySelector({search_page.STATUS!r}).getAttribute('data-total') === '2'")
    search_page.wait_until_done(page)
    page.get_by_placeholder("Find an entity").fill("mos")
    shown = page.eval_on_selector_all('#search [data-filter="entity"] .search-filter-value:not([hidden]) input', "boxes => boxes.map(b => b.value)")
    assert shown == ["Mosul", "NATO"]  # by count: an entity ticked does not change its own filter's counts


def test_an_entity_checked_narrows_the_results(browsing):
    page = search(browsing, "harbour")
    search_page.open_filter(page, "entity")
    search_page.filter_checkbox(page, "entity", "NATO").check()
    page.wait_for_function(f"document.querySelector({search_page.STATUS!r}).getAttribute('data-total') === '2'")
    assert search_page.result_links(page) == ["/repo/articles/cranes/", "/repo/articles/storm/"]


def tick(page, name: str, value: str, total: int) -> None:
    search_page.filter_checkbox(page, name, value).check()
    page.wait_for_function(f"document.querySelector({search_page.STATUS!r}).getAttribute('data-total') === '{total}'")
    search_page.wait_until_done(page)


def test_ticking_an_entity_keeps_the_other_entities_offered_with_their_own_counts(browsing):
    page = search(browsing, "harbour")
    search_page.open_filter(page, "entity")

    tick(page, "entity", "NATO", 2)

    assert search_page.filter_counts(page)["entity"] == {"Mosul": 3, "NATO": 2, "Tigris": 1}


def test_two_entities_ticked_give_the_results_of_either(browsing):
    page = search(browsing, "harbour")
    search_page.open_filter(page, "entity")
    tick(page, "entity", "NATO", 2)

    tick(page, "entity", "Tigris", 3)

    assert search_page.result_links(page) == ["/repo/articles/cranes/", "/repo/articles/ships/", "/repo/articles/storm/"]


def test_an_entity_ticked_narrows_the_counts_of_the_other_filters(browsing):
    page = search(browsing, "harbour")
    search_page.open_filter(page, "entity")

    tick(page, "entity", "NATO", 2)

    assert search_page.filter_counts(page)["year"] == {"2016": 1, "2017": 1}


def test_a_type_ticked_keeps_every_type_offered_with_the_counts_of_the_search(browsing):
    page = search(browsing, "harbour")
    before = search_page.filter_counts(page)["type"]

    tick(page, "type", "entity", before["entity"])

    assert search_page.filter_counts(page)["type"] == before and len(before) > 1


def test_a_filter_whose_files_fail_to_load_says_its_counts_are_missing_rather_than_that_none_was_found(browsing):
    root, browser = browsing
    page = browser.new_context(viewport=WIDE).new_page()
    page.route("**/*.pf_filter", lambda route: route.abort())
    page.goto(root + "search/?q=harbour")
    search_page.result_links(page)

    search_page.open_filter(page, "entity")

    notes = page.locator('#search details[data-filter="entity"] .search-filter-note').all_inner_texts()
    assert notes == ["Some of these counts could not be loaded: reload the page to try again."]


def test_the_focus_stays_on_the_value_ticked_by_keyboard_when_the_counts_reorder_the_list(browsing):
    page = search(browsing, "harbour")
    search_page.open_filter(page, "entity")
    search_page.filter_checkbox(page, "entity", "Tigris").focus()  # the last of three
    page.keyboard.press("Space")
    page.wait_for_function(f"document.querySelector({search_page.STATUS!r}).getAttribute('data-total') === '1'")
    search_page.wait_until_done(page)
    assert page.evaluate("[document.activeElement.name, document.activeElement.value, document.activeElement.checked]") == ["entity", "Tigris", True]


def test_a_closed_filter_says_how_many_of_its_values_are_ticked(browsing):
    page = search(browsing, "harbour")
    search_page.open_filter(page, "entity")
    search_page.filter_checkbox(page, "entity", "NATO").check()
    page.wait_for_function(f"document.querySelector({search_page.STATUS!r}).getAttribute('data-total') === '2'")
    search_page.wait_until_done(page)
    page.click('#search details[data-filter="entity"] > summary')
    assert page.inner_text('#search details[data-filter="entity"] > summary') == "Entity (1 selected)"


def test_the_filters_panel_closed_on_a_phone_says_how_many_values_are_ticked(browsing):
    page = search(browsing, "harbour", PHONE)
    page.click("#search details.search-filters > summary")
    search_page.filter_checkbox(page, "type", "entity").check()
    page.wait_for_function(f"document.querySelector({search_page.STATUS!r}).getAttribute('data-total') === '4'")
    search_page.wait_until_done(page)
    page.click("#search details.search-filters > summary")
    assert page.inner_text("#search details.search-filters > summary") == "Filters (1 selected)"


def test_a_search_that_finds_nothing_offers_no_filter(browsing):
    page = search(browsing, "zeppelin")
    assert page.inner_text(search_page.STATUS) == "0 results for “zeppelin”"
    assert not page.locator("#search details.search-filters").is_visible()


def test_unticking_the_last_filter_of_a_search_that_finds_nothing_leaves_the_focus_in_the_search_box(browsing):
    page = search(browsing, "harbour")
    search_page.filter_checkbox(page, "year", "2015").check()
    page.wait_for_function(f"document.querySelector({search_page.STATUS!r}).getAttribute('data-total') === '1'")
    page.fill(search_page.INPUT, "zeppelin")
    page.wait_for_function(f"document.querySelector({search_page.STATUS!r}).textContent === '0 results for “zeppelin”'")
    search_page.wait_until_done(page)
    search_page.filter_checkbox(page, "year", "2015").focus()
    page.keyboard.press("Space")
    page.wait_for_selector("#search details.search-filters", state="hidden")
    assert page.evaluate("document.activeElement.id") == "search_query"


LAYOUT_SHIFT = """
window.__shift = 0;
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__shift += entry.value;
}).observe({ type: 'layout-shift', buffered: true });
"""


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280", "390"])
def test_the_search_page_does_not_shift_as_its_results_arrive(browsing, viewport):
    root, browser = browsing
    context = browser.new_context(viewport=viewport)
    context.add_init_script(LAYOUT_SHIFT)
    page = context.new_page()
    page.goto(root + "search/?q=harbour")
    search_page.result_links(page)
    page.wait_for_timeout(500)
    assert page.evaluate("window.__shift") < 0.05


def test_without_javascript_the_search_page_is_a_form_that_submits_to_itself(browsing):
    page = open_page(browsing, "search/", java_script_enabled=False)
    page.fill("#search_query", "harbour")
    page.click("#search button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/repo/search/?q=harbour")


# --- the header -----------------------------------------------------------------------------


def test_the_header_is_at_most_64_px_high_on_a_phone_with_menu_and_search_buttons(browsing):
    page = open_page(browsing, "articles/dock/", PHONE)
    assert box(page, ".site-header")["height"] <= 64
    assert page.get_by_role("button", name="Menu").is_visible() and page.get_by_role("button", name="Search").is_visible()


def test_the_phone_menu_button_shows_the_sections(browsing):
    page = open_page(browsing, "articles/dock/", PHONE)
    assert not page.get_by_role("link", name="Timeline").is_visible()
    page.get_by_role("button", name="Menu").click()
    assert page.get_by_role("link", name="Timeline").is_visible()
    assert page.get_attribute(".menu-button", "aria-expanded") == "true"


def test_the_header_is_one_row_at_1280(browsing):
    page = open_page(browsing, "articles/dock/")
    middles = page.eval_on_selector_all(
        ".site-title, .site-nav li, .site-search input", "nodes => nodes.map(n => { const b = n.getBoundingClientRect(); return b.top + b.height / 2; })"
    )
    assert len(middles) == 8 and max(middles) - min(middles) < 8
    assert box(page, ".site-header")["height"] <= 64


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280", "390"])
def test_typing_in_the_header_box_shows_live_results_and_a_link_to_all_of_them(browsing, viewport):
    page = open_page(browsing, "articles/dock/", viewport)
    if viewport is PHONE:
        page.get_by_role("button", name="Search").click()
    page.locator("#site_search_query").press_sequentially("harbour")
    page.wait_for_selector(".site-search-results:not([hidden]) .site-search-result")
    assert 1 <= page.locator(".site-search-result").count() <= 5
    assert page.locator(".site-search-result .search-result-type").count() == page.locator(".site-search-result").count()
    everything = page.locator(".site-search-all")
    assert everything.get_attribute("href") == "/repo/search/?q=harbour"
    assert everything.text_content() == "All 10 results for “harbour”"


def test_slash_focuses_the_header_box(browsing):
    page = open_page(browsing, "articles/dock/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "site_search_query"
    assert page.input_value("#site_search_query") == ""


def test_slash_is_typed_as_usual_in_a_field(browsing):
    page = open_page(browsing, "search/")
    page.focus("#search_query")
    page.keyboard.type("a/b")
    assert page.input_value("#search_query") == "a/b"


# --- the page a result leads to -------------------------------------------------------------


def test_the_searched_word_is_marked_on_the_page_a_result_leads_to(browsing):
    page = search(browsing, "storm")
    page.click("#search .search-result-link[href^='/repo/articles/storm/']")
    page.wait_for_selector("#site_main mark.search-highlight")
    marked = page.eval_on_selector_all("#site_main mark.search-highlight", "marks => marks.map(m => m.textContent)")
    assert {text.lower() for text in marked} == {"storm"}


def test_the_highlight_parameter_is_text_never_markup(browsing):
    page = open_page(browsing, "articles/dock/?highlight=" + "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E%20harbour")
    page.wait_for_selector("#site_main mark.search-highlight")
    assert page.locator("#site_main img").count() == 0
    assert page.eval_on_selector_all("#site_main mark.search-highlight", "marks => marks.map(m => m.textContent)") == ["harbour"]
