"""The example archive in a real browser, at desktop and phone widths."""

from __future__ import annotations

import pytest
from browser import example_site

ARTICLE = "articles/islamic-state-retreat-reveals-terror-plots/"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with example_site(tmp_path_factory.mktemp("reader")) as served:
        yield served


def open_page(site, path: str, width: int, javascript: bool = True):
    base, browser = site
    context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(base + path)
    return page


def test_side_notes_sit_in_the_margin_on_wide_screens(site):
    page = open_page(site, ARTICLE, 1280)
    body = page.locator(".article-body p").first.bounding_box()
    note = page.locator(".sidenote").first
    assert note.is_visible()
    box = note.bounding_box()
    assert box["x"] >= body["x"] + body["width"], "the note must not overlap the text column"
    assert box["x"] + box["width"] <= 1280
    mention = page.locator("a.mention").first.bounding_box()
    assert abs(box["y"] - mention["y"]) < 60, "the first note starts beside its mention"
    page.context.close()


def test_side_notes_fold_behind_a_toggle_on_phones_and_open_from_the_keyboard(site):
    page = open_page(site, ARTICLE, 390, javascript=False)
    note = page.locator(".sidenote").first
    assert not note.is_visible()
    page.locator(".sidenote-toggle").first.focus()
    page.keyboard.press("Space")
    assert note.is_visible()
    text = page.locator(".article-body p").first.bounding_box()
    box = note.bounding_box()
    assert box["x"] >= text["x"] - 1 and box["x"] + box["width"] <= text["x"] + text["width"] + 1
    page.context.close()


def test_entity_hover_card_opens_on_hover_and_focus_and_closes_on_escape(site):
    page = open_page(site, ARTICLE, 1280)
    card = page.locator("#sitegen-entity-card")
    before = page.locator(".article-body").bounding_box()
    page.hover('a.mention[data-entity="mosul"]')
    assert card.is_visible() and "Mosul" in card.inner_text()
    assert page.locator(".article-body").bounding_box() == before, "showing the card moves nothing"
    page.keyboard.press("Escape")
    assert not card.is_visible()
    page.mouse.move(0, 0)
    page.focus('a.mention[data-entity="manbij"]')
    assert card.is_visible() and "Manbij" in card.inner_text()
    page.keyboard.press("Escape")
    assert not card.is_visible()
    page.context.close()


def test_glossary_definition_shows_on_keyboard_focus_without_javascript(site):
    page = open_page(site, ARTICLE, 1280, javascript=False)
    term = page.locator('a.term[data-term="caliphate"]')
    tip = page.locator("#" + term.get_attribute("aria-describedby"))
    assert not tip.is_visible()
    term.focus()
    assert tip.is_visible() and "caliph" in tip.inner_text()
    page.context.close()


def test_timeline_filter_narrows_events_by_kind_and_entity(site):
    page = open_page(site, "timeline/2016/", 1280)
    events = page.locator(".timeline .event")
    total = events.count()
    assert page.locator("#timeline-filter").is_visible()
    page.select_option("#timeline-filter-entity", "raqqa")
    visible = [e for e in events.all() if e.is_visible()]
    assert 0 < len(visible) < total
    assert all("raqqa" in (e.get_attribute("data-entities") or "").split() for e in visible)
    page.select_option("#timeline-filter-entity", "")
    page.select_option("#timeline-filter-kind", "person")
    visible = [e for e in events.all() if e.is_visible()]
    assert 0 < len(visible) < total
    assert all("person" in (e.get_attribute("data-kinds") or "").split() for e in visible)
    page.context.close()


def test_without_javascript_the_whole_timeline_shows_and_no_dead_filter(site):
    page = open_page(site, "timeline/2016/", 1280, javascript=False)
    events = page.locator(".timeline .event")
    assert all(e.is_visible() for e in events.all())
    assert not page.locator("#timeline-filter").is_visible()
    assert page.locator("#timeline-filter").bounding_box() is None, "nor room kept for it"
    page.context.close()


def visible_periods(page) -> list[str]:
    return [item.get_attribute("data-period") for item in page.locator(".timeline-periods li[data-period]").all() if item.is_visible()]


def test_a_filter_matching_nothing_on_a_timeline_page_says_so_and_leads_only_to_pages_with_matches(site):
    page = open_page(site, "timeline/2014/", 1280)
    page.select_option("#timeline-filter-entity", "rupert-jones")
    assert not [e for e in page.locator(".timeline .event").all() if e.is_visible()]
    assert page.locator("#timeline-filter-empty").is_visible()
    page.wait_for_function("!document.querySelector('.timeline-periods li[data-period=\"2017-2019\"]').offsetParent")
    assert visible_periods(page) == ["2014", "2016"], "this page stays, marked; pages with no match are not offered"
    later = page.locator('.timeline-pager a[rel="next"]')
    assert later.get_attribute("href").endswith("/timeline/2016/?entity=rupert-jones")
    later.click()
    page.wait_for_url("**/timeline/2016/?entity=rupert-jones")
    assert page.locator("#timeline-filter-entity").input_value() == "rupert-jones"
    shown = [e for e in page.locator(".timeline .event").all() if e.is_visible()]
    assert shown and all("rupert-jones" in e.get_attribute("data-entities").split() for e in shown)
    assert not page.locator("#timeline-filter-empty").is_visible()
    page.wait_for_function("!document.querySelector('.timeline-pager a[rel=\"next\"]').offsetParent")
    assert not page.locator('.timeline-pager a[rel="prev"]').is_visible(), "2014 has no event of Rupert Jones"
    page.context.close()


def test_the_timeline_index_offers_only_the_pages_a_filter_leaves_events_on(site):
    page = open_page(site, "timeline/", 1280)
    assert visible_periods(page) == ["2014", "2016", "2017-2019"]
    page.select_option("#timeline-filter-entity", "rupert-jones")
    page.wait_for_function("!document.querySelector('.timeline-index li[data-period=\"2014\"]').offsetParent")
    assert visible_periods(page) == ["2016"]
    entry = page.locator('.timeline-index li[data-period="2016"]')
    assert entry.locator(".period-count").inner_text() == "2 of 7 events"
    assert entry.locator("a").get_attribute("href").endswith("/timeline/2016/?entity=rupert-jones")
    page.context.close()


def test_a_link_to_an_event_on_the_one_page_timeline_of_old_lands_on_its_year_s_page(site):
    page = open_page(site, "timeline/#event-2016-10-17-battle-of-mosul-begins", 390)
    page.wait_for_url("**/timeline/2016/#event-2016-10-17-battle-of-mosul-begins")
    box = page.locator("#event-2016-10-17-battle-of-mosul-begins").bounding_box()
    assert -1 <= box["y"] < 900, "the event is in view"
    page.context.close()


def test_the_article_s_on_the_timeline_list_keeps_to_the_text_column(site):
    page = open_page(site, ARTICLE, 1280)
    text = page.locator(".article-body").bounding_box()
    for selector in (".article-events", ".event-summary-list"):
        box = page.locator(selector).bounding_box()
        assert box["x"] >= text["x"] - 1 and box["x"] + box["width"] <= text["x"] + text["width"] + 1, selector
    page.context.close()


def test_a_glossary_anchor_scrolls_to_its_term(site):
    page = open_page(site, "glossary/#tourniquet", 390)
    term = page.locator("#tourniquet")
    box = term.bounding_box()
    assert page.evaluate("window.scrollY") > 0
    assert 0 <= box["y"] and box["y"] + box["height"] <= 900, "the term is in view"
    page.context.close()


def test_a_marked_term_leads_to_its_glossary_entry_through_its_definition(site):
    page = open_page(site, ARTICLE, 390)
    page.locator('a.term[data-term="tourniquet"]').click()
    page.locator('a.term[data-term="tourniquet"] + .term-tip a.term-tip-link').click()
    page.wait_for_url("**/glossary/#tourniquet")
    box = page.locator("#tourniquet").bounding_box()
    assert page.evaluate("window.scrollY") > 0
    assert 0 <= box["y"] and box["y"] + box["height"] <= 900
    page.context.close()


# --- links that leave the site, and the glossary's empty letters ---------------------------------

# Every link of the main content (the chart's SVG links too), and whether it leaves the site: the
# archive's own address (`base_url`, which the citation gives in full) is the site, though served here.
ARROWS = """site => [...document.querySelectorAll('main a[href]')].map(a => {
    const url = new URL(a.getAttribute('href'), location.href);
    return {
        href: url.href,
        leaves: url.host !== location.host && !url.href.startsWith(site),
        arrow: [getComputedStyle(a, '::before').content, getComputedStyle(a, '::after').content].some(c => c.includes('↗')),
    };
})"""


@pytest.mark.parametrize("path", [ARTICLE, "timeline/", "entities/mosul/"])
def test_only_links_that_leave_the_site_show_the_external_arrow(site, path):
    page = open_page(site, path, 1280)
    links = page.evaluate(ARROWS, "https://example.org/archive/")  # site.toml's base_url
    assert [link for link in links if link["arrow"] != link["leaves"]] == []
    page.context.close()


def test_a_link_that_leaves_the_site_is_read_as_external(site):
    page = open_page(site, "entities/mosul/", 1280)
    assert page.get_by_role("link", name="Wikipedia (external)").get_attribute("href") == "https://en.wikipedia.org/wiki/Mosul"
    page.context.close()


# The contrast ratio (WCAG 2) of an element's text with the first background behind it.
CONTRAST = """element => {
  const rgba = value => { const [r, g, b, a = 1] = value.match(/[\\d.]+/g).map(Number); return {r, g, b, a}; };
  const luminance = ({r, g, b}) => {
    const [R, G, B] = [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * R + 0.7152 * G + 0.0722 * B;
  };
  let behind = element;
  while (behind && rgba(getComputedStyle(behind).backgroundColor).a === 0) behind = behind.parentElement;
  const text = luminance(rgba(getComputedStyle(element).color));
  const background = luminance(rgba(behind ? getComputedStyle(behind).backgroundColor : 'rgb(255, 255, 255)'));
  return (Math.max(text, background) + 0.05) / (Math.min(text, background) + 0.05);
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_empty_glossary_letters_look_disabled_yet_have_a_contrast_of_4_5_at_least(site, scheme):
    base, browser = site
    page = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme).new_page()
    page.goto(base + "glossary/")
    empty = page.locator(".letters .empty-letter")
    assert empty.count() > 0, "the example glossary leaves some letters empty"
    ratios = [letter.evaluate(CONTRAST) for letter in empty.all()]
    assert min(ratios) >= 4.5, ratios
    link = page.locator(".letters a").first
    assert empty.first.evaluate("e => getComputedStyle(e).color") != link.evaluate("e => getComputedStyle(e).color")
    assert empty.first.evaluate("e => e.closest('a')") is None


# The sum of the page's layout shifts that no input caused, as the browser recorded them.
LAYOUT_SHIFT = """() => new Promise(resolve => new PerformanceObserver(list => resolve(
  list.getEntries().filter(shift => !shift.hadRecentInput).reduce((sum, shift) => sum + shift.value, 0)
)).observe({type: 'layout-shift', buffered: true})).then(sum => sum)"""


@pytest.mark.parametrize("path", ("timeline/", "timeline/2016/"))
@pytest.mark.parametrize("width", (1280, 390))
def test_the_timeline_filter_appears_without_moving_the_timeline(site, path, width):
    page = open_page(site, path, width)
    assert page.locator("#timeline-filter").is_visible()
    shifted = page.evaluate("() => Promise.race([(" + LAYOUT_SHIFT + ")(), new Promise(r => setTimeout(() => r(0), 500))])")
    assert shifted < 0.001
    page.context.close()
