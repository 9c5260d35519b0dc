"""Writing the output folder safely.

A build writes into a staging folder beside the output and swaps it in only
when everything succeeded, so a failed build leaves the previous site as it
was. Every path is checked to stay inside the output folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath

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
