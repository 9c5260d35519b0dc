"""Source files -> validated content models.

`load_archive` walks `content/`, has each file read (articles and entities by
`load_markdown`, the glossary and timeline by `load_toml`) and checks what the
archive as a whole must satisfy: unique slugs and term ids, and references
that resolve. It returns an `Archive` plus every problem found; it never
stops at the first one. Nothing here renders anything.
"""

from __future__ import annotations

import functools
import os
import unicodedata
from pathlib import Path
from typing import Any, Callable, Protocol

from sitegen.model.errors import Problems
from sitegen.model.models import Archive, Article, SourcePos, StaticFile, Term
from sitegen.model.sourcenames import is_ignored_name
from sitegen.pipeline.config import Settings
from sitegen.pipeline.load_markdown import load_entity, read_article
from sitegen.pipeline.load_toml import load_glossary, load_timeline
from sitegen.pipeline.sourcefiles import source_name

CONTENT_DIR = "content"


# --- discovery ---------------------------------------------------------------


def _walk_files(root: Path, folder: Path, problems: Problems) -> list[Path]:
    """All regular files under `folder`, sorted, without following symlinks
    and without hidden files or editors' temporaries (`is_ignored_name`).

    A symlink can loop or lead outside the archive; neither is followed, and
    each one is reported so the author knows the file was left out.
    """
    found: list[Path] = []
    if folder.is_symlink():
        problems.warning(source_name(root, folder), None, "symbolic link to a folder not followed: copy the files instead")
        return found
    if not folder.is_dir():
        _not_a_folder(root, folder, problems)
        return found
    # os.scandir's entries know their kind without a system call per file (which
    # os.walk plus is_symlink and is_file made): a running builder walks every build.
    pending = [folder]
    while pending:
        here = pending.pop()
        try:
            with os.scandir(here) as scanned:
                entries = sorted(scanned, key=lambda entry: entry.name)
        except OSError:  # a folder that cannot be listed is skipped, as os.walk skips it
            continue
        subfolders = []
        for entry in entries:
            if not is_utf8_name(entry.name):  # a URL, a feed or a data file could not hold it
                if not is_ignored_name(entry.name):
                    problems.error(source_name(root, here / entry.name), None, "the name is not valid UTF-8: rename it")
                continue
            if _is_folder(entry):  # as os.walk tells folders: links to folders included
                if entry.is_symlink():
                    problems.warning(source_name(root, here / entry.name), None, "symbolic link to a folder not followed: copy the files instead")
                elif not is_ignored_name(entry.name):
                    subfolders.append(here / entry.name)
                continue
            if is_ignored_name(entry.name):  # hidden, or an editor's temporary: see sourcenames
                continue
            path = here / entry.name
            if entry.is_symlink():
                problems.warning(source_name(root, path), None, "symbolic link not followed: copy the file instead")
                continue
            if not entry.is_file(follow_symlinks=False):  # reading a named pipe would wait for a writer forever
                if os.path.lexists(path):  # and not removed since it was listed
                    problems.warning(source_name(root, path), None, "not a regular file (a named pipe, socket or device): left out; remove it")
                continue
            found.append(path)
        pending.extend(reversed(subfolders))  # depth first, in name order, as os.walk goes
    return found


def is_utf8_name(name: str) -> bool:
    """Whether a name read from the file system is text: bytes that are not UTF-8 come as lone surrogates."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Listing:
    """The files each folder walk of the last load found, with the warnings it gave.

    A running builder (watch, serve) keeps one. When the caller vouches that no
    file or folder was added, removed or renamed under `content/` since that
    load (it watches the folder, and only known files changed), it sets `reuse`
    and the next load walks no folder: it takes the files found last time and
    says again what the walk said of them.
    """

    def __init__(self) -> None:
        self.walks: dict[str, tuple[list[Path], tuple]] = {}  # folder -> (files found, problems met)
        self.lone: set[str] = set()  # the glossary and the timeline, when the last load read them
        self.keyed: dict[str, tuple[list[Path], list[tuple[Path, str]]]] = {}  # see markdown_sources
        self.reuse = False

    def files(self) -> set[str]:
        """Every file the last load found, as a path string."""
        return {os.fspath(path) for found, _ in self.walks.values() for path in found} | self.lone

    def walk(self, root: Path, folder: Path, problems: Problems) -> list[Path]:
        """`_walk_files`, or what it found last time when `reuse` is set."""
        key = os.fspath(folder)
        known = self.walks.get(key)
        if not (self.reuse and known is not None):
            local = Problems()
            known = (_walk_files(root, folder, local), tuple(local.items))
            self.walks[key] = known
        problems.extend(known[1])
        return known[0]


def markdown_sources(root: Path, found: list[Path], kind: str, listing: Listing | None) -> list[tuple[Path, str]]:
    """The Markdown files among `found`, each with its key in the parse cache; worked
    out again only when `found` is not the very list the listing gave last time."""
    known = listing.keyed.get(kind) if listing is not None else None
    if known is not None and known[0] is found:
        return known[1]
    keyed = [(path, f"{kind}:{source_name(root, path)}") for path in found if path.suffix.lower() == ".md"]
    if listing is not None:
        listing.keyed[kind] = (found, keyed)
    return keyed


def _is_folder(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _not_a_folder(root: Path, folder: Path, problems: Problems) -> None:
    """A file where a folder of sources belongs would leave every source out without a word."""
    if os.path.lexists(folder) and not folder.is_dir():
        problems.error(source_name(root, folder), None, "is a file, not a folder: rename it and make a folder of that name")


def _regular_file(root: Path, path: Path, problems: Problems) -> bool:
    """Whether `path` is a file to read; a symlink is reported and not followed, and so
    is anything else of its name (a folder, a named pipe), which would be left out unseen."""
    if path.is_symlink():
        problems.warning(source_name(root, path), None, "symbolic link not followed: copy the file instead")
        return False
    if path.is_file():
        return True
    if os.path.lexists(path):
        problems.warning(source_name(root, path), None, "not a regular file (a folder, named pipe, socket or device): left out; make it a file")
    return False


# --- the whole archive ------------------------------------------------------------


def _normalised_key(slug: str) -> str:
    return unicodedata.normalize("NFKC", slug).casefold()


class ParseCache(Protocol):
    """Where load_archive parses each source file: the engine passes one that remembers results."""

    def parse(self, key: str, path: Path, parse: Callable[[Problems], Any], problems: Problems) -> Any: ...

    def parse_all(self, jobs: list[tuple[str, Path, Callable[[Problems], Any]]], problems: Problems) -> list[Any]:
        """`parse` of each (key, path, parse) job, in order (the engine's spreads them over processes)."""
        ...

    def forget_unseen(self) -> None: ...


class _Uncached:
    def parse(self, key: str, path: Path, parse: Callable[[Problems], Any], problems: Problems) -> Any:
        return parse(problems)

    def parse_all(self, jobs: list[tuple[str, Path, Callable[[Problems], Any]]], problems: Problems) -> list[Any]:
        return [parse(problems) for _, _, parse in jobs]

    def forget_unseen(self) -> None:
        pass


def load_archive(
    root: Path, settings: Settings, problems: Problems, cache: ParseCache | None = None, listing: Listing | None = None
) -> Archive:
    cache = cache if cache is not None else _Uncached()
    walk = listing.walk if listing is not None else _walk_files
    content = root / CONTENT_DIR
    _not_a_folder(root, content, problems)
    articles: list[Article] = []
    entities_lines: dict[str, int] = {}  # article path -> line of its `entities:` key
    # Every article and entity in one go: those to parse are parsed side by side.
    article_sources = markdown_sources(root, walk(root, content / "articles", problems), "article", listing)
    entity_sources = markdown_sources(root, walk(root, content / "entities", problems), "entity", listing)
    jobs = [(key, path, functools.partial(read_article, root, path)) for path, key in article_sources]
    jobs += [(key, path, functools.partial(load_entity, root, path)) for path, key in entity_sources]
    parsed = cache.parse_all(jobs, problems)
    for article, key_lines in parsed[: len(article_sources)]:
        if article is not None and (settings.build.drafts or not article.draft):
            articles.append(article)
            entities_lines[article.pos.path] = key_lines.get("entities", article.pos.line or 1)
    entities = [entity for entity in parsed[len(article_sources) :] if entity is not None]
    glossary_path, timeline_path = content / "glossary.toml", content / "timeline.toml"
    read_glossary = _regular_file(root, glossary_path, problems)
    terms = cache.parse("glossary", glossary_path, lambda p: load_glossary(root, glossary_path, p), problems) if read_glossary else []
    read_timeline = _regular_file(root, timeline_path, problems)
    events = cache.parse("timeline", timeline_path, lambda p: load_timeline(root, timeline_path, p), problems) if read_timeline else []
    if listing is not None:
        listing.lone = {os.fspath(path) for path, read in ((glossary_path, read_glossary), (timeline_path, read_timeline)) if read}
    cache.forget_unseen()
    static_files = [
        StaticFile(source_name(root, path), path.relative_to(content / "static").as_posix())
        for path in walk(root, content / "static", problems)
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
