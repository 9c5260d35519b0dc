"""The persistent cache: what one build leaves in `.sitegen-cache/` for the next.

Only clean builds write it; a builder reads it when it starts. It can only
save time: a file that is anything but what this user's sitegen wrote, for
this code and these packages, gives an empty cache, never other output.

The file is text: a header naming the format and the environment digest,
one JSON line per cached entry (see cache_codec), and last the HMAC-SHA256
of everything before it under a per-user secret kept outside the archive.
Nothing is decoded before that seal verifies, and decoding builds only the
known model classes, so a cache shipped inside an archive can neither run
code nor, edited, change the site: it does not verify and is rebuilt.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.metadata
import json
import os
import secrets
import stat
import sys
import tempfile
import unicodedata
from pathlib import Path

import yaml

from sitegen import __version__
from sitegen.engine.cache import BuildCache
from sitegen.engine.cache_codec import decode, encode
from sitegen.model.errors import Diagnostic
from sitegen.pipeline.annotate import AnnotatedArticle, AnnotatedFragment
from sitegen.pipeline.load import CONTENT_DIR

CACHE_DIR = ".sitegen-cache"
CACHE_FILE = "build.cache"
LEGACY_CACHE_FILES = ("build.pickle",)  # what earlier versions wrote: never read, removed on save
CACHE_FORMAT = 3
FRAGMENT_TYPES = (AnnotatedArticle, AnnotatedFragment)  # what the annotate stage caches
KEY_VARIABLE = "SITEGEN_CACHE_KEY"  # the secret, when set (CI that restores caches between runs)

# A cache holds each source about three times over (text, parsed, annotated
# HTML); a file far larger than the sources is not one sitegen wrote, and is
# not read. The floor spares small archives the walk that measures them.
SIZE_FLOOR = 64 << 20
SIZE_PER_SOURCE_BYTE = 16


def load_persistent_cache(root: Path) -> BuildCache:
    """The parsed sources, annotated fragments and record of the last build kept on disk.

    Anything wrong with the file (missing, not a regular file, too large,
    truncated, edited, sealed with another key, made by another version of
    sitegen, its packages or Python, or holding values of unexpected types)
    gives an empty cache.
    """
    key = cache_key()
    if key is None:
        return BuildCache()
    folder = _cache_folder(root)
    data = None if folder is None else _read_bounded(folder / CACHE_FILE, root)
    if data is None:
        return BuildCache()
    cache = BuildCache()
    try:
        lines = _verified_lines(data, key)
        del data  # the lines are a copy: do not hold the file twice while decoding
        if lines is None:
            return BuildCache()
        for line in lines:
            section, entry_key, value = json.loads(line.decode("utf-8", "surrogatepass"))
            entry_key, value = decode(entry_key), decode(value)
            if section == "s" and _is_source_entry(entry_key, value):
                cache.sources.entries[entry_key] = value
            elif section == "f" and type(entry_key) is tuple and type(value) in FRAGMENT_TYPES:
                cache.fragments.entries[entry_key] = value
            elif section == "b" and entry_key in RECORD_CHECKS and RECORD_CHECKS[entry_key](value):
                setattr(cache, RECORD_FIELDS[entry_key], value)
            else:
                return BuildCache()
    except (ValueError, TypeError, LookupError, RecursionError):  # sealed, yet not what sitegen writes
        return BuildCache()
    except OSError:  # sitegen's own modules could not be read to digest them
        return BuildCache()
    return cache


def save_persistent_cache(root: Path, cache: BuildCache) -> None:
    """Write the cache for the next build; a value the codec cannot hold is left out (it only costs time)."""
    key = cache_key()
    if key is None:
        return
    try:
        folder = _cache_folder(root, create=True)
        if folder is None:
            return
        # Streamed to a file beside the cache, then renamed over it: no copy of
        # the whole cache in memory, and a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(prefix=f".{CACHE_FILE}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(handle, "wb") as stream:
                seal = hmac.new(key, digestmod=hashlib.sha256)
                for line in _lines(cache):
                    seal.update(line)
                    stream.write(line)
                stream.write(seal.hexdigest().encode() + b"\n")
            os.replace(temporary, folder / CACHE_FILE)
        finally:
            Path(temporary).unlink(missing_ok=True)
        for legacy in LEGACY_CACHE_FILES:
            (folder / legacy).unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be written only costs time next build


def seal_of(data: bytes | memoryview, key: bytes) -> bytes:
    """The last line of a cache file whose other lines are `data`."""
    return hmac.new(key, data, hashlib.sha256).hexdigest().encode()


def _header() -> bytes:
    return f"sitegen-cache {CACHE_FORMAT} {environment_digest().hex()}\n".encode()


def _lines(cache: BuildCache):
    yield _header()
    record = {name: getattr(cache, field) for name, field in RECORD_FIELDS.items()}
    record["warnings"] = tuple(record["warnings"])
    for section, entries in (("s", cache.sources.entries), ("f", cache.fragments.entries), ("b", record)):
        for entry_key, value in entries.items():
            try:
                line = json.dumps([section, encode(entry_key), encode(value)], ensure_ascii=False, separators=(",", ":"))
            except (ValueError, RecursionError):  # Unencodable is a ValueError
                continue
            yield line.encode("utf-8", "surrogatepass") + b"\n"


def _cache_folder(root: Path, create: bool = False) -> Path | None:
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

# The record of the last build ("b" lines): what a later build needs to skip
# unchanged work (see Builder.build). Each is one line, checked by type, and
# only trusted together with the output folder's own check (engine/published.py).
RECORD_FIELDS = {
    "inputs": "inputs_digest",
    "warnings": "inputs_warnings",
    "pages": "page_inputs",
    "written": "written",
    "manifest": "manifest",
}


def _is_digest_map(value: object) -> bool:
    return type(value) is dict and all(type(key) is str and type(digest) is bytes for key, digest in value.items())


def _is_manifest(value: object) -> bool:
    return type(value) is dict and all(
        type(key) is str and type(status) is tuple and len(status) == 5 and all(type(part) is int for part in status)
        for key, status in value.items()
    )


RECORD_CHECKS = {
    "inputs": lambda value: type(value) is bytes,
    "warnings": lambda value: type(value) is tuple and all(type(item) is Diagnostic for item in value),
    "pages": _is_digest_map,
    "written": _is_digest_map,
    "manifest": _is_manifest,
}


def _is_source_entry(key: object, value: object) -> bool:
    """(digest of the file, what parsing it gave, the problems it reported): see SourceCache."""
    return (
        type(key) is str
        and type(value) is tuple
        and len(value) == 3
        and type(value[0]) is bytes
        and type(value[2]) is tuple
        and all(type(problem) is Diagnostic for problem in value[2])
    )


def _read_bounded(path: Path, root: Path) -> bytes | None:
    """The file's bytes if it is a regular file of plausible size, else None.

    Never follows a symlink in its place, never waits on a pipe, never reads
    more than the file's size said when it was opened.
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
            if info.st_size > SIZE_FLOOR and info.st_size > SIZE_PER_SOURCE_BYTE * _sources_size(root):
                return None
            data = stream.read(info.st_size + 1)
    except OSError:
        return None
    return data if len(data) == info.st_size else None  # it grew or shrank while being read


def _sources_size(root: Path) -> int:
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


def _verified_lines(data: bytes, key: bytes) -> list[bytes] | None:
    """The entry lines of a cache file, if its header is this environment's and its seal verifies."""
    header = _header()
    if not data.startswith(header) or not data.endswith(b"\n"):
        return None
    last = data.rfind(b"\n", 0, len(data) - 1) + 1  # where the seal's line starts
    if last < len(header) or not hmac.compare_digest(data[last:-1], seal_of(memoryview(data)[:last], key)):
        return None
    return data[len(header) : last].splitlines()


# --- the secret ------------------------------------------------------------------------------


def key_file() -> Path:
    """Where this user's secret is kept: $XDG_CACHE_HOME/sitegen/key (~/.cache by default)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "sitegen" / "key"


def cache_key() -> bytes | None:
    """The key caches are sealed with: from $SITEGEN_CACHE_KEY, else from the key file,
    made (readable by its owner only) on first use. None when there is none to be had:
    then no cache is read or written."""
    secret = os.environ.get(KEY_VARIABLE, "")
    if not secret:
        try:
            secret = _key_file_secret(key_file())
        except (OSError, RuntimeError, ValueError):  # no home, read-only, or not a key file
            return None
    return hashlib.sha256(b"sitegen cache key\0" + secret.encode("utf-8", "surrogatepass")).digest()


def _key_file_secret(path: Path) -> str:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(handle, "w", encoding="ascii") as stream:
            stream.write(secrets.token_hex(32) + "\n")
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(handle, "rb") as stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("not a file")
        # A key that someone else made, or can read, is no secret: whoever knows
        # it could seal a cache that changes this user's sites.
        if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & 0o077):
            raise ValueError("not this user's own secret")
        secret = stream.read(4096).decode("utf-8").strip()
    if len(secret) < 32:
        raise ValueError("too short to be a secret")  # or still being written by another build
    return secret


# --- what made the cached values --------------------------------------------------------------


# Every installed package whose behaviour shapes what the cache holds or what
# a page says: a new version of any of them may parse or annotate differently.
OUTPUT_PACKAGES = (
    "markdown-it-py", "mdurl", "mdit-py-plugins", "jinja2", "MarkupSafe", "PyYAML", "anyascii", "pagefind", "pagefind-bin",
    "cbor2",
)  # fmt: skip
# Runtime dependencies that only run the editing loop, draw progress bars or
# read pages for `sitegen import` (which writes sources, never output).
TOOLING_PACKAGES = ("watchfiles", "tqdm", "selectolax")


SITEGEN_PACKAGE = Path(__file__).resolve().parent.parent


def code_digest(package: Path) -> bytes:
    """A digest of every module of a package, its subpackages' included."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.digest()


def environment_digest() -> bytes:
    """A digest of everything that made the cached results, besides the sources.

    That is every module of sitegen (subpackages included), the version of
    each package in OUTPUT_PACKAGES, the Python version, and the Unicode
    database Python normalises and case-folds with. Templates are not in it:
    the persistent cache holds parsed sources and annotated fragments, which
    no template shapes.
    """
    digest = hashlib.blake2b(__version__.encode() + b"\0" + code_digest(SITEGEN_PACKAGE), digest_size=16)
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
