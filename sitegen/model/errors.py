"""Located problems in the user's content, collected and reported together.

Every stage reports bad input as a `Diagnostic` (file, line, message, what to
do) rather than raising a bare exception, so the command line can print all of
them at once as `path:line: message` without a traceback.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in a source file."""

    path: str  # relative to the archive root, with forward slashes
    line: int | None  # 1-based; None when the problem concerns the whole file
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.severity}: {self.message}"

    @property
    def sort_key(self) -> tuple[str, int, str]:
        return (self.path, self.line or 0, self.message)


@dataclass(slots=True)
class Problems:
    """A collector that stages append to; the build stops when it holds errors."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, path: str, line: int | None, message: str) -> None:
        self.items.append(Diagnostic(path, line, message, "error"))

    def warning(self, path: str, line: int | None, message: str) -> None:
        self.items.append(Diagnostic(path, line, message, "warning"))

    def extend(self, diagnostics) -> None:
        self.items.extend(diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return sorted((d for d in self.items if d.severity == "error"), key=lambda d: d.sort_key)

    @property
    def warnings(self) -> list[Diagnostic]:
        return sorted((d for d in self.items if d.severity == "warning"), key=lambda d: d.sort_key)

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ContentError(self.errors, self.warnings)


class ContentError(Exception):
    """The sources cannot be built; carries every error found (and the warnings so far)."""

    def __init__(self, errors: list[Diagnostic], warnings: list[Diagnostic] | None = None):
        self.errors = list(errors)
        self.warnings = list(warnings or [])
        super().__init__("\n".join(str(d) for d in self.errors))


def kind_of(value: object) -> str:
    """How a message names the kind of a value read from YAML or TOML."""
    if value is None:
        return "nothing"
    for kind, name in KIND_NAMES:
        if isinstance(value, kind):
            return name
    return type(value).__name__


KIND_NAMES: tuple[tuple[type, str], ...] = (
    (bool, "true/false"),  # before int: a bool is an int to Python
    (str, "text"),
    ((int, float), "a number"),
    (dict, "a table"),
    ((list, tuple), "a list"),
    (datetime.datetime, "a date-time"),
    (datetime.date, "a date"),
    (datetime.time, "a time of day"),
)


class UsageError(Exception):
    """The command was asked for something it cannot do (exit code 2)."""


class CacheUnreadable(ValueError):
    """A piece of the persistent cache, read only when a build needs it, does not
    decode, though the file's seal verified when it was loaded: the build that
    meets it removes the cache and is made again without it (engine/builder.py)."""
