"""What a build copies and renders from besides the parsed sources, and where each file goes.

Templates, theme assets and static files are read as bytes, not parsed: an
incremental build digests them to know whether anything changed.
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

from sitegen import __version__
from sitegen.model.models import Archive
from sitegen.model.urls import Urls
from sitegen.pipeline.site import Page
from sitegen.pipeline.render import SITE_TEMPLATES_DIR, THEME_DIR, THEME_TEMPLATES_DIR

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
    for folder in (root / SITE_TEMPLATES_DIR, THEME_TEMPLATES_DIR):
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    # surrogateescape: a name that is not UTF-8 is digested as the bytes it is (no page can load it)
                    name = path.relative_to(folder).as_posix().encode("utf-8", "surrogateescape")
                    digest.update(name + b"\0" + path.read_bytes() + b"\0")
    digest.update(__version__.encode())
    return digest.digest()
