"""How the suite runs: Hypothesis profiles by environment, and the markers
tests/conftest.py applies so that `-m "not slow and not browser"` is a fast run."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from conftest import (
    LONG_SCOPES,
    SLOW_TESTS,
    drives_browser,
    hypothesis_profile,
    longest_first,
    new_processes_profile,
    pagefind_profile,
)
from hypothesis import settings

TESTS = Path(__file__).resolve().parent


@pytest.mark.parametrize(
    ("environ", "profile"),
    [
        ({}, "dev"),
        ({"CI": "false"}, "dev"),
        ({"CI": "true"}, "ci"),
        ({"CI": "1"}, "ci"),
        ({"HYPOTHESIS_PROFILE": "ci"}, "ci"),
        ({"CI": "true", "HYPOTHESIS_PROFILE": "dev"}, "dev"),
    ],
)
def test_the_hypothesis_profile_follows_the_environment(environ, profile):
    assert hypothesis_profile(environ) == profile


def test_ci_tries_200_examples_and_a_developer_a_few_dozen():
    assert settings.get_profile("ci").max_examples == 200
    assert 20 <= settings.get_profile("dev").max_examples <= 50


def test_property_tests_that_run_pagefind_try_fewer_examples_on_the_same_terms():
    assert pagefind_profile({}).max_examples == 15
    ci = pagefind_profile({"CI": "true"})
    assert ci.max_examples == 60 and ci.derandomize and ci.deadline is None


def test_property_tests_that_build_each_step_in_new_processes_try_fewer_examples_on_the_same_terms():
    assert new_processes_profile({}).max_examples == 10
    ci = new_processes_profile({"CI": "true"})
    assert ci.max_examples == 20 and ci.derandomize and ci.deadline is None
    assert new_processes_profile({}, pagefind=True).max_examples < new_processes_profile({}).max_examples


def test_no_test_sets_its_own_number_of_examples():
    setting = re.compile(r"\bmax_examples\s*=(?!=)")  # an argument, not a comparison
    found = [path.name for path in sorted(TESTS.glob("test_*.py")) if setting.search(path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_markers_are_registered(pytestconfig):
    names = {line.split(":")[0] for line in pytestconfig.getini("markers")}
    assert {"slow", "browser"} <= names


# Stand-ins for tests, never run: only their code is looked at.
def _opens_chromium():
    with chromium() as browser:  # noqa: F821
        browser.new_page()


def _expects_with_playwright():
    from playwright.sync_api import expect

    expect(None)


def _calls_a_helper_that_opens_chromium():
    return _opens_chromium()


def _reads_html_only():
    return Path("index.html").read_text()


@pytest.mark.parametrize(
    ("function", "marked"),
    [(_opens_chromium, True), (_expects_with_playwright, True), (_calls_a_helper_that_opens_chromium, True), (_reads_html_only, False)],
)
def test_code_that_drives_the_browser_is_recognised(function, marked):
    assert drives_browser(function, sys.modules[__name__], set()) is marked


@pytest.mark.parametrize("node", sorted(SLOW_TESTS))
def test_every_slow_test_listed_exists(node):
    path, *names = node.split("::")
    source = (TESTS.parent / path).read_text(encoding="utf-8")
    assert re.search(rf"^(def |class )?{re.escape(names[0])}\b", source, re.MULTILINE), f"{node} is gone: update SLOW_TESTS"


@pytest.mark.parametrize("scope", LONG_SCOPES)
def test_every_long_scope_listed_exists(scope):
    path, *names = scope.split("::")
    source = (TESTS.parent / path).read_text(encoding="utf-8")
    for name in names:
        assert re.search(rf"^{re.escape(name)}\b", source, re.MULTILINE), f"{scope} is gone: update LONG_SCOPES"


def test_the_longest_scopes_come_first_each_whole_and_in_its_order():
    class Item:
        def __init__(self, nodeid):
            self.nodeid = nodeid

    collected = [
        "tests/test_a.py::test_one",
        f"{LONG_SCOPES[1]}::test_two[x]",
        f"{LONG_SCOPES[0]}::test_three",
        "tests/test_a.py::test_four",
        f"{LONG_SCOPES[1]}::test_two[y]",
        f"{LONG_SCOPES[0]}::test_five",
    ]
    items = [Item(nodeid) for nodeid in collected]
    longest_first(items)
    assert [item.nodeid for item in items] == [collected[2], collected[5], collected[1], collected[4], collected[0], collected[3]]
