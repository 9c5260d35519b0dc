"""Content models: what the archive's source files say, validated and frozen.

Produced by `load`, consumed by every later stage. Each model keeps the
source path and line it came from so that later stages can locate messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

from sitegen.model.dates import PartialDate, PublicationDate

EntityKind = Literal["person", "organization", "place", "event", "other"]
ENTITY_KINDS: tuple[str, ...] = ("person", "organization", "place", "event", "other")


@dataclass(frozen=True, slots=True)
class SourcePos:
    path: str  # relative to the archive root, forward slashes
    line: int | None = None

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class Event:
    """A dated happening on the timeline."""

    date: PartialDate
    title: str
    description: str = ""  # Markdown
    end: PartialDate | None = None
    circa: bool = False
    entity_ids: tuple[str, ...] = ()
    article_slugs: tuple[str, ...] = ()
    pos: SourcePos = field(default_factory=lambda: SourcePos(""))


@dataclass(frozen=True, slots=True)
class Article:
    slug: str
    title: str
    date: PublicationDate
    body: str  # Markdown, without front matter
    body_line: int  # file line on which the body starts
    pos: SourcePos
    updated: PublicationDate | None = None
    source: str = ""
    url: str = ""
    authors: tuple[str, ...] = ()
    summary: str = ""
    tags: tuple[str, ...] = ()
    entity_ids: tuple[str, ...] = ()
    events: tuple[Event, ...] = ()
    draft: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)  # unknown front-matter keys, for templates


@dataclass(frozen=True, slots=True)
class Role:
    """A position an entity held for a time, for side-notes valid on a date."""

    title: str
    start: PartialDate | None = None
    end: PartialDate | None = None


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    name: str
    kind: str  # one of ENTITY_KINDS
    pos: SourcePos
    aliases: tuple[str, ...] = ()
    summary: str = ""
    links: tuple[tuple[str, str], ...] = ()  # (label, http(s) URL), in file order
    roles: tuple[Role, ...] = ()
    body: str = ""  # Markdown description
    body_line: int = 1
    wikidata: str = ""  # a Wikidata item id such as "Q42"
    same_as: tuple[str, ...] = ()  # http(s) URLs of the same entity elsewhere, in file order
    coordinates: tuple[float, float] | None = None  # (latitude, longitude) in degrees; places only


@dataclass(frozen=True, slots=True)
class Term:
    id: str
    term: str
    definition: str  # inline Markdown
    pos: SourcePos
    aliases: tuple[str, ...] = ()
    see: tuple[str, ...] = ()  # entity or term ids
    case_sensitive: bool = True


@dataclass(frozen=True, slots=True)
class StaticFile:
    source: str  # path relative to the archive root
    target: str  # path relative to the output root


@dataclass(frozen=True, slots=True)
class Archive:
    """Everything the sources say, sorted deterministically."""

    articles: tuple[Article, ...]  # newest first, then by slug
    entities: tuple[Entity, ...]  # by id
    terms: tuple[Term, ...]  # by id
    events: tuple[Event, ...]  # from timeline.toml, in file order
    static_files: tuple[StaticFile, ...]  # by target
