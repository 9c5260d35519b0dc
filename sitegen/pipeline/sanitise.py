"""The allow-list sanitiser for raw HTML in article bodies.

An article's body is the one field that may hold raw HTML (a `<figure>`, a
`<span class="…">`). What reaches readers of it is what the sanitiser
keeps: the structural and text elements an article needs, with safe
attributes and addresses; scripts, styles, frames, plugins, forms, `<base>`
and `<meta>`, event handlers and `style` attributes never (but for a table
cell's alignment, as Markdown writes it). It is `nh3`, the
Python binding of the Rust `ammonia` sanitiser, which parses the HTML as a
browser does (html5ever) and writes out only what the lists below allow, as
a balanced fragment: no stray `</p>` or `</main>` can close the page's own
elements, and no open tag reaches past the body. It is made once
(`BODY_CLEANER`, and `PHRASING_CLEANER` for footnotes).

sitegen's own markup in a body (mentions, side-notes, term marks) is not put
through it: annotation holds each piece of it as a `Placeholders` element,
the body is sanitised, and the pieces are put back. Side-notes keep their
checkbox toggles and every attribute the scripts read, which editors'
markup may not have, and a footnote's raw HTML, sanitised as a fragment of
its own, cannot close the side-note it is in.

The same sanitiser tells annotation which of a body's text a reader sees
(`Placeholders.seen_markers`): text inside an element it removes with its
content is annotated nowhere, however the raw HTML around it is written.
"""

from __future__ import annotations

import hashlib
import re

import nh3

# The elements kept, with their text: ammonia's own default list (text,
# structure, lists, tables, figures, details, ruby) and the two an article
# adds to it, less image maps (no `usemap` is kept to use them). Any other
# element is dropped and its text kept.
ALLOWED_TAGS = (frozenset(nh3.ALLOWED_TAGS) | {"section", "tfoot"}) - {"map", "area"}
# Those of them that may stand inside a paragraph: a footnote's HTML goes
# into a side-note in the middle of one, where a block (`<div>`, `<p>`)
# would end the paragraph, and the side-note with it, as a browser reads it.
PHRASING_TAGS = ALLOWED_TAGS & frozenset(
    "a abbr b bdi bdo br cite code data del dfn em i img ins kbd mark q rp rt rtc ruby s samp small span strike "
    "strong sub sup time tt u var wbr".split()
)

# Dropped with everything in them: code and styles, and the elements whose
# content a browser would not show as text (raw text, templates, fallbacks of
# plugins and frames, SVG and MathML, the parsing of which differs from
# HTML's and is where sanitisers' mutation bugs live).
REMOVED_WITH_CONTENT = frozenset(
    "script style template noscript iframe frame frameset noembed noframes object embed applet "
    "textarea title xmp plaintext select svg math".split()
)

# The element that holds sitegen's markup aside in a body (see Placeholders).
PLACEHOLDER_TAG = "sitegen-markup"

# Attributes every kept element may have. `id` is kept so that an editor can
# link to a place in the article (`<a href="#background">`), but not one of
# the ids sitegen gives its own elements (see _RESERVED_ID). `name` is never
# kept: on an image it would be a property of `document`, over the one the
# page's scripts use (`<img name="getElementById">`). No `style` (it can
# overlay the page or fetch addresses), no `on…` handler, no `data-…`
# (sitegen's scripts and Pagefind read `data-entity`, `data-term` and
# `data-pagefind-…`: an editor's element would pass for sitegen's own).
GLOBAL_ATTRIBUTES = frozenset(("class", "id", "lang", "dir", "title"))
ATTRIBUTE_PREFIXES = frozenset(("aria-",))
ATTRIBUTES: dict[str, frozenset[str]] = {
    "*": GLOBAL_ATTRIBUTES,
    "a": frozenset(("href", "hreflang")),
    "img": frozenset(("src", "alt", "width", "height", "loading")),
    "ol": frozenset(("start", "reversed", "type")),
    "li": frozenset(("value",)),
    "td": frozenset(("colspan", "rowspan", "headers", "style")),
    "th": frozenset(("colspan", "rowspan", "headers", "scope", "abbr", "style")),
    "col": frozenset(("span",)),
    "colgroup": frozenset(("span",)),
    "blockquote": frozenset(("cite",)),
    "q": frozenset(("cite",)),
    "del": frozenset(("cite", "datetime")),
    "ins": frozenset(("cite", "datetime")),
    "time": frozenset(("datetime",)),
    "data": frozenset(("value",)),
    "details": frozenset(("open",)),
}

# Addresses: the web, mail and telephone, and relative ones (a path, a
# fragment). `data:` only for raster images in `<img src>`, as Markdown
# images may have them (markdown-it's own check); never `javascript:`,
# `vbscript:`, `file:` or `data:text/html`.
URL_SCHEMES = frozenset(("http", "https", "mailto", "tel"))
_URL_ATTRIBUTES = frozenset(("href", "src", "cite"))
_RASTER_DATA = re.compile(r"data:image/(?:png|gif|jpeg|webp)[;,]", re.IGNORECASE)
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
# The one `style` kept: a Markdown table's column alignment, exactly as
# markdown-it writes it on its cells, so a table keeps its alignment in a body
# that also holds raw HTML. Any other style on a cell, or anywhere, goes.
_TABLE_ALIGNMENT = re.compile(r"text-align:(?:left|right|center)")
_URL_IGNORED = re.compile(r"[\t\n\r]")  # characters a browser removes from anywhere in an address
_URL_TRIMMED = "".join(map(chr, range(0x21)))  # and the controls and spaces it trims from both ends

# The ids of sitegen's own elements that its scripts look up or its notes
# point to: side-notes (`sn-3`, `sn-3-toggle`), term definitions (`def-…`),
# the theme's (`sitegen_entity_cards`, the JSON of the hover cards; the
# search page's and the timeline filter's) and the headings that name the
# article page's sections. An editor's element with one of them, earlier in
# the page, would be found instead of sitegen's (whose scripts would then read
# an editor's text as the cards' JSON, and a section would be named by the
# editor's text). Other ids stay: they make no property of `document`, and the
# scripts read no global an id could shadow. An `aria-…` attribute that
# points to one of them goes too: the side-notes' script places a note beside
# the link whose `aria-describedby` names it.
_RESERVED_ID = re.compile(
    r"(?:sn-\d|def-|sitegen|site_|search|timeline-filter|article-events|in-this-article|cite-this-article|more-on-this-story)",
    re.IGNORECASE,
)
# What separates the names in a `class` or a list of ids: ASCII white space
# only (a no-break space is part of a name).
_NAMES_SEPARATOR = re.compile(r"[ \t\n\f\r]+")
# The `aria-…` attributes whose value is a list of ids.
_ARIA_REFERENCES = frozenset(
    "aria-activedescendant aria-controls aria-describedby aria-details aria-errormessage aria-flowto aria-labelledby aria-owns".split()
)
# The classes of sitegen's own markup (mentions, side-notes, term marks, notes
# for print) and those its scripts find elements by (the article, its
# reference to cite, search marks, the theme's states): on an editor's
# element they would make it pass for sitegen's, laid out and driven by the
# scripts (a fake side-note, a definition shown on hover, a "Copy reference"
# button that copies the editor's text). An editor's other classes stay.
_RESERVED_CLASS = re.compile(
    r"mention|margin-note|note-ref|inline-note|endnotes|sidenotes?(?:-.*)?|term(?:-.*)?|article(?:-.*)?|cite-.*"
    r"|search-.*|site-.*|entity-.*|timeline.*|is-.*|js-.*",
    re.IGNORECASE,
)


def _url_allowed(tag: str, value: str) -> bool:
    address = _URL_IGNORED.sub("", value).strip(_URL_TRIMMED)
    scheme = _SCHEME.match(address)
    if scheme is None:
        return True  # a relative address: a path, a query or a fragment
    if scheme.group(1).lower() == "data":
        return tag == "img" and _RASTER_DATA.match(address) is not None
    return scheme.group(1).lower() in URL_SCHEMES


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Called for every attribute the lists allow: the checks they cannot express."""
    if tag == PLACEHOLDER_TAG:
        return value if attribute == "data-n" else None
    if attribute in _URL_ATTRIBUTES and not _url_allowed(tag, value):
        return None
    if attribute == "style":
        return value if tag in ("td", "th") and _TABLE_ALIGNMENT.fullmatch(value) else None
    if attribute == "id" and (not value or _RESERVED_ID.match(value)):
        return None
    if attribute in _ARIA_REFERENCES and any(_RESERVED_ID.match(name) for name in _NAMES_SEPARATOR.split(value)):
        return None
    if attribute == "class":
        names = [name for name in _NAMES_SEPARATOR.split(value) if name and not _RESERVED_CLASS.fullmatch(name)]
        return " ".join(names) or None
    return value


def _cleaner(tags: frozenset[str], attributes: dict[str, frozenset[str]]) -> nh3.Cleaner:
    """A sanitiser keeping the elements `tags` names, with what the lists above allow."""
    return nh3.Cleaner(
        tags=set(tags),
        clean_content_tags=set(REMOVED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in attributes.items()},
        attribute_filter=_filter_attribute,
        strip_comments=True,
        link_rel=None,  # links are written as Markdown writes them, without `rel`
        generic_attribute_prefixes=set(ATTRIBUTE_PREFIXES),
        url_schemes=set(URL_SCHEMES | {"data"}),  # `data:` narrowed to raster images by _filter_attribute
    )


# The two sanitisers, each made once: a body's, which keeps placeholders (and
# only their `data-n`), and a footnote's, which keeps phrasing elements only.
BODY_CLEANER = _cleaner(ALLOWED_TAGS | {PLACEHOLDER_TAG}, {**ATTRIBUTES, PLACEHOLDER_TAG: frozenset(("data-n",))})
PHRASING_CLEANER = _cleaner(PHRASING_TAGS, ATTRIBUTES)


def sanitise_phrasing(fragment: str) -> str:
    """`fragment` with only phrasing elements and what the lists above allow, as balanced HTML."""
    return PHRASING_CLEANER.clean(fragment)


# --- sitegen's own markup, held aside ---------------------------------------------------------


# A placeholder as the body's sanitiser writes it out, or an editor's copy of
# one (with its `data-n` or none, with content or none), or the end of a copy.
_PLACEHOLDER = re.compile(f'<{PLACEHOLDER_TAG}(?: data-n="([^"]*)")?>(</{PLACEHOLDER_TAG}>)?|</{PLACEHOLDER_TAG}>')
# A tag as the sanitiser writes it out: its name in lower case, its attributes'
# values in double quotes (a `<` or `>` may stand in one; in text, never).
_TAG = re.compile(r'<(/?)([a-z][a-z0-9-]*)(?:[^>"]|"[^"]*")*>')
# The `data-n` of this document's placeholders: its nonce, then the number of
# a piece, or of a marker after an `m`.
_NUMBERED = re.compile(r"([0-9a-f]{16})-(m?)([0-9]+)")


class Placeholders:
    """sitegen's markup in a body that holds raw HTML, held aside while the body is sanitised.

    Each piece is written into the body as an empty element that the
    sanitiser keeps, then put back in its place. The element's `data-n`
    carries a digest of the article's own source, which an editor cannot
    write into that source: an editor's copy of a placeholder, with any other
    `data-n` or none, is dropped (its content kept), as an unknown element
    is. Only the exact serialisation of a placeholder is put back, with its
    `"`s, which the sanitiser writes as `&quot;` in an attribute's value: no
    version of it writes that inside an attribute (whose `<` older ones leave
    as it is), nor in text, where `<` is `&lt;`.

    Markers, the same element with a number of their own, find out which
    places in a body a reader sees (see `seen_markers`).
    """

    __slots__ = ("pieces", "_nonce")

    def __init__(self, source: str):
        self._nonce = hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
        self.pieces: list[str] = []

    def hold(self, markup: str) -> str:
        self.pieces.append(markup)
        return f'<{PLACEHOLDER_TAG} data-n="{self._nonce}-{len(self.pieces) - 1}"></{PLACEHOLDER_TAG}>'

    def sanitise(self, body_html: str) -> str:
        """The body sanitised, with sitegen's markup back in place."""
        return _PLACEHOLDER.sub(self._piece, BODY_CLEANER.clean(body_html))

    def _piece(self, found: re.Match) -> str:
        number = self._number(found, "")
        return self.pieces[number] if number is not None and number < len(self.pieces) else ""

    def marker(self, number: int) -> str:
        """Marker `number`, to put at a place in a body. Its value is not quoted:
        where the place is inside an attribute's value, the marker ends nothing."""
        return f"<{PLACEHOLDER_TAG} data-n={self._nonce}-m{number}></{PLACEHOLDER_TAG}>"

    def seen_markers(self, marked_html: str) -> dict[int, bool]:
        """The numbers of the markers in `marked_html` that the sanitiser keeps:
        those at places a reader sees, each with whether it is inside a link
        (the editor's `<a>` or a Markdown link), wherever that opens and closes. A
        marker inside an element removed with its content (a script, a
        template, SVG), a comment or an attribute's value goes with them,
        wherever that element opens and closes."""
        cleaned = BODY_CLEANER.clean(marked_html)
        seen: dict[int, bool] = {}
        if "<a " not in cleaned and "<a>" not in cleaned:  # no link: only the markers are looked at
            for placeholder in _PLACEHOLDER.finditer(cleaned):
                number = self._number(placeholder, "m")
                if number is not None:
                    seen[number] = False
            return seen
        links = 0  # the links open at this point of the sanitiser's balanced output
        for tag in _TAG.finditer(cleaned):
            name = tag.group(2)
            if name == "a":
                links += -1 if tag.group(1) else 1
            elif name == PLACEHOLDER_TAG and not tag.group(1):
                number = self._number(_PLACEHOLDER.match(cleaned, tag.start()), "m")
                if number is not None:
                    seen[number] = links > 0
        return seen

    def _number(self, found: re.Match, kind: str) -> int | None:
        """The number of one of this document's placeholders (`kind` "") or markers ("m"), else None."""
        numbered = _NUMBERED.fullmatch(found.group(1) or "") if found.group(2) else None
        if numbered is None or numbered.group(1) != self._nonce or numbered.group(2) != kind:
            return None
        return int(numbered.group(3))
