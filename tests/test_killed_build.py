"""A `sitegen build` killed while its workers run leaves no worker behind.

A cold build of a few hundred articles annotates and renders them in
worker processes (sitegen/engine/parallel.py). When the main process is
killed outright (SIGKILL: nothing of it runs any more), each worker must
notice that its parent is gone and end, promptly and without printing a
traceback into the terminal the build was started from.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import Archive

from sitegen.engine.parallel import MIN_ITEMS_FOR_WORKERS, map_in_workers

# A worker must be gone this long after its parent was killed (it checks every tenth of a second).
GRACE_SECONDS = 3.0
PARAGRAPH = "Fighting near Mosul went on, and the caliphate's men held the old city. " * 30


def many_articles(archive: Archive, count: int) -> None:
    """Enough articles, long enough, that the build spends seconds in its workers."""
    archive.write("content/entities/mosul.md", '---\nname: Mosul\nkind: place\nsummary: "A city."\n---\n')
    for number in range(count):
        body = "\n\n".join([PARAGRAPH] * 6)
        archive.article(f"a{number:04d}", title=f"Article {number}", date=f"2020-01-{number % 28 + 1:02d}", body=body)


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` now (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                after_name = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # ended meanwhile
                continue
            if int(after_name[1]) == pid:
                found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    """Whether `pid` is still a live process (a zombie has ended; only its parent has not read its status)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_workers_of_a_killed_build_end_promptly_and_print_no_traceback(archive, tmp_path):
    many_articles(archive, count=3 * MIN_ITEMS_FOR_WORKERS)
    stderr = tmp_path / "stderr.txt"
    with open(stderr, "wb") as errors:
        build = subprocess.Popen(
            [sys.executable, "-m", "sitegen", "build", "--root", str(archive.root), "--jobs", "2", "--no-cache"],
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        workers: list[int] = []
        try:
            assert wait_for(lambda: len(children_of(build.pid)) >= 2, 60), "the build started no workers"
            time.sleep(0.2)  # well inside their chunks
            workers = children_of(build.pid)
            os.kill(build.pid, signal.SIGKILL)
            build.wait()
            left = lambda: [pid for pid in workers if running(pid)]  # noqa: E731
            wait_for(lambda: not left(), GRACE_SECONDS)
            assert left() == [], f"workers still running {GRACE_SECONDS} s after their build was killed"
        finally:
            for pid in [build.pid, *workers]:
                if running(pid):
                    os.kill(pid, signal.SIGKILL)
    assert "Traceback" not in stderr.read_text(errors="replace")


SLOW_MAP = """
import time
from sitegen.engine.parallel import MIN_ITEMS_FOR_WORKERS, map_in_workers

def slow(item):
    time.sleep(1)  # each chunk of items takes a minute or so
    return item

map_in_workers(slow, range(MIN_ITEMS_FOR_WORKERS), workers=2)
"""


def test_a_worker_stops_in_the_middle_of_its_chunk_when_its_parent_is_killed(tmp_path):
    stderr = tmp_path / "stderr.txt"
    with open(stderr, "wb") as errors:
        parent = subprocess.Popen([sys.executable, "-c", SLOW_MAP], stdout=subprocess.DEVNULL, stderr=errors)
        workers: list[int] = []
        try:
            assert wait_for(lambda: len(children_of(parent.pid)) >= 2, 30), "no workers started"
            workers = children_of(parent.pid)
            os.kill(parent.pid, signal.SIGKILL)
            parent.wait()
            left = lambda: [pid for pid in workers if running(pid)]  # noqa: E731
            wait_for(lambda: not left(), GRACE_SECONDS)
            assert left() == [], "a worker went on with its chunk for nobody"
        finally:
            for pid in [parent.pid, *workers]:
                if running(pid):
                    os.kill(pid, signal.SIGKILL)
    assert "Traceback" not in stderr.read_text(errors="replace")


def _writes_twice_to_a_pipe_without_reader(item: int) -> tuple[bool, bool]:
    """In a worker: two writes to a pipe whose reader is closed; whether each raised
    BrokenPipeError, and whether SIGPIPE is ignored again after the first."""
    raised = []
    for _ in range(2):
        reader, writer = os.pipe()
        os.close(reader)
        try:
            os.write(writer, b"x")
            raised.append(False)
        except BrokenPipeError:
            raised.append(True)
        finally:
            os.close(writer)
    return raised[0] and raised[1], signal.getsignal(signal.SIGPIPE) == signal.SIG_IGN


def test_a_worker_whose_parent_lives_waits_for_it_at_one_broken_pipe_only():
    # A broken pipe of the worker's own (not its results' pipe) is raised as before; the
    # worker waits to see whether its parent is ending once, not at every such write.
    results = map_in_workers(_writes_twice_to_a_pipe_without_reader, range(MIN_ITEMS_FOR_WORKERS), workers=2)
    assert all(raised for raised, _ in results)
    assert all(ignored for _, ignored in results)
