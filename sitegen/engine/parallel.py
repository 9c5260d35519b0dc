"""Running a pure stage over many items in worker processes.

Workers are forked, so they inherit the stage's inputs (the catalogue, the
templates, the page plan) instead of receiving them pickled; only each item's
result travels back. Before forking, every object of this process is moved
out of the sight of the cycle collector (`gc.freeze`): a collection in a
worker would otherwise write to the header of every object it inherited,
and the system would copy each page of the parent's memory it holds into
the worker, undoing the sharing that fork gives (two rendering workers
added two thirds to the memory of a 5,000-article build). Results come
back in the order of the items, so the output never depends on how many
workers ran or which finished first. Small jobs, and systems without fork,
run in this process.

A worker lives only as long as the process that forked it: if that process
is killed (SIGKILL, or the machine's out-of-memory killer), nobody is left
to read the worker's results, so the worker stops at once and quietly
instead of finishing its chunk for no one and dying of a broken pipe with
a traceback.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# Forking costs some tens of milliseconds; below this many items it does not pay.
MIN_ITEMS_FOR_WORKERS = 200

_job: tuple[Callable[[Any], Any], Sequence[Any]] | None = None  # set only around a fork


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


# How often a worker checks that the process that forked it is still there.
PARENT_CHECK_SECONDS = 0.1
# A pipe's reader goes away as its process ends, a moment before the process
# is gone: how long a worker whose results found no reader waits to see it go.
PARENT_EXIT_SECONDS = 1.0


def _start_worker(parent: int) -> None:
    """Run in each worker as it starts: tie its life to the parent's."""
    signal.signal(signal.SIGPIPE, lambda signum, frame: _exit_if_parent_ends(parent))
    end_with_parent(parent)


def end_with_parent(parent: int) -> None:
    """In a process forked by `parent`: end it as soon as its parent is gone."""
    threading.Thread(target=_exit_without_parent, args=(parent,), name="parent-watch", daemon=True).start()


def _exit_without_parent(parent: int) -> None:
    """End this worker as soon as its parent is gone (it is then adopted by another process)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)  # nothing of this process is worth finishing: its results have no reader


def _exit_if_parent_ends(parent: int) -> None:
    """A write found its pipe without a reader (SIGPIPE): when that is because the parent
    is ending, end now, before multiprocessing prints the BrokenPipeError's traceback.
    Any other broken pipe (a closed standard error, say) is raised as before; after the
    first such wait, SIGPIPE is ignored again as Python ignores it, so that a worker
    writing to pipes without readers waits once, not at every write."""
    deadline = time.monotonic() + PARENT_EXIT_SECONDS
    while os.getppid() == parent and time.monotonic() < deadline:
        time.sleep(PARENT_CHECK_SECONDS / 10)
    if os.getppid() != parent:
        os._exit(0)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # the parent-watch thread still ends the worker with its parent


def _run_chunk(bounds: tuple[int, int]) -> list[Any]:
    function, items = _job  # type: ignore[misc]  # inherited from the parent at fork
    return [function(items[index]) for index in range(*bounds)]


def map_in_workers(
    function: Callable[[Item], Result],
    items: Sequence[Item],
    workers: int,
    progress: Callable[[Iterable[Any], int], Iterable[Any]] | None = None,
    items_per_process: int | None = None,
) -> list[Result]:
    """[function(item) for item in items], spread over `workers` forked processes.

    With `items_per_process`, no process handles more items than that: each
    chunk of them is done by a process forked for it alone, which ends with
    it. Whatever of the parent's memory a chunk made the worker copy (Python
    writes to every object it so much as reads, to count references) is
    given back then, instead of piling up until the worker has a copy of
    everything it ever touched.
    """
    if workers <= 1 or len(items) < MIN_ITEMS_FOR_WORKERS or "fork" not in multiprocessing.get_all_start_methods():
        sequence = progress(items, len(items)) if progress else items
        return [function(item) for item in sequence]
    global _job
    # Several chunks per worker even out uneven items (a long article, a big listing).
    chunk_count = workers * 4
    size = -(-len(items) // chunk_count)
    if items_per_process is not None:
        size = max(1, min(size, items_per_process))
    bounds = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    _job = (function, items)
    frozen_already = gc.get_freeze_count() > 0  # a long-lived builder keeps its own objects frozen
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(
            workers, initializer=_start_worker, initargs=(os.getpid(),), maxtasksperchild=1 if items_per_process else None
        ) as pool:
            chunks = pool.imap(_run_chunk, bounds)
            if progress:
                chunks = progress(chunks, len(bounds))
            return [result for chunk in chunks for result in chunk]
    finally:
        _job = None
        if not frozen_already:
            gc.unfreeze()
