"""The article an edit measure changes, how it is changed, and the page where the change lands."""

from __future__ import annotations

import os
from pathlib import Path

EDIT_SENTENCE = " A correction was added to this paragraph after publication."


def edit_target(archive: Path) -> Path:
    """The article the edit measures change: the middle one in path order."""
    paths = sorted((archive / "content" / "articles").rglob("*.md"))
    return paths[len(paths) // 2]


def edited(text: str, addition: str = EDIT_SENTENCE) -> str:
    """The article with `addition` at the end of its first body paragraph."""
    end_of_front = text.index("\n---\n", 4) + len("\n---\n")
    end_of_paragraph = text.find("\n\n", end_of_front + 1)
    if end_of_paragraph < 0:
        end_of_paragraph = len(text.rstrip("\n"))
    return text[:end_of_paragraph] + addition + text[end_of_paragraph:]


def write_atomically(path: Path, data: bytes) -> None:
    """Save as many editors do: a hidden temporary beside the file (which sitegen ignores), renamed over it."""
    temporary = path.with_name(f".{path.name}.bench-save")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def article_page(output: Path, article: Path) -> Path:
    """The HTML file sitegen writes for an article without a `slug:` in its front matter."""
    from sitegen.model.slugs import article_slug_from_stem
    from sitegen.model.urls import Urls

    return output / Urls.page_file(Urls.article_path(article_slug_from_stem(article.stem)))
