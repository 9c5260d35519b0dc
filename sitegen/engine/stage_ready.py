"""The spare beside the output brought up to the published site on another core while the build plans.

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
threads of its own, which a fork does not copy). A build that finds no spare
makes its stage anew, as ever; a first build into a new folder leaves one
(pipeline/spare_copy.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from sitegen.engine.forked import NO_RESULT, Forked, fork_work
from sitegen.pipeline.spare_site import REUSABLE, BroughtUp, bring_up_to, spare_folder


class SpareBroughtUp:
    """A child bringing the spare up; `wait` gives what it made of the spare, `stop` ends it."""

    def __init__(self, child: Forked):
        self._child = child

    def wait(self) -> BroughtUp | None:
        """The spare as the child brought it up, given once (a writer that starts again,
        PlanNeeded, after changing the stage brings it up itself); None: the writer does."""
        result = self._child.result()
        if result is NO_RESULT:
            return None
        try:
            files, folders, linked, folder_mode = result  # type: ignore[misc]
            if not all(type(path) is str for group in (files, folders) for path in group):
                raise TypeError("not a stage's listing")
            statuses = {path: tuple(status) for path, status in linked}
            if not all(type(path) is str and _is_status(status) for path, status in statuses.items()):
                raise TypeError("not a stage's listing")
            return BroughtUp(set(files), set(folders), statuses, int(folder_mode))
        except (ValueError, TypeError):  # not of this shape
            return None

    def stop(self) -> None:
        self._child.stop()


def bring_spare_up_meanwhile(output: Path, live: Mapping[str, tuple], skip: str) -> SpareBroughtUp | None:
    """Start bringing the spare beside `output` up to `live` (the output's manifest, which
    the output was just found to match) in a forked child; None where there is no spare,
    or no child can be forked (see engine/forked.py)."""
    spare = spare_folder(output)
    if not REUSABLE or not os.path.lexists(spare):
        return None

    def bring_up() -> tuple:
        brought_up = bring_up_to(spare, output, live, skip)
        return sorted(brought_up.files), sorted(brought_up.folders), sorted(brought_up.linked.items()), brought_up.folder_mode

    child = fork_work(bring_up)
    return SpareBroughtUp(child) if child is not None else None


def _is_status(status: tuple) -> bool:
    """Whether `status` is of the shape of a file's status (model/file_status.py)."""
    return len(status) == 5 and all(type(number) is int for number in status)
