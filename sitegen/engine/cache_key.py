"""The key that seals what a build leaves in `.sitegen-cache/`, and the digest of
what made it: kept apart from the cache's codec so that checking the stamp of
the last build (engine/stamp.py) imports neither the codec nor the pipeline.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import re
import secrets
import shutil
import stat
import sys
import tempfile
import unicodedata
from pathlib import Path

from sitegen import __version__

KEY_VARIABLE = "SITEGEN_CACHE_KEY"  # the secret, when set (CI that restores caches between runs)


def seal_of(data: bytes | memoryview, key: bytes) -> bytes:
    """The last line of a sealed file (the cache, the stamp) whose other lines are `data`."""
    return hmac.new(key, data, hashlib.sha256).hexdigest().encode()


def seal_line(data: bytes, key: bytes) -> int | None:
    """Where the last line of a sealed file's bytes (its seal) starts, if that seal is
    the one `key` gives the lines before it; else None."""
    if not data.endswith(b"\n"):
        return None
    last = data.rfind(b"\n", 0, len(data) - 1) + 1
    if not hmac.compare_digest(data[last:-1], seal_of(memoryview(data)[:last], key)):
        return None
    return last


def read_sealed(path: Path, key: bytes, header: bytes, limit: int) -> bytes | None:
    """What a small sealed file (the stamp, the compiled templates) holds between its
    header and its seal; None unless it is a regular file (not read through a link) of
    at most `limit` bytes that begins with `header` and whose seal verifies under `key`."""
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(handle, "rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                return None
            data = stream.read(limit + 1)
    except OSError:
        return None
    last = seal_line(data, key) if len(data) <= limit else None
    if last is None or last <= len(header) or not data.startswith(header):
        return None
    return data[len(header) : last]


def write_sealed(path: Path, body: bytes, key: bytes) -> None:
    """Put `body` (its header first) and its seal under `key` at `path`, whole: written to
    a temporary file made new beside it (never one found in its place, which a link could
    make another's), then renamed over it. A file that cannot be written only costs time."""
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(body + seal_of(body, key) + b"\n")
        replace_cache_file(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def replace_cache_file(temporary: str | Path, path: Path) -> None:
    """Rename `temporary` over `path`. A folder found at `path` (nothing sitegen makes
    there: left by hand or by a tool) would refuse the rename for every build to come,
    and a cache that is never written only costs time, silently: it is removed first.
    A link in its place is replaced, never followed."""
    try:
        os.replace(temporary, path)
    except IsADirectoryError:
        # Through a descriptor of the folder, refused if it is a link: a cache folder swapped for a
        # link since it was checked must not lead the removal to another folder of that name.
        folder = os.open(path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0))
        try:
            if stat.S_ISDIR(os.lstat(path.name, dir_fd=folder).st_mode):
                shutil.rmtree(path.name, dir_fd=folder)
            os.replace(os.path.basename(temporary), path.name, src_dir_fd=folder, dst_dir_fd=folder)
        finally:
            os.close(folder)


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


def code_key() -> bytes | None:
    """The key of what a build keeps that is run as code (compiled templates: see
    template_cache.py): from the key file alone, never from $SITEGEN_CACHE_KEY. A key
    shared to restore caches on other machines (CI) may change what a site says when
    it leaks, but never runs code here: whoever can read this user's own key file
    can already run code as this user. None when there is no key file to be had."""
    try:
        secret = _key_file_secret(key_file())
    except (OSError, RuntimeError, ValueError):
        return None
    return hashlib.sha256(b"sitegen code key\0" + secret.encode("utf-8", "surrogatepass")).digest()


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
    "cbor2", "nh3",
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


def installed_versions(names: tuple[str, ...]) -> dict[str, str]:
    """What is installed of each package named, as its metadata folders in the first entry
    of the import path that has any tell it (`NAME-VERSION.dist-info`, or `.egg-info`).

    Importing importlib.metadata to ask it took longer than the rest of the digest
    (it brings the e-mail parser), and every process of a build asks. A package whose
    folder is not found so, or whose folder's name gives no version (an old editable
    install's `NAME.egg-info`), or that a zip file or an egg of the path before it may
    hold, is asked of importlib.metadata."""
    wanted = {_normal_name(name): name for name in names}
    found: dict[str, list[str]] = {}
    for entry in sys.path:
        here: dict[str, list[str]] = {}
        try:
            if entry.endswith(".egg"):
                break  # an egg's metadata is inside it: importlib reads it
            with os.scandir(entry or ".") as listing:
                for item in listing:
                    stem, dot, suffix = item.name.rpartition(".")
                    if dot and suffix in ("dist-info", "egg-info"):
                        name, dash, version = stem.partition("-")
                        normal = _normal_name(name)
                        if normal in wanted and normal not in found:
                            # A name without its version (an old editable install's) tells nothing: importlib reads it.
                            here.setdefault(normal, []).append(item.name if dash and version else "")
        except (FileNotFoundError, PermissionError):  # a folder of the path that is not there
            continue
        except OSError:  # a zip file, whose metadata importlib reads: it and all after it are left to importlib
            break
        for normal, folders in here.items():
            found[normal] = sorted(folders)  # two of a package in one folder: both named
    versions = {}
    for normal, name in wanted.items():
        if normal in found and all(found[normal]):
            versions[name] = " ".join(found[normal])
            continue
        import importlib.metadata  # only for a package not found as a folder

        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _normal_name(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@functools.cache
def environment_digest() -> bytes:
    """A digest of everything that made the cached results, besides the sources.

    That is every module of sitegen (subpackages included), the version of
    each package in OUTPUT_PACKAGES, the Python version, and the Unicode
    database Python normalises and case-folds with. Templates are not in it:
    the persistent cache holds parsed sources and annotated fragments, which
    no template shapes.

    Taken once a process: it describes the code this process runs, which a
    package upgraded on disk meanwhile does not change (a `sitegen serve`
    that outlives an upgrade still makes what the old code makes, and labels
    its cache so). A build asks for it four times (the stamp and the cache,
    each read and written), at a twentieth of a second each.
    """
    digest = hashlib.blake2b(__version__.encode() + b"\0" + code_digest(SITEGEN_PACKAGE), digest_size=16)
    for name, version in installed_versions(OUTPUT_PACKAGES).items():
        digest.update(f"{name}=={version}\0".encode())
    import yaml  # here: checking the stamp of the last build needs it only when it is current

    libyaml = getattr(yaml, "__with_libyaml__", False)  # the C parser and the Python one may differ
    digest.update(f"python {sys.version}\0{sys.implementation.cache_tag}\0libyaml {libyaml}\0".encode())
    digest.update(f"unicode {unicodedata.unidata_version}".encode())
    return digest.digest()
