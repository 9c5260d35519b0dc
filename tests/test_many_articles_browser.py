"""A generated archive of 300 articles in Chromium, at desktop (1280x900) and phone (390x844) sizes:
side-notes keep their layout on crowded articles, the pages readers land on have no accessibility
violation, and the header stays one row on phones. The archive is built once for the module."""

from __future__ import annotations

import json

import pytest
from accessibility import axe_violations, prepare, require_axe_core
from browser import chromium, serve
from generated import DENSE, write_generated_archive
from sidenote_layout import NOTES_AND_LINES, assert_notes_follow_their_lines

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
SIZES = {"1280x900": DESKTOP, "390x844": PHONE}
CROWDED = [f"articles/dense-report-{number}/" for number in range(1, DENSE + 1)]
FIRST_PLACE = "entities/place-01/"  # mentioned by half of the articles: its page runs to a second
PAGES = {
    "article": CROWDED[0],
    "entity": FIRST_PLACE,
    "entity page 2": FIRST_PLACE + "page/2/",
    "timeline": "timeline/",
    "search": "search/",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    archive = write_generated_archive(tmp_path_factory.mktemp("many") / "site", articles=300)
    archive.build(search=True)
    with serve(archive.out, "/archive/") as base, chromium() as browser:
        yield base, browser


def open_page(site, path: str, size: dict, javascript: bool = True, scheme: str = "light"):
    base, browser = site
    context = browser.new_context(java_script_enabled=javascript, color_scheme=scheme, **size)
    page = context.new_page()
    response = page.goto(base + path)
    assert response.ok, path
    if javascript:
        page.evaluate("document.fonts.ready")
        page.wait_for_timeout(100)  # the side-notes are placed on the next animation frame
    return page


@pytest.mark.parametrize("path", CROWDED)
def test_on_a_crowded_article_each_note_stays_near_its_line_without_overlap(site, path):
    page = open_page(site, path, DESKTOP)
    notes = page.evaluate(NOTES_AND_LINES)
    assert len(notes) >= 12, "the article is crowded with notes"
    assert_notes_follow_their_lines(notes)
    page.context.close()


@pytest.mark.parametrize("path", CROWDED)
def test_on_a_crowded_article_without_javascript_every_note_is_visible_in_the_margin(site, path):
    page = open_page(site, path, DESKTOP, javascript=False)
    text = page.locator(".article-body p").first.bounding_box()
    notes = page.locator(".article-body .sidenote").all()
    assert len(notes) >= 12
    for note in notes:
        assert note.is_visible()
        assert note.bounding_box()["x"] >= text["x"] + text["width"]
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_pages_readers_land_on_have_no_accessibility_violation(site, size):
    # Light scheme only: colours do not depend on the archive's size, and tests/test_quality.py
    # checks both schemes on every page type; what this archive adds is length and crowding.
    require_axe_core()
    found = {}
    page = open_page(site, "", SIZES[size])
    for kind, path in PAGES.items():
        page.goto(site[0] + path)
        prepare(page, kind.split(" page ")[0], query="harvest")
        violations = axe_violations(page)
        if violations:
            found[f"{kind} ({path})"] = violations
    page.context.close()
    assert found == {}, f"axe-core at {size}:\n" + json.dumps(found, indent=1)


def test_on_phones_the_header_is_at_most_64_px_tall(site):
    page = open_page(site, "", PHONE)
    for path in PAGES.values():
        page.goto(site[0] + path)
        assert page.locator(".site-header").bounding_box()["height"] <= 64, path
    page.context.close()
