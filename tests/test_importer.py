"""`sitegen import` and `sitegen new` on hostile input: deep pages, long titles,
characters no page or feed can hold, and a batch in which one file fails."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sitegen.authoring.importer import parse_html_article

REPOSITORY = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
NAME_MAX = 255  # bytes in one file name on Linux and macOS file systems
ATOM = "{http://www.w3.org/2005/Atom}"


def run_sitegen(*args: str | bytes, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def page(body: str, title: str = "A title", head: str = "") -> str:
    return (
        f'<!doctype html><html><head><title>{title}</title>'
        f'<meta property="article:published_time" content="2020-05-17">{head}</head>'
        f"<body><article>{body}</article></body></html>"
    )


def written_articles(root: Path) -> list[Path]:
    return sorted((root / "content/articles").rglob("*.md"))


def front_matter(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("\n---\n", 1)[0]


def feed_titles(archive) -> list[str]:
    feed = ET.parse(archive.out / "feed.xml").getroot()
    return [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]


# --- characters no page or feed can hold -----------------------------------------------


@pytest.mark.parametrize("escape, shown", [("\\u0001", "U+0001 (a control character)"), ("\\ufffe", "U+FFFE (a noncharacter)")])
def test_a_front_matter_title_holding_an_escaped_control_character_is_a_located_error(archive, escape, shown):
    archive.write("content/articles/odd.md", f'---\ndate: 2020-05-17\ntitle: "A{escape} title"\n---\nText.\n')
    with pytest.raises(Exception) as caught:
        archive.build()
    errors = [str(d) for d in caught.value.errors]
    assert errors == [f"content/articles/odd.md:3: error: `title` contains {shown}, which no page or feed can hold: remove it"]


def test_an_author_holding_an_escaped_control_character_is_a_located_error(archive):
    archive.write("content/articles/odd.md", '---\ntitle: "A title"\ndate: 2020-05-17\nauthors: ["Sam", "Al\\x01ex"]\n---\nText.\n')
    result = run_sitegen("build", cwd=archive.root)
    assert result.returncode == 1
    assert "content/articles/odd.md:4: error: `authors` contains U+0001" in result.stderr


def test_a_site_title_holding_an_escaped_control_character_is_a_located_error(archive):
    archive.write("site.toml", '[site]\ntitle = "Archive\\u0007"\nbase_url = "https://example.org/"\n')
    result = run_sitegen("build", cwd=archive.root)
    assert result.returncode == 1
    assert "site.toml:2: error: `site.title` contains U+0007 (a control character)" in result.stderr
