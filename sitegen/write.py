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

from sitegen.errors import UsageError

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
    """Files are written into a hidden sibling folder, then swapped in on commit."""

    def __init__(self, output: Path):
        self.output = output.resolve()
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.stage = Path(tempfile.mkdtemp(prefix=f".{self.output.name}.staging-", dir=self.output.parent))
        self.files_written = 0
        self._dirs: set[Path] = set()

    def _target(self, relative: str) -> Path:
        target = self.stage.joinpath(*safe_relative_path(relative).parts)
        if target.parent not in self._dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(target.parent)
        return target

    def write_bytes(self, relative: str, data: bytes) -> None:
        self._target(relative).write_bytes(data)
        self.files_written += 1

    def copy_file(self, relative: str, source: Path) -> None:
        shutil.copyfile(source, self._target(relative))
        self.files_written += 1

    def commit(self) -> None:
        (self.stage / OUTPUT_MARKER).write_bytes(OUTPUT_MARKER_TEXT)
        old = None
        if self.output.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{self.output.name}.old-", dir=self.output.parent))
            os.replace(self.output, old / "site")
        os.replace(self.stage, self.output)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

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
    for dirpath, dirnames, filenames in os.walk(output, topdown=True):
        here = Path(dirpath)
        relative_dir = here.relative_to(output).as_posix()
        if relative_dir == "." and keep_search_bundle:
            dirnames[:] = [d for d in dirnames if d != SEARCH_BUNDLE]
        for name in filenames:
            relative = name if relative_dir == "." else f"{relative_dir}/{name}"
            if relative not in keep and relative != OUTPUT_MARKER:
                (here / name).unlink()
                written.pop(relative, None)
    for dirpath, _, _ in sorted(os.walk(output), key=lambda entry: -len(entry[0])):
        here = Path(dirpath)
        if here != output and not any(here.iterdir()):
            here.rmdir()
    for relative in set(written) - keep:
        written.pop(relative)
    return count


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
