"""The markup annotation puts into running text: side-notes and term marks.

Side-note markup works without JavaScript and stays valid inside a paragraph:
only phrasing elements are used, and the toggle for narrow screens is a
checkbox with its label (CSS shows the note when it is checked). Every text
from the sources is escaped here; only rendered Markdown goes in as HTML.
"""

from __future__ import annotations

import datetime as dt
import html

from sitegen.model.dates import MONTHS
from sitegen.model.models import Entity, Role, Term
from sitegen.pipeline.catalog import ENTITY_KIND_LABELS
from sitegen.pipeline.markdown import render_inline_markdown


def role_on(roles: tuple[Role, ...], day: dt.date | None) -> Role | None:
    """The role held on `day`: the latest-starting one whose span includes it."""
    if day is None:
        return None
    current = [
        role
        for role in roles
        if (role.start is None or role.start.first_day() <= day) and (role.end is None or day <= role.end.last_day())
    ]
    if not current:
        return None
    return max(current, key=lambda r: r.start.first_day() if r.start else dt.date.min)


def entity_note_body(entity: Entity, day: dt.date | None, url: str) -> str:
    """What an entity's side-note says: name, kind, the role held on the
    article's date, the summary, and a link to the entity's page (`url`, already
    escaped), shown where tapping the mention opens the note instead."""
    parts = [
        f'<strong class="sidenote-title">{html.escape(entity.name)}</strong> '
        f'<span class="sidenote-kind">{ENTITY_KIND_LABELS[entity.kind]}</span>'
    ]
    role = role_on(entity.roles, day)
    if role is not None and day is not None:
        parts.append(
            f' <span class="sidenote-role">{html.escape(role.title)}'
            f' <span class="sidenote-asof">(as of {day.day} {MONTHS[day.month - 1]} {day.year})</span></span>'
        )
    if entity.summary:
        parts.append(f' <span class="sidenote-summary">{html.escape(entity.summary)}</span>')
    parts.append(f' <a class="sidenote-link" href="{url}">More about {html.escape(entity.name)}</a>')
    return "".join(parts)


def sidenote(number: int, body_html: str, id_prefix: str = "", searchable: bool = True) -> str:
    """A numbered note: a marker, a toggle for narrow screens, and the note itself.

    Entity notes repeat the entity's summary, which the search index already
    has on the entity's own page, so they are kept out of the article's text
    (`searchable=False`); footnotes are the author's words and stay in.
    """
    note_id = f"{id_prefix}sn-{number}"
    ignore = "" if searchable else " data-pagefind-ignore"
    return (
        f'<input type="checkbox" class="sidenote-toggle" id="{note_id}-toggle" aria-label="Show note {number}">'
        f'<label class="sidenote-number" for="{note_id}-toggle">{number}</label>'
        f'<span class="sidenote margin-note" id="{note_id}" role="note"{ignore}>'
        f'<span class="sidenote-marker" aria-hidden="true">{number}</span> {body_html}</span>'
    )


def endnotes(notes: list[tuple[int, str]]) -> str:
    """The side-notes again as numbered notes at the end of the text, for
    print (CSS hides them on screen and hides the side-notes in print)."""
    if not notes:
        return ""
    items = "".join(f'<li value="{number}">{body}</li>' for number, body in notes)
    return f'<section class="endnotes" aria-label="Notes" data-pagefind-ignore><h2>Notes</h2><ol>{items}</ol></section>'


def term_mark(term: Term, shown: str, glossary_url: str, id_prefix: str = "") -> str:
    """A marked term: a link to its glossary entry and a definition that CSS
    shows on hover and focus; screen readers get it as the link's description.
    The definition links to the entry too: where a tap opens the definition
    (sitegen.js, on narrow screens), that link is the way to the glossary."""
    href = html.escape(f"{glossary_url}#{term.id}")
    tip_id = f"{id_prefix}def-{term.id}"
    definition = render_inline_markdown(term.definition)
    return (
        f'<a class="term" href="{href}" data-term="{term.id}" aria-describedby="{tip_id}">{html.escape(shown)}</a>'
        f'<span class="term-tip" id="{tip_id}" data-pagefind-ignore>'
        f'<strong class="term-tip-title">{html.escape(term.term)}</strong> {definition}'
        f' <a class="term-tip-link" href="{href}">In the glossary</a></span>'
    )
