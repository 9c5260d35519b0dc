"""The one Markdown dialect of sitegen, shared by annotation and the authoring tools.

CommonMark with tables, strikethrough, footnotes and the archive's own entity
references, `[[id]]` and `[[id|shown text]]`.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

_ENTITY_REF = re.compile(r"\[\[([a-z0-9]+(?:-[a-z0-9]+)*)(?:\|([^\]\n|]+))?\]\]")


def entity_ref_rule(state: StateInline, silent: bool) -> bool:
    """`[[id]]` and `[[id|shown text]]`: an explicit mention of an entity."""
    if not state.src.startswith("[[", state.pos):
        return False
    found = _ENTITY_REF.match(state.src, state.pos)
    if not found:
        return False
    if not silent:
        token = state.push("entity_ref", "", 0)
        token.meta = {"id": found.group(1), "text": (found.group(2) or "").strip()}
        token.content = found.group(0)
    state.pos = found.end()
    return True


def _render_entity_ref(self, tokens, idx, options, env) -> str:
    # Only reached when no catalogue annotated the document.
    token = tokens[idx]
    return html.escape(token.meta["text"] or token.meta["id"])


def _render_image(self, tokens, idx, options, env) -> str:
    # An image's alt text is the plain text of its description, in which
    # markdown-it would leave a reference out: it reads as it does in text.
    # (Annotation has already made the references text, with entities' names.)
    image = tokens[idx]
    if image.children:
        image = image.copy(children=_refs_as_text(image.children))
    return RendererHTML.image(self, [image], 0, options, env)


def _refs_as_text(children: list[Token]) -> list[Token]:
    plain = []
    for child in children:
        if child.type == "entity_ref":
            child = Token("text", "", 0, content=child.meta["text"] or child.meta["id"])
        elif child.type == "image" and child.children:
            child = child.copy(children=_refs_as_text(child.children))
        plain.append(child)
    return plain


def markdown_dialect(raw_html: bool = True) -> MarkdownIt:
    """A fresh parser of the dialect (callers may add rules of their own)."""
    md = MarkdownIt("commonmark", {"html": raw_html, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.inline.ruler.before("link", "entity_ref", entity_ref_rule)
    md.add_render_rule("entity_ref", _render_entity_ref)
    md.add_render_rule("image", _render_image)
    return md


@lru_cache(maxsize=1)
def _inline_parser() -> MarkdownIt:
    return markdown_dialect(raw_html=False)


@lru_cache(maxsize=4096)
def render_inline_markdown(text: str) -> str:
    """Inline Markdown with raw HTML shown as text (glossary definitions).

    Kept per text: a term's definition is rendered into every page that marks it."""
    return _inline_parser().renderInline(text)
