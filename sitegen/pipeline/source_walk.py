"""Finding the source files under a folder of the archive.

`walk_files` lists a folder and the folders inside, in name order, and says
why what it leaves out is left out (a symbolic link, a named pipe, a name
that is not text); hidden names and editors' temporaries are skipped (see
sourcenames). A running builder walks every build: with a `WalkMemo` it
lists only the folders that changed since its last walk.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from sitegen.model.errors import Problems
from sitegen.model.sourcenames import is_ignored_name
from sitegen.pipeline.sourcefiles import RECENT_STATUS_NS as RECENT_FOLDER_NS, source_name



@dataclass(frozen=True, slots=True)
class _Folder:
    """One folder of sources as a walk listed it: its status then, its files and
    the folders inside to walk (each in name order), and what the listing reported."""

    status: tuple[int, int, int, int]
    files: list[Path]
    subfolders: list[Path]
    problems: tuple


class WalkMemo:
    """What the last walk of one folder found, folder by folder.

    Adding, removing or renaming an entry changes its folder's modification
    and change times (so does replacing a file by a link, or a change of the
    folder's permissions), so a folder whose status is the same still holds
    those entries: the next walk asks each folder for its status and lists
    only those that changed. When none did, it returns the very list of files
    the last walk returned, which lets what was worked out of it be kept (see
    markdown_sources). A file written in place changes no folder: its own
    status is checked by whoever reads it (the parse cache).
    """

    def __init__(self) -> None:
        self.folders: dict[str, _Folder] = {}  # path -> its listing, for the folders whose status was old enough to trust
        self.found: list[Path] | None = None  # the files the last walk found


def walk_files(root: Path, folder: Path, problems: Problems, memo: WalkMemo | None = None) -> list[Path]:
    """All regular files under `folder`, sorted, without following symlinks
    and without hidden files or editors' temporaries (`is_ignored_name`).

    A symlink can loop or lead outside the archive; neither is followed, and
    each one is reported so the author knows the file was left out.
    """
    if folder.is_symlink() or not folder.is_dir():
        if folder.is_symlink():
            problems.warning(source_name(root, folder), None, "symbolic link to a folder not followed: copy the files instead")
        else:
            not_a_folder(root, folder, problems)
        if memo is not None:
            # The same empty list while the folder is missing: what was worked out of the listing holds.
            memo.folders, memo.found = {}, memo.found if memo.found == [] else []
            return memo.found
        return []
    before = memo.folders if memo is not None else {}
    trusted: dict[str, _Folder] = {}
    walked: list[_Folder] = []
    old_enough = time.time_ns() - RECENT_FOLDER_NS
    listed_again = memo is None or memo.found is None
    pending = [folder]
    while pending:
        here = pending.pop()
        name = os.fspath(here)
        try:
            # Before listing: a change while it is listed changes it again, and the next walk lists it.
            info = os.stat(name)
        except OSError:  # a folder that cannot be listed is skipped, as os.walk skips it
            listed_again = True
            continue
        status = (info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)
        known = before.get(name)
        if known is None or known.status != status:
            known = _list_folder(root, here, status)
            listed_again = True
            if known is None:
                continue
        if status[1] < old_enough:
            trusted[name] = known
        else:
            listed_again = True  # the next walk lists it again, and makes its list anew
        walked.append(known)
        problems.extend(known.problems)
        pending.extend(reversed(known.subfolders))  # depth first, in name order, as os.walk goes
    if not listed_again and memo is not None and memo.found is not None:
        return memo.found
    found = [path for listing in walked for path in listing.files]
    if memo is not None:
        memo.folders, memo.found = trusted, found
    return found


def _list_folder(root: Path, here: Path, status: tuple[int, int, int, int]) -> _Folder | None:
    """The files and folders of `here`, and what to report of its other entries;
    None when it cannot be listed."""
    problems = Problems()
    try:
        # os.scandir's entries know their kind without a system call per file.
        with os.scandir(here) as scanned:
            entries = sorted(scanned, key=lambda entry: entry.name)
    except OSError:  # a folder that cannot be listed is skipped, as os.walk skips it
        return None
    files, subfolders = [], []
    for entry in entries:
        if not is_utf8_name(entry.name):  # a URL, a feed or a data file could not hold it
            if not is_ignored_name(entry.name):
                problems.error(source_name(root, here / entry.name), None, "the name is not valid UTF-8: rename it")
            continue
        if _is_folder(entry):  # as os.walk tells folders: links to folders included
            if entry.is_symlink():
                problems.warning(source_name(root, here / entry.name), None, "symbolic link to a folder not followed: copy the files instead")
            elif not is_ignored_name(entry.name):
                subfolders.append(here / entry.name)
            continue
        if is_ignored_name(entry.name):  # hidden, or an editor's temporary: see sourcenames
            continue
        path = here / entry.name
        if entry.is_symlink():
            problems.warning(source_name(root, path), None, "symbolic link not followed: copy the file instead")
            continue
        if not entry.is_file(follow_symlinks=False):  # reading a named pipe would wait for a writer forever
            if os.path.lexists(path):  # and not removed since it was listed
                problems.warning(source_name(root, path), None, "not a regular file (a named pipe, socket or device): left out; remove it")
            continue
        files.append(path)
    return _Folder(status, files, subfolders, tuple(problems.items))


def is_utf8_name(name: str) -> bool:
    """Whether a name read from the file system is text: bytes that are not UTF-8 come as lone surrogates."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_folder(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def not_a_folder(root: Path, folder: Path, problems: Problems) -> None:
    """A file where a folder of sources belongs would leave every source out without a word."""
    if os.path.lexists(folder) and not folder.is_dir():
        problems.error(source_name(root, folder), None, "is a file, not a folder: rename it and make a folder of that name")
