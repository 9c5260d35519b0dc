"""What a build is asked to do, and what it reports.

Apart from the builder so that the command line, and the check of the last
build's stamp (engine/stamp.py), can use them without importing the pipeline.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen.model.errors import Diagnostic

if TYPE_CHECKING:
    from sitegen.pipeline.search import SearchReport


@dataclass(frozen=True, slots=True)
class BuildOptions:
    root: Path
    output: str | None = None
    base_url: str | None = None
    drafts: bool = False
    search: bool | None = None
    workers: int | None = None  # processes for annotating and rendering; None: one per core
    cache: bool = True  # read and write the persistent cache in .sitegen-cache/

    def __post_init__(self) -> None:
        if self.output is not None and type(self.output) is not str:  # a Path from a caller of the API: as text
            object.__setattr__(self, "output", os.fspath(self.output))


@dataclass(slots=True)
class BuildResult:
    articles: int = 0
    entities: int = 0
    pages: int = 0
    files: int = 0
    output: Path = Path()
    warnings: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0
    search: SearchReport | None = None
    search_skipped_because: str = ""  # why no index was built, when none was
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    unchanged: bool = False  # nothing changed since the last build: nothing was rendered or written
    rendered: int = 0  # pages rendered (the others were the previous build's files, kept)
