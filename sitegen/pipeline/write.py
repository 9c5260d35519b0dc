"""Writing the output folder safely.

Two writers. `StagedOutput` (`sitegen build`) writes the whole new site into
a hidden folder beside the output, new bytes as new files and unchanged files
as hard links to the previous site's, and then exchanges that folder with the
output folder in one atomic step: a reader, a failed build and a killed build
all see either the whole previous site or the whole new one. The site swapped
out is kept beside the output as the next build's stage, which that build
brings up to the published site where they differ (see spare_site.py). `InPlaceOutput`
(watch, serve) updates the output folder where it is, one file at a time,
each replaced atomically.

Every path is checked to stay inside the output folder, no write goes through
a symbolic link found in it, and everything created gets the mode the umask
gives (an existing output folder keeps its own).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import glob
import hashlib
import os
import secrets
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import TypeVar

from sitegen.model.errors import UsageError
from sitegen.pipeline.render import SITE_TEMPLATES_DIR
from sitegen.pipeline.output_survey import RECENT_FOLDER_NS, Survey, SurveyMemo, survey  # noqa: F401 (RECENT_FOLDER_NS: the clock step, for callers)
from sitegen.pipeline.spare_site import REUSABLE, SpareRefused, bring_up_to, remove_path, spare_folder

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


class StagedOutput:
    """The new site, written beside the output and swapped in on `commit`.

    Nothing in the output folder changes before `commit`, and `commit`
    changes it in one step. A file whose bytes the previous site already has
    is a hard link to the previous file (the same inode, its mtime kept), so
    a later build writes only the bytes that changed.
    """

    def __init__(self, output: Path, listed: Mapping[str, int] | None = None, found: Mapping[str, tuple] | None = None):
        """`listed`: the mode of every entry of the output folder by relative
        path, when the caller has just found the folder so (a build that finds
        it as its manifest says); None: the folder is surveyed for its files.
        `found`: the status of every entry of the output folder (published.Manifest),
        as just found: with it, the spare beside the output, if any, is brought up
        to the output and made the stage (`reused`); without it, it is removed."""
        self.output = output.resolve()
        self.output.parent.mkdir(parents=True, exist_ok=True)
        is_ours = (self.output / OUTPUT_MARKER).is_file()
        self.previous = self.output if is_ours else None
        self._listed = listed if is_ours else None
        self.previous_files: Collection[str] = set()
        self.reused = False
        self._present: set[str] | None = None  # a reused stage's files (see write_bytes)
        self._folders: set[str] = set()  # a reused stage's folders (see prune)
        # The status of each file of a reused stage this process has neither linked
        # nor replaced, as the output's listing gave it (see published.output_manifest).
        self.vouched: dict[str, tuple] = {}
        self._dirs: set[str] = set()
        self._making: tuple[subprocess.Popen, list[str]] | None = None  # see make_folders_in_background
        self.premade: list[str] = []  # the folders made in advance
        self._output_text = str(self.output)
        spare = spare_folder(self.output)
        if os.path.lexists(spare) and not (is_ours and found is not None and REUSABLE and self._reuse(spare, found)):
            _remove_spare(spare)
        if self.reused:
            return
        if is_ours:
            self.previous_files = survey(self.output).files if listed is None else {path for path, mode in listed.items() if stat.S_ISREG(mode)}
        self.stage = make_sibling(self.output, "staging")
        # The mode a new file gets (the umask's, read off the new folder): a
        # previous file of another mode is not linked, or its mode would stay.
        self._file_mode = stat.S_IMODE(self.stage.stat().st_mode) & 0o666
        # Folders as plain strings: a cold build writes thousands of pages,
        # and making a Path of each folder costs more than the look-up.
        self._stage_text = str(self.stage)
        self._dirs = {self._stage_text}

    def _reuse(self, spare: Path, found: Mapping[str, tuple]) -> bool:
        """Make the spare, brought up to the output, the stage; False when it cannot serve."""
        try:
            files, folders, linked, folder_mode = bring_up_to(spare, self.output, found, SEARCH_BUNDLE)
        except (SpareRefused, OSError):
            return False
        self.vouched = {path: found[path] for path in files if path not in linked}
        self.stage, self.reused = spare, True
        self._file_mode = folder_mode & 0o666
        self._stage_text = str(spare)
        self._present, self._folders = files, folders
        self.previous_files = frozenset(files)
        self._dirs = {self._stage_text, *(os.path.join(self._stage_text, folder) for folder in folders)}
        return True

    def prune(self, targets: Collection[str]) -> None:
        """Remove from a reused stage the files the new site does not have
        (`targets`: every file it has but the marker) and the folders that hold
        none of them or stand where one of them goes, before anything is written."""
        assert self._present is not None
        for relative in [relative for relative in self._present if relative not in targets and relative != OUTPUT_MARKER]:
            remove_path(self._stage_text, relative)
            self._present.discard(relative)
        holding = folders_holding(targets)
        unused = {folder for folder in self._folders if folder not in holding or folder in targets}
        for folder in unused:
            if folder.rpartition("/")[0] not in unused:  # the topmost: what is inside goes with it
                remove_path(self._stage_text, folder)
        for folder in unused:
            self._folders.discard(folder)
            self._dirs.discard(os.path.join(self._stage_text, folder))

    def make_folders_in_background(self, folders: Iterable[str]) -> None:
        """Start making `folders` (relative paths: the previous site's, most of
        which the new site has again) in the stage, in a child process
        (`xargs mkdir -p`) on another core while this process digests the
        pages; the kernel gives each folder a block. See folders_made and
        remove_unused_folders. Without `xargs`, the folders are made as the
        files are written, as ever."""
        making = sorted(folders)
        maker = _folder_maker()
        if not making or maker is None:
            return
        with tempfile.TemporaryFile() as names:
            names.write(b"\0".join(os.fsencode(folder) for folder in making))
            names.seek(0)
            try:
                child = subprocess.Popen(
                    [maker, "-0", "mkdir", "-p", "--"],
                    stdin=names, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.stage,
                )
            except OSError:
                return
        self._making = (child, making)

    def folders_made(self) -> None:
        """Wait for the folders make_folders_in_background started; those it could
        not make are made as the files are written, and any error said then."""
        if self._making is None:
            return
        child, making = self._making
        status = child.wait()  # interrupted: discard still waits for it
        self._making = None
        if status == 0:
            self.premade = making
            self._dirs.update(os.path.join(self._stage_text, folder) for folder in making)

    def remove_unused_folders(self, holding: Collection[str], files: Collection[str] = ()) -> None:
        """Remove the folders made in advance that neither hold one of `holding`
        (folders) nor stand where one of `files` goes: a page deleted since the
        last build, or a folder of it become a file. Only empty folders go."""
        unused = []
        for folder in self.premade:
            if folder not in holding or any(parent in files for parent in _self_and_parents(folder)):
                unused.append(folder)
        for folder in sorted(unused, key=lambda folder: folder.count("/"), reverse=True):  # the deepest first
            with contextlib.suppress(OSError):
                os.rmdir(os.path.join(self._stage_text, folder))
            self._dirs.discard(os.path.join(self._stage_text, folder))

    def _target(self, relative: str) -> str:
        parts = safe_relative_parts(relative)
        folder = os.path.join(self._stage_text, *parts[:-1])
        if folder not in self._dirs:
            if os.path.dirname(folder) in self._dirs:
                try:
                    os.mkdir(folder)  # a page's own folder, in one made before: one system call
                except FileExistsError:  # made meanwhile by another worker
                    pass
                self._dirs.add(folder)
            else:
                os.makedirs(folder, exist_ok=True)
                while folder not in self._dirs:  # and every folder on the way, made now or before
                    self._dirs.add(folder)
                    folder = os.path.dirname(folder)
        return os.path.join(self._stage_text, *parts)

    def _same_as_previous(self, relative: str, data: bytes) -> Path | None:
        if relative not in self.previous_files:
            return None
        previous = self.output / relative
        try:
            info = previous.lstat()
            if not stat.S_ISREG(info.st_mode) or stat.S_IMODE(info.st_mode) != self._file_mode:
                return None
            return previous if previous.read_bytes() == data else None
        except OSError:
            return None

    def _same_in_stage(self, target: str, data: bytes) -> bool:
        """Whether the stage's file at `target` already holds `data`, with the mode of a new file."""
        try:
            info = os.lstat(target)
            if not stat.S_ISREG(info.st_mode) or stat.S_IMODE(info.st_mode) != self._file_mode or info.st_size != len(data):
                return False
            with open(target, "rb") as stream:
                return stream.read() == data
        except OSError:
            return False

    def write_bytes(self, relative: str, data: bytes) -> None:
        target = self._target(relative)
        self.vouched.pop(relative, None)  # in this process: a rendering process's pages are the caller's to drop
        if self._present is not None and relative in self._present:
            # A reused stage's file is the published site's too (a hard link):
            # kept when it holds these bytes, else replaced, never written into.
            if self._same_in_stage(target, data):
                return
            with contextlib.suppress(FileNotFoundError):
                os.unlink(target)
            write_new_file(target, data)
            return
        previous = self._same_as_previous(relative, data)
        if previous is not None:
            try:
                os.link(previous, target, follow_symlinks=False)
                return
            except OSError as exc:
                if exc.errno not in NO_HARD_LINKS:
                    raise
        write_new_file(target, data)  # no fsync: a crash before the swap leaves the previous site

    def link_previous(self, relative: str) -> bool:
        """Make the previous site's file the new site's, as a hard link, without
        reading it: for a file the caller knows to be current. False when the
        previous site has no such file or the file system cannot link it. A
        reused stage holds it already (see spare_site.py)."""
        if self._present is not None:
            return relative in self._present
        if relative not in self.previous_files:
            return False
        target = self._target(relative)
        try:
            os.link(os.path.join(self._output_text, relative), target, follow_symlinks=False)
        except OSError as exc:
            if exc.errno not in NO_HARD_LINKS and exc.errno != errno.ENOENT:  # ENOENT: deleted meanwhile
                raise
            return False
        return True

    def copy_file(self, relative: str, source: Path) -> None:
        self.write_bytes(relative, source.read_bytes())

    def commit(self) -> Callable[[], None]:
        """Make the staged site the output, in one step, and start deleting the
        previous one; returns what waits until it is deleted (see remove_in_background)."""
        if self.reused:
            self.write_bytes(OUTPUT_MARKER, OUTPUT_MARKER_TEXT)  # never into the published marker
        else:
            (self.stage / OUTPUT_MARKER).write_bytes(OUTPUT_MARKER_TEXT)
        if self.output.is_dir():
            # The folder a server was given may have a mode of the user's choosing.
            os.chmod(self.stage, stat.S_IMODE(self.output.stat().st_mode))
        previous = swap_in(self.stage, self.output, lambda: make_sibling(self.output, "retired"))
        if previous is None:
            return _nothing_to_wait_for
        return self._keep_as_spare(previous)

    def _keep_as_spare(self, previous: Path) -> Callable[[], None]:
        """Keep the site just swapped out as the next build's stage (see
        spare_site.py), or delete it where it cannot be kept."""
        spare = spare_folder(self.output)
        if previous == spare:  # the stage was the spare: the exchange put the previous site there
            return _nothing_to_wait_for
        if REUSABLE and not os.path.lexists(spare):
            try:
                os.rename(previous, spare)
                return _nothing_to_wait_for
            except OSError:
                pass
        return remove_in_background(previous, self._listed)

    def discard(self) -> None:
        if self._making is not None:  # so that no folder is made once the stage is removed
            self._making[0].wait()
            self._making = None
        if self.reused:
            return  # the spare stays: the next build brings it up to the output again
        shutil.rmtree(self.stage, ignore_errors=True)


def _remove_spare(spare: Path) -> None:
    """Remove a spare that cannot serve (see spare_site.py), never through a symbolic link."""
    if stat.S_ISDIR(os.lstat(spare).st_mode):
        shutil.rmtree(spare, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            os.unlink(spare)


def _self_and_parents(folder: str) -> Iterable[str]:
    while folder:
        yield folder
        folder = folder.rpartition("/")[0]


@functools.cache
def _folder_maker() -> str | None:
    """The system's `xargs`, where there is one."""
    return shutil.which("xargs")


def _nothing_to_wait_for() -> None:
    pass


@functools.cache
def _remover() -> str | None:
    """The system's `rm`, where there is one."""
    return shutil.which("rm")


def remove_in_background(top: Path, listed: Mapping[str, int] | None = None) -> Callable[[], None]:
    """Delete the folder `top`, as `remove_folder` does, its folders in the
    background; returns what waits until they are gone (call it before the
    process ends).

    The files go first, here and now: most are hard links to the new site's
    files, and unlinking one changes the status of the file it shares (its
    change time), which the manifest of the new site, taken next, records.
    The folders are only folders, but each costs the kernel a block to free:
    they are deleted in a child process, `rm -rf`, on another core while this
    process goes on (records the new site, saves the cache). A thread would
    not run beside Python code: it would wait for the interpreter's lock after
    each of its thousands of system calls. `rm` follows no symbolic link,
    neither the one given nor any inside. Without a list of the folder, without
    `rm`, or when it cannot be started, everything is deleted here and now;
    whatever `rm` left is tried again when waited for."""
    remover = _remover()
    if listed is None or remover is None or not _FOLDERS_BY_DESCRIPTOR:
        remove_folder(top, listed)
        return _nothing_to_wait_for
    if not _remove_listed(top, listed, folders_too=False):
        shutil.rmtree(top, ignore_errors=True)
        return _nothing_to_wait_for
    try:
        child = subprocess.Popen(
            [remover, "-rf", "--", os.fspath(top)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    except OSError:
        remove_folder(top)
        return _nothing_to_wait_for

    def wait() -> None:
        try:
            child.wait()
        except BaseException:  # interrupted: the folder is still gone before this process ends
            child.wait()
            raise
        if os.path.lexists(top):
            remove_folder(top)

    return wait


def remove_folder(top: Path, listed: Mapping[str, int] | None = None) -> None:
    """Delete the folder `top`, ignoring errors. With `listed` (the mode of each
    entry by relative path, as found a moment ago), its files are unlinked and
    its folders removed from that list, without listing or stat-ing a folder
    again: a site has a folder per page. Each folder is opened from the one
    around it without following a symbolic link, as shutil.rmtree does, so
    nothing outside `top` is touched whatever replaced a folder meanwhile;
    what the list missed is left to shutil.rmtree."""
    if listed is None or not _FOLDERS_BY_DESCRIPTOR or not _remove_listed(top, listed, folders_too=True):
        shutil.rmtree(top, ignore_errors=True)
        return
    try:
        os.rmdir(top)
    except OSError:
        shutil.rmtree(top, ignore_errors=True)  # something the list did not hold


def _remove_listed(top: Path, listed: Mapping[str, int], folders_too: bool) -> bool:
    """Unlink the files `listed` names under `top` (and, `folders_too`, remove its
    folders, `top` left), through descriptors (see remove_folder), ignoring
    errors; False when `top` cannot be opened as a folder."""
    files: dict[str, list[str]] = {}
    folders: dict[str, list[str]] = {}
    for path, mode in listed.items():
        parent, _, name = path.rpartition("/")
        (folders if stat.S_ISDIR(mode) else files).setdefault(parent, []).append(name)

    def clear(descriptor: int, folder: str) -> None:
        for name in files.get(folder, ()):
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=descriptor)
        for name in folders.get(folder, ()):
            try:
                inside = os.open(name, _FOLDER_FLAGS, dir_fd=descriptor)
            except OSError:
                continue
            try:
                clear(inside, f"{folder}/{name}" if folder else name)
            finally:
                os.close(inside)
            if folders_too:
                with contextlib.suppress(OSError):
                    os.rmdir(name, dir_fd=descriptor)

    try:
        descriptor = os.open(top, _FOLDER_FLAGS)
    except OSError:
        return False
    try:
        clear(descriptor, "")
    finally:
        os.close(descriptor)
    return True


_FOLDER_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
# Where folders can be opened without following links and their entries removed through them.
_FOLDERS_BY_DESCRIPTOR = (
    hasattr(os, "O_DIRECTORY") and hasattr(os, "O_NOFOLLOW") and {os.open, os.unlink, os.rmdir} <= os.supports_dir_fd
)


# --- watch and serve: updates in place ------------------------------------------------------


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


class InPlaceOutput:
    """The output folder, updated where it is.

    `written` (output path -> digest of the bytes sitegen last wrote there)
    is trusted only for regular files still on disk as sitegen left them: a
    file deleted, or replaced by another file or by a symbolic link since, is
    written again, and the links are removed before anything is written, so
    no write can leave the folder.
    """

    def __init__(self, output: Path, written: dict[str, bytes], keep_search_bundle: bool, memo: SurveyMemo | None = None):
        self.output = output
        self.written = written
        self.memo = memo
        self._modes: tuple[int, int] | None = None  # see _new_modes
        self.found = Survey()
        if (output / OUTPUT_MARKER).is_file():
            self.found = survey(output, skip=SEARCH_BUNDLE if keep_search_bundle else "", memo=memo)
        # Not on disk as sitegen wrote it: deleted, replaced, or a new or deleted output folder.
        # Only the files the survey looked at again can be, when it names them.
        looked_at = self.found.looked_at
        if looked_at is None:
            self.dropped = (written.keys() - self.found.files) | (self.found.replaced & written.keys())
        else:
            files, replaced = self.found.files, self.found.replaced
            self.dropped = {relative for relative in looked_at if relative in written and (relative not in files or relative in replaced)}
        for relative in self.dropped:
            del written[relative]

    def is_current(self, relative: str, data: bytes) -> bool:
        return self.written.get(relative) == content_digest(data)

    def apply(self, changed: dict[str, bytes], keep: set[str]) -> int:
        """Write `changed` (files whose bytes differ from `written`) and remove what
        is not in `keep` (every file of the new site); return how many files were written."""
        self.output.mkdir(parents=True, exist_ok=True)
        for other in sorted(self.found.others):
            with contextlib.suppress(FileNotFoundError):  # removed by someone else since the survey
                (self.output / other).unlink()
        if OUTPUT_MARKER not in self.found.files:
            write_atomically(self.output / OUTPUT_MARKER, OUTPUT_MARKER_TEXT)
        written: list[Path] = []
        for relative in sorted(changed):
            target = self._real_folders_to(relative)
            if not self._holds_already(relative, target, changed[relative]):
                write_atomically(target, changed[relative])
                written.append(target)
                if self.memo is not None:
                    self.memo.wrote(relative, target)
            self.written[relative] = content_digest(changed[relative])
        if not self._remove_stale(keep):
            for relative in self.written.keys() - keep:
                del self.written[relative]
        self._set_folder_modes(written)
        if self.memo is not None:
            self.memo.settled = True
        return len(written)

    def _holds_already(self, relative: str, target: Path, data: bytes) -> bool:
        """Whether the file at `target` is `data` as sitegen writes it: its bytes, and the mode
        a new file gets (one changed by hand, say a `chmod` that keeps the web server out,
        is written anew)."""
        if relative not in self.found.files:
            return False
        try:
            return target.read_bytes() == data and stat.S_IMODE(os.lstat(target).st_mode) == self._new_modes(target.parent)[0]
        except OSError:  # unreadable, or gone: written anew
            return False

    def _set_folder_modes(self, written: list[Path]) -> None:
        """Give the folders the survey found with another mode than a new folder gets here
        (a `chmod` by hand that keeps the web server out) that mode again, as a clean build has."""
        if not self.found.modes:
            return
        wanted = self._new_modes(written[0].parent if written else self.output)[1]
        for folder, mode in self.found.modes.items():
            if mode != wanted:
                try:  # never through a symbolic link put in its place meanwhile
                    handle = os.open(self.output / folder, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0))
                except OSError:  # a stray folder removed, or no longer a folder
                    continue
                try:
                    os.fchmod(handle, wanted)
                finally:
                    os.close(handle)

    def _new_modes(self, beside: Path) -> tuple[int, int]:
        """The modes a new file and a new folder get in the output (the umask's, or a default
        ACL's), found once for the memo's folder by making both in `beside`: a folder of the
        output whose next survey lists it anyway, when the caller has one."""
        modes = self.memo.new_modes if self.memo is not None else self._modes
        if modes is None:
            probe = beside / f".{OUTPUT_MARKER}.{secrets.token_hex(4)}.tmp"
            probe.mkdir()
            try:
                handle = os.open(probe / "file", os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
                try:
                    modes = (stat.S_IMODE(os.fstat(handle).st_mode), stat.S_IMODE(os.lstat(probe).st_mode))
                finally:
                    os.close(handle)
                    os.unlink(probe / "file")
            finally:
                probe.rmdir()
            if self.memo is not None:
                self.memo.new_modes = modes
            self._modes = modes
        return modes

    def _real_folders_to(self, relative: str) -> Path:
        """The path of `relative`, every folder on the way a real folder."""
        parts = safe_relative_path(relative).parts
        folder = self.output
        for depth, part in enumerate(parts[:-1], 1):
            folder = folder / part
            if "/".join(parts[:depth]) not in self.found.folders and not folder.is_dir():
                if os.path.lexists(folder):
                    folder.unlink()  # a file where the new site has a folder
                folder.mkdir()
        target = folder / parts[-1]
        if relative in self.found.folders and not target.is_symlink():
            shutil.rmtree(target)  # a folder where the new site has a file: a clean build has none
        return target

    def _remove_stale(self, keep: set[str]) -> bool:
        """Delete every surveyed file not in `keep` (the marker stays), then the folders this empties.
        True when `keep` is what the last update kept and that update ended: then only
        the files the survey looked at again can be stale, and no other was kept."""
        memo = self.memo
        looked_at = self.found.looked_at
        # An edit keeps the same files as the last update: so are the folders holding them.
        kept_as_before = memo is not None and (memo.holding[0] is keep or memo.holding[0] == keep)
        same = kept_as_before and looked_at is not None
        # Only a folder holding none of the files kept can be empty now: the others are not listed.
        if kept_as_before:
            holding = memo.holding[1]
        else:
            holding = folders_holding(keep)
            if memo is not None:
                memo.holding = (keep, holding)
        if same:
            stale = sorted(relative for relative in looked_at if relative in self.found.files and relative not in keep)
        else:
            stale = sorted(self.found.files - keep)
        for relative in stale:
            # A file found where the new site has a folder was replaced by that folder as its pages were written.
            if relative == OUTPUT_MARKER or relative in holding:
                continue
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):  # gone with a folder a page replaced
                (self.output / relative).unlink()
        if same:  # the last update removed the others; no folder was added since (else looked_at is None)
            emptied = {self.output / folder for folder in folders_holding(stale) - holding} if stale else set()
        else:
            emptied = {self.output / folder for folder in self.found.folders - holding}
        # Deepest first, so a folder is tried after the folders inside it.
        for folder in sorted(emptied, key=lambda path: len(path.parts), reverse=True):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        return same


def folders_holding(files: Iterable[str]) -> set[str]:
    """Every folder on the way to one of `files` (relative paths)."""
    holding: set[str] = set()
    for relative in files:
        folder = relative.rpartition("/")[0]
        while folder and folder not in holding:  # its parents are in already when it is
            holding.add(folder)
            folder = folder.rpartition("/")[0]
    return holding


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
