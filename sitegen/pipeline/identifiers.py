"""How an entity is identified outside the archive: its Wikidata item, the
`same_as` pages and a place's coordinates, as links for its page and as
schema.org values for its JSON-LD."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sitegen.model.models import Entity
from sitegen.pipeline.site import Link

WIKIDATA_ITEM = "https://www.wikidata.org/wiki/"


def identifier_urls(entity: Entity) -> list[str]:
    """The pages that identify the entity elsewhere: its Wikidata item, then
    `same_as`, each once (`same_as` may repeat the Wikidata item's address)."""
    return list(dict.fromkeys(([WIKIDATA_ITEM + entity.wikidata] if entity.wikidata else []) + list(entity.same_as)))


def identifier_links(entity: Entity) -> tuple[Link, ...]:
    """Wikidata and `same_as` as links labelled by the site they lead to."""
    links = []
    for url in identifier_urls(entity):
        if entity.wikidata and url == WIKIDATA_ITEM + entity.wikidata:
            links.append(Link(f"Wikidata ({entity.wikidata})", url))
        else:
            links.append(Link((urlsplit(url).hostname or url).removeprefix("www."), url))
    return tuple(links)


def degrees(value: float) -> str:
    """A coordinate as plain decimal degrees, to six places (about 10 cm), without trailing zeros."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def map_link(entity: Entity) -> Link | None:
    """The entity's coordinates on OpenStreetMap, with a marker, at a city's zoom."""
    if entity.coordinates is None:
        return None
    latitude, longitude = (degrees(value) for value in entity.coordinates)
    url = f"https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}#map=10/{latitude}/{longitude}"
    return Link(f"{latitude}, {longitude}", url)


def geo_coordinates(coordinates: tuple[float, float]) -> dict[str, Any]:
    latitude, longitude = coordinates
    return {"@type": "GeoCoordinates", "latitude": latitude, "longitude": longitude}
