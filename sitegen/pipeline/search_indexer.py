"""Pagefind's indexer, driven through its service interface, with a time limit.

`pagefind --service` reads requests on its standard input and answers on its
standard output, each message a base64-encoded JSON object followed by a
comma; it exits when its input closes. It is a separate program that can
crash, panic, stop answering or exit early, so nothing here waits on it
without a limit: a watchdog kills it when it has given no answer for
`timeout` seconds, its standard error is kept for the report, and it runs in
a process group of its own that is killed when the work is done, whatever
happened (so nothing it started outlives the build). Every such failure is an
`IndexerError` that says what the indexer was doing.

`Runs` runs several indexers at once (one a core, two at most), each in a
thread of its own, so that one indexes while another is given its pages or
its files are written: the pages the running indexers hold together stay
within a budget, so their memory together is that of one run over as many
pages, and the first failure stops the others (killed as on a failure of
their own) before it is reported.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import queue
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any, TypeVar

# Requests sent ahead of their answers: keeps the indexer busy without
# making it buffer the whole site in memory.
IN_FLIGHT = 32
_STDERR_KEPT = 16_384  # the end of the indexer's standard error, for the report
_END = None  # what the reader queues when the indexer's output ends
RUNS_AT_ONCE = 2  # indexers running at once, at most (and no more than the cores)
_STOP_POLL = 0.1  # seconds between two looks at whether a run is to stop


class IndexerError(Exception):
    """The indexer failed; `timed_out` when it failed by giving no answer in time."""

    def __init__(self, message: str, *, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


class Stopped(Exception):
    """The run was stopped because another one failed: that one's failure is the one to report."""


class Indexer:
    """A running `pagefind --service`; use as a context manager. Setting `stop`
    kills it and makes whatever waits on it raise Stopped."""

    def __init__(self, binary: Path, timeout: float, stop: threading.Event | None = None):
        self.binary = binary
        self.timeout = timeout
        self._stop_event = stop
        self._stopped = False
        self._answers: queue.Queue[bytes | None] = queue.Queue()
        self._stderr = bytearray()
        self._last_activity = time.monotonic()
        self._finished = threading.Event()
        self._timed_out = False
        self._input_closed = False
        self._last_id = 0
        self._readers = (threading.Thread(target=self._read_answers, daemon=True), threading.Thread(target=self._read_stderr, daemon=True))
        self._watchdog = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> Indexer:
        try:
            self._process = subprocess.Popen(
                [str(self.binary), "--service"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                start_new_session=True,  # its own process group, killed as a whole
            )  # fmt: skip
        except OSError as exc:
            raise IndexerError(f"Pagefind could not be started: {exc.strerror or exc}") from None
        for thread in (*self._readers, self._watchdog):
            thread.start()
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        self._stop(graceful=exc_type is None)

    # --- requests ---------------------------------------------------------------------

    def request(self, payload: dict[str, Any], doing: str) -> dict[str, Any]:
        """Send one request and return the answer's payload."""
        return self._receive(self._send(payload), doing)

    def request_all(self, requests: Iterable[tuple[dict[str, Any], str]]) -> int:
        """Send (payload, what it does) pairs, a few ahead of their answers; return how many."""
        pending: deque[tuple[int, str]] = deque()
        count = 0
        for payload, doing in requests:
            if self._input_closed:
                break  # the answers pending say why
            if len(pending) >= IN_FLIGHT:
                self._receive(*pending.popleft())
            pending.append((self._send(payload), doing))
            count += 1
        while pending:
            self._receive(*pending.popleft())
        return count

    def _send(self, payload: dict[str, Any]) -> int:
        self._last_id += 1
        if self._input_closed:
            return self._last_id
        message = json.dumps({"message_id": self._last_id, "payload": payload}).encode("utf-8")
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(base64.b64encode(message) + b",")
            self._process.stdin.flush()
        except OSError:
            # The indexer is gone (or was killed for its silence). Its output ends
            # too, and the oldest request still unanswered, the one it was busy
            # with, reports why.
            self._input_closed = True
        self._last_activity = time.monotonic()
        return self._last_id

    def request_unread(self, payload: dict[str, Any], doing: str) -> Callable[[], dict[str, Any]]:
        """Send the last request, and wait for its answer without reading it: the
        function returned reads it, once the indexer is stopped. The answer to
        GetFiles is the whole index of a shard in one message (base64 of JSON
        holding each file in base64): read while the indexer still held that
        index in memory, its copies added to the build's peak."""
        message_id = self._send(payload)
        raw = self._next_answer(doing)
        return lambda: self._read_answer(raw, doing, message_id, only=True)

    def _receive(self, message_id: int, doing: str) -> dict[str, Any]:
        while True:
            payload = self._read_answer(self._next_answer(doing), doing, message_id)
            if payload is not None:
                return payload

    def _next_answer(self, doing: str) -> bytes:
        while True:
            try:
                raw = self._answers.get(timeout=0.5)
            except queue.Empty:
                if self._timed_out or self._stopped:
                    raise self._failure(doing) from None
                continue
            if raw is _END:
                raise self._failure(doing)
            return raw

    @staticmethod
    def _read_answer(raw: bytes, doing: str, message_id: int, only: bool = False) -> dict[str, Any] | None:
        """The payload of the answer `raw` if it answers `message_id`; None if it answers
        another (an IndexerError when it must be the answer: `only`)."""
        try:
            answer = json.loads(base64.b64decode(raw, validate=True))
            payload = answer["payload"]
            kind = payload["type"]
        except (binascii.Error, ValueError, KeyError, TypeError):
            raise IndexerError(f"Pagefind gave an answer that is not a service message while {doing}: {bytes(raw[:80])!r}") from None
        if kind == "Error":
            raise IndexerError(f"Pagefind failed while {doing}: {payload.get('message', 'no reason given')}")
        if answer.get("message_id") == message_id:
            return payload
        if only:
            raise IndexerError(f"Pagefind answered another request while {doing}")
        return None

    # --- the process ------------------------------------------------------------------

    def _read_answers(self) -> None:
        assert self._process.stdout is not None
        buffer = bytearray()
        while chunk := self._process.stdout.read1(1 << 16):
            start = len(buffer)
            buffer += chunk
            end = buffer.find(b",", start)
            if end < 0:
                continue
            # Each message copied once out of the buffer (the index of a shard is one message).
            position = 0
            while end >= 0:
                self._last_activity = time.monotonic()
                self._answers.put(bytes(memoryview(buffer)[position:end]))
                position = end + 1
                end = buffer.find(b",", position)
            del buffer[:position]
        self._answers.put(_END)

    def _read_stderr(self) -> None:
        assert self._process.stderr is not None
        while chunk := self._process.stderr.read1(1 << 16):
            self._stderr += chunk
            del self._stderr[:-_STDERR_KEPT]

    def _watch(self) -> None:
        """Kill the indexer once it has been silent for `timeout` seconds, or is to stop."""
        while True:
            remaining = self._last_activity + self.timeout - time.monotonic()
            if remaining <= 0:
                self._timed_out = True
                self._kill()
                return
            if self._stop_event is not None:
                if self._stop_event.is_set():
                    self._stopped = True
                    self._kill()
                    return
                remaining = min(remaining, _STOP_POLL)
            if self._finished.wait(remaining):
                return

    def _kill(self) -> None:
        try:
            if hasattr(os, "killpg"):
                os.killpg(self._process.pid, signal.SIGKILL)
            else:  # no process groups: the indexer alone
                self._process.kill()
        except (ProcessLookupError, PermissionError):
            pass  # the group is already gone

    def _stop(self, graceful: bool) -> None:
        """Close the indexer's input (it exits on its own when it can), then kill
        whatever is left of its process group."""
        self._finished.set()
        try:
            assert self._process.stdin is not None
            self._process.stdin.close()
        except OSError:
            pass
        if graceful:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self._kill()
        self._process.wait()
        for thread in (*self._readers, self._watchdog):
            thread.join(timeout=5)

    def _failure(self, doing: str) -> IndexerError | Stopped:
        """Why the indexer stopped answering, as an error to raise."""
        if self._stopped:
            return Stopped(f"stopped while {doing}")
        if self._timed_out:
            seconds = f"{self.timeout:g} second" + ("" if self.timeout == 1 else "s")
            return IndexerError(f"Pagefind gave no answer for {seconds} while {doing}", timed_out=True)
        try:
            code = self._process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return IndexerError(f"Pagefind closed its output while {doing}")
        self._readers[1].join(timeout=2)  # the standard error reader: let it take the last words
        if code < 0:
            how = f"was killed by signal {signal.Signals(-code).name}" if -code in signal.valid_signals() else f"was killed by signal {-code}"
        else:
            how = f"stopped with exit code {code}"
        said = _summary(bytes(self._stderr))
        return IndexerError(f"Pagefind {how} while {doing}" + (f": {said}" if said else ""))


_Item = TypeVar("_Item")
_Result = TypeVar("_Result")


class Runs:
    """Jobs that run indexers, several at once: at most `at_once` jobs run
    (never more than RUNS_AT_ONCE; by default one a core),
    and the indexers they run (each in a `slot`) hold at most `budget` pages
    together. `map` runs them all, or stops all at the first failure."""

    def __init__(self, budget: int, at_once: int | None = None, cancel: threading.Event | None = None):
        self.budget = budget
        self.at_once = min(RUNS_AT_ONCE, at_once or _cores())
        self.stop = threading.Event()
        # Set by another (`sitegen watch` or `serve` told to stop): the runs stop as at a failure.
        self.cancel = cancel
        self._held = 0
        self._free = threading.Condition()

    @contextlib.contextmanager
    def slot(self, pages: int) -> Iterator[None]:
        """Wait until an indexer over `pages` pages fits in the budget (one alone always
        does), and hold them while it runs."""
        with self._free:
            while not self.stop.is_set() and self._held and self._held + pages > self.budget:
                self._free.wait(_STOP_POLL)
            if self.stop.is_set():
                raise Stopped("stopped before indexing")
            self._held += pages
        try:
            yield
        finally:
            with self._free:
                self._held -= pages
                self._free.notify_all()

    def map(self, job: Callable[[_Item], _Result], items: Sequence[_Item]) -> list[_Result]:
        """`job` of every item, in their order; the first failure (in the items' order,
        of those not stopped for another's) is raised once every job has ended."""

        def run(item: _Item) -> _Result:
            if self.stop.is_set():
                raise Stopped("stopped before starting")
            return job(item)

        with ThreadPoolExecutor(max_workers=self.at_once, thread_name_prefix="indexer") as pool:
            futures = [pool.submit(run, item) for item in items]
            try:
                poll = _STOP_POLL if self.cancel is not None else None
                while True:
                    done, not_done = wait(futures, timeout=poll, return_when=FIRST_EXCEPTION)
                    if not not_done:
                        break
                    if any(future.exception() is not None for future in done) or (self.cancel is not None and self.cancel.is_set()):
                        self.stop.set()
                        break
                wait(futures)
            finally:
                self.stop.set()  # an interrupted build stops its indexers too (harmless once all ended)
        failures = [future.exception() for future in futures]
        for failure in failures:
            if failure is not None and not isinstance(failure, Stopped):
                raise failure
        for failure in failures:
            if failure is not None:
                raise failure
        return [future.result() for future in futures]


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _summary(stderr: bytes, limit: int = 400) -> str:
    """The indexer's last words on one line, without Rust's hint about backtraces."""
    lines = [line.strip() for line in stderr.decode("utf-8", errors="replace").splitlines()]
    text = " ".join(line for line in lines if line and not line.startswith("note: run with `RUST_BACKTRACE"))
    return text if len(text) <= limit else "…" + text[-limit:]
