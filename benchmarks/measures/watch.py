"""Save -> page updated on disk, end to end, through a running `sitegen watch`.

`sitegen watch --no-search` runs as a child process (in a session of its own)
on the archive. Once its first build has written the edited article's page,
each edit saves the article as editors do (a hidden temporary renamed over
it) with one new, unique word at the end of its first paragraph, and polls
the page's bytes until the word is there: the time from just before the save
to that moment includes the watcher's debounce, the rebuild and the write.
Before the next edit, the watcher must have reported the end of that build
(its `Build N` line), so one edit never waits for another's build. The
article is restored when the watcher has stopped (Ctrl-C, that is SIGINT).
Search is off: the background refresh of the index would compete for the
cores with the next edit.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measures.edits import article_page, edit_target, edited, write_atomically
from measures.processes import MeasureFailed, Sample, remove

POLL = 0.002  # seconds between two reads of the page
BUILD_LINE = re.compile(rb"^Build (\d+)\b", re.MULTILINE)  # what the watcher prints after each build
FAILED_LINE = re.compile(rb"^Build \d+ failed", re.MULTILINE)


def _marker(number: int) -> str:
    """A word nothing else in the archive contains, and that sitegen leaves alone (no entity, no term)."""
    return f"benchmarkword{os.getpid()}x{number}x{time.time_ns() % 10**9}"


def _wait(condition, timeout: float, what: str, process: subprocess.Popen, log) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if _failed(log):
            raise MeasureFailed(f"a build of sitegen watch failed while waiting for {what}: {_tail(log)}")
        if process.poll() is not None:
            raise MeasureFailed(f"sitegen watch exited with code {process.returncode} while waiting for {what}: {_tail(log)}")
        if time.perf_counter() > deadline:
            raise MeasureFailed(f"no {what} after {timeout:.0f} s: {_tail(log)}")
        time.sleep(POLL)


def _tail(log) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")[-2000:].strip() or "(no output)"


def _builds(log) -> int:
    log.seek(0)
    return len(BUILD_LINE.findall(log.read()))


def _failed(log) -> bool:
    log.seek(0)
    return FAILED_LINE.search(log.read()) is not None


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the watcher's own session: nothing else is in it
            process.wait()


def watch_latency(archive: Path, out: Path, cwd: Path, edits: int, articles: int) -> list[Sample]:
    """`edits` samples of save -> page updated, from one `sitegen watch` process."""
    article = edit_target(archive)
    original = article.read_bytes()
    remove(out)
    page = article_page(out, article)
    first_build_timeout = max(300.0, articles * 0.03)  # a cold build of the archive, with room to spare
    edit_timeout = max(60.0, articles * 0.002)
    command = [sys.executable, "-m", "sitegen", "watch", "--root", str(archive), "--out", str(out), "--no-search"]
    samples: list[Sample] = []
    # The watcher appends to the log through a file of its own (O_APPEND), and
    # the log is read through another: a shared file offset, moved by each
    # read's seek, would let the watcher write over the log's start and cut
    # a `Build N` line off its line start.
    with tempfile.TemporaryDirectory() as folder, open(Path(folder) / "watch.log", "ab") as written, \
            open(Path(folder) / "watch.log", "rb") as log:
        process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=written, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            _wait(lambda: _builds(log) >= 1 and page.is_file(), first_build_timeout, "first build", process, log)
            text = original.decode("utf-8")
            for number in range(1, edits + 1):
                word = _marker(number)
                text = edited(text, " " + word)
                needle = word.encode("ascii")
                started = time.perf_counter()
                write_atomically(article, text.encode("utf-8"))
                _wait(lambda: needle in _read(page), edit_timeout, f"page with the edit ({page})", process, log)
                samples.append(Sample(time.perf_counter() - started))
                _wait(lambda: _builds(log) >= number + 1, edit_timeout, f"end of build {number + 1}", process, log)
        finally:
            _stop(process)
            write_atomically(article, original)
            remove(out)
    return samples


def _read(page: Path) -> bytes:
    try:
        return page.read_bytes()
    except OSError:  # replaced at that very moment
        return b""
