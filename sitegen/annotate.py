"""Markdown -> HTML fragments, through the markdown-it token stream.

This stage turns each article body (and entity descriptions) into HTML. The
token stream, not the HTML string, is where later rules add side-notes and
links, so that code spans, links and raw HTML are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from sitegen.models import Article, Entity


@lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    """The one Markdown dialect of sitegen: CommonMark, tables, strikethrough, footnotes.

    Raw HTML stays enabled because archive editors write their own sources;
    front-matter values, which may come from imports, are always escaped.
    """
    md = MarkdownIt("commonmark", {"html": True, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    return md


@dataclass(frozen=True, slots=True)
class RenderedArticle:
    slug: str
    body_html: str


def render_markdown(text: str) -> str:
    return markdown_parser().render(text)


def render_inline_markdown(text: str) -> str:
    return markdown_parser().renderInline(text)


def annotate_article(article: Article) -> RenderedArticle:
    return RenderedArticle(slug=article.slug, body_html=render_markdown(article.body))


def render_entity_description(entity: Entity) -> str:
    return render_markdown(entity.body)
