"""Search with Pagefind, read the way readers and Pagefind itself read it, under a /repo/ subpath."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from browser import serve
from bs4 import BeautifulSoup
from conftest import DEFAULT_SITE_TOML, Archive
from search_page import INPUT, RESULT_LINK, hrefs, wait_for_results, wait_until_done

from sitegen.pipeline.spare_site import spare_folder

BASE_URL = "https://example.org/repo/"
ENTITY = '---\nname: "Mosul"\nkind: place\nsummary: "A city in northern Iraq."\n---\nThe city on the Tigris.\n'
GLOSSARY = '[[term]]\nterm = "caliphate"\ncase_sensitive = false\ndefinition = "A state ruled by a *caliph*."\n'


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Archive:
    archive = Archive(tmp_path_factory.mktemp("search"))
    archive.write("site.toml", DEFAULT_SITE_TOML.replace("enabled = false", "enabled = true"))
    archive.write(
        "content/articles/2016-11-27-retreat.md",
        "---\ntitle: Retreat reveals plots\ndate: 2016-11-27\nsource: The Telegraph\ntags: [Iraq]\n"
        "summary: Plots uncovered.\n---\n\nTroops advanced on Mosul as the caliphate shrank.\n",
    )
    archive.write("content/entities/mosul.md", ENTITY)
    archive.write("content/glossary.toml", GLOSSARY)
    archive.result = archive.build(base_url=BASE_URL)
    return archive


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def references(url: str, body: bytes, content_type: str) -> list[str]:
    if content_type == "html":
        soup = BeautifulSoup(body.decode("utf-8"), "html.parser")
        values = [element.get(attribute) for attribute in ("href", "src", "action") for element in soup.find_all(attrs={attribute: True})]
        return [urljoin(url, value) for value in values]
    if content_type == "css":
        return [urljoin(url, value.strip("'\"")) for value in re.findall(r"url\(([^)]+)\)", body.decode("utf-8"))]
    return []


def test_the_bundle_goes_to_pagefind_not_underscore_pagefind(site):
    assert site.result.search is not None and site.result.search.records == 1
    assert (site.out / "pagefind/pagefind-ui.js").is_file()
    assert not (site.out / "_pagefind").exists()


def test_crawl_under_the_subpath_finds_no_404_and_no_url_outside_it(site):
    with serve(site.out, "/repo/") as root:
        origin = root[: -len("/repo/")]
        queue = [root]
        seen: set[str] = set()
        failures = []
        while queue:
            url = queue.pop().split("#")[0]
            if url in seen or urlsplit(url).netloc != urlsplit(root).netloc:
                continue
            seen.add(url)
            status, body = fetch(url)
            if status != 200:
                failures.append(f"{status} {url}")
                continue
            kind = "html" if url.endswith(("/", ".html")) else "css" if url.endswith(".css") else ""
            for found in references(url, body, kind):
                path = urlsplit(found).path
                if urlsplit(found).netloc == urlsplit(root).netloc:
                    assert path.startswith("/repo/"), f"{url} refers to {found}, outside /repo/"
                queue.append(found)
        assert failures == []
        assert f"{origin}/repo/assets/search.js" in seen
        assert len([u for u in seen if u.endswith("/")]) > 10


def test_the_search_page_asks_for_the_manifest_of_the_shards_while_it_loads(site):
    head = BeautifulSoup((site.out / "search/index.html").read_text(encoding="utf-8"), "html.parser").head
    preloads = [(link["href"], link["as"], link.get("crossorigin")) for link in head.find_all("link", rel="preload")]
    assert preloads == [("/repo/pagefind/shards.json", "fetch", "")]
    assert (site.out / "pagefind/shards.json").is_file()


def test_search_page_finds_the_article_and_loads_every_pagefind_file_under_the_subpath(site, browser):
    with serve(site.out, "/repo/") as root:
        page = browser.new_page()
        failed, requested = [], []
        page.on("request", lambda request: requested.append(request.url))
        page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.goto(root + "search/?q=Mosul")
        expected = ["/repo/articles/retreat/", "/repo/entities/mosul/"]
        wait_for_results(page, expected)
        assert page.input_value(INPUT) == "Mosul"
        links = hrefs(page)
        assert set(expected) <= set(links)
        assert any("/repo/pagefind/" in url and url.endswith(".pf_meta") for url in requested)
        fetched = [url for url in requested if urlsplit(url).scheme != "blob"]  # Pagefind's worker is started from a blob
        assert all(urlsplit(url).path.startswith("/repo/") for url in fetched)
        assert failed == []


def test_the_index_holds_articles_entities_and_terms_with_their_filters(site, browser):
    with serve(site.out, "/repo/") as root:
        page = browser.new_page()
        page.goto(root)
        index = page.evaluate(
            """async () => {
                const pagefind = await import('/repo/pagefind/pagefind.js');
                await pagefind.options({ baseUrl: '/repo/' });
                const all = await pagefind.search(null, { sort: { date: 'desc' }, filters: {} });
                const records = {};
                for (const result of (await pagefind.search('mosul')).results.concat((await pagefind.search('caliphate')).results)) {
                    const data = await result.data();
                    records[data.url] = { title: data.meta.title, date: data.meta.date || null, summary: data.meta.summary || null, filters: data.filters };
                }
                return { filters: await pagefind.filters(), records };
            }"""
        )
    article = index["records"]["/repo/articles/retreat/"]
    assert article["title"] == "Retreat reveals plots"
    assert article["date"] == "27 November 2016" and article["summary"] == "Plots uncovered."
    assert article["filters"] == {
        "type": ["article"], "year": ["2016"], "source": ["The Telegraph"], "tag": ["Iraq"], "entity": ["Mosul"],
    }
    assert index["records"]["/repo/entities/mosul/"]["filters"] == {"type": ["entity"], "kind": ["Place"]}
    term = index["records"]["/repo/glossary/#caliphate"]
    assert term["title"] == "caliphate" and term["filters"] == {"type": ["term"]}
    assert term["summary"] == "A state ruled by a caliph.", "the definition as plain text, without Markdown"
    assert index["filters"]["type"] == {"article": 1, "entity": 1, "term": 1}


def indexed_text(site: Archive) -> dict[str, str]:
    """The text Pagefind holds for each page, by URL, as its fragment files keep it."""
    texts = {}
    for fragment in (site.out / "pagefind").rglob("*.pf_fragment"):
        data = gzip.decompress(fragment.read_bytes())
        record = json.loads(data[data.index(b"{") :])
        texts[record["url"]] = record["content"]
    return texts


def test_the_indexed_text_has_no_space_before_the_punctuation_after_a_mention_in_emphasis(tmp_path):
    archive = Archive.create(tmp_path / "site", DEFAULT_SITE_TOML.replace("enabled = false", "enabled = true"))
    archive.write("content/entities/mosul.md", ENTITY)
    archive.write("content/entities/iraq.md", '---\nname: "Iraq"\nkind: place\nsummary: "A country."\n---\n')
    archive.article("2016-11-27-a", title="Advance", date="2016-11-27", body="Troops held *Iraq*, including **Mosul**, and more.")
    archive.build()
    assert "Troops held Iraq, including Mosul, and more." in indexed_text(archive)["/articles/a/"]


def test_every_page_has_a_search_box_that_works_without_javascript(site):
    for name in ("index.html", "articles/retreat/index.html", "entities/mosul/index.html", "404.html"):
        form = site.html(name).find("form", role="search")
        assert form["action"] == "/repo/search/" and form["method"] == "get"
        assert form.find("input", attrs={"name": "q"})["type"] == "search"


def test_no_search_option_skips_the_index_and_says_so(site, tmp_path):
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "sitegen", "build", "--root", str(site.root), "--out", str(out), "--no-search"],
        capture_output=True, text=True, check=True,
    )
    assert "Search index skipped (--no-search)" in result.stdout
    assert not (out / "pagefind").exists()


def test_the_type_filter_narrows_the_results(site, browser):
    with serve(site.out, "/repo/") as root:
        page = browser.new_page()
        page.goto(root + "search/?q=Mosul")
        wait_for_results(page, ["/repo/articles/retreat/", "/repo/entities/mosul/"])
        wait_until_done(page)
        everything = page.locator(RESULT_LINK).count()
        page.locator('#search input.search-filter-checkbox[name="type"][value="article"]').check()
        page.wait_for_function(
            f"document.querySelectorAll({RESULT_LINK!r}).length < {everything}", timeout=15000
        )
        links = hrefs(page)
        assert links == ["/repo/articles/retreat/"]


# --- a dead or silent indexer -------------------------------------------------------------

# Stand-ins for Pagefind's binary, put in place with $PAGEFIND_BINARY_PATH. Each
# notes the ids of its processes in `pids` beside it.
NEVER_ANSWERS = """#!/bin/sh
echo $$ >> "$(dirname "$0")/pids"
sleep 300 &
echo $! >> "$(dirname "$0")/pids"
wait
"""
PANICS = """#!/bin/sh
echo $$ >> "$(dirname "$0")/pids"
echo "thread 'main' panicked at pagefind/src/index/mod.rs:308:9:" >&2
echo "byte index 41 is out of range" >&2
echo "note: run with \\`RUST_BACKTRACE=1\\` environment variable to display a backtrace" >&2
exit 101
"""
CLOSES_ITS_OUTPUT = """#!/bin/sh
echo $$ >> "$(dirname "$0")/pids"
exec >&-
exec sleep 300
"""
# Answers the request for a new index as Pagefind does, then dies on the first page.
CRASHES_ON_A_PAGE = f"""#!{sys.executable}
import base64, json, os, sys
with open(os.path.join(os.path.dirname(__file__), "pids"), "a") as pids:
    pids.write(f"{{os.getpid()}}\\n")
def request():
    data = b""
    while not data.endswith(b","):
        data += sys.stdin.buffer.read(1)
    return json.loads(base64.b64decode(data[:-1]))
answer = {{"message_id": request()["message_id"], "payload": {{"type": "NewIndex", "index_id": 0}}}}
sys.stdout.buffer.write(base64.b64encode(json.dumps(answer).encode()) + b",")
sys.stdout.flush()
request()
os.abort()
"""

FAILING_INDEXERS = {
    "never-answers": (NEVER_ANSWERS, "site.toml: error: Pagefind gave no answer for 1 second while starting: "
                      "if the site is very large, raise `timeout` (seconds) under [search]"),
    "panics": (PANICS, "{binary}: error: Pagefind stopped with exit code 101 while starting: "
               "thread 'main' panicked at pagefind/src/index/mod.rs:308:9: byte index 41 is out of range"),
    "closes-its-output": (CLOSES_ITS_OUTPUT, "{binary}: error: Pagefind closed its output while starting"),
    "crashes-on-a-page": (CRASHES_ON_A_PAGE, "{binary}: error: Pagefind was killed by signal SIGABRT while indexing articles/retreat/index.html"),
}  # fmt: skip


def searchable_archive(root, timeout: int | None = None) -> Archive:
    archive = Archive(root)
    settings = "enabled = true" + (f"\ntimeout = {timeout}" if timeout else "")
    archive.write("site.toml", DEFAULT_SITE_TOML.replace("enabled = false", settings))
    archive.write("content/articles/2016-11-27-retreat.md", "---\ntitle: Retreat\ndate: 2016-11-27\n---\n\nTroops advanced.\n")
    return archive


def fake_pagefind(folder, script: str):
    folder.mkdir()
    binary = folder / "pagefind"
    binary.write_text(script, encoding="utf-8")
    binary.chmod(0o755)
    return binary


def build_with(archive: Archive, binary) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "sitegen", "build", "--quiet", "--root", str(archive.root)],
        env={**os.environ, "PAGEFIND_BINARY_PATH": str(binary)}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return result, time.monotonic() - started


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")  # a zombie has ended; it only waits to be reaped


def leftovers(archive: Archive) -> list[str]:
    """Staging and scratch folders left beside the output (not the spare: the previous
    site, kept on purpose as the next build's stage, sitegen/pipeline/spare_site.py)."""
    spare = spare_folder(archive.out).name
    return sorted(path.name for path in archive.root.iterdir() if path.name.startswith("._site") and path.name != spare)


@pytest.mark.parametrize(("script", "error"), list(FAILING_INDEXERS.values()), ids=list(FAILING_INDEXERS))
def test_a_failing_indexer_fails_the_build_at_once_with_a_located_error_and_leaves_nothing_behind(tmp_path, script, error):
    archive = searchable_archive(tmp_path / "site", timeout=1 if script == NEVER_ANSWERS else None)
    binary = fake_pagefind(tmp_path / "bin", script)

    result, seconds = build_with(archive, binary)

    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines()[0] == error.format(binary=binary) + "; rebuild with --no-search to skip it"
    assert "Traceback" not in result.stderr
    assert seconds < 20
    pids = [int(pid) for pid in (binary.parent / "pids").read_text().split()]
    assert pids and [pid for pid in pids if running(pid)] == []
    assert leftovers(archive) == [] and not archive.out.exists()


def test_a_silent_indexer_over_an_existing_site_leaves_no_scratch_folder(tmp_path):
    archive = searchable_archive(tmp_path / "site", timeout=1)
    archive.build()
    binary = fake_pagefind(tmp_path / "bin", NEVER_ANSWERS)
    archive.article("2017-01-01-later", title="Later", date="2017-01-01")

    result, seconds = build_with(archive, binary)

    assert result.returncode == 1 and "Pagefind gave no answer for 1 second" in result.stderr
    assert seconds < 20
    assert [pid for pid in map(int, (binary.parent / "pids").read_text().split()) if running(pid)] == []
    assert leftovers(archive) == []


def test_a_language_pagefind_cannot_take_is_an_error_in_site_toml(tmp_path):
    archive = searchable_archive(tmp_path / "site")
    archive.write("site.toml", (archive.root / "site.toml").read_text().replace("[site]\n", f'[site]\nlanguage = "{"e" * 40}"\n'))

    result = subprocess.run(
        [sys.executable, "-m", "sitegen", "build", "--root", str(archive.root)], capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == f'site.toml:2: error: [site] language "{"e" * 40}" is not a language tag such as "en" or "pt-BR"'
