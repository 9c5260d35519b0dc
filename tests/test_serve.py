"""`sitegen serve`: the site under its base path, live reload, and the error banner.

Each server is the real command in a subprocess on a port the system picks
(`--port 0`; the test reads the URL it prints), stopped with Ctrl-C (SIGINT):
it must exit 0 and say "Stopped.". Live reload and the error
banner are checked in Debian's Chromium through Playwright.
"""

from __future__ import annotations

import contextlib
import csv
import http.client
import io
import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import DEFAULT_SITE_TOML, Archive, article_text, parse_html

from sitegen.dev.serve import PreviousIndex, ServeState, open_server, parse_since

BASE_URL = "https://example.org/repo/"
SNIPPET = re.compile(rb"<script data-sitegen-live-reload>.*?</script>\n?", re.DOTALL)
ENTITY = '---\nname: "Mosul"\nkind: place\nsummary: "A city in northern Iraq."\n---\nThe city on the Tigris.\n'
DEADLINE = 15.0


def get(url: str) -> tuple[int, http.client.HTTPResponse, bytes]:
    """GET without following redirects: (status, response, body)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        response = connection.getresponse()
        return response.status, response, response.read()
    finally:
        connection.close()


def without_snippet(body: bytes) -> bytes:
    assert len(SNIPPET.findall(body)) == 1, "expected exactly one live-reload snippet"
    return SNIPPET.sub(b"", body)


def make_archive(root: Path) -> Archive:
    site = Archive.create(root, DEFAULT_SITE_TOML.replace("https://example.org/", BASE_URL))
    site.article("one", title="One", date="2020-01-02", body="The first text.", entities="[mosul]")
    site.article("two", title="Two", date="2021-03-04", body="The second text.", tags="[Iraq]")
    site.write("content/entities/mosul.md", ENTITY)
    site.write("content/static/data.bin", bytes(range(256)) * 4)
    site.write("content/static/notes.txt", "Plain text, not HTML.\n")
    return site


class Server:
    """`sitegen serve` in a subprocess, with its output collected line by line."""

    def __init__(self, archive: Archive):
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sitegen", "serve", "--root", str(archive.root), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.readers = [
            threading.Thread(target=lambda stream=stream, lines=lines: lines.extend(stream), daemon=True)
            for stream, lines in ((self.process.stdout, self.stdout), (self.process.stderr, self.stderr))
        ]
        for reader in self.readers:
            reader.start()
        try:
            serving = self.wait_for(r"^Serving ")
        except AssertionError:
            self.stop()
            raise
        self.url = re.search(r" at (http://\S+) ", serving).group(1)  # the base path included
        self.port = urlsplit(self.url).port
        self.origin = f"http://127.0.0.1:{self.port}"

    def wait_for(self, pattern: str, stream: str = "stdout", timeout: float = DEADLINE) -> str:
        lines = self.stdout if stream == "stdout" else self.stderr
        deadline = time.monotonic() + timeout
        while True:
            for line in list(lines):
                if re.search(pattern, line):
                    return line
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"no line matching {pattern!r} in {stream}: {self.stdout} {self.stderr}")
            time.sleep(0.05)

    def builds(self) -> int:
        """The number of the latest build reported ("Build 3 after 1 change: ...", "Build 4 failed ...")."""
        found = [re.match(r"Build (\d+)\b", line) for line in self.stdout + self.stderr]
        return max((int(match.group(1)) for match in found if match), default=0)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for reader in self.readers:  # they end with the process's output
            reader.join(timeout=10)
        return self.process.returncode


@contextlib.contextmanager
def sitegen_serve(archive: Archive):
    server = Server(archive)
    try:
        server.wait_for(r"^Build 1: ")  # the watcher listens since before it
        yield server
    finally:
        code = server.stop()
    assert code == 0, server.stderr
    assert "Stopped.\n" in server.stdout, server.stdout
    assert not any("Traceback" in line for line in server.stderr), server.stderr


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One server for the tests that only read."""
    site = make_archive(tmp_path_factory.mktemp("served") / "site")
    with sitegen_serve(site) as server:
        server.archive = site
        yield server


@pytest.fixture
def site(tmp_path) -> Archive:
    return make_archive(tmp_path / "site")


# --- the base path ----------------------------------------------------------------------


def test_the_home_page_is_served_under_the_base_url_path(served):
    status, response, body = get(served.url)
    assert status == 200 and response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert parse_html(body.decode()).select_one(".site-title")["href"] == "/repo/"
    assert without_snippet(body) == (served.archive.out / "index.html").read_bytes()


def test_the_server_root_redirects_to_the_base_path(served):
    status, response, _ = get(served.origin + "/")
    assert status == 302 and response.getheader("Location") == "/repo/"


@pytest.mark.parametrize("path", ["/other/", "/index.html", "/articles/one/", "/repo/no-such-page/"])
def test_a_path_outside_the_site_is_a_404_with_the_404_page(served, path):
    status, _, body = get(served.origin + path)
    assert status == 404
    assert without_snippet(body) == (served.archive.out / "404.html").read_bytes()


def test_the_base_path_without_its_slash_redirects_to_it(served):
    status, response, _ = get(served.origin + "/repo")
    assert status == 302 and response.getheader("Location") == "/repo/"


@pytest.mark.parametrize("path", ["/repo/../site.toml", "/repo/%2e%2e/site.toml", "/repo/../content/articles/one.md"])
def test_a_path_that_climbs_out_of_the_output_folder_is_a_404(served, path):
    status, _, body = get(served.origin + path)
    assert status == 404 and b"base_url" not in body and b"The first text" not in body


def test_a_folder_without_its_slash_redirects_to_it(served):
    status, response, _ = get(served.url + "articles/one")
    assert status == 302 and response.getheader("Location") == "/repo/articles/one/"


# --- what is served is what was built ----------------------------------------------------------


def test_served_html_is_the_built_file_plus_the_snippet_before_body_end(served):
    out = served.archive.out
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 5
    for page in pages:
        relative = page.relative_to(out).as_posix()
        path = relative.removesuffix("index.html")
        status, _, body = get(served.url + path)
        assert status == 200, relative
        assert without_snippet(body) == page.read_bytes(), relative
        assert body.rstrip().endswith(b"</script>\n</body>\n</html>"), relative


def test_non_html_files_are_served_byte_for_byte(served):
    out = served.archive.out
    files = [p for p in sorted(out.rglob("*")) if p.is_file() and p.suffix != ".html"]
    assert {"data.bin", "notes.txt", "sitegen.css", "sitegen.js", "feed.xml", "sitemap.xml"} <= {p.name for p in files}
    for path in files:
        status, _, body = get(served.url + path.relative_to(out).as_posix())
        assert status == 200 and body == path.read_bytes(), path


def test_the_snippet_is_never_written_to_disk(served):
    get(served.url)
    get(served.url + "articles/one/")
    for path, data in served.archive.output_files().items():
        assert b"data-sitegen-live-reload" not in data and b"__sitegen" not in data, path


# --- starting and stopping ---------------------------------------------------------------


def test_a_port_in_use_is_a_clear_error(site):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "sitegen", "serve", "--root", str(site.root), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert f"port {port}" in result.stderr and "in use" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not site.out.exists()  # it stopped before building


def test_port_zero_listens_on_a_free_port_and_prints_the_real_url(served):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/repo/", served.url) and served.port > 0
    status, _, body = get(served.url)
    assert status == 200 and parse_html(body.decode()).select_one(".site-title")["href"] == "/repo/"


@pytest.mark.parametrize("port", ["-1", "65536", "http", "8e3", "9" * 5000])
def test_a_port_that_is_no_port_is_a_usage_error(site, port):
    result = subprocess.run(
        [sys.executable, "-m", "sitegen", "serve", "--root", str(site.root), f"--port={port}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--port" in result.stderr and "is not a port" in result.stderr and len(result.stderr) < 2000
    assert "Traceback" not in result.stderr + result.stdout


# --- hostile requests ----------------------------------------------------------------------

STATUS = "/__sitegen/status?since="
# Request targets sent verbatim (bytes), each with the status it must get. None has
# `since=1`: the first build's version, which would be a long poll.
HOSTILE = {
    b"/archive/%00": 404,  # outside the base path
    b"/repo/archive/%00": 404,
    b"/repo/%00": 404,
    b"/repo/index.html%00.txt": 404,
    b"/repo/" + b"a/" * 3000: 404,
    b"/repo/" + b"%41" * 3000: 404,  # one name longer than the system allows
    b"/repo/" + b"x" * 300 + b"/index.html": 404,
    b"/repo/" + b"%2e%2e/" * 50 + b"etc/passwd": 404,
    b"/repo/..%2f..%2fsite.toml": 404,
    b"/repo/.%2e/site.toml": 404,
    b"/repo/..\\..\\site.toml": 404,
    b"/repo/%ff%fe%fd": 404,
    b"/repo/\xff\xfe": 404,
    b"/repo/%": 404,
    b"/repo/%zz": 404,
    b"/repo/articles/one%0d%0aX-Injected:%20yes": 404,
    b"/__sitegen/status/../../repo/": 404,
    b"*": 404,
    b"http://[x/": 400,
    b"/repo/a b": 400,  # a space splits the request line
    b"/repo/%E5%9C%B0%E5%9B%B3": 302,  # a folder whose name is not Latin-1, without its slash
    b"/repo/" + b"a" * 70_000: 414,
    STATUS.encode() + "²".encode(): 400,
    STATUS.encode() + b"%C2%B2": 400,
    STATUS.encode() + b"%D9%A1": 400,  # an Arabic-Indic one
    STATUS.encode() + b"--5": 400,
    STATUS.encode() + b"9" * 5000: 400,
    STATUS.encode() + b"9" * 19: 400,
    STATUS.encode() + b"1e3": 400,
    STATUS.encode() + b"0x10": 400,
    STATUS.encode() + b"+2": 400,
    STATUS.encode() + b"%202": 400,
    STATUS.encode() + b"%00": 400,
    STATUS.encode() + b"-": 400,
    STATUS.encode() + b"-5": 200,
    STATUS.encode() + b"": 200,
    STATUS.encode() + b"2&since=%00": 200,
}


def status_line(port: int, target: bytes) -> bytes:
    """The first line of the answer to `GET target`, sent as raw bytes on loopback."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        return connection.makefile("rb").readline()


def test_every_hostile_request_gets_a_status_and_the_site_is_still_served(site):
    site.write("content/static/地図/map.txt", "A map.\n")
    with sitegen_serve(site) as server:
        answers = [(target[:60], status_line(server.port, target)) for target in HOSTILE]
        statuses = [(shown, int(line.split()[1]) if line.startswith(b"HTTP/1.") else line) for shown, line in answers]
        assert statuses == [(target[:60], expected) for target, expected in HOSTILE.items()]
        status, _, _ = get(server.url)
        assert status == 200
    assert not any("request failed" in line for line in server.stderr), server.stderr


def test_a_request_that_fails_inside_the_server_gets_a_500_and_one_line_on_stderr(site, capsys):
    class BrokenState(ServeState):
        def wait(self, since, timeout):
            raise RuntimeError("a bug")

    site.build()
    server = open_server("127.0.0.1", 0, site.out, "/repo/", BrokenState())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert status_line(server.server_address[1], b"/__sitegen/status?since=0").startswith(b"HTTP/1.1 500 ")
        assert get(f"http://127.0.0.1:{server.server_address[1]}/repo/")[0] == 200
    finally:
        server.shutdown()
        server.server_close()
    stderr = capsys.readouterr().err
    assert stderr == "sitegen: a request failed: RuntimeError('a bug')\n"


@pytest.mark.parametrize(
    ("query", "since"),
    [("", -1), ("since=", -1), ("since=7", 7), ("since=-1", -1), ("other=1&since=3", 3), ("since=--5", None), ("since=²", None), ("since=1_000", None), ("since=" + "9" * 5000, None)],
)
def test_the_long_poll_takes_a_plain_integer_version(query, since):
    assert parse_since(query) == since


# --- rebuilds seen over HTTP ----------------------------------------------------------------


def status(server: Server, since: int) -> dict:
    """The live-reload long poll: answers when the build version differs from `since`."""
    code, _, body = get(f"{server.origin}/__sitegen/status?since={since}")
    assert code == 200
    return json.loads(body)


def test_an_edit_is_served_and_announced_without_a_restart(site):
    with sitegen_serve(site) as server:
        version = status(server, -1)["version"]
        site.article("one", title="One", date="2020-01-02", body="The edited text.", entities="[mosul]")
        assert status(server, version) == {"version": version + 1, "error": ""}
        _, _, body = get(server.url + "articles/one/")
        assert "The edited text." in parse_html(body.decode()).select_one(".article-body").get_text()
        assert without_snippet(body) == (site.out / "articles/one/index.html").read_bytes()


def test_after_an_edit_the_data_files_are_served_new_once_refreshed_in_the_background(site, tmp_path):
    with sitegen_serve(site) as server:
        site.article("one", title="One, renamed", date="2020-01-02", body="The first text.", entities="[mosul]")
        server.wait_for(r"^Open data refreshed: \d+ files")
        _, _, served_csv = get(server.url + "data/articles.csv")
        titles = [row["title"] for row in csv.DictReader(io.StringIO(served_csv.decode("utf-8"), newline=""))]
        assert "One, renamed" in titles
        assert served_csv == site.clean_build_files(tmp_path)["data/articles.csv"]


def test_a_bad_edit_keeps_the_last_good_page_and_prints_the_error(site):
    with sitegen_serve(site) as server:
        _, _, good = get(server.url + "articles/one/")
        version = status(server, -1)["version"]
        failing = server.builds() + 1
        site.write("content/articles/one.md", article_text(title="One", date="2020-01-02")[:20])
        announced = status(server, version)
        assert announced["version"] == version + 1
        assert announced["error"].startswith("content/articles/one.md:1: error:")
        server.wait_for(r"^content/articles/one\.md:1: error: ", stream="stderr")
        server.wait_for(rf"^Build {failing} failed after 1 change: 1 error; the last good site stays in place", stream="stderr")
        _, _, body = get(server.url + "articles/one/")
        assert without_snippet(body) == without_snippet(good)


# --- in the browser ---------------------------------------------------------------------


def test_an_open_page_reloads_itself_with_the_new_text(site, browser):
    from playwright.sync_api import expect

    with sitegen_serve(site) as server:
        page = browser.new_page()
        page.goto(server.url + "articles/one/")
        expect(page.locator(".article-body")).to_contain_text("The first text.")
        page.evaluate("window.beforeTheEdit = true")
        site.article("one", title="One", date="2020-01-02", body="Text that arrived by itself.", entities="[mosul]")
        expect(page.locator(".article-body")).to_contain_text("Text that arrived by itself.", timeout=DEADLINE * 1000)
        assert page.evaluate("window.beforeTheEdit") is None  # a reload, not a patch
        assert page.url == server.url + "articles/one/"
    for path, data in site.output_files().items():
        assert b"data-sitegen-live-reload" not in data, path


def test_a_bad_edit_shows_the_error_banner_over_the_last_good_page(site, browser):
    from playwright.sync_api import expect

    with sitegen_serve(site) as server:
        page = browser.new_page()
        page.goto(server.url + "articles/one/")
        expect(page.locator(".article-body")).to_contain_text("The first text.")
        page.evaluate("window.beforeTheEdit = true")
        site.write("content/articles/one.md", article_text(title="One", date="2020-01-02")[:20])
        banner = page.locator("#sitegen-build-error")
        expect(banner).to_contain_text("content/articles/one.md:1:", timeout=DEADLINE * 1000)
        assert page.evaluate("window.beforeTheEdit") is True  # no reload onto a broken site
        expect(page.locator(".article-body")).to_contain_text("The first text.")
        fresh = browser.new_page()  # a page opened now shows the last good build, and the banner
        fresh.goto(server.url + "articles/one/")
        expect(fresh.locator(".article-body")).to_contain_text("The first text.")
        expect(fresh.locator("#sitegen-build-error")).to_contain_text("content/articles/one.md:1:")


def test_fixing_a_bad_edit_reloads_the_page_with_the_fix(site, browser):
    from playwright.sync_api import expect

    with sitegen_serve(site) as server:
        page = browser.new_page()
        page.goto(server.url + "articles/one/")
        fixing = server.builds() + 2
        site.write("content/articles/one.md", article_text(title="One", date="2020-01-02")[:20])
        expect(page.locator("#sitegen-build-error")).to_be_visible(timeout=DEADLINE * 1000)
        page.evaluate("window.beforeTheFix = true")
        site.article("one", title="One", date="2020-01-02", body="The fixed text.", entities="[mosul]")
        expect(page.locator(".article-body")).to_contain_text("The fixed text.", timeout=DEADLINE * 1000)
        assert page.evaluate("window.beforeTheFix") is None
        expect(page.locator("#sitegen-build-error")).to_have_count(0)
        server.wait_for(rf"^Build {fixing} after 1 change: ")


# --- the search index a refresh replaced ----------------------------------------------------


@contextlib.contextmanager
def server_over(output: Path, previous: PreviousIndex):
    server = open_server("127.0.0.1", 0, output, "/repo/", ServeState(), previous)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/repo/"
    finally:
        server.shutdown()
        server.server_close()


def write_index(folder: Path, files: dict[str, bytes]) -> None:
    for path, data in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)


def replace_index(output: Path, files: dict[str, bytes]) -> None:
    """A new pagefind/ in the output, the old one deleted, as the refresh leaves them."""
    write_index(output.parent / "new-index", files)
    (output / "pagefind").rename(output.parent / "old-index")
    (output.parent / "new-index").rename(output / "pagefind")
    shutil.rmtree(output.parent / "old-index")


def test_a_file_of_the_index_a_refresh_replaced_is_still_served_while_the_new_one_wins(tmp_path):
    output = tmp_path / "_site"
    write_index(output / "pagefind", {"shards.json": b"old manifest", "articles-2016/fragment/en_old.pf_fragment": b"old fragment"})
    previous = PreviousIndex(output)
    with server_over(output, previous) as root:
        previous.keep()  # as the refresh does before it swaps the new index in
        replace_index(output, {"shards.json": b"new manifest", "articles-2016/fragment/en_new.pf_fragment": b"new fragment"})
        assert get(root + "pagefind/articles-2016/fragment/en_old.pf_fragment")[2] == b"old fragment"
        assert get(root + "pagefind/articles-2016/fragment/en_new.pf_fragment")[2] == b"new fragment"
        assert get(root + "pagefind/shards.json")[2] == b"new manifest"
        assert get(root + "pagefind/articles-2016/fragment/en_none.pf_fragment")[0] == 404
    previous.close()
    assert [path.name for path in tmp_path.iterdir()] == ["_site"], "the kept index is removed when serve stops"


def test_only_the_index_before_the_latest_refresh_is_kept(tmp_path):
    output = tmp_path / "_site"
    write_index(output / "pagefind", {"first.pf_meta": b"first"})
    previous = PreviousIndex(output)
    with server_over(output, previous) as root:
        previous.keep()
        replace_index(output, {"second.pf_meta": b"second"})
        previous.keep()
        replace_index(output, {"third.pf_meta": b"third"})
        assert get(root + "pagefind/second.pf_meta")[2] == b"second"
        assert get(root + "pagefind/first.pf_meta")[0] == 404
    previous.close()


def test_the_kept_index_answers_only_for_pagefind_files_inside_it(tmp_path):
    output = tmp_path / "_site"
    write_index(output / "pagefind", {"x.pf_meta": b"x"})
    previous = PreviousIndex(output)
    previous.keep()
    (tmp_path / "secret.txt").write_text("not for readers")
    kept = previous.folder
    assert previous.find("pagefind/x.pf_meta") == (kept / "pagefind/x.pf_meta").resolve()
    assert previous.find("x.pf_meta") is None and previous.find("pagefind/../../secret.txt") is None
    assert previous.find("pagefind/../pagefind/x.pf_meta") is not None
    previous.close()


def test_a_refreshed_index_reloads_open_pages_and_keeps_the_error_of_the_latest_build():
    state = ServeState()
    state.update("content/articles/one.md:1: error: …")
    state.reload()
    assert (state.version, state.error) == (2, "content/articles/one.md:1: error: …")
