"""The status of a file of the output, as a build records it (see engine/published.py)."""

from __future__ import annotations

import os

Status = tuple[int, int, int, int, int]  # mode, size, mtime_ns, ctime_ns, inode

# What a build records for an entry of the output it cannot vouch for (changed, or
# gone, while it ran): a status no file has, so the next build finds the entry
# changed and makes it again, where leaving it out would let its absence pass.
UNTRUSTED: Status = (0, -1, -1, -1, -1)


def status_of(info: os.stat_result) -> Status:
    return (info.st_mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def same_file_linked(before: Status, after: Status) -> bool:
    """Whether `after`, taken once a hard link was made to the file whose status
    was `before`, is that file unchanged: a link changes the change time alone.
    (A file edited in place meanwhile has another size or modification time; one
    replaced, another inode.)"""
    return before[0] == after[0] and before[1] == after[1] and before[2] == after[2] and before[4] == after[4]
