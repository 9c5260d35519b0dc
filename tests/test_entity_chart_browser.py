"""The chart of an entity's articles over time, in Chromium: seen at desktop and
phone widths, coloured by the theme in light and dark mode, and free of any
axe-core violation."""

from __future__ import annotations

import datetime as dt

import pytest
from browser import chromium, serve
from conftest import Archive
from accessibility import AXE_CORE

ENTITY = "entities/mosul/"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not AXE_CORE.is_file():
        pytest.fail(f"axe-core is missing at {AXE_CORE}: run scripts/test.sh")
    archive = Archive.create(tmp_path_factory.mktemp("chart") / "site")
    archive.write("content/entities/mosul.md", '---\nname: "Mosul"\nkind: place\nsummary: "A city on the Tigris."\n---\n')
    for number in range(120):  # two pages of articles, over 20 months
        date = dt.date(2015, 1, 1) + dt.timedelta(days=5 * number)
        archive.article(f"a{number:03d}", title=f"Report {number}", date=date.isoformat(), body="Mosul again.")
    archive.build()
    with serve(archive.out) as base, chromium() as browser:
        yield base, browser


def theme_colour(page, name: str) -> str:
    """A custom property of the theme, as the browser computes it into a colour."""
    return page.evaluate(
        "name => { const probe = document.createElement('span'); probe.style.color = `var(${name})`;"
        " document.body.append(probe); const colour = getComputedStyle(probe).color; probe.remove(); return colour; }",
        name,
    )


@pytest.mark.parametrize("scheme", ("light", "dark"))
@pytest.mark.parametrize("width", (1280, 390))
def test_chart_is_seen_in_the_theme_colours_without_accessibility_violations(site, width, scheme):
    base, browser = site
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(base + ENTITY)
        chart = page.locator("svg.chart")
        assert chart.is_visible()
        box = chart.bounding_box()
        column = page.locator(".article-body").bounding_box()
        assert box["width"] >= column["width"] - 1 and box["height"] >= 80
        bar = page.locator("rect.chart-bar").first
        assert bar.evaluate("bar => getComputedStyle(bar).fill") == theme_colour(page, "--accent")
        assert not page.locator(".chart-data").is_visible() or page.locator(".chart-data").bounding_box()["width"] <= 1
        page.add_script_tag(path=str(AXE_CORE))
        results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in results["violations"]] == []
    finally:
        context.close()


def test_a_bar_leads_to_its_months_newest_article(site):
    base, browser = site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(base + ENTITY)
        column = page.locator('svg.chart g a rect.chart-hit').first
        column.click()
        page.wait_for_url("**#mentions-*")
        target = page.locator(".mention-item:target")
        assert target.is_visible()
        month = page.url.rsplit("#mentions-", 1)[1]
        assert target.locator("time").get_attribute("datetime").startswith(month)
    finally:
        page.close()


def test_the_table_of_numbers_shows_when_a_link_in_it_has_the_focus(site):
    base, browser = site
    page = browser.new_page(viewport={"width": 390, "height": 900})
    try:
        page.goto(base + ENTITY)
        page.locator(".chart-data a").first.focus()
        table = page.locator(".chart-data").bounding_box()
        assert table["width"] > 100 and table["height"] > 100
    finally:
        page.close()
