"""Starting an archive and adding to it: `sitegen init` and `sitegen new`.

The functions that decide what to write are pure: they return paths relative
to the archive's root with the text to put there. Small wrappers do the I/O,
and every one of them refuses to overwrite an existing file.

The files of a new archive are kept as real files in `sitegen/skeleton/`
(shipped with the package), so they can be read and built like any archive;
a leading `dot-` in a name there stands for `.` (`dot-gitignore` is
`.gitignore`), so that packaging tools do not take them for hidden files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable

from sitegen import __version__
from sitegen.model.characters import clean_text
from sitegen.model.dates import DateError, parse_partial_date, parse_publication_date
from sitegen.model.errors import UsageError
from sitegen.model.models import ENTITY_KINDS
from sitegen.model.slugs import (
    SLUG_PATTERN,
    article_slug_from_stem,
    is_valid_slug,
    slugify,
)
from sitegen.pipeline.sourcefiles import (
    SourceError,
    parse_toml,
    read_text,
    split_front_matter,
)

CONFIG_FILE = "site.toml"
GLOSSARY_FILE = "content/glossary.toml"
TIMELINE_FILE = "content/timeline.toml"
ALLOWED_IN_EMPTY_FOLDER = frozenset({".git"})  # a fresh clone of an empty repository is still empty
_VERSION_MARK = "@SITEGEN_VERSION@"


class AuthoringError(Exception):
    """What was asked would damage or contradict the content (exit code 1).

    The message names the file and says what to do.
    """


@dataclass(frozen=True, slots=True)
class NewFile:
    path: str  # relative to the archive's root, forward slashes
    text: str


# --- quoting for YAML front matter and TOML ------------------------------------------


def quoted(value: str) -> str:
    """A double-quoted string that means the same in YAML and in TOML.

    Characters that no page or feed can hold (control characters, lone
    surrogates, noncharacters) are left out or replaced, as `clean_text` does:
    `load` would reject them.
    """
    parts = ['"']
    for char in clean_text(value):
        if char == '"':
            parts.append('\\"')
        elif char == "\\":
            parts.append("\\\\")
        elif char == "\n":
            parts.append("\\n")
        elif char == "\t":
            parts.append("\\t")
        elif char in "\u2028\u2029\ufeff":
            parts.append(f"\\u{ord(char):04x}")
        else:
            parts.append(char)
    parts.append('"')
    return "".join(parts)


def quoted_list(values: Iterable[str]) -> str:
    return "[" + ", ".join(quoted(v) for v in values) + "]"


def front_matter(fields: Iterable[tuple[str, str]]) -> str:
    """`---` YAML front matter from (key, already formatted value) pairs."""
    return "---\n" + "".join(f"{key}: {value}\n" for key, value in fields) + "---\n"


def date_value(text: str) -> str:
    """A date as written: bare when it is `YYYY-MM-DD`, quoted when it has a time."""
    return text if len(text) == 10 else quoted(text)


# --- the archive ----------------------------------------------------------------------


def require_archive(root: Path, command: str) -> None:
    if not (root / CONFIG_FILE).is_file():
        raise AuthoringError(
            f"no {CONFIG_FILE} in {root}: run `sitegen {command}` in the archive's folder or pass --root "
            "(`sitegen init DIR` starts a new archive)"
        )


def display_path(root: Path, relative: str) -> str:
    """How to print a path of the archive: relative when the root is the current folder."""
    return str(root / relative)


def create_file(root: Path, new: NewFile) -> Path:
    """Write a new file, never replacing one (the check and the creation are one step)."""
    path = root / new.path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file where a folder should be, or no permission
        folder = display_path(root, Path(new.path).parent.as_posix())
        raise AuthoringError(
            f"{display_path(root, new.path)}: cannot make its folder {folder} ({exc.strerror or exc}): "
            "move away what is in the way, or make the folder writable, then run the command again"
        ) from None
    try:
        handle = open(path, "x", encoding="utf-8", newline="\n")
    except FileExistsError:
        raise AuthoringError(f"{display_path(root, new.path)} already exists: edit it, or choose another name") from None
    except OSError as exc:
        raise _cannot_write(root, new.path, exc) from None
    try:
        with handle:
            handle.write(new.text)
    except OSError as exc:
        with contextlib.suppress(OSError):  # created just now: leave no half-written file behind (a full disk)
            path.unlink()
        raise _cannot_write(root, new.path, exc) from None
    return path


def _cannot_write(root: Path, relative: str, exc: OSError) -> AuthoringError:
    return AuthoringError(
        f"{display_path(root, relative)}: cannot write the file ({exc.strerror or exc}): check that its folder "
        "can be written to and that the disk has room, then run the command again"
    )


def _normalised(slug: str) -> str:
    return unicodedata.normalize("NFKC", slug).casefold()


def existing_article_slugs(root: Path) -> dict[str, str]:
    """The slug of every article (as `load` reads it) -> its path relative to the root."""
    folder = root / "content" / "articles"
    found: dict[str, str] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.rglob("*.md")):
        slug = article_slug_from_stem(path.stem)
        try:
            declared = split_front_matter(read_text(path)).data.get("slug")
        except (SourceError, OSError):
            declared = None
        if isinstance(declared, str) and declared.strip():
            slug = declared.strip()
        found.setdefault(_normalised(slug), path.relative_to(root).as_posix())
    return found


def article_path(day: dt.date, slug: str) -> str:
    """The conventional place of an article: `content/articles/YYYY/YYYY-MM-DD-<slug>.md`."""
    return f"content/articles/{day.year:04d}/{day.isoformat()}-{slug}.md"


def check_new_article(root: Path, path: str, slug: str) -> None:
    """Refuse an article whose file exists or whose slug another article has."""
    if (root / path).exists():
        raise AuthoringError(f"{display_path(root, path)} already exists: edit it, or give the new article another title")
    other = existing_article_slugs(root).get(_normalised(slug))
    if other is not None:
        raise AuthoringError(
            f"{display_path(root, other)} already has the slug {slug!r}, so {display_path(root, path)} would replace "
            "its page: give the new article another title, or edit that article"
        )


# --- sitegen init ---------------------------------------------------------------------


def _skeleton_name(name: str) -> str:
    return "." + name[4:] if name.startswith("dot-") else name


def skeleton_files() -> list[NewFile]:
    """The files of a new archive, sorted by path."""
    files: list[NewFile] = []

    def walk(folder, prefix: str) -> None:
        for item in folder.iterdir():
            if item.name == "__pycache__":
                continue
            relative = prefix + _skeleton_name(item.name)
            if item.is_dir():
                walk(item, relative + "/")
            else:
                files.append(NewFile(relative, item.read_text(encoding="utf-8").replace(_VERSION_MARK, __version__)))

    walk(resources.files("sitegen") / "skeleton", "")
    return sorted(files, key=lambda f: f.path)


@dataclass(frozen=True, slots=True)
class InitResult:
    root: Path
    written: tuple[str, ...]
    kept: tuple[str, ...] = ()  # files that existed already (with --force)


def init_archive(target: Path, force: bool = False) -> InitResult:
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} is a file: name a new or empty folder for the archive")
    try:
        present = sorted(p.name for p in target.iterdir() if p.name not in ALLOWED_IN_EMPTY_FOLDER) if target.exists() else []
        if not present or force:
            target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a folder that cannot be read, or made (no permission, a read-only or virtual file system)
        raise AuthoringError(
            f"{target}: cannot {'read' if target.is_dir() else 'make'} the folder ({exc.strerror or exc}): "
            "name a folder you can write to"
        ) from None
    if present and not force:
        shown = ", ".join(present[:5]) + (", …" if len(present) > 5 else "")
        raise AuthoringError(
            f"{target} is not empty (it holds {shown}): name a new or empty folder, or pass --force to add the "
            "archive's files there (existing files are kept as they are)"
        )
    written, kept = [], []
    for new in skeleton_files():
        try:
            create_file(target, new)
        except AuthoringError:
            if not os.path.lexists(target / new.path):  # not kept: it could not be written
                raise
            kept.append(new.path)
        else:
            written.append(new.path)
    return InitResult(target, tuple(written), tuple(kept))


# --- sitegen new ----------------------------------------------------------------------


def _required_text(value: str, what: str, example: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise UsageError(f"the {what} is empty: give it, as in {example}")
    return text


SLUG_MAX = 80  # characters of a slug made from a title or name: with a date and `.md`, far below NAME_MAX


def file_slug(text: str) -> str:
    """The slug of `text`, cut to SLUG_MAX characters after a whole word when it is longer.

    Titles of several hundred characters exist, and anyascii spells a
    character of some scripts with several letters: an uncut slug can exceed
    the 255 bytes a file name may have.
    """
    slug = slugify(text)
    if len(slug) <= SLUG_MAX:
        return slug
    head = slug[: SLUG_MAX + 1]
    cut = head.rfind("-")
    return head[:cut] if cut > 0 else slug[:SLUG_MAX].rstrip("-")


def _slug_of(text: str, what: str, id_option: bool = True) -> str:
    slug = file_slug(text)
    if not slug:
        fix = "add some, or pass --id" if id_option else "add some"
        raise UsageError(f"the {what} {text!r} has no letters or digits to make a file name from: {fix}")
    return slug


def article_file(title: str, date: str | None = None, source: str = "", today: dt.date | None = None) -> tuple[NewFile, str]:
    """A new article's file and slug; `date` defaults to `today`."""
    title = _required_text(title, "title", 'sitegen new article "Title"')
    date = (date or "").strip() or (today or dt.date.today()).isoformat()
    try:
        day = parse_publication_date(date).day
    except DateError as exc:
        raise UsageError(f"--date: {exc}") from None
    slug = _slug_of(title, "title", id_option=False)
    fields = [("title", quoted(title)), ("date", date_value(date))]
    if source.strip():
        fields.append(("source", quoted(" ".join(source.split()))))
    fields += [
        ("summary", '""  # one sentence, shown in listings and as the page description'),
        ("tags", "[]"),
        ("entities", "[]  # ids of the entities the article is about, from content/entities/<id>.md"),
    ]
    return NewFile(article_path(day, slug), front_matter(fields) + "\n"), slug


def new_article(root: Path, title: str, date: str | None = None, source: str = "") -> Path:
    require_archive(root, "new article")
    new, slug = article_file(title, date, source)
    check_new_article(root, new.path, slug)
    return create_file(root, new)


def entity_file(name: str, kind: str, aliases: Iterable[str] = (), summary: str = "", entity_id: str = "") -> NewFile:
    name = _required_text(name, "name", 'sitegen new entity "Name" --kind person')
    if kind not in ENTITY_KINDS:
        raise UsageError(f"--kind {kind!r} must be one of {', '.join(ENTITY_KINDS)}")
    entity_id = entity_id.strip() or _slug_of(name, "name")
    if not SLUG_PATTERN.match(entity_id):
        raise UsageError(f"--id {entity_id!r} may use only a-z, 0-9 and single hyphens; try {file_slug(entity_id)!r}")
    if len(entity_id) > SLUG_MAX:
        raise UsageError(f"--id is {len(entity_id)} characters long; an id has at most {SLUG_MAX}: try {file_slug(entity_id)!r}")
    names = list(dict.fromkeys(" ".join(a.split()) for a in aliases))
    names = [a for a in names if a and a != name]
    fields = [("name", quoted(name)), ("kind", kind), ("aliases", quoted_list(names))]
    summary = " ".join(summary.split())
    fields.append(("summary", quoted(summary) if summary else '""  # the side-note: one or two sentences'))
    return NewFile(f"content/entities/{entity_id}.md", front_matter(fields))


def entity_names(root: Path) -> dict[str, str]:
    """Every entity name and alias -> the entity file that has it (the first, by path)."""
    names: dict[str, str] = {}
    folder = root / "content" / "entities"
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        try:
            data = split_front_matter(read_text(path)).data
        except (SourceError, OSError):
            continue
        aliases = data.get("aliases")
        aliases = [aliases] if isinstance(aliases, str) else aliases if isinstance(aliases, list) else []
        for value in (data.get("name"), *aliases):
            if isinstance(value, str) and value.strip():
                names.setdefault(" ".join(value.split()), path.relative_to(root).as_posix())
    return names


@dataclass(frozen=True, slots=True)
class Created:
    path: Path
    notes: tuple[str, ...] = field(default=())  # things the editor should know, such as a shared name


def new_entity(root: Path, name: str, kind: str, aliases: Iterable[str] = (), summary: str = "", entity_id: str = "") -> Created:
    require_archive(root, "new entity")
    new = entity_file(name, kind, aliases, summary, entity_id)
    if (root / new.path).exists():
        raise AuthoringError(
            f"{display_path(root, new.path)} already exists: edit it, or pass --id to give the new entity another id"
        )
    known = entity_names(root)
    data = split_front_matter(new.text).data
    notes = [
        f"the name {value!r} is also a name of {display_path(root, known[value])}: it is annotated only in articles "
        "whose `entities` list names one of the two"
        for value in (data["name"], *data["aliases"])
        if value in known
    ]
    return Created(create_file(root, new), tuple(notes))


def _toml_file(root: Path, relative: str, array: str) -> tuple[bytes, list[dict]]:
    """The bytes of a TOML file of the archive (empty if missing) and its `[[array]]` tables."""
    path = root / relative
    if not path.exists():
        return b"", []
    if not path.is_file():  # a folder, or a named pipe that reading would wait on forever
        raise AuthoringError(f"{display_path(root, relative)} is not a regular file: move it away, then run the command again")
    try:
        text = read_text(path)
        data = parse_toml(text)
    except SourceError as exc:
        where = display_path(root, relative) + (f":{exc.line}" if exc.line else "")
        raise AuthoringError(f"{where}: {exc.message}; fix the file first, then add to it") from None
    tables = data.get(array, [])
    if not isinstance(tables, list):
        raise AuthoringError(f"{display_path(root, relative)}: `{array}` must be written as [[{array}]] tables; fix it first")
    return path.read_bytes(), [t for t in tables if isinstance(t, dict)]


def _append(root: Path, relative: str, existing: bytes, table: str) -> Path:
    """Add a table at the end of a TOML file, keeping its line endings; check the result parses."""
    newline = "\r\n" if b"\r\n" in existing else "\n"
    prefix = ""
    if existing.strip():
        prefix = ("" if existing.endswith(b"\n") else newline) + newline
    addition = (prefix + table).replace("\n", newline)
    combined = existing + addition.encode("utf-8")
    try:
        parse_toml(combined.decode("utf-8-sig"))
    except SourceError as exc:  # only if the quoting above were wrong
        raise AuthoringError(f"{display_path(root, relative)}: the new entry would not parse ({exc.message}); nothing was written") from None
    path = root / relative
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "ab") as handle:
            try:
                handle.write(addition.encode("utf-8"))
                handle.flush()
            except OSError:
                with contextlib.suppress(OSError):  # a full disk: leave no half-written entry behind
                    handle.truncate(len(existing))
                raise
    except OSError as exc:
        raise _cannot_write(root, relative, exc) from None
    return path


PLACEHOLDER_DEFINITION = "(definition to come)"


def term_table(term: str, definition: str = "", aliases: Iterable[str] = (), term_id: str = "") -> tuple[str, str]:
    """The `[[term]]` table for a new glossary term, and its id."""
    term = _required_text(term, "term", 'sitegen new term "Term"')
    tid = term_id.strip() or _slug_of(term, "term")
    if not is_valid_slug(tid):
        raise UsageError(f"--id {tid!r} may use only a-z, 0-9 and single hyphens; try {slugify(tid)!r}")
    lines = ["[[term]]", f"term = {quoted(term)}"]
    if term_id.strip():
        lines.append(f"id = {quoted(tid)}")
    names = [a for a in dict.fromkeys(" ".join(a.split()) for a in aliases) if a and a != term]
    if names:
        lines.append(f"aliases = {quoted_list(names)}")
    definition = " ".join(definition.split()) or PLACEHOLDER_DEFINITION
    lines.append(f"definition = {quoted(definition)}")
    return "\n".join(lines) + "\n", tid


def new_term(root: Path, term: str, definition: str = "", aliases: Iterable[str] = (), term_id: str = "") -> Path:
    require_archive(root, "new term")
    table, tid = term_table(term, definition, aliases, term_id)
    existing, tables = _toml_file(root, GLOSSARY_FILE, "term")
    new = parse_toml(table)["term"][0]
    new_names = {unicodedata.normalize("NFC", n).casefold() for n in (new["term"], *new.get("aliases", []))}
    where = display_path(root, GLOSSARY_FILE)
    for other in tables:
        name = str(other.get("term", ""))
        other_id = str(other.get("id") or slugify(name))
        if other_id == tid:
            raise AuthoringError(
                f"{where} already has a term with the id {tid!r} ({name!r}): edit that entry, or pass --id to give the new term another id"
            )
        aliases_of = other.get("aliases") if isinstance(other.get("aliases"), list) else []
        for other_name in (name, *map(str, aliases_of)):
            if unicodedata.normalize("NFC", other_name).casefold() in new_names:
                raise AuthoringError(
                    f"{where}: the name {other_name!r} already belongs to the term {name!r}: edit that entry instead, "
                    "or choose another name (two terms sharing a name are marked for neither)"
                )
    return _append(root, GLOSSARY_FILE, existing, table)


def event_table(
    title: str, date: str, end: str = "", description: str = "", entities: Iterable[str] = (), articles: Iterable[str] = ()
) -> str:
    """The `[[event]]` table for a new timeline event."""
    title = _required_text(title, "title", 'sitegen new event "Title" --date 2016-10')
    bounds = {}
    for option, value in (("--date", date), ("--end", end)):
        if not value.strip():
            continue
        try:
            bounds[option] = parse_partial_date(value.strip())
        except DateError as exc:
            raise UsageError(f"{option}: {exc}") from None
    if "--date" not in bounds:
        raise UsageError("--date is required: YYYY, YYYY-MM or YYYY-MM-DD, such as --date 2016-10")
    if "--end" in bounds and bounds["--end"].last_day() < bounds["--date"].first_day():
        raise UsageError(f"--end {bounds['--end'].iso} is before --date {bounds['--date'].iso}")
    lines = ["[[event]]", f"date = {quoted(bounds['--date'].iso)}"]
    if "--end" in bounds:
        lines.append(f"end = {quoted(bounds['--end'].iso)}")
    lines.append(f"title = {quoted(title)}")
    description = " ".join(description.split())
    if description:
        lines.append(f"description = {quoted(description)}")
    for key, values in (("entities", entities), ("articles", articles)):
        values = list(dict.fromkeys(v.strip() for v in values if v.strip()))
        if values:
            lines.append(f"{key} = {quoted_list(values)}")
    return "\n".join(lines) + "\n"


def new_event(
    root: Path, title: str, date: str, end: str = "", description: str = "", entities: Iterable[str] = (), articles: Iterable[str] = ()
) -> Path:
    require_archive(root, "new event")
    entities, articles = list(entities), list(articles)
    table = event_table(title, date, end, description, entities, articles)
    for entity_id in entities:
        if not (root / "content" / "entities" / f"{entity_id.strip()}.md").is_file():
            raise AuthoringError(
                f"{display_path(root, f'content/entities/{entity_id.strip()}.md')} does not exist: create the entity "
                f"first (sitegen new entity \"Name\" --kind …), or fix the id given to --entity"
            )
    if articles:
        slugs = existing_article_slugs(root)
        for slug in articles:
            if _normalised(slug.strip()) not in slugs:
                raise AuthoringError(
                    f"no article in {display_path(root, 'content/articles')} has the slug {slug.strip()!r}: "
                    "give --article the slug of an existing article (its file name without the date and .md)"
                )
    existing, tables = _toml_file(root, TIMELINE_FILE, "event")
    new = parse_toml(table)["event"][0]
    for other in tables:
        if str(other.get("date")) == new["date"] and str(other.get("title", "")).strip() == new["title"]:
            raise AuthoringError(
                f"{display_path(root, TIMELINE_FILE)} already has the event {new['title']!r} on {new['date']}: edit it there"
            )
    return _append(root, TIMELINE_FILE, existing, table)
