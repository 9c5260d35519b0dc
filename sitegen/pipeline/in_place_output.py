"""The writer of `sitegen watch` and `serve`: the output folder updated where
it is, one file at a time, each replaced atomically (write.write_atomically)."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import stat
from pathlib import Path

from sitegen.model.urls import folders_holding
from sitegen.pipeline.output_survey import Survey, SurveyMemo, survey
from sitegen.pipeline.write import (
    OUTPUT_MARKER,
    OUTPUT_MARKER_TEXT,
    SEARCH_BUNDLE,
    content_digest,
    safe_relative_path,
    write_atomically,
)


class InPlaceOutput:
    """The output folder, updated where it is.

    `written` (output path -> digest of the bytes sitegen last wrote there)
    is trusted only for regular files still on disk as sitegen left them: a
    file deleted, or replaced by another file or by a symbolic link since, is
    written again, and the links are removed before anything is written, so
    no write can leave the folder.
    """

    def __init__(self, output: Path, written: dict[str, bytes], keep_search_bundle: bool, memo: SurveyMemo | None = None):
        self.output = output
        self.written = written
        self.memo = memo
        self._modes: tuple[int, int] | None = None  # see _new_modes
        self.found = Survey()
        if (output / OUTPUT_MARKER).is_file():
            self.found = survey(output, skip=SEARCH_BUNDLE if keep_search_bundle else "", memo=memo)
        # Not on disk as sitegen wrote it: deleted, replaced, or a new or deleted output folder.
        # Only the files the survey looked at again can be, when it names them.
        looked_at = self.found.looked_at
        if looked_at is None:
            self.dropped = (written.keys() - self.found.files) | (self.found.replaced & written.keys())
        else:
            files, replaced = self.found.files, self.found.replaced
            self.dropped = {relative for relative in looked_at if relative in written and (relative not in files or relative in replaced)}
        for relative in self.dropped:
            del written[relative]

    def is_current(self, relative: str, data: bytes) -> bool:
        return self.written.get(relative) == content_digest(data)

    def apply(self, changed: dict[str, bytes], keep: set[str]) -> int:
        """Write `changed` (files whose bytes differ from `written`) and remove what
        is not in `keep` (every file of the new site); return how many files were written."""
        self.output.mkdir(parents=True, exist_ok=True)
        for other in sorted(self.found.others):
            with contextlib.suppress(FileNotFoundError):  # removed by someone else since the survey
                (self.output / other).unlink()
        if OUTPUT_MARKER not in self.found.files:
            write_atomically(self.output / OUTPUT_MARKER, OUTPUT_MARKER_TEXT)
        written: list[Path] = []
        for relative in sorted(changed):
            target = self._real_folders_to(relative)
            if not self._holds_already(relative, target, changed[relative]):
                write_atomically(target, changed[relative])
                written.append(target)
                if self.memo is not None:
                    self.memo.wrote(relative, target)
            self.written[relative] = content_digest(changed[relative])
        if not self._remove_stale(keep):
            for relative in self.written.keys() - keep:
                del self.written[relative]
        self._set_folder_modes(written)
        if self.memo is not None:
            self.memo.settled = True
        return len(written)

    def _holds_already(self, relative: str, target: Path, data: bytes) -> bool:
        """Whether the file at `target` is `data` as sitegen writes it: its bytes, and the mode
        a new file gets (one changed by hand, say a `chmod` that keeps the web server out,
        is written anew)."""
        if relative not in self.found.files:
            return False
        try:
            return target.read_bytes() == data and stat.S_IMODE(os.lstat(target).st_mode) == self._new_modes(target.parent)[0]
        except OSError:  # unreadable, or gone: written anew
            return False

    def _set_folder_modes(self, written: list[Path]) -> None:
        """Give the folders the survey found with another mode than a new folder gets here
        (a `chmod` by hand that keeps the web server out) that mode again, as a clean build has."""
        if not self.found.modes:
            return
        wanted = self._new_modes(written[0].parent if written else self.output)[1]
        for folder, mode in self.found.modes.items():
            if mode != wanted:
                try:  # never through a symbolic link put in its place meanwhile
                    handle = os.open(self.output / folder, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0))
                except OSError:  # a stray folder removed, or no longer a folder
                    continue
                try:
                    os.fchmod(handle, wanted)
                finally:
                    os.close(handle)

    def _new_modes(self, beside: Path) -> tuple[int, int]:
        """The modes a new file and a new folder get in the output (the umask's, or a default
        ACL's), found once for the memo's folder by making both in `beside`: a folder of the
        output whose next survey lists it anyway, when the caller has one."""
        modes = self.memo.new_modes if self.memo is not None else self._modes
        if modes is None:
            probe = beside / f".{OUTPUT_MARKER}.{secrets.token_hex(4)}.tmp"
            probe.mkdir()
            try:
                handle = os.open(probe / "file", os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
                try:
                    modes = (stat.S_IMODE(os.fstat(handle).st_mode), stat.S_IMODE(os.lstat(probe).st_mode))
                finally:
                    os.close(handle)
                    os.unlink(probe / "file")
            finally:
                probe.rmdir()
            if self.memo is not None:
                self.memo.new_modes = modes
            self._modes = modes
        return modes

    def _real_folders_to(self, relative: str) -> Path:
        """The path of `relative`, every folder on the way a real folder."""
        parts = safe_relative_path(relative).parts
        folder = self.output
        for depth, part in enumerate(parts[:-1], 1):
            folder = folder / part
            if "/".join(parts[:depth]) not in self.found.folders and not folder.is_dir():
                if os.path.lexists(folder):
                    folder.unlink()  # a file where the new site has a folder
                folder.mkdir()
        target = folder / parts[-1]
        if relative in self.found.folders and not target.is_symlink():
            shutil.rmtree(target)  # a folder where the new site has a file: a clean build has none
        return target

    def _remove_stale(self, keep: set[str]) -> bool:
        """Delete every surveyed file not in `keep` (the marker stays), then the folders this empties.
        True when `keep` is what the last update kept and that update ended: then only
        the files the survey looked at again can be stale, and no other was kept."""
        memo = self.memo
        looked_at = self.found.looked_at
        # An edit keeps the same files as the last update: so are the folders holding them.
        kept_as_before = memo is not None and (memo.holding[0] is keep or memo.holding[0] == keep)
        same = kept_as_before and looked_at is not None
        # Only a folder holding none of the files kept can be empty now: the others are not listed.
        if kept_as_before:
            holding = memo.holding[1]
        else:
            holding = folders_holding(keep)
            if memo is not None:
                memo.holding = (keep, holding)
        if same:
            stale = sorted(relative for relative in looked_at if relative in self.found.files and relative not in keep)
        else:
            stale = sorted(self.found.files - keep)
        for relative in stale:
            # A file found where the new site has a folder was replaced by that folder as its pages were written.
            if relative == OUTPUT_MARKER or relative in holding:
                continue
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):  # gone with a folder a page replaced
                (self.output / relative).unlink()
        if same:  # the last update removed the others; no folder was added since (else looked_at is None)
            emptied = {self.output / folder for folder in folders_holding(stale) - holding} if stale else set()
        else:
            emptied = {self.output / folder for folder in self.found.folders - holding}
        # Deepest first, so a folder is tried after the folders inside it.
        for folder in sorted(emptied, key=lambda path: len(path.parts), reverse=True):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        return same
