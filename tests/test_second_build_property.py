"""Every `sitegen build` after an edit equals a clean build, whatever the cache it finds.

Each step of these machines edits a small archive and then runs a new
`sitegen build` process, which starts from what the last one left: the
persistent cache and the stamp in `.sitegen-cache/`, and the output folder.
It runs in this process exactly as the command runs it (`run_build` in
sitegen/cli.py: the stamp's check, then a builder that loads the cache),
with nothing of the previous build kept in memory but what any process
shares: pure functions' caches. The output must be byte for byte that of a
clean build of the same sources, and the search index, decoded shard by
shard, that of a clean build.

Now and then the cache folder is damaged or swapped between two builds
(cut short, a byte flipped, an earlier build's file restored, another
archive's file, an older format of the file, or gone): the next build
still equals a clean build and prints no traceback.

The edits are those of the watcher's machine (tests/test_incremental.py):
articles written, edited (moving them between years, tags and entities),
renamed and deleted; entities, glossary terms and timeline events added,
changed and removed; templates, static files and settings; bad edits and
their repair.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
import time
from pathlib import Path

from conftest import Archive, new_processes_profile
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule
from test_damaged_cache import older_format
from test_incremental import (
    IncrementalBuilds,
    IncrementalSearchShards,
    clean_build_of,
    decoded_index,
    output_tree,
)
from test_second_build import seed

from sitegen.engine.builder import build
from sitegen.engine.cache import RECENT_NS
from sitegen.engine.cache_file import CACHE_DIR, CACHE_FILE
from sitegen.engine.options import BuildOptions, BuildResult
from sitegen.engine.stamp import STAMP_FILE, unchanged_build

CACHE_FILES = (CACHE_FILE, STAMP_FILE)
DAMAGES = ("cut short", "a byte flipped", "an earlier build's", "another archive's", "an older format", "gone")


def new_build_process(root: Path) -> BuildResult:
    """What `sitegen build --root ROOT --jobs 1` does (sitegen/cli.py, `run_build`)."""
    options = BuildOptions(root=root, workers=1)
    return unchanged_build(options) or build(options)


class NewBuildProcesses:
    """In the place of the watcher's long-lived builder: every build is a new process's."""

    def __init__(self, root: Path):
        self.root = root
        self.stderr = io.StringIO()

    def build(self, incremental: bool = False) -> BuildResult:
        with contextlib.redirect_stderr(self.stderr):
            return new_build_process(self.root)


_other_archive: dict[str, bytes] = {}


def another_archives_cache_files() -> dict[str, bytes]:
    """The cache folder's files of another archive (sealed with the same key), made once."""
    if not _other_archive:
        root = Path(tempfile.mkdtemp(prefix="sitegen-other-archive-")) / "site"
        try:
            other = Archive.create(root)
            seed(other)
            time.sleep(RECENT_NS / 1e9 + 0.01)  # a stamp is written only for sources older than the clock's step
            new_build_process(root)
            _other_archive.update({name: (root / CACHE_DIR / name).read_bytes() for name in CACHE_FILES})
        finally:
            shutil.rmtree(root.parent, ignore_errors=True)
    return _other_archive


class SecondBuildProcesses(IncrementalBuilds):
    """The watcher's machine, each step built by a new `sitegen build` process."""

    def __init__(self):
        super().__init__()
        self.builder = NewBuildProcesses(self.root)
        self.earlier: dict[str, bytes] = {}  # the cache folder's files after an earlier build

    @initialize(data=st.data())
    def start(self, data):
        self.root.mkdir()
        self.write_site()
        if data.draw(st.booleans(), label="starts with an entity"):
            self.entities["mosul"] = {"name": "Mosul", "kind": "place", "summary": "A city on the Tigris.", "body": ""}
            self.write_entity("mosul")
        if data.draw(st.booleans(), label="starts with an article"):
            self.articles["jones-visit.md"] = self.draw_article(data)
            self.write_article("jones-visit.md")
        self.rebuild()

    def rebuild(self, *, expect_error: bool = False, expect_no_writes: bool = False) -> None:
        """A new process builds; its output (or its errors) are compared with a clean build's.

        Unlike the watcher's builds, a new process may write again a file whose bytes it
        had (the output folder's marker, say): only the bytes are compared."""
        result = self.compared_with_clean_build(self.builder.build, "the new process's build", output_tree(self.out), expect_error)
        assert "Traceback" not in self.builder.stderr.getvalue()
        if result is not None and expect_no_writes:
            assert result.files == 0
        folder = self.root / CACHE_DIR
        if files := {name: (folder / name).read_bytes() for name in CACHE_FILES if (folder / name).is_file()}:
            self.earlier = files

    @rule()
    def wait_for_the_clock(self):
        """Time passes after the last edit: the stamp and the cache now trust the files' status."""
        time.sleep(RECENT_NS / 1e9 + 0.01)
        self.rebuild(expect_no_writes=not self.broken)

    @rule(name=st.sampled_from(CACHE_FILES), damage=st.sampled_from(DAMAGES), data=st.data())
    def damage_the_cache(self, name, damage, data):
        """The cache folder's file damaged or swapped between two builds, the sources edited or not."""
        # Drawn first: what is drawn must not depend on the files' bytes, which vary with timing.
        where = data.draw(st.integers(0, 1 << 20), label="where (a position in the file, modulo its length)")
        bits = data.draw(st.sampled_from([0x01, 0x20, 0x80]), label="bits flipped")
        path = self.root / CACHE_DIR / name
        old = path.read_bytes() if path.is_file() else b""
        where %= max(1, len(old))
        if not old:  # no build has left one (bad sources from the start, or sources changed just now), or it is gone
            new = old
        elif damage == "cut short":
            new = old[:where]
        elif damage == "a byte flipped":
            new = old[:where] + bytes([old[where] ^ bits]) + old[where + 1 :]
        elif damage == "an earlier build's":
            new = self.earlier.get(name, b"")
        elif damage == "another archive's":
            new = another_archives_cache_files()[name]
        elif damage == "an older format":
            try:
                new = older_format(name, old)
            except ValueError:  # damaged at an earlier step, and left so by a failed build
                new = old
        else:
            new = None
        if new is None:
            path.unlink()
        elif new != old:
            path.write_bytes(new)
        if self.articles and data.draw(st.booleans(), label="and an article edited"):
            self.edit_article(data)  # then builds
        else:
            self.rebuild()


TestSecondBuildProcesses = SecondBuildProcesses.TestCase
# Each step here is two whole builds (the new process's and a clean one) where the
# watcher's machine makes one small rebuild: fewer examples keep the suite in its time.
# (A subclass of a machine does not inherit its @settings: they are given here.)
TestSecondBuildProcesses.settings = settings(
    new_processes_profile(),
    stateful_step_count=IncrementalBuilds.TestCase.settings.stateful_step_count,
    deadline=None,
    suppress_health_check=IncrementalBuilds.TestCase.settings.suppress_health_check,
)


class SecondBuildSearchShards(IncrementalSearchShards):
    """The search machine, each step indexed again by a new `sitegen build` process."""

    @initialize(data=st.data())
    def start(self, data):
        for entity_id in self.entities:
            self.write_entity(entity_id)
        for slug in data.draw(st.lists(st.sampled_from(("dock", "ships", "cranes", "storm")), unique=True, min_size=1, max_size=3), label="articles"):
            self.articles[slug] = self.draw_article(data, slug)
            self.write_article(slug)
        new_build_process(self.archive.root)

    def reindex(self, how: str) -> None:
        """A new process builds (whatever `how` the rule drew); its index is compared with a clean build's, decoded."""
        new_build_process(self.archive.root)
        self.builds += 1
        clean = self.tmp / f"clean-{self.builds}"
        try:
            clean_build_of(self.archive.root, clean)
            actual, expected = decoded_index(self.archive.out), decoded_index(clean)
            assert list(actual) == list(expected), "not the same shards as a clean build"
            for name, shard in expected.items():
                assert actual[name] == shard, f"shard {name} differs from a clean build's"
        finally:
            shutil.rmtree(clean, ignore_errors=True)


TestSecondBuildSearchShards = SecondBuildSearchShards.TestCase
# Pagefind indexes twice per step (about 15 s of CPU an example).
TestSecondBuildSearchShards.settings = settings(
    new_processes_profile(pagefind=True),
    stateful_step_count=IncrementalSearchShards.TestCase.settings.stateful_step_count,
    deadline=None,
    suppress_health_check=IncrementalSearchShards.TestCase.settings.suppress_health_check,
)
