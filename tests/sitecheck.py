"""Reading a built site the way a crawler would: every internal link must land on a file."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from bs4 import BeautifulSoup

LINK_ATTRIBUTES = (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src"), ("form", "action"))


def page_url(output: Path, html_file: Path, base_url: str) -> str:
    relative = html_file.relative_to(output).as_posix()
    if relative.endswith("index.html"):
        relative = relative[: -len("index.html")]
    return urljoin(base_url, relative)


def internal_links(output: Path, base_url: str):
    """Yield (page file, attribute value, absolute URL) for every link on every page."""
    for html_file in sorted(output.rglob("*.html")):
        soup = BeautifulSoup(html_file.read_text(encoding="utf-8"), "html.parser")
        here = page_url(output, html_file, base_url)
        for tag, attribute in LINK_ATTRIBUTES:
            for element in soup.find_all(tag):
                value = element.get(attribute)
                if value is None:
                    continue
                absolute = urljoin(here, value)
                if urlsplit(absolute).netloc == urlsplit(base_url).netloc:
                    yield html_file, value, absolute


def resolve(output: Path, base_url: str, absolute_url: str) -> Path | None:
    """The file a static server would send for the URL, or None (a 404)."""
    base_path = urlsplit(base_url).path
    path = unquote(urlsplit(absolute_url).path)
    if not path.startswith(base_path):
        return None
    target = output / path[len(base_path) :]
    if path.endswith("/"):
        target = target / "index.html"
    return target if target.is_file() else None


def broken_links(output: Path, base_url: str) -> list[str]:
    return [
        f"{page.relative_to(output)}: {value}"
        for page, value, absolute in internal_links(output, base_url)
        if resolve(output, base_url, absolute) is None
    ]
