"""Running a build as a child process and measuring it: wall time, CPU time, peak memory.

Peak memory is measured two ways. (1) `os.wait4` reaps the child, and its
resource usage gives the peak resident set size (`ru_maxrss`) of the largest
single process among the child and the processes it waited for (sitegen's
workers, the Pagefind indexer): exact, but blind to processes running side by
side. (2) A thread samples the whole process tree every 0.1 s and adds up the
proportional set size of its processes (PSS, from /proc/PID/smaps_rollup,
which splits pages shared between forked processes among them instead of
counting them in each): the combined footprint of parallel processes, though
it can miss a peak shorter than the interval. The reported peak is the larger
of the two.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024


class MeasureFailed(Exception):
    """A build or a measuring step failed: the run notes it and goes on with the next measure."""


@dataclass
class Sample:
    """One measurement: a time, or (for data transferred) a byte count."""

    seconds: float | None = None
    bytes: int | None = None
    peak_memory_mib: float | None = None  # the larger of the two below
    process_rss_mib: float | None = None  # ru_maxrss: the largest single process
    tree_pss_mib: float | None = None  # sampled: the whole process tree
    files: int | None = None  # files in the output (cold builds), files written (rebuilds)
    cpu_seconds: float | None = None  # user + system time, of all cores


# Where remove() puts what it removes until the run is over (see set_aside_removals).
_removed_into: list[Path] = []


def set_aside_removals(folder: Path) -> None:
    """Make remove() move what it removes into `folder`, to be deleted by
    delete_removed() once every measure is taken.

    ext4 without a journal (these machines' disks) will not give a new file an
    inode freed in the last minute or more, and looks past every such inode
    at each file it makes: right after 20,000 files are deleted, making 6,500
    folders took 2 to 3 s of system time instead of 0.2 s. Deleting the last
    round's output before a build slowed the build measured next, Hugo's as
    much as sitegen's. Deleting it after the run leaves each build its own
    deletions only."""
    folder.mkdir(parents=True, exist_ok=True)
    _removed_into[:] = [folder]


def delete_removed() -> None:
    """Delete what remove() set aside (see set_aside_removals)."""
    for folder in _removed_into:
        shutil.rmtree(folder, ignore_errors=True)
    _removed_into.clear()


def remove(path: Path) -> None:
    """Remove a file or folder; an output folder goes with the previous site sitegen keeps
    beside it (`.NAME.previous`), which a later cold build must not find."""
    for each in (path, path.parent / f".{path.name}.previous"):
        if not (each.exists() or each.is_symlink()):
            continue
        if _removed_into:
            aside = Path(tempfile.mkdtemp(prefix=each.name + "-", dir=_removed_into[0]))
            try:
                os.rename(each, aside / each.name)
                continue
            except OSError:  # another file system: deleted now
                pass
        if each.is_dir() and not each.is_symlink():
            shutil.rmtree(each)
        else:
            each.unlink()


def count_files(folder: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(folder))


class TreeMemory(threading.Thread):
    """Samples the summed PSS (or, without smaps_rollup, RSS) of a process and its descendants."""

    INTERVAL = 0.1

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self.done = threading.Event()

    @staticmethod
    def available() -> bool:
        return Path("/proc/self/task").is_dir()

    def run(self) -> None:
        while True:
            total = sum(self._kib(pid) for pid in self._tree())
            self.peak_kib = max(self.peak_kib, total)
            if self.done.wait(self.INTERVAL):
                return

    def _tree(self) -> list[int]:
        pids, index = [self.pid], 0
        while index < len(pids):
            pid, index = pids[index], index + 1
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as children:
                        pids.extend(int(child) for child in children.read().split())
            except (OSError, ValueError):
                continue
        return pids

    @staticmethod
    def _kib(pid: int) -> int:
        for name, key in (("smaps_rollup", "Pss:"), ("status", "VmRSS:")):
            try:
                with open(f"/proc/{pid}/{name}") as file:
                    for line in file:
                        if line.startswith(key):
                            return int(line.split()[1])
            except (OSError, ValueError, IndexError):
                continue
        return 0


def run_child(command: list[str], cwd: Path) -> Sample:
    """Run a command to completion; its wall time, CPU time and peak memory."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT)
        watch = TreeMemory(process.pid) if TreeMemory.available() else None
        if watch is not None:
            watch.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        if watch is not None:
            watch.done.set()
            watch.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            output.seek(0)
            sys.stderr.write(output.read().decode(errors="replace")[-5000:])
            raise MeasureFailed(f"exit code {process.returncode}: {' '.join(command)}")
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    process_rss = usage.ru_maxrss / (MIB if sys.platform == "darwin" else 1024)
    tree_pss = watch.peak_kib / 1024 if watch is not None else None
    return Sample(
        seconds,
        peak_memory_mib=max(process_rss, tree_pss or 0.0),
        process_rss_mib=process_rss,
        tree_pss_mib=tree_pss,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
    )
