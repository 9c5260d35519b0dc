"""What a build works from: the sources as loaded, and the plan of every page made from them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sitegen.model.errors import Diagnostic, Problems
from sitegen.model.models import Archive
from sitegen.model.urls import Urls
from sitegen.pipeline.config import Settings
from sitegen.pipeline.site import Deferred, Page, PlannedPage, SiteView

Progress = Callable[[Iterable[Page], int], Iterable[Page]]
Stage = Callable[[str], AbstractContextManager]  # times the work done inside it under a stage's name


def no_progress(pages: Iterable[Page], total: int) -> Iterable[Page]:
    return pages


@dataclass(slots=True)
class BuildPlan:
    """Everything decided before a byte is written: the output of stages up to `pages`."""

    settings: Settings
    output: Path
    archive: Archive
    pages: list[Page | PlannedPage]
    copies: list[tuple[str, Path]]  # (output path, source file)
    urls: Urls
    site: SiteView
    warnings: list[Diagnostic]
    deferred: list[Deferred] = field(default_factory=list)  # pages left to make later (see Builder.open_data_job)
    # What the annotate stage gave (pipeline/annotate.py's Annotations), the plan's record
    # (engine/plan_record.py) and the MadeFrom it was taken with: a single build's.
    annotations: Any = None
    record: Any = None
    digester: Any = None


@dataclass(slots=True)
class Sources:
    """What the site is made from, as the `config` and `load` stages read it."""

    settings: Settings
    output: Path
    archive: Archive
    templates: bytes  # digest of every template a page could load
    problems: Problems  # the warnings found so far
