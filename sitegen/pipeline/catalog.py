"""The catalogue of names: every entity and glossary term, indexed for annotation.

`build_catalog` runs once per build, before any article is annotated. A name
or alias that several entities share is kept with all of them (an article's
`entities` list settles which one it means) and reported once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sitegen.model.errors import Diagnostic
from sitegen.model.matcher import Phrase, PhraseIndex, phrase_of
from sitegen.model.models import Archive, Entity, Term
from sitegen.model.urls import Urls

ENTITY_KIND_LABELS = {
    "person": "Person",
    "organization": "Organisation",
    "place": "Place",
    "event": "Event",
    "other": "Other",
}

# A group of entities of one kind, as its heading names it.
ENTITY_KIND_PLURALS = {
    "person": "People",
    "organization": "Organisations",
    "place": "Places",
    "event": "Events",
    "other": "Other",
}

@dataclass(frozen=True, slots=True)
class Catalog:
    """Everything annotation needs to know about the archive's entities.

    Built once per build; it is plain data, so it can be sent to worker
    processes with the articles.
    """

    entities: dict[str, Entity]
    index: PhraseIndex  # entity names and aliases -> entity ids
    urls: Urls
    repeat_links: bool = False
    terms: dict[str, Term] = field(default_factory=dict)
    term_index: PhraseIndex = field(default_factory=PhraseIndex)  # term names -> term ids


def build_catalog(archive: Archive, urls: Urls, repeat_links: bool = False) -> tuple[Catalog, list[Diagnostic]]:
    """Index every entity name and alias; report names shared by several entities."""
    index = PhraseIndex()
    entities = {entity.id: entity for entity in archive.entities}
    for entity in archive.entities:
        for name in (entity.name, *entity.aliases):
            index.add(name, entity.id)
    warnings = [
        Diagnostic(
            entities[ids[0]].pos.path,
            None,
            f"the name {name!r} belongs to {len(ids)} entities ({_some_files([entities[i].pos.path for i in ids])}); "
            "it is annotated only in articles whose `entities` list names exactly one of them",
            "warning",
        )
        for name, ids in index.shared_names()
    ]
    term_index = PhraseIndex()
    loose: dict[Phrase, list[str]] = {}  # case-insensitive names (folded) -> term ids
    for term in archive.terms:
        for name in (term.term, *term.aliases):
            term_index.add(name, term.id, case_sensitive=term.case_sensitive)
            folded = phrase_of(name, fold=True)
            if not term.case_sensitive and folded is not None:
                loose.setdefault(folded, []).append(term.id)
    # A case-insensitive name also matches every spelling of a case-sensitive
    # one, but the exact spelling is looked up first: share it, so that a name
    # two terms answer to marks neither, whatever their case settings.
    for term in archive.terms:
        if term.case_sensitive:
            for name in (term.term, *term.aliases):
                for other in loose.get(phrase_of(name, fold=True), ()):
                    if other != term.id:
                        term_index.add(name, other)
    terms = {term.id: term for term in archive.terms}
    return Catalog(entities, index, urls, repeat_links, terms, term_index), warnings


SHARED_NAME_FILES_SHOWN = 10


def _some_files(paths: list[str]) -> str:
    """"a, b and c", or the first SHARED_NAME_FILES_SHOWN and "and N more": one
    warning per shared name stays short however many entities share it (a
    name such as "the" can belong to thousands)."""
    if len(paths) > SHARED_NAME_FILES_SHOWN:
        return ", ".join(paths[:SHARED_NAME_FILES_SHOWN]) + f" and {len(paths) - SHARED_NAME_FILES_SHOWN} more"
    return ", ".join(paths[:-1]) + " and " + paths[-1]
