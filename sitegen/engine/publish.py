"""Around every write to the output folder: one build at a time, what killed
builds left behind removed, and the system's refusals reported as what they are.

A build locks the output folder with `fcntl.flock` on a file beside it
(`._site.lock`, deleted again by the last holder). A second build that finds
it locked stops at once with "another sitegen build is writing …" rather than
waiting, so that a build never publishes sources older than the one it
waited for. The first holder removes the staging and search folders of builds
that were killed (they can hold no live work: every build holds the lock).

A full disk, a quota, a read-only file system, a permission or a mount point
are not bugs: they become an `OutputError`, a located error like bad content,
and the previous site stays as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from sitegen.model.errors import ContentError, Diagnostic
from sitegen.pipeline.spare_site import spare_folder
from sitegen.pipeline.write import SIBLING_KINDS, remove_leftovers, sibling_prefix

try:
    import fcntl
except ImportError:  # not on a Unix system: builds are not locked against each other
    fcntl = None  # type: ignore[assignment]


class OutputError(ContentError):
    """The output folder could not be written; nothing of this build was published."""

    def __init__(self, path: str, message: str):
        super().__init__([Diagnostic(path, None, message)])


_WHAT_TO_DO = {
    errno.ENOSPC: "no space left on the device while writing {file}; free some space and build again",
    errno.EDQUOT: "the disk quota is used up while writing {file}; free some space (or raise the quota) and build again",
    errno.EROFS: "the file system is read-only: cannot write {file}; build into a writable folder with --out",
    errno.EACCES: "permission denied while writing {file}; make it writable for this user, or build elsewhere with --out",
    errno.EPERM: "the operation is not permitted while writing {file}; make it writable for this user, or build elsewhere with --out",
    errno.EBUSY: "{file} is busy (a mount point, or in use) and cannot be replaced; "
    "build into a folder inside it with --out and publish that folder",
    errno.EXDEV: "{file} is on another file system than the folder around it (a mount point?) and cannot be replaced; "
    "build into a folder inside it with --out and publish that folder",
    errno.EIO: "input/output error while writing {file}: the device may be failing; check it and build again",
    errno.ENAMETOOLONG: "the path {file} is too long for the file system; choose a shorter --out or shorter slugs",
    errno.EMFILE: "too many open files while writing {file}; raise the limit (ulimit -n) and build again",
}

_FULL_OR_BROKEN = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO}


class OutputGuard:
    """The output folders one builder is writing, and the errors of writing them.

    A rebuild and the background search refresh of watch and serve run in two
    threads of one builder: they share its lock (the watcher orders them),
    and only the first of them removes leftovers.
    """

    def __init__(self, root: Path):
        self.root = root
        self._held: dict[Path, tuple[int, int]] = {}  # output -> (locked file descriptor, holders)
        self._guard = threading.Lock()
        self._unfinished: dict[Path, list[Callable[[], None]]] = {}  # see finish_before_release

    @contextlib.contextmanager
    def writing(self, output: Path) -> Iterator[None]:
        """Hold the lock of `output` and turn the system's errors into located ones."""
        with self.reporting(output):
            first = self._acquire(output)
            try:
                if first:
                    remove_leftovers(output)
                yield
            finally:
                try:
                    self._finish(output)
                finally:
                    self._release(output)

    def finish_before_release(self, output: Path, wait: Callable[[], None]) -> None:
        """Have `wait` (for work a build left under way beside `output`: the
        deletion of the previous site) called before the lock of `output` is
        released, so that the build ends, and the next one starts, with it done."""
        with self._guard:
            self._unfinished.setdefault(output, []).append(wait)

    def _finish(self, output: Path) -> None:
        with self._guard:
            waits = self._unfinished.pop(output, [])
        for wait in waits:
            wait()

    @contextlib.contextmanager
    def reporting(self, output: Path) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            raise self.explain(exc, output) from exc

    def check_replaceable(self, output: Path) -> None:
        """A mount point cannot be swapped for a new folder: say so before building anything."""
        if os.path.ismount(output):
            raise self.explain(OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(output)), output)

    # --- the lock -----------------------------------------------------------------------------

    def _acquire(self, output: Path) -> bool:
        with self._guard:
            if output in self._held:
                descriptor, holders = self._held[output]
                self._held[output] = (descriptor, holders + 1)
                return False
            self._held[output] = (self._lock(output), 1)
            return True

    def _lock(self, output: Path) -> int:
        if fcntl is None:
            return -1
        path = lock_file(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        while True:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
            try:
                # flock belongs to the open file, so the rendering workers forked while it is
                # held share it; they end with the pool, before the lock is released.
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                shown = self.shown(output)
                raise OutputError(shown, f"another sitegen build is writing {shown}; wait for it to finish and build again") from None
            except BaseException:
                os.close(descriptor)
                raise
            # The last holder deletes the file: a lock on a file deleted meanwhile locks nothing.
            try:
                current = os.stat(path, follow_symlinks=False)
            except FileNotFoundError:
                current = None
            mine = os.fstat(descriptor)
            if current is not None and (current.st_dev, current.st_ino) == (mine.st_dev, mine.st_ino):
                return descriptor
            os.close(descriptor)

    def _release(self, output: Path) -> None:
        with self._guard:
            descriptor, holders = self._held[output]
            if holders > 1:
                self._held[output] = (descriptor, holders - 1)
                return
            del self._held[output]
            if descriptor >= 0:
                with contextlib.suppress(OSError):
                    os.unlink(lock_file(output))  # while still locked: see _lock
                os.close(descriptor)

    # --- messages -----------------------------------------------------------------------------

    def explain(self, exc: OSError, output: Path) -> ContentError:
        """The error a user can act on for an OSError met while writing `output`."""
        filename = os.fsdecode(exc.filename) if exc.filename is not None else str(output)
        path = self.published_path(Path(filename), output)
        if path is None and exc.errno in _FULL_OR_BROKEN:  # the device of some other file: still no output
            path = Path(filename)
        if path is None:  # not the output: a source file that could not be read
            shown = self.shown(Path(filename))
            return ContentError([Diagnostic(shown, None, f"cannot be read ({exc.strerror or exc}); check the file and build again")])
        file = self.shown(path)
        template = _WHAT_TO_DO.get(exc.errno or 0, "cannot write {file} ({reason}); fix the cause and build again")
        return OutputError(self.shown(output), template.format(file=file, reason=exc.strerror or exc))

    def published_path(self, path: Path, output: Path) -> Path | None:
        """Where `path` (in the output, its lock, or a staging, search or spare folder beside it) is published."""
        if not path.is_absolute():
            path = Path.cwd() / path
        if path == output or output in path.parents or path == lock_file(output):
            return path
        try:
            first, *rest = path.relative_to(output.parent).parts
        except ValueError:
            return None
        if not any(first.startswith(sibling_prefix(output, kind)) for kind in SIBLING_KINDS) and first != spare_folder(output).name:
            return None
        # staging-x/articles/… is output/articles/…; search-x/pagefind/… is output/pagefind/…
        return output.joinpath(*rest)

    def shown(self, path: Path) -> str:
        """`path` as the user sees it: relative to the archive when inside it."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def lock_file(output: Path) -> Path:
    return output.parent / f".{output.name}.lock"
