"""The build measures: cold builds of sitegen and Hugo, second builds in a new process, in-process rebuilds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sitegen.engine.template_cache import theme_templates_file

from measures.edits import edit_target, edited
from measures.processes import MeasureFailed, Sample, count_files, remove, run_child

INCREMENTAL_WORKER = Path(__file__).resolve().with_name("incremental_worker.py")


def sitegen_command(archive: Path, out: Path, search: bool) -> list[str]:
    command = [sys.executable, "-m", "sitegen", "build", "--root", str(archive), "--out", str(out), "--quiet"]
    return command if search else [*command, "--no-search"]


def wrote_search_index(bundle: Path) -> bool:
    """Whether `bundle` holds a search index: Pagefind's entry file, in the bundle itself (one
    shard) or in the folder of every shard its manifest (`shards.json`) names."""
    if (bundle / "pagefind-entry.json").is_file():
        return True
    try:
        shards = json.loads((bundle / "shards.json").read_bytes())["shards"]
        return bool(shards) and all((bundle / shard["bundle"] / "pagefind-entry.json").is_file() for shard in shards)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def sitegen_cold(archive: Path, out: Path, cwd: Path, search: bool, keep: bool = False) -> Sample:
    """`sitegen build` into a new output folder, with no cache left by an earlier build.

    With `keep`, the output folder and the cache stay for the measures that follow.
    """
    remove(out)
    remove(archive / ".sitegen-cache")  # a cold build starts without sitegen's persistent cache
    remove(theme_templates_file())  # nor the user's compiled theme, which any earlier build leaves
    sample = run_child(sitegen_command(archive, out, search), cwd)
    sample.files = count_files(out)
    if search and not wrote_search_index(out / "pagefind"):
        raise MeasureFailed(f"the build with search wrote no search index into {out / 'pagefind'}")
    if not keep:
        remove(out)
    return sample


def sitegen_second(archive: Path, out: Path, cwd: Path) -> dict[str, Sample]:
    """Three more `sitegen build --no-search` processes after a cold build into `out`: one with
    nothing changed, one after a sentence is added to one article, and one after a second
    sentence is added to it (the article restored afterwards).

    Every build after an edit reuses the previous site kept beside the output as its stage,
    as an editor's builds do: a cold build into a new folder swaps out none, but leaves a
    copy of its site there (before that, the first edit found none, and only the third build
    measured the kept site)."""
    samples = {"second": run_child(sitegen_command(archive, out, False), cwd)}
    article = edit_target(archive)
    original = article.read_bytes()
    try:
        once = edited(original.decode("utf-8"))
        article.write_bytes(once.encode("utf-8"))
        samples["second_edit"] = run_child(sitegen_command(archive, out, False), cwd)
        article.write_bytes(edited(once, " A second sentence is added for the next build.").encode("utf-8"))
        samples["second_edit_again"] = run_child(sitegen_command(archive, out, False), cwd)
    finally:
        article.write_bytes(original)
    return samples


def hugo_cold(binary: Path, site: Path, out: Path, cwd: Path) -> Sample:
    """`hugo` into a new output folder, with a new cache folder."""
    cache = out.with_name(out.name + "-cache")
    for path in (out, cache, site / "resources", site / ".hugo_build.lock"):
        remove(path)
    command = [str(binary), "--source", str(site), "--destination", str(out), "--cacheDir", str(cache), "--quiet", "--minify=false"]
    sample = run_child(command, cwd)
    sample.files = count_files(out)
    for path in (out, cache):
        remove(path)
    return sample


def incremental(archive: Path, out: Path, cwd: Path) -> dict[str, Sample]:
    """The in-process rebuild measures, in a child process that keeps one Builder (incremental_worker.py)."""
    remove(out)
    remove(archive / ".sitegen-cache")
    command = [sys.executable, str(INCREMENTAL_WORKER), str(archive), str(out), str(edit_target(archive))]
    result = subprocess.run(command, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    remove(out)
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-5000:])
        raise MeasureFailed(f"the in-process rebuilds failed with exit code {result.returncode}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return {key: Sample(value["seconds"], files=value["files"], cpu_seconds=value["cpu_seconds"]) for key, value in data.items()}
