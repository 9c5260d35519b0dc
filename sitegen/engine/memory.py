"""Keeping a build's memory in check: the cycle collector, and memory the C library keeps.

A build makes millions of objects that hold no reference cycles and live
until the pages are written, or for the life of a running builder: the
collector of reference cycles would walk them all again and again and find
nothing. These helpers keep them out of its sight.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
from collections.abc import Callable
from pathlib import Path

from sitegen.engine.cache import BuildCache

FULL_COLLECTION_EVERY = 20  # builds between two full collections of reference cycles (see settle_memory)


def settle_memory(builds: int) -> None:
    """Keep the collector of reference cycles off what the caches hold, after build number `builds`.

    A long-lived builder holds millions of objects (sources, fragments, the
    plan memo); Python's cycle collector would walk all of them every few
    builds, a quarter of a second with 2,000 articles. What survives a
    build is moved out of its sight (`gc.freeze`: objects are still freed
    as soon as nothing refers to them); every FULL_COLLECTION_EVERY builds
    they are given back and collected once, so that reference cycles
    dropped meanwhile are not kept for ever.
    """
    if builds % FULL_COLLECTION_EVERY == 0:
        gc.unfreeze()
        gc.collect()
    gc.freeze()


def without_cycle_collection(load: Callable[..., BuildCache], root: Path, lazy: bool, *more) -> BuildCache:
    """load(root, lazy, *more), its objects left out of the cycle collector's sight.

    The cache read from disk is millions of objects that hold no reference
    cycles (they are freed by reference counting when let go): the collector
    walked all of them while they were decoded and a dozen times more during
    the build, over a second with 4,000 articles. They are frozen (see
    settle_memory), and no collection runs while they are made."""
    with collector_paused():
        try:
            return load(root, lazy, *more)
        finally:
            gc.freeze()


@contextlib.contextmanager
def collector_paused():
    """No cycle collection while a cold build plans its pages.

    Planning makes some hundreds of thousands of objects (pages, views,
    cards) that all live until the pages are rendered, and none of them is
    garbage: each full collection the allocations would set off walks all
    of them and every object made before, and finds nothing (a quarter of
    the planning's time with 4,000 articles). Collections resume after.
    (A build that starts from the last one's cache does leave cycles
    behind while it plans: it collects them as it goes, or its peak grows.)"""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def give_back_free_memory() -> None:
    """Return to the system what the C library keeps of memory just freed.

    The large strings of the pages are freed into the C library's heap, which
    keeps them for the process; the Pagefind runs that come next need the
    memory more. glibc's `malloc_trim` gives it back; elsewhere nothing is done."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
