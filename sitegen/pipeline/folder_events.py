"""The kernel's word on which folders changed: Linux's inotify, read without waiting.

A running builder surveys the output folder before every update, so that a
file deleted or replaced by someone else is written again. Asking every
folder for its status costs one system call per page; with a watch on each
folder, the kernel queues an event for every entry created, deleted,
renamed, written or changed in mode inside it, as part of the very call
that changes it, and the survey reads the queue instead: it lists only the
folders named there.

Events are queued by the system call that makes the change, before it
returns, so a change made before the survey begins is always in the queue
when it is read. What the queue cannot vouch for makes `changed` return
None, and the caller surveys the whole folder: an overflowing queue, a
watched folder deleted, moved or unmounted, a watch the kernel took back.
Where inotify is missing (another system, no libc) or the kernel refuses a
watch (its limit of watches per user, `fs.inotify.max_user_watches`), there
are no events at all and the survey asks each folder for its status.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import struct
import sys

_MODIFY, _ATTRIB, _CLOSE_WRITE = 0x2, 0x4, 0x8
_MOVED_FROM, _MOVED_TO, _CREATE, _DELETE = 0x40, 0x80, 0x100, 0x200
_DELETE_SELF, _MOVE_SELF, _UNMOUNT, _OVERFLOW, _IGNORED = 0x400, 0x800, 0x2000, 0x4000, 0x8000
_ONLYDIR, _DONT_FOLLOW = 0x01000000, 0x02000000
# Everything that changes what a folder holds, or one of its files' bytes, status or name.
_WATCHED = _MODIFY | _ATTRIB | _CLOSE_WRITE | _MOVED_FROM | _MOVED_TO | _CREATE | _DELETE | _DELETE_SELF | _MOVE_SELF
# Events after which the queue no longer tells everything about the folders watched.
_UNSURE = _DELETE_SELF | _MOVE_SELF | _UNMOUNT | _OVERFLOW | _IGNORED
_HEADER = struct.Struct("iIII")  # struct inotify_event: wd, mask, cookie, len, then the name


@functools.cache
def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.inotify_init1.argtypes, libc.inotify_init1.restype = [ctypes.c_int], ctypes.c_int
        libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        libc.inotify_add_watch.restype = ctypes.c_int
        libc.inotify_rm_watch.argtypes, libc.inotify_rm_watch.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    except (OSError, AttributeError):
        return None
    return libc


class _Queue:
    """The one inotify queue of the process, shared by every FolderEvents: the kernel
    gives each user few queues (`fs.inotify.max_user_instances`, 128 by default), and
    a process may hold many builders (watch's, tests'). Each event is handed to the
    FolderEvents that watch its folder, kept until they ask."""

    def __init__(self, libc) -> None:
        self.libc = libc
        self.descriptor = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        self.owners: dict[int, dict[FolderEvents, str]] = {}  # watch descriptor -> each owner's prefix for it
        # The one FolderEvents of the process that watches: opening another closes it (its next
        # `changed` is None, and its survey walks the whole folder), so that the watches of
        # builders a process no longer uses (which may never be freed) do not pile up against
        # the user's limit, which every other program of the user shares.
        self.current: FolderEvents | None = None

    def drain(self) -> None:
        """Hand every event queued to its owners; on an overflow, every owner is unsure."""
        chunks = []
        while True:
            try:
                chunk = os.read(self.descriptor, 1 << 16)
            except BlockingIOError:
                break
            except OSError:
                chunk = b""
                for owners in self.owners.values():
                    for owner in owners:
                        owner.sure = False
            if not chunk:
                break
            chunks.append(chunk)
        data = b"".join(chunks)
        unpack, size, offset = _HEADER.unpack_from, _HEADER.size, 0
        while offset < len(data):
            watch, mask, _, length = unpack(data, offset)
            offset += size + length
            if mask & _OVERFLOW:
                for owners in self.owners.values():
                    for owner in owners:
                        owner.sure = False
                continue
            owners = self.owners.get(watch, {})
            for owner, prefix in owners.items():
                if mask & _UNSURE:
                    owner.sure = False
                else:
                    owner.named.add(prefix)
            if mask & _IGNORED:
                self.owners.pop(watch, None)


@functools.cache
def _queue() -> _Queue | None:
    libc = _libc()
    if libc is None:
        return None
    queue = _Queue(libc)
    return queue if queue.descriptor >= 0 else None


class FolderEvents:
    """Watches on folders, each known by the prefix its caller gives it, and their events
    since the last call of `changed` (the process's one queue, see _Queue)."""

    def __init__(self, queue: _Queue) -> None:
        self._queue: _Queue | None = queue
        self._watches: list[int] = []
        self.named: set[str] = set()  # the prefixes of the folders with events since the last `changed`
        self.sure = True  # whether those events tell everything about the folders watched

    @classmethod
    def open(cls) -> FolderEvents | None:
        """Watches of their own, or None where the system has no inotify (or will not give a queue)."""
        queue = _queue()
        if queue is None:
            return None
        if queue.current is not None:
            queue.current.close()
        queue.current = cls(queue)
        return queue.current

    def watch(self, path: str, prefix: str) -> bool:
        """Watch the folder at `path` (never through a symbolic link); False when the kernel refuses."""
        queue = self._queue
        if queue is None:
            return False
        watch = queue.libc.inotify_add_watch(queue.descriptor, os.fsencode(path), _WATCHED | _ONLYDIR | _DONT_FOLLOW)
        if watch < 0:
            return False
        queue.owners.setdefault(watch, {})[self] = prefix
        self._watches.append(watch)
        return True

    def changed(self) -> set[str] | None:
        """The prefixes of the folders where anything happened since the last call, or
        None when the queue cannot vouch for every folder watched (see the module)."""
        if self._queue is None:
            return None
        self._queue.drain()
        named, sure = self.named, self.sure
        self.named = set()
        return named if sure else None

    def close(self) -> None:
        """Take back the watches (those no other FolderEvents shares)."""
        queue, self._queue = self._queue, None
        if queue is None:
            return
        if queue.current is self:
            queue.current = None
        queue.drain()  # events of these watches, before their descriptors can be given to others
        for watch in self._watches:
            owners = queue.owners.get(watch)
            if owners is not None and owners.pop(self, None) is not None and not owners:
                del queue.owners[watch]
                queue.libc.inotify_rm_watch(queue.descriptor, watch)
        self._watches = []

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # at the interpreter's exit, `os` may be gone already
            pass
