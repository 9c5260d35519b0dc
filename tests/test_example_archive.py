"""The repository's own example archive builds, links up, and annotates its seed article."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import Archive, copy_example_archive
from sitecheck import broken_links

REPOSITORY = Path(__file__).resolve().parent.parent
SEED_SLUG = "islamic-state-retreat-reveals-terror-plots"


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Archive:
    root = tmp_path_factory.mktemp("example")
    archive = copy_example_archive(root)
    archive.result = archive.build()
    return archive


def test_example_archive_builds_without_warnings(example):
    assert [str(w) for w in example.result.warnings] == []


def test_example_archive_has_the_expected_pages(example):
    for page in ("index.html", f"articles/{SEED_SLUG}/index.html", "archive/index.html", "archive/2016/index.html",
                 "tags/index.html", "entities/index.html", "404.html"):
        assert (example.out / page).is_file(), page


def test_every_internal_link_of_the_example_resolves(example):
    assert broken_links(example.out, "https://example.org/archive/") == []


def test_example_uses_its_own_colophon_override(example):
    colophon = example.html("index.html").select_one(".colophon").get_text()
    assert "an example archive built with sitegen" in colophon


def test_seed_article_has_a_side_note_at_the_first_mention_of_each_entity_it_names(example):
    body = example.html(f"articles/{SEED_SLUG}/index.html").select_one(".article-body")
    noted = [a["data-entity"] for a in body.select("a.mention[aria-describedby]")]
    assert len(noted) == len(set(noted)), "one side-note per entity"
    for note in body.select(".sidenote, .term-tip"):
        note.decompose()
    text = body.get_text()
    expected = set()
    for path in sorted((REPOSITORY / "content/entities").glob("*.md")):
        front = path.read_text(encoding="utf-8").split("---")[1]
        names = [line.split(":", 1)[1].strip().strip('"') for line in front.splitlines() if line.startswith("name:")]
        aliases_line = next((line for line in front.splitlines() if line.startswith("aliases:")), "aliases: []")
        aliases = [a.strip().strip('"') for a in aliases_line.split(":", 1)[1].strip(" []").split(",") if a.strip()]
        if any(name and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) for name in names + aliases):
            expected.add(path.stem)
    assert len(expected) >= 12
    assert expected <= set(noted)


def test_each_entity_page_lists_the_seed_article_with_its_snippet(example):
    body = example.html(f"articles/{SEED_SLUG}/index.html").select_one(".article-body")
    for link in body.select("a.mention[aria-describedby]"):
        page = example.html(f"entities/{link['data-entity']}/index.html")
        item = page.select_one(".mention-item")
        assert item.select_one("h3 a")["href"] == f"/archive/articles/{SEED_SLUG}/"
        assert item.select_one("mark").get_text() == link.get_text()


def test_seed_article_shows_the_role_held_at_publication(example):
    body = example.html(f"articles/{SEED_SLUG}/index.html").select_one(".article-body")
    jones = body.select_one('a[data-entity="rupert-jones"]')
    role = body.find(id=jones["aria-describedby"]).select_one(".sidenote-role")
    assert role.get_text().startswith("Deputy Commander")
    assert role.get_text().endswith("(as of 27 November 2016)")


def test_example_timeline_lists_events_in_order_with_precision_aware_dates(example):
    import tomllib

    from sitegen.model.dates import parse_partial_date

    page = example.timeline()
    times = [t["datetime"] for t in page.select(".event time")]
    assert len(times) >= 5
    keys = [(parse_partial_date(t).first_day(), parse_partial_date(t).precision) for t in times]
    assert keys == sorted(keys)
    shown = {t["datetime"]: t.get_text() for t in page.select(".event time")}
    events = tomllib.loads((REPOSITORY / "content/timeline.toml").read_text(encoding="utf-8"))["event"]
    for event in events:
        text = shown[event["date"]]
        expected = parse_partial_date(event["date"]).display
        assert text.startswith(("c. " + expected) if event.get("circa") else expected), (event["date"], text)


def test_example_glossary_shows_every_term_with_working_anchors(example):
    import tomllib

    from sitegen.model.slugs import slugify

    terms = tomllib.loads((REPOSITORY / "content/glossary.toml").read_text(encoding="utf-8"))["term"]
    assert len(terms) >= 6
    page = example.html("glossary/index.html")
    for term in terms:
        anchor = term.get("id") or slugify(term["term"])
        assert page.find(id=anchor).get_text(strip=True) == term["term"]
    for link in page.select(".jump-bar a"):
        assert page.find(id=link["href"][1:]) is not None


def test_seed_article_marks_its_glossary_terms(example):
    body = example.html(f"articles/{SEED_SLUG}/index.html").select_one(".article-body")
    marked = {a["data-term"] for a in body.select("a.term")}
    assert {"caliphate", "maj-gen", "l-cpl"} <= marked
    glossary = example.html("glossary/index.html")
    for link in body.select("a.term"):
        assert link["href"].startswith("/archive/glossary/#")
        assert glossary.find(id=link["href"].split("#")[1]) is not None


def test_seed_article_offers_its_citation_and_the_files_it_links(example):
    block = example.html(f"articles/{SEED_SLUG}/index.html").find(id="cite-this-article").find_parent("section")
    assert block.select_one(".cite-reference .cite-source").get_text() == "The Telegraph"
    downloads = {a.get_text(): a["href"] for a in block.find_all("a", download=True)}
    assert downloads == {
        "BibTeX": f"/archive/articles/{SEED_SLUG}/cite.bib",
        "CSL-JSON": f"/archive/articles/{SEED_SLUG}/cite.json",
    }
    assert (example.out / "articles" / SEED_SLUG / "cite.bib").is_file()
    assert (example.out / "articles" / SEED_SLUG / "cite.json").is_file()


def test_example_open_data_states_its_licence_and_holds_every_entity(example):
    licence = example.html("data/index.html").select_one(".data-licence")
    assert licence.a["href"] == "https://creativecommons.org/licenses/by/4.0/"
    entities = json.loads((example.out / "data" / "entities.json").read_text(encoding="utf-8"))
    assert sorted(e["id"] for e in entities) == sorted(p.stem for p in (REPOSITORY / "content/entities").glob("*.md"))


def test_example_entities_name_their_wikidata_items_and_places_their_coordinates(example):
    iraq = json.loads(example.html("entities/iraq/index.html").find("script", type="application/ld+json").string)
    assert "https://www.wikidata.org/wiki/Q796" in iraq["sameAs"]
    mosul = example.html("entities/mosul/index.html").find("a", class_="map-link")
    assert mosul["href"].startswith("https://www.openstreetmap.org/?mlat=36.34&mlon=43.13")


def test_every_example_entity_has_a_feed(example):
    for entity in sorted((REPOSITORY / "content/entities").glob("*.md")):
        feed = ET.parse(example.out / "entities" / entity.stem / "feed.xml").getroot()
        ids = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}id")]
        assert ids[0] == f"https://example.org/archive/entities/{entity.stem}/feed.xml"
