"""Side-notes, definitions and entity cards of the example article in Chromium: on a wide screen,
on a phone, without JavaScript, and in print."""

from __future__ import annotations

import pytest
from browser import example_site, serve
from sidenote_layout import NOTES_AND_LINES, assert_notes_follow_their_lines

ARTICLE = "articles/islamic-state-retreat-reveals-terror-plots/"
WIDE = {"width": 1280, "height": 900}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}

# The horizontal gaps, in the text as set, between each mention with a note and the punctuation
# or possessive that follows it, and between the last character before each note number and its
# digits (the note itself, placed elsewhere, takes no room in the line).
GAPS = """() => {
  const right = node => { const r = document.createRange(); r.selectNodeContents(node); const all = r.getClientRects(); return all[all.length - 1].right; };
  const left = (node, offset) => { const r = document.createRange(); r.setStart(node, offset); r.setEnd(node, offset + 1); return r.getBoundingClientRect().left; };
  const skipped = node => node.parentElement.closest('.sidenote, .sidenote-number');
  const punctuation = [...document.querySelectorAll('.article-body a.mention[aria-describedby]')].flatMap(link => {
    const walker = document.createTreeWalker(link.closest('p, li, blockquote'), NodeFilter.SHOW_TEXT);
    walker.currentNode = link.lastChild;
    let next = walker.nextNode();
    while (next && (skipped(next) || !next.data)) next = walker.nextNode();
    return next && /^[.,;:!?’'”)]/.test(next.data) ? [left(next, 0) - right(link)] : [];
  });
  const numbers = [...document.querySelectorAll('.article-body .sidenote-number')].map(label => {
    let before = label.previousSibling;
    while (before.nodeName === 'INPUT') before = before.previousSibling;
    return left(label.firstChild, 0) - right(before);
  });
  return {punctuation, numbers};
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with example_site(tmp_path_factory.mktemp("sidenotes")) as served:
        yield served


def open_page(site, path=ARTICLE, javascript=True, **options):
    base, browser = site
    options.setdefault("viewport", WIDE)
    context = browser.new_context(java_script_enabled=javascript, **options)
    page = context.new_page()
    page.goto(base + path)
    if javascript:
        page.evaluate("document.fonts.ready")
        page.wait_for_timeout(100)  # the layout runs on the next animation frame
    return page


# --- wide screens --------------------------------------------------------------------------------


def test_each_note_sits_level_with_its_line_or_just_under_the_note_above(site):
    page = open_page(site)
    notes = page.evaluate(NOTES_AND_LINES)
    assert len(notes) >= 14
    assert_notes_follow_their_lines(notes)
    page.context.close()


def test_crowded_notes_shrink_to_their_first_lines_and_a_button_shows_the_rest(site):
    page = open_page(site)
    note = page.locator("#" + page.locator(".article-body .sidenote.is-short").first.get_attribute("id"))
    more = note.locator(".sidenote-more")
    assert more.get_attribute("aria-expanded") == "false"
    short = note.bounding_box()["height"]
    more.focus()
    page.keyboard.press("Enter")
    page.wait_for_timeout(50)
    assert more.get_attribute("aria-expanded") == "true" and more.inner_text() == "Show less"
    assert note.bounding_box()["height"] > short + 10
    notes = page.evaluate(NOTES_AND_LINES)
    assert all(low["top"] >= high["bottom"] for high, low in zip(notes, notes[1:])), "still no overlap"
    page.keyboard.press("Enter")
    page.wait_for_timeout(50)
    assert note.bounding_box()["height"] == short
    page.context.close()


# For each shortened note: the bottom of the first line of its role or summary, and of the body as shown.
FIRST_LINES_OF_SHORT_NOTES = """() => [...document.querySelectorAll('.article-body .sidenote.is-short')].map(note => {
  const detail = note.querySelector('.sidenote-role, .sidenote-summary');
  const range = document.createRange();
  range.setStart(detail.firstChild, 0);
  range.setEnd(detail.firstChild, 1);
  const title = note.querySelector('.sidenote-title').getBoundingClientRect();
  const kind = note.querySelector('.sidenote-kind').getBoundingClientRect();
  return {id: note.id, line: range.getBoundingClientRect().bottom, shown: note.querySelector('.sidenote-body').getBoundingClientRect().bottom,
          heading_lines: kind.top > title.top + 5 ? 2 : 1};
})"""


def test_a_shortened_note_shows_its_heading_and_the_first_line_under_it_however_long_the_heading(site):
    page = open_page(site)
    short = page.evaluate(FIRST_LINES_OF_SHORT_NOTES)
    assert any(note["heading_lines"] > 1 for note in short), "the example has a shortened note whose heading wraps"
    for note in short:
        assert note["line"] <= note["shown"] + 0.5, f"{note['id']} hides the first line of what it says"
    page.context.close()


def test_notes_that_fit_within_400_px_of_their_lines_keep_their_whole_text(site, archive):
    # Three notes of several lines on one line of text: stacked, the third starts a few hundred
    # pixels below its line, which is within the 400 px a note may drift, so none need shrink.
    summary = " ".join(["A {kind} that the side-note describes in three sentences."] * 3)
    for name, kind in (("Arbela", "place"), ("Nineveh", "place"), ("Tigris Company", "organization")):
        archive.write(
            f"content/entities/{name.lower().replace(' ', '-')}.md",
            f'---\nname: "{name}"\nkind: {kind}\nsummary: "{summary.format(kind=kind)}"\n---\n',
        )
    archive.article("a", body="From Arbela to Nineveh the Tigris Company ran boats.\n\n" + "Text. " * 400)
    archive.build()
    _, browser = site
    with serve(archive.out) as base:
        page = open_page((base, browser), "articles/a/")
        notes = page.evaluate(NOTES_AND_LINES)
        assert len(notes) == 3
        assert [note["short"] for note in notes] == [False, False, False]
        assert notes[2]["top"] - notes[2]["line"] > 150, "the notes stack below their line"
        assert page.locator(".sidenote-more:visible").count() == 0
        assert_notes_follow_their_lines(notes)
        page.context.close()


def test_notes_follow_the_text_when_the_window_is_resized(site):
    page = open_page(site)
    page.set_viewport_size({"width": 1040, "height": 900})
    page.wait_for_timeout(200)
    notes = page.evaluate(NOTES_AND_LINES)
    assert len(notes) >= 14
    assert_notes_follow_their_lines(notes)
    page.context.close()


def test_without_javascript_every_note_is_visible_in_the_margin(site):
    page = open_page(site, javascript=False)
    text = page.locator(".article-body p").first.bounding_box()
    notes = page.locator(".article-body .sidenote").all()
    assert len(notes) >= 14
    for note in notes:
        assert note.is_visible()
        assert note.bounding_box()["x"] >= text["x"] + text["width"]
    page.context.close()


def test_punctuation_touches_its_word_and_the_note_number_follows_it(site):
    page = open_page(site)
    gaps = page.evaluate(GAPS)
    assert gaps["punctuation"], "the example has mentions followed by punctuation"
    assert max(gaps["punctuation"]) <= 1, gaps
    assert max(gaps["numbers"]) <= 3, gaps
    page.context.close()


# --- pop-ups -------------------------------------------------------------------------------------


def assert_pop_up_stays_open_on_itself_links_the_page_and_closes_on_leaving(page, link, pop_up) -> None:
    """Hovering `link` opens `pop_up`, which stays open while the pointer moves onto it,
    links where `link` does, and closes once the pointer leaves both."""
    link.hover()
    assert pop_up.is_visible()
    box = pop_up.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=5)
    page.wait_for_timeout(500)
    assert pop_up.is_visible(), "it stays open while the pointer is on it"
    assert pop_up.locator("a").get_attribute("href") == link.get_attribute("href")
    page.mouse.move(5, 5)
    page.wait_for_timeout(500)
    assert not pop_up.is_visible()


def test_the_entity_card_stays_open_on_the_card_links_to_the_page_and_closes_on_leaving(site):
    page = open_page(site)
    card = page.locator("#sitegen-entity-card")
    assert_pop_up_stays_open_on_itself_links_the_page_and_closes_on_leaving(page, page.locator('a.mention[data-entity="mosul"]'), card)
    page.context.close()


def test_the_entity_card_closes_on_escape(site):
    page = open_page(site)
    card = page.locator("#sitegen-entity-card")
    page.hover('a.mention[data-entity="mosul"]')
    assert card.is_visible()
    page.keyboard.press("Escape")
    assert not card.is_visible()
    page.context.close()


def test_a_definition_stays_open_while_hovered_and_links_to_its_glossary_entry(site):
    page = open_page(site)
    term = page.locator('a.term[data-term="caliphate"]')
    tip = page.locator("#" + term.get_attribute("aria-describedby"))
    assert_pop_up_stays_open_on_itself_links_the_page_and_closes_on_leaving(page, term, tip)
    page.context.close()


def test_a_definition_closes_on_escape_whether_hovered_or_focused(site):
    page = open_page(site)
    term = page.locator('a.term[data-term="caliphate"]')
    tip = page.locator("#" + term.get_attribute("aria-describedby"))
    term.hover()
    assert tip.is_visible()
    page.keyboard.press("Escape")
    assert not tip.is_visible()
    page.mouse.move(5, 5)
    page.keyboard.press("Tab")  # from the page into the header; then focus the term from the keyboard
    term.focus()
    assert tip.is_visible()
    page.keyboard.press("Escape")
    assert not tip.is_visible()
    page.context.close()


# --- phones --------------------------------------------------------------------------------------


def test_tapping_a_mention_opens_its_note_in_place_and_a_second_tap_closes_it(site):
    page = open_page(site, **PHONE)
    url = page.url
    mention = page.locator('a.mention[data-entity="mosul"]')
    note = page.locator("#" + mention.get_attribute("aria-describedby"))
    assert not note.is_visible()
    mention.tap()
    assert note.is_visible() and page.url == url
    assert mention.get_attribute("aria-expanded") == "true"
    mention.tap()
    assert not note.is_visible()
    assert mention.get_attribute("aria-expanded") == "false"
    page.context.close()


def test_escape_closes_an_open_note(site):
    page = open_page(site, **PHONE)
    mention = page.locator('a.mention[data-entity="mosul"]')
    note = page.locator("#" + mention.get_attribute("aria-describedby"))
    mention.tap()
    assert note.is_visible()
    page.keyboard.press("Escape")
    assert not note.is_visible()
    page.context.close()


def test_the_entity_page_is_reached_from_inside_the_note(site):
    page = open_page(site, **PHONE)
    mention = page.locator('a.mention[data-entity="mosul"]')
    note = page.locator("#" + mention.get_attribute("aria-describedby"))
    mention.tap()
    note.locator("a.sidenote-link").tap()
    page.wait_for_url("**/entities/mosul/")
    page.context.close()


def test_tapping_a_term_opens_its_definition_in_place_and_the_definition_leads_to_the_glossary(site):
    page = open_page(site, **PHONE)
    url = page.url
    term = page.locator('a.term[data-term="caliphate"]')
    tip = page.locator("#" + term.get_attribute("aria-describedby"))
    term.tap()
    assert tip.is_visible() and page.url == url
    term.tap()
    assert not tip.is_visible()
    term.tap()
    page.keyboard.press("Escape")
    assert not tip.is_visible()
    term.tap()
    tip.locator("a.term-tip-link").tap()
    page.wait_for_url("**/glossary/#caliphate")
    page.context.close()


def test_notes_and_definitions_open_from_targets_at_least_24_px_square(site):
    page = open_page(site, **PHONE)
    targets = page.locator(".article-body a.mention[aria-describedby], .article-body a.term").all()
    assert len(targets) >= 14
    for target in targets:
        box = target.bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24, (target.inner_text(), box)
    page.context.close()


# --- print ---------------------------------------------------------------------------------------


def test_in_print_notes_are_numbered_after_the_text_and_none_is_inside_a_paragraph(site):
    page = open_page(site)
    page.emulate_media(media="print")
    assert page.locator(".article-body p .sidenote:visible").count() == 0
    endnotes = page.locator(".endnotes li")
    assert endnotes.count() == page.locator(".article-body .sidenote").count()
    assert endnotes.first.is_visible()
    text = page.locator(".article-body").bounding_box()
    assert endnotes.first.bounding_box()["y"] > text["y"] + text["height"]
    assert page.locator(".article-body .sidenote-number").first.is_visible(), "the numbers stay in the text"
    page.context.close()


def test_in_print_navigation_is_hidden(site):
    page = open_page(site)
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".site-nav").is_visible()
    page.context.close()


def test_in_print_the_addresses_of_external_links_show(site, archive):
    archive.article("a", body="As [the report](https://example.com/report) says.", url="https://example.com/original")
    archive.build()
    _, browser = site
    with serve(archive.out) as base:
        page = browser.new_page()
        page.goto(base + "articles/a/")
        page.emulate_media(media="print")
        for link in (page.locator(".prose a"), page.locator("a.source")):
            printed = link.evaluate("link => getComputedStyle(link, '::after').content")
            assert link.get_attribute("href") in printed
        page.close()
