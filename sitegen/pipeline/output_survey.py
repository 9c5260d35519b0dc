"""What the output folder holds, found again at every in-place update (watch, serve).

A running builder writes into the output folder where it is, and someone
else may delete or replace a file there meanwhile: before each update it
surveys the folder, so that such a file is written again. The survey keeps
what it found (`SurveyMemo`) and, at the next one, looks again only at the
folders that changed since: the kernel names them (see folder_events.py),
or, where it cannot, every folder is asked for its status.
"""

from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.pipeline.folder_events import FolderEvents
from sitegen.pipeline.sourcefiles import RECENT_STATUS_NS as RECENT_FOLDER_NS


@dataclass(slots=True)
class Survey:
    """What a folder holds, found without following symbolic links."""

    files: set[str] = field(default_factory=set)  # regular files, by relative path
    folders: set[str] = field(default_factory=set)
    others: set[str] = field(default_factory=set)  # symbolic links (never followed), FIFOs, sockets, devices
    replaced: set[str] = field(default_factory=set)  # files changed since the last survey, not by sitegen (see SurveyMemo)
    # The files that may have come, gone or been replaced since the last survey with the same
    # memo (every one sitegen wrote since among them), when that survey's update ended
    # (`SurveyMemo.settled`); None when any may have.
    looked_at: set[str] | None = None
    # The mode of each folder inside whose status this survey asked for (every folder, after
    # a whole walk; those that changed, else): one given another mode by hand is set back.
    modes: dict[str, int] = field(default_factory=dict)


class SurveyMemo:
    """The entries of each folder at the last survey, with the folder's status then.

    Adding, removing or renaming an entry changes its folder's modification
    and change times, so a folder whose status is the same still holds those
    entries: a running builder lists only the folders that changed (its own
    writes among them). Which those are, the kernel's events tell where it
    can (`events`: nothing is asked of the other folders); elsewhere each
    folder is asked for its status.

    A folder that changed may hold a file someone else put there in place of
    the one sitegen wrote (an editor's save or a sync tool renames a new file
    over it): the name is the same, the file is not. So the files of a folder
    listed again are looked at: one changed since the last survey began is
    `replaced`, unless it is as sitegen's own write left it (`written`)."""

    def __init__(self) -> None:
        self.surveyed: tuple[str, str] = ("", "")  # the folder surveyed, and the folder left out
        # prefix -> (status, files, folders, others, (path, prefix) of each folder inside), for every
        # folder of the last survey; the status is None where it was too recent to be trusted.
        self.folders: dict[str, tuple[tuple | None, list[str], list[str], list[str], list[tuple[str, str]]]] = {}
        self.order: list[tuple[str, str]] = []  # (path, prefix) of each of those folders
        self.found = Survey()  # what the last survey found (its `replaced` left empty)
        self.started = 0  # when the last survey began (time_ns)
        self.written: dict[str, tuple] = {}  # relative path -> status of a file as sitegen wrote it, since about then
        self.fresh: set[str] = set()  # the files sitegen wrote since the last survey
        self.holding: tuple[set[str], set[str]] = (set(), set())  # the files an update kept, and the folders holding them
        # Whether the update that followed the last survey ended, removing what it did not keep:
        # then a file that did not change since is one it kept.
        self.settled = False
        self.events: FolderEvents | None = None  # a watch on every folder of the last survey, when the kernel gives them
        self.top: tuple[int, int] = (0, 0)  # the inode and device of the folder surveyed, when watched
        self.refused = False  # whether the kernel refused a watch: then the folders are asked for their status
        self.new_modes: tuple[int, int] | None = None  # the modes a new file and folder get in the output (see InPlaceOutput)

    def wrote(self, relative: str, path: Path) -> None:
        """Record the status of a file sitegen has just written."""
        self.written[relative] = _file_status(os.lstat(path))
        self.fresh.add(relative)

    def close(self) -> None:
        """Give back the watches (the memo is not used again)."""
        if self.events is not None:
            self.events.close()
            self.events = None


def survey(folder: Path, skip: str = "", memo: SurveyMemo | None = None) -> Survey:
    """Every entry under `folder`, except the top-level folder named `skip`.

    With `memo`, the sets of the Survey returned are the memo's own, valid
    until its next survey: they are not copied at every update."""
    surveyed = (os.fspath(folder), skip)  # the folder as given: its entries' paths are made from it
    again = memo is not None and memo.surveyed == surveyed
    started = _now_ns()
    found = _survey_again(memo, skip, started) if again else None
    if found is None:
        found = _survey_whole(surveyed[0], skip, memo, again, started)
    if memo is not None:
        memo.surveyed, memo.started = surveyed, started
        # What was written long enough before this survey is told apart by its change time alone.
        trusted = started - RECENT_FOLDER_NS
        memo.written = {relative: status for relative, status in memo.written.items() if status[3] >= trusted and relative not in found.replaced}
        if found.looked_at is not None:
            found.looked_at.update(memo.fresh)
        memo.fresh, memo.settled = set(), False
    return found


def _survey_whole(top: str, skip: str, memo: SurveyMemo | None, again: bool, started: int) -> Survey:
    """`survey` by a walk from `top`, listing the folders the memo of the last survey
    of `top` (when `again`) does not know as they are; what it finds goes into `memo`,
    with a watch on every folder when the kernel gives them (each set before its
    folder is looked at: a change after that look is an event)."""
    found = Survey()
    visited: dict[str, tuple] = {}
    order: list[tuple[str, str]] = []
    before = memo.folders if memo is not None and again else {}
    trusted = started - RECENT_FOLDER_NS
    # A file whose change time is older than this was there, as it is, when the last survey began.
    since = memo.started - RECENT_FOLDER_NS if memo is not None and again else 0
    events = _fresh_events(memo)
    # Paths as strings: the site has a folder per page, and a Path per folder costs more than its scan.
    pending = [(top, "")]
    while pending:
        here, prefix = pending.pop()
        if events is not None and not events.watch(here, prefix):
            memo.refused, events = True, None
            memo.close()
        info = os.stat(here)
        status = (info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)
        if not prefix and memo is not None:
            memo.top = (info.st_ino, info.st_dev)
        if prefix:
            found.modes[prefix[:-1]] = stat.S_IMODE(info.st_mode)
        known = before.get(prefix)
        if known is None or known[0] != status:
            files, folders, others = _list_folder(here, prefix, skip)
            # The folders inside, as the walk takes them: made once per listing, not once per survey.
            known = (status, files, folders, others, [(f"{top}/{relative}", relative + "/") for relative in folders])
            if memo is not None and again:
                found.replaced.update(_changed_files(top, known[1], since, memo.written))
        visited[prefix] = known if status[1] < trusted else (None, *known[1:])
        order.append((here, prefix))
        _, files, folders, others, inside = known
        found.files.update(files)
        if folders:
            found.folders.update(folders)
            pending.extend(inside)
        if others:
            found.others.update(others)
    if memo is not None:
        memo.folders, memo.order = visited, order
        memo.found = Survey(set(found.files), set(found.folders), set(found.others))
    return found


def _fresh_events(memo: SurveyMemo | None) -> FolderEvents | None:
    """The queue a whole walk watches the folders with: a new one (the last one's
    watches may be on folders gone), or None where the kernel gives none."""
    if memo is None:
        return None
    memo.close()
    if not memo.refused:
        memo.events = FolderEvents.open()
    return memo.events


def _survey_again(memo: SurveyMemo, skip: str, started: int) -> Survey | None:
    """`survey` of the folder `memo` surveyed last, from what it found then: the
    folders that changed are listed again (those the kernel names, or, without its
    events, those whose status changed). None when a folder was added or removed
    (or cannot be asked, or the events cannot vouch for every folder): the whole
    folder is walked."""
    top = memo.surveyed[0]
    before = memo.folders
    changed: list[tuple[str, str, tuple, int]] = []  # (path, prefix, status, mode) of each folder to list again
    stat_of = os.stat
    if memo.events is not None:
        named = memo.events.changed()
        if named is None:
            return None
        try:
            info = stat_of(top)
            if (info.st_ino, info.st_dev) != memo.top:  # another folder in its place, its own watches not set
                return None
            for prefix in sorted(named):
                if prefix in before:
                    here = f"{top}/{prefix[:-1]}" if prefix else top
                    info = stat_of(here)
                    changed.append((here, prefix, (info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev), info.st_mode))
        except OSError:
            return None
    else:
        try:
            for here, prefix in memo.order:
                info = stat_of(here)
                status = (info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)
                if before[prefix][0] != status:
                    changed.append((here, prefix, status, info.st_mode))
        except OSError:
            return None
    since = memo.started - RECENT_FOLDER_NS
    listed = []
    modes: dict[str, int] = {}
    for here, prefix, status, mode in changed:
        if prefix:
            modes[prefix[:-1]] = stat.S_IMODE(mode)
        try:
            files, folders, others = _list_folder(here, prefix, skip)
        except OSError:
            return None
        if folders != before[prefix][2] and sorted(folders) != sorted(before[prefix][2]):
            return None
        listed.append((prefix, status, files, others))
    replaced: set[str] = set()
    trusted = started - RECENT_FOLDER_NS
    last = memo.found
    looked_at: set[str] | None = set() if memo.settled else None
    for prefix, status, files, others in listed:
        replaced.update(_changed_files(top, files, since, memo.written))
        _, old_files, folders, old_others, inside = before[prefix]
        if looked_at is not None:
            looked_at.update(old_files)
            looked_at.update(files)
        last.files.difference_update(old_files)
        last.files.update(files)
        last.others.difference_update(old_others)
        last.others.update(others)
        before[prefix] = (status if status[1] < trusted else None, files, folders, others, inside)
    return Survey(last.files, last.folders, last.others, replaced, looked_at, modes)


def _file_status(info: os.stat_result) -> tuple:
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _changed_files(top: str, files: list[str], since: int, ours: dict[str, tuple]) -> list[str]:
    """The files of a folder listed again changed since `since`, other than as sitegen wrote them (`ours`)."""
    changed = []
    for relative in files:
        try:
            status = _file_status(os.lstat(f"{top}/{relative}"))
        except OSError:  # gone since the listing
            changed.append(relative)
            continue
        if status[3] >= since and ours.get(relative) != status:
            changed.append(relative)
    return changed


def _list_folder(here: str, prefix: str, skip: str) -> tuple[list[str], list[str], list[str]]:
    """The files, folders (but `skip`) and other entries of one folder, by path relative to the surveyed one."""
    files, folders, others = [], [], []
    with os.scandir(here) as entries:
        for entry in entries:
            relative = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                if relative != skip:
                    folders.append(relative)
            elif entry.is_file(follow_symlinks=False):
                files.append(relative)
            else:
                others.append(relative)
    return files, folders, others


def _now_ns() -> int:
    return time.time_ns()
