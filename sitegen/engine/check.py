"""`sitegen check`: every validation of a build, and a few more, without writing.

`check_archive` plans the site as a build would (config -> load -> annotate ->
pages), which already reports content errors, warnings, alias collisions and
unresolved references, then adds checks a build does not make:

- entities nothing refers to: no article, timeline event, other entity's
  description or glossary term (a warning);
- internal links in article and entity bodies that lead to no page or file
  of the site (an error).

Nothing is written: not the site, not the cache. When the plan stops at
errors, the extra checks cannot run (they need the pages); the report says so.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Iterable, Iterator
from urllib.parse import unquote, urlsplit

from sitegen.engine.build_plan import BuildPlan
from sitegen.engine.builder import Builder, BuildOptions
from sitegen.model.errors import ContentError, Diagnostic
from sitegen.model.urls import Urls
from sitegen.pipeline.annotate import annotate_entity_description, markdown_parser
from sitegen.pipeline.catalog import build_catalog
from sitegen.pipeline.views import EntityView


@dataclass(slots=True)
class CheckReport:
    """What `sitegen check` found, sorted by path, line and message."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    complete: bool = True  # False when errors stopped the plan before the extra checks
    articles: int = 0
    entities: int = 0
    pages: int = 0

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors) or (strict and bool(self.warnings))

    def summary(self) -> dict:
        return {
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "articles": self.articles,
            "entities": self.entities,
            "pages": self.pages,
            "complete": self.complete,
        }


def diagnostic_json(diagnostic: Diagnostic) -> dict:
    return {"path": diagnostic.path, "line": diagnostic.line, "level": diagnostic.severity, "message": diagnostic.message}


def check_archive(options: BuildOptions) -> CheckReport:
    """Run every check on the archive of `options`. Raises UsageError like a build would."""
    builder = Builder(options)
    try:
        plan = builder.plan()
    except ContentError as exc:
        return CheckReport(_sorted([*exc.errors, *exc.warnings]), complete=False)
    found = [*plan.warnings, *unmentioned_entities(plan), *broken_links(plan)]
    return CheckReport(
        _sorted(found),
        articles=len(plan.archive.articles),
        entities=len(plan.archive.entities),
        pages=len(plan.pages),
    )


def _sorted(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(dict.fromkeys(diagnostics), key=lambda d: (*d.sort_key, d.severity))


# --- entities nobody mentions ----------------------------------------------------------


def unmentioned_entities(plan: BuildPlan) -> list[Diagnostic]:
    """Entities nothing in the archive refers to.

    An entity is referred to when an article mentions it or lists it in its
    `entities`, when a timeline event names it or mentions it, when another
    entity's description mentions it, or when a glossary term's `see` names it.
    An entity only the timeline or other entities refer to is not an orphan:
    removing it would break those references.
    """
    used: set[str] = set()
    for page in plan.pages:
        view = page.data.get("entity")
        if isinstance(view, EntityView) and (view.article_count or view.events):
            used.add(view.id)  # articles that mention or list it; events that name or mention it
    for term in plan.archive.terms:
        used.update(term.see)
    catalog, _ = build_catalog(plan.archive, plan.urls, plan.settings.annotations.repeat_links)
    for entity in plan.archive.entities:
        if entity.body:
            used.update(annotate_entity_description(entity, catalog).entity_ids)
    return [
        Diagnostic(
            entity.pos.path,
            1,
            f"entity {entity.id!r} is never mentioned; add it to an article's `entities` or remove it",
            "warning",
        )
        for entity in plan.archive.entities
        if entity.id not in used
    ]


# --- internal links in Markdown --------------------------------------------------------


def markdown_links(text: str, body_line: int) -> Iterator[tuple[str, int]]:
    """Every link target in Markdown `text`, with its file line (the text starts on `body_line`)."""
    block_line = 0
    for token in markdown_parser().parse(text):
        if token.map:
            block_line = token.map[0]
        if token.type != "inline" or not token.children:
            continue
        breaks = 0  # a paragraph spans lines: count the line breaks before each link
        for child in token.children:
            if child.type in ("softbreak", "hardbreak"):
                breaks += 1
            elif child.type == "link_open":
                href = child.attrGet("href")
                if isinstance(href, str):
                    yield href, body_line + block_line + breaks


def site_files(plan: BuildPlan) -> set[str]:
    """Every output path the site will hold (pages, theme assets, static files)."""
    return {Urls.page_file(page.path) for page in plan.pages} | {target for target, _ in plan.copies}


def broken_links(plan: BuildPlan) -> list[Diagnostic]:
    files = site_files(plan)
    base_path = plan.urls.base_path
    sources = [(a.pos.path, a.body, a.body_line, Urls.article_path(a.slug)) for a in plan.archive.articles]
    sources += [(e.pos.path, e.body, e.body_line, Urls.entity_path(e.id)) for e in plan.archive.entities if e.body]
    found = []
    for path, body, body_line, page_path in sources:
        for href, line in markdown_links(body, body_line):
            problem = link_problem(href, page_path, base_path, files)
            if problem:
                found.append(Diagnostic(path, line, problem, "error"))
    return found


def link_problem(href: str, page_path: str, base_path: str, files: set[str]) -> str | None:
    """Why `href`, written on the page at `page_path`, leads nowhere; None when it is fine
    or not internal (another site, mailto:, a fragment of the same page)."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        if not path.startswith(base_path):
            # Markdown links are written out as they are: under a base path such as
            # /archive/, "/articles/x/" points outside the published site.
            target = _resolve(path.lstrip("/"), "")
            if target is not None and _exists(target, files):
                relative = _relative(target, page_path)
                return (
                    f"link {href!r} leaves the site's base path {base_path} and breaks once published; "
                    f"write it as {relative!r} (or {base_path + target!r})"
                )
            return f"broken link {href!r}: the site has no page or file there; fix the address or remove the link"
        target = _resolve(path[len(base_path):], "")
    else:
        target = _resolve(path, page_path)
    if target is None:
        return f"broken link {href!r}: it leads above the site's root; fix the address or remove the link"
    if _exists(target, files):
        return None
    return f"broken link {href!r}: the site has no page or file at {target or '/'}; fix the address or remove the link"


def _resolve(path: str, page_path: str) -> str | None:
    """`path` relative to the folder of `page_path`, as a site-relative path; None above the root."""
    folder = page_path if page_path.endswith("/") or not page_path else posixpath.dirname(page_path) + "/"
    parts: list[str] = [p for p in folder.split("/") if p]
    segments = path.split("/")
    for segment in segments:
        if segment == "..":
            if not parts:
                return None
            parts.pop()
        elif segment not in ("", "."):
            parts.append(segment)
    directory = segments[-1] in ("", ".", "..")
    return "/".join(parts) + ("/" if directory and parts else "")


def _exists(target: str, files: set[str]) -> bool:
    if target == "" or target.endswith("/"):
        return target + "index.html" in files
    # "articles/x" works too: hosts redirect a folder's address to its slash form.
    return target in files or target + "/index.html" in files


def _relative(target: str, page_path: str) -> str:
    relative = posixpath.relpath("/" + target, "/" + page_path)
    return relative + "/" if target.endswith("/") and not relative.endswith("/") else relative
