"""The spare a first build leaves: its site copied with `cp -a -l` beside the output.

A build swaps its new site in and keeps the one it swaps out beside the
output as the next build's stage (the spare: spare_site.py). A build into a
new folder swaps out nothing, so the build after it would make its stage
anew: a folder a page and a hard link a file, each a system call from its own
process (66,000 links at 20,000 articles took longer than the rest of the
writing). So a build whose site is the first in the output copies it,
once it is swapped in (engine/staged_writer.py): `cp -a -l`, in a child
process, makes its folders and hard-links its files (the search bundle left
out, as the spare leaves it out) in a new folder beside the output, which
becomes the spare once `cp` has ended. Linking a file changes its status
(its change time), so the build takes its manifest after the copy: the next
build finds the files as the manifest says, and trusts them.

Nothing of the copy is trusted more than any spare: it is brought up like
any, each of its folders listed and only the very files the published site
has kept. It is made in a folder of the kind `staging`, which the next build
removes if this one is killed. A build that ends before `cp` has kills it
first (a kill of the build with SIGKILL or SIGTERM leaves it to finish into
that folder, which nothing reads).
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

from sitegen.pipeline.spare_site import REUSABLE, spare_folder
from sitegen.pipeline.write import OUTPUT_MARKER, make_sibling


class SpareCopy:
    """A copy of the published site under way (see start_spare_copy)."""

    def __init__(self, output: Path, folder: Path, child: subprocess.Popen):
        self.output = output
        self.folder = folder
        self._child: subprocess.Popen | None = child
        self.in_place = False  # the copy is the spare now

    def wait(self) -> bool:
        """Wait for the copy to end and make it the spare; True when the spare is
        this copy (whole, or partly made where `cp` failed: the next build brings it up)."""
        if self._child is None:
            return self.in_place
        self._child.wait()  # interrupted, the child is still there for `stop` to kill
        self._child = None
        spare = spare_folder(self.output)
        try:
            if os.path.lexists(spare):  # made meanwhile by nothing sitegen runs: left to the writer, which removes it
                raise FileExistsError(spare)
            os.rename(self.folder, spare)
        except OSError:
            shutil.rmtree(self.folder, ignore_errors=True)  # else a folder beside the output until the next build
            return False
        self.in_place = True
        return True

    def stop(self) -> None:
        """Kill `cp` if it still runs; what it made stays where it is, a folder
        the next build removes (or the spare, if it became one)."""
        child, self._child = self._child, None
        if child is None:
            return
        with contextlib.suppress(OSError):
            child.kill()
        child.wait()


def start_spare_copy(output: Path, skip: str) -> SpareCopy | None:
    """Start copying the site published in `output` (but its top-level entry `skip`)
    as the next build's stage, where there is no spare beside it and `cp` can be
    started; else None. Call only while holding the output's lock."""
    copier = _copier()
    if copier is None or not REUSABLE or os.path.lexists(spare_folder(output)):
        return None
    try:
        names = sorted(entry.name for entry in os.scandir(output) if entry.name != skip)
    except OSError:
        return None
    if OUTPUT_MARKER not in names:  # not a site sitegen wrote: its stage is made anew
        return None
    folder = make_sibling(output, "staging")
    try:
        child = subprocess.Popen(
            [copier, "-a", "-l", "--", *names, os.fspath(folder)],
            cwd=output, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    except OSError:
        with contextlib.suppress(OSError):
            folder.rmdir()
        return None
    return SpareCopy(output, folder, child)


@functools.cache
def _copier() -> str | None:
    """The system's `cp`, where it makes hard links (`-l`): GNU's, BusyBox's."""
    if not sys.platform.startswith("linux"):
        return None
    return shutil.which("cp")
