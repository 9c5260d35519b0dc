"""Incremental builds (watch, serve) always equal a clean build of the same sources.

`sitegen watch` and `sitegen serve` keep one `Builder` alive and call
`build(incremental=True)` after every batch of changes (sitegen/watch.py,
`Watcher.rebuild`). That path renders only pages whose inputs changed and
rewrites only files whose bytes changed, in place. The promise (issue 6) is
that after any sequence of edits, renames and deletions the output folder is
byte-identical to a clean build of the same sources, and that a bad edit
leaves the output exactly as the last good build wrote it.

The first tests spell out the most important transitions; the state machine
at the end checks the promise after every step of random edit sequences.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import jinja2
import jinja2.bccache
import pytest
from conftest import Archive, article_text, pagefind_profile
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from sitegen.engine.builder import (
    BuildCache,
    Builder,
    BuildOptions,
    BuildResult,
    build,
    templates_digest,
)
from sitegen.model.errors import ContentError
from sitegen.model.slugs import article_slug_from_stem
from sitegen.pipeline.render import template_environment

# --- helpers ---------------------------------------------------------------------------


def output_tree(output: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and every folder (None) of an output folder."""
    if not output.exists():
        return {}
    return {
        path.relative_to(output).as_posix(): (path.read_bytes() if path.is_file() else None)
        for path in sorted(output.rglob("*"))
    }


def file_identities(output: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime) of every file: a file rewritten in place gets a new pair."""
    if not output.exists():
        return {}
    identities = {}
    for path in output.rglob("*"):
        if path.is_file():
            stat = path.stat()
            identities[path.relative_to(output).as_posix()] = (stat.st_ino, stat.st_mtime_ns)
    return identities


def assert_same_trees(actual: dict[str, bytes | None], expected: dict[str, bytes | None]) -> None:
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    assert not missing and not extra, f"missing from the incremental output: {missing}; extra in it: {extra}"
    differing = [path for path in expected if actual[path] != expected[path]]
    assert not differing, f"bytes differ from a clean build in: {differing}"


def clean_build_of(root: Path, output: Path) -> BuildResult:
    """A clean build of `root` into `output`, as `sitegen build --out --no-cache` writes it."""
    return build(BuildOptions(root=root, output=str(output), cache=False))


def html_files(tree: dict[str, bytes | None]) -> dict[str, bytes]:
    return {path: data for path, data in tree.items() if data is not None and path.endswith(".html")}


def seed(archive: Archive) -> None:
    archive.write("content/entities/mosul.md", '---\nname: "Mosul"\nkind: place\nsummary: "A city."\n---\n')
    archive.article("gone", title="Going away", date="2016-10-17", body="Fighting near Mosul.", tags="[Siege]")
    archive.article("stays", title="Staying", date="2016-11-27", body="Mosul again.", tags="[iraq]")
    archive.write(
        "content/timeline.toml",
        '[[event]]\ndate = "2016-10-17"\ntitle = "Battle begins"\narticles = ["gone", "stays"]\nentities = ["mosul"]\n',
    )


# --- the important transitions, spelled out ----------------------------------------------


def test_deleting_an_article_removes_its_page_and_every_link_to_it(archive, tmp_path):
    seed(archive)
    builder = Builder(BuildOptions(root=archive.root))
    builder.build(incremental=True)
    assert (archive.out / "articles/gone/index.html").is_file()
    assert any(b"/articles/gone/" in data for data in html_files(output_tree(archive.out)).values())

    (archive.root / "content/articles/gone.md").unlink()
    archive.write(  # the timeline must stop naming it too, or the build is an error
        "content/timeline.toml",
        '[[event]]\ndate = "2016-10-17"\ntitle = "Battle begins"\narticles = ["stays"]\nentities = ["mosul"]\n',
    )
    builder.build(incremental=True)

    tree = output_tree(archive.out)
    assert "articles/gone/index.html" not in tree and "articles/gone" not in tree
    assert "tags/siege/index.html" not in tree and "tags/siege" not in tree  # its only tag went with it
    linking = sorted(path for path, data in tree.items() if data is not None and b"/articles/gone/" in data)
    assert linking == [], f"still linking to the deleted article: {linking}"
    assert b"Going away" not in tree["entities/mosul/index.html"]
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(tree, output_tree(tmp_path / "clean"))


def test_renaming_an_article_moves_its_page_and_the_links_to_it(archive, tmp_path):
    seed(archive)
    builder = Builder(BuildOptions(root=archive.root))
    builder.build(incremental=True)

    os.replace(archive.root / "content/articles/stays.md", archive.root / "content/articles/2016-11-27-moved.md")
    archive.write(
        "content/timeline.toml",
        '[[event]]\ndate = "2016-10-17"\ntitle = "Battle begins"\narticles = ["gone", "moved"]\nentities = ["mosul"]\n',
    )
    builder.build(incremental=True)

    tree = output_tree(archive.out)
    assert "articles/stays/index.html" not in tree and "articles/moved/index.html" in tree
    assert not [path for path, data in tree.items() if data is not None and b"/articles/stays/" in data]
    for page in ("index.html", "archive/index.html", "tags/iraq/index.html", "entities/mosul/index.html", "timeline/2010s/index.html"):
        assert b'href="/articles/moved/"' in tree[page], page
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(tree, output_tree(tmp_path / "clean"))


def test_changing_a_template_rewrites_the_pages_that_use_it_and_nothing_else(archive, tmp_path):
    seed(archive)
    builder = Builder(BuildOptions(root=archive.root))
    builder.build(incremental=True)
    before = file_identities(archive.out)

    archive.write("templates/base.html", '{% extends "theme/base.html" %}{% block colophon %}Notes by the editors.{% endblock %}\n')
    builder.build(incremental=True)

    tree = output_tree(archive.out)
    after = file_identities(archive.out)
    pages = html_files(tree)
    assert pages and all(b"Notes by the editors." in data for data in pages.values())
    rewritten = {path for path in after if before.get(path) != after[path]}
    assert rewritten == set(pages)  # not the feed, the sitemap, the assets or .nojekyll
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(tree, output_tree(tmp_path / "clean"))

    (archive.root / "templates/base.html").unlink()  # back to the theme's own colophon
    builder.build(incremental=True)
    assert all(b"built with sitegen" in data for data in html_files(output_tree(archive.out)).values())
    shutil.rmtree(tmp_path / "clean")
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))


def test_a_bad_edit_keeps_the_last_good_site_and_fixing_it_recovers(archive, tmp_path):
    seed(archive)
    builder = Builder(BuildOptions(root=archive.root))
    builder.build(incremental=True)
    good = output_tree(archive.out)

    archive.write("content/articles/stays.md", '---\ntitle: "Unclosed\ndate: 2016-11-27\n---\nMosul.\n')
    with pytest.raises(ContentError) as failure:
        builder.build(incremental=True)
    assert failure.value.errors[0].path == "content/articles/stays.md"
    assert output_tree(archive.out) == good

    archive.article("stays", title="Staying, fixed", date="2016-11-27", body="Mosul again.", tags="[iraq]")
    builder.build(incremental=True)
    assert b"Staying, fixed" in output_tree(archive.out)["articles/stays/index.html"]
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))


def test_a_template_that_breaks_many_pages_is_reported_with_the_page_a_clean_build_names(archive, tmp_path):
    # Found by the state machine below: after failed builds, clean and incremental, an edit
    # that moves only later pages named the first of those, where a clean build names the home page.
    archive.write("content/entities/mosul.md", '---\nname: "Mosul"\nkind: place\nsummary: "A city."\n---\n')
    builder = Builder(BuildOptions(root=archive.root))
    builder.build(incremental=True)
    archive.write("templates/base.html", '{% extends "theme/base.html" %}{% block colophon %}{{ site.title }{% endblock %}\n')
    archive.write("content/timeline.toml", '[[event]]\ndate = "2014"\ntitle = "Mosul falls"\nentities = ["mosul"]\n')
    archive.write("site.toml", (archive.root / "site.toml").read_text() + "\n[annotations]\nrepeat_links = true\n")
    for clean_first in (True, False):
        with pytest.raises(ContentError):
            builder.build(incremental=not clean_first)
    os.replace(archive.root / "content/entities/mosul.md", archive.root / "content/entities/rupert-jones.md")
    archive.write("content/timeline.toml", '[[event]]\ndate = "2014"\ntitle = "Mosul falls"\nentities = ["rupert-jones"]\n')
    with pytest.raises(ContentError) as incremental:
        builder.build(incremental=True)
    with pytest.raises(ContentError) as clean:
        clean_build_of(archive.root, tmp_path / "clean")
    assert [str(d) for d in incremental.value.errors] == [str(d) for d in clean.value.errors]


def test_a_deleted_output_folder_is_written_again_whole(archive, tmp_path):
    # Found by the state machine below: start, delete_output_folder -> only the marker came back.
    seed(archive)
    builder = Builder(BuildOptions(root=archive.root))
    builder.build(incremental=True)
    shutil.rmtree(archive.out)
    builder.build(incremental=True)
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))


def test_incremental_builds_carry_on_from_a_clean_build_by_the_same_builder(archive, tmp_path):
    # The state machine's steps change_then_clean_build_by_the_same_builder('base_url'),
    # change_setting('base_url') give this; random sequences rarely take those two in a row.
    seed(archive)
    builder = Builder(BuildOptions(root=archive.root))
    builder.build(incremental=True)
    archive.write("site.toml", archive.root.joinpath("site.toml").read_text().replace("https://example.org/", "https://example.org/repo/"))
    builder.build()  # a clean build of other sources swapped in ...
    archive.write("site.toml", archive.root.joinpath("site.toml").read_text().replace("https://example.org/repo/", "https://example.org/"))
    builder.build(incremental=True)  # ... then back to what the last incremental build saw: not "unchanged"
    clean_build_of(archive.root, tmp_path / "clean")
    assert_same_trees(output_tree(archive.out), output_tree(tmp_path / "clean"))


# --- the property: any sequence of changes ----------------------------------------------------
#
# Names and texts come from small pools, so that articles mention the entities
# and terms that exist, names are shared by several entities, slugs collide,
# and the same page changes several times in one example.

ENTITY_IDS = ("rupert-jones", "bob-jones", "mosul", "iraqi-army", "islamic-state")
ENTITY_NAMES = ("Rupert Jones", "Bob Jones", "Mosul", "Iraqi Army", "Islamic State")
ALIASES = ("Jones", "Maj Gen Jones", "ISF", "IS", "Daesh", "the city")
KINDS = ("person", "organization", "place", "event", "other")
SUMMARIES = ("", "A commander.", "A city on the Tigris.", 'Known as <b>"the general"</b> & more.')
ROLES = (
    None,
    [{"title": "Commander", "from": "2016-01", "to": "2016-12"}],
    [{"title": "Adviser", "from": "2015"}, {"title": "Envoy", "from": "2016-11-01"}],
)
LINKS = (None, {"Wikipedia": "https://en.wikipedia.org/wiki/Mosul"})
WIKIDATA_IDS = (None, "Q42", "Q796")
COORDINATES = (None, [36.34, 43.13], [-33.9, 18.4])

TERMS = {
    "maj-gen": {"term": "Maj Gen", "aliases": ["Major General"]},
    "caliphate": {"term": "caliphate", "case_sensitive": False},
    "peshmerga": {"term": "Peshmerga"},
    "isf": {"term": "ISF"},  # also an entity alias: where both match, the entity wins
    "daesh": {"term": "Daesh", "aliases": ["IS"]},
}
DEFINITIONS = ("A senior army rank.", "The *territory* claimed.", "Kurdish forces; see [a map](https://example.com/map).")

PHRASES = (*ENTITY_NAMES, *ALIASES, "Maj Gen", "Major General", "caliphate", "Caliphate", "Peshmerga", "Baghdad", "the river")

ARTICLE_FILES = (
    "mosul-falls.md",
    "2016-10-17-mosul-falls.md",  # the same slug as mosul-falls.md: an error while both exist
    "2016/retreat.md",
    "jones-visit.md",
    "Café Notes.md",
    "2017/2017-07-09-victory.md",
)
EXPLICIT_SLUGS = ("retreat", "special-report")
TITLES = ("Mosul falls", "Retreat reveals plots", "Jones visits Mosul", "Café notes", 'The "general" speaks')
DATES = ("2014-06-10", "2016-10-17", "2016-10-17T09:30:00+01:00", "2016-11-27", "2017-07-09")
TAGS = ("Iraq", "iraq", "Mosul", "intelligence", "!!")
EVENT_DATES = ("2014", "2014-06", "2014-06-10", "2016-10-17", "2017-07")


def updates_after(date: str) -> list[str]:
    """The update dates an article of `date` may give (an update before the publication is an error, which
    the edits of `date` still reach now and then, but which would otherwise end most generated builds)."""
    return [update for update in DATES[1:] if update[:10] >= date[:10]]


EVENT_TITLES = ("Mosul falls", "Battle of Mosul begins", "Ceasefire")

TEMPLATE_VARIANTS = {
    "base.html": (
        '{% extends "theme/base.html" %}{% block colophon %}Edited by the archive team.{% endblock %}\n',
        '{% extends "theme/base.html" %}{% block colophon %}{{ site.title }} · notes © the editors{% endblock %}\n',
        '{# the same page as the theme #}{% extends "theme/base.html" %}\n',
    ),
    "404.html": (
        '{% extends "base.html" %}{% block main %}<h1>Lost</h1><p>{{ page.title }}</p>{% endblock %}\n',
        '{% extends "theme/404.html" %}{% block title %}Nothing here{% endblock %}\n',
    ),
}
BROKEN_TEMPLATES = (
    '{% extends "theme/base.html" %}{% block colophon %}{{ site.title }{% endblock %}\n',  # does not parse
    '{% extends "theme/base.html" %}{% block colophon %}{{ 1 // 0 }}{% endblock %}\n',  # fails while rendering
    b'{% extends "theme/base.html" %}{% block colophon %}\xe9{% endblock %}\n',  # not UTF-8
)

STATIC_FILES = ("images/map.png", "notes.txt", "archive/2016/extra.txt", "tags/iraq/notes.txt", "articles/mosul-falls/photo.jpg")
STATIC_BYTES = (b"one", b"two\n", bytes(range(8)))

BROKEN_ARTICLES = (
    '---\ntitle: "Unclosed\ndate: 2016-01-01\n---\nMosul.\n',
    "---\ntitle: No end\ndate: 2016-01-01\nMosul.\n",
    '---\ntitle: "Bad date"\ndate: "yesterday"\n---\nMosul.\n',
    "Just text, no front matter.\n",
    b'---\ntitle: "Latin-1 \xe9"\ndate: 2016-01-01\n---\n',  # not UTF-8
)
BROKEN_ENTITIES = (
    '---\nname: "Mosul"\nkind: city\n---\n',  # not a kind
    "---\nname: [Mosul\nkind: place\n---\n",
)
BROKEN_TOML = '[[term]]\nterm = "Unclosed\n'

# Jinja compiles the theme's templates in most of a clean build's time; the
# reference builds share the compiled code through Jinja's bytecode cache,
# which checks every template's source, so they stay clean builds. A clean
# build also parses each template's source once more to find the templates it
# extends, includes or imports (`load_templates`): the reference builds share
# those syntax trees by source, which they only read. The incremental builder
# under test is left alone.


class _MemoryBytecodeCache(jinja2.BytecodeCache):
    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])  # discarded if the source differs

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


_BYTECODE = _MemoryBytecodeCache()
_SYNTAX_TREES: dict[tuple[str, str | None, str | None], jinja2.nodes.Template] = {}


def parsed_once(parse):
    """`Environment.parse`, whose tree for each source (and name) is made once and shared."""

    def parse_or_recall(source: str, name: str | None = None, filename: str | None = None) -> jinja2.nodes.Template:
        key = (source, name, filename)
        if key not in _SYNTAX_TREES:
            _SYNTAX_TREES[key] = parse(source, name, filename)  # a syntax error is raised each time, never kept
        return _SYNTAX_TREES[key]

    return parse_or_recall


def reference_build(root: Path, output: Path, *, lasting: bool = True) -> BuildResult:
    """`clean_build_of`, faster: a fresh Builder whose template environment shares compiled code
    (`lasting=False`: one that lives for this build only, as `sitegen build`'s does)."""
    environment = template_environment(root)
    environment.bytecode_cache = _BYTECODE
    environment.parse = parsed_once(environment.parse)
    cache = BuildCache(templates_digest=templates_digest(root), environment=environment)
    return Builder(BuildOptions(root=root, output=str(output), cache=False), cache, lasting=lasting).build()


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value)  # a TOML basic string for the ASCII-escaped texts used here


def toml_tables(name: str, tables: list[dict]) -> str:
    return "".join(f"[[{name}]]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in table.items()) + "\n" for table in tables)


def subset(data, pool, label: str) -> list:
    return data.draw(st.lists(st.sampled_from(sorted(pool)), unique=True, max_size=3), label=label) if pool else []


def without_refs(body: str, entity_id: str) -> str:
    """`[[id]]` and `[[id|text]]` of a deleted entity become plain text."""
    return re.sub(r"\[\[" + re.escape(entity_id) + r"(?:\|([^\]\n|]+))?\]\]", lambda m: m.group(1) or entity_id, body)


@settings(  # max_examples comes from the profile (tests/conftest.py)
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
class IncrementalBuilds(RuleBasedStateMachine):
    """A small archive, edited step by step, rebuilt after every step by one
    long-lived Builder exactly as the watcher does, and compared with a clean build."""

    def __init__(self):
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="sitegen-incremental-"))
        self.root = self.tmp / "site"
        self.out = self.root / "_site"
        self.archive = Archive(self.root)
        self.builder: Builder  # made in `start`, after any earlier build, as `sitegen serve` would be
        self.builds = 0
        # The model of the sources: what each file says when it is not broken.
        self.articles: dict[str, dict] = {}  # path under content/articles -> fields
        self.entities: dict[str, dict] = {}  # id -> fields
        self.glossary: list[dict] | None = None
        self.timeline: list[dict] | None = None
        self.templates: dict[str, str] = {}  # name under templates/ -> text
        self.static: dict[str, bytes] = {}
        self.site = {"repeat_links": False, "timeline_articles": True, "base_url": "https://example.org/", "drafts": False, "cname": False}
        self.broken: set[str] = set()  # archive paths whose file holds a bad edit instead of the model

    def teardown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- writing the model to disk --------------------------------------------------------

    def write_site(self):
        self.broken.discard("site.toml")
        self.archive.write(
            "site.toml",
            "[site]\n"
            'title = "Test Archive"\n'
            f'base_url = "{self.site["base_url"]}"\n'
            'description = "An archive for tests."\n'
            + ('cname = "archive.example.org"\n' if self.site["cname"] else "")
            + f"\n[build]\ndrafts = {toml_value(self.site['drafts'])}\n\n"
            f"[annotations]\nrepeat_links = {toml_value(self.site['repeat_links'])}\n\n"
            f"[timeline]\narticles = {toml_value(self.site['timeline_articles'])}\n\n"
            "[search]\nenabled = false  # Pagefind output is not byte-stable\n",
        )

    def write_article(self, path: str):
        fields = self.articles[path]
        keys = ("slug", "summary", "authors", "updated", "tags", "entities", "events", "draft")
        extra = {key: json.dumps(fields[key]) for key in keys if fields.get(key) is not None}
        self.archive.write(
            f"content/articles/{path}",
            article_text(title=fields["title"], date=json.dumps(fields["date"]), body=fields["body"], **extra),
        )
        self.broken.discard(f"content/articles/{path}")

    def write_entity(self, entity_id: str):
        self.broken.discard(f"content/entities/{entity_id}.md")
        fields = self.entities[entity_id]
        lines = ["---", f"name: {json.dumps(fields['name'])}", f"kind: {fields['kind']}"]
        keys = ("aliases", "summary", "roles", "links", "wikidata", "coordinates")
        lines += [f"{key}: {json.dumps(fields[key])}" for key in keys if fields.get(key)]
        lines += ["---", fields["body"], ""]
        self.archive.write(f"content/entities/{entity_id}.md", "\n".join(lines))

    def write_glossary(self):
        self.write_or_remove("content/glossary.toml", None if self.glossary is None else toml_tables("term", self.glossary))

    def write_timeline(self):
        self.write_or_remove("content/timeline.toml", None if self.timeline is None else toml_tables("event", self.timeline))

    def write_or_remove(self, relative: str, text: str | bytes | None):
        self.broken.discard(relative)
        if text is None:
            (self.root / relative).unlink(missing_ok=True)
        else:
            self.archive.write(relative, text)

    # --- what exists ------------------------------------------------------------------------

    def slug_of(self, path: str) -> str:
        return self.articles[path].get("slug") or article_slug_from_stem(Path(path).stem)

    def published_slugs(self) -> set[str]:
        return {self.slug_of(path) for path, fields in self.articles.items() if self.site["drafts"] or not fields.get("draft")}

    def repair_references(self):
        """Drop references to entities, terms and articles that are gone, rewriting what changed."""
        ids, slugs, term_ids = set(self.entities), self.published_slugs(), {t["id"] for t in self.glossary or ()}
        for path, fields in self.articles.items():
            before = json.dumps(fields, sort_keys=True)
            if fields.get("entities") is not None:
                fields["entities"] = [i for i in fields["entities"] if i in ids]
            for event in fields.get("events") or ():
                event["entities"] = [i for i in event["entities"] if i in ids]
            for gone in set(re.findall(r"\[\[([a-z0-9-]+)", fields["body"])) - ids:
                fields["body"] = without_refs(fields["body"], gone)
            if json.dumps(fields, sort_keys=True) != before and f"content/articles/{path}" not in self.broken:
                self.write_article(path)
        for entity_id, fields in self.entities.items():
            body = fields["body"]
            for gone in set(re.findall(r"\[\[([a-z0-9-]+)", body)) - ids:
                body = without_refs(body, gone)
            if body != fields["body"]:
                fields["body"] = body
                self.write_entity(entity_id)
        if self.glossary is not None:
            before = json.dumps(self.glossary)
            for term in self.glossary:
                if "see" in term:
                    term["see"] = [ref for ref in term["see"] if ref in ids or ref in term_ids]
            if json.dumps(self.glossary) != before and "content/glossary.toml" not in self.broken:
                self.write_glossary()
        if self.timeline is not None:
            before = json.dumps(self.timeline)
            for event in self.timeline:
                event["entities"] = [i for i in event["entities"] if i in ids]
                event["articles"] = [s for s in event["articles"] if s in slugs]
            if json.dumps(self.timeline) != before and "content/timeline.toml" not in self.broken:
                self.write_timeline()

    # --- drawing content ----------------------------------------------------------------------

    def draw_body(self, data) -> str:
        sentences = data.draw(
            st.lists(
                st.lists(st.sampled_from(PHRASES), min_size=1, max_size=3).map(lambda words: " and ".join(words) + " were there."),
                max_size=3,
            ),
            label="sentences",
        )
        blocks = [" ".join(sentences)] if sentences else []
        if self.entities and data.draw(st.booleans(), label="explicit mention"):
            entity_id = data.draw(st.sampled_from(sorted(self.entities)), label="mentioned id")
            shown = data.draw(st.sampled_from(["", "|the man", "|Mosul"]), label="shown as")
            blocks.append(f"We met [[{entity_id}{shown}]] in Baghdad.")
        extra = data.draw(st.sampled_from(["", "heading", "footnote", "link", "code"]), label="extra block")
        if extra == "heading":
            blocks.insert(0, "## " + data.draw(st.sampled_from(PHRASES)))
        elif extra == "footnote":
            blocks.append("As reported.[^1]\n\n[^1]: " + data.draw(st.sampled_from(PHRASES)) + " said so.")
        elif extra == "link":
            blocks.append("[" + data.draw(st.sampled_from(PHRASES)) + "](https://example.com/) and `Mosul` in code.")
        elif extra == "code":
            blocks.append("```\nMosul Maj Gen\n```")
        return "\n\n".join(blocks)

    def draw_event(self, data, with_articles: bool) -> dict:
        event = {"date": data.draw(st.sampled_from(EVENT_DATES), label="event date"), "title": data.draw(st.sampled_from(EVENT_TITLES))}
        if data.draw(st.booleans(), label="description"):
            event["description"] = " and ".join(data.draw(st.lists(st.sampled_from(PHRASES), min_size=1, max_size=2))) + "."
        if data.draw(st.booleans(), label="circa"):
            event["circa"] = True
        event["entities"] = subset(data, self.entities, "event entities")
        if with_articles:
            event["articles"] = subset(data, self.published_slugs(), "event articles")
        return event

    def draw_article(self, data) -> dict:
        fields = {
            "title": data.draw(st.sampled_from(TITLES), label="title"),
            "date": data.draw(st.sampled_from(DATES), label="date"),
            "body": self.draw_body(data),
        }
        if data.draw(st.integers(0, 3), label="has summary") == 0:
            fields["summary"] = data.draw(st.sampled_from(SUMMARIES[1:]), label="summary")
        if data.draw(st.integers(0, 3), label="has authors") == 0:
            fields["authors"] = data.draw(st.lists(st.sampled_from(["Jane Doe", "Ann Other"]), min_size=1, max_size=2))
        if data.draw(st.integers(0, 3), label="was updated") == 0:
            fields["updated"] = data.draw(st.sampled_from(updates_after(fields["date"])), label="updated")
        if data.draw(st.booleans(), label="has tags"):
            fields["tags"] = data.draw(st.lists(st.sampled_from(TAGS), max_size=3), label="tags")
        if self.entities and data.draw(st.booleans(), label="lists entities"):
            fields["entities"] = subset(data, self.entities, "entities")
        if data.draw(st.integers(0, 3), label="has events") == 0:
            fields["events"] = [self.draw_event(data, with_articles=False) for _ in range(data.draw(st.integers(1, 2)))]
        if data.draw(st.integers(0, 5), label="explicit slug") == 0:
            fields["slug"] = data.draw(st.sampled_from(EXPLICIT_SLUGS))
        if data.draw(st.integers(0, 7), label="draft") == 0:
            fields["draft"] = True
        return fields

    # --- building and checking ----------------------------------------------------------------

    def rebuild(self, *, expect_error: bool = False, expect_no_writes: bool = False) -> None:
        """One incremental build, as `Watcher.rebuild` runs it, checked against a clean build."""
        before = output_tree(self.out)
        identities = file_identities(self.out)
        result = self.compared_with_clean_build(lambda: self.builder.build(incremental=True), "the incremental build", before, expect_error)
        now = file_identities(self.out)
        if result is None:
            assert now == identities, "a failed build changed the output folder"
            return
        after = output_tree(self.out)
        rewritten_same = [p for p, data in before.items() if data is not None and after.get(p) == data and now[p] != identities[p]]
        assert not rewritten_same, f"files rewritten with the bytes they already had: {rewritten_same}"
        if expect_no_writes:
            assert result.files == 0 and now == identities

    def compared_with_clean_build(self, build, who: str, before: dict, expect_error: bool) -> BuildResult | None:
        """Run `build` (the build under test, `who`), then a clean build of the same sources,
        and check that they agree: the same errors, the output left as it was (`before`);
        or the same bytes and the same warnings. The result of `build`, None if it failed."""
        try:
            result, error = build(), None
        except ContentError as exc:
            result, error = None, exc
        self.builds += 1
        reference_out = self.tmp / f"clean-{self.builds}"
        try:
            expected, expected_error = reference_build(self.root, reference_out), None
        except ContentError as exc:
            expected, expected_error = None, exc
        try:
            if expect_error:
                assert error is not None, "a bad edit built without an error"
            if expected_error is not None:
                assert error is not None, f"a clean build fails but {who} succeeded:\n{expected_error}"
                assert [str(d) for d in error.errors] == [str(d) for d in expected_error.errors]
                assert output_tree(self.out) == before, "a failed build changed the output folder"
                return None
            assert error is None, f"{who} fails where a clean build succeeds:\n{error}"
            assert_same_trees(output_tree(self.out), output_tree(reference_out))
            assert [str(d) for d in result.warnings] == [str(d) for d in expected.warnings]
            return result
        finally:
            shutil.rmtree(reference_out, ignore_errors=True)

    @initialize(start=st.sampled_from(["no output yet", "output of an earlier sitegen build", "clean build by this builder"]), data=st.data())
    def start(self, start, data):
        self.root.mkdir()
        self.write_site()
        if data.draw(st.booleans(), label="starts with an entity"):
            self.entities["mosul"] = {"name": "Mosul", "kind": "place", "summary": "A city on the Tigris.", "body": ""}
            self.write_entity("mosul")
        if data.draw(st.booleans(), label="starts with an article"):
            self.articles["jones-visit.md"] = self.draw_article(data)
            self.write_article("jones-visit.md")
        if start == "output of an earlier sitegen build":
            build(BuildOptions(root=self.root))  # also leaves its cache in .sitegen-cache for the builder to load
        self.builder = Builder(BuildOptions(root=self.root))  # the options of `sitegen watch` with no flags
        if start == "clean build by this builder":
            self.builder.build()
        self.rebuild()

    # --- articles -----------------------------------------------------------------------------

    @rule(path=st.sampled_from(ARTICLE_FILES), data=st.data())
    def write_new_or_replace_article(self, path, data):
        self.articles[path] = self.draw_article(data)
        self.write_article(path)
        self.repair_references()  # a replaced article may have become a draft or changed its slug
        self.rebuild()

    @precondition(lambda self: self.articles)
    @rule(data=st.data())
    def edit_article(self, data):
        path = data.draw(st.sampled_from(sorted(self.articles)), label="article")
        fields = self.articles[path]
        what = data.draw(st.sampled_from(["body", "title", "date", "updated", "tags", "entities", "events", "draft", "slug"]), label="change")
        if what == "body":
            fields["body"] = self.draw_body(data)
        elif what == "title":
            fields["title"] = data.draw(st.sampled_from(TITLES))
        elif what == "date":
            fields["date"] = data.draw(st.sampled_from(DATES))
        elif what == "updated":
            fields["updated"] = data.draw(st.none() | st.sampled_from(updates_after(fields["date"])))
        elif what == "tags":
            fields["tags"] = data.draw(st.none() | st.lists(st.sampled_from(TAGS), max_size=3))
        elif what == "entities":
            fields["entities"] = subset(data, self.entities, "entities") or None
        elif what == "events":
            fields["events"] = [self.draw_event(data, with_articles=False) for _ in range(data.draw(st.integers(0, 2)))] or None
        elif what == "draft":
            fields["draft"] = None if fields.get("draft") else True
        else:
            fields["slug"] = data.draw(st.none() | st.sampled_from(EXPLICIT_SLUGS))
        self.write_article(path)
        self.repair_references()
        self.rebuild()

    @precondition(lambda self: self.articles and len(self.articles) < len(ARTICLE_FILES))
    @rule(data=st.data())
    def rename_article(self, data):
        old = data.draw(st.sampled_from(sorted(self.articles)), label="from")
        new = data.draw(st.sampled_from([p for p in ARTICLE_FILES if p not in self.articles]), label="to")
        target = self.root / "content/articles" / new
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.root / "content/articles" / old, target)
        self.articles[new] = self.articles.pop(old)
        self.broken.discard(f"content/articles/{new}")  # a bad file of that name, replaced
        if f"content/articles/{old}" in self.broken:
            self.broken.remove(f"content/articles/{old}")
            self.broken.add(f"content/articles/{new}")
        self.repair_references()
        self.rebuild()

    @precondition(lambda self: self.articles)
    @rule(data=st.data())
    def delete_article(self, data):
        path = data.draw(st.sampled_from(sorted(self.articles)), label="article")
        (self.root / "content/articles" / path).unlink()
        del self.articles[path]
        self.broken.discard(f"content/articles/{path}")
        self.repair_references()
        self.rebuild()

    # --- entities -------------------------------------------------------------------------------

    @rule(entity_id=st.sampled_from(ENTITY_IDS), data=st.data())
    def write_entity_file(self, entity_id, data):
        aliases = data.draw(st.lists(st.sampled_from(ALIASES), unique=True, max_size=2), label="aliases")
        kind = data.draw(st.sampled_from(KINDS), label="kind")
        self.entities[entity_id] = {
            "name": data.draw(st.sampled_from(ENTITY_NAMES), label="name"),
            "kind": kind,
            "aliases": aliases,
            "summary": data.draw(st.sampled_from(SUMMARIES), label="summary"),
            "roles": data.draw(st.sampled_from(ROLES), label="roles"),
            "links": data.draw(st.sampled_from(LINKS), label="links"),
            "wikidata": data.draw(st.sampled_from(WIKIDATA_IDS), label="wikidata"),
            "coordinates": data.draw(st.sampled_from(COORDINATES), label="coordinates") if kind == "place" else None,
            "body": "",
        }
        self.entities[entity_id]["body"] = self.draw_body(data)  # may mention itself: never linked
        self.write_entity(entity_id)
        self.rebuild()

    @precondition(lambda self: self.entities)
    @rule(data=st.data())
    def delete_entity(self, data):
        entity_id = data.draw(st.sampled_from(sorted(self.entities)), label="entity")
        (self.root / f"content/entities/{entity_id}.md").unlink()
        del self.entities[entity_id]
        self.broken.discard(f"content/entities/{entity_id}.md")
        if data.draw(st.integers(0, 3), label="leave references dangling") == 0:
            self.rebuild()  # an error while anything still names it (repair_all fixes it later)
        else:
            self.repair_references()
            self.rebuild()

    @precondition(lambda self: self.entities and len(self.entities) < len(ENTITY_IDS))
    @rule(data=st.data())
    def rename_entity(self, data):
        """A new id for an entity; the editor fixes the references in the same save."""
        old = data.draw(st.sampled_from(sorted(self.entities)), label="from")
        new = data.draw(st.sampled_from([i for i in ENTITY_IDS if i not in self.entities]), label="to")
        os.replace(self.root / f"content/entities/{old}.md", self.root / f"content/entities/{new}.md")
        self.entities[new] = self.entities.pop(old)
        self.broken.discard(f"content/entities/{new}.md")  # a bad file of that name, replaced
        if f"content/entities/{old}.md" in self.broken:
            self.broken.remove(f"content/entities/{old}.md")
            self.broken.add(f"content/entities/{new}.md")

        def renamed(ids):
            return [new if i == old else i for i in ids]

        for path, fields in self.articles.items():
            before = json.dumps(fields, sort_keys=True)
            if fields.get("entities"):
                fields["entities"] = renamed(fields["entities"])
            for event in fields.get("events") or ():
                event["entities"] = renamed(event["entities"])
            fields["body"] = fields["body"].replace(f"[[{old}]", f"[[{new}]").replace(f"[[{old}|", f"[[{new}|")
            if json.dumps(fields, sort_keys=True) != before and f"content/articles/{path}" not in self.broken:
                self.write_article(path)
        for event in self.timeline or ():
            event["entities"] = renamed(event["entities"])
        for term in self.glossary or ():
            if "see" in term:
                term["see"] = renamed(term["see"])
        for relative, write in (("content/timeline.toml", self.write_timeline), ("content/glossary.toml", self.write_glossary)):
            if (self.root / relative).exists() and relative not in self.broken:
                write()
        self.repair_references()  # [[old]] in entity descriptions
        self.rebuild()

    # --- glossary and timeline ----------------------------------------------------------------

    @rule(data=st.data())
    def write_glossary_file(self, data):
        chosen = data.draw(st.lists(st.sampled_from(sorted(TERMS)), unique=True, max_size=4), label="terms")
        tables = []
        for term_id in chosen:
            table = {**TERMS[term_id], "definition": data.draw(st.sampled_from(DEFINITIONS), label="definition")}
            see = subset(data, set(self.entities) | (set(chosen) - {term_id}), "see")
            if see:
                table["see"] = see
            tables.append(table)
        self.glossary = [{"id": t} | table for t, table in zip(chosen, tables)]
        self.write_glossary()
        self.rebuild()

    @precondition(lambda self: self.glossary is not None)
    @rule()
    def delete_glossary(self):
        self.glossary = None
        self.write_glossary()
        self.repair_references()
        self.rebuild()

    @rule(data=st.data())
    def write_timeline_file(self, data):
        self.timeline = [self.draw_event(data, with_articles=True) for _ in range(data.draw(st.integers(0, 3), label="events"))]
        self.write_timeline()
        self.rebuild()

    @precondition(lambda self: self.timeline is not None)
    @rule()
    def delete_timeline(self):
        self.timeline = None
        self.write_timeline()
        self.rebuild()

    # --- templates, static files, settings -----------------------------------------------------

    @rule(name=st.sampled_from(sorted(TEMPLATE_VARIANTS)), data=st.data())
    def write_template(self, name, data):
        self.templates[name] = data.draw(st.sampled_from(TEMPLATE_VARIANTS[name]), label="template")
        self.write_or_remove(f"templates/{name}", self.templates[name])
        self.rebuild()

    @precondition(lambda self: self.templates)
    @rule(data=st.data())
    def delete_template(self, data):
        name = data.draw(st.sampled_from(sorted(self.templates)), label="template")
        del self.templates[name]
        self.write_or_remove(f"templates/{name}", None)
        self.rebuild()

    @rule(relative=st.sampled_from(STATIC_FILES), content=st.sampled_from(STATIC_BYTES))
    def write_static_file(self, relative, content):
        self.static[relative] = content
        self.archive.write(f"content/static/{relative}", content)
        self.rebuild()

    @precondition(lambda self: self.static)
    @rule(data=st.data())
    def delete_static_file(self, data):
        target = data.draw(st.sampled_from(sorted(self.static)), label="static file")
        del self.static[target]
        (self.root / "content/static" / target).unlink()
        self.rebuild()

    @rule(setting=st.sampled_from(["repeat_links", "timeline_articles", "base_url", "drafts", "cname"]))
    def change_setting(self, setting):
        self.toggle(setting)
        self.rebuild()

    def toggle(self, setting: str) -> None:
        if setting == "base_url":
            self.site["base_url"] = "https://example.org/repo/" if self.site["base_url"] == "https://example.org/" else "https://example.org/"
        else:
            self.site[setting] = not self.site[setting]
        self.write_site()
        self.repair_references()  # drafts going away may leave the timeline naming them

    # --- bad edits and their repair -------------------------------------------------------------

    @rule(data=st.data())
    def bad_edit(self, data):
        kind = data.draw(st.sampled_from(["article", "article", "entity", "template", "glossary", "timeline", "site"]), label="bad edit")
        if kind == "article":
            relative = "content/articles/" + data.draw(st.sampled_from(ARTICLE_FILES), label="file")
            self.archive.write(relative, data.draw(st.sampled_from(BROKEN_ARTICLES), label="text"))
        elif kind == "entity":
            relative = "content/entities/" + data.draw(st.sampled_from(ENTITY_IDS), label="entity") + ".md"
            self.archive.write(relative, data.draw(st.sampled_from(BROKEN_ENTITIES), label="text"))
        elif kind == "site":
            relative = "site.toml"
            self.archive.write(relative, (self.root / relative).read_text() + "\n[annotations]\nrepeat_links = true\n")
        elif kind == "template":
            relative = "templates/base.html"
            self.archive.write(relative, data.draw(st.sampled_from(BROKEN_TEMPLATES), label="text"))
        else:
            relative = f"content/{kind}.toml"
            self.archive.write(relative, BROKEN_TOML)
        self.broken.add(relative)
        self.rebuild(expect_error=True)

    @precondition(lambda self: self.broken)
    @rule(data=st.data())
    def fix_bad_edit(self, data):
        relative = data.draw(st.sampled_from(sorted(self.broken)), label="fixed file")
        name = relative.removeprefix("content/articles/")
        if name in self.articles:
            self.write_article(name)
        elif relative.startswith("content/articles/"):
            self.write_or_remove(relative, None)  # the bad file was new: delete it
        elif relative.startswith("content/entities/"):
            entity_id = Path(relative).stem
            if entity_id in self.entities:
                self.write_entity(entity_id)
            else:
                self.write_or_remove(relative, None)
        elif relative == "site.toml":
            self.write_site()
        elif relative.startswith("templates/"):
            self.write_or_remove(relative, self.templates.get("base.html"))
        elif relative == "content/glossary.toml":
            self.write_glossary()
        else:
            self.write_timeline()
        self.rebuild()

    @rule(
        relative=st.sampled_from(
            ["content/articles/.mosul-falls.md.swp", "content/articles/jones-visit.md~", "content/articles/4913",
             "content/entities/.#mosul.md", "templates/base.html~", "content/.glossary.toml.swp"]
        ),
        delete=st.booleans(),
    )
    def editor_temp_file(self, relative, delete):
        """Files editors write beside the real one while saving are not sources."""
        self.write_or_remove(relative, None if delete else "---\ntitle: half-saved\n")
        self.rebuild()

    @rule(setting=st.sampled_from(["repeat_links", "timeline_articles", "base_url"]))
    def change_then_clean_build_by_the_same_builder(self, setting):
        """`Builder.build()` swaps in a clean site; incremental builds carry on from
        it (checked at the next step: this one has no incremental build)."""
        self.toggle(setting)
        with contextlib.suppress(ContentError):  # a setting some sources refuse: the next step checks what follows
            self.builder.build()

    @rule()
    def delete_output_folder(self):
        """Someone empties the output folder while the watcher runs (`rm -rf _site`):
        the next build writes the whole site again, even with no source changed."""
        shutil.rmtree(self.out, ignore_errors=True)
        self.rebuild()

    @rule()
    def repair_all(self):
        self.repair_references()
        self.rebuild()

    @rule()
    def save_without_changes(self):
        """An editor saves a file unchanged (a new mtime): nothing is rewritten."""
        for path in sorted(self.root.joinpath("content").rglob("*"))[:1]:
            if path.is_file():
                path.write_bytes(path.read_bytes())
        self.rebuild(expect_no_writes=not self.broken)


TestIncrementalBuilds = IncrementalBuilds.TestCase


# --- the search index in shards ------------------------------------------------------------
# The search index is left to a job of its own in watch and serve (`Builder.search_job`),
# and `sitegen build` indexes only the shards whose pages changed: both must leave the
# index a clean build writes. Pagefind runs cost time, so this machine is small: shards of
# two pages, so that an article whose year changes, a new or deleted article and a renamed
# entity move pages between shards, and a few examples (more on CI).

SEARCH_YEARS = (2015, 2016, 2017)
SEARCH_SLUGS = ("dock", "ships", "cranes", "storm")
SEARCH_WORDS = ("harbour", "quay", "gulls", "Mosul", "NATO", "tide", "crane")
SEARCH_ENTITIES = {  # id -> (name, kind): two entities, each of which may be renamed
    "mosul": ("Mosul", "place"),
    "nato": ("NATO", "organization"),
}
SEARCH_RENAMES = {"mosul": ("mawsil", "Mawsil"), "nato": ("alliance", "Alliance")}


def search_site_toml() -> str:
    return (
        '[site]\ntitle = "Test Archive"\nbase_url = "https://example.org/"\ndescription = "An archive for tests."\n\n'
        "[search]\nenabled = true\nshard_pages = 2\n"
    )


def decoded_index(output: Path) -> dict[str, dict]:
    from search_index import decoded_shards

    return decoded_shards(output / "pagefind")


@settings(
    pagefind_profile(),  # fewer examples than the other property tests
    stateful_step_count=3,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
class IncrementalSearchShards(RuleBasedStateMachine):
    """Articles edited, moved between years, added and deleted, entities renamed; after
    each step the index is refreshed as watch and serve refresh it, or rebuilt as
    `sitegen build` rebuilds it, and decoded shard by shard it equals a clean build's."""

    def __init__(self):
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="sitegen-search-shards-"))
        self.archive = Archive.create(self.tmp / "site", search_site_toml())
        self.articles: dict[str, tuple[int, str, str]] = {}  # slug -> (year, title, body)
        self.entities = dict(SEARCH_ENTITIES)  # id -> (name, kind)
        self.builder: Builder
        self.builds = 0

    def teardown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write_article(self, slug: str) -> None:
        year, title, body = self.articles[slug]
        self.archive.article(slug, title=title, date=f"{year}-0{1 + SEARCH_SLUGS.index(slug)}-15", body=body)

    def write_entity(self, entity_id: str) -> None:
        name, kind = self.entities[entity_id]
        self.archive.write(f"content/entities/{entity_id}.md", f'---\nname: "{name}"\nkind: {kind}\nsummary: "About {name}."\n---\n')

    def draw_article(self, data, slug: str) -> tuple[int, str, str]:
        year = data.draw(st.sampled_from(SEARCH_YEARS), label="year")
        words = data.draw(st.lists(st.sampled_from(SEARCH_WORDS), min_size=1, max_size=4), label="words")
        return year, slug.capitalize(), " ".join(words) + "."

    def reindex(self, how: str) -> None:
        """The index refreshed (`watch`: the HTML, then the search job) or rebuilt (`build`),
        then compared with a clean build's, decoded."""
        if how == "watch":
            self.builder.build(incremental=True)
            job = self.builder.search_job()
            assert job is not None
            job()
        else:
            self.builder.build()
        self.builds += 1
        clean = self.tmp / f"clean-{self.builds}"
        try:
            reference_build(self.archive.root, clean, lasting=False)  # `clean_build_of`, sharing compiled templates
            actual, expected = decoded_index(self.archive.out), decoded_index(clean)
            assert list(actual) == list(expected), "not the same shards as a clean build"
            for name, shard in expected.items():
                assert actual[name] == shard, f"shard {name} differs from a clean build's"
        finally:
            shutil.rmtree(clean, ignore_errors=True)

    @initialize(data=st.data())
    def start(self, data):
        for entity_id in self.entities:
            self.write_entity(entity_id)
        for slug in data.draw(st.lists(st.sampled_from(SEARCH_SLUGS), unique=True, min_size=1, max_size=3), label="articles"):
            self.articles[slug] = self.draw_article(data, slug)
            self.write_article(slug)
        self.builder = Builder(BuildOptions(root=self.archive.root))
        self.builder.build()

    @rule(slug=st.sampled_from(SEARCH_SLUGS), how=st.sampled_from(["watch", "build"]), data=st.data())
    def write_new_or_edited_article(self, slug, how, data):
        """A new article, or an edit of one: its words, and maybe its year (its shard)."""
        self.articles[slug] = self.draw_article(data, slug)
        self.write_article(slug)
        self.reindex(how)

    @precondition(lambda self: self.articles)
    @rule(how=st.sampled_from(["watch", "build"]), data=st.data())
    def delete_article(self, how, data):
        slug = data.draw(st.sampled_from(sorted(self.articles)), label="deleted")
        del self.articles[slug]
        (self.archive.root / f"content/articles/{slug}.md").unlink()
        self.reindex(how)

    @rule(entity_id=st.sampled_from(sorted(SEARCH_ENTITIES)), how=st.sampled_from(["watch", "build"]))
    def rename_entity(self, entity_id, how):
        """The entity's file and name change: its page moves, and the articles that
        named it by its old name no longer mention it."""
        current = next(key for key in self.entities if key in (entity_id, SEARCH_RENAMES[entity_id][0]))
        new_id, new_name = (SEARCH_RENAMES[entity_id][0], SEARCH_RENAMES[entity_id][1]) if current == entity_id else (entity_id, SEARCH_ENTITIES[entity_id][0])
        kind = self.entities.pop(current)[1]
        (self.archive.root / f"content/entities/{current}.md").unlink()
        self.entities[new_id] = (new_name, kind)
        self.write_entity(new_id)
        self.reindex(how)


TestIncrementalSearchShards = IncrementalSearchShards.TestCase
