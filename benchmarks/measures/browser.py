"""The search page in Chromium: data transferred and time to the first result.

The built site is served from a local HTTP server (127.0.0.1 only, a bounded
number of request threads, each with a socket time-out) under the base URL's
path, and opened in Debian's Chromium through Playwright, in a new browser
context (an empty cache):

1. one-word query: the page `search/?q=WORD` is opened, which is where the
   search box on every page submits to. The time is from the start of that
   navigation (the submission) to the moment the first result link is
   inserted into the page (Pagefind's UI inserts it once the result's
   fragment has loaded), measured in the page with `performance.now()` and a
   MutationObserver installed before any script of the page runs.
2. the same query with one filter: on that page, once the query's search is
   over (below), the filter's checkbox (`name`=`value`) is clicked.
   The time is from the click to the first result link of the new results
   (Pagefind's UI waits 300 ms after a filter changes before searching: that
   is included). The data counted are those of the whole visit: the
   query's, then the filter's.

Each step's data are counted once its search is over: the page says so
(`data-state="done"` on its search root, once every shard a search needs has
answered and the results shown have loaded) and the network has then been
idle for half a second. (Idle network alone could come while the page still
works on a search, with more to load.)

Data transferred are the response bodies, as Chromium received them, of every
request except the page's own scripts, style sheets, documents, images, fonts
and WebAssembly (`*.js`, `*.css`, `*.wasm`, Pagefind's `wasm.*.pagefind`):
that is, the search index's entry file, metadata, index chunks, filter
files and result fragments.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
import tomllib
from pathlib import Path, PurePosixPath
from urllib.parse import quote, urlsplit

from measures.processes import MeasureFailed, Sample

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
RESULT_SELECTOR = ".search-result-link"
DONE_SELECTOR = '#search[data-state="done"]'  # the search page once its search is over
TIMEOUT_MS = 120_000  # for any one step in the browser
SERVER_THREADS = 16
SERVER_SOCKET_TIMEOUT = 30  # seconds

NOT_SEARCH_DATA_TYPES = {"document", "stylesheet", "script", "image", "font", "media", "manifest"}
NOT_SEARCH_DATA_SUFFIXES = (  # the page's own files, however the browser classed the request
    ".js", ".mjs", ".css", ".wasm", ".html", ".svg", ".ico", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".woff", ".woff2",
)

# Runs before the page's own scripts: notes when a result link is first inserted, and the first
# one inserted after `window.__bench.mark` is set.
OBSERVER = """
window.__bench = { first: null, mark: null, afterMark: null };
new MutationObserver((records) => {
  const now = performance.now();
  const bench = window.__bench;
  for (const record of records) {
    for (const node of record.addedNodes) {
      if (node.nodeType === 1 && (node.matches(%(selector)s) || node.querySelector(%(selector)s))) {
        if (bench.first === null) bench.first = now;
        if (bench.mark !== null && bench.afterMark === null) bench.afterMark = now;
        return;
      }
    }
  }
}).observe(document, { subtree: true, childList: true });
"""

CLICK = """
([name, value]) => {
  const box = [...document.querySelectorAll('input[type="checkbox"]')].find((b) => b.name === name && b.value === value);
  if (!box) return null;
  window.__bench.mark = performance.now();
  box.click();
  return window.__bench.mark;
}
"""


def available() -> str:
    """Why the browser measure cannot run here, or "" when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (it comes with the test extras: pip install -e '.[test]')"
    if not Path(CHROMIUM).is_file():
        return f"no Chromium at {CHROMIUM}"
    return ""


def base_path(archive: Path) -> str:
    """The path of the archive's base URL (`/archive/`), under which the site is served."""
    with open(archive / "site.toml", "rb") as file:
        url = tomllib.load(file)["site"]["base_url"]
    path = urlsplit(url).path or "/"
    return path if path.endswith("/") else path + "/"


def is_search_data(url: str, resource_type: str) -> bool:
    if resource_type in NOT_SEARCH_DATA_TYPES:
        return False
    name = PurePosixPath(urlsplit(url).path).name
    return not (name.endswith(NOT_SEARCH_DATA_SUFFIXES) or (name.startswith("wasm.") and name.endswith(".pagefind")))


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the output folder under `prefix` only (/archive/), as a project site is served."""

    prefix = "/"
    timeout = SERVER_SOCKET_TIMEOUT

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "\x00-outside-the-prefix")  # a path that never exists
        return super().translate_path("/" + path[len(self.prefix):])

    def log_message(self, *args) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    """At most SERVER_THREADS requests at once; a connection beyond that waits for a free thread."""

    daemon_threads = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.slots = threading.BoundedSemaphore(SERVER_THREADS)

    def process_request(self, request, client_address):
        self.slots.acquire()
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


@contextlib.contextmanager
def serve(directory: Path, prefix: str):
    """Yield the root URL of a loopback HTTP server for `directory` under `prefix`."""
    handler = type("Handler", (_Handler,), {"prefix": prefix})
    server = _Server(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()


class Transfers:
    """Every finished request of a browser context: its URL, resource type and body size."""

    def __init__(self):
        self.requests: list[tuple[str, str, int]] = []

    def __call__(self, request) -> None:
        try:
            size = request.sizes()["responseBodySize"]
        except Exception:  # sizes are gone for a request the page dropped
            size = 0
        self.requests.append((request.url, request.resource_type, max(size, 0)))

    def search_data(self, start: int = 0) -> tuple[int, list[dict]]:
        counted = [
            {"file": PurePosixPath(urlsplit(url).path).name, "bytes": size}
            for url, kind, size in self.requests[start:]
            if is_search_data(url, kind)
        ]
        return sum(item["bytes"] for item in counted), counted


WORD_MEASURES = ("browser_word_ms", "browser_word_bytes")
FILTER_MEASURES = ("browser_filter_ms", "browser_filter_bytes")


def search_page(site: Path, archive: Path, word: str, filter_name: str, filter_value: str) -> tuple[dict[str, Sample], dict]:
    """The browser samples (WORD_MEASURES, then FILTER_MEASURES) and their details.

    When the query works but the filter step does not, only the query's samples
    come back, and details["filter_error"] says why; when the query fails, MeasureFailed.
    """
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    details: dict = {"word": word, "filter": f"{filter_name}={filter_value}"}
    samples: dict[str, Sample] = {}
    observer = OBSERVER % {"selector": repr(RESULT_SELECTOR)}
    try:
        with serve(site, base_path(archive)) as root, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                context = browser.new_context()
                transfers = Transfers()
                context.on("requestfinished", transfers)
                page = context.new_page()
                page.set_default_timeout(TIMEOUT_MS)
                page.add_init_script(observer)
                page.goto(f"{root}search/?q={quote(word)}")
                page.wait_for_function("window.__bench.first !== null")
                page.wait_for_selector(DONE_SELECTOR, state="attached")
                page.wait_for_load_state("networkidle")
                word_bytes, details["word_files"] = transfers.search_data()
                samples["browser_word_ms"] = Sample(page.evaluate("window.__bench.first") / 1000)
                samples["browser_word_bytes"] = Sample(bytes=word_bytes)
                details["word_message"] = _message(page)
                # For the record: how much of that time went into loading the page and its scripts.
                details["page_loaded_ms"] = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
                before_filter = len(transfers.requests)
                try:
                    if page.evaluate(CLICK, [filter_name, filter_value]) is None:
                        raise MeasureFailed(f"the search page shows no filter {filter_name}={filter_value} for {word!r}")
                    page.wait_for_function("window.__bench.afterMark !== null")
                    page.wait_for_selector(DONE_SELECTOR, state="attached")  # set back to "searching" by the click
                    page.wait_for_load_state("networkidle")
                except (MeasureFailed, PlaywrightError) as exc:
                    details["filter_error"] = str(exc).splitlines()[0]
                else:
                    filter_bytes, details["filter_files"] = transfers.search_data(before_filter)
                    samples["browser_filter_ms"] = Sample(page.evaluate("window.__bench.afterMark - window.__bench.mark") / 1000)
                    samples["browser_filter_bytes"] = Sample(bytes=word_bytes + filter_bytes)
                    details["filter_only_bytes"] = filter_bytes
                    details["filter_message"] = _message(page)
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise MeasureFailed(f"search page: {str(exc).splitlines()[0]}") from None
    return samples, details


def _message(page) -> str | None:
    """The search page's line above the results ("12 results for “election”"), for the record."""
    element = page.query_selector(".search-status")
    return element.text_content() if element else None
