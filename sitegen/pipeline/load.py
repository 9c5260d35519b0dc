"""Source files -> validated content models.

`load_archive` reads `content/` and returns an `Archive` plus every problem
found; it never stops at the first one. Nothing here renders anything.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol
from urllib.parse import urlsplit

from sitegen.model.dates import DateError, parse_partial_date, parse_publication_date
from sitegen.model.errors import Problems, kind_of
from sitegen.model.models import (
    ENTITY_KINDS,
    Archive,
    Article,
    Entity,
    Event,
    Role,
    SourcePos,
    StaticFile,
    Term,
)
from sitegen.model.slugs import (
    SLUG_PATTERN,
    article_slug_from_stem,
    is_valid_slug,
    slugify,
)
from sitegen.pipeline.config import Settings
from sitegen.pipeline.sourcefiles import (
    SourceError,
    parse_toml,
    read_text,
    split_front_matter,
    toml_positions,
)

CONTENT_DIR = "content"
ARTICLE_FIELDS = (
    "title", "date", "slug", "source", "url", "authors", "summary", "tags",
    "entities", "events", "updated", "draft",
)  # fmt: skip
ENTITY_FIELDS = ("name", "kind", "aliases", "summary", "links", "roles")
TERM_FIELDS = ("term", "id", "aliases", "definition", "see", "case_sensitive")
EVENT_FIELDS = ("date", "end", "circa", "title", "description", "entities", "articles")


def is_web_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@dataclass(slots=True)
class _Fields:
    """Typed access to one mapping of source values, reporting problems at their lines."""

    data: dict[str, Any]
    path: str
    line_of: Callable[[str], int | None]
    problems: Problems
    what: str = ""  # prefix for messages, such as "event 'Mosul falls': "
    container: str = "the front matter"  # where a missing key should be added

    def error(self, key: str | None, message: str) -> None:
        self.problems.error(self.path, self.line_of(key) if key else self.line_of(""), self.what + message)

    def warn_unknown(self, known: tuple[str, ...], note: str) -> None:
        for key in sorted(set(self.data) - set(known), key=str):  # YAML keys may be numbers, or null
            self.problems.warning(self.path, self.line_of(key), f"{self.what}unknown key `{key}`{note}")

    def text(self, key: str, *, required: bool = False, default: str = "") -> str:
        value = self.data.get(key)
        if value is None:
            if required:
                self.error(None, f"missing required `{key}`: add it to {self.container}")
            return default
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error(key, f"`{key}` must be text, not {kind_of(value)}")
            return default
        text = str(value).strip()
        if required and not text:
            self.error(key, f"`{key}` must not be empty")
        return text

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.error(key, f"`{key}` must be true or false, not {kind_of(value)}")
            return default
        return value

    def text_list(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
            self.error(key, f"`{key}` must be a list of text values, such as [\"one\", \"two\"]")
            return ()
        return tuple(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))

    def web_url(self, key: str, value: str) -> str:
        if value and not is_web_url(value):
            self.error(key, f"`{key}` must be an http:// or https:// address, not {value!r}")
            return ""
        return value


# --- discovery ---------------------------------------------------------------


def _walk_files(root: Path, folder: Path, problems: Problems) -> list[Path]:
    """All regular files under `folder`, sorted, without following symlinks.

    A symlink can loop or lead outside the archive; neither is followed, and
    each one is reported so the author knows the file was left out.
    """
    found: list[Path] = []
    if folder.is_symlink():
        problems.warning(_rel(root, folder), None, "symbolic link to a folder not followed: copy the files instead")
        return found
    if not folder.is_dir():
        return found
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        for name in list(dirnames):
            if (here / name).is_symlink():
                problems.warning(_rel(root, here / name), None, "symbolic link to a folder not followed: copy the files instead")
                dirnames.remove(name)
            elif name.startswith("."):
                dirnames.remove(name)
        dirnames.sort()
        for name in sorted(filenames):
            path = here / name
            if name.startswith(".") or name.endswith("~"):
                continue
            if path.is_symlink():
                problems.warning(_rel(root, path), None, "symbolic link not followed: copy the file instead")
                continue
            found.append(path)
    return found


def _regular_file(root: Path, path: Path, problems: Problems) -> bool:
    """Whether `path` is a file to read; a symlink is reported and not followed."""
    if path.is_symlink():
        problems.warning(_rel(root, path), None, "symbolic link not followed: copy the file instead")
        return False
    return path.is_file()


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


# --- articles ----------------------------------------------------------------


def load_article(root: Path, path: Path, problems: Problems) -> Article | None:
    return _read_article(root, path, problems)[0]


def _read_article(root: Path, path: Path, problems: Problems) -> tuple[Article | None, dict[str, int]]:
    """The article (None if it has errors) and the line of each front-matter key."""
    rel = _rel(root, path)
    try:
        matter = split_front_matter(read_text(path))
    except SourceError as exc:
        problems.error(rel, exc.line, exc.message)
        return None, {}
    fields = _Fields(matter.data, rel, lambda key: matter.key_lines.get(key, matter.line), problems)
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
    slug = fields.text("slug")
    if slug:
        if not is_valid_slug(slug):
            fields.error("slug", f"`slug` {slug!r} may use only a-z, 0-9 and single hyphens; try {slugify(slug)!r}")
            slug = ""
    else:
        slug = article_slug_from_stem(path.stem)
        if not slug:
            problems.error(rel, 1, "the file name gives an empty slug: rename the file or set `slug:`")
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
        tags=fields.text_list("tags"),
        entity_ids=fields.text_list("entities"),
        events=events,
        draft=fields.flag("draft"),
        extra={k: v for k, v in sorted(matter.data.items()) if k not in ARTICLE_FIELDS},
    )
    if not title or date is None or not slug:
        return None, matter.key_lines
    return article, matter.key_lines


def _article_events(fields: _Fields, value: Any, slug: str):
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        fields.error("events", "`events` must be a list of tables with `date`, `title` and `description`")
        return
    for item in value:
        event = _event(item, fields.path, lambda _key: fields.line_of("events"), fields.problems)
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


# --- entities ----------------------------------------------------------------


def load_entity(root: Path, path: Path, problems: Problems) -> Entity | None:
    rel = _rel(root, path)
    entity_id = path.stem
    if not SLUG_PATTERN.match(entity_id):
        problems.error(rel, None, f"entity file name {path.name!r} must be `<id>.md` with an id of a-z, 0-9 and hyphens; try {slugify(entity_id)}.md")
        return None
    try:
        matter = split_front_matter(read_text(path))
    except SourceError as exc:
        problems.error(rel, exc.line, exc.message.replace("`title:` and `date:`", "`name:` and `kind:`"))
        return None
    fields = _Fields(matter.data, rel, lambda key: matter.key_lines.get(key, matter.line), problems)
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
                else:
                    links.append((str(label), url.strip()))
    roles = tuple(_roles(fields, matter.data.get("roles")))
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
    )


def _roles(fields: _Fields, value: Any):
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


# --- glossary and timeline -----------------------------------------------------


def _toml_tables(root: Path, path: Path, array: str, problems: Problems):
    """Yield (index, table, line) for each `[[array]]` table of a TOML file."""
    rel = _rel(root, path)
    try:
        text = read_text(path)
        data = parse_toml(text)
    except SourceError as exc:
        problems.error(rel, exc.line, exc.message)
        return
    positions = toml_positions(text)
    for key in sorted(set(data) - {array}):
        problems.warning(rel, positions.line_of(key), f"unknown key `{key}`: this file holds [[{array}]] tables only")
    tables = data.get(array, [])
    if not isinstance(tables, list) or not all(isinstance(table, dict) for table in tables):
        found = next((t for t in tables if not isinstance(t, dict)), None) if isinstance(tables, list) else tables
        problems.error(
            rel,
            positions.line_of(array, default=1),
            f"`{array}` must be written as [[{array}]] tables, each a `[[{array}]]` line followed by its keys, "
            f"not as {'a list holding ' if isinstance(tables, list) else ''}{kind_of(found)}",
        )
        return
    header_lines = positions.array_tables.get(array, [])
    for index, table in enumerate(tables):
        line = header_lines[index] if index < len(header_lines) else None
        yield index, table, positions, line


def load_glossary(root: Path, path: Path, problems: Problems) -> list[Term]:
    rel = _rel(root, path)
    terms: list[Term] = []
    for index, table, positions, line in _toml_tables(root, path, "term", problems):
        fields = _Fields(table, rel, lambda key, i=index, ln=line: positions.line_of("term", i, key, default=ln) if key else ln, problems, container="this [[term]] table")
        name = fields.text("term", required=True)
        fields.what = f"term {name!r}: " if name else ""
        fields.warn_unknown(TERM_FIELDS, "; terms know " + ", ".join(TERM_FIELDS))
        definition = fields.text("definition", required=True)
        term_id = fields.text("id") or slugify(name)
        if name and not term_id:
            fields.error("term", "the name gives an empty id: add an `id` of a-z, 0-9 and hyphens")
            continue
        if term_id and not is_valid_slug(term_id):
            fields.error("id", f"`id` {term_id!r} may use only a-z, 0-9 and single hyphens")
            continue
        if not name or not definition or not term_id:
            continue
        terms.append(
            Term(
                id=term_id,
                term=name,
                definition=definition,
                pos=SourcePos(rel, line),
                aliases=tuple(a for a in fields.text_list("aliases") if a != name),
                see=fields.text_list("see"),
                case_sensitive=fields.flag("case_sensitive", True),
            )
        )
    return terms


def load_timeline(root: Path, path: Path, problems: Problems) -> list[Event]:
    rel = _rel(root, path)
    events: list[Event] = []
    for index, table, positions, line in _toml_tables(root, path, "event", problems):
        event = _event(table, rel, lambda key, i=index, ln=line: positions.line_of("event", i, key, default=ln) if key else ln, problems)
        if event is not None:
            events.append(event)
    return events


def _event(table: dict[str, Any], rel: str, line_of, problems: Problems) -> Event | None:
    fields = _Fields(table, rel, line_of, problems, container="this event")
    title = fields.text("title", required=True)
    fields.what = f"event {title!r}: " if title else "event: "
    fields.warn_unknown(EVENT_FIELDS, "; events know " + ", ".join(EVENT_FIELDS))
    dates = {}
    for key in ("date", "end"):
        if table.get(key) is None:
            if key == "date":
                fields.error(None, "missing required `date` (YYYY, YYYY-MM or YYYY-MM-DD)")
            dates[key] = None
            continue
        try:
            dates[key] = parse_partial_date(table[key])
        except DateError as exc:
            fields.error(key, f"`{key}`: {exc}")
            dates[key] = None
    start, end = dates["date"], dates["end"]
    if start and end and end.last_day() < start.first_day():
        fields.error("end", f"`end` {end.iso} is before `date` {start.iso}")
        return None
    if not title or start is None:
        return None
    return Event(
        date=start,
        title=title,
        description=fields.text("description"),
        end=end,
        circa=fields.flag("circa"),
        entity_ids=fields.text_list("entities"),
        article_slugs=fields.text_list("articles"),
        pos=SourcePos(rel, line_of("")),
    )


# --- the whole archive ------------------------------------------------------------


def _normalised_key(slug: str) -> str:
    return unicodedata.normalize("NFKC", slug).casefold()


class ParseCache(Protocol):
    """Where load_archive parses each source file: the engine passes one that remembers results."""

    def parse(self, key: str, path: Path, parse: Callable[[Problems], Any], problems: Problems) -> Any: ...

    def forget_unseen(self) -> None: ...


class _Uncached:
    def parse(self, key: str, path: Path, parse: Callable[[Problems], Any], problems: Problems) -> Any:
        return parse(problems)

    def forget_unseen(self) -> None:
        pass


def load_archive(root: Path, settings: Settings, problems: Problems, cache: ParseCache | None = None) -> Archive:
    cache = cache if cache is not None else _Uncached()
    content = root / CONTENT_DIR
    articles: list[Article] = []
    entities_lines: dict[str, int] = {}  # article path -> line of its `entities:` key
    for path in _walk_files(root, content / "articles", problems):
        if path.suffix.lower() != ".md":
            continue
        article, key_lines = cache.parse("article:" + _rel(root, path), path, lambda p, path=path: _read_article(root, path, p), problems)
        if article is not None and (settings.build.drafts or not article.draft):
            articles.append(article)
            entities_lines[article.pos.path] = key_lines.get("entities", article.pos.line or 1)
    entities = [
        entity
        for path in _walk_files(root, content / "entities", problems)
        if path.suffix.lower() == ".md"
        for entity in [cache.parse("entity:" + _rel(root, path), path, lambda p, path=path: load_entity(root, path, p), problems)]
        if entity is not None
    ]
    glossary_path = content / "glossary.toml"
    terms = (
        cache.parse("glossary", glossary_path, lambda p: load_glossary(root, glossary_path, p), problems)
        if _regular_file(root, glossary_path, problems)
        else []
    )
    timeline_path = content / "timeline.toml"
    events = (
        cache.parse("timeline", timeline_path, lambda p: load_timeline(root, timeline_path, p), problems)
        if _regular_file(root, timeline_path, problems)
        else []
    )
    cache.forget_unseen()
    static_files = [
        StaticFile(_rel(root, path), path.relative_to(content / "static").as_posix())
        for path in _walk_files(root, content / "static", problems)
    ]

    _check_duplicate_slugs(articles, problems)
    _check_duplicate_terms(terms, problems)
    _check_term_name_collisions(terms, problems)
    _check_references(articles, entities, terms, events, problems, entities_lines)
    articles.sort(key=_newest_first)
    return Archive(
        articles=tuple(articles),
        entities=tuple(sorted(entities, key=lambda e: e.id)),
        terms=tuple(sorted(terms, key=lambda t: t.id)),
        events=tuple(events),
        static_files=tuple(sorted(static_files, key=lambda s: s.target)),
    )


def _newest_first(article: Article) -> tuple:
    """Later days first; within a day, articles without a time, then later times first; then by slug."""
    moment = article.date.moment
    return (-article.date.day.toordinal(), moment is not None, -moment.timestamp() if moment else 0.0, article.slug)


def _check_duplicate_slugs(articles: list[Article], problems: Problems) -> None:
    by_key: dict[str, list[Article]] = {}
    for article in articles:
        by_key.setdefault(_normalised_key(article.slug), []).append(article)
    for group in by_key.values():
        if len(group) > 1:
            paths = " and ".join(a.pos.path for a in group)
            for article in group:
                problems.error(
                    article.pos.path,
                    1,
                    f"duplicate slug {article.slug!r}: {paths} would be written to the same page; "
                    "rename one file or set a different `slug:`",
                )


def _check_duplicate_terms(terms: list[Term], problems: Problems) -> None:
    seen: dict[str, Term] = {}
    for term in terms:
        if term.id in seen:
            first = seen[term.id]
            problems.error(
                term.pos.path,
                term.pos.line,
                f"term {term.term!r}: id {term.id!r} is already used by {first.term!r} at {first.pos}; give one an `id`",
            )
        else:
            seen[term.id] = term


def _check_term_name_collisions(terms: list[Term], problems: Problems) -> None:
    """Two terms answering to one name: neither can be marked there, so say so."""
    owners: dict[str, list[tuple[Term, str]]] = {}
    for term in terms:
        for name in dict.fromkeys((term.term, *term.aliases)):
            owners.setdefault(unicodedata.normalize("NFC", name).casefold(), []).append((term, name))
    for claims in owners.values():
        for index, (term, name) in enumerate(claims):
            for other, other_name in claims[:index]:
                if other.id == term.id:
                    continue
                # Case-sensitive names only collide when they are spelled alike.
                if term.case_sensitive and other.case_sensitive and name != other_name:
                    continue
                problems.warning(
                    term.pos.path,
                    term.pos.line,
                    f"term {term.term!r}: the name {name!r} is also a name of term {other.term!r} "
                    f"(at {other.pos}); it is marked for neither: remove it from one of them",
                )


def _check_references(articles, entities, terms, events, problems: Problems, entities_lines: dict[str, int]) -> None:
    entity_ids = {e.id for e in entities}
    term_ids = {t.id for t in terms}
    slugs = {a.slug for a in articles}

    def unknown(ids, known, pos: SourcePos, what: str, hint: str) -> None:
        for ref in ids:
            if ref not in known:
                problems.error(pos.path, pos.line, f"{what} {ref!r} does not exist: {hint}")

    for article in articles:
        at = SourcePos(article.pos.path, entities_lines.get(article.pos.path, article.pos.line))
        unknown(article.entity_ids, entity_ids, at, "entity", "create content/entities/<id>.md or fix the id in `entities`")
        for event in article.events:
            unknown(event.entity_ids, entity_ids, event.pos, f"event {event.title!r}: entity", "fix the id")
            unknown(event.article_slugs, slugs, event.pos, f"event {event.title!r}: article", "use the article's slug")
    for term in terms:
        unknown(term.see, entity_ids | term_ids, term.pos, f"term {term.term!r}: `see`", "name an entity id or a term id")
    for event in events:
        unknown(event.entity_ids, entity_ids, event.pos, f"event {event.title!r}: entity", "create the entity or fix the id")
        unknown(event.article_slugs, slugs, event.pos, f"event {event.title!r}: article", "use the article's slug")
