"""The spare made by copying the published site with `cp -a -l`, beside the build.

A build that finds no spare beside the output would make its stage anew: a
folder a page and a hard link a file, each a system call from its own
process (66,000 links at 20,000 articles took longer than the rest of the
writing). Yet that stage is, but for the few pages an edit changes, the
published site again. So `cp -a -l` copies the published site (its folders
made, its files hard-linked, the search bundle left out as the spare leaves
it out) into a new folder beside the output, in a child process; when it is
done the folder becomes the spare, which a build brings up to the published
site and makes its stage as ever (spare_site.py).

Two builds start the copy (engine/staged_writer.py, builder.py):
- a build whose site is the first in the output, once it is swapped in and
  before its manifest is taken, so that the next build finds a spare and the
  manifest records the files as the links left them;
- a build that finds the output as its manifest says and no spare (a first
  build made none), once its pages are planned: linking changes the published
  files' change time (a link is a change of the file's status), so the
  statuses the manifest recorded no longer hold, the writer vouches for none
  of them and takes the manifest anew; a build that fails before its pages
  are planned has then linked none, and the next build still trusts them.

Nothing of the copy is trusted more than any spare: it is brought up like
any, each of its folders listed and only the very files the published site
has kept. It is made in a folder of the kind `staging`, which the next build
removes if this one is killed, and becomes the spare only once `cp` has
ended. A build that ends before then kills `cp` first (a kill of the build
with SIGKILL or SIGTERM leaves it to finish into that folder, which nothing
reads).
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
        this copy (whole, or partly made where `cp` failed: the writer brings it up)."""
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
    as the next stage, where there is no spare beside it and `cp` can be started;
    else None. Call only while holding the output's lock."""
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
