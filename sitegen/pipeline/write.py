"""Writing the output folder safely.

A build writes into a staging folder beside the output and swaps it in only
when everything succeeded, so a failed build leaves the previous site as it
was. Every path is checked to stay inside the output folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TypeVar

from sitegen.model.errors import UsageError

OUTPUT_MARKER = ".sitegen-output"
OUTPUT_MARKER_TEXT = b"This folder is written by `sitegen build` and replaced whole on every build.\n"


def check_output_folder(root: Path, output: Path) -> None:
    """Refuse output folders whose replacement would destroy sources."""
    root = root.resolve()
    output = output.resolve()
    if output == root or output in root.parents:
        raise UsageError(f"refusing to build into {output}: it contains the archive itself; choose a folder such as _site")
    if (output / "content").exists() or (output / "site.toml").exists():
        raise UsageError(f"refusing to build into {output}: it holds sources (content/ or site.toml)")
    if (root / "content").resolve() in (output, *output.parents):
        raise UsageError(f"refusing to build into {output}: it is inside content/")
    if output.exists() and not output.is_dir():
        raise UsageError(f"refusing to build into {output}: it is a file, not a folder")
    if output.is_dir() and any(output.iterdir()) and not (output / OUTPUT_MARKER).is_file():
        raise UsageError(
            f"refusing to replace {output}: it is not empty and was not written by sitegen; "
            "empty it or choose another --out"
        )


def safe_relative_path(relative: str) -> PurePosixPath:
    """A relative output path that cannot leave the output folder."""
    path = PurePosixPath(relative)
    if (
        not relative
        or "\\" in relative
        or "\x00" in relative
        or path.is_absolute()
        or any(part in ("", ".", "..") for part in path.parts)
    ):
        raise ValueError(f"unsafe output path {relative!r}")
    return path


class StagedOutput:
    """Files are written into a hidden sibling folder and applied on commit.

    Nothing in the output folder changes before `commit`, so a build that
    fails leaves the previous site as it was. A first build renames the
    staging folder into place. Later builds stage only the files whose bytes
    differ from the previous site's, and `commit` moves just those in and
    removes what the new site no longer has: unchanged files are never
    rewritten, and no full copy of the old site has to be deleted.
    """

    def __init__(self, output: Path):
        self.output = output.resolve()
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.previous = self.output if (self.output / OUTPUT_MARKER).is_file() else None
        self.stage = Path(tempfile.mkdtemp(prefix=f".{self.output.name}.staging-", dir=self.output.parent))
        self._dirs: set[Path] = set()

    def _target(self, relative: str) -> Path:
        target = self.stage.joinpath(*safe_relative_path(relative).parts)
        if target.parent not in self._dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(target.parent)
        return target

    def _unchanged(self, relative: str, data: bytes) -> bool:
        if self.previous is None:
            return False
        try:
            return (self.previous / relative).read_bytes() == data
        except OSError:
            return False

    def write_bytes(self, relative: str, data: bytes) -> None:
        if not self._unchanged(relative, data):
            self._target(relative).write_bytes(data)

    def copy_file(self, relative: str, source: Path) -> None:
        self.write_bytes(relative, source.read_bytes())

    def commit(self, expected: set[str], keep_search_bundle: bool) -> None:
        """Make the output the new site: `expected` is every file path it has."""
        (self.stage / OUTPUT_MARKER).write_bytes(OUTPUT_MARKER_TEXT)
        if self.previous is None:
            if self.output.exists():
                self.output.rmdir()  # empty: check_output_folder refuses anything else
            os.replace(self.stage, self.output)
            return
        for dirpath, _, filenames in os.walk(self.stage):
            here = Path(dirpath)
            for name in filenames:
                relative = (here / name).relative_to(self.stage)
                if relative.parts[0] == SEARCH_BUNDLE:
                    continue
                target = self.output / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(here / name, target)
        if (self.stage / SEARCH_BUNDLE).is_dir():
            retired = self.stage / ".retired-search-bundle"
            if (self.output / SEARCH_BUNDLE).exists():
                os.replace(self.output / SEARCH_BUNDLE, retired)
            os.replace(self.stage / SEARCH_BUNDLE, self.output / SEARCH_BUNDLE)
        remove_stale(self.output, expected, keep_search_bundle)
        shutil.rmtree(self.stage, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.stage, ignore_errors=True)


# --- in-place updates (watch, serve) ---------------------------------------------------

SEARCH_BUNDLE = "pagefind"
Result = TypeVar("Result")


def content_digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def write_atomically(path: Path, data: bytes) -> None:
    """Write beside the target and rename over it: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def sync_output(
    output: Path, changed: dict[str, bytes], keep: set[str], written: dict[str, bytes], keep_search_bundle: bool = True
) -> int:
    """Bring `output` to the new site in place.

    `changed` holds the files whose bytes differ from what `written` (path ->
    digest, updated here) says is on disk; `keep` is every path of the new site.
    A file on disk that the new site does not have is removed, whatever wrote
    it, except the search bundle, which `replace_search_index` owns (and which
    goes too when the site no longer has search).
    """
    output.mkdir(parents=True, exist_ok=True)
    marker = output / OUTPUT_MARKER
    if not marker.is_file():
        marker.write_bytes(OUTPUT_MARKER_TEXT)
    count = 0
    for relative in sorted(changed):
        target = output.joinpath(*safe_relative_path(relative).parts)
        try:
            unchanged = target.is_file() and content_digest(target.read_bytes()) == content_digest(changed[relative])
        except OSError:
            unchanged = False
        if not unchanged:
            write_atomically(target, changed[relative])
            count += 1
        written[relative] = content_digest(changed[relative])
    remove_stale(output, keep, keep_search_bundle)
    for relative in set(written) - keep:
        written.pop(relative)
    return count


def remove_stale(output: Path, keep: set[str], keep_search_bundle: bool) -> None:
    """Delete every file of `output` that is not in `keep`, then the folders this empties.

    The marker stays; the search bundle stays when `keep_search_bundle` (its
    files are replaced as a whole by whoever builds the index).
    """
    emptied: set[Path] = set()
    for dirpath, dirnames, filenames in os.walk(output, topdown=True):
        here = Path(dirpath)
        relative_dir = here.relative_to(output).as_posix()
        if relative_dir == "." and keep_search_bundle:
            dirnames[:] = [d for d in dirnames if d != SEARCH_BUNDLE]
        for name in filenames:
            relative = name if relative_dir == "." else f"{relative_dir}/{name}"
            if relative not in keep and relative != OUTPUT_MARKER:
                (here / name).unlink()
                emptied.add(here)
        if not filenames and not dirnames and here != output:
            emptied.add(here)
    # Deepest first, so a folder is tried after the folders inside it.
    for folder in sorted(emptied, key=lambda path: len(path.parts), reverse=True):
        while folder != output and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent


def replace_search_index(output: Path, index: Callable[[Path], Result]) -> Result:
    """Build a new search bundle beside the site, then swap it in for the old one."""
    scratch = Path(tempfile.mkdtemp(prefix=f".{output.name}.search-", dir=output.parent))
    try:
        result = index(scratch)
        old = output / SEARCH_BUNDLE
        retired = scratch / "retired"
        if old.exists():
            os.replace(old, retired)
        os.replace(scratch / SEARCH_BUNDLE, old)
        return result
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
