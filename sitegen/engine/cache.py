"""The caches that let a build redo only what changed.

Parsed sources are kept by their file's content digest, annotated fragments
by the digest of everything they were made from. Both live in memory for
watch and serve, and on disk in `.sitegen-cache/` between builds.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import itertools
import operator
import os
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from sitegen.engine.digests import STATE_OF
from sitegen.engine.parallel import map_in_workers
from sitegen.model.errors import Problems


def digest_of(value: Any, shared: SharedDigests | None = None) -> bytes:
    """A content hash of any picklable value: equal inputs, equal digests.

    Pickled without a memo ("fast" mode), so that which parts happen to be
    one shared object does not change the bytes: a model decoded from the
    persistent cache digests exactly like the same model parsed afresh.
    With `shared`, the objects of its kinds are digested once each and
    stand in the pickle as their digest (see SharedDigests).
    """
    buffer = io.BytesIO()
    pickler = _DigestPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL) if shared is None else _SharingPickler(buffer, shared)
    pickler.fast = True
    pickler.dump(value)
    return hashlib.blake2b(buffer.getbuffer(), digest_size=16).digest()


class _DigestPickler(pickle.Pickler):
    """A pickler that leaves the strings it pickles as they were.

    Pickle writes a string through its UTF-8 form, and Python keeps that form
    inside any string that is not pure ASCII for as long as the string lives:
    digesting the sources and the page plan doubled or tripled the memory
    of every article body and annotated fragment (one curly apostrophe is
    enough). Such a string is written here as its UTF-8 bytes, made for the
    occasion and dropped at once; a persistent id is marked as one in the
    pickle, so it never digests like a bytes value.
    """

    def persistent_id(self, obj: Any) -> bytes | tuple | None:
        kind = type(obj)
        if kind is str:
            return None if obj.isascii() else obj.encode("utf-8", "surrogatepass")
        if kind is frozenset or kind is set:
            return in_order(obj)
        if kind is bytes and len(obj) >= LARGE_BYTES:
            return large_bytes(obj)
        return None


# Bytes this long or longer (the files of data/: the SQLite file is some 2.5 KiB an
# article) are digested where they lie, not copied into the pickle: a copy, and the
# growth of the pickle's buffer, more than doubled what the process that writes them held.
LARGE_BYTES = 1 << 20


def large_bytes(data: bytes) -> tuple[str, bytes]:
    """Long bytes as a persistent id: their digest, taken without a copy."""
    return ("bytes", hashlib.blake2b(data, digest_size=32).digest())


def in_order(members: frozenset | set) -> tuple:
    """A set as a persistent id: its members in an order that is the same in
    every process. A set's own order follows the hashes of its strings, which
    each process salts anew: pickled as it is, the same set of entity ids
    digested differently in the next `sitegen build`, and every page made from
    one was made again. Strings (or numbers) are sorted; other members stand
    as their digests, sorted."""
    kinds = {type(member) for member in members}
    if kinds <= {str} or kinds <= {int}:
        ordered = tuple(sorted(members))
    else:
        ordered = tuple(sorted(map(digest_of, members)))
    return ("frozenset" if type(members) is frozenset else "set", ordered)


class SharedDigests:
    """The digests of objects that many values hold, each worked out once.

    An article's card is on its own page, on every page that lists or
    relates it, in its year's listing and its tags' pages: digesting every
    page pickled each card once per page that shows it, a third of the work.
    Values digested with a SharedDigests hold, in place of each object of
    `kinds` (frozen dataclasses of immutable fields: strings, numbers and
    tuples of them), the object's own digest, taken once. The digest is still
    a function of the contents only: equal objects give equal digests, in
    any process. The objects are held here, so that no other object takes
    the id of one while this lives.
    """

    def __init__(self, kinds: Iterable[type]):
        self.kinds = frozenset(kinds)
        # By id: the object, and its persistent id. Two dicts of untracked values
        # (no tuple per object), so that they add no work to the cycle collector.
        self.held: dict[int, Any] = {}
        self.digests: dict[int, bytes] = {}

    def of_kinds(self, kinds: Iterable[type]) -> SharedDigests:
        """A SharedDigests of `kinds` (all of them this one's) that keeps its digests
        with this one's: an object of those kinds is digested once for both. Each
        takes the persistent id of an object of those kinds as this class does, so
        a value digests the same with either as with a SharedDigests of its own."""
        kinds = frozenset(kinds)
        if not kinds <= self.kinds:
            raise ValueError("a SharedDigests shares only kinds it digests itself")
        shared = SharedDigests(kinds)
        shared.held, shared.digests = self.held, self.digests
        return shared

    def know(self, obj: Any, persistent_id: bytes) -> None:
        """Take `persistent_id` as obj's, worked out elsewhere (it must be a function of obj's contents)."""
        self.held[id(obj)] = obj
        self.digests[id(obj)] = persistent_id

    def persistent_id(self, obj: Any) -> bytes:
        """A marker byte that no UTF-8 text holds (so no persistent id of a string reads
        like it), then digest_of(obj)."""
        if self.held.get(id(obj)) is not obj:
            self.held[id(obj)] = obj
            self.digests[id(obj)] = b"\xff" + digest_of(obj)
        return self.digests[id(obj)]


class _SharingPickler(_DigestPickler):
    """The pickler of a digest with shared objects (the pages' digests, and what
    planned pages are made from: millions of objects a build).

    A frozen dataclass of STATE_OF stands as the persistent id (its class's
    qualified name, its fields): as much of it as its pickle holds, without
    the calls back for its class, the class's module and name, and the
    constructor's arguments that pickling it as an object makes (a quarter
    of the time of a page's digest). No other persistent id is such a pair:
    a string's and a shared object's are bytes, a set's is named "set" or
    "frozenset"."""

    def __init__(self, buffer: io.BytesIO, shared: SharedDigests):
        super().__init__(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        # Looked up once: persistent_id is called back for every object pickled.
        self.kinds, self.shared_id = shared.kinds, shared.persistent_id

    def persistent_id(self, obj: Any) -> bytes | tuple | None:
        kind = type(obj)
        if kind is str:
            return None if obj.isascii() else obj.encode("utf-8", "surrogatepass")
        if kind is tuple or kind is int:  # the commonest after strings, and never another's persistent id
            return None
        if kind in self.kinds:
            return self.shared_id(obj)
        state = STATE_OF.get(kind)
        if state is not None:
            return (state[0], state[1](obj))
        if kind is frozenset or kind is set:
            return in_order(obj)
        if kind is bytes and len(obj) >= LARGE_BYTES:
            return large_bytes(obj)
        return None


@dataclass(slots=True)
class FragmentCache:
    """Annotated fragments by the digest of everything they were made from.

    A fragment depends on its source (article, entity or event) and on the
    catalogue (every entity and term, the URLs, the settings that shape
    annotation): the key holds both, so an edited entity re-annotates what
    may mention it and nothing stale is ever reused.
    """

    entries: dict[tuple, Any] = field(default_factory=dict)
    used: dict[tuple, Any] = field(default_factory=dict)
    # Digests of source objects by identity: a parsed source is the same object
    # build after build while its file is unchanged (see SourceCache), and
    # holding it here keeps its id from being reused by another object.
    digests: dict[int, tuple[Any, bytes]] = field(default_factory=dict)
    digests_used: dict[int, tuple[Any, bytes]] = field(default_factory=dict)
    # The catalogue of the last build with its digest: a running builder keeps the
    # very object while no entity or term changed, and it is the largest input.
    catalog: tuple[Any, bytes] | None = None

    def catalog_digest(self, catalog: Any) -> bytes:
        """The digest of what annotation reads of the catalogue, computed once per catalogue object."""
        if self.catalog is None or self.catalog[0] is not catalog:
            self.catalog = (catalog, digest_of((catalog.entities, catalog.terms, catalog.urls, catalog.repeat_links)))
        return self.catalog[1]

    def digest(self, source: Any) -> bytes:
        """digest_of(source), computed once per source object."""
        known = self.digests.get(id(source))
        if known is None or known[0] is not source:
            known = (source, digest_of(source))
        self.digests_used[id(source)] = known
        return known[1]

    def get(self, key: tuple, make: Callable[[], Any]) -> Any:
        value = self.entries.get(key)
        if value is None:
            value = make()
        self.used[key] = value
        return value

    def forget_unused(self) -> None:
        self.entries, self.used = self.used, {}
        self.digests, self.digests_used = self.digests_used, {}


class SetAside:
    """A parsed value a build has put somewhere other than memory (see
    engine/stored_fragments.py): `load` brings it back as it was parsed, or
    raises ValueError or OSError when it cannot."""

    __slots__ = ()

    def load(self) -> Any:
        raise NotImplementedError

    def parsed(self) -> Any:
        """What parsing gave, as the rest of a single build reads it (an article
        without its body): handed out in place of `load()` when the source cache
        keeps values aside (SourceCache.keep_aside)."""
        raise NotImplementedError


DIGEST_RUN = 256  # keys per run of the sources' digest (see SourceCache.digest)

# A file's times come from a clock that advances in steps of a few milliseconds:
# two writes within one step can leave the same status. A status taken less
# than this long after the file's last change is not trusted to tell them apart.
# (sourcefiles.RECENT_STATUS_NS, for folders, is the same step: written out here so that
# a build with nothing changed imports no module of the pipeline.)
RECENT_NS = 50_000_000


@dataclass(slots=True)
class SourceCache:
    """Parsed source files by path and content digest.

    Builds that repeat (watch, serve) parse only the files whose bytes changed;
    a file's problems are replayed with its cached result, so a cached build
    reports exactly what a fresh one would.
    """

    entries: dict[str, tuple[bytes, Any, tuple]] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)  # the keys `parse` was asked for since the last forget_unseen
    seen_lists: list[list] = field(default_factory=list)  # and the lists of jobs `parse_all` was given
    # The list of jobs of the last forget_unseen (when it was given one), and the keys `parse` was asked for then.
    kept: tuple[list | None, set[str]] = (None, set())
    # The status (os.stat: kind and permissions, size, modification and change
    # time, inode) each file had when its digest was taken. A file whose status
    # is the same has not been written since (any write changes the change
    # time), so its bytes are not read again to digest them.
    stats: dict[str, tuple[int, int, int, int, int]] = field(default_factory=dict)
    workers: int = 1  # processes that parse the files a load finds changed (see parse_all)
    # Set by a caller that watches the sources (watch, serve): the only files, as path
    # strings, that may have been written since the last load. Any other file whose
    # status that load recorded is taken as it was, without asking for its status.
    # None: every file's status is checked.
    changed: set[str] | None = None
    # The last `parse_all` of a list of jobs: (the jobs, each one's entry, the place
    # of each path among them, the places whose status was not yet recorded).
    last: tuple[list, list, dict[str, int], list[int]] | None = None
    ordered: tuple[set[str], list[str], list[bytes]] | None = None  # see digest
    runs: list[bytes] = field(default_factory=list)  # the digest of each run of keys, in order (see digest)
    # The keys whose entry `parse_all` set since the last `digest`, while no key came or went
    # since (`rekeyed` tells); None: not known, every run is digested again.
    dirty: set[str] | None = None
    rekeyed: bool = True
    # The places among the jobs of the last `parse_all` whose entry may be another than
    # the call before it gave, when that call took the others from it; None: any may.
    looked: list[int] | None = None
    # A single build's: a value kept aside (an article whose body is still in the
    # persistent cache's bytes) is handed out as `parsed()`, without its body, which
    # only the annotation of an article not found in the fragment cache reads (see
    # Builder._annotate). Otherwise it is brought back whole when a load looks at it.
    keep_aside: bool = False

    def parse(self, key: str, path: Path, parse: Callable[[Problems], Any], problems: Problems) -> Any:
        return self._parse_all([(key, path, parse)], problems, False)[0]

    def parse_all(self, jobs: list[tuple[str, Path, Callable[[Problems], Any]]], problems: Problems) -> list[Any]:
        """`parse` of each (key, path, parse) job, in order. The files to parse
        (again) are parsed in `workers` processes, which send back what they
        made: the main process only reads each file's status and digest.

        When the caller names the files that changed (`changed`) and the jobs
        are the very list of the last call, each job not named, and whose
        status was recorded then, has the entry it had then: only the others
        are looked at, not every job."""
        return self._parse_all(jobs, problems, True)

    def _parse_all(self, jobs: list[tuple[str, Path, Callable[[Problems], Any]]], problems: Problems, remember: bool) -> list[Any]:
        entries, stats, changed, seen = self.entries, self.stats, self.changed, self.seen
        # The last call's record, when it was given the very same jobs.
        same_jobs = self.last if remember and self.last is not None and self.last[0] is jobs else None
        last = same_jobs if changed is not None else None
        if remember:
            self.last = None  # until this call ends
        if remember:
            self.seen_lists.append(jobs)  # every key of theirs seen, without a set of them made at every load
        if last is not None:
            outcomes = list(last[1])
            places: Iterable[int] = sorted({*(last[2][name] for name in changed if name in last[2]), *last[3]})
        else:
            outcomes = [None] * len(jobs)  # each job's cache entry; None: parsed below
            places = range(len(jobs))
        todo: list[tuple[int, bytes]] = []  # the place in jobs and the digest of each file to parse
        checked: list[tuple[str, tuple | None, bytes]] = []  # (key, status, digest) of each file digested
        # The loop every running build makes over every source: an unchanged file costs
        # a lookup and one status, compared with the one recorded when it was digested.
        for index in places:
            key, path, _ = jobs[index]
            if not remember:
                seen.add(key)
            cached = entries.get(key)
            if cached is not None and isinstance(cached[1], SetAside) and not self.keep_aside:
                cached = self._brought_back(key, cached)
            if cached is not None and changed is not None and key in stats and os.fspath(path) not in changed:
                outcomes[index] = cached  # vouched for by the caller: not written since the last load
                continue
            try:
                info = os.stat(path)  # before reading: a write meanwhile changes it, and the next build reads again
                status = (info.st_mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
            except OSError:
                status = None
            if status is not None and cached is not None and cached[0] and stats.get(key) == status:
                outcomes[index] = cached  # not written since its entry was made: its bytes are not read
                continue
            digest = self._digest(key, path)
            checked.append((key, status, digest))
            if cached is not None and digest and cached[0] == digest:
                outcomes[index] = cached
            else:
                outcomes[index] = None
                todo.append((index, digest))
        made = map_in_workers(_parsed, [jobs[index][2] for index, _ in todo], self.workers)
        for (index, digest), (value, found) in zip(todo, made):
            key = jobs[index][0]
            if key not in entries:
                self.rekeyed = True
            elif self.dirty is not None:
                self.dirty.add(key)
            outcomes[index] = entries[key] = (digest, value, found)
        for key, status, digest in checked:
            if status is not None and digest and status[3] < time.time_ns() - RECENT_NS:
                self.stats[key] = status
        for found in filter(None, map(operator.itemgetter(2), outcomes)):
            problems.extend(found)
        if remember:
            self.looked = list(places) if last is not None else None
            where = same_jobs[2] if same_jobs is not None else {os.fspath(path): index for index, (_, path, _) in enumerate(jobs)}
            # A place not looked at was recorded then, and still is: only those looked at can be unsettled.
            self.last = (jobs, outcomes, where, [index for index in places if jobs[index][0] not in stats])
        values = list(map(operator.itemgetter(1), outcomes))
        if self.keep_aside:
            values = [value.parsed() if isinstance(value, SetAside) else value for value in values]
        return values

    def _digest(self, key: str, path: Path) -> bytes:
        """The digest of the file's bytes; empty when it cannot be read (the parser reports it)."""
        self.stats.pop(key, None)  # until the entry is that of the file as it is now
        try:
            return hashlib.blake2b(path.read_bytes(), digest_size=16).digest()
        except OSError:
            return b""

    def _brought_back(self, key: str, entry: tuple[bytes, Any, tuple]) -> tuple[bytes, Any, tuple] | None:
        """The entry with its value loaded again; None (the file is parsed again) when it cannot be."""
        try:
            entry = (entry[0], entry[1].load(), entry[2])
        except (ValueError, OSError):
            del self.entries[key]
            self.rekeyed = True
            return None
        self.entries[key] = entry
        return entry

    def digest(self) -> bytes:
        """One digest of every source file read by the last load: of the digests of the runs
        of `DIGEST_RUN` keys in order, each of every key's name and its file's digest. Only
        the runs holding a key whose entry `parse_all` set since the last call are digested
        again, while no key came or went (an edit in a running builder digests one run)."""
        entries = self.entries
        # The keys in order, each with the bytes it is digested under, kept while they are the same keys.
        rekeyed = self.rekeyed or self.ordered is None or len(self.ordered[0]) != len(entries)
        if rekeyed and (self.ordered is None or not entries.keys() == self.ordered[0]):
            keys = sorted(entries)
            self.ordered = (set(keys), keys, [key.encode() + b"\0" for key in keys])
        _, keys, names = self.ordered
        if rekeyed or self.dirty is None or len(self.runs) != -(-len(keys) // DIGEST_RUN):
            runs = range(0, len(keys), DIGEST_RUN)
            self.runs = [b""] * len(runs)
        else:
            runs = sorted({bisect.bisect_left(keys, key) // DIGEST_RUN * DIGEST_RUN for key in self.dirty})
        for start in runs:
            # One update of the bytes the updates key by key would give: the same digest, made at once.
            found = map(operator.itemgetter(0), map(entries.__getitem__, keys[start : start + DIGEST_RUN]))
            run = b"".join(itertools.chain.from_iterable(zip(names[start : start + DIGEST_RUN], found)))
            self.runs[start // DIGEST_RUN] = hashlib.blake2b(run, digest_size=16).digest()
        self.dirty, self.rekeyed = set(), False
        return hashlib.blake2b(b"".join(self.runs), digest_size=16).digest()

    def forget_unseen(self) -> None:
        """Drop files that no longer exist (or were not read this time)."""
        lists, seen = self.seen_lists, self.seen
        jobs = lists[0] if len(lists) == 1 else None
        if jobs is not None and jobs is self.kept[0]:
            # The very jobs of the last call, whose keys were all kept then: only a key parsed alone can have gone.
            unseen: Iterable[str] = self.kept[1] - seen
        else:
            every = set(seen).union(*(map(operator.itemgetter(0), listed) for listed in lists))
            unseen = (self.entries.keys() | self.stats.keys()) - every
        for key in unseen:
            if self.entries.pop(key, None) is not None:
                self.rekeyed = True
            self.stats.pop(key, None)
        self.kept = (jobs, seen)
        self.seen, self.seen_lists = set(), []


def _parsed(parse: Callable[[Problems], Any]) -> tuple[Any, tuple]:
    """What `parse` makes, with the problems it finds."""
    local = Problems()
    return parse(local), tuple(local.items)


@dataclass(slots=True)
class BuildCache:
    """What a long-lived builder (watch, serve) remembers between builds.

    Every entry is keyed by a digest of its inputs, never by time: a stale
    entry cannot be reused, it can only miss.
    """

    sources: SourceCache = field(default_factory=SourceCache)
    fragments: FragmentCache = field(default_factory=FragmentCache)
    page_inputs: dict[str, bytes] = field(default_factory=dict)  # output path -> digest of its inputs
    written: dict[str, bytes] = field(default_factory=dict)  # output path -> digest of the bytes on disk
    templates_digest: bytes = b""
    environment: Any = None
    inputs_digest: bytes = b""  # everything the last successful build was made from, and how it wrote
    inputs_warnings: list = field(default_factory=list)  # and the warnings those inputs gave
    # The status of every entry of the output folder as the last clean build left it
    # (see engine/published.py); empty once a build has changed the folder in place.
    manifest: dict[str, tuple[int, ...]] = field(default_factory=dict)
    # Kept in memory only (watch, serve): the last build's page plans by what they
    # were made from (a PlanMemo), and the digest of each planned page object.
    plans: Any = None
    page_digests: dict[str, tuple[Any, bytes]] = field(default_factory=dict)  # output path -> (page, digest)
    # Output path -> digest of what its PlannedPage was made from (see engine/made_from.py),
    # for the pages of the last staged build whose input digest is in `page_inputs`.
    made_from: dict[str, bytes] = field(default_factory=dict)
    shared_digest: bytes = b""  # of what every page is rendered with, when those digests were taken
    # The plan's record (see engine/plan_record.py): the digest of what it reads but the
    # articles, and by slug what it read of each article.
    plan_context: bytes = b""
    plan_articles: dict[str, bytes] = field(default_factory=dict)
    # Where in the persistent cache file each source and fragment was read from,
    # by (section, key): (the value read, the offset and length of its line, the
    # line's digest). Saving copies the line of a value that is still the very
    # object read there, without encoding it again; the places are dropped after
    # the first build (see engine/cache_file.py).
    encoded: dict[tuple[str, Any], tuple[Any, int, int, bytes]] = field(default_factory=dict)

    def let_go_of_entries(self) -> None:
        """Drop the parsed sources and the fragments, keeping the record of the build
        (what the persistent cache's record holds: see engine/cache_file.py); a
        single build does, once it has written them (see Builder._cache_entries_saver)."""
        self.sources = SourceCache(stats=self.sources.stats, workers=self.sources.workers, keep_aside=self.sources.keep_aside)
        self.fragments = FragmentCache()
        self.encoded = {}
        self.plans, self.page_digests = None, {}

    @property
    def source_stats(self) -> dict[str, tuple[int, int, int, int, int]]:
        """The status of each source file when it was digested (kept in the persistent cache's record)."""
        return self.sources.stats

    @source_stats.setter
    def source_stats(self, value: dict[str, tuple[int, int, int, int, int]]) -> None:
        self.sources.stats = value
