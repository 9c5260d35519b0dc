"""Removing the previous site's folder: its files at once, its folders by the
system's `rm` in the background where it can, and never through a symbolic link."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import stat
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path


def nothing_to_wait_for() -> None:
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
        return nothing_to_wait_for
    if not _remove_listed(top, listed, folders_too=False):
        shutil.rmtree(top, ignore_errors=True)
        return nothing_to_wait_for
    try:
        child = subprocess.Popen(
            [remover, "-rf", "--", os.fspath(top)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    except OSError:
        remove_folder(top)
        return nothing_to_wait_for

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
