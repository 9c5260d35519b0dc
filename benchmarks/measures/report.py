"""The measures, their targets, and the report: a Markdown table and the JSON rows."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from measures.processes import Sample

MB = 1_000_000  # data transferred are counted in decimal megabytes
GIB_IN_MIB = 1024


@dataclass(frozen=True)
class Measure:
    label: str
    unit: str  # "s", "ms" (both timed in seconds) or "bytes"
    versus: str | None = None  # the measure its ratio is taken against, at the same size


MEASURES = {
    "cold": Measure("sitegen cold build, no search", "s", "hugo"),
    "search": Measure("sitegen cold build, with search", "s", "hugo"),
    "hugo": Measure("Hugo build", "s"),
    "second": Measure("sitegen second build, nothing changed (new process)", "s", "hugo"),
    "second_edit": Measure("sitegen second build after a one-article edit (new process)", "s", "hugo"),
    "second_edit_again": Measure("sitegen third build after another edit of it (new process, previous site kept)", "s", "hugo"),
    "nochange": Measure("sitegen no-change rebuild (incremental)", "ms", "hugo"),
    "edit": Measure("sitegen one-article edit rebuild (incremental)", "ms", "hugo"),
    "edit_unhinted": Measure("sitegen one-article edit rebuild (incremental), not told the changed path", "ms", "hugo"),
    "first": Measure("sitegen first incremental build after a clean one", "ms", "hugo"),
    "watch": Measure("sitegen watch: save → page updated on disk", "ms"),
    "browser_word_ms": Measure("search page: one-word query, submit → first result", "ms"),
    "browser_word_bytes": Measure("search page: one-word query, data transferred", "bytes"),
    "browser_filter_ms": Measure("search page: one filter added, click → first result", "ms"),
    "browser_filter_bytes": Measure("search page: query then one filter, data transferred", "bytes"),
    "entities100": Measure("sitegen cold build, no search, 100 entities", "s"),
    "entities10000": Measure("sitegen cold build, no search, 10,000 entities", "s", "entities100"),
    "public_cold": Measure("sitegen cold build, no search, public 4,000-file bench", "s", "public_hugo"),
    "public_hugo": Measure("Hugo build, public 4,000-file bench", "s"),
}

RATIO_NAMES = {"hugo": "Hugo", "public_hugo": "Hugo", "entities100": "100 entities"}


@dataclass(frozen=True)
class Target:
    text: str
    ratio_at_most: float | None = None
    seconds_at_most: float | None = None
    memory_mib_at_most: float | None = None
    bytes_at_most: int | None = None


def target_for(measure: str, articles: int, smallest: int) -> Target | None:
    """The project's targets, on the 2-core machine; None where a measure has none at that size."""
    if articles == 100_000:
        return {
            "cold": Target("≤ 5 min, ≤ 3 GiB", seconds_at_most=300, memory_mib_at_most=3 * GIB_IN_MIB),
            "search": Target("≤ 5 min, ≤ 3 GiB", seconds_at_most=300, memory_mib_at_most=3 * GIB_IN_MIB),
            "edit": Target("≤ 300 ms", seconds_at_most=0.3),
            "watch": Target("≤ 600 ms", seconds_at_most=0.6),
            "browser_word_ms": Target("≤ 1 s", seconds_at_most=1.0),
            "browser_filter_ms": Target("≤ 1 s", seconds_at_most=1.0),
            "browser_word_bytes": Target("≤ 1.5 MB", bytes_at_most=int(1.5 * MB)),
            "browser_filter_bytes": Target("≤ 1.5 MB", bytes_at_most=int(1.5 * MB)),
        }.get(measure) or _every_size(measure)
    if articles == 20_000 and measure == "cold":
        return Target("≤ 0.8 × Hugo, ≤ 1 GiB", ratio_at_most=0.8, memory_mib_at_most=GIB_IN_MIB)
    if articles == 20_000 and measure == "search":
        return Target("≤ 1 GiB", memory_mib_at_most=GIB_IN_MIB)
    if articles == 4000:
        target = {
            "cold": Target("≤ 1.0 × Hugo", ratio_at_most=1.0),
            "nochange": Target("≤ 0.1 × Hugo", ratio_at_most=0.1),
            "edit": Target("≤ 100 ms", seconds_at_most=0.1),
            "watch": Target("≤ 300 ms", seconds_at_most=0.3),
        }.get(measure)
        if target is not None:
            return target
    if measure == "entities10000" and articles == smallest:
        return Target("≤ 1.3 × 100 entities", ratio_at_most=1.3)
    return _every_size(measure)


def _every_size(measure: str) -> Target | None:
    return {
        "second": Target("≤ 0.2 × Hugo", ratio_at_most=0.2),
        "second_edit": Target("≤ 0.3 × Hugo", ratio_at_most=0.3),
        "public_cold": Target("≤ 1.0 × Hugo", ratio_at_most=1.0),
    }.get(measure)


@dataclass
class Row:
    measure: str
    articles: int
    entities: int
    samples: list[Sample] = field(default_factory=list)

    @property
    def unit(self) -> str:
        return MEASURES[self.measure].unit

    @property
    def median(self) -> float:
        """Median seconds, or median bytes for data transferred."""
        return statistics.median(s.bytes if self.unit == "bytes" else s.seconds for s in self.samples)

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


def mib(value: float) -> str:
    """Whole MiB, from the value rounded as the JSON has it (one decimal)."""
    return f"{round(value, 1):.0f}"


def judge(target: Target, row: Row, ratio: float | None) -> bool | None:
    """True or False; None when a figure the target needs was not measured (no Hugo build, say)."""
    checks = []
    if target.ratio_at_most is not None:
        checks.append(None if ratio is None else ratio <= target.ratio_at_most)
    if target.seconds_at_most is not None:
        checks.append(row.median <= target.seconds_at_most)
    if target.bytes_at_most is not None:
        checks.append(row.median <= target.bytes_at_most)
    if target.memory_mib_at_most is not None:
        checks.append(None if row.peak_memory_mib is None else row.peak_memory_mib <= target.memory_mib_at_most)
    if False in checks:
        return False
    return None if None in checks else True


def summarise(rows: dict[tuple[str, int], Row], smallest: int, failed: set[tuple[str, int]] = frozenset()) -> list[dict]:
    """One JSON row per measure and size; a measure that failed at a size is not met there."""
    summary = []
    for measure, articles in sorted(failed - rows.keys(), key=lambda key: key[1]):
        spec, target = MEASURES[measure], target_for(measure, articles, smallest)
        summary.append({"measure": measure, "label": spec.label, "articles": articles, "unit": spec.unit, "failed": True,
                        "ratio": None, "ratio_to": None, "target": target.text if target else None, "met": False if target else None})
    for (measure, articles), row in rows.items():
        spec = MEASURES[measure]
        ratio = None
        if spec.versus is not None and rows.get((spec.versus, articles)) is not None:
            ratio = row.median / rows[(spec.versus, articles)].median
        target = target_for(measure, articles, smallest)
        met = None if target is None else judge(target, row, ratio)
        if (measure, articles) in failed and target is not None:
            met = False
        item = {"measure": measure, "label": spec.label, "articles": articles, "entities": row.entities, "unit": spec.unit}
        if spec.unit == "bytes":
            item |= {"samples_bytes": [s.bytes for s in row.samples], "median_bytes": round(row.median)}
        else:
            item |= {
                "samples_seconds": [round(s.seconds, 4) for s in row.samples],
                "samples_cpu_seconds": [_round(s.cpu_seconds, 4) for s in row.samples],
                "median_seconds": round(row.median, 4),
                "median_cpu_seconds": _round(row.median_cpu, 4),
                "peak_memory_mib": _round(row.peak_memory_mib, 1),
                "samples_process_rss_mib": [_round(s.process_rss_mib, 1) for s in row.samples],
                "samples_tree_pss_mib": [_round(s.tree_pss_mib, 1) for s in row.samples],
                "files": [s.files for s in row.samples],
            }
        item |= {
            "ratio": _round(ratio, 3),
            "ratio_to": None if spec.versus is None else RATIO_NAMES[spec.versus],
            "target": target.text if target else None,
            "met": met,
        }
        summary.append(item)
    order = list(MEASURES)
    summary.sort(key=lambda item: (item["measure"].startswith("public"), item["articles"], order.index(item["measure"])))
    return summary


def shown(value: float, unit: str) -> str:
    if unit == "bytes":
        return f"{value / MB:.2f} MB" if value >= MB else f"{value / 1000:.1f} kB"
    return f"{value * 1000:.0f} ms" if unit == "ms" else f"{value:.2f} s"


def markdown_table(summary: list[dict]) -> str:
    lines = [
        "| measure | articles | median | CPU | peak memory | ratio | target | met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for item in summary:
        unit = item["unit"]
        if item.get("failed"):
            lines.append(f"| {item['label']} | {item['articles']:,} | failed | | | | {item['target'] or ''} | {'not met' if item['target'] else ''} |")
            continue
        median = shown(item["median_bytes"] if unit == "bytes" else item["median_seconds"], unit)
        cpu = item.get("median_cpu_seconds")
        cpu = "" if cpu is None else shown(cpu, unit)
        memory = item.get("peak_memory_mib")
        memory = "" if unit == "bytes" or item["measure"].startswith("browser") else ("n/a" if memory is None else f"{mib(memory)} MiB")
        ratio = "" if item["ratio"] is None else f"{item['ratio']:.2f} × {item['ratio_to']}"
        met = {None: "" if item["target"] is None else "not measured", True: "met", False: "not met"}[item["met"]]
        lines.append(f"| {item['label']} | {item['articles']:,} | {median} | {cpu} | {memory} | {ratio} | {item['target'] or ''} | {met} |")
    return "\n".join(lines)
