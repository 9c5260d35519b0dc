#!/usr/bin/env python3
"""Lighthouse scores of the example archive, a quality gate for readers.

Builds the repository's example archive (with search) into a temporary folder, serves it on
127.0.0.1 under the path of site.toml's base_url (as it is published), and runs Lighthouse with its
default mobile preset on one page of each kind readers land on: the article, an entity page, the
timeline and the search page. Prints the four category scores per page as a Markdown table and
exits with 1 when any score is below 95. Each page is measured RUNS times (3; `--runs N`) and
each score is the median of its runs, as Lighthouse advises: its performance score follows how busy
the machine is.

Lighthouse comes from the npm registry into .cache/npm (git ignores it), like axe-core in
scripts/test.sh; Chromium is Debian's (CHROME_PATH, /usr/bin/chromium by default). This is not part
of the test suite: it takes a minute or two and needs npm.

    .venv/bin/python scripts/lighthouse.py [--runs N]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import os
import subprocess
import sys
import statistics
import tempfile
import threading
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

REPOSITORY = Path(__file__).resolve().parent.parent
NPM_PREFIX = REPOSITORY / ".cache/npm"
LIGHTHOUSE = NPM_PREFIX / "node_modules/.bin/lighthouse"
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update"
PAGES = {
    "article": "articles/islamic-state-retreat-reveals-terror-plots/",
    "entity": "entities/mosul/",
    "timeline": "timeline/2016/",  # a page of events; the index only lists the pages
    "search": "search/",
}
CATEGORIES = {"performance": "Performance", "accessibility": "Accessibility", "best-practices": "Best practices", "seo": "SEO"}
THRESHOLD = 95
RUNS = 3


def install_lighthouse() -> None:
    if LIGHTHOUSE.exists():
        return
    # axe-core comes along so that installing one does not prune the other from the folder.
    subprocess.run(
        ["npm", "install", "--prefix", str(NPM_PREFIX), "--no-save", "--no-audit", "--no-fund", "--silent",
         "lighthouse@12", "axe-core@4"],
        check=True,
    )


def build(output: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "sitegen", "build", "--root", str(REPOSITORY), "--out", str(output), "--no-cache", "-q"],
        check=True,
    )


@contextlib.contextmanager
def serve(root: Path):
    """A loopback HTTP server for `root`; yields its origin."""
    handler = type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *args: None})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def scores(url: str) -> dict[str, int]:
    run = subprocess.run(
        [str(LIGHTHOUSE), url, "--output=json", "--output-path=stdout", "--quiet",
         f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}"],
        capture_output=True, text=True, env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")},
    )
    if run.returncode != 0:
        sys.exit(f"lighthouse failed on {url}:\n{run.stderr}")
    report = json.loads(run.stdout)
    if os.environ.get("LIGHTHOUSE_REPORTS"):  # keep the whole reports, to see what lowers a score
        folder = Path(os.environ["LIGHTHOUSE_REPORTS"])
        folder.mkdir(parents=True, exist_ok=True)
        (folder / (urlsplit(url).path.strip("/").replace("/", "_") + ".json")).write_text(run.stdout, encoding="utf-8")
    return {key: round(100 * (report["categories"][key]["score"] or 0)) for key in CATEGORIES}


def median_scores(url: str, runs: int) -> dict[str, int]:
    each = [scores(url) for _ in range(runs)]
    return {key: round(statistics.median(run[key] for run in each)) for key in CATEGORIES}


def main() -> int:
    parser = argparse.ArgumentParser(description="Lighthouse scores of the example archive's pages.")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs per page, of which the median counts (default {RUNS})")
    runs = max(1, parser.parse_args().runs)
    install_lighthouse()
    config = tomllib.loads((REPOSITORY / "site.toml").read_text(encoding="utf-8"))
    prefix = urlsplit(config["site"]["base_url"]).path.strip("/")
    with tempfile.TemporaryDirectory(prefix="sitegen-lighthouse-") as scratch:
        www = Path(scratch)
        output = www / prefix if prefix else www / "site"
        build(output)
        table = {}
        with serve(www) as origin:
            base = f"{origin}/{prefix}/" if prefix else f"{origin}/site/"
            for name, path in PAGES.items():
                table[name] = median_scores(base + path, runs)
    print("| Page | " + " | ".join(CATEGORIES.values()) + " |")
    print("|---|" + "---:|" * len(CATEGORIES))
    for name, row in table.items():
        print(f"| {name} (`{PAGES[name]}`) | " + " | ".join(str(row[key]) for key in CATEGORIES) + " |")
    low = [f"{name} {CATEGORIES[key]} {score}" for name, row in table.items() for key, score in row.items() if score < THRESHOLD]
    if low:
        print(f"\nbelow {THRESHOLD}: " + ", ".join(low), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
