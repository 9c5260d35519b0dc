"""How to cite an article of the archive: what reference managers read.

One `Citation` per article holds what every form of it says: the article's
title, authors, publication date and source, the address of the original,
the address of the archive's copy and, when the build names one, the day
the copy was accessed (see `[site] citation_access_date` in config.py).
From it come the `<meta>` tags of the article's head (Highwire Press
`citation_*` tags, which Google Scholar and Zotero read, and Dublin Core),
the reference shown under "Cite this article", and two files beside the
page: `cite.bib` (BibTeX) and `cite.json` (CSL-JSON).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from sitegen.model.dates import MONTHS
from sitegen.model.models import Article
from sitegen.model.urls import Urls
from sitegen.pipeline.config import Settings, is_iso_day
from sitegen.pipeline.site import Page

BIBTEX_FILE = "cite.bib"
CSL_JSON_FILE = "cite.json"
CITATION_FILES = (BIBTEX_FILE, CSL_JSON_FILE)  # in the order of `citation_files`


@dataclass(frozen=True, slots=True)
class Citation:
    key: str  # the BibTeX key and the CSL-JSON id: the article's slug
    title: str
    authors: tuple[str, ...]  # as the article writes them
    day: dt.date  # of publication
    source: str  # the publication the article first appeared in; "" when unknown
    original_url: str  # "" when unknown
    archive_url: str  # the archive's copy, absolute
    archive_name: str  # the archive's title
    language: str
    accessed: str  # YYYY-MM-DD, or "" for no access date
    bibtex_url: str  # site-relative URLs of the two files
    csl_json_url: str

    @property
    def day_display(self) -> str:
        return _display(self.day)

    @property
    def accessed_display(self) -> str:
        return _display(dt.date.fromisoformat(self.accessed)) if self.accessed else ""

    @property
    def title_stop(self) -> str:
        """The full stop after the title in a reference, unless the title ends in one of its own."""
        return "" if self.title.endswith((".", "?", "!", "…")) else "."


def _display(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def access_day(settings: Settings) -> str:
    """The access date every citation gives: the day the builder resolved
    `[site] citation_access_date` to, or "" when it gives none."""
    value = settings.site.citation_access_date
    return value if is_iso_day(value) else ""


def article_citation(article: Article, settings: Settings, urls: Urls, accessed: str) -> Citation:
    page = urls.article_path(article.slug)
    return Citation(
        key=article.slug,
        title=article.title,
        authors=article.authors,
        day=article.date.day,
        source=article.source,
        original_url=article.url,
        archive_url=urls.absolute(page),
        archive_name=settings.site.title,
        language=settings.site.language,
        accessed=accessed,
        bibtex_url=urls.url(page + BIBTEX_FILE),
        csl_json_url=urls.url(page + CSL_JSON_FILE),
    )


# --- <meta> tags -----------------------------------------------------------------------------


def meta_tags(citation: Citation) -> tuple[tuple[str, str], ...]:
    """(name, content) of each `<meta>` tag for the article's head, in order.

    Highwire Press tags first (Google Scholar asks for the date as
    YYYY/MM/DD; `citation_public_url` is the page that holds the work, the
    archive's copy; the source is both the "journal" and the publisher),
    then Dublin Core, whose `DC.source` names the original.
    """
    day = citation.day
    tags: list[tuple[str, str]] = [("citation_title", citation.title)]
    tags += [("citation_author", name) for name in citation.authors]
    tags.append(("citation_publication_date", f"{day.year:04d}/{day.month:02d}/{day.day:02d}"))
    if citation.source:
        # Zotero files the name of the publication from citation_journal_title alone.
        tags += [("citation_journal_title", citation.source), ("citation_publisher", citation.source)]
    tags.append(("citation_public_url", citation.archive_url))
    tags.append(("citation_language", citation.language))
    tags.append(("DC.title", citation.title))
    tags += [("DC.creator", name) for name in citation.authors]
    tags.append(("DC.date", day.isoformat()))
    if citation.source:
        tags.append(("DC.publisher", citation.source))
    if citation.original_url:
        tags.append(("DC.source", citation.original_url))
    tags.append(("DC.identifier", citation.archive_url))
    tags.append(("DC.language", citation.language))
    return tuple(tags)


# --- BibTeX ----------------------------------------------------------------------------------

# LaTeX's special characters, each written so that the text prints as given.
# Braces get commands, not `\{`: BibTeX counts every brace, escaped or not,
# so one unbalanced brace would end the field (and let the rest of a title
# write fields and entries of its own).
_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "$": r"\$",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_LATEX_SPECIAL_PATTERN = re.compile("[" + re.escape("".join(_LATEX_SPECIAL)) + "]")

# An address goes into BibTeX verbatim (biblatex and the url package print it
# as it is): only what would unbalance the braces, and the spaces and
# characters no address may hold unencoded, are percent-encoded.
_URL_UNSAFE = re.compile(r'[\s{}\\"<>^`|]')

_BIBTEX_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def latex_text(value: str) -> str:
    """Plain text as the content of a braced BibTeX field; whitespace, line
    breaks included, becomes single spaces."""
    text = " ".join(value.split())
    return _LATEX_SPECIAL_PATTERN.sub(lambda match: _LATEX_SPECIAL[match.group()], text)


def bibtex_url(value: str) -> str:
    return _URL_UNSAFE.sub(lambda match: "".join(f"%{byte:02X}" for byte in match.group().encode("utf-8")), value)


# The word BibTeX splits an author list at; at either end of one name it would
# meet the " and " that joins the names and split the list in the wrong place.
_AND_WORD = re.compile(r"(?:^|\s)and(?:\s|$)", re.IGNORECASE)


def bibtex_name(name: str) -> str:
    """One name of an author list. A name with the word "and" in it (an
    organisation's, say) is braced, so that BibTeX does not split it there."""
    text = latex_text(name)
    return "{" + text + "}" if _AND_WORD.search(text) else text


def bibtex_key(key: str) -> str:
    """A citation key of the characters every BibTeX tool takes in one."""
    return re.sub(r"[^A-Za-z0-9_:.-]+", "-", key) or "article"


def bibtex(citation: Citation) -> str:
    """The article as one BibTeX entry, readable by BibTeX and biblatex.

    An article with a source is an `@article` in that `journal` (biblatex
    reads it as `journaltitle`), without one an `@online`. The title is
    braced once more, so that styles do not change its capitals.
    """
    day = citation.day
    fields: list[tuple[str, str]] = []
    if citation.authors:
        fields.append(("author", "{" + " and ".join(bibtex_name(name) for name in citation.authors) + "}"))
    fields.append(("title", "{{" + latex_text(citation.title) + "}}"))
    if citation.source:
        fields.append(("journal", "{" + latex_text(citation.source) + "}"))
    fields += [
        ("date", "{" + day.isoformat() + "}"),
        ("year", "{" + str(day.year) + "}"),
        ("month", _BIBTEX_MONTHS[day.month - 1]),
        ("url", "{" + bibtex_url(citation.original_url or citation.archive_url) + "}"),
    ]
    if citation.accessed:
        fields.append(("urldate", "{" + citation.accessed + "}"))
    fields.append(("note", "{Archived copy: " + latex_text(citation.archive_url) + "}"))
    entry_type = "article" if citation.source else "online"
    lines = [f"@{entry_type}{{{bibtex_key(citation.key)},"]
    lines += [f"  {name} = {value}," for name, value in fields]
    lines.append("}")
    return "\n".join(lines) + "\n"


# --- CSL-JSON --------------------------------------------------------------------------------


def csl_name(name: str) -> dict[str, str]:
    """A name as CSL-JSON gives it: "Family, Given" when written so, a name
    of one word or with the word "and" in it (an organisation's) as a
    literal, otherwise split as BibTeX does (the given names up to the first
    word in lower case or the last word)."""
    if _AND_WORD.search(name.strip()):
        return {"literal": name}
    if "," in name:
        family, given = (part.strip() for part in name.split(",", 1))
        return {"family": family, "given": given} if family and given else {"literal": name}
    words = name.split()
    if len(words) < 2:
        return {"literal": name}
    split = next((i for i, word in enumerate(words[1:-1], start=1) if word[:1].islower()), len(words) - 1)
    return {"family": " ".join(words[split:]), "given": " ".join(words[:split])}


def csl_json(citation: Citation) -> str:
    """The article as a CSL-JSON array of one item, `article-newspaper`; the
    archive's copy as its `archive` and `archive_location`."""
    day = citation.day
    item: dict[str, object] = {
        "id": citation.key,
        "type": "article-newspaper",
        "title": citation.title,
    }
    if citation.authors:
        item["author"] = [csl_name(name) for name in citation.authors]
    item["issued"] = {"date-parts": [[day.year, day.month, day.day]]}
    if citation.source:
        item["container-title"] = citation.source
    item["URL"] = citation.original_url or citation.archive_url
    item["archive"] = citation.archive_name
    item["archive_location"] = citation.archive_url
    item["language"] = citation.language
    if citation.accessed:
        item["accessed"] = {"date-parts": [[int(part) for part in citation.accessed.split("-")]]}
    return indented_json([item]) + "\n"


# How json.dumps(ensure_ascii=False) writes a string: in C where Python has it.
_JSON_STRING = json.encoder.encode_basestring


def indented_json(value: object, depth: int = 0) -> str:
    """`json.dumps(value, ensure_ascii=False, indent=2)`, the same text, for text,
    whole numbers, and lists and dicts (with text keys) of them: json writes
    anything indented with its encoder written in Python, a generator for every
    list and dict, which took three quarters of the time of making a CSL-JSON file."""
    kind = type(value)
    if kind is str:
        return _JSON_STRING(value)
    if kind is int:
        return int.__repr__(value)
    if (kind is list or kind is dict) and value:
        inside = "\n" + "  " * (depth + 1)
        if kind is list:
            items = [indented_json(member, depth + 1) for member in value]  # type: ignore[union-attr]
        else:
            items = [_JSON_STRING(key) + ": " + indented_json(member, depth + 1) for key, member in value.items()]  # type: ignore[union-attr]
        opening, closing = ("[", "]") if kind is list else ("{", "}")
        return opening + inside + ("," + inside).join(items) + "\n" + "  " * depth + closing
    if kind is dict and any(type(key) is not str for key in value):  # type: ignore[union-attr]
        return json.dumps(value, ensure_ascii=False, indent=2)
    return json.dumps(value, ensure_ascii=False)  # empty lists and dicts, None, booleans, fractions: as json writes them


def citation_files(citation: Citation, page_path: str) -> list[Page]:
    """`cite.bib` and `cite.json` beside the article's page."""
    return [citation_file(citation, page_path, index) for index in range(len(CITATION_FILES))]


def citation_file(citation: Citation, page_path: str, index: int) -> Page:
    """The file of `citation_files` at `index` alone: a single build makes each
    file as it writes it, and would otherwise write out both to keep one."""
    name, text = CITATION_FILES[index], (bibtex, csl_json)[index](citation)
    return Page(path=page_path + name, template="", title="", description="", section="", indexable=False, literal=text)
