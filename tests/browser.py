"""Serving a built site on 127.0.0.1 and opening it in Debian's Chromium."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


class _PrefixHandler(http.server.SimpleHTTPRequestHandler):
    """Serves `directory` only under `prefix` (such as /repo/), like a GitHub project site."""

    prefix = "/"

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "\x00-outside-the-prefix")  # a path that never exists
        return super().translate_path("/" + path[len(self.prefix) :])

    def log_message(self, *args) -> None:
        """Nothing: the test output stays quiet."""


@contextlib.contextmanager
def serve(directory: Path, prefix: str = "/"):
    """Yield the base URL of a loopback HTTP server for `directory` under `prefix`."""
    handler = type("Handler", (_PrefixHandler,), {"prefix": prefix})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def example_site(root: Path):
    """The example archive copied into `root`, built without search, served under
    /archive/ as it is published and opened in Chromium: yields (base URL, browser)."""
    from conftest import copy_example_archive

    archive = copy_example_archive(root)
    archive.build(search=False)
    with serve(archive.out, "/archive/") as base, chromium() as browser:
        yield base, browser


# Fixtures every test file may use (conftest.py loads this module as a plugin): a test
# that takes `browser` shares one Chromium with the other tests of its file.


@pytest.fixture(scope="module")
def chromium_for_the_module():
    """One Chromium for the tests of a file: starting it takes a second or two."""
    with chromium() as browser:
        yield browser


@pytest.fixture
def browser(chromium_for_the_module):
    """The file's Chromium; each test opens its pages in contexts of their own (new_page
    makes one), closed after it, so that no test sees another's cache, storage or routes."""
    yield chromium_for_the_module
    for context in chromium_for_the_module.contexts:
        context.close()
