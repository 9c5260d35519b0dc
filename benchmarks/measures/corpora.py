"""The archives the builds run on: generated corpora, and the public 4,000-file bench.

Both are written twice, as a sitegen archive and as a Hugo site with the same
articles, into the work folder, with a stamp file beside them: a later run
with the same settings (and the same generator or tarball) reuses them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sys
import tarfile
import time
from pathlib import Path

import corpus as corpus_module

BENCHMARKS = Path(__file__).resolve().parents[1]
PUBLIC_BENCH_NAME = "markdown-4000.tar.gz"
PUBLIC_BENCH_FIRST_DAY = dt.date(2000, 1, 1)


def _stamp(*parts: object) -> str:
    generators = [hashlib.sha256(path.read_bytes()).hexdigest() for path in (BENCHMARKS / "corpus.py", Path(__file__))]
    return json.dumps([*parts, generators])


def _reusable(stamp_file: Path, stamp: str, *folders: Path) -> bool:
    return stamp_file.is_file() and stamp_file.read_text() == stamp and all(folder.is_dir() for folder in folders)


def prepare(workdir: Path, name: str, articles: int, entities: int, seed: int, mention_pool: int | None = None,
            hugo: bool = True) -> tuple[Path, Path | None]:
    """Write (or reuse) a generated corpus; return its sitegen archive folder and its Hugo site folder (or None)."""
    archive, hugo_dir, stamp_file = workdir / f"archive-{name}", workdir / f"hugo-{name}", workdir / f"{name}.stamp"
    stamp = _stamp(articles, entities, seed, mention_pool, hugo)
    if _reusable(stamp_file, stamp, archive, *([hugo_dir] if hugo else [])):
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


# --- the public bench ------------------------------------------------------------------------


def find_public_bench(start: Path) -> Path | None:
    """`shared/bench/markdown-4000.tar.gz` beside the repository or beside one of its parent folders."""
    for folder in (start, *start.parents):
        candidate = folder / "shared" / "bench" / PUBLIC_BENCH_NAME
        if candidate.is_file():
            return candidate
    return None


def _markdown_files(tarball: Path) -> list[tuple[str, str]]:
    """(file name, text) of every Markdown file in the tarball, by name; nothing is extracted to disk."""
    files = {}
    with tarfile.open(tarball) as archive:
        for member in archive:
            name = member.name.rsplit("/", 1)[-1]
            if member.isfile() and name.endswith(".md") and not name.startswith("."):
                files[name] = archive.extractfile(member).read().decode("utf-8")
    return sorted(files.items())


def _dated(text: str, date: dt.date) -> str:
    """The file with `date:` added to its front matter (the bench's files have a title only)."""
    if not text.startswith("---\n"):
        return f"---\ndate: {date.isoformat()}\n---\n\n{text}"
    end = text.index("\n---", 3)
    return f"{text[:end]}\ndate: {date.isoformat()}{text[end:]}"


def prepare_public_bench(workdir: Path, tarball: Path) -> tuple[Path, Path, int]:
    """The bench's files as a sitegen archive (articles only) and a Hugo site; and how many files.

    File number i (in name order) is dated i × 2 days after 2000-01-01, so the
    archive spreads over some twenty years as a real one would.
    """
    archive, hugo_dir, stamp_file = workdir / "archive-public-4000", workdir / "hugo-public-4000", workdir / "public-4000.stamp"
    stamp = _stamp("public", hashlib.sha256(tarball.read_bytes()).hexdigest())
    if _reusable(stamp_file, stamp, archive, hugo_dir):
        print("reusing the public bench", file=sys.stderr, flush=True)
        return archive, hugo_dir, sum(1 for _ in (archive / "content" / "articles").glob("*.md"))
    stamp_file.unlink(missing_ok=True)
    files = _markdown_files(tarball)
    for folder in (archive, hugo_dir):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    (archive / "site.toml").write_text(
        '[site]\ntitle = "Public Markdown Bench"\nbase_url = "https://example.org/archive/"\nlanguage = "en"\n\n'
        '[build]\noutput = "_site"\n', encoding="utf-8")
    articles = archive / "content" / "articles"
    articles.mkdir(parents=True)
    (hugo_dir / "hugo.toml").write_text(corpus_module.HUGO_CONFIG, encoding="utf-8")
    for name, text in corpus_module.HUGO_LAYOUTS.items():
        (hugo_dir / "layouts").mkdir(exist_ok=True)
        (hugo_dir / "layouts" / name).write_text(text, encoding="utf-8")
    posts = hugo_dir / "content" / "posts"
    posts.mkdir(parents=True)
    for number, (name, text) in enumerate(files):
        data = _dated(text, PUBLIC_BENCH_FIRST_DAY + dt.timedelta(days=2 * number)).encode("utf-8")
        (articles / name).write_bytes(data)
        (posts / name).write_bytes(data)
    stamp_file.write_text(stamp)
    print(f"wrote the public bench ({len(files)} files)", file=sys.stderr, flush=True)
    return archive, hugo_dir, len(files)
