"""Articles and entities: Markdown files with front matter -> content models.

Each reader takes one file and returns its model, or None when the file has
errors; every problem goes to `problems` at its line. What the archive as a
whole must satisfy (unique slugs, references that resolve) is checked in
`load`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sitegen.model.dates import DateError, PublicationDate, parse_partial_date, parse_publication_date
from sitegen.model.errors import Problems, kind_of
from sitegen.model.models import ENTITY_KINDS, Article, Entity, Event, Role, SourcePos
from sitegen.model.slugs import SLUG_PATTERN, article_slug_from_stem, is_valid_slug, slugify, too_long
from sitegen.pipeline.fields import Fields, is_web_url, read_event
from sitegen.pipeline.sourcefiles import SourceError, read_text, source_name, split_front_matter

ARTICLE_FIELDS = (
    "title", "date", "slug", "source", "url", "authors", "summary", "tags",
    "entities", "events", "updated", "draft",
)  # fmt: skip
ENTITY_FIELDS = ("name", "kind", "aliases", "summary", "links", "roles", "wikidata", "same_as", "coordinates")
WIKIDATA_ID = re.compile(r"Q[1-9][0-9]*")


# --- articles ----------------------------------------------------------------


def load_article(root: Path, path: Path, problems: Problems) -> Article | None:
    return read_article(root, path, problems)[0]


def read_article(root: Path, path: Path, problems: Problems) -> tuple[Article | None, dict[str, int]]:
    """The article (None if it has errors) and the line of each front-matter key."""
    rel = source_name(root, path)
    try:
        matter = split_front_matter(read_text(path))
    except SourceError as exc:
        problems.error(rel, exc.line, exc.message)
        return None, {}
    fields = Fields(matter.data, rel, lambda key: matter.key_lines.get(key, matter.line), problems)
    fields.warn_unknown(ARTICLE_FIELDS, " (kept for templates as `article.extra`)")
    title = fields.text("title", required=True)
    date = None
    if "date" not in matter.data:
        fields.error(None, "missing required `date`: add `date: YYYY-MM-DD`")
    else:
        try:
            date = parse_publication_date(matter.data["date"])
        except DateError as exc:
            fields.error("date", f"`date`: {exc}")
    updated = None
    if matter.data.get("updated") is not None:
        try:
            updated = parse_publication_date(matter.data["updated"])
        except DateError as exc:
            fields.error("updated", f"`updated`: {exc}")
    if date is not None and updated is not None and _before(updated, date):
        # Its feed entries, and the feeds' own `updated`, would give the older date as its last change.
        fields.error("updated", f"`updated` {updated.iso} is before `date` {date.iso}: an article is updated after it is published")
        updated = None
    slug = fields.text("slug")
    if slug:
        if not is_valid_slug(slug):
            fields.error("slug", f"`slug` {slug!r} may use only a-z, 0-9 and single hyphens; try {slugify(slug)!r}")
            slug = ""
    else:
        slug = article_slug_from_stem(path.stem)
        if not slug:
            problems.error(rel, 1, "the file name gives an empty slug: rename the file or set `slug:`")
    if too_long(slug):
        message = f"the slug {too_long(slug)}: "
        if fields.text("slug"):
            fields.error("slug", message + "shorten `slug`")
        else:
            problems.error(rel, 1, message + "shorten the file name or set a shorter `slug:`")
        slug = ""
    tags = fields.text_list("tags")
    for tag in tags:
        if too_long(slugify(tag)):
            fields.error("tags", f"the tag {tag[:24]!r}… {too_long(slugify(tag))}: shorten it")
    events = tuple(_article_events(fields, matter.data.get("events"), slug))
    article = Article(
        slug=slug,
        title=title,
        date=date,  # type: ignore[arg-type]  # None only when an error was recorded
        body=matter.body,
        body_line=matter.body_line,
        pos=SourcePos(rel, 1),
        updated=updated,
        source=fields.text("source"),
        url=fields.web_url("url", fields.text("url")),
        authors=fields.text_list("authors"),
        summary=fields.text("summary"),
        tags=tags,
        entity_ids=fields.text_list("entities"),
        events=events,
        draft=fields.flag("draft"),
        extra={k: v for k, v in sorted(matter.data.items()) if k not in ARTICLE_FIELDS},
    )
    if not title or date is None or not slug:
        return None, matter.key_lines
    return article, matter.key_lines


def _article_events(fields: Fields, value: Any, slug: str):
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        fields.error("events", "`events` must be a list of tables with `date`, `title` and `description`")
        return
    for item in value:
        event = read_event(item, fields.path, lambda _key: fields.line_of("events"), fields.problems)
        if event is not None:
            yield Event(
                date=event.date,
                title=event.title,
                description=event.description,
                end=event.end,
                circa=event.circa,
                entity_ids=event.entity_ids,
                article_slugs=tuple(dict.fromkeys((slug, *event.article_slugs))),
                pos=event.pos,
            )


def _before(one: PublicationDate, other: PublicationDate) -> bool:
    """Whether `one` is earlier than `other`: as instants when both give the time, else by their days as written."""
    if one.moment is not None and other.moment is not None:
        return one.moment < other.moment
    return one.day < other.day


# --- entities ----------------------------------------------------------------


def load_entity(root: Path, path: Path, problems: Problems) -> Entity | None:
    rel = source_name(root, path)
    entity_id = path.stem
    if not SLUG_PATTERN.match(entity_id):
        problems.error(rel, None, f"entity file name {path.name!r} must be `<id>.md` with an id of a-z, 0-9 and hyphens; try {slugify(entity_id)}.md")
        return None
    try:
        matter = split_front_matter(read_text(path))
    except SourceError as exc:
        problems.error(rel, exc.line, exc.message.replace("`title:` and `date:`", "`name:` and `kind:`"))
        return None
    fields = Fields(matter.data, rel, lambda key: matter.key_lines.get(key, matter.line), problems)
    fields.warn_unknown(ENTITY_FIELDS, "; entities know " + ", ".join(ENTITY_FIELDS))
    name = fields.text("name", required=True)
    kind = fields.text("kind", required=True)
    if kind and kind not in ENTITY_KINDS:
        fields.error("kind", f"`kind` {kind!r} must be one of {', '.join(ENTITY_KINDS)}")
        kind = ""
    links: list[tuple[str, str]] = []
    raw_links = matter.data.get("links")
    if raw_links is not None:
        if not isinstance(raw_links, dict):
            fields.error("links", "`links` must be a table of label: URL pairs")
        else:
            for label, url in raw_links.items():
                if not isinstance(url, str) or not is_web_url(url.strip()):
                    fields.error("links", f"link {label!r} must be an http:// or https:// address, not {url!r}")
                elif label is None or not str(label).strip():  # the page would show an empty link, or "None"
                    fields.error("links", f"the link to {url.strip()!r} needs a label, the text the page shows, such as Wikipedia")
                elif fields.allowed("links", str(label).strip()):
                    links.append((str(label).strip(), url.strip()))
    roles = tuple(_roles(fields, matter.data.get("roles")))
    wikidata, same_as, coordinates = _identifiers(fields, kind)
    if not name or not kind:
        return None
    return Entity(
        id=entity_id,
        name=name,
        kind=kind,
        pos=SourcePos(rel, 1),
        aliases=tuple(a for a in fields.text_list("aliases") if a != name),
        summary=fields.text("summary"),
        links=tuple(links),
        roles=roles,
        body=matter.body,
        body_line=matter.body_line,
        wikidata=wikidata,
        same_as=same_as,
        coordinates=coordinates,
    )


def _identifiers(fields: Fields, kind: str) -> tuple[str, tuple[str, ...], tuple[float, float] | None]:
    """`wikidata`, `same_as` and `coordinates`: what identifies the entity outside the archive."""
    wikidata = fields.text("wikidata")
    if wikidata and not WIKIDATA_ID.fullmatch(wikidata):
        fields.error("wikidata", f"`wikidata` must be a Wikidata item id such as Q42 (Q and a number), not {wikidata!r}")
        wikidata = ""
    same_as = fields.text_list("same_as")
    for url in same_as:
        if not is_web_url(url):
            fields.error("same_as", f"`same_as` must list http:// or https:// addresses, and {url!r} is not one")
    same_as = tuple(url for url in same_as if is_web_url(url))
    return wikidata, same_as, _coordinates(fields, kind)


def _reads_as_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _coordinates(fields: Fields, kind: str) -> tuple[float, float] | None:
    value = fields.data.get("coordinates")
    if value is None:
        return None
    if kind and kind != "place":
        fields.error("coordinates", f"`coordinates` are for places only, and this entity's kind is {kind}: remove them or make it `kind: place`")
        return None
    numbers = value if isinstance(value, list) else []
    written_as_text = next((n for n in numbers if isinstance(n, str) and _reads_as_number(n)), None)
    if written_as_text is not None:
        # YAML reads a number with an exponent but no decimal point (36e0, 1e2) as text.
        fields.error("coordinates", f"the coordinate {written_as_text!r} is read as text, not a number: "
                     "coordinates must be decimal numbers such as 36.0 or -43.13")  # fmt: skip
        return None
    if len(numbers) != 2 or not all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in numbers):
        fields.error("coordinates", "`coordinates` must be [latitude, longitude] in decimal degrees, such as [36.34, 43.13]")
        return None
    latitude, longitude = numbers  # compared as written (NaN is in no range; a huge integer is no float)
    if not -90 <= latitude <= 90:
        fields.error("coordinates", f"the latitude {latitude} must be between -90 and 90 (south is negative); write [latitude, longitude]")
        return None
    if not -180 <= longitude <= 180:
        fields.error("coordinates", f"the longitude {longitude} must be between -180 and 180 (west is negative)")
        return None
    return float(latitude) + 0.0, float(longitude) + 0.0  # -0.0 is 0.0, so equal places print alike


def _roles(fields: Fields, value: Any):
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        fields.error("roles", "`roles` must be a list of tables with `title`, `from` and `to`")
        return
    for item in value:
        title = item.get("title")
        if title is not None and not isinstance(title, str):
            fields.error("roles", f"a role's `title` must be text, not {kind_of(title)}")
            continue
        if title is None or not title.strip():
            fields.error("roles", "each role needs a `title`")
            continue
        if not fields.allowed("roles", title):
            continue
        bounds = []
        for key in ("from", "to"):
            raw = item.get(key)
            if raw is None or raw == "":
                bounds.append(None)
                continue
            try:
                bounds.append(parse_partial_date(raw))
            except DateError as exc:
                fields.error("roles", f"role {title!r} `{key}`: {exc}")
                bounds.append(None)
        start, end = bounds
        if start and end and end.last_day() < start.first_day():
            fields.error("roles", f"role {title!r} ends ({end.iso}) before it starts ({start.iso})")
        yield Role(title.strip(), start, end)

