"""Writing the output folder safely: what its two writers share.

Two writers. `StagedOutput` (`sitegen build`, staged_output.py) writes the whole new site into
a hidden folder beside the output, new bytes as new files and unchanged files
as hard links to the previous site's, and then exchanges that folder with the
output folder in one atomic step: a reader, a failed build and a killed build
all see either the whole previous site or the whole new one. The site swapped
out is kept beside the output as the next build's stage, which that build
brings up to the published site where they differ (see spare_site.py). `InPlaceOutput`
(watch, serve; in_place_output.py) updates the output folder where it is, one file at a time,
each replaced atomically.

Every path is checked to stay inside the output folder, no write goes through
a symbolic link found in it, and everything created gets the mode the umask
gives (an existing output folder keeps its own).
"""

from __future__ import annotations

import ctypes
import errno
import functools
import glob
import hashlib
import os
import secrets
import shutil
import stat
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TypeVar

from sitegen.model.errors import UsageError
from sitegen.pipeline.render import SITE_TEMPLATES_DIR

OUTPUT_MARKER = ".sitegen-output"
CACHE_FOLDER = ".sitegen-cache"  # the build cache's and the stamp's folder (engine/cache_file.py)
OUTPUT_MARKER_TEXT = b"This folder is written by `sitegen build` and replaced whole on every build.\n"
SEARCH_BUNDLE = "pagefind"

# Folders a build makes beside the output `_site`: `._site.staging-…` (the new
# site, or the previous one just after the exchange), `._site.search-…` (a
# search bundle being built in place) and `._site.retired-…` (the previous
# site, where the system cannot exchange two folders). A build that is killed
# leaves them behind; the next build removes them. Not `._site.previous`, the
# site swapped out by the last build, kept as the next one's stage (spare_site.py).
SIBLING_KINDS = ("staging", "search", "retired")
Result = TypeVar("Result")


def check_output_folder(root: Path, output: Path) -> None:
    """Refuse output folders whose replacement would destroy sources."""
    root = root.resolve()
    output = output.resolve()
    if output == root or output in root.parents:
        raise UsageError(f"refusing to build into {output}: it contains the archive itself; choose a folder such as _site")
    if (output / "content").exists() or (output / "site.toml").exists():
        raise UsageError(f"refusing to build into {output}: it holds sources (content/ or site.toml)")
    if (root / "content").resolve() in (output, *output.parents):
        raise UsageError(f"refusing to build into {output}: it is inside content/")
    # The site would publish the cache (the sources' text, drafts too) and lose it at every swap.
    if (root / CACHE_FOLDER).resolve() in (output, *output.parents):
        raise UsageError(f"refusing to build into {output}: it is inside {CACHE_FOLDER}/, the build cache; choose a folder such as _site")
    # Pages there would be read back as templates by the next build, and text
    # of the content that looks like Jinja (`{{ … }}`, shown as text) would run.
    if (root / SITE_TEMPLATES_DIR).resolve() in (output, *output.parents):
        raise UsageError(f"refusing to build into {output}: it is inside {SITE_TEMPLATES_DIR}/")
    if output.exists() and not output.is_dir():
        raise UsageError(f"refusing to build into {output}: it is a file, not a folder")
    if output.is_dir() and any(output.iterdir()) and not (output / OUTPUT_MARKER).is_file():
        raise UsageError(
            f"refusing to replace {output}: it is not empty and was not written by sitegen; "
            "empty it or choose another --out"
        )


def check_output_inside_archive(root: Path, output: Path) -> None:
    """Refuse an output folder that `[build] output` (or a symbolic link in its
    place) puts outside the archive.

    The setting comes with the archive, and an archive may come from anyone:
    left free, a cloned archive could make its build create `~/.ssh` or any
    other missing folder, holding files of its choosing. Only the command
    line (`--out`) may send the output elsewhere.
    """
    if root.resolve() not in output.resolve().parents:
        raise UsageError(
            f"refusing to build into {output}: `[build] output` in site.toml, or a symbolic link in its place, "
            "leads outside the archive; name a folder inside it, or choose this one with --out"
        )


def safe_relative_path(relative: str) -> PurePosixPath:
    """A relative output path that cannot leave the output folder."""
    path = PurePosixPath(relative)
    if (
        not relative
        or "\\" in relative
        or "\x00" in relative
        or path.is_absolute()
        or any(part in ("", ".", "..") for part in path.parts)
    ):
        raise ValueError(f"unsafe output path {relative!r}")
    return path


def safe_relative_parts(relative: str) -> list[str]:
    """The parts of `safe_relative_path(relative)`, as strings: the same checks,
    without making a path object (a build checks one per page)."""
    if not relative or "\\" in relative or "\x00" in relative or relative[0] == "/":
        raise ValueError(f"unsafe output path {relative!r}")
    parts = [part for part in relative.split("/") if part and part != "."]  # as PurePosixPath reads them
    if not parts or ".." in parts:
        raise ValueError(f"unsafe output path {relative!r}")
    return parts


def content_digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def sibling_prefix(output: Path, kind: str) -> str:
    return f".{output.name}.{kind}-"


def siblings(output: Path, kind: str) -> list[Path]:
    """The folders of `kind` beside `output`; an output named `site*` or `[x]` matches no other names."""
    return list(output.parent.glob(glob.escape(sibling_prefix(output, kind)) + "*"))


def make_sibling(output: Path, kind: str) -> Path:
    """A new empty folder beside `output`, with the mode the umask gives (mkdtemp's is 0700)."""
    while True:
        folder = output.parent / f"{sibling_prefix(output, kind)}{secrets.token_hex(4)}"
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue


# --- swapping folders ----------------------------------------------------------------------


@functools.cache
def _native_exchange() -> Callable[[bytes, bytes], int] | None:
    """The system call that swaps two paths in one step, where there is one.

    Linux has renameat2(RENAME_EXCHANGE) and macOS renamex_np(RENAME_SWAP);
    Python's os module offers neither, so they are called through ctypes.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # the C library this process already runs on
    except OSError:
        return None
    if hasattr(libc, "renameat2"):
        at_fdcwd, rename_exchange = -100, 2
        renameat2 = libc.renameat2
        renameat2.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
        renameat2.restype = ctypes.c_int
        return lambda first, second: renameat2(at_fdcwd, first, at_fdcwd, second, rename_exchange)
    if hasattr(libc, "renamex_np"):
        rename_swap = 2
        renamex_np = libc.renamex_np
        renamex_np.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint)
        renamex_np.restype = ctypes.c_int
        return lambda first, second: renamex_np(first, second, rename_swap)
    return None


_CANNOT_EXCHANGE = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP}


def exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths atomically; False when this system or file system cannot."""
    native = _native_exchange()
    if native is None:
        return False
    if native(os.fsencode(first), os.fsencode(second)) == 0:
        return True
    code = ctypes.get_errno()
    if code in _CANNOT_EXCHANGE:
        return False
    raise OSError(code, os.strerror(code), str(second))


def swap_in(new: Path, target: Path, aside: Callable[[], Path]) -> Path | None:
    """Put folder `new` at `target`; return where the folder it replaced now is.

    With an exchange, `target` always holds one whole folder or the other.
    Without one, the old folder is first renamed over the empty folder
    `aside()`: a build killed between the two renames leaves no `target`, but
    the whole previous folder aside, which `restore_retired` puts back.
    """
    if not os.path.lexists(target):
        os.rename(new, target)
        return None
    if exchange(new, target):
        return new
    retired = aside()
    os.rename(target, retired)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(retired, target)
        raise
    return retired


def restore_retired(output: Path) -> bool:
    """Put back a previous site left aside by a build killed in the middle of `swap_in`."""
    if os.path.lexists(output):
        return False
    # Only real folders: a symbolic link planted under that name would become
    # the output, and the next build would replace whatever it points to.
    retired = [path for path in siblings(output, "retired") if stat.S_ISDIR(path.lstat().st_mode)]
    for candidate in sorted(retired, key=lambda path: path.lstat().st_mtime_ns, reverse=True):
        if (candidate / OUTPUT_MARKER).is_file():
            os.rename(candidate, output)
            return True
    return False


def remove_leftovers(output: Path) -> None:
    """Delete what killed builds left beside `output`; only call while no build runs."""
    restore_retired(output)
    for kind in SIBLING_KINDS:
        for leftover in siblings(output, kind):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)


# --- sitegen build: a whole new tree, swapped in --------------------------------------------

NO_HARD_LINKS = {errno.EPERM, errno.EMLINK, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS}


def link_or_copy(source: Path, target: Path) -> None:
    """`target` as a hard link to `source`: the same file, written once; a copy where links cannot be."""
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError as exc:
        if exc.errno not in NO_HARD_LINKS:
            raise
        shutil.copy2(source, target)


# Flags of a new file of the stage, opened as `open(path, "wb")` would open it.
_NEW_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


def write_new_file(path: str, data: bytes) -> None:
    """`data` as the file at `path`, in three system calls (open, write, close).

    A cold build writes tens of thousands of pages into a folder nobody reads
    until it is swapped in whole: Python's buffered file objects would add a
    status query, a terminal check and a seek to each, and their own objects.
    The mode is the umask's, as for any new file."""
    handle = os.open(path, _NEW_FILE_FLAGS, 0o666)
    try:
        view, done = memoryview(data), 0
        while done < len(view):  # a single write may take only part of a very large file
            done += os.write(handle, view[done:])
    finally:
        os.close(handle)


def write_atomically(path: Path, data: bytes) -> None:
    """Write beside the target and rename over it: a reader never sees half a file."""
    temporary = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
    # os.open applies the umask to 0o666, as any new file gets (mkstemp's would be 0600).
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def replace_search_index(output: Path, index: Callable[[Path], Result]) -> Result:
    """Build a new search bundle beside the site (in `index(scratch)`, which writes
    `scratch/pagefind`), then swap it in for the old one in one step."""
    scratch = make_sibling(output, "search")
    try:
        result = index(scratch)
        previous = swap_in(scratch / SEARCH_BUNDLE, output / SEARCH_BUNDLE, lambda: scratch / "retired")
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)
        return result
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
