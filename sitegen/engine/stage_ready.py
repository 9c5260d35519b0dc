"""The stage of a `sitegen build` made ready on another core while the build works.

A build that finds the output as its manifest says, and something changed,
writes into the spare beside the output once it is brought up to the
published site (pipeline/spare_site.py). That needs nothing but the manifest
and is work for the file system: at 20,000 articles it lists 24,000 folders,
about a second of this process. So a single build forks a process for it as
soon as it knows it will write, and annotates and plans the pages meanwhile;
the writer takes the child's result (the stage's files and folders, the
files it linked, the mode of a new folder) through a pipe.

The child is this process's own code on its own data, trusted as much: what
it returns is what `bring_up_to` returns. Whatever goes wrong in it (an error,
a refusal of the spare, a result that does not decode, a kill) only makes the
writer bring the spare up itself, as it did before, from whatever state it is
in. The child ends with the build: the build kills it when it fails first,
and a child whose parent is gone ends within PARENT_CHECK_SECONDS (see
engine/parallel.py). Until then it holds the output's lock with its parent
(flock belongs to the open file), so no other build writes meanwhile. Only a
single build forks (a running builder has threads of its own, which a fork
does not copy), and only while it runs no other thread.

Where there is no spare, the published site is copied as one
(pipeline/spare_copy.py), by `cp` beside the build, once the pages are
planned: the copy links every published file, which changes its change time,
so that a build that failed after it would leave the next one trusting no file
of the output; a build that fails before the pages are planned (a content
error) has then linked none.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import os
import signal
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sitegen.engine.parallel import end_with_parent
from sitegen.pipeline.spare_copy import SpareCopy, start_spare_copy
from sitegen.pipeline.spare_site import REUSABLE, BroughtUp, bring_up_to, spare_folder


@dataclass(frozen=True, slots=True)
class ReadyStage:
    """What the writer learns of the stage made ready: whether the spare is a copy
    made by this build (so no status the manifest recorded still holds), and the
    spare as brought up to the published site (None: the writer brings it up)."""

    copied: bool
    brought_up: BroughtUp | None


class StageInTheMaking:
    """A child process making the stage ready, or a copy of the site under way (`SpareCopy`)."""

    def __init__(self, pid: int | None = None, reader: int | None = None, copy: SpareCopy | None = None):
        self._pid, self._reader, self._copy = pid, reader, copy
        self._taken = False

    def wait(self) -> ReadyStage:
        """Wait for the work to end. The spare as brought up is given once: a
        writer that starts again (PlanNeeded) after changing the stage brings it up itself."""
        if self._copy is not None:
            self._copy.wait()
            return ReadyStage(True, None)  # linked by `cp`, whether the copy became the spare or not
        if self._taken:
            return ReadyStage(True, None)
        self._taken = True
        data = self._read_all()
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        if os.waitstatus_to_exitcode(status) != 0:
            return ReadyStage(True, None)  # what the child did is unknown: nothing vouched for
        try:
            copied, files, folders, linked, folder_mode = marshal.loads(data)
            brought_up = BroughtUp(set(files), set(folders), set(linked), int(folder_mode))
            if type(copied) is not bool or not all(type(path) is str for group in (files, folders, linked) for path in group):
                raise TypeError("not a stage's listing")
        except (ValueError, TypeError, EOFError):
            return ReadyStage(True, None)
        return ReadyStage(copied, brought_up)

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
        """End the work if it still runs (see the module's docstring)."""
        if self._copy is not None:
            self._copy.stop()
            return
        if self._reader is not None:
            os.close(self._reader)
            self._reader = None
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = None


def make_stage_ready(output: Path, live: Mapping[str, tuple], skip: str, fork: bool, copy: bool) -> StageInTheMaking | None:
    """Start making the stage of a build into `output` ready, where the output was just
    found to match `live` (its manifest): the spare beside it brought up to `live` in a
    forked child (`fork`, where this process runs no other thread), or, where there is
    no spare, the published site copied as one (`copy`: once the pages are planned, so
    that a build failing before that has linked no published file). None: nothing started."""
    if not os.path.lexists(spare_folder(output)):
        started = start_spare_copy(output, skip) if copy else None
        return StageInTheMaking(copy=started) if started is not None else None
    if not (fork and REUSABLE and hasattr(os, "fork") and threading.active_count() == 1):
        return None
    interrupts = {signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, interrupts)  # until the child has its own handling
    try:
        reader, writer = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(reader)
            os.close(writer)
            return None
        if pid == 0:  # the child: never returns
            _make_ready(output, live, skip, os.getppid(), reader, writer)
        os.close(writer)
        return StageInTheMaking(pid=pid, reader=reader)
    except OSError:
        return None
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, interrupts)


def _make_ready(output: Path, live: Mapping[str, tuple], skip: str, parent: int, reader: int, writer: int) -> None:
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # an interrupt ends it quietly, with its parent
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        os.close(reader)
        gc.disable()  # a collection would write to every object inherited, copying the parent's memory
        end_with_parent(parent)
        brought_up = bring_up_to(spare_folder(output), output, live, skip)
        payload = marshal.dumps((False, sorted(brought_up.files), sorted(brought_up.folders), sorted(brought_up.linked), brought_up.folder_mode))
        view = memoryview(payload)
        while view:
            view = view[os.write(writer, view) :]
        code = 0
    except BaseException:  # the writer brings the spare up itself
        pass
    finally:
        os._exit(code)
