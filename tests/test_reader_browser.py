"""The example archive in a real browser, at desktop and phone widths."""

from __future__ import annotations

import pytest
from browser import chromium, serve
from conftest import copy_example_archive

ARTICLE = "articles/islamic-state-retreat-reveals-terror-plots/"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("reader")
    archive = copy_example_archive(root)
    archive.build(search=False)
    with serve(archive.out, "/archive/") as base, chromium() as browser:
        yield base, browser


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
    page = open_page(site, "timeline/", 1280)
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
    page = open_page(site, "timeline/", 1280, javascript=False)
    events = page.locator(".timeline .event")
    assert all(e.is_visible() for e in events.all())
    assert not page.locator("#timeline-filter").is_visible()
    assert page.locator("#timeline-filter").bounding_box() is None, "nor room kept for it"
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


# The sum of the page's layout shifts that no input caused, as the browser recorded them.
LAYOUT_SHIFT = """() => new Promise(resolve => new PerformanceObserver(list => resolve(
  list.getEntries().filter(shift => !shift.hadRecentInput).reduce((sum, shift) => sum + shift.value, 0)
)).observe({type: 'layout-shift', buffered: true})).then(sum => sum)"""


@pytest.mark.parametrize("width", (1280, 390))
def test_the_timeline_filter_appears_without_moving_the_timeline(site, width):
    page = open_page(site, "timeline/", width)
    assert page.locator("#timeline-filter").is_visible()
    shifted = page.evaluate("() => Promise.race([(" + LAYOUT_SHIFT + ")(), new Promise(r => setTimeout(() => r(0), 500))])")
    assert shifted < 0.001
    page.context.close()
