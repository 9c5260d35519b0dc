"""The persistent cache is trusted only when it is provably this machine's, for these inputs.

A cache made by other code, other packages or another Python is not used;
nor is one that was edited, copied from elsewhere, or is not a plain file of
sane size. In every such case the build equals a clean one.
"""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
import unicodedata

from conftest import REPOSITORY
from test_cache import small_archive

import sitegen.engine.annotation
from sitegen.engine.builder import BuildOptions, build
from sitegen.engine.cache_file import OUTPUT_PACKAGES, TOOLING_PACKAGES


def count_calls(monkeypatch, module, name: str) -> list:
    """Record every call of `module.name` from now on."""
    calls: list = []
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def assert_equals_clean_build(archive, tmp_path) -> None:
    build(BuildOptions(root=archive.root, output=str(tmp_path / "clean"), cache=False))
    assert archive.output_files() == archive.output_files(tmp_path / "clean")


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# --- what the cache is keyed on -------------------------------------------------------------


def test_a_new_version_of_a_package_that_shapes_the_output_invalidates_the_cache(archive, tmp_path, monkeypatch):
    small_archive(archive)
    archive.build()
    reported = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "99.0" if name == "markdown-it-py" else reported(name))
    annotated = count_calls(monkeypatch, sitegen.engine.annotation, "annotate_article")
    archive.build(workers=1)
    assert len(annotated) == 3
    assert_equals_clean_build(archive, tmp_path)


def test_another_unicode_database_invalidates_the_cache(archive, tmp_path, monkeypatch):
    small_archive(archive)
    archive.build()
    monkeypatch.setattr(unicodedata, "unidata_version", "0.0.1")
    annotated = count_calls(monkeypatch, sitegen.engine.annotation, "annotate_article")
    archive.build(workers=1)
    assert len(annotated) == 3
    assert_equals_clean_build(archive, tmp_path)


def test_every_runtime_dependency_is_either_in_the_cache_key_or_known_not_to_shape_output():
    declared = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    names = {normalised(re.match(r"[A-Za-z0-9._-]+", requirement).group()) for requirement in declared}
    assert names <= {normalised(name) for name in (*OUTPUT_PACKAGES, *TOOLING_PACKAGES)}
