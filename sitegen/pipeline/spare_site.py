"""The previous site, kept beside the output as the next build's stage.

A `sitegen build` stages the whole new site in a folder beside the output and
exchanges the two in one step (see staged_output.py). Making that folder anew costs a
hard link per file and a folder per page, and deleting the site swapped out
as much again: at 4,000 articles, 16,000 links and 6,500 folders each way,
whatever the edit. Yet the site just swapped out differs from the one
published only in the files that build changed, added or removed. So it is
kept, as `._<output>.previous` beside the output (the *spare*), and the next
build brings it up to the published site where they differ, writes its own
changes into it, and exchanges it with the output: the output is still
replaced in one step, and the site swapped out becomes the spare again.

Nothing in the spare is trusted. Bringing it up (`bring_up_to`) lists each
of its folders (`os.scandir` through a descriptor: the names and inode
numbers, no `stat` of a file) and compares each entry with the published
site's entry of the same path, as the caller lists it (each path's kind and
inode, from the manifest the output was just found to match, or a new
listing). An entry is kept only when it is the very same file as the
published one (same inode, a regular file, on the same device) or a real
folder where the site has one; anything else (a file edited or replaced by
hand, one added, a symbolic link, a folder of another device, a folder where
a file goes) is removed, and each missing file is hard-linked from the
published site. A file edited in place in either tree is edited in both
(they share it): the published one then no longer has the status its
manifest recorded, so the build does not keep its page but renders it again,
and replaces the stage's entry. For the same reason nothing is ever written
into a file of the stage: a file is replaced (unlinked, then written anew),
never rewritten where it is, since it is also the published site's file.

A file is linked only while it has the very status the caller listed (its
change time included), and is looked at again once linked (a link changes
the change time alone): a published file changed since it was listed is not
kept in the stage, and its page is rendered again. The status it has once
linked is the one the build records for it, so an edit made after (which
changes its change time) is not trusted by the next build.

A build killed while it brings the spare up, or while it writes into it,
leaves the published site untouched and the spare half done: the next build
brings it up the same way. A spare that cannot be used (not a real folder,
on another device, unreadable) is removed and the stage made anew, and a
user who deletes it only makes the next build slower. The spare is beside
the output folder, never in it: GitHub Pages and any server publish only
the output folder.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from sitegen.model.file_status import Status, same_file_linked, status_of

SPARE_KIND = "previous"

# Opening a folder of the stage: never through a symbolic link, whatever replaced it meanwhile.
_FOLDER_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
# Where folders can be opened, listed and changed through descriptors.
REUSABLE = (
    hasattr(os, "O_DIRECTORY")
    and hasattr(os, "O_NOFOLLOW")
    and {os.open, os.unlink, os.rmdir, os.mkdir, os.link} <= os.supports_dir_fd
    and os.scandir in os.supports_fd
)


def spare_folder(output: Path) -> Path:
    """Where the site swapped out by the last build is kept for the next (`._site.previous`)."""
    return output.parent / f".{output.name}.{SPARE_KIND}"


class SpareRefused(Exception):
    """The spare cannot serve as the stage: it is removed and the stage made anew."""


class BroughtUp(NamedTuple):
    """The spare as bring_up_to left it."""

    files: set[str]  # its files (relative paths), each the published site's
    folders: set[str]  # its folders
    linked: dict[str, Status]  # the files it linked, each with its status once linked (the link changed it)
    folder_mode: int  # the mode the umask gives a new folder


def bring_up_to(spare: Path, output: Path, live: Mapping[str, tuple], skip: str) -> BroughtUp:
    """Make `spare` hold what the published site `output` holds: every regular
    file of it as a hard link to the published file and every folder of it as
    a folder with the mode the umask gives, and nothing else. `live` gives the status
    (mode first, inode last, as in published.Manifest) of every entry of
    `output` by relative path; the top-level entry `skip` (the search bundle,
    which the indexer writes anew) is left out. Returns the files and the
    folders now in the spare, the files it linked with the status each has
    once linked, and the mode of a new folder (a published file found changed
    since `live` was taken is left out of the spare); raises
    SpareRefused (or OSError) when it cannot be used."""
    wanted: dict[str, dict[str, tuple[bool, tuple]]] = {}  # folder -> name -> (is a folder, its status)
    files: set[str] = set()
    folders: set[str] = set()
    for path, status in live.items():
        mode = status[0]
        if path == skip or path.startswith(skip + "/"):
            continue
        is_folder = stat.S_ISDIR(mode)
        if not (is_folder or stat.S_ISREG(mode)):
            continue  # a link or anything else a clean build never writes: the stage has none
        parent, _, name = path.rpartition("/")
        wanted.setdefault(parent, {})[name] = (is_folder, status)
        (folders if is_folder else files).add(path)
    for folder in folders:  # a folder of the site under an entry that is not a folder: the listing is not a tree
        parent = folder.rpartition("/")[0]
        if parent and parent not in folders:
            raise SpareRefused(folder)
    output_text = os.fspath(output)
    linked: dict[str, Status] = {}
    refused: set[str] = set()
    try:
        top = os.open(spare, _FOLDER_FLAGS)
    except OSError as exc:
        raise SpareRefused(str(spare)) from exc
    try:
        device = os.fstat(top).st_dev
        if device != os.stat(output).st_dev:
            raise SpareRefused(str(spare))  # the exchange needs one file system
        folder_mode = _new_folder_mode(top)
        _bring_folder(top, "", wanted, output_text, device, folder_mode, linked, refused)
    finally:
        os.close(top)
    return BroughtUp(files - refused, folders, linked, folder_mode)


def _bring_folder(
    descriptor: int, folder: str, wanted: dict, output_text: str, device: int, folder_mode: int, linked: dict[str, Status], refused: set[str]
) -> None:
    """Bring the folder open as `descriptor` (`folder` in the site) and everything under it up to the site."""
    here = wanted.get(folder, {})
    present: set[str] = set()
    inside: list[str] = []
    with os.scandir(descriptor) as entries:
        for entry in entries:
            name = entry.name
            want = here.get(name)
            if want is not None:
                is_folder, status = want
                if is_folder:
                    if entry.is_dir(follow_symlinks=False):
                        present.add(name)
                        inside.append(name)
                        continue
                elif entry.inode() == status[-1] and entry.is_file(follow_symlinks=False):
                    present.add(name)  # the very file the site publishes: nothing to do
                    continue
            remove_entry(descriptor, name)
    for name, (is_folder, status) in here.items():
        if name in present:
            continue
        if is_folder:
            os.mkdir(name, dir_fd=descriptor)  # the umask's mode, as a new stage's
            inside.append(name)
            continue
        relative = f"{folder}/{name}" if folder else name
        published = os.path.join(output_text, relative)
        try:
            unchanged = status_of(os.lstat(published)) == status
        except FileNotFoundError:
            unchanged = False
        if not unchanged:  # changed since the caller listed it (the change time says so too), or gone
            refused.add(relative)
            continue
        os.link(published, name, dst_dir_fd=descriptor, follow_symlinks=False)
        now = status_of(os.stat(name, dir_fd=descriptor, follow_symlinks=False))
        if same_file_linked(status, now):
            linked[relative] = now
        else:  # changed in the moment between: not the file the caller vouches for
            remove_entry(descriptor, name)
            refused.add(relative)
    for name in inside:
        relative = f"{folder}/{name}" if folder else name
        child = os.open(name, _FOLDER_FLAGS, dir_fd=descriptor)
        try:
            info = os.fstat(child)
            if info.st_dev != device:
                raise SpareRefused(relative)  # a mount point: never written into, nor published
            if stat.S_IMODE(info.st_mode) != folder_mode:
                os.chmod(child, folder_mode)  # a clean build's folders have the umask's mode
            _bring_folder(child, relative, wanted, output_text, device, folder_mode, linked, refused)
        finally:
            os.close(child)


def remove_entry(descriptor: int, name: str) -> None:
    """Remove `name` from the folder open as `descriptor`: a file or a link
    is unlinked, a folder emptied (without following any link) and removed."""
    try:
        os.unlink(name, dir_fd=descriptor)
        return
    except FileNotFoundError:
        return
    except (IsADirectoryError, PermissionError):  # Linux says EISDIR, macOS EPERM, for a folder
        pass
    try:
        inside = os.open(name, _FOLDER_FLAGS, dir_fd=descriptor)
    except FileNotFoundError:
        return
    try:
        with os.scandir(inside) as entries:
            names = [entry.name for entry in entries]
        for other in names:
            remove_entry(inside, other)
    finally:
        os.close(inside)
    os.rmdir(name, dir_fd=descriptor)


def remove_path(top: str, relative: str) -> None:
    """Remove the entry `relative` under the folder `top`, every folder on the
    way opened without following a link (see remove_entry)."""
    parts = relative.split("/")
    descriptor = os.open(top, _FOLDER_FLAGS)
    try:
        for part in parts[:-1]:
            try:
                inner = os.open(part, _FOLDER_FLAGS, dir_fd=descriptor)
            except (FileNotFoundError, NotADirectoryError):
                return
            os.close(descriptor)
            descriptor = inner
        remove_entry(descriptor, parts[-1])
    finally:
        os.close(descriptor)


def _new_folder_mode(descriptor: int) -> int:
    """The mode the umask gives a new folder, read off one made and removed in
    the folder open as `descriptor` (left behind by a killed build, the next
    one removes it as any entry the site does not have)."""
    probe = ".sitegen-new-folder"
    with contextlib.suppress(FileNotFoundError):
        remove_entry(descriptor, probe)
    os.mkdir(probe, dir_fd=descriptor)
    try:
        return stat.S_IMODE(os.stat(probe, dir_fd=descriptor, follow_symlinks=False).st_mode)
    finally:
        os.rmdir(probe, dir_fd=descriptor)
