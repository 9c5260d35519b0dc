"""Child process of the in-process rebuild measures; prints their timings as one JSON line.

    python benchmarks/measures/incremental_worker.py ARCHIVE OUTPUT ARTICLE

One `Builder` builds the site (not timed), then runs `build(incremental=True)`
four times, each timed: the first incremental build after the clean one
(`first`), one with nothing changed (`nochange`), one after a sentence was
added to ARTICLE's first paragraph, told that ARTICLE alone changed, as
`sitegen watch` tells it (`edit`), and one after a second sentence, told
nothing, as a caller that does not watch the sources (`edit_unhinted`). The
article is restored afterwards.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from measures.edits import edited  # noqa: E402


def main(archive: str, out: str, article: str) -> None:
    from sitegen.engine.builder import BuildOptions, Builder

    builder = Builder(BuildOptions(root=Path(archive), output=out, search=False))
    builder.build()  # the clean build the rebuilds start from: not timed
    results = {}

    def timed(key: str, changed: list[Path] | None = None) -> None:
        started, cpu = time.perf_counter(), time.process_time()
        result = builder.build(incremental=True, changed=changed)
        results[key] = {"seconds": time.perf_counter() - started, "files": result.files, "cpu_seconds": time.process_time() - cpu}

    timed("first")
    timed("nochange")
    path = Path(article)
    original = path.read_bytes()
    try:
        text = edited(original.decode("utf-8"))
        path.write_bytes(text.encode("utf-8"))
        timed("edit", [path])
        path.write_bytes(edited(text, " A second correction followed.").encode("utf-8"))
        timed("edit_unhinted")
    finally:
        path.write_bytes(original)
    print(json.dumps(results))


if __name__ == "__main__":
    main(*sys.argv[1:4])
