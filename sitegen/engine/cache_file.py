"""The persistent cache: what one build leaves in `.sitegen-cache/` for the next.

Only clean builds write it; a builder reads it when it starts. It can only
save time: anything wrong with it gives an empty cache, never other output.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import pickle
import sys
import tempfile
import unicodedata
from pathlib import Path

import yaml

from sitegen import __version__
from sitegen.engine.cache import BuildCache, FragmentCache, SourceCache

CACHE_DIR = ".sitegen-cache"
CACHE_FILE = "build.pickle"
CACHE_FORMAT = 2


# Every installed package whose behaviour shapes what the cache holds or what
# a page says: a new version of any of them may parse or annotate differently.
OUTPUT_PACKAGES = (
    "markdown-it-py", "mdurl", "mdit-py-plugins", "jinja2", "MarkupSafe", "PyYAML", "anyascii", "pagefind", "pagefind-bin",
)  # fmt: skip
# Runtime dependencies that only run the editing loop or draw progress bars.
TOOLING_PACKAGES = ("watchfiles", "tqdm")


def environment_digest() -> bytes:
    """A digest of everything that made the cached results, besides the sources.

    That is every module of sitegen (subpackages included), the version of
    each package in OUTPUT_PACKAGES, the Python version, and the Unicode
    database Python normalises and case-folds with. Templates are not in it:
    the persistent cache holds parsed sources and annotated fragments, which
    no template shapes.
    """
    digest = hashlib.blake2b(__version__.encode(), digest_size=16)
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for name in OUTPUT_PACKAGES:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "not installed"
        digest.update(f"{name}=={version}\0".encode())
    libyaml = getattr(yaml, "__with_libyaml__", False)  # the C parser and the Python one may differ
    digest.update(f"python {sys.version}\0{sys.implementation.cache_tag}\0libyaml {libyaml}\0".encode())
    digest.update(f"unicode {unicodedata.unidata_version}".encode())
    return digest.digest()


def load_persistent_cache(root: Path) -> BuildCache:
    """The parsed sources and annotated fragments the last build kept on disk.

    Anything wrong with the file (missing, truncated, garbage, another version
    of sitegen or Python) gives an empty cache: the cache can only save time,
    never change the output.
    """
    try:
        with open(root / CACHE_DIR / CACHE_FILE, "rb") as stream:
            stored = pickle.load(stream)
        if not (
            isinstance(stored, dict)
            and stored.get("format") == CACHE_FORMAT
            and stored.get("environment") == environment_digest()
            and isinstance(stored.get("sources"), dict)
            and isinstance(stored.get("fragments"), dict)
        ):
            return BuildCache()
        return BuildCache(sources=SourceCache(stored["sources"]), fragments=FragmentCache(stored["fragments"]))
    except Exception:  # any unreadable cache is simply not used
        return BuildCache()


def save_persistent_cache(root: Path, cache: BuildCache) -> None:
    folder = root / CACHE_DIR
    stored = {"format": CACHE_FORMAT, "environment": environment_digest(), "sources": cache.sources.entries, "fragments": cache.fragments.entries}
    try:
        folder.mkdir(exist_ok=True)
        # Streamed to a file beside the cache, then renamed over it: no copy of
        # the whole cache in memory, and a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(prefix=f".{CACHE_FILE}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(handle, "wb") as stream:
                pickle.dump(stored, stream, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, folder / CACHE_FILE)
        finally:
            Path(temporary).unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be written only costs time next build
