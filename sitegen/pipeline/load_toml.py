"""The glossary and the timeline: `[[term]]` and `[[event]]` tables -> content models.

Each file is a list of tables; a table with errors is left out and every
problem is reported at the line of its key, or of its `[[…]]` header.
"""

from __future__ import annotations

from pathlib import Path

from sitegen.model.errors import Problems, kind_of
from sitegen.model.models import Event, SourcePos, Term
from sitegen.model.slugs import is_valid_slug, slugify
from sitegen.pipeline.fields import Fields, read_event
from sitegen.pipeline.sourcefiles import SourceError, parse_toml, read_text, source_name, toml_positions

TERM_FIELDS = ("term", "id", "aliases", "definition", "see", "case_sensitive")


def _toml_tables(root: Path, path: Path, array: str, problems: Problems):
    """Yield (index, table, key positions, header line) for each `[[array]]` table of a TOML file."""
    rel = source_name(root, path)
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
    rel = source_name(root, path)
    terms: list[Term] = []
    for index, table, positions, line in _toml_tables(root, path, "term", problems):
        fields = Fields(table, rel, lambda key, i=index, ln=line: positions.line_of("term", i, key, default=ln) if key else ln, problems, container="this [[term]] table")
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
    rel = source_name(root, path)
    events: list[Event] = []
    for index, table, positions, line in _toml_tables(root, path, "event", problems):
        event = read_event(table, rel, lambda key, i=index, ln=line: positions.line_of("event", i, key, default=ln) if key else ln, problems)
        if event is not None:
            events.append(event)
    return events

