"""Bad input at the command line: located errors, no traceback, the previous site kept.

Every case starts from an archive that built cleanly, breaks one thing and runs
`sitegen build` as an editor would. A content error must exit 1 with a
`path:line: error:` message for the file and leave the output folder byte for
byte as it was; `sitegen check` reports the same error, and a watcher reports
it and keeps watching. Some inputs are not errors at all: a byte-order mark and
Windows line endings build exactly like LF, alias collisions and symbolic links
are warnings, and huge or pathological Markdown builds within seconds. HTML and
script payloads in every plain-text field, and in every Markdown field but the
article body (the editors' own text, which keeps raw HTML by design), are
shown as text: parsed pages gain no element or attribute and nothing that could
run script, JSON-LD stays valid JSON, the feed stays well-formed, and no script
runs in Chromium, search results included. (Loader-level checks of the same inputs live in
test_load.py; this file checks what the command line does with them.)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
import search_page
from browser import chromium, serve
from conftest import DEFAULT_SITE_TOML, Archive

from sitegen.dev.watch import Watcher
from sitegen.engine.builder import Builder, BuildOptions
from sitegen.pipeline.spare_site import spare_folder

# --- running the command ------------------------------------------------------------------


def sitegen_build(root: Path, timeout: float = 60) -> tuple[subprocess.CompletedProcess, float]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "sitegen", "build", "--root", str(root)],
        cwd=root, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    return result, time.perf_counter() - started


def assert_no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert "internal error" not in result.stderr, result.stderr


# --- a small archive that builds cleanly ------------------------------------------------------

ARTICLE = """\
---
title: Retreat reveals plots
date: 2016-11-27
source: The Telegraph
url: https://example.com/retreat
tags: [iraq]
entities: [mosul]
---

Troops advanced on Mosul, where the Peshmerga held the line.
"""
MOSUL = '---\nname: Mosul\nkind: place\nsummary: "A city in northern Iraq."\nlinks:\n  Map: https://osm.org/mosul\n---\nThe city on the Tigris.\n'
GLOSSARY = '[[term]]\nterm = "Peshmerga"\ndefinition = "Kurdish *fighters*."\nsee = ["mosul"]\n'
TIMELINE = '[[event]]\ndate = "2016-10-17"\ntitle = "Battle of Mosul begins"\nentities = ["mosul"]\narticles = ["retreat"]\n'

GOOD_FILES = {
    "site.toml": DEFAULT_SITE_TOML,
    "content/articles/2016-11-27-retreat.md": ARTICLE,
    "content/entities/mosul.md": MOSUL,
    "content/glossary.toml": GLOSSARY,
    "content/timeline.toml": TIMELINE,
}


def write_archive(root: Path, files: dict[str, str | bytes]) -> Archive:
    archive = Archive(root)
    for relative, text in files.items():
        archive.write(relative, text)
    return archive


@pytest.fixture(scope="module")
def built_template(tmp_path_factory) -> Archive:
    """The good archive, built once; each test works on a copy of it and its output."""
    archive = write_archive(tmp_path_factory.mktemp("template") / "site", GOOD_FILES)
    result, _ = sitegen_build(archive.root)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return archive


@pytest.fixture
def built(built_template, tmp_path) -> Archive:
    root = tmp_path / "site"
    shutil.copytree(built_template.root, root, symlinks=True)
    return Archive(root)


# --- content errors -----------------------------------------------------------------------------

NFC, NFD = unicodedata.normalize("NFC", "café"), unicodedata.normalize("NFD", "café")
assert NFC != NFD


def article(front: str, body: str = "Text.\n") -> str:
    return f"---\n{front}---\n{body}"


DEEP_ARRAY = "[" * 3000 + "]" * 3000
# Six lines of ten aliases each: a million values (nine lines would be a billion).
ALIAS_BOMB = 'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + "".join(
    f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]\n" for n in range(1, 7)
)

# (id, files written over the good archive, [(path, line, words the message must hold)])
BAD_INPUTS = [
    ("invalid-yaml", {"content/articles/bad.md": article("title: A\ndate: 2020-01-01\nsummary: one: two\n")},
     [("content/articles/bad.md", 4, "invalid YAML")]),
    ("invalid-toml-front-matter", {"content/articles/bad.md": '+++\ntitle = "A"\ndate = 2020-01-01\nsummary = \n+++\n'},
     [("content/articles/bad.md", 4, "invalid TOML")]),
    ("invalid-glossary-toml", {"content/glossary.toml": GLOSSARY + '\n[[term]]\nterm = "Daesh"\ndefinition = \n'},
     [("content/glossary.toml", 8, "invalid TOML")]),
    ("invalid-timeline-toml", {"content/timeline.toml": TIMELINE + '\n[[event]]\ndate = 2014\ntitle = "Unclosed\n'},
     [("content/timeline.toml", 9, "invalid TOML")]),
    ("yaml-front-matter-never-closed", {"content/articles/bad.md": "---\ntitle: A\ndate: 2020-01-01\n\nText.\n"},
     [("content/articles/bad.md", 1, "never closed")]),
    ("toml-front-matter-never-closed", {"content/articles/bad.md": '+++\ntitle = "A"\ndate = 2020-01-01\n\nText.\n'},
     [("content/articles/bad.md", 1, "never closed")]),
    ("missing-title", {"content/articles/bad.md": article("date: 2020-01-01\n")},
     [("content/articles/bad.md", 1, "`title`")]),
    ("missing-date", {"content/articles/bad.md": article("title: A\n")},
     [("content/articles/bad.md", 1, "`date`")]),
    ("february-30", {"content/articles/bad.md": article("title: A\ndate: 2021-02-30\n")},
     [("content/articles/bad.md", 3, "not a real calendar date")]),
    ("month-13", {"content/articles/bad.md": article("title: A\ndate: 2021-13-01\n")},
     [("content/articles/bad.md", 3, "not a real calendar date")]),
    ("february-30-in-toml", {"content/articles/bad.md": '+++\ntitle = "A"\ndate = 2021-02-30\n+++\n'},
     [("content/articles/bad.md", 3, "invalid TOML")]),
    ("impossible-timeline-date", {"content/timeline.toml": TIMELINE + '\n[[event]]\ndate = "2021-02-30"\ntitle = "E"\n'},
     [("content/timeline.toml", 8, "not a real calendar date")]),
    ("non-utf8-article", {"content/articles/bad.md": article("title: A\ndate: 2020-01-01\nsummary: café\n").encode("latin-1")},
     [("content/articles/bad.md", 4, "UTF-8")]),
    ("non-utf8-entity", {"content/entities/bad.md": "---\nname: Café\nkind: place\n---\n".encode("latin-1")},
     [("content/entities/bad.md", 2, "UTF-8")]),
    ("non-utf8-glossary", {"content/glossary.toml": (GLOSSARY + '\n[[term]]\nterm = "Café"\ndefinition = "d"\n').encode("cp1252")},
     [("content/glossary.toml", 7, "UTF-8")]),
    ("empty-article", {"content/articles/bad.md": ""}, [("content/articles/bad.md", 1, "front matter")]),
    ("empty-entity", {"content/entities/bad.md": ""}, [("content/entities/bad.md", 1, "front matter")]),
    ("coordinate-with-an-exponent", {"content/entities/bad.md": "---\nname: Bad\nkind: place\ncoordinates: [36e0, 43.13]\n---\n"},
     [("content/entities/bad.md", 4, "coordinates must be decimal numbers such as 36.0")]),
    ("duplicate-slugs", {"content/articles/2017/retreat.md": ARTICLE},
     [("content/articles/2016-11-27-retreat.md", 1, "duplicate slug"), ("content/articles/2017/retreat.md", 1, "duplicate slug")]),
    ("duplicate-slugs-by-case", {"content/articles/one/Report.md": ARTICLE, "content/articles/two/report.md": ARTICLE},
     [("content/articles/one/Report.md", 1, "duplicate slug"), ("content/articles/two/report.md", 1, "duplicate slug")]),
    ("duplicate-slugs-by-normalisation", {f"content/articles/one/{NFC}.md": ARTICLE, f"content/articles/two/{NFD}.md": ARTICLE},
     [(f"content/articles/one/{NFC}.md", 1, "duplicate slug"), (f"content/articles/two/{NFD}.md", 1, "duplicate slug")]),
    ("unknown-entity-reference-in-body", {"content/articles/bad.md": article("title: A\ndate: 2020-01-01\n", "\nWe met [[nobody]] there.\n")},
     [("content/articles/bad.md", 6, "[[nobody]]")]),
    ("unknown-entity-reference-in-entity-body", {"content/entities/iraq.md": "---\nname: Iraq\nkind: place\n---\nHome of [[nobody]].\n"},
     [("content/entities/iraq.md", 5, "[[nobody]]")]),
    ("unknown-article-entities", {"content/articles/bad.md": article("title: A\ndate: 2020-01-01\nentities: [mosul, nobody]\n")},
     [("content/articles/bad.md", 4, "'nobody'")]),
    ("unknown-glossary-see", {"content/glossary.toml": GLOSSARY + '\n[[term]]\nterm = "Daesh"\ndefinition = "d"\nsee = ["nobody"]\n'},
     [("content/glossary.toml", 6, "'nobody'")]),
    ("unknown-timeline-entity", {"content/timeline.toml": TIMELINE + '\n[[event]]\ndate = 2014\ntitle = "E"\nentities = ["nobody"]\n'},
     [("content/timeline.toml", 7, "'nobody'")]),
    ("unknown-timeline-article", {"content/timeline.toml": TIMELINE + '\n[[event]]\ndate = 2014\ntitle = "E"\narticles = ["no-such-article"]\n'},
     [("content/timeline.toml", 7, "'no-such-article'")]),
    ("unknown-entity-in-article-event", {"content/articles/bad.md": article('title: A\ndate: 2020-01-01\nevents:\n  - {date: "2020-01", title: E, entities: [nobody]}\n')},
     [("content/articles/bad.md", 4, "'nobody'")]),
    ("static-file-on-the-folder-of-a-page", {"content/static/tags": "x"},
     [("content/static/tags", 1, "would replace the folder of the generated page /tags/")]),
    ("static-folder-on-a-generated-file", {"content/static/feed.xml/x": "x"},
     [("content/static/feed.xml/x", 1, "would replace the generated page /feed.xml with a folder")]),
    ("static-home-page", {"content/static/index.html": "x"},
     [("content/static/index.html", 1, "would replace the generated page /;")]),
    ("static-article-page", {"content/static/articles/retreat/index.html": "x"},
     [("content/static/articles/retreat/index.html", 1, "would replace the generated page /articles/retreat/")]),
    ("static-home-page-by-case", {"content/static/Index.html": "x"},
     [("content/static/Index.html", 1, "would replace the generated page / where letter case")]),
    ("static-file-on-the-folder-of-a-page-by-case", {"content/static/TAGS": "x"},
     [("content/static/TAGS", 1, "would replace the folder of the generated page /tags/ where letter case")]),
    ("static-files-differing-by-case", {"content/static/Photo.png": "x", "content/static/photo.png": "y"},
     [("content/static/photo.png", 1, "would replace content/static/Photo.png where letter case")]),
    ("static-cname-in-lower-case", {"site.toml": DEFAULT_SITE_TOML.replace("[search]", 'cname = "archive.example.org"\n[search]'), "content/static/cname": "x"},
     [("content/static/cname", 1, "would replace the generated page /CNAME where letter case")]),
    ("static-files-differing-by-normalisation", {f"content/static/{NFC}.txt": "x", f"content/static/{NFD}.txt": "y"},
     [(f"content/static/{NFC}.txt", 1, f"would replace content/static/{NFD}.txt")]),
    ("tag-too-long-for-a-file-name", {"content/articles/bad.md": article(f"title: A\ndate: 2020-01-01\ntags: [iraq, {'x' * 300}]\n")},
     [("content/articles/bad.md", 4, "makes a URL name of 300 characters")]),
    ("slug-too-long-for-a-file-name", {"content/articles/bad.md": article(f"title: A\ndate: 2020-01-01\nslug: {'x' * 300}\n")},
     [("content/articles/bad.md", 4, "makes a URL name of 300 characters")]),
    ("file-name-whose-slug-is-too-long", {f"content/articles/{'日本' * 41}.md": article("title: A\ndate: 2020-01-01\n")},
     [(f"content/articles/{'日本' * 41}.md", 1, "makes a URL name of 205 characters")]),
    ("deeply-nested-glossary-value", {"content/glossary.toml": GLOSSARY + "\n[[term]]\nterm = 'Deep'\ndefinition = 'd'\nx = " + DEEP_ARRAY},
     [("content/glossary.toml", 9, "nesting is too deep")]),
    ("deeply-nested-timeline-value", {"content/timeline.toml": TIMELINE + "x = " + "{a = " * 3000 + "1" + "}" * 3000},
     [("content/timeline.toml", 6, "nesting is too deep")]),
    ("deeply-nested-site-toml", {"site.toml": DEFAULT_SITE_TOML + "x = " + DEEP_ARRAY},
     [("site.toml", 8, "nesting is too deep")]),
    ("deeply-nested-toml-front-matter", {"content/articles/bad.md": f'+++\ntitle = "A"\ndate = 2020-01-01\nx = {DEEP_ARRAY}\n+++\n'},
     [("content/articles/bad.md", 4, "nesting is too deep")]),
    ("deeply-nested-yaml-front-matter", {"content/articles/bad.md": article(f"title: A\ndate: 2020-01-01\nx: {DEEP_ARRAY}\n")},
     [("content/articles/bad.md", 4, "nesting is too deep")]),
    ("deeply-indented-yaml-front-matter", {"content/articles/bad.md": article("title: A\ndate: 2020-01-01\nx:\n" + "".join(" " * n + "- \n" for n in range(200)))},
     [("content/articles/bad.md", 105, "nesting is too deep")]),
    ("yaml-value-holding-an-alias-of-itself", {"content/articles/bad.md": article("title: A\ndate: 2020-01-01\nx: &a {b: [1, *a]}\n")},
     [("content/articles/bad.md", 4, "contains an alias of itself")]),
    ("yaml-aliases-standing-for-a-million-values", {"content/articles/bad.md": article("title: A\ndate: 2020-01-01\n" + ALIAS_BOMB)},
     [("content/articles/bad.md", 2, "write the values out")]),
    ("wrong-shape-glossary-terms", {"content/glossary.toml": 'term = ["a", "b"]\n'},
     [("content/glossary.toml", 1, "`term` must be written as [[term]] tables")]),
    ("wrong-shape-timeline-events", {"content/timeline.toml": "event = [1]\n"},
     [("content/timeline.toml", 1, "`event` must be written as [[event]] tables")]),
    ("wrong-shape-role-title", {"content/entities/mosul.md": MOSUL.replace("links:", "roles:\n  - {title: [a, b]}\nlinks:")},
     [("content/entities/mosul.md", 5, "a role's `title` must be text, not a list")]),
    ("duplicate-yaml-key", {"content/articles/bad.md": article("title: A\ndate: 2020-01-01\ntitle: B\n")},
     [("content/articles/bad.md", 4, "the key `title` is written twice in one mapping (first on line 2)")]),
    ("duplicate-yaml-key-in-an-entity-link", {"content/entities/mosul.md": MOSUL.replace("\n---", "\n  Map: https://osm.org/other\n---")},
     [("content/entities/mosul.md", 7, "the key `Map` is written twice in one mapping (first on line 6)")]),
    ("cname-with-a-newline", {"site.toml": DEFAULT_SITE_TOML.replace("[search]", 'cname = "archive.example.org\\n"\n[search]')},
     [("site.toml", 6, "`site.cname` 'archive.example.org\\n' must be a host name")]),
    ("wikidata-id-that-is-no-item", {"content/entities/mosul.md": MOSUL.replace("links:", "wikidata: Mosul\nlinks:")},
     [("content/entities/mosul.md", 5, "`wikidata` must be a Wikidata item id such as Q42")]),
    ("wikidata-id-with-a-leading-zero", {"content/entities/mosul.md": MOSUL.replace("links:", "wikidata: Q083196\nlinks:")},
     [("content/entities/mosul.md", 5, "`wikidata` must be a Wikidata item id")]),
    ("same-as-address-that-is-not-the-web", {"content/entities/mosul.md": MOSUL.replace("links:", "same_as: [https://viaf.org/1, 'javascript:alert(1)']\nlinks:")},
     [("content/entities/mosul.md", 5, "`same_as` must list http:// or https:// addresses")]),
    ("coordinates-latitude-out-of-range", {"content/entities/mosul.md": MOSUL.replace("links:", "coordinates: [136.34, 43.13]\nlinks:")},
     [("content/entities/mosul.md", 5, "the latitude 136.34 must be between -90 and 90")]),
    ("coordinates-longitude-out-of-range", {"content/entities/mosul.md": MOSUL.replace("links:", "coordinates: [36.34, -243.13]\nlinks:")},
     [("content/entities/mosul.md", 5, "the longitude -243.13 must be between -180 and 180")]),
    ("coordinates-that-are-text", {"content/entities/mosul.md": MOSUL.replace("links:", "coordinates: '36.34, 43.13'\nlinks:")},
     [("content/entities/mosul.md", 5, "`coordinates` must be [latitude, longitude]")]),
    ("coordinates-of-a-person", {"content/entities/mosul.md": MOSUL.replace("kind: place", "kind: person").replace("links:", "coordinates: [36.34, 43.13]\nlinks:")},
     [("content/entities/mosul.md", 5, "`coordinates` are for places only")]),
]

BAD_URLS = [
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "ftp://example.org/file",
    "file:///etc/passwd",
    "//evil.example/x",
    "https:alert(1)",
    "https://[::1/",  # not even parsed
    "https://example.org:99999/",
]
for number, url in enumerate(BAD_URLS):
    BAD_INPUTS.append((
        f"article-url-{number}",
        {"content/articles/bad.md": article(f"title: A\ndate: 2020-01-01\nurl: {json.dumps(url)}\n")},
        [("content/articles/bad.md", 4, "`url`")],
    ))  # fmt: skip
    BAD_INPUTS.append((
        f"entity-link-{number}",
        {"content/entities/bad.md": f"---\nname: Bad\nkind: place\nlinks:\n  Home: https://example.org/\n  Trap: {json.dumps(url)}\n---\n"},
        [("content/entities/bad.md", 4, "'Trap'")],
    ))  # fmt: skip


@pytest.mark.parametrize(("files", "expected"), [pytest.param(f, e, id=i) for i, f, e in BAD_INPUTS])
def test_bad_input_is_a_located_error_and_keeps_the_previous_site(built, files, expected):
    before = built.output_files()
    assert before, "the good archive built"
    for relative, text in files.items():
        built.write(relative, text)

    result, _ = sitegen_build(built.root)

    assert result.returncode == 1, result.stdout + result.stderr
    assert_no_traceback(result)
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    for path, line, words in expected:
        located = [e for e in errors if e.startswith(f"{path}:{line}: error: ")]
        assert located, f"no error at {path}:{line} in:\n{result.stderr}"
        assert any(words in e for e in located), f"{path}:{line} does not say {words!r}:\n{result.stderr}"
    assert "the previous output is unchanged" in result.stderr
    assert built.output_files() == before
    spare = spare_folder(built.out).name  # the previous site, kept on purpose as the next build's stage
    assert not [p.name for p in built.root.iterdir() if p.name.startswith("._site") and p.name != spare], "staging folder left behind"


@pytest.mark.parametrize(
    ("files", "expected"),
    [pytest.param(f, e, id=i) for i, f, e in BAD_INPUTS if i.startswith(("deeply-nested", "static-", "wrong-shape"))],
)
def test_bad_input_is_reported_by_the_watcher_which_keeps_watching(built, files, expected):
    watcher = Watcher(Builder(BuildOptions(root=built.root)), lambda event: None)
    assert watcher.rebuild().result is not None
    good = {relative: (built.root / relative).read_bytes() if (built.root / relative).exists() else None for relative in files}
    for relative, text in files.items():
        built.write(relative, text)

    event = watcher.rebuild(tuple(files))

    assert event.result is None
    assert {(e.path, e.line) for e in event.errors} >= {(path, line) for path, line, _ in expected}
    for relative, data in good.items():  # the fixing save
        if data is None:
            (built.root / relative).unlink()
        else:
            (built.root / relative).write_bytes(data)
    shutil.rmtree(built.root / "content/static", ignore_errors=True)  # the good archive has none
    assert watcher.rebuild(tuple(files)).result is not None


@pytest.mark.parametrize(("files", "expected"), [pytest.param(f, e, id=i) for i, f, e in BAD_INPUTS])
def test_check_reports_each_bad_input_as_the_build_does(built, files, expected):
    for relative, text in files.items():
        built.write(relative, text)

    result = subprocess.run(
        [sys.executable, "-m", "sitegen", "check", "--root", str(built.root)],
        cwd=built.root, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode == 1, result.stdout + result.stderr
    assert_no_traceback(result)
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    for path, line, words in expected:
        located = [e for e in errors if e.startswith(f"{path}:{line}: error: ")]
        assert any(words in e for e in located), f"{path}:{line} does not say {words!r}:\n{result.stdout}"


def test_every_error_of_a_run_is_reported_and_none_is_a_traceback(built):
    """All the broken articles of the list at once: one run names every one of them.
    ([[id]] references are checked while annotating, a stage that runs only on
    sources that loaded without errors, so they are left out here.)"""
    before = built.output_files()
    expected = []
    for number, (_, files, located) in enumerate(BAD_INPUTS):
        if list(files) != ["content/articles/bad.md"] or "[[" in located[0][2]:
            continue
        built.write(f"content/articles/bad-{number}.md", next(iter(files.values())))
        expected += [(f"content/articles/bad-{number}.md", line) for _, line, _ in located]

    result, _ = sitegen_build(built.root)

    assert result.returncode == 1
    assert_no_traceback(result)
    for path, line in expected:
        assert f"{path}:{line}: error: " in result.stderr
    assert f"Build failed: {len(expected)} errors" in result.stderr
    assert built.output_files() == before


# --- not errors: encodings, collisions, symbolic links ----------------------------------------------


def bom(text: str) -> bytes:
    return "\ufeff".encode() + text.encode()


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


def bom_crlf(text: str) -> bytes:
    return bom(text.replace("\n", "\r\n"))


@pytest.mark.parametrize("encode", [bom, crlf, bom_crlf], ids=["bom", "crlf", "bom-crlf"])
def test_bom_and_crlf_build_exactly_like_lf(tmp_path, encode):
    plain = write_archive(tmp_path / "lf", GOOD_FILES)
    variant = write_archive(tmp_path / "variant", {path: encode(text) for path, text in GOOD_FILES.items()})

    outputs = []
    for archive in (plain, variant):
        result, _ = sitegen_build(archive.root)
        assert (result.returncode, result.stderr) == (0, "")
        outputs.append(archive.output_files())

    assert outputs[0] == outputs[1]
    body = variant.html("articles/retreat/index.html").select_one(".article-body")
    assert [a["data-entity"] for a in body.select("a.mention")] == ["mosul"]
    assert [a["data-term"] for a in body.select("a.term")] == ["peshmerga"]


def test_dates_at_both_ends_of_the_calendar_build(built):
    """Years 1 and 9999, to the month and to the minute, with offsets that take
    the moment past either end of the calendar in UTC."""
    built.write("content/articles/last.md", article("title: Last\ndate: 9999-12-31T23:59:59-12:00\nentities: [mosul]\n"))
    built.write("content/articles/first.md", article("title: First\ndate: 0001-01-01T00:00:00+14:00\nupdated: 9999-12-31\n"))
    built.write("content/entities/mosul.md", MOSUL.replace("links:", 'roles:\n  - {title: City, from: "0001", to: "9999-12"}\nlinks:'))
    built.write("content/timeline.toml", TIMELINE + '\n[[event]]\ndate = "0001"\nend = "9999-12"\ntitle = "Ever"\n')

    result, _ = sitegen_build(built.root)

    assert (result.returncode, result.stderr) == (0, "")
    timeline = built.timeline()
    assert "Ever" in [h.get_text(strip=True) for h in timeline.select(".event-title")]
    assert built.html("articles/last/index.html").find("h1").get_text() == "Last"


def test_alias_collision_is_a_warning_and_the_site_is_built(built):
    built.write("content/entities/mosul-province.md", "---\nname: Nineveh Province\nkind: place\naliases: [Mosul]\n---\n")

    result, _ = sitegen_build(built.root)

    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    [warning] = [line for line in result.stderr.splitlines() if ": warning: " in line]
    assert re.match(r"^content/entities/mosul\.md(:\d+)?: warning: .*'Mosul'", warning), result.stderr
    assert "(content/entities/mosul.md and content/entities/mosul-province.md)" in warning
    assert "(1 warning)" in result.stdout
    assert (built.out / "entities/mosul-province/index.html").is_file()
    # The article lists `mosul`, which settles what its one mention of the shared name means.
    body = built.html("articles/retreat/index.html").select_one(".article-body")
    assert [a["data-entity"] for a in body.select("a.mention")] == ["mosul"]


def test_symlink_loops_are_warned_about_and_not_followed(built):
    articles = built.root / "content/articles"
    os.symlink(articles, articles / "loop")  # a folder that contains itself
    os.symlink(articles / "b.md", articles / "a.md")  # two files pointing at each other
    os.symlink(articles / "a.md", articles / "b.md")
    os.symlink(built.root / "content", built.root / "content/static")  # static files that contain the content

    result, seconds = sitegen_build(built.root, timeout=60)

    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    for path in ("content/articles/loop", "content/articles/a.md", "content/articles/b.md", "content/static"):
        assert re.search(rf"^{path}: warning: symbolic link", result.stderr, re.MULTILINE), result.stderr
    assert seconds < 20
    assert sorted(p.name for p in (built.out / "articles").iterdir()) == ["retreat"]
    assert not (built.out / "articles/loop").exists() and not (built.out / "glossary.toml").exists()


def test_the_warnings_of_files_left_out_are_those_of_the_files_there_now(built):
    """What the build leaves out (a link, a named pipe) is no input of the site, so the
    site is the same; the warnings are of the files there now, not of the last build's."""
    articles = built.root / "content/articles"
    os.mkfifo(articles / "pipe.md")
    os.symlink("/dev/zero", articles / "zero.md")

    added, _ = sitegen_build(built.root)
    os.unlink(articles / "pipe.md")
    removed, _ = sitegen_build(built.root)

    assert added.returncode == removed.returncode == 0, added.stderr + removed.stderr
    assert [line.split(": warning:")[0] for line in added.stderr.splitlines()] == ["content/articles/pipe.md", "content/articles/zero.md"]
    assert [line.split(": warning:")[0] for line in removed.stderr.splitlines()] == ["content/articles/zero.md"]


@pytest.mark.parametrize("name", ["glossary.toml", "timeline.toml"])
@pytest.mark.parametrize("make", [os.mkfifo, os.mkdir], ids=["named-pipe", "folder"])
def test_a_glossary_or_timeline_that_is_no_file_is_warned_about_and_left_out(built, name, make):
    (built.root / "content" / name).unlink()
    make(built.root / "content" / name)

    result, _ = sitegen_build(built.root, timeout=30)

    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    assert re.fullmatch(rf"content/{name}: warning: not a regular file \(.*\): left out; make it a file\n", result.stderr), result.stderr


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file systems refuse names that are not UTF-8")
@pytest.mark.parametrize(
    "name",
    [b"content/articles/caf\xe9.md", b"content/entities/caf\xe9.md", b"content/static/caf\xe9.txt", b"content/articles/2016-\xe9t\xe9/a.md"],
    ids=["article", "entity", "static file", "folder"],
)
def test_a_source_whose_name_is_not_utf8_is_a_located_error(built, name):
    """A name saved in another encoding (Latin-1 here) could be in no URL, feed or data file."""
    path = os.path.join(os.fsencode(built.root), name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as stream:
        stream.write(article("name: A\nkind: place\ntitle: A\ndate: 2020-01-01\n").encode())

    result, _ = sitegen_build(built.root)

    assert_no_traceback(result)
    assert result.returncode == 1, result.stderr
    shown = name.split(b"\xe9")[0].decode() + "\\udce9"
    assert result.stderr.startswith(f"{shown}"), result.stderr
    assert ": error: the name is not valid UTF-8: rename it\n" in result.stderr


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file systems refuse names that are not UTF-8")
def test_a_file_in_templates_whose_name_is_not_utf8_is_no_template_and_no_error(built):
    before = built.output_files()
    (built.root / "templates").mkdir(exist_ok=True)
    with open(os.path.join(os.fsencode(built.root), b"templates/notes-caf\xe9.txt"), "wb") as stream:
        stream.write(b"an editor's notes, saved on another system")

    result, _ = sitegen_build(built.root)

    assert_no_traceback(result)
    assert (result.returncode, result.stderr) == (0, "")
    assert built.output_files() == before


def test_symlinks_pointing_outside_content_are_warned_about_and_not_followed(built, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(article("title: Secret\ndate: 2020-01-01\n", "Private notes.\n"))
    (outside / "secret.txt").write_text("private")
    os.symlink(outside / "secret.md", built.root / "content/articles/secret.md")
    os.symlink(outside, built.root / "content/articles/elsewhere")
    (built.root / "content/static").mkdir()
    os.symlink(outside / "secret.txt", built.root / "content/static/secret.txt")
    os.symlink(outside, built.root / "content/static/private")
    os.symlink("/etc/passwd", built.root / "content/static/passwd")
    os.symlink(outside / "secret.md", built.root / "content/entities/secret.md")

    result, _ = sitegen_build(built.root)

    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    links = [
        "content/articles/elsewhere", "content/articles/secret.md", "content/entities/secret.md",
        "content/static/passwd", "content/static/private", "content/static/secret.txt",
    ]  # fmt: skip
    for path in links:
        assert re.search(rf"^{path}: warning: symbolic link", result.stderr, re.MULTILINE), result.stderr
    written = built.output_files()
    assert not [name for name in written if re.search(r"secret|private|passwd|elsewhere", name)]
    assert not [name for name, data in written.items() if b"Private notes" in data or b"root:" in data]


# --- size and pathological Markdown ------------------------------------------------------------

PARAGRAPH = (
    "Troops advanced on Mosul at dawn while the Peshmerga held the northern line, and the coalition struck from the air. " * 5
    + "Reporters followed the *front* for [weeks](https://example.org/front)."
)


def twenty_mb_of_paragraphs(size: int = 20_000_000) -> str:
    return (PARAGRAPH + "\n\n") * (size // (len(PARAGRAPH) + 2))


def twenty_mb_paragraph_naming_many_entities(size: int = 20_000_000) -> str:
    """One paragraph with no sentence end, whose first mentions all come at its end."""
    words = "the offensive on the city went on from the south and the east while the coalition struck "
    return words * (size // len(words)) + " ".join(f"Person{n}" for n in range(300)) + ".\n"


HUGE = (twenty_mb_of_paragraphs, twenty_mb_paragraph_naming_many_entities)  # bodies of any size


PATHOLOGICAL = {
    "20-mb-of-paragraphs": twenty_mb_of_paragraphs,
    "20-mb-paragraph-naming-300-entities": twenty_mb_paragraph_naming_many_entities,
    "10000-quote-markers": lambda: ">" * 10_000 + " Mosul and the Peshmerga\n",
    "10000-quote-lines": lambda: "".join(">" * n + " Mosul\n" for n in range(1, 10_001, 50)),
    "50000-open-brackets": lambda: "[" * 50_000 + " Mosul and the Peshmerga\n",
    "50000-entity-reference-openers": lambda: "[[" * 25_000 + "mosul Mosul\n",
    "50000-brackets-balanced": lambda: "[" * 25_000 + "Mosul" + "](x)" * 25_000 + "\n",
    "5000-nested-lists-on-a-line": lambda: "- " * 5_000 + "Mosul and the Peshmerga\n",
    "5000-nested-ordered-lists": lambda: "1. " * 5_000 + "Mosul\n",
    "5000-nested-list-levels": lambda: "".join("\t" * n + "- Mosul\n" for n in range(5_000)),
    "5000-nested-quotes-and-lists": lambda: "> - " * 5_000 + "Mosul\n",
    "nested-emphasis": lambda: "*_" * 10_000 + "Mosul" + "_*" * 10_000 + "\n",
    "nested-strong": lambda: "**" * 10_000 + "Peshmerga" + "**" * 10_000 + "\n",
    "emphasis-openers": lambda: "*Mosul " * 10_000 + "\n",
    "nested-strikethrough": lambda: "~~" * 10_000 + "Mosul" + "~~" * 10_000 + "\n",
    "nested-inline-html": lambda: "<span>" * 10_000 + "Mosul" + "</span>" * 10_000 + "\n",
    "200000-mentions-in-a-paragraph": lambda: "Mosul, Peshmerga " * 100_000 + "\n",
    "100000-hard-breaks": lambda: "Mosul  \n" * 100_000,
    "200000-tags-never-ended": lambda: "Mosul <b " * 200_000 + "\n",
    "200000-link-targets-never-closed": lambda: "[Mosul](x " * 200_000 + "\n",
    "20000-attribute-values-never-closed": lambda: '<div title="x\n\nMosul\n\n' * 20_000,
}


@pytest.mark.parametrize("make_body", list(PATHOLOGICAL.values()), ids=list(PATHOLOGICAL))
def test_huge_and_pathological_markdown_builds_within_seconds(built, make_body):
    if make_body is twenty_mb_paragraph_naming_many_entities:
        for n in range(300):
            built.write(f"content/entities/person{n}.md", f"---\nname: Person{n}\nkind: person\n---\n")
    front = "---\ntitle: Huge\ndate: 2020-01-01\nentities: [mosul]\n---\n"
    # A machine slower than the 20 s assume (a loaded runner) shows how much slower on a
    # tenth of a huge body: the whole takes about ten times as long where the work is linear,
    # a hundred where it is quadratic. The other bodies are measured against a twentieth of
    # the plain paragraphs (about 0.7 s here; each of them builds in 7 s or less).
    calibration, size, scale = (make_body, 2_000_000, 15) if make_body in HUGE else (twenty_mb_of_paragraphs, 1_000_000, 30)
    built.write("content/articles/huge.md", front + calibration(size))
    _, part = sitegen_build(built.root, timeout=60)
    limit = max(20.0, scale * part)
    built.write("content/articles/huge.md", front + make_body())

    result, seconds = sitegen_build(built.root, timeout=max(60, 2 * limit))

    assert_no_traceback(result)
    assert result.returncode == 0, result.stderr[-2000:]
    assert seconds < limit, f"{seconds:.1f} s"
    # Markdown nested deeper than markdown-it's limit (20 levels) is left out of
    # the page, so only check that the page is whole.
    page = (built.out / "articles/huge/index.html").read_bytes()
    assert b'<h1 class="article-title" data-pagefind-meta="title">Huge</h1>' in page
    assert page.endswith(b"</html>\n")


# --- HTML and script payloads ------------------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</script><script>alert(1)</script>",
    "{{ 7*7 }}\u2028{% if 1 %}x{% endif %}\u2029{{ self }}",  # Jinja-looking text; line separators JSON keeps raw
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<a href="javascript:alert(1)">x</a> [x](javascript:alert(1)) <javascript:alert(1)> [y](JaVaScRiPt:alert(1)) [z]( javascript:alert(1)) <JaVaScRiPt:alert(1)>',
    "<style>body{display:none}</style><svg onload=alert(1)>",
    '<form action="https://evil.example/"><button formaction="javascript:alert(1)">go</button></form>',
    '<object data="x.swf"></object><embed src="x.swf">',
    "![x](javascript:alert(1)) <details open ontoggle=alert(1)>",
]


def harmless(text: str) -> str:
    """The same length, no markup: letters and digits kept, every other character a hyphen
    (so that tags give the same slug and the same pages)."""
    return re.sub(r"[^A-Za-z0-9]", "-", text)


def payload_archive(root: Path, value, search: bool) -> Archive:
    """Every plain-text field of articles, entities, terms and events set to `value(n)`,
    and so is every Markdown field but the article body (the one field that keeps
    raw HTML): entity descriptions, glossary definitions, and event descriptions
    in `content/timeline.toml` and in articles' `events`."""
    site_toml = DEFAULT_SITE_TOML.replace("enabled = false", f"enabled = {'true' if search else 'false'}")
    archive = write_archive(root, {"site.toml": site_toml})
    glossary, events = [], []
    for n in range(len(PAYLOADS)):
        text = json.dumps(value(n))
        archive.write(
            f"content/articles/a{n}.md",
            f"---\ntitle: {text}\ndate: 2016-11-2{n}\nsource: {text}\nsummary: {text}\nauthors: [{text}, Jane Doe]\n"
            f"tags: [{text}, iraq]\nurl: {json.dumps('https://example.org/a?q=' + value(n))}\nentities: [e{n}]\n"
            f"events:\n  - {{date: 2016-10-1{n}, title: {text}, description: {text}}}\n---\n\n"
            f"First [[e{n}]], then the Word{n} in a sentence. A note.[^1] Later [[e{n}|again]].\n\n"
            f"| who | where |\n| --- | --- |\n| [[e{n}]] | Word{n} |\n\n[^1]: A footnote naming [[e{n}]].\n",
        )
        archive.write(
            f"content/entities/e{n}.md",
            f"---\nname: {text}\nkind: person\naliases: [{text}, Alias{n}]\nsummary: {text}\n"
            f"links:\n  {text}: {json.dumps('https://example.org/e?q=' + value(n))}\n"
            f"roles:\n  - {{title: {text}, from: 2016}}\n---\nAlias{n} is described here: {value(n)}\n\nAnd here, *in Markdown*: {value(n)}[^1]\n\n"
            f"[^1]: A footnote: {value(n)}\n",
        )
        glossary.append(f"[[term]]\nid = \"t{n}\"\nterm = {text}\naliases = [\"Word{n}\"]\ndefinition = {text}\nsee = [\"e{n}\"]\n")
        events.append(
            f'[[event]]\ndate = "2016-09-{n + 1:02d}"\ntitle = {text}\ndescription = {text}\nentities = ["e{n}"]\narticles = ["a{n}"]\n'
        )
    archive.write("content/glossary.toml", "\n".join(glossary))
    archive.write("content/timeline.toml", "\n".join(events))
    return archive


@pytest.fixture(scope="module")
def payload_sites(tmp_path_factory) -> tuple[Archive, Archive]:
    root = tmp_path_factory.mktemp("payloads")
    hostile = payload_archive(root / "hostile", lambda n: PAYLOADS[n], search=True)
    calm = payload_archive(root / "calm", lambda n: harmless(PAYLOADS[n]), search=True)
    for archive in (hostile, calm):
        result, _ = sitegen_build(archive.root)
        assert result.returncode == 0, result.stderr
        assert_no_traceback(result)
    return hostile, calm


def html_pages(archive: Archive) -> list[str]:
    return sorted(name for name in archive.output_files() if name.endswith(".html") and not name.startswith("pagefind/"))


def markup_of(page) -> tuple[Counter, set]:
    tags = Counter(element.name for element in page.find_all(True))
    attributes = {(element.name, attribute) for element in page.find_all(True) for attribute in element.attrs}
    return tags, attributes


def test_payloads_add_no_element_or_attribute_to_any_page(payload_sites):
    hostile, calm = payload_sites
    pages = html_pages(hostile)
    assert pages == html_pages(calm)
    assert len(pages) > 20 and "glossary/index.html" in pages and "timeline/index.html" in pages
    for name in pages:
        assert markup_of(hostile.html(name)) == markup_of(calm.html(name)), name


def test_payloads_are_shown_as_text(payload_sites):
    hostile, _ = payload_sites
    for n, payload in enumerate(PAYLOADS):
        page = hostile.html(f"articles/a{n}/index.html")
        assert page.find("h1").get_text() == payload
        assert page.select_one(".summary").get_text() == payload
        assert page.select_one("a.source").get_text() == payload
        assert page.select_one("a.source")["href"] == f"https://example.org/a?q={payload}"
        assert payload in page.select_one(".authors").get_text()
        assert payload in [a.get_text() for a in page.select(".tag-list a")]
        assert page.select_one(".sidenote-title").get_text() == payload
        entity = hostile.html(f"entities/e{n}/index.html")
        assert entity.find("h1").get_text() == payload
    definitions = {p.get_text() for p in hostile.html("glossary/index.html").select(".definition")}
    assert definitions == set(PAYLOADS)


THE_SITES_OWN_SCRIPTS = {"application/ld+json", "application/json"}


THE_THEMES_OWN_DRAWINGS = {"chart", "sparkline"}  # the SVG of an entity's chart and of the index's sparklines


def theme_drawing(element) -> bool:
    """Whether `element` is, or is inside, an SVG drawing the theme makes (its
    attributes are still checked like any other element's)."""
    drawings = [element, *element.find_parents("svg")] if element.name == "svg" else []
    return bool(drawings) and bool(THE_THEMES_OWN_DRAWINGS & set(drawings[-1].get("class", [])))


def dangers(page) -> list[str]:
    """Markup that could run script, load a frame or restyle or re-target the page."""
    found = []
    for element in page.find_all(True):
        for attribute, value in element.attrs.items():
            text = " ".join(value) if isinstance(value, list) else value
            squeezed = re.sub(r"[\s\x00-\x1f]", "", text).lower()
            if attribute.lower().startswith("on") or attribute.lower() in ("srcdoc", "formaction"):
                found.append(f"<{element.name} {attribute}>")
            if squeezed.startswith(("javascript:", "vbscript:", "data:text")):
                found.append(f"<{element.name} {attribute}={text!r}>")
        if element.name in ("iframe", "frame", "object", "embed", "style", "base", "svg", "math") and not theme_drawing(element):
            found.append(f"<{element.name}>")
        if element.name == "script" and element.get("type") not in THE_SITES_OWN_SCRIPTS:
            if not element.get("src", "").startswith(("/assets/", "/pagefind/")) or element.string:
                found.append(f"<script src={element.get('src')!r}>")
        if element.name == "form" and element.get("action") not in (None, "/search/"):  # the search and timeline filter
            found.append(f"<form action={element.get('action')!r}>")
        if element.name == "link" and element.get("rel") == ["stylesheet"] and not element["href"].startswith(("/assets/", "/pagefind/")):
            found.append(f"<link href={element['href']!r}>")
    return found


def test_no_payload_yields_markup_that_can_run_script_on_any_page(payload_sites):
    hostile, _ = payload_sites
    pages = html_pages(hostile)
    assert {"timeline/index.html", "glossary/index.html", "entities/e4/index.html", "articles/a9/index.html"} <= set(pages)
    found = {name: dangers(hostile.html(name)) for name in pages}
    assert {name: markup for name, markup in found.items() if markup} == {}


# Addresses a browser would run, disguised from a plain "javascript:" check: by
# character references, which Markdown decodes in link destinations, by a
# reference definition, by angle brackets, by case. One per archive slot.
DISGUISED_ADDRESSES = [
    "[a](&#106;avascript:alert(1))",
    "[b](&#x4A;aVaScRiPt:alert(1))",
    "[c](javascript&colon;alert(1))",
    "[d](&#32;javascript:alert(1)) [d2](java&#x09;script:alert(1))",
    "[e][r]\n\n[r]: JaVaScRiPt:alert(1)\n",
    "[f](<javascript:alert(1)>) [f2](<&#106;avascript:alert(1)>)",
    "![g](&#100;ata:text/html,alert(1)) ![g2](data:image/svg+xml;base64,PHN2Zz4=)",
    "<&#106;avascript:alert(1)> <VBScript:msgbox(1)>",
    r'[h](https://example.org/ "title\" onmouseover=\"alert(1)")',  # a title that tries to close its attribute
    "[i](%6Aavascript:alert(1)) [j](file:///etc/passwd)",
]


def test_disguised_script_addresses_in_markdown_fields_yield_no_link_that_runs_script(tmp_path):
    archive = payload_archive(tmp_path / "disguised", lambda n: DISGUISED_ADDRESSES[n], search=False)
    result, _ = sitegen_build(archive.root)
    assert result.returncode == 0, result.stderr

    pages = html_pages(archive)
    found = {name: dangers(archive.html(name)) for name in pages}

    assert {name: markup for name, markup in found.items() if markup} == {}
    links = {a["href"] for name in pages for a in archive.html(name).select(".description a[href], .definition a[href]")}
    assert "https://example.org/" in links, "the harmless link is kept"
    assert not [href for href in links if href.lower().startswith(("file:", "vbscript:"))]


def test_payloads_in_markdown_fields_are_shown_as_text(payload_sites):
    hostile, _ = payload_sites
    timeline = hostile.timeline()
    for n, payload in enumerate(PAYLOADS):
        entity = hostile.html(f"entities/e{n}/index.html").select_one(".description")
        assert payload in entity.get_text(), n
        events = [li for li in timeline.select("li.event") if li.select_one(".event-title").get_text() == payload]
        descriptions = [li.select_one(".event-description").get_text().strip() for li in events if li.select_one(".event-description")]
        assert descriptions == [payload, payload], n  # from timeline.toml and from the article's `events`


def string_values(data) -> list[str]:
    if isinstance(data, dict):
        return [s for value in data.values() for s in string_values(value)]
    if isinstance(data, list):
        return [s for value in data for s in string_values(value)]
    return [data] if isinstance(data, str) else []


def test_json_in_pages_stays_valid_with_payloads_as_strings(payload_sites):
    hostile, _ = payload_sites
    for name in html_pages(hostile):
        page = hostile.html(name)
        for script in page.find_all("script", type=["application/ld+json", "application/json"]):
            data = json.loads(script.string)  # raises on invalid JSON
            if name.startswith(("articles/a", "entities/e")) and script["type"] == "application/ld+json":
                n = int(re.search(r"/[ae](\d)/", name).group(1))
                assert PAYLOADS[n] in string_values(data), name
    ld = json.loads(hostile.html("articles/a2/index.html").find("script", type="application/ld+json").string)
    assert ld["headline"] == PAYLOADS[2]


def test_feed_and_sitemap_stay_well_formed_with_payloads_as_text(payload_sites):
    hostile, _ = payload_sites
    atom = {"atom": "http://www.w3.org/2005/Atom"}
    feed = ElementTree.fromstring((hostile.out / "feed.xml").read_bytes())  # raises on malformed XML
    entries = feed.findall("atom:entry", atom)
    assert {entry.findtext("atom:title", namespaces=atom) for entry in entries} == set(PAYLOADS)
    assert {entry.findtext("atom:summary", namespaces=atom) for entry in entries} == set(PAYLOADS)
    assert all(len(entry) == len(entries[0]) for entry in entries), "no payload added an element"
    sitemap = ElementTree.fromstring((hostile.out / "sitemap.xml").read_bytes())
    assert len(sitemap) == len(ElementTree.fromstring((payload_sites[1].out / "sitemap.xml").read_bytes()))


def test_no_payload_runs_in_the_browser_on_any_page_or_in_search_results(payload_sites):
    hostile, _ = payload_sites
    dialogs: list[str] = []
    with serve(hostile.out) as root, chromium() as browser:
        page = browser.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(f"{page.url}: {dialog.message}"), dialog.dismiss()))
        for name in html_pages(hostile):
            page.goto(root + name.removesuffix("index.html"))
            page.wait_for_load_state("load")
            for mention in page.query_selector_all("a.mention")[:3]:  # opens the hover cards
                mention.hover()
        for word in ("alert", "onerror", "script", "7"):
            page.goto(root + "search/?q=" + quote(word))
            page.wait_for_selector(search_page.RESULT_LINK, timeout=15000)
            page.wait_for_timeout(300)  # let result images fail to load
        found = [a.get_attribute("href") for a in page.query_selector_all(search_page.RESULT_LINK)]
    assert dialogs == []
    assert found, "the search for a payload word found the pages holding it"
