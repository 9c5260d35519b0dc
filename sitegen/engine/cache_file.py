"""The persistent cache: what one build leaves in `.sitegen-cache/` for the next.

Only clean builds write it; a builder reads it when it starts. It can only
save time: anything wrong with it gives an empty cache, never other output.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from sitegen import __version__
from sitegen.engine.cache import BuildCache, FragmentCache, SourceCache

CACHE_DIR = ".sitegen-cache"
CACHE_FILE = "build.pickle"
CACHE_FORMAT = 1


def code_digest() -> bytes:
    """A digest of sitegen's own code: cached results of another version never apply."""
    digest = hashlib.blake2b(__version__.encode(), digest_size=16)
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
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
            and stored.get("code") == code_digest()
            and isinstance(stored.get("sources"), dict)
            and isinstance(stored.get("fragments"), dict)
        ):
            return BuildCache()
        return BuildCache(sources=SourceCache(stored["sources"]), fragments=FragmentCache(stored["fragments"]))
    except Exception:  # any unreadable cache is simply not used
        return BuildCache()


def save_persistent_cache(root: Path, cache: BuildCache) -> None:
    folder = root / CACHE_DIR
    stored = {"format": CACHE_FORMAT, "code": code_digest(), "sources": cache.sources.entries, "fragments": cache.fragments.entries}
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
