"""axe-core in the browser: the violations of a page in the state a reader sees it.

axe-core comes from the npm registry, which scripts/test.sh installs into .cache/npm;
AXE_CORE_JS names another copy of axe.min.js.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import search_page

REPOSITORY = Path(__file__).resolve().parent.parent
AXE_CORE = Path(os.environ.get("AXE_CORE_JS") or REPOSITORY / ".cache/npm/node_modules/axe-core/axe.min.js")


def require_axe_core() -> None:
    if not AXE_CORE.is_file():
        pytest.fail(
            f"axe-core is missing at {AXE_CORE}: run scripts/test.sh, or "
            "npm install --prefix .cache/npm --no-save --no-audit --no-fund axe-core@4"
        )


def axe_violations(page, rules: list[str] | None = None) -> list[dict]:
    """Every violation axe-core finds, whatever its impact, of `rules` or of every rule."""
    page.add_script_tag(path=str(AXE_CORE))
    options = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    results = page.evaluate("options => axe.run(document, options)", options)
    return [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [" >>> ".join(map(str, node["target"])) for node in v["nodes"]][:8],
            "summary": v["nodes"][0].get("failureSummary", "").replace("\n", " ")[:300] if v["nodes"] else "",
        }
        for v in results["violations"]
    ]


def prepare(page, kind: str, query: str = "Mosul") -> None:
    """Bring a page of this kind to the state a reader sees, so that what only appears later is
    checked too; `query` is a word the search finds."""
    if kind == "search":
        # search.js adds the results and filters to the form; check them on screen, and the header's live results.
        page.fill(search_page.INPUT, query)
        page.wait_for_selector(search_page.RESULT, timeout=10_000)
        page.wait_for_selector("#search .search-filter-group", state="attached")
        page.evaluate("document.querySelector('#search details.search-filters').open = true")
        # with the filters counted on demand (entity, tag, source) opened and counted, as a reader opens them
        for name in page.eval_on_selector_all("#search details.search-filter-more", "groups => groups.map(group => group.dataset.filter)"):
            search_page.open_filter(page, name)
        # and the header box's live results (on phones, behind the header's Search button)
        page.evaluate("getComputedStyle(document.querySelector('.site-search')).display === 'none' && document.querySelector('.search-button').click()")
        page.fill("#site_search_query", query)
        page.wait_for_selector(".site-search-results:not([hidden]) .site-search-result", timeout=10_000)
    if kind == "article":
        # On phones the side-notes fold behind toggles: open them all so their colours are checked.
        page.evaluate("document.querySelectorAll('.sidenote-toggle').forEach(t => { t.checked = true; })")
        # and the entity hover card
        page.locator("a.mention[data-entity]").first.focus()
        page.wait_for_selector("#sitegen-entity-card:not([hidden])")
        # and a glossary definition with its link
        page.locator("a.term").first.hover()
        page.wait_for_selector(".term-tip.is-open")
