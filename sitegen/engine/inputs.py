"""What a build copies and renders from besides the parsed sources, and where each file goes.

Templates, theme assets and static files are read as bytes, not parsed: an
incremental build digests them to know whether anything changed. Every
output path is claimed before a byte is written, so that a static file can
never silently replace a generated page (or the reverse).
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

from sitegen import __version__
from sitegen.model.errors import Problems
from sitegen.model.models import Archive
from sitegen.model.urls import Urls
from sitegen.pipeline.pages import Page
from sitegen.pipeline.render import SITE_TEMPLATES_DIR, THEME_DIR
from sitegen.pipeline.search import BUNDLE_DIR
from sitegen.pipeline.write import safe_relative_path

THEME_ASSETS_DIR = THEME_DIR / "assets"
ASSETS_PREFIX = "assets/"


def page_file(page: Page) -> str:
    return Urls.page_file(page.path)


def theme_assets() -> list[tuple[str, Path]]:
    """(output path, file) of every asset of the built-in theme."""
    return sorted(
        (ASSETS_PREFIX + path.relative_to(THEME_ASSETS_DIR).as_posix(), path)
        for path in THEME_ASSETS_DIR.rglob("*")
        # Hidden files are an editor's temporaries while the theme is being worked on.
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(THEME_ASSETS_DIR).parts)
    )


def claim_outputs(pages: list[Page], archive: Archive, root: Path, problems: Problems) -> list[tuple[str, Path]]:
    """(output path, source file) of every file copied as it is: theme assets and static files.
    A static file whose path a page, an asset or the search index has is an error."""
    claims: dict[str, str] = {}
    for page in pages:
        claims[page_file(page)] = f"the {page.template or page.path} page"
    copies: list[tuple[str, Path]] = list(theme_assets())
    for target, _ in copies:
        claims.setdefault(target, "the theme")
    for static in archive.static_files:
        owner = claims.get(static.target)
        if owner is not None or static.target.split("/")[0] == BUNDLE_DIR:
            problems.error(static.source, None, f"would overwrite {owner or 'the search index'} at {static.target}: rename or move the file")
            continue
        try:
            safe_relative_path(static.target)
        except ValueError:
            problems.error(static.source, None, "this file name cannot be published safely: rename it")
            continue
        claims[static.target] = static.source
        copies.append((static.target, root / static.source))
    return copies


def files_digest(archive: Archive, root: Path) -> bytes:
    """Static files and theme assets are copied, not parsed: digest their bytes too."""
    digest = hashlib.blake2b(digest_size=16)
    for target, source in (*theme_assets(), *((s.target, root / s.source) for s in archive.static_files)):
        digest.update(target.encode() + b"\0")
        with contextlib.suppress(OSError):
            digest.update(hashlib.blake2b(source.read_bytes(), digest_size=16).digest())
    return digest.digest()


def templates_digest(root: Path) -> bytes:
    """A digest of every template a page could load (the archive's and the theme's)."""
    digest = hashlib.blake2b(digest_size=16)
    for folder in (root / SITE_TEMPLATES_DIR, THEME_DIR / "templates"):
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(__version__.encode())
    return digest.digest()
