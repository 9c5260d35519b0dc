"""Saved HTML pages -> Markdown text, for `sitegen import`.

A page is parsed by Lexbor (through selectolax), an HTML5 parser that builds
the tree a browser builds from any input: implied end tags, misnested
formatting, tables. The tree is copied into small `Element`s, and everything
here walks it with an explicit stack rather than recursion, because a page of
20,000 unclosed `<span>`s is 20,000 levels deep.

`markdown_blocks` turns the article's body into Markdown paragraphs that keep
headings, lists, quotations, links and emphasis, and leaves out scripts,
styles, navigation, footers, figures, sharing and tracking; every character
that Markdown would read as markup is escaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

# --- Markdown escaping ------------------------------------------------------------------

_ENTITY_LIKE = re.compile(r"&(?=#\d+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")
_INLINE_SPECIAL = re.compile(r"([\\`*\[\]<])|(?<!\w)_|_(?!\w)|~(?=~)")


def escape_inline(text: str) -> str:
    """Escape what Markdown would read as markup inside a line."""
    text = _INLINE_SPECIAL.sub(lambda m: "\\" + m.group(0), text)
    return _ENTITY_LIKE.sub(r"\\&", text)


_LINE_START = re.compile(r"^(#{1,6}(?=\s|$)|>|[-+](?=\s|$)|=+\s*$|\d{1,9}(?=[.)](?:\s|$)))")


def escape_line_starts(text: str) -> str:
    """Escape what would start a heading, quote, list or rule at the start of each line."""

    def fix(line: str) -> str:
        if re.fullmatch(r"(?:[-_*\\] *){3,}", line):
            return "\\" + line
        found = _LINE_START.match(line)
        if not found:
            return line
        if found.group(0)[0].isdigit():  # "2014. The year" -> "2014\. The year"
            end = found.end()
            return line[:end] + "\\" + line[end:]
        return "\\" + line

    return "\n".join(fix(line) for line in text.split("\n"))


def to_paragraph(text: str) -> str:
    return escape_line_starts(escape_inline(text))


# --- HTML: the parsed page as a small tree --------------------------------------------------

# Pages are parsed by Lexbor, an HTML5 parser that builds the tree a browser
# builds (implied end tags, misnested formatting, tables) from any input.
# Everything below walks trees with an explicit stack rather than recursion:
# a page of 20,000 unclosed <span>s is 20,000 levels deep.


@dataclass(slots=True)
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str]

    def walk(self) -> Iterator[Element | str]:
        """Every element and text below this one, in document order."""
        pending = [iter(self.children)]
        while pending:
            child = next(pending[-1], None)
            if child is None:
                pending.pop()
                continue
            yield child
            if isinstance(child, Element):
                pending.append(iter(child.children))

    def iter(self) -> Iterator[Element]:
        return (child for child in self.walk() if isinstance(child, Element))

    def text(self) -> str:
        return "".join(child for child in self.walk() if isinstance(child, str))


def parse_html_tree(text: str) -> Element:
    """The page as a browser would read it; comments and the doctype are left out."""
    document = Element("#document", {}, [])
    html = LexborHTMLParser(text).root
    if html is None:
        return document
    pending = [(html, document)]  # the next node to read, and the element it belongs in
    while pending:
        node, parent = pending.pop()
        while node is not None:
            if node.is_text_node:
                parent.children.append(node.text_content or "")
            elif node.is_element_node:
                element = Element(node.tag, {k: v or "" for k, v in node.attributes.items()}, [])
                parent.children.append(element)
                if node.child is not None:
                    pending.append((node.next, parent))
                    node, parent = node.child, element
                    continue
            node = node.next
    return document


# --- HTML: text and addresses --------------------------------------------------------------

_TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "ref_src", "cmp", "cmpid", "ocid", "smid"})


def squash(text: str) -> str:
    """Every run of whitespace as one space, none at the ends."""
    return " ".join(text.split())


def clean_url(url: str, base: str = "") -> str:
    """An absolute http(s) address without tracking parameters, or ""."""
    url = urljoin(base, url.strip()) if base else url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.lower().startswith("utm_") and k.lower() not in _TRACKING_PARAMS]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


# --- HTML: the body -------------------------------------------------------------------------

_DROP_TAGS = frozenset(
    "script style noscript template nav footer aside form button iframe svg canvas object embed video audio picture "
    "img figure header input select textarea link meta dialog menu map".split()
)
_DROP_WORDS = frozenset(
    "ad ads advert adverts advertisement advertising banner promo promotion newsletter subscribe subscription share "
    "sharing social related recommended recirculation comments comment cookie cookies consent paywall tracking tracker "
    "sponsored outbrain taboola byline credit credits caption sr sronly visually hidden toolbar breadcrumb "
    "breadcrumbs".split()
)
_BLOCK_TAGS = frozenset(
    "p div section article main body html h1 h2 h3 h4 h5 h6 blockquote ul ol li pre hr table thead tbody tfoot tr td th "
    "dl dt dd address center details summary fieldset caption figcaption".split()
)
_BREAK = "\x00"


def _dropped(element: Element) -> str | None:
    """Why an element is left out of the body, or None."""
    if element.tag in _DROP_TAGS:
        return f"<{element.tag}>"
    attrs = element.attrs
    if "hidden" in attrs or attrs.get("aria-hidden", "").lower() == "true":
        return "hidden element"
    if re.search(r"display\s*:\s*none|visibility\s*:\s*hidden", attrs.get("style", ""), re.I):
        return "hidden element"
    words = set(re.split(r"[^a-z0-9]+", (attrs.get("class", "") + " " + attrs.get("id", "")).lower()))
    if words & _DROP_WORDS:
        return "ads, sharing, related links, comments and bylines"
    if attrs.get("role", "").lower() in ("navigation", "banner", "contentinfo", "complementary", "dialog", "alert"):
        return "navigation or banner"
    return None


@dataclass(slots=True)
class _Context:
    base: str
    title: str
    dropped: dict[str, int]

    def drop(self, reason: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1


def _tidy(text: str) -> str:
    text = re.sub(r" +", " ", text)
    text = re.sub(f" *{_BREAK} *", _BREAK, text).strip(" " + _BREAK)
    return re.sub(f"{_BREAK}+", "\\\\\n", text)


def _inline_text(text: str) -> str:
    return escape_inline(re.sub(r"[ \t\n\r\f]+", " ", text))


# An element being converted is a frame on a stack: its children are read one
# at a time, an element child opens a frame of its own (or gives its Markdown
# at once), and a finished frame hands its result to the frame below it. A
# frame of block content gives a list of Markdown blocks; an inline one a string.


class _Frame:
    def __init__(self, element: Element, ctx: _Context):
        self.element = element
        self.ctx = ctx
        self.children = iter(element.children)

    def text(self, text: str) -> None:
        raise NotImplementedError

    def open(self, child: Element) -> _Frame | list[str] | str | None:
        """A frame for `child`, its Markdown when it needs none, or None to leave it out."""
        raise NotImplementedError

    def add(self, result: list[str] | str) -> None:
        raise NotImplementedError

    def finish(self) -> list[str] | str:
        raise NotImplementedError


class _Blocks(_Frame):
    """Flow content (a <div>, a <p>, a list item, a quotation…) -> Markdown blocks."""

    def __init__(self, element: Element, ctx: _Context):
        super().__init__(element, ctx)
        self.out: list[str] = []
        self.inline: list[str] = []

    def flush(self) -> None:
        text = _tidy("".join(self.inline))
        self.inline.clear()
        if text and text.strip().lower() not in ("advertisement", "advertisement continue reading the main story"):
            self.out.append(escape_line_starts(text))

    def text(self, text: str) -> None:
        self.inline.append(_inline_text(text))

    def open(self, child: Element) -> _Frame | list[str] | str | None:
        reason = _dropped(child)
        if reason is not None:
            self.ctx.drop(reason)
            return None
        if child.tag in _BLOCK_TAGS:
            self.flush()
            return _open_block(child, self.ctx)
        return _open_inline(child, self.ctx)

    def add(self, result: list[str] | str) -> None:
        if isinstance(result, str):
            self.inline.append(result)
        else:
            self.out.extend(result)

    def finish(self) -> list[str]:
        self.flush()
        if self.element.tag == "blockquote":
            inner = "\n\n".join(self.out)
            return ["\n".join(("> " + line).rstrip() for line in inner.split("\n"))] if inner else []
        return self.out


class _List(_Frame):
    """<ul> or <ol> -> one Markdown list; only its <li> children count."""

    def __init__(self, element: Element, ctx: _Context):
        super().__init__(element, ctx)
        start = element.attrs.get("start", "1")
        self.number = int(start) if start.isdigit() else 1
        self.items: list[str] = []

    def text(self, text: str) -> None:
        pass

    def open(self, child: Element) -> _Frame | None:
        return _Blocks(child, self.ctx) if child.tag == "li" and _dropped(child) is None else None

    def add(self, result: list[str] | str) -> None:
        inner = "\n\n".join(result)
        if not inner:
            return
        marker = f"{self.number}. " if self.element.tag == "ol" else "- "
        self.number += 1
        lines = inner.split("\n")
        self.items.append("\n".join([marker + lines[0]] + [(" " * len(marker) + line) if line else "" for line in lines[1:]]))

    def finish(self) -> list[str]:
        return ["\n".join(self.items)] if self.items else []


class _Inline(_Frame):
    """Phrasing content (emphasis, a link, a heading's text…) -> a line of Markdown."""

    def __init__(self, element: Element, ctx: _Context, heading: bool = False):
        super().__init__(element, ctx)
        self.heading = heading  # a heading's text, which becomes a Markdown heading
        self.parts: list[str] = []

    def text(self, text: str) -> None:
        self.parts.append(_inline_text(text))

    def open(self, child: Element) -> _Frame | str | None:
        return _open_inline(child, self.ctx) if _dropped(child) is None else None

    def add(self, result: list[str] | str) -> None:
        self.parts.append(result if isinstance(result, str) else " ".join(result))

    def finish(self) -> list[str] | str:
        inner = "".join(self.parts)
        tag = self.element.tag
        if self.heading:
            text = _tidy(inner).replace("\\\n", " ")
            if not text or (tag == "h1" and squash(self.element.text()) == self.ctx.title):
                return []
            return ["#" * max(2, int(tag[1])) + " " + text]
        if tag in ("em", "i", "cite", "dfn"):
            return _wrap(inner, "*")
        if tag in ("strong", "b"):
            return _wrap(inner, "**")
        if tag in ("del", "s", "strike"):
            return _wrap(inner, "~~")
        if tag == "a":
            return _link(self.element.attrs.get("href", "").strip(), inner, self.ctx)
        return inner


_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())


def _open_block(element: Element, ctx: _Context) -> _Frame | list[str]:
    tag = element.tag
    if tag in _HEADINGS:
        return _Inline(element, ctx, heading=True)
    if tag == "hr":
        return ["* * *"]
    if tag == "pre":
        code = element.text().strip("\n")
        fence = "```" + "`" * max([len(run) - 2 for run in re.findall(r"`{3,}", code)] or [0])
        return [f"{fence}\n{code}\n{fence}"] if code.strip() else []
    if tag in ("ul", "ol"):
        return _List(element, ctx)
    return _Blocks(element, ctx)


def _open_inline(element: Element, ctx: _Context) -> _Frame | str:
    tag = element.tag
    if tag == "br":
        return _BREAK
    if tag in ("code", "kbd", "samp", "tt"):
        code = squash(element.text())
        if not code:
            return ""
        ticks = "`" * (max([len(r) for r in re.findall(r"`+", code)] or [0]) + 1)
        padding = " " if code.startswith("`") or code.endswith("`") else ""
        return f"{ticks}{padding}{code}{padding}{ticks}"
    return _Inline(element, ctx)


def _convert(frame: _Frame) -> list[str] | str:
    """Run `frame` and every frame it opens, without recursion; its result."""
    stack = [frame]
    while True:
        top = stack[-1]
        child = next(top.children, None)
        if child is None:
            stack.pop()
            result = top.finish()
            if not stack:
                return result
            stack[-1].add(result)
        elif isinstance(child, str):
            top.text(child)
        else:
            opened = top.open(child)
            if isinstance(opened, _Frame):
                stack.append(opened)
            elif opened is not None:
                top.add(opened)


def markdown_blocks(body: Element, base: str = "", title: str = "") -> tuple[list[str], dict[str, int]]:
    """The Markdown blocks of an article's body, and what was left out of it (why -> how often).

    Links are made absolute against `base`; an `<h1>` that repeats `title` is left out.
    """
    ctx = _Context(base, title, {})
    blocks = _convert(_Blocks(body, ctx))
    assert isinstance(blocks, list)
    return [block for block in blocks if block.strip()], ctx.dropped


def _wrap(inner: str, mark: str) -> str:
    """`*text*`, with the spaces around the text kept outside the marks."""
    core = inner.strip(" ")
    if not core.replace(_BREAK, ""):
        return inner
    lead = inner[: len(inner) - len(inner.lstrip(" "))]
    trail = inner[len(inner.rstrip(" ")) :]
    return f"{lead}{mark}{core}{mark}{trail}"


def _link(href: str, inner: str, ctx: _Context) -> str:
    url = "" if href.startswith("#") else clean_url(href, ctx.base)
    if not inner.strip() or not url:
        if href and not href.startswith("#") and inner.strip():
            ctx.drop("link without an address (kept as text)")
        return inner
    destination = url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    core = inner.strip(" ")
    lead = inner[: len(inner) - len(inner.lstrip(" "))]
    trail = inner[len(inner.rstrip(" ")) :]
    return f"{lead}[{core}]({destination}){trail}"


def body_root(root: Element) -> tuple[Element, str]:
    elements = list(root.iter())
    for element in elements:
        if element.attrs.get("itemprop", "").lower() == "articlebody" and _dropped(element) is None:
            return element, 'the itemprop="articleBody" element'
    articles = [e for e in elements if e.tag == "article"]
    if articles:
        def paragraph_text(article: Element) -> int:
            return sum(len(p.text()) for p in article.iter() if p.tag == "p")

        return max(articles, key=paragraph_text), "<article>"
    for element in elements:
        if element.tag == "main" or element.attrs.get("role", "").lower() == "main":
            return element, "<main>"
    body = next((e for e in elements if e.tag == "body"), root)
    return body, "<body>"
