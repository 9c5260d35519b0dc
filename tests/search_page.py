"""Driving the search page in a browser: the selectors of sitegen's search markup (search.js) in one place."""

from __future__ import annotations

import re

INPUT = "#search input[type=search]"
RESULT = "#search .search-result"
RESULT_LINK = "#search .search-result-link"
STATUS = "#search .search-status"
MORE = "#search .search-more"


def target(href: str) -> str:
    """Where a result leads, without the `highlight` parameter that marks the searched words there."""
    return re.sub(r"\?highlight=[^#]*", "", href)


def hrefs(page) -> list[str]:
    return [target(link.get_attribute("href")) for link in page.query_selector_all(RESULT_LINK)]


def wait_until_done(page) -> None:
    page.wait_for_selector("#search[data-state=done]", timeout=15000)


def wait_for_results(page, expected: list[str]) -> None:
    """Results are rendered once their data has loaded: wait for all of these, not the first."""
    page.wait_for_function(
        """hrefs => hrefs.every(href => [...document.querySelectorAll('#search .search-result-link')]
                                        .some(a => a.getAttribute('href').replace(/\\?highlight=[^#]*/, '') === href))""",
        arg=expected,
        timeout=15000,
    )


def result_count(page) -> int:
    """How many results the page says it found."""
    page.wait_for_selector(f"{STATUS}[data-total]", timeout=15000)
    wait_until_done(page)
    return int(page.get_attribute(STATUS, "data-total"))


def result_links(page) -> list[str]:
    """The targets of every result, all of them shown, sorted."""
    total = result_count(page)
    while page.locator(RESULT_LINK).count() < total:
        if page.locator(f"{MORE}:not([hidden])").count():
            page.click(MORE)
        page.wait_for_timeout(100)
    return sorted(hrefs(page))


def filter_checkbox(page, name: str, value: str):
    return page.locator(f'#search input.search-filter-checkbox[name="{name}"][value="{value}"]')


def filter_counts(page) -> dict[str, dict[str, int]]:
    """The filter panel as a reader sees it: {filter: {value: count}}."""
    return page.evaluate(
        """() => {
            const counts = {};
            for (const group of document.querySelectorAll('#search .search-filter-group')) {
                const name = group.getAttribute('data-filter');
                counts[name] = {};
                for (const value of group.querySelectorAll('.search-filter-value')) {
                    counts[name][value.querySelector('input').value] = Number(value.querySelector('.search-filter-count').textContent);
                }
            }
            return counts;
        }"""
    )


def open_filter(page, name: str) -> None:
    """Opens the filter `name` that is counted on demand (entity, tag, source) and waits until it is counted."""
    page.click(f'#search details[data-filter="{name}"] > summary', timeout=15000)
    wait_until_counted(page, name)


def wait_until_counted(page, name: str) -> None:
    page.wait_for_function(
        """name => {
            const group = document.querySelector(`#search details[data-filter="${name}"]`);
            const note = group && group.querySelector('.search-filter-note');
            return group && group.open && !(note && note.textContent === 'Counting…')
                && document.querySelector('#search').getAttribute('data-state') === 'done';
        }""",
        arg=name,
        timeout=15000,
    )
