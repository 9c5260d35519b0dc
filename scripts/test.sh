#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh machine, then runs it.
# Browser tests drive Debian's Chromium (no browser download); it is installed
# with apt when missing and this runs as root (as on CI).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is missing: install it (sudo apt-get install chromium) for the browser tests." >&2
  fi
fi
python3 -m venv .venv
.venv/bin/pip install --quiet -e ".[test]"
exec .venv/bin/python -m pytest "$@"
