"""Identifying an entity outside the archive: `wikidata`, `same_as` and, for places, `coordinates`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import DEFAULT_SITE_TOML

from sitegen.engine.builder import BuildOptions, build
from sitegen.engine.cache_codec import decode, encode
from sitegen.model.models import Entity, SourcePos
from sitegen.model.errors import Problems
from sitegen.pipeline.config import parse_settings
from sitegen.pipeline.load import load_archive

MOSUL = """\
---
name: Mosul
kind: place
wikidata: Q83196
same_as: ["https://www.geonames.org/99072/", "https://viaf.org/viaf/1?a=1&b=2"]
coordinates: [36.34, 43.13]
links:
  Wikipedia: https://en.wikipedia.org/wiki/Mosul
---
"""


def entity_file(archive, text: str, entity_id: str = "mosul") -> None:
    archive.write(f"content/entities/{entity_id}.md", text)


def load_entity(archive) -> tuple[Entity | None, Problems]:
    problems = Problems()
    loaded = load_archive(archive.root, parse_settings(DEFAULT_SITE_TOML), problems)
    return (loaded.entities[0] if loaded.entities else None), problems


def json_ld(archive, entity_id: str = "mosul") -> dict:
    return json.loads(archive.html(f"entities/{entity_id}/index.html").find("script", type="application/ld+json").string)


def run_check(archive) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sitegen", "check"], cwd=archive.root, capture_output=True, text=True, timeout=120)


# --- what the loader reads ------------------------------------------------------------------


def test_identifiers_are_fields_of_the_entity(archive):
    entity_file(archive, MOSUL)
    entity, problems = load_entity(archive)
    assert problems.items == []
    assert entity.wikidata == "Q83196"
    assert entity.same_as == ("https://www.geonames.org/99072/", "https://viaf.org/viaf/1?a=1&b=2")
    assert entity.coordinates == (36.34, 43.13)


def test_whole_degrees_are_coordinates_too(archive):
    entity_file(archive, "---\nname: Mosul\nkind: place\ncoordinates: [36, -43]\n---\n")
    entity, problems = load_entity(archive)
    assert problems.items == []
    assert entity.coordinates == (36.0, -43.0)
    assert all(type(value) is float for value in entity.coordinates)


def test_identifiers_may_be_written_in_toml_front_matter(archive):
    entity_file(archive, '+++\nname = "Mosul"\nkind = "place"\nwikidata = "Q83196"\ncoordinates = [36.34, 43.13]\n+++\n')
    entity, problems = load_entity(archive)
    assert problems.items == []
    assert (entity.wikidata, entity.coordinates) == ("Q83196", (36.34, 43.13))


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("wikidata: 83196", "`wikidata` must be a Wikidata item id such as Q42 (Q and a number), not '83196'"),
        ("wikidata: q83196", "`wikidata` must be a Wikidata item id"),
        ("wikidata: Q0", "`wikidata` must be a Wikidata item id"),
        ("same_as: [ftp://example.org/x]", "`same_as` must list http:// or https:// addresses, and 'ftp://example.org/x' is not one"),
        ('same_as: ["https://www.geo names.org/99072"]', "and 'https://www.geo names.org/99072' is not one"),
        ("coordinates: [36.34]", "`coordinates` must be [latitude, longitude]"),
        ("coordinates: [36.34, 43.13, 0]", "`coordinates` must be [latitude, longitude]"),
        ("coordinates: [true, 43.13]", "`coordinates` must be [latitude, longitude]"),
        ("coordinates: [.nan, 43.13]", "the latitude nan must be between -90 and 90"),
        ("coordinates: [90.5, 43.13]", "the latitude 90.5 must be between -90 and 90"),
        ("coordinates: [36.34, 180.5]", "the longitude 180.5 must be between -180 and 180"),
        ("coordinates: [36e0, 43.13]", "the coordinate '36e0' is read as text, not a number: coordinates must be decimal numbers such as 36.0"),
        ("coordinates: [36.34, 1e2]", "the coordinate '1e2' is read as text, not a number: coordinates must be decimal numbers such as 36.0"),
    ],
)
def test_a_bad_identifier_is_an_error_at_its_line(archive, field, message):
    entity_file(archive, f"---\nname: Mosul\nkind: place\n{field}\n---\n")
    _, problems = load_entity(archive)
    [error] = problems.errors
    assert (error.path, error.line) == ("content/entities/mosul.md", 4)
    assert message in error.message


def test_only_places_have_coordinates(archive):
    entity_file(archive, "---\nname: Rupert Jones\nkind: person\ncoordinates: [51.5, -0.12]\n---\n", "jones")
    _, problems = load_entity(archive)
    [error] = problems.errors
    assert error.line == 4
    assert "`coordinates` are for places only, and this entity's kind is person" in error.message


def test_sitegen_check_reports_a_bad_identifier_with_its_location(archive):
    entity_file(archive, "---\nname: Mosul\nkind: place\nwikidata: Mosul\n---\n")
    result = run_check(archive)
    assert result.returncode == 1
    assert "content/entities/mosul.md:4: error: `wikidata` must be a Wikidata item id such as Q42" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


# --- what pages show ------------------------------------------------------------------------


def test_json_ld_names_the_wikidata_item_and_the_same_as_pages(archive):
    entity_file(archive, MOSUL)
    archive.build()
    data = json_ld(archive)
    assert data["sameAs"] == [
        "https://www.wikidata.org/wiki/Q83196",
        "https://www.geonames.org/99072/",
        "https://viaf.org/viaf/1?a=1&b=2",
        "https://en.wikipedia.org/wiki/Mosul",
    ]


def test_json_ld_gives_a_place_its_coordinates(archive):
    entity_file(archive, MOSUL)
    archive.build()
    assert json_ld(archive)["geo"] == {"@type": "GeoCoordinates", "latitude": 36.34, "longitude": 43.13}


def test_json_ld_of_an_entity_without_identifiers_has_neither(archive):
    entity_file(archive, "---\nname: Mosul\nkind: place\n---\n")
    archive.build()
    data = json_ld(archive)
    assert "sameAs" not in data and "geo" not in data


def test_the_entity_page_links_the_wikidata_item_and_the_same_as_pages(archive):
    entity_file(archive, MOSUL)
    archive.build()
    links = archive.html("entities/mosul/index.html").select("ul.identifiers a")
    assert [(a.get_text(strip=True), a["href"]) for a in links] == [
        ("Wikidata (Q83196)", "https://www.wikidata.org/wiki/Q83196"),
        ("geonames.org", "https://www.geonames.org/99072/"),
        ("viaf.org", "https://viaf.org/viaf/1?a=1&b=2"),
    ]


def test_a_same_as_page_that_is_the_wikidata_item_is_linked_once(archive):
    entity_file(archive, '---\nname: Mosul\nkind: place\nwikidata: Q83196\nsame_as: ["https://www.wikidata.org/wiki/Q83196"]\n---\n')
    archive.build()
    links = archive.html("entities/mosul/index.html").select("ul.identifiers a")
    assert [(a.get_text(strip=True), a["href"]) for a in links] == [("Wikidata (Q83196)", "https://www.wikidata.org/wiki/Q83196")]


def test_the_page_of_a_place_shows_it_on_openstreetmap(archive):
    entity_file(archive, MOSUL)
    archive.build()
    link = archive.html("entities/mosul/index.html").find("a", class_="map-link")
    assert link.get_text(strip=True) == "Show on OpenStreetMap"
    assert link["href"] == "https://www.openstreetmap.org/?mlat=36.34&mlon=43.13#map=10/36.34/43.13"


def test_coordinates_near_zero_are_written_as_plain_decimals(archive):
    entity_file(archive, "---\nname: Null Island\nkind: place\ncoordinates: [-0.0000001, 0.00001]\n---\n", "null-island")
    archive.build()
    link = archive.html("entities/null-island/index.html").find("a", class_="map-link")
    assert link["href"] == "https://www.openstreetmap.org/?mlat=0&mlon=0.00001#map=10/0/0.00001"


def test_an_entity_without_identifiers_shows_no_identifier_links(archive):
    entity_file(archive, "---\nname: Mosul\nkind: place\n---\n")
    archive.build()
    page = archive.html("entities/mosul/index.html")
    assert page.select("ul.identifiers") == [] and page.find("a", class_="map-link") is None


# --- the cache ------------------------------------------------------------------------------


def test_the_cache_gives_back_identifiers_exactly():
    entity = Entity(
        id="mosul", name="Mosul", kind="place", pos=SourcePos("content/entities/mosul.md", 1),
        wikidata="Q83196", same_as=("https://viaf.org/viaf/1",), coordinates=(36.34, -43.0),
    )  # fmt: skip
    again = decode(json.loads(json.dumps(encode(entity))))
    assert again == entity
    assert all(type(value) is float for value in again.coordinates)


def test_a_warm_build_shows_the_identifiers_a_cold_one_does(archive, tmp_path):
    entity_file(archive, MOSUL)
    archive.article("a", title="A", body="In Mosul.")
    archive.build()
    archive.article("a", title="A", body="In Mosul again.")
    archive.build()  # Mosul comes from the cache
    build(BuildOptions(root=archive.root, output=str(tmp_path / "cold"), cache=False))
    assert archive.output_files() == archive.output_files(tmp_path / "cold")
