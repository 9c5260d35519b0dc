"""Whether the output is up to date: the digest of everything a site is made from,
and which of the output's files are still as the last build left them."""

from __future__ import annotations

from pathlib import Path

from sitegen.engine.build_plan import Sources
from sitegen.engine.cache import BuildCache, digest_of
from sitegen.engine.forked import NO_RESULT, Forked, fork_work
from sitegen.engine.inputs import files_digest
from sitegen.engine.published import holds_exactly, output_manifest, unchanged_entries


def inputs_digest(cache: BuildCache, sources: Sources, root: Path, writer: tuple = ()) -> bytes:
    """Everything the site is made from, static files' bytes included, and how
    `writer` leaves the output (in place, or staged with or without its index)."""
    files = files_digest(sources.archive, root)
    # What the loader left out (a link, a named pipe) is in no other input, but in
    # its warnings, which a build that finds nothing changed reports as they were.
    left_out = [(w.path, w.line, w.message) for w in sources.problems.warnings]
    return digest_of((sources.settings, cache.sources.digest(), sources.templates, files, writer, left_out))


def output_check(cache: BuildCache, output: Path) -> Forked | None:
    """Start comparing the output folder with the manifest in a forked child
    (engine/forked.py), which lists it on the other core while the build loads
    its sources (one `lstat` an entry: 90,000 at 20,000 articles, most of a
    second); None where there is nothing to compare or no child."""
    manifest = cache.manifest
    if not manifest:
        return None

    def compare() -> list[str] | None:
        current = output_manifest(output)
        return None if holds_exactly(manifest, current) else sorted(unchanged_entries(manifest, current))

    return fork_work(compare)


def kept_outputs(cache: BuildCache, output: Path, incremental: bool, checking: Forked | None = None) -> set[str] | None:
    """The output files still exactly as the last clean build left them, or None
    when the whole folder is (see engine/published.py); `checking`: the
    comparison output_check started, taken here (else it is made now).

    What the cache says was written is trusted only for those files: any
    other is rendered again. Without a manifest (after in-place builds,
    whose record lives in this process only) `written` stays as it is:
    the in-place writer checks what is on disk itself.
    """
    if not cache.manifest:
        if not incremental:
            cache.page_inputs = {}  # no previous file can be kept unverified
        return set()
    checked = checking.result() if checking is not None else NO_RESULT
    if checked is None:
        return None
    if type(checked) is list and all(type(path) is str for path in checked):
        kept = set(checked)
    else:  # not compared, or not a listing: compared here
        current = output_manifest(output)
        if holds_exactly(cache.manifest, current):
            return None
        kept = unchanged_entries(cache.manifest, current)
    cache.written = {path: digest for path, digest in cache.written.items() if path in kept}
    cache.page_inputs = {path: digest for path, digest in cache.page_inputs.items() if path in kept}
    if incremental:
        cache.manifest = {}  # the in-place writer is about to change the folder
    return kept


def unchanged(cache: BuildCache, sources: Sources, inputs: bytes, kept: set[str] | None, incremental: bool) -> bool:
    """True when the last build wrote the output from these very inputs and it still holds that.

    A clean build relies on the manifest alone; after in-place builds
    (watch, serve) the folder need only exist, as their writer checks
    each file it keeps."""
    if inputs != cache.inputs_digest:
        return False
    if cache.manifest or not incremental:
        return kept is None
    return sources.output.is_dir()
