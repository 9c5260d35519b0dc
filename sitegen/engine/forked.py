"""One piece of a build's work done in a process forked for it, beside the build.

Some of a build's work is the file system's alone (listing the output folder,
bringing the spare up: see up_to_date.py and stage_ready.py) and needs no
more than what the build holds when it starts it. A forked child does it on
the other core while the build goes on, and sends its result back through a
pipe, marshalled (plain values only: the result is this process's own code's,
trusted as much as a call's, and only shaped data is taken back).

Whatever goes wrong in the child (an exception, a kill, a result that does
not decode) gives no result: the caller then does the work itself, as it
would have. The child ends with the build: the build kills it and waits for
it when it no longer wants its result (see `stop`), and a child whose parent
is gone ends within parallel.PARENT_CHECK_SECONDS. Until then it holds what
the build holds, the output's lock included (a flock belongs to the open
file). Interrupts are blocked across the fork, so the child never runs the
parent's handlers: an interrupt ends it quietly. Only a process that runs no
other thread forks (a fork copies none of them, whatever locks they hold).
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import os
import signal
import threading
from collections.abc import Callable

from sitegen.engine.parallel import end_with_parent

NO_RESULT = object()  # what `result` gives when the child gave none


class Forked:
    """A child doing one piece of work; `result` waits for it (once), `stop` ends it."""

    def __init__(self, pid: int, reader: int):
        self._pid: int | None = pid
        self._reader: int | None = reader

    def result(self) -> object:
        """The child's result, or NO_RESULT (it failed, was killed, or this was asked before)."""
        if self._pid is None:
            return NO_RESULT
        data = self._read_all()
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        if os.waitstatus_to_exitcode(status) != 0:
            return NO_RESULT
        try:
            return marshal.loads(data)
        except (ValueError, TypeError, EOFError):
            return NO_RESULT

    def _read_all(self) -> bytes:
        chunks = []
        try:
            while chunk := os.read(self._reader, 1 << 20):
                chunks.append(chunk)
        finally:
            os.close(self._reader)
            self._reader = None
        return b"".join(chunks)

    def stop(self) -> None:
        """End the child if it still runs, and wait for it."""
        if self._reader is not None:
            os.close(self._reader)
            self._reader = None
        if self._pid is not None:
            pid, self._pid = self._pid, None
            with contextlib.suppress(ProcessLookupError, ChildProcessError):  # reaped by an interrupted `result`
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)


def can_fork() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1


def fork_work(work: Callable[[], object]) -> Forked | None:
    """Start `work()` (which returns plain values, as marshal takes them) in a forked
    child; None where no child can be forked (see the module's docstring)."""
    if not can_fork():
        return None
    interrupts = {signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, interrupts)  # until the child has its own handling
    forked = None
    try:
        reader, writer = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(reader)
            os.close(writer)
            raise
        if pid == 0:  # the child: never returns
            _run_child(work, os.getppid(), reader, writer)
        os.close(writer)
        forked = Forked(pid, reader)
    except OSError:
        pass
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, interrupts)  # an interrupt held back is raised here
    except BaseException:
        if forked is not None:
            forked.stop()  # no caller would know of it
        raise
    return forked


def _run_child(work: Callable[[], object], parent: int, reader: int, writer: int) -> None:
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # an interrupt ends it quietly, with its parent
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        os.close(reader)
        gc.disable()  # a collection would write to every object inherited, copying the parent's memory
        end_with_parent(parent)
        view = memoryview(marshal.dumps(work()))
        while view:
            view = view[os.write(writer, view) :]
        code = 0
    except BaseException:  # the caller does the work itself
        pass
    finally:
        os._exit(code)
