"""Fixture archives built in tmp_path, helpers to read the output as a reader
would, and how the suite runs: Hypothesis profiles and the `slow` and `browser`
markers (see "Running the tests" in README)."""

from __future__ import annotations

import inspect
import os
import signal
import shutil
import tempfile
import textwrap
import types
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import settings

import sitegen.engine.builder
import sitegen.engine.in_place_writer
import sitegen.engine.open_data
import sitegen.engine.staged_writer
from sitegen.engine.builder import BuildOptions, BuildResult, build

# tests/browser.py's fixtures (one Chromium for a file's tests) are there for every test file.
pytest_plugins = ["browser"]

# --- how the suite runs ------------------------------------------------------------------

# Property tests try a few dozen examples while developing and 200 on CI, where
# they are also derandomized (a failure reproduces) and free of time limits.
# Tests stop `sitegen serve` and `watch` with Ctrl-C (SIGINT). A process started
# with SIGINT ignored (a job a non-interactive shell put in the background) passes
# that on to every program it starts, and Python then leaves it ignored: the
# servers would never stop. The test process catches it again, which every
# program it starts inherits as the default.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

settings.register_profile("dev", max_examples=30)
settings.register_profile("ci", max_examples=200, derandomize=True, database=None, deadline=None, print_blob=True)


def hypothesis_profile(environ=os.environ) -> str:
    """HYPOTHESIS_PROFILE when set; otherwise `ci` on CI (CI=true) and `dev` elsewhere."""
    return environ.get("HYPOTHESIS_PROFILE") or ("ci" if environ.get("CI", "").lower() in ("true", "1") else "dev")


settings.load_profile(hypothesis_profile())

# Property tests that run Pagefind at every step (seconds an example) try fewer
# examples, on the same terms otherwise.
settings.register_profile("dev-pagefind", parent=settings.get_profile("dev"), max_examples=15)
settings.register_profile("ci-pagefind", parent=settings.get_profile("ci"), max_examples=60)


def pagefind_profile(environ=os.environ) -> settings:
    """The settings of a property test that runs Pagefind: `ci-pagefind` on CI, else `dev-pagefind`."""
    return settings.get_profile("ci-pagefind" if hypothesis_profile(environ) == "ci" else "dev-pagefind")


# Property tests whose every step is two whole builds in new processes (the
# build under test and a clean one) try fewer still; those that also run
# Pagefind twice a step (about 15 s of CPU an example), a handful.
settings.register_profile("dev-processes", parent=settings.get_profile("dev"), max_examples=10)
settings.register_profile("ci-processes", parent=settings.get_profile("ci"), max_examples=20)
settings.register_profile("dev-processes-pagefind", parent=settings.get_profile("dev"), max_examples=2)
settings.register_profile("ci-processes-pagefind", parent=settings.get_profile("ci"), max_examples=3)


def new_processes_profile(environ=os.environ, pagefind: bool = False) -> settings:
    """The settings of a property test building each step in new processes, with or without Pagefind."""
    name = ("ci" if hypothesis_profile(environ) == "ci" else "dev") + "-processes" + ("-pagefind" if pagefind else "")
    return settings.get_profile(name)

# Tests measured at more than about 5 seconds (pytest --durations=30, `dev`
# profile, a busy two-core machine), by node id without parameters: a test
# with one slow parameter is slow as a whole. Tests that drive the browser are
# marked `browser` whatever their time.
SLOW_TESTS = {
    "tests/test_bad_input.py::test_huge_and_pathological_markdown_builds_within_seconds",  # 7-13 s
    "tests/test_citation.py::test_citation_tags_and_block_are_valid_html",  # the Nu HTML Checker starts Java: 5-17 s
    "tests/test_determinism.py::test_build_is_byte_identical_under",  # 5-7 s
    "tests/test_determinism.py::test_build_is_byte_identical_under_another_locale",  # 8 s
    "tests/test_determinism.py::test_search_index_is_byte_identical_when_everything_changes_at_once",  # 8 s
    "tests/test_incremental.py::TestIncrementalBuilds::runTest",  # 35 s
    "tests/test_incremental.py::TestIncrementalSearchShards::runTest",  # Pagefind runs: 30-60 s
    "tests/test_second_build_property.py::TestSecondBuildProcesses::runTest",  # a clean build and a new process's each step: 150 s
    "tests/test_second_build_property.py::TestSecondBuildSearchShards::runTest",  # Pagefind runs
    "tests/test_search_serve_browser.py::test_an_edit_is_found_by_search_once_its_shard_is_indexed_again_with_the_hits_of_other_shards",  # serve, Pagefind and Chromium: 15 s
    "tests/test_search_serve_browser.py::test_a_page_open_during_the_refresh_reloads_with_the_new_index",
    "tests/test_search_serve_browser.py::test_searches_during_the_refresh_get_the_old_index_or_the_new_one_each_whole",
    "tests/test_packaging.py::test_wheel_and_sdist_are_named_for_pypi_at_the_package_version",  # builds the sdist and wheel once: 20 s
    "tests/test_packaging.py::test_wheel_installs_the_sitegen_command",
    "tests/test_packaging.py::test_wheel_ships_every_file_of_the_theme_and_the_skeleton",
    "tests/test_packaging.py::test_installed_package_builds_an_archive_without_the_source_tree",  # installs the wheel in a venv: 25 s
    "tests/test_packaging.py::test_installed_command_reports_its_version_and_builds_a_new_archive",
    "tests/test_packaging.py::test_release_stops_when_the_tag_does_not_name_the_version_built",
    "tests/test_packaging.py::test_release_goes_on_when_the_tag_names_the_version_built",
    "tests/test_packaging.py::test_release_dry_run_without_a_tag_checks_only_the_distributions",
}

BROWSER_NAMES = {"chromium", "playwright"}  # what code that drives the browser refers to
SHARED_BROWSER_FIXTURES = {"browser", "chromium_for_the_module"}  # tests/browser.py's, loaded by pytest_plugins


def _code_names(code: types.CodeType) -> set[str]:
    """The global, attribute and imported module names a function's code uses,
    nested functions included; of a dotted import, its first part."""
    names = {name.split(".")[0] for name in code.co_names}
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _code_names(constant)
    return names


def drives_browser(function, module: types.ModuleType, seen: set) -> bool:
    """Whether `function` (a test or a fixture), or a function of its module it
    calls, refers to Chromium or Playwright."""
    code = getattr(inspect.unwrap(function), "__code__", None)
    if code is None or code in seen:
        return False
    seen.add(code)
    names = _code_names(code)
    if names & BROWSER_NAMES:
        return True
    helpers = [vars(module).get(name) for name in names]
    return any(
        drives_browser(helper, module, seen)
        for helper in helpers
        if callable(helper) and getattr(inspect.unwrap(helper), "__module__", None) == module.__name__
    )


# The scopes the two workers take whole (a file's functions, or a class: pytest-xdist's
# `--dist loadscope`) that take longest, longest first, with their share of a CI=true
# run (pytest --durations=0, a busy two-core machine). They are handed out first, so
# that no worker is left running one of them alone at the end while the other waits;
# scripts/test.sh keeps this order (--no-loadscope-reorder). The rest follow as collected.
LONG_SCOPES = (
    "tests/test_bad_input.py",  # 9 % of the suite's time
    "tests/test_incremental.py::TestIncrementalBuilds",  # 6 %: one property test
    "tests/test_incremental.py::TestIncrementalSearchShards",  # 4 %: one property test
    "tests/test_search_loading.py",
    "tests/test_edit_work.py",
    "tests/test_search_shards.py",
    "tests/test_output_atomic.py",
    "tests/test_second_build_property.py::TestSecondBuildProcesses",  # 1 %: one property test
)


def scope_of(nodeid: str) -> str:
    """What pytest-xdist's loadscope hands out whole: a test's node id up to its last `::`."""
    return nodeid.rsplit("::", 1)[0]


def longest_first(items: list) -> None:
    """The LONG_SCOPES' tests first, in that order, each scope's tests in their order."""
    rank = {scope: number for number, scope in enumerate(LONG_SCOPES)}
    items.sort(key=lambda item: rank.get(scope_of(item.nodeid), len(rank)))  # stable


def pytest_collection_modifyitems(config, items) -> None:
    """`browser` for tests that drive Chromium themselves or through a fixture of
    their module, `slow` for SLOW_TESTS: `-m "not slow and not browser"` is the fast
    run. The longest scopes go first (LONG_SCOPES)."""
    longest_first(items)
    for item in items:
        if item.nodeid.split("[")[0] in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
        function, module = getattr(item, "function", None), getattr(item, "module", None)
        if function is None or module is None:
            continue
        fixtures = [vars(module).get(name) for name in getattr(item, "fixturenames", ())]
        seen: set = set()
        shared = SHARED_BROWSER_FIXTURES & set(getattr(item, "fixturenames", ()))  # browser.py's, not the module's
        if shared or any(drives_browser(candidate, module, seen) for candidate in [function, *fixtures] if callable(candidate)):
            item.add_marker(pytest.mark.browser)


# --- fixture archives ----------------------------------------------------------------------

DEFAULT_SITE_TOML = """\
[site]
title = "Test Archive"
base_url = "https://example.org/"
description = "An archive for tests."

[search]
enabled = false  # Pagefind takes a second a build; tests of search turn it on
"""


def article_text(title: str = "An article", date: str = "2020-05-17", body: str = "Some text.", **fields: str) -> str:
    """A Markdown article with YAML front matter; extra fields are written verbatim."""
    lines = ["---", f"title: {title!r}" if "'" not in title else f'title: "{title}"', f"date: {date}"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    lines += ["---", "", body, ""]
    return "\n".join(lines)


class Archive:
    """A small archive in a temporary folder."""

    def __init__(self, root: Path):
        self.root = root

    @classmethod
    def create(cls, root: Path, site_toml: str = DEFAULT_SITE_TOML) -> Archive:
        """A new archive in `root` (created if need be) holding only `site.toml`."""
        site = cls(root)
        site.root.mkdir(parents=True, exist_ok=True)
        site.write("site.toml", site_toml)
        return site

    def write(self, relative: str, text: str | bytes) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text) if text.startswith("\n") else text, encoding="utf-8")
        return path

    def article(self, name: str, **kwargs) -> Path:
        return self.write(f"content/articles/{name}.md", article_text(**kwargs))

    def build(self, **options) -> BuildResult:
        return build(BuildOptions(root=self.root, **options))

    @property
    def out(self) -> Path:
        return self.root / "_site"

    def html(self, relative: str) -> BeautifulSoup:
        return parse_html((self.out / relative).read_text(encoding="utf-8"))

    def timeline_paths(self) -> list[str]:
        """The output files of the timeline's pages, in the order its index lists them."""
        links = self.html("timeline/index.html").select(".timeline-index a")
        return [link["href"][link["href"].index("timeline/") :] + "index.html" for link in links]

    def timeline(self) -> BeautifulSoup:
        """The whole timeline as one document: the `main` of each of its pages, in order."""
        return parse_html("".join(str(self.html(path).find("main")) for path in self.timeline_paths()))

    def output_files(self, output: Path | None = None) -> dict[str, bytes]:
        base = output or self.out
        return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}

    def clean_build_files(self, scratch: Path) -> dict[str, bytes]:
        """What `sitegen build` writes for the sources as they are now: built from a
        fresh copy in a new folder under `scratch` (no output, no cache), so nothing
        is written beside these sources (a watcher on them sees nothing)."""
        fresh = Archive(Path(tempfile.mkdtemp(prefix="clean-", dir=scratch)) / "site")
        shutil.copytree(self.root, fresh.root, symlinks=True, ignore=shutil.ignore_patterns("_site", "._site.*", ".sitegen-cache"))
        fresh.build()
        return fresh.output_files()


REPOSITORY = Path(__file__).resolve().parent.parent


def copy_example_archive(root: Path) -> Archive:
    """The repository's own example archive (site.toml, content/, templates/) in `root`."""
    for name in ("content", "templates"):
        shutil.copytree(REPOSITORY / name, root / name)
    shutil.copy(REPOSITORY / "site.toml", root / "site.toml")
    return Archive(root)


def parse_html(text: str) -> BeautifulSoup:
    return BeautifulSoup(text, "html.parser")


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    return Archive.create(tmp_path / "site")


@pytest.fixture(autouse=True, scope="session")
def private_cache_key(tmp_path_factory):
    """Builds seal their persistent cache with a key kept in $XDG_CACHE_HOME: tests use
    their own folder for it, never the user's, and no key from the environment."""
    saved = {name: os.environ.get(name) for name in ("XDG_CACHE_HOME", "SITEGEN_CACHE_KEY")}
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    os.environ.pop("SITEGEN_CACHE_KEY", None)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


# The modules of the engine that render pages: the clean build's writer, the running
# builder's, and the open data a running builder makes after its pages.
RENDERING_MODULES = (sitegen.engine.staged_writer, sitegen.engine.in_place_writer, sitegen.engine.open_data)


@pytest.fixture
def rendered(monkeypatch) -> list[str]:
    """The path of every page rendered in this process from now on."""
    paths: list[str] = []
    real = sitegen.engine.staged_writer.render_page

    def counting(env, page, *args):
        paths.append(page.path)
        return real(env, page, *args)

    for renderer in RENDERING_MODULES:
        monkeypatch.setattr(renderer, "render_page", counting)
    return paths
