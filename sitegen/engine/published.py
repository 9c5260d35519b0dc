"""What the last build published, and whether the output folder still holds it.

A build records the status (`lstat`) of every file and folder of the site it
swapped in: the manifest. A later build, in this process or a new one,
compares the manifest with the folder as it finds it. An entry whose status
is the same is the very file the last build wrote; anything else (a file
edited, replaced, added, removed, turned into a link) is not trusted, and its
page is rendered again.

The status is the kind and permissions, size, modification time, change time
and inode. The change time is the safeguard: the system sets it on every
write, rename, link and permission change and no program can set it back,
so a file edited and given back its old modification time still differs.
The bytes are not read again: that would cost as much as the rendering it
saves. What this does not catch is a write below the file system (a raw
device, a clock turned back): the output folder is the user's own, and such
writes are not what the check is for.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from stat import S_ISDIR, S_ISREG

from sitegen.model.file_status import UNTRUSTED, Status, same_file_linked, status_of
from sitegen.model.urls import folders_holding

Manifest = dict[str, Status]  # relative path -> its status; folders too


def output_manifest(output: Path, known: Manifest | None = None) -> Manifest:
    """The status of every entry under `output` (links not followed); empty when there is no folder.

    `known`: statuses the caller vouches for, of files it has not touched since
    they were taken (a build that reused the previous site as its stage, see
    pipeline/spare_site.py): a regular file whose inode (which listing a folder
    gives without a `stat`) is the one known for its path is given that status
    unread. Were it changed since, its real status would differ from the one
    recorded, and the next build would distrust it: a known status can only
    cost time, never vouch for a file sitegen did not write."""
    found: Manifest = {}
    known = known or {}
    # Paths as strings: the site has a folder per page, and a Path per folder costs more than its scan.
    pending = [(os.fspath(output), "")]
    while pending:
        folder, prefix = pending.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    relative = prefix + entry.name
                    status = known.get(relative)
                    if status is not None and entry.inode() == status[4] and entry.is_file(follow_symlinks=False):
                        found[relative] = status
                        continue
                    info = entry.stat(follow_symlinks=False)
                    found[relative] = (info.st_mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
                    if S_ISDIR(info.st_mode):
                        pending.append((entry.path, relative + "/"))
        except (FileNotFoundError, NotADirectoryError):
            continue
    return found


def relinked_statuses(output: Path, vouched: Manifest) -> Manifest:
    """The statuses of `vouched` (see site_manifest's `known`) once the build itself has
    linked or unlinked their files since (a link changes the change time alone): each
    file's status now where it is the same file otherwise, else UNTRUSTED."""
    base = os.fspath(output) + os.sep
    now: Manifest = {}
    for relative, status in vouched.items():
        try:
            current = status_of(os.lstat(base + relative))
        except (FileNotFoundError, NotADirectoryError):
            current = UNTRUSTED
        now[relative] = current if same_file_linked(status, current) else UNTRUSTED
    return now


def site_manifest(output: Path, files: Iterable[str], known: Manifest) -> Manifest:
    """The manifest of `output` as output_manifest takes it, for a caller that knows every
    file of the site (`files`, relative paths) but its search bundle's (which the build
    lists in its stage: listed_with_links_checked): one `lstat` a folder and a file,
    and none for a file whose status is `known` (see output_manifest), instead of
    reading every folder. At 4,000 articles a page's folder is 16,000 folders.

    An entry the folder holds that is none of these (put there by hand meanwhile) is
    left out: the next build finds the output is not as its manifest says and does
    not trust it, as for any other change. A known status the file no longer has
    (replaced meanwhile) only makes the next build distrust it, and a file of
    `files` that is gone is recorded UNTRUSTED, for the same reason."""
    found: Manifest = {}
    base = os.fspath(output) + os.sep
    files = list(files)
    for relative in files:
        status = known.get(relative)
        if status is None:
            try:
                status = status_of(os.lstat(base + relative))
            except (FileNotFoundError, NotADirectoryError):
                status = UNTRUSTED  # written, then removed meanwhile: its absence is not the build's
        found[relative] = status
    for folder in folders_holding(files):
        try:
            found[folder] = status_of(os.lstat(base + folder))
        except (FileNotFoundError, NotADirectoryError):
            continue
    return found


def listed_with_links_checked(folder: Path, top: str, recorded: Manifest, linked: Mapping[str, Status] | None = None) -> Manifest:
    """The status of the entry `top` of `folder` and of everything under it (by path
    relative to `folder`), as output_manifest lists them, but UNTRUSTED for a file
    linked from the last build's output that is no longer as it was once linked
    (the status `linked` gives for it, by its path as os.path.join(folder, ...) makes
    it), or that is not the file `recorded` (the last build's manifest) records at the
    same path with the same inode but for the link (see file_status.py): edited in
    place since, or between the last look at it and its link, the next build must
    not trust it.

    The build lists its search bundle so in the stage, just before the stage is swapped
    in (the exchange changes no status within): an entry changed once published then
    has another status, and one added or removed is not as recorded either."""
    found = listed_under(folder, top)
    linked = linked or {}
    for path, status in found.items():
        once_linked = linked.get(os.path.join(folder, path))
        before = recorded.get(path)
        if once_linked is not None and status != once_linked:
            found[path] = UNTRUSTED
        elif before is not None and before[4] == status[4] and S_ISREG(status[0]) and not same_file_linked(before, status):
            found[path] = UNTRUSTED  # (linked too: what it was once linked must also be the file recorded)
    return found


def listed_under(folder: Path, top: str) -> Manifest:
    """The status of the entry `top` of `folder` and of everything under it, by path
    relative to `folder`, as output_manifest lists them; empty when there is none."""
    try:
        info = os.lstat(folder / top)
    except (FileNotFoundError, NotADirectoryError):
        return {}
    found: Manifest = {top: status_of(info)}
    if S_ISDIR(info.st_mode):
        found.update((f"{top}/{path}", status) for path, status in output_manifest(folder / top).items())
    return found


def manifest_modes(manifest: Manifest) -> dict[str, int]:
    """The kind and permissions of each entry of `manifest`."""
    return {path: status[0] for path, status in manifest.items()}


def unchanged_entries(recorded: Manifest, current: Manifest) -> set[str]:
    """The entries the output folder still holds exactly as the last build left them."""
    return {path for path, status in recorded.items() if current.get(path) == status}


def holds_exactly(recorded: Manifest, current: Manifest) -> bool:
    """True when the output folder is, entry for entry, what the last build left."""
    return bool(recorded) and recorded == current
