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
in. The child ends with the build, and holds the output's lock with it until
then (see engine/forked.py). Only a single build forks (a running builder has
threads of its own, which a fork does not copy).

Where there is no spare, the published site is copied as one
(pipeline/spare_copy.py), by `cp` beside the build, once the pages are
planned: the copy links every published file, which changes its change time,
so that a build that failed after it would leave the next one trusting no file
of the output; a build that fails before the pages are planned (a content
error) has then linked none.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sitegen.engine.forked import Forked, fork_work
from sitegen.pipeline.spare_copy import SpareCopy, start_spare_copy
from sitegen.pipeline.spare_site import REUSABLE, BroughtUp, bring_up_to, spare_folder


@dataclass(frozen=True, slots=True)
class ReadyStage:
    """What the writer learns of the stage made ready: whether the statuses the
    manifest recorded still hold for the published files (not once a copy of the
    site linked them, nor when what was done to them is unknown), and the spare as
    brought up to the published site (None: the writer brings it up)."""

    vouch: bool
    brought_up: BroughtUp | None


class StageInTheMaking:
    """A child bringing the spare up (`Forked`), or a copy of the site under way (`SpareCopy`)."""

    def __init__(self, child: Forked | None = None, copy: SpareCopy | None = None):
        self._child, self._copy = child, copy

    def wait(self) -> ReadyStage:
        """Wait for the work to end. The spare as brought up is given once: a
        writer that starts again (PlanNeeded) after changing the stage brings it up itself."""
        if self._copy is not None:
            self._copy.wait()
            return ReadyStage(False, None)  # linked by `cp`, whether the copy became the spare or not
        result = self._child.result()
        try:
            files, folders, linked, folder_mode = result  # type: ignore[misc]
            if not all(type(path) is str for group in (files, folders, linked) for path in group):
                raise TypeError("not a stage's listing")
            return ReadyStage(True, BroughtUp(set(files), set(folders), set(linked), int(folder_mode)))
        except (ValueError, TypeError):  # no result, or not of this shape
            return ReadyStage(False, None)  # what the child did is unknown: nothing vouched for

    def stop(self) -> None:
        """End the work if it still runs (see the module's docstring)."""
        if self._copy is not None:
            self._copy.stop()
        else:
            self._child.stop()


def make_stage_ready(output: Path, live: Mapping[str, tuple], skip: str, fork: bool, copy: bool) -> StageInTheMaking | None:
    """Start making the stage of a build into `output` ready, where the output was just
    found to match `live` (its manifest): the spare beside it brought up to `live` in a
    forked child (`fork`, where this process runs no other thread), or, where there is
    no spare, the published site copied as one (`copy`: once the pages are planned, so
    that a build failing before that has linked no published file). None: nothing started."""
    spare = spare_folder(output)
    if not os.path.lexists(spare):
        started = start_spare_copy(output, skip) if copy else None
        return StageInTheMaking(copy=started) if started is not None else None
    if not (fork and REUSABLE):
        return None

    def bring_up() -> tuple:
        brought_up = bring_up_to(spare, output, live, skip)
        return sorted(brought_up.files), sorted(brought_up.folders), sorted(brought_up.linked), brought_up.folder_mode

    child = fork_work(bring_up)
    return StageInTheMaking(child=child) if child is not None else None
