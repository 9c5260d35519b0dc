"""The persistent cache file as bytes: found, read within bounds, and its seal
verified, before anything in it is decoded (engine/cache_file.py decodes it).

Kept apart from the codec and the pipeline, whose import takes a new process
about a third of a second: `sitegen build` starts reading and verifying the
file in a thread of its own (CacheReading) while it imports them. Reading the
file and taking its HMAC leave the interpreter free (a tenth of a second at
4,000 articles, seven at 20,000).
"""

from __future__ import annotations

import os
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # not on Windows: a temporary file's age tells whether it was abandoned
    fcntl = None  # type: ignore[assignment]

from sitegen.engine.cache_key import cache_key, environment_digest, seal_line

CACHE_DIR = ".sitegen-cache"
CACHE_FILE = "build.cache"
CONTENT_DIR = "content"  # pipeline/load.py's, written out here: this module imports no stage
# 5: article bodies that hold raw HTML are sanitised; a cache of format 4 may
# hold them as written, and is never read. 6: the large dicts of the build's
# record are written in pieces (see cache_codec), which format 5 never did.
# 7: the line of a parsed article or entity may hold the digest the annotate
# stage took of it (see cache_file._know_source_digest). 8: a parsed article's
# line with that digest holds its body apart (see cache_file._source_apart).
# 9: a dict of text keys and plain values is written in two pieces (see cache_codec).
CACHE_FORMAT = 9
# A cache holds each source about three times over (text, parsed, annotated
# HTML); a file far larger than the sources is not one sitegen wrote, and is
# not read. The floor spares small archives the walk that measures them.
SIZE_FLOOR = 64 << 20
SIZE_PER_SOURCE_BYTE = 16

# A build holds a lock on the temporary file of its cache while it writes it,
# which may be for the whole of its search index (see cache_file.begin_persistent_cache):
# one nobody holds was left by a build that was killed, once it is older than
# the moment between its making and its locking. Where files cannot be locked,
# and for the stamp's, which a build writes in an instant, a temporary file
# untouched for an hour was left by a build that was killed. A build writes its
# cache while it renders (see cache_file.PendingCache), so one killed then (by `timeout`, a
# cancelled CI job) leaves a file as large as the cache: the next build removes
# such files (see remove_abandoned_temporaries), once they are ten seconds old.
ABANDONED_SECONDS = 3600
UNLOCKED_SECONDS = 10


@dataclass(frozen=True, slots=True)
class VerifiedCache:
    """A cache file's bytes whose header is this environment's and whose seal verified,
    and where its entry lines start and end."""

    data: bytes
    start: int
    end: int


def verified_cache(root: Path, content_bytes: int | None = None) -> VerifiedCache | None:
    """The archive's cache file, read and verified; None when there is none to trust.
    `content_bytes`: the size of the sources, when known (see read_bounded)."""
    key = cache_key()
    folder = cache_folder(root) if key is not None else None
    data = None if folder is None else read_bounded(folder / CACHE_FILE, root, content_bytes)
    if data is None:
        return None
    body = verified_body(data, key)
    return None if body is None else VerifiedCache(data, *body)


class CacheReading:
    """`verified_cache(root)`, worked out in a thread of its own from now on; `result()`
    waits for it. Nothing is decoded there: the thread only reads and verifies."""

    def __init__(self, root: Path, content_bytes: int | None = None):
        self.root, self.content_bytes = root, content_bytes
        self._found: tuple[VerifiedCache | None] | None = None  # set when the thread ended well
        self._thread = threading.Thread(target=self._read, name="sitegen cache reading", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            self._found = (verified_cache(self.root, self.content_bytes),)
        except Exception:  # noqa: BLE001  (the builder reads the file itself, and meets the error there)
            self._found = None

    def result(self) -> tuple[VerifiedCache | None] | None:
        """(what verified_cache gave,), or None when the thread did not end well."""
        self._thread.join()
        return self._found


def cache_folder(root: Path, create: bool = False) -> Path | None:
    """`.sitegen-cache` if it is a real folder of the archive, else None.

    A symbolic link in its place (say, one shipped inside an archive) is not
    followed: saving through it would write and delete files outside the archive.
    """
    folder = root / CACHE_DIR
    if create:
        try:
            folder.mkdir()
        except FileExistsError:
            pass
    try:
        return folder if stat.S_ISDIR(os.lstat(folder).st_mode) else None
    except OSError:
        return None


def header() -> bytes:
    return f"sitegen-cache {CACHE_FORMAT} {environment_digest().hex()}\n".encode()


def read_bounded(path: Path, root: Path, content_bytes: int | None = None) -> bytes | None:
    """The file's bytes if it is a regular file of plausible size, else None.

    Never follows a symlink in its place, never waits on a pipe, never reads
    more than the file's size said when it was opened. The size of the sources
    (`content_bytes`) is measured when not given: a walk of content/ that holds
    the interpreter, which a build that took the sources' status already made.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        handle = os.open(path, flags)
    except OSError:
        return None
    try:
        with os.fdopen(handle, "rb") as stream:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode):
                return None
            if info.st_size > SIZE_FLOOR and info.st_size > SIZE_PER_SOURCE_BYTE * (content_bytes if content_bytes is not None else sources_size(root)):
                return None
            data = stream.read(info.st_size + 1)
            _drop_cached_pages(stream.fileno())
    except OSError:
        return None
    return data if len(data) == info.st_size else None  # it grew or shrank while being read


def _drop_cached_pages(handle: int) -> None:
    """Let the system drop the file's pages from its cache: the build holds the bytes it read
    (hundreds of megabytes), and writes the next cache file, as large, when it ends.

    Freed now, those pages serve the memory the build's decoding takes and the new file's
    pages. On a virtual machine whose memory is lent by its host as it is first touched,
    writing 400 MB into pages never used took 2.6 s of the system's time; into pages just
    freed, 0.1 s. The file is replaced at the end of the build: nothing reads it again."""
    if hasattr(os, "posix_fadvise"):
        try:
            os.posix_fadvise(handle, 0, 0, os.POSIX_FADV_DONTNEED)
        except OSError:
            pass


def sources_size(root: Path) -> int:
    """The bytes of every regular file under content/ (symlinks not followed)."""
    total, folders = 0, [root / CONTENT_DIR]
    while folders:
        try:
            with os.scandir(folders.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(Path(entry.path))
                    elif entry.is_file(follow_symlinks=False):
                        total += entry.stat(follow_symlinks=False).st_size
        except OSError:
            continue
    return total


def verified_body(data: bytes, key: bytes) -> tuple[int, int] | None:
    """Where the entry lines of a cache file start and end, if its seal verifies and
    its header is this environment's. The seal, which covers the header, is checked
    first: that leaves the interpreter free, and the digest of the environment, which
    does not, is taken once the file is known to be sitegen's (see CacheReading)."""
    last = seal_line(data, key)
    if last is None:
        return None
    expected = header()
    if last < len(expected) or not data.startswith(expected):
        return None
    return len(expected), last


def remove_abandoned_temporaries(folder: Path) -> None:
    """Remove the temporary files of the cache, the stamp and the compiled templates that
    killed builds left in the cache folder, the first as large as the cache each: not those
    another build is writing now (see UNLOCKED_SECONDS). Every build that writes a cache
    does, before it writes it, and so does the stamp's check that finds nothing changed,
    which may be all the builds after a killed one do."""
    now = time.time()
    small = (".stamp.", ".templates.cache.")  # written in an instant, unlocked
    for path in [*folder.glob(f".{CACHE_FILE}.*.tmp"), *folder.glob(".stamp.*.tmp"), *folder.glob(".templates.cache.*.tmp")]:
        try:
            age = now - path.lstat().st_mtime
            if path.name.startswith(small) or fcntl is None:
                abandoned = age > ABANDONED_SECONDS
            else:
                abandoned = age > UNLOCKED_SECONDS and not _locked(path)
            if abandoned:
                path.unlink()
        except OSError:
            continue


def lock(handle: int) -> None:
    """Hold an exclusive lock on the open file for as long as it is open (where files can be locked)."""
    if fcntl is not None:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pass  # a file system without locks: the file's age tells instead


def _locked(path: Path) -> bool:
    """Whether another open file holds the lock of `path` (a build writing it)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    handle = os.open(path, flags)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return os.fstat(handle).st_mtime > time.time() - ABANDONED_SECONDS  # no locks here: by its age
    finally:
        os.close(handle)
    return False
