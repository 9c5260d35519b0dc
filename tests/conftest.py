"""Fixture archives built in tmp_path, and helpers to read the output as a reader would."""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from sitegen.engine.builder import BuildOptions, BuildResult, build

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

    def output_files(self, output: Path | None = None) -> dict[str, bytes]:
        base = output or self.out
        return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


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
    site = Archive(tmp_path / "site")
    site.root.mkdir()
    site.write("site.toml", DEFAULT_SITE_TOML)
    return site


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
