"""Source files -> validated content models.

`load_archive` walks `content/`, has each file read (articles and entities by
`load_markdown`, the glossary and timeline by `load_toml`) and checks what the
archive as a whole must satisfy: unique slugs and term ids, and references
that resolve. It returns an `Archive` plus every problem found; it never
stops at the first one. Nothing here renders anything.
"""

from __future__ import annotations

import functools
import itertools
import operator
import os
import unicodedata
from pathlib import Path
from typing import Any, Callable, Protocol

from sitegen.model.errors import Problems
from sitegen.model.models import Archive, Article, Entity, SourcePos, StaticFile, Term
from sitegen.pipeline.config import Settings
from sitegen.pipeline.load_markdown import load_entity, read_article
from sitegen.pipeline.load_toml import load_glossary, load_timeline
from sitegen.pipeline.source_walk import WalkMemo, not_a_folder, walk_files
from sitegen.pipeline.sourcefiles import source_name

CONTENT_DIR = "content"


# --- discovery ---------------------------------------------------------------


class Listing:
    """The files each folder walk of the last load found, with the warnings it gave.

    A running builder (watch, serve) keeps one. When the caller vouches that no
    file or folder was added, removed or renamed under `content/` since that
    load (it watches the folder, and only known files changed), it sets `reuse`
    and the next load walks no folder: it takes the files found last time and
    says again what the walk said of them. Otherwise each walk lists only the
    folders that changed (see WalkMemo), and what was worked out of a list of
    files that is the very list of the last load is kept.
    """

    def __init__(self) -> None:
        self.walks: dict[str, tuple[list[Path], tuple]] = {}  # folder -> (files found, problems met)
        self.lone: set[str] = set()  # the glossary and the timeline, when the last load read them
        self.keyed: dict[str, tuple[list[Path], list[tuple[Path, str]]]] = {}  # see markdown_sources
        self.memos: dict[str, WalkMemo] = {}  # folder -> what its last walk found, folder by folder
        self.jobs: tuple[list, list, list] | None = None  # see _parse_jobs
        self.checks = CheckMemo()
        # What the last load made of its parse: its jobs, its articles, each article job's place among
        # them (-1: left out, a draft or unreadable) and the line of each article's `entities:` key.
        self.loaded: tuple[list, list[Article], list[int], dict[str, int], bool] | None = None  # and whether drafts were in
        self.reuse = False
        self._files: tuple[tuple, set[str], set[str]] | None = None  # see files

    def files(self) -> set[str]:
        """Every file the last load found, as a path string (the same set while it found the very same lists)."""
        found = tuple(found for found, _ in self.walks.values())
        known = self._files
        if known is None or known[1] != self.lone or not (len(found) == len(known[0]) and all(map(operator.is_, found, known[0]))):
            known = self._files = (found, set(self.lone), {os.fspath(path) for listed in found for path in listed} | self.lone)
        return known[2]

    def walk(self, root: Path, folder: Path, problems: Problems) -> list[Path]:
        """`walk_files`, or what it found last time when `reuse` is set."""
        key = os.fspath(folder)
        known = self.walks.get(key)
        if not (self.reuse and known is not None):
            local = Problems()
            known = (walk_files(root, folder, local, self.memos.setdefault(key, WalkMemo())), tuple(local.items))
            self.walks[key] = known
        problems.extend(known[1])
        return known[0]


class CheckMemo:
    """What the checks of the whole archive worked out last time, that a load after
    an edit need not work out again for the articles the edit did not touch."""

    def __init__(self) -> None:
        self.slug_keys: dict[str, str] = {}  # slug -> the key two slugs that would clash share
        self.slugs: list[str] | None = None  # the slugs last checked, when no two clashed
        self.against: tuple[set[str], set[str]] | None = None  # the entity ids and slugs `articles` was checked against
        # The articles last checked, in the order they were loaded, with the line and the problems of each one's references.
        self.articles: list[Article] = []
        self.checked: list[tuple[int | None, tuple]] = []
        self.order: tuple[list[Article], list[int]] | None = None  # the articles last sorted, and the order they were put in
        self.sorted: tuple[list[Article], list[int]] | None = None  # the articles in that order, and each one's place in it
        # The articles of the last load and the places where this load's may hold other objects, when it knows them.
        self.places: tuple[list[Article], list[int]] | None = None
        self.slugs_of: list[Article] | None = None  # the articles whose slugs `slugs` are


def markdown_sources(root: Path, found: list[Path], kind: str, listing: Listing | None) -> list[tuple[Path, str]]:
    """The Markdown files among `found`, each with its key in the parse cache; worked
    out again only when `found` is not the very list the listing gave last time."""
    known = listing.keyed.get(kind) if listing is not None else None
    if known is not None and known[0] is found:
        return known[1]
    # A walk that listed some folder again keeps the paths of the others: their keys are known.
    keys = dict(known[1]) if known is not None else {}
    keyed = []
    for path in found:
        key = keys.get(path)
        if key is None and path.suffix.lower() == ".md":
            key = f"{kind}:{source_name(root, path)}"
        if key is not None:
            keyed.append((path, key))
    if listing is not None:
        listing.keyed[kind] = (found, keyed)
    return keyed


def _parse_jobs(root: Path, articles: list[tuple[Path, str]], entities: list[tuple[Path, str]], listing: Listing | None) -> list:
    """The (key, path, parse) job of each article and entity: the last load's list while the sources are the same lists."""
    known = listing.jobs if listing is not None else None
    if known is not None and known[0] is articles and known[1] is entities:
        return known[2]
    jobs = [(key, path, functools.partial(read_article, root, path)) for path, key in articles]
    jobs += [(key, path, functools.partial(load_entity, root, path)) for path, key in entities]
    if listing is not None:
        listing.jobs = (articles, entities, jobs)
    return jobs


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
    looked = None  # which parses may have changed is not known: see SourceCache.looked

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
    walk = listing.walk if listing is not None else walk_files
    content = root / CONTENT_DIR
    not_a_folder(root, content, problems)
    articles: list[Article] = []
    entities_lines: dict[str, int] = {}  # article path -> line of its `entities:` key
    # Every article and entity in one go: those to parse are parsed side by side.
    article_sources = markdown_sources(root, walk(root, content / "articles", problems), "article", listing)
    entity_sources = markdown_sources(root, walk(root, content / "entities", problems), "entity", listing)
    jobs = _parse_jobs(root, article_sources, entity_sources, listing)
    parsed = cache.parse_all(jobs, problems)
    count = len(article_sources)
    known = listing.loaded if listing is not None else None
    again = _articles_again(known, jobs, parsed, getattr(cache, "looked", None), count, settings) if known is not None else None
    if again is not None:
        articles, places = again
        slots, entities_lines = known[2], known[3]
    else:
        places, slots = None, []
        for article, key_lines in parsed[:count]:
            if article is not None and (settings.build.drafts or not article.draft):
                slots.append(len(articles))
                articles.append(article)
                entities_lines[article.pos.path] = key_lines.get("entities", article.pos.line or 1)
            else:
                slots.append(-1)
    if listing is not None:
        listing.checks.places = (known[1], places) if again is not None else None
        listing.loaded = (jobs, articles, slots, entities_lines, settings.build.drafts)
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

    checks = listing.checks if listing is not None else None
    _check_duplicate_slugs(articles, problems, checks)
    _check_duplicate_entity_ids(entities, problems)
    _check_duplicate_terms(terms, problems)
    _check_term_name_collisions(terms, problems)
    _check_references(articles, entities, terms, events, problems, entities_lines, checks)
    return Archive(
        articles=tuple(_newest_first_order(articles, checks)),
        entities=tuple(sorted(entities, key=lambda e: e.id)),
        terms=tuple(sorted(terms, key=lambda t: t.id)),
        events=tuple(events),
        static_files=tuple(sorted(static_files, key=lambda s: s.target)),
    )


def _articles_again(known: tuple, jobs: list, parsed: list, looked: list[int] | None, count: int, settings: Settings):
    """The articles of the last load (`known`, see Listing.loaded), with those parsed again in
    their places, and those places; None when it cannot tell (other jobs, or places not known)
    or an article comes or goes (a draft, an unreadable file). The line of each article's
    `entities:` key is set in the last load's dict."""
    last_jobs, last_articles, slots, entities_lines, drafts = known
    if last_jobs is not jobs or looked is None or drafts != settings.build.drafts:
        return None
    articles, places = list(last_articles), []
    for place in looked:
        if place >= count:
            continue
        article, key_lines = parsed[place]
        slot = slots[place]
        if (slot >= 0) != (article is not None and (settings.build.drafts or not article.draft)):
            return None
        if slot >= 0:
            articles[slot] = article
            entities_lines[article.pos.path] = key_lines.get("entities", article.pos.line or 1)
            places.append(slot)
    return articles, places


def _newest_first(article: Article) -> tuple:
    """Later days first; within a day, articles without a time, then later times first; then by slug."""
    moment = article.date.moment
    return (-article.date.day.toordinal(), moment is not None, -moment.timestamp() if moment else 0.0, article.slug)


def _changed_places(new: list, old: list) -> list[int] | None:
    """The places where `new` holds another object than `old`; None when their lengths differ."""
    if len(new) != len(old):
        return None
    return list(itertools.compress(itertools.count(), map(operator.is_not, new, old)))


def _newest_first_order(articles: list[Article], memo: CheckMemo | None) -> list[Article]:
    """The articles sorted `_newest_first`. The last load's order while only articles
    with the same sort key as the one they replace are other objects."""
    if memo is not None and memo.order is not None:
        before, order = memo.order
        known = memo.places
        loaded_again = known is not None and known[0] is before and memo.sorted is not None and memo.sorted[0] is not None
        places = known[1] if loaded_again else _changed_places(articles, before)
        if places is not None and all(_newest_first(articles[place]) == _newest_first(before[place]) for place in places):
            memo.order = (articles, order)
            if loaded_again:  # the last sorted list, with the articles loaded again in their places
                in_order, where = memo.sorted
                in_order = list(in_order)
                for place in places:
                    in_order[where[place]] = articles[place]
                memo.sorted = (in_order, where)
                return in_order
            memo.sorted = (None, [])
            return list(map(articles.__getitem__, order))
    keys = list(map(_newest_first, articles))
    order = sorted(range(len(articles)), key=keys.__getitem__)  # stable, as list.sort is
    in_order = list(map(articles.__getitem__, order))
    if memo is not None:
        memo.order = (articles, order)
        where = [0] * len(order)
        for position, place in enumerate(order):
            where[place] = position
        memo.sorted = (in_order, where)
    return in_order


def _check_duplicate_slugs(articles: list[Article], problems: Problems, memo: CheckMemo | None = None) -> None:
    if memo is not None:
        known = memo.places
        if known is not None and memo.slugs is not None and known[0] is memo.slugs_of:
            before = known[0]
            if all(articles[place].slug == before[place].slug for place in known[1]):
                memo.slugs_of = articles
                return  # the slugs of the last check, when none clashed: only those of the articles loaded again can differ
        slugs = list(map(operator.attrgetter("slug"), articles))
        if slugs == memo.slugs:
            memo.slugs_of = articles
            return  # the very slugs of the last check, when none clashed
        memo.slugs, memo.slugs_of = None, None
    by_key: dict[str, list[Article]] = {}
    before = memo.slug_keys if memo is not None else {}
    keys: dict[str, str] = {}
    for article in articles:
        key = keys[article.slug] = before.get(article.slug) or _normalised_key(article.slug)
        by_key.setdefault(key, []).append(article)
    if memo is not None:
        memo.slug_keys = keys
        if len(by_key) == len(articles):
            memo.slugs, memo.slugs_of = slugs, articles
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


def _check_duplicate_entity_ids(entities: list[Entity], problems: Problems) -> None:
    """An entity's id is its file's name: two files of one name (in two folders of
    content/entities/, or `x.md` beside `x.MD`) would be one entity with one page."""
    by_id: dict[str, list[Entity]] = {}
    for entity in entities:
        by_id.setdefault(entity.id, []).append(entity)
    for entity_id, group in by_id.items():
        if len(group) > 1:
            paths = " and ".join(entity.pos.path for entity in group)
            for entity in group:
                problems.error(
                    entity.pos.path, 1, f"duplicate entity id {entity_id!r}: {paths} would be the same entity; rename one of the files"
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


def _check_references(
    articles, entities, terms, events, problems: Problems, entities_lines: dict[str, int], memo: CheckMemo | None = None
) -> None:
    entity_ids = {e.id for e in entities}
    term_ids = {t.id for t in terms}
    known = memo.places if memo is not None and memo.against is not None else None
    if known is not None and known[0] is memo.articles and entity_ids == memo.against[0] and all(
        articles[place].slug == known[0][place].slug for place in known[1]
    ):  # the same slugs: only the articles loaded again can differ
        against, places = memo.against, known[1]
    else:
        # What an article's references were found to lack holds while it is the same
        # object, at the same line, checked against the same ids and slugs.
        against = (entity_ids, {a.slug for a in articles})
        places = _changed_places(articles, memo.articles) if memo is not None and memo.against == against else None
    slugs = against[1]
    if places is None:  # every article checked
        places, checked = range(len(articles)), [(None, ())] * len(articles)
    else:  # the articles that are the same objects, read from the same files, are as they were
        checked = list(memo.checked)
    for place in places:
        article = articles[place]
        line = entities_lines.get(article.pos.path, article.pos.line)
        checked[place] = (line, _article_reference_problems(article, line, entity_ids, slugs))
    for found in filter(None, map(operator.itemgetter(1), checked)):
        problems.extend(found)
    if memo is not None:
        memo.against, memo.articles, memo.checked = against, articles, checked  # a load makes a new list every time
    for term in terms:
        _unknown(problems, term.see, entity_ids | term_ids, term.pos, f"term {term.term!r}: `see`", "name an entity id or a term id")
    for event in events:
        _unknown(problems, event.entity_ids, entity_ids, event.pos, f"event {event.title!r}: entity", "create the entity or fix the id")
        _unknown(problems, event.article_slugs, slugs, event.pos, f"event {event.title!r}: article", "use the article's slug")


def _article_reference_problems(article: Article, line: int | None, entity_ids: set[str], slugs: set[str]) -> tuple:
    """The references of one article (its entities, its events') that do not resolve."""
    problems = Problems()
    at = SourcePos(article.pos.path, line)
    _unknown(problems, article.entity_ids, entity_ids, at, "entity", "create content/entities/<id>.md or fix the id in `entities`")
    for event in article.events:
        _unknown(problems, event.entity_ids, entity_ids, event.pos, f"event {event.title!r}: entity", "fix the id")
        _unknown(problems, event.article_slugs, slugs, event.pos, f"event {event.title!r}: article", "use the article's slug")
    return tuple(problems.items)


def _unknown(problems: Problems, ids, known, pos: SourcePos, what: str, hint: str) -> None:
    for ref in ids:
        if ref not in known:
            problems.error(pos.path, pos.line, f"{what} {ref!r} does not exist: {hint}")
