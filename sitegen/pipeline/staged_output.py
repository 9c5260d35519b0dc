"""The writer of `sitegen build`: the whole new site written beside the output
(new bytes as new files, unchanged files as hard links to the previous site's,
or the previous site itself brought up to date: spare_site.py) and exchanged
with the output folder in one atomic step, so that a reader, a failed build and
a killed build all see either the whole previous site or the whole new one."""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path

from sitegen.model.file_status import UNTRUSTED, Status, same_file_linked, status_of
from sitegen.model.urls import folders_holding
from sitegen.pipeline.folder_removal import nothing_to_wait_for, remove_in_background
from sitegen.pipeline.output_survey import survey
from sitegen.pipeline.spare_site import (
    REUSABLE,
    BroughtUp,
    SpareRefused,
    bring_up_to,
    remove_path,
    spare_folder,
)
from sitegen.pipeline.write import (
    NO_HARD_LINKS,
    OUTPUT_MARKER,
    OUTPUT_MARKER_TEXT,
    SEARCH_BUNDLE,
    make_sibling,
    safe_relative_parts,
    swap_in,
    write_new_file,
)


class StagedOutput:
    """The new site, written beside the output and swapped in on `commit`.

    Nothing in the output folder changes before `commit`, and `commit`
    changes it in one step. A file whose bytes the previous site already has
    is a hard link to the previous file (the same inode, its mtime kept), so
    a later build writes only the bytes that changed.
    """

    def __init__(
        self,
        output: Path,
        listed: Mapping[str, int] | None = None,
        found: Mapping[str, tuple] | None = None,
        brought_up: BroughtUp | None = None,
        recorded: Mapping[str, Status] | None = None,
    ):
        """`listed`: the mode of every entry of the output folder by relative
        path, when the caller has just found the folder so (a build that finds
        it as its manifest says); None: the folder is surveyed for its files.
        `found`: the status of every entry of the output folder (published.Manifest),
        as just found: with it, the spare beside the output, if any, is brought up
        to the output and made the stage (`reused`); without it, it is removed.
        `brought_up`: the spare as already brought up to `found` (by a process
        that did it while the build planned: engine/stage_ready.py).
        `recorded`: the status of each file of the output as the last build's
        manifest records it, which the caller found the output's files it keeps
        to have: a file of the output is linked into the stage unread
        (link_previous) only while it still has that status."""
        self.output = output.resolve()
        self.output.parent.mkdir(parents=True, exist_ok=True)
        is_ours = (self.output / OUTPUT_MARKER).is_file()
        self.previous = self.output if is_ours else None
        self._listed = listed if is_ours else None
        self.previous_files: Collection[str] = set()
        self.reused = False
        self._present: set[str] | None = None  # a reused stage's files (see write_bytes)
        self._folders: set[str] = set()  # a reused stage's folders (see prune)
        # The status to record (see published.site_manifest) of each file of the stage
        # this process did not write: a reused stage's file as the output's listing gave
        # it, a file linked as it was once linked and found unchanged, a file whose
        # bytes were compared as it was before they were read. Changed after, it has
        # another status (its change time at least), and the next build distrusts it.
        self.vouched: dict[str, Status] = {}
        self._recorded = recorded or {}
        # Set when commit deleted the site it swapped out: the files the two shared (those
        # linked) lost a name, which changed their change time after they were vouched for.
        self.relinked = False
        self._dirs: set[str] = set()
        self._making: tuple[subprocess.Popen, list[str]] | None = None  # see make_folders_in_background
        self.premade: list[str] = []  # the folders made in advance
        self._output_text = str(self.output)
        # Set when this build removed a spare that could not serve: the published files it
        # shared lost a name, which changed their change time since the check (see _link_from_output).
        self._spare_removed = False
        spare = spare_folder(self.output)
        if os.path.lexists(spare) and not (is_ours and found is not None and REUSABLE and self._reuse(spare, found, brought_up)):
            _remove_spare(spare)
            self._spare_removed = True
        if self.reused:
            return
        if is_ours:
            self.previous_files = survey(self.output).files if listed is None else {path for path, mode in listed.items() if stat.S_ISREG(mode)}
        self.stage = make_sibling(self.output, "staging")
        # The mode a new file gets (the umask's, read off the new folder): a
        # previous file of another mode is not linked, or its mode would stay.
        self._file_mode = stat.S_IMODE(self.stage.stat().st_mode) & 0o666
        # Folders as plain strings: a cold build writes thousands of pages,
        # and making a Path of each folder costs more than the look-up.
        self._stage_text = str(self.stage)
        self._dirs = {self._stage_text}

    def _reuse(self, spare: Path, found: Mapping[str, tuple], brought_up: BroughtUp | None) -> bool:
        """Make the spare, brought up to the output, the stage; False when it cannot serve."""
        try:
            files, folders, linked, folder_mode = brought_up or bring_up_to(spare, self.output, found, SEARCH_BUNDLE)
            if self._recorded and found is not self._recorded:
                # Listed after the output was checked: a file that is not as the last build
                # recorded it (changed before the check, or since) is not kept.
                for path in [path for path in files if found[path] != self._recorded.get(path)]:
                    remove_path(os.fspath(spare), path)
                    files.discard(path)
                    linked.pop(path, None)
        except (SpareRefused, OSError):
            return False
        self.vouched = {path: linked.get(path) or found[path] for path in files}
        self.stage, self.reused = spare, True
        self._file_mode = folder_mode & 0o666
        self._stage_text = str(spare)
        self._present, self._folders = files, folders
        self.previous_files = frozenset(files)
        self._dirs = {self._stage_text, *(os.path.join(self._stage_text, folder) for folder in folders)}
        return True

    def prune(self, targets: Collection[str]) -> None:
        """Remove from a reused stage the files the new site does not have
        (`targets`: every file it has but the marker) and the folders that hold
        none of them or stand where one of them goes, before anything is written."""
        assert self._present is not None
        for relative in [relative for relative in self._present if relative not in targets and relative != OUTPUT_MARKER]:
            remove_path(self._stage_text, relative)
            self._present.discard(relative)
        holding = folders_holding(targets)
        unused = {folder for folder in self._folders if folder not in holding or folder in targets}
        for folder in unused:
            if folder.rpartition("/")[0] not in unused:  # the topmost: what is inside goes with it
                remove_path(self._stage_text, folder)
        for folder in unused:
            self._folders.discard(folder)
            self._dirs.discard(os.path.join(self._stage_text, folder))

    def make_folders_in_background(self, folders: Iterable[str]) -> None:
        """Start making `folders` (relative paths: the previous site's, most of
        which the new site has again) in the stage, in a child process
        (`xargs mkdir -p`) on another core while this process digests the
        pages; the kernel gives each folder a block. See folders_made and
        remove_unused_folders. Without `xargs`, the folders are made as the
        files are written, as ever."""
        making = sorted(folders)
        maker = _folder_maker()
        if not making or maker is None:
            return
        with tempfile.TemporaryFile() as names:
            names.write(b"\0".join(os.fsencode(folder) for folder in making))
            names.seek(0)
            try:
                child = subprocess.Popen(
                    [maker, "-0", "mkdir", "-p", "--"],
                    stdin=names, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.stage,
                )
            except OSError:
                return
        self._making = (child, making)

    def folders_made(self) -> None:
        """Wait for the folders make_folders_in_background started; those it could
        not make are made as the files are written, and any error said then."""
        if self._making is None:
            return
        child, making = self._making
        status = child.wait()  # interrupted: discard still waits for it
        self._making = None
        if status == 0:
            self.premade = making
            self._dirs.update(os.path.join(self._stage_text, folder) for folder in making)

    def remove_unused_folders(self, holding: Collection[str], files: Collection[str] = ()) -> None:
        """Remove the folders made in advance that neither hold one of `holding`
        (folders) nor stand where one of `files` goes: a page deleted since the
        last build, or a folder of it become a file. Only empty folders go."""
        unused = []
        for folder in self.premade:
            if folder not in holding or any(parent in files for parent in _self_and_parents(folder)):
                unused.append(folder)
        for folder in sorted(unused, key=lambda folder: folder.count("/"), reverse=True):  # the deepest first
            with contextlib.suppress(OSError):
                os.rmdir(os.path.join(self._stage_text, folder))
            self._dirs.discard(os.path.join(self._stage_text, folder))

    def _target(self, relative: str) -> str:
        parts = safe_relative_parts(relative)
        folder = os.path.join(self._stage_text, *parts[:-1])
        if folder not in self._dirs:
            if os.path.dirname(folder) in self._dirs:
                try:
                    os.mkdir(folder)  # a page's own folder, in one made before: one system call
                except FileExistsError:  # made meanwhile by another worker
                    pass
                self._dirs.add(folder)
            else:
                os.makedirs(folder, exist_ok=True)
                while folder not in self._dirs:  # and every folder on the way, made now or before
                    self._dirs.add(folder)
                    folder = os.path.dirname(folder)
        return os.path.join(self._stage_text, *parts)

    def _same_as_previous(self, relative: str, data: bytes) -> Status | None:
        """The status of the previous site's file at `relative`, taken before it was
        read, when it holds `data` with the mode of a new file; else None."""
        if relative not in self.previous_files:
            return None
        return _holding(os.path.join(self._output_text, relative), data, self._file_mode)

    def write_bytes(self, relative: str, data: bytes) -> None:
        target = self._target(relative)
        self.vouched.pop(relative, None)  # in this process: a rendering process's pages are the caller's to drop
        if self._present is not None and relative in self._present:
            # A reused stage's file is the published site's too (a hard link):
            # kept when it holds these bytes, else replaced, never written into.
            status = _holding(target, data, self._file_mode)
            if status is not None:
                self.vouched[relative] = status
                return
            with contextlib.suppress(FileNotFoundError):
                os.unlink(target)
            write_new_file(target, data)
            return
        status = self._same_as_previous(relative, data)
        if status is not None and self._link_from_output(relative, target, status):
            return
        write_new_file(target, data)  # no fsync: a crash before the swap leaves the previous site

    def _link_from_output(self, relative: str, target: str, status: Status | None) -> bool:
        """Hard-link the output's file at `relative` into the stage as `target`, and
        vouch for it, when it still has `status` once linked (a link changes its
        change time alone); else leave the stage without it. False when not linked."""
        if status is None:
            return False
        published = os.path.join(self._output_text, relative)
        try:
            before = status_of(os.lstat(published))
            # Changed since (the change time says so too; after this build removed the spare,
            # which shared the file, the change time is that removal's, and only the rest says).
            if before != status and not (self._spare_removed and same_file_linked(status, before)):
                return False
            os.link(published, target, follow_symlinks=False)
        except OSError as exc:
            if exc.errno not in NO_HARD_LINKS and exc.errno != errno.ENOENT:  # ENOENT: deleted meanwhile
                raise
            return False
        try:
            now = status_of(os.lstat(target))
        except FileNotFoundError:
            return False
        if not same_file_linked(status, now):  # changed in the moment between: not the file vouched for
            os.unlink(target)
            return False
        self.vouched[relative] = now
        return True

    def link_previous(self, relative: str) -> bool:
        """Make the previous site's file the new site's, as a hard link, without
        reading it: for a file the caller knows to be current. False when the
        previous site has no such file or the file system cannot link it. A
        reused stage holds it already (see spare_site.py)."""
        if self._present is not None:
            return relative in self._present
        if relative not in self.previous_files:
            return False
        return self._link_from_output(relative, self._target(relative), self._recorded.get(relative))

    def copy_file(self, relative: str, source: Path) -> None:
        self.write_bytes(relative, source.read_bytes())

    def commit(self, files: Iterable[str] = (), before_swap: Callable[[], None] | None = None) -> Callable[[], None]:
        """Make the staged site the output, in one step, and start deleting the
        previous one; returns what waits until it is deleted (see remove_in_background).
        `files`: the site's files (relative paths), each of which this process has not
        vouched for is vouched for as the stage holds it just before the exchange;
        `before_swap` is called then, after them."""
        if self.reused:
            self.write_bytes(OUTPUT_MARKER, OUTPUT_MARKER_TEXT)  # never into the published marker
        else:
            (self.stage / OUTPUT_MARKER).write_bytes(OUTPUT_MARKER_TEXT)
        if self.output.is_dir():
            # The folder a server was given may have a mode of the user's choosing.
            os.chmod(self.stage, stat.S_IMODE(self.output.stat().st_mode))
        self._vouch_for_written(files)
        if before_swap is not None:
            before_swap()
        previous = swap_in(self.stage, self.output, lambda: make_sibling(self.output, "retired"))
        if previous is None:
            return nothing_to_wait_for
        return self._keep_as_spare(previous)

    def _vouch_for_written(self, files: Iterable[str]) -> None:
        """The status of each of `files` not vouched for yet (those this build wrote), as the
        stage holds it: exchanging the folders changes no file's status, so a file edited once
        published has another, and one removed has none (UNTRUSTED: its absence is not the build's)."""
        base = self._stage_text + os.sep
        for relative in files:
            if relative not in self.vouched:
                try:
                    self.vouched[relative] = status_of(os.lstat(base + relative))
                except (FileNotFoundError, NotADirectoryError):
                    self.vouched[relative] = UNTRUSTED

    def _keep_as_spare(self, previous: Path) -> Callable[[], None]:
        """Keep the site just swapped out as the next build's stage (see
        spare_site.py), or delete it where it cannot be kept."""
        spare = spare_folder(self.output)
        if previous == spare:  # the stage was the spare: the exchange put the previous site there
            return nothing_to_wait_for
        if REUSABLE and not os.path.lexists(spare):
            try:
                os.rename(previous, spare)
                return nothing_to_wait_for
            except OSError:
                pass
        self.relinked = True
        return remove_in_background(previous, self._listed)

    def discard(self) -> None:
        if self._making is not None:  # so that no folder is made once the stage is removed
            self._making[0].wait()
            self._making = None
        if self.reused:
            return  # the spare stays: the next build brings it up to the output again
        shutil.rmtree(self.stage, ignore_errors=True)


def _remove_spare(spare: Path) -> None:
    """Remove a spare that cannot serve (see spare_site.py), never through a symbolic link."""
    if stat.S_ISDIR(os.lstat(spare).st_mode):
        shutil.rmtree(spare, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            os.unlink(spare)


def _holding(path: str, data: bytes, mode: int) -> Status | None:
    """The status of the regular file at `path`, taken before it is read, when it
    holds `data` and has the permissions `mode`; else None."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or stat.S_IMODE(info.st_mode) != mode or info.st_size != len(data):
            return None
        with open(path, "rb") as stream:
            return status_of(info) if stream.read() == data else None
    except OSError:
        return None


def _self_and_parents(folder: str) -> Iterable[str]:
    while folder:
        yield folder
        folder = folder.rpartition("/")[0]


@functools.cache
def _folder_maker() -> str | None:
    """The system's `xargs`, where there is one."""
    return shutil.which("xargs")
