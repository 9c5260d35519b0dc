"""Pages -> HTML bytes with Jinja2.

Templates are looked up in the archive's own `templates/` first, then in the
theme that ships inside the package. The theme's templates are also reachable
as `theme/<name>`, so an override can extend the very template it replaces
and change a single block.
"""

from __future__ import annotations

import hashlib
import html
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import jinja2
import jinja2.compiler
import jinja2.meta
import markupsafe
from jinja2.loaders import split_template_path

from sitegen.model.errors import CacheUnreadable, ContentError, Diagnostic
from sitegen.model.urls import Urls
from sitegen.pipeline.site import Page, SiteView

THEME_DIR = Path(__file__).parent.parent / "theme"
THEME_TEMPLATES_DIR = THEME_DIR / "templates"  # the built-in theme's templates (engine/template_cache.py keeps them per user)
SITE_TEMPLATES_DIR = "templates"


class SiteTemplateLoader(jinja2.FileSystemLoader):
    """The archive's own templates: one that is not UTF-8 is an error at its first bad line."""

    def get_source(self, environment: jinja2.Environment, template: str):
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as exc:
            filename = Path(self.searchpath[0], *split_template_path(template))
            line = exc.object[: exc.start].count(b"\n") + 1
            message = f"the file is not valid UTF-8 (byte 0x{exc.object[exc.start]:02x}); save it as UTF-8"
            raise jinja2.TemplateSyntaxError(message, line, template, str(filename)) from None


def _replace_special(text: str) -> str:
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace("'", "&#39;").replace('"', "&#34;")


try:
    # markupsafe's own escaping of a string, in one pass in C and as a string (MarkupSafe 3):
    # the five replacements above cost five method calls for every value of every page.
    from markupsafe._speedups import _escape_inner as _escape_text
except ImportError:  # an older MarkupSafe, or one without its compiled speedups
    _escape_text = _replace_special


def escape_output(value: object) -> str:
    """What `markupsafe.escape` writes for a value a template outputs, the same characters
    escaped the same way, as text: the output is only joined into the page, so it
    needs no Markup object, and a plain string (most values) is escaped here in C
    without markupsafe's wrapper and Markup's constructor, which cost three times as
    much and would run once for every value of every page."""
    if type(value) is str:
        return _escape_text(value)
    return markupsafe.escape(value)  # Markup, numbers, anything with __html__: markupsafe decides


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    """Jinja's compiler, writing each escaped output through `escape_output`."""

    def _output_child_pre(self, node, frame, finalize) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile and finalize.src is None:
            self.write("environment.escape_output(")  # `environment` is a global of every compiled template
        else:
            super()._output_child_pre(node, frame, finalize)


class SiteEnvironment(jinja2.Environment):
    """The templates' environment: Jinja's, with a cheaper escaping of what templates output.

    `references`: the templates each template extends, includes or imports, by
    its name and the digest of its source (see template_references), which a
    bytecode cache that keeps compiled templates between processes keeps too:
    finding them parses the template, which its bytecode spares."""

    code_generator_class = _CodeGenerator
    escape_output = staticmethod(escape_output)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.references: dict[tuple[str, str], tuple[str, ...]] = {}


def source_digest(source: str) -> str:
    """What a template's references are known by, beside its name (Jinja's checksum of a source)."""
    return hashlib.sha1(source.encode("utf-8", "surrogatepass")).hexdigest()


def template_references(env: SiteEnvironment, name: str) -> tuple[str, ...]:
    """The names of the templates `name` extends, includes or imports by a literal name."""
    source = env.loader.get_source(env, name)[0] if env.loader else ""
    key = (name, source_digest(source))
    found = env.references.get(key)
    if found is None:
        found = env.references[key] = tuple(sorted({found for found in jinja2.meta.find_referenced_templates(env.parse(source)) if found}))
    return found


def template_environment(root: Path, bytecode_cache: jinja2.BytecodeCache | None = None) -> SiteEnvironment:
    theme_loader = jinja2.FileSystemLoader(THEME_TEMPLATES_DIR)
    loaders: list[jinja2.BaseLoader] = []
    site_templates = root / SITE_TEMPLATES_DIR
    if site_templates.is_dir():
        loaders.append(SiteTemplateLoader(site_templates))
    loaders += [theme_loader, jinja2.PrefixLoader({"theme": theme_loader})]
    env = SiteEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,  # every template, whatever its file name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        bytecode_cache=bytecode_cache,
    )
    env.filters["pagefind_filter"] = pagefind_filter
    return env


def load_templates(env: jinja2.Environment, names: Iterable[str]) -> None:
    """Compile the templates named, and those they extend, include or import, into `env`'s cache.

    Rendering processes forked afterwards inherit them compiled, instead of
    each compiling them again. A template that fails to load is left for the
    rendering of a page that uses it to report, with its place.
    """
    pending, seen = list(names), set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            env.get_template(name)
            pending.extend(template_references(env, name))
        except Exception:  # noqa: BLE001  (reported by the render that needs it, located)
            continue


def pagefind_filter(value: object) -> str:
    """A value for `data-pagefind-filter="name:value"`.

    Pagefind decodes character references in filter values twice, and it
    matches no filter query on a value holding a quote or a backslash.
    Escaped twice here and once more by autoescaping, a value is indexed
    escaped once (`say &quot;hi&quot;`), which it matches; the search page
    queries values as indexed and shows them decoded, as text (search.js,
    `shownValue`).
    """
    return html.escape(html.escape(str(value)))


@dataclass(frozen=True, slots=True)
class PageMeta:
    title: str
    description: str
    section: str
    url: str
    canonical_url: str
    indexable: bool
    kind: str


def _template_error(env: jinja2.Environment, root: Path, exc: jinja2.TemplateError, page: Page) -> ContentError:
    """Turn a Jinja2 failure into a located message about the template."""
    filename = getattr(exc, "filename", None)
    line = getattr(exc, "lineno", None)
    if filename is None:
        # Errors raised while rendering carry the template position only in
        # the traceback: find the innermost frame that belongs to a template.
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename.endswith(".html") and Path(frame.filename).exists():
                filename, line = frame.filename, frame.lineno
                break
    try:
        where = Path(filename).resolve().relative_to(root).as_posix() if filename else page.template
    except ValueError:
        where = f"{filename} (theme)"
    message = f"template error while rendering {page.template} for /{page.path}: {exc.message or exc}"
    return ContentError([Diagnostic(where, line, message)])


def _failure_in_site_template(exc: Exception, root: Path, page: Page) -> ContentError | None:
    """A located error when `exc` was raised by the code of one of the archive's own
    templates (`{{ 1 / 0 }}`, a template that extends itself), else None: a bug."""
    folder = (root / SITE_TEMPLATES_DIR).resolve()
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = Path(frame.filename)
        if path.is_absolute() and path.resolve().is_relative_to(folder):
            where = path.resolve().relative_to(root.resolve()).as_posix()
            if isinstance(exc, RecursionError):
                reason = "it includes or extends itself without end"
            else:
                reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            message = f"template error while rendering {page.template} for /{page.path}: {reason}; fix the template"
            return ContentError([Diagnostic(where, frame.lineno, message)])
    return None


def render_page(env: jinja2.Environment, page: Page, site: SiteView, urls: Urls, root: Path) -> bytes:
    try:
        return _render(env, page, site, urls)
    except CacheUnreadable:  # met by a template reading an article's HTML: the build's, not the template's
        raise
    except jinja2.TemplateError as exc:
        raise _template_error(env, root, exc, page) from None
    except Exception as exc:  # raised by a template's own code, or a bug in sitegen
        located = _failure_in_site_template(exc, root, page)
        if located is None:
            raise
        raise located from None


def _render(env: jinja2.Environment, page: Page, site: SiteView, urls: Urls) -> bytes:
    if isinstance(page.literal, bytes):
        return page.literal
    if page.literal is not None:
        return page.literal.encode("utf-8")
    template = env.get_template(page.template)
    meta = PageMeta(
        title=page.title,
        description=page.description,
        section=page.section,
        url=urls.url(page.path),
        canonical_url=urls.absolute(page.path),
        indexable=page.indexable,
        kind=page.kind,
    )
    html = template.render(site=site, page=meta, **page.data)
    return html.encode("utf-8")
