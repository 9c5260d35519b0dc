"""The package has the shape of its architecture, and every import follows it.

Layers, lowest first: `model` (content models and small value types), then
`pipeline` (the stages, in order), then `engine` (what runs the stages) and
`authoring` (tools that write sources), then `dev` (the editing loop), and
`cli` on top. A module may import any module of a lower layer, and, within
its own layer, only the modules listed before it: data flows one way.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sitegen"

# Each layer's modules in the order they may depend on each other.
LAYERS: list[tuple[str, list[str]]] = [
    ("model", ["errors", "characters", "numbers", "dates", "slugs", "urls", "matcher", "escaping", "sourcenames", "models", "file_status"]),
    (
        "pipeline",
        [
            "sourcefiles", "config", "fields", "load_toml", "load_markdown", "source_walk", "load", "timeline", "markdown", "sanitise", "raw_html",
            "snippets", "catalog", "notes", "reading_time", "annotation_state", "unseen_text", "side_notes", "mentions", "annotate", "site", "identifiers", "cards", "citation", "history", "charts", "entity_usage", "views", "packed_mentions", "related", "listings", "feeds", "kept_views", "sections", "exports", "article_pages", "entity_pages", "open_data_pages", "host_files", "pages", "render",
            "folder_events", "output_survey", "spare_site", "write", "folder_removal", "spare_copy", "staged_output", "in_place_output", "search_indexer", "search_bundle", "search_shards", "search", "outputs",
        ],  # fmt: skip
    ),
    ("engine", ["digests", "parallel", "options", "cache_key", "cache_bytes", "cache", "stored_fragments", "made_from", "cache_codec", "cache_file", "template_cache", "annotation", "inputs", "publish", "published", "stamp", "memory", "forked", "build_plan", "source_loading", "up_to_date", "plan_memos", "plan_record", "page_digests", "indexing", "stage_ready", "staged_writer", "in_place_writer", "open_data", "builder", "check"]),
    ("authoring", ["scaffold", "html_text", "importer", "suggest"]),
    ("dev", ["watch", "serve"]),
    ("cli", ["cli"]),
]
TOP_LEVEL = {"__init__", "__main__", "cli"}


def layer_position(dotted: str) -> tuple[int, int]:
    """(layer index, index within the layer) of a module `sitegen.<layer>.<module>`."""
    parts = dotted.split(".")[1:]
    if parts == ["cli"]:
        return len(LAYERS) - 1, 0
    for layer_index, (layer, modules) in enumerate(LAYERS):
        if parts[0] == layer:
            if len(parts) == 1:  # the layer's package itself
                return layer_index, -1
            module = parts[1]
            assert module in modules, f"sitegen.{layer}.{module} is not placed in the layering of this test"
            return layer_index, modules.index(module)
    raise AssertionError(f"{dotted} is in no layer")


def package_modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(("sitegen", *parts)))
    return names


def sitegen_imports(module: str) -> set[str]:
    parts = module.split(".")[1:]
    path = PACKAGE.joinpath(*parts).with_suffix(".py")
    if not path.exists():
        path = PACKAGE.joinpath(*parts, "__init__.py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                raise AssertionError(f"{module} uses a relative import; name modules in full")
            if node.module == "sitegen":
                found.update(f"sitegen.{alias.name}" for alias in node.names if alias.name != "__version__")
            elif node.module and node.module.startswith("sitegen."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("sitegen."))
    return found


def test_the_package_folders_are_the_architecture():
    folders = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert folders == sorted(layer for layer, _ in LAYERS if layer != "cli")
    loose = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert set(loose) <= TOP_LEVEL


def test_every_module_has_a_place_in_the_layering():
    for module in package_modules():
        if module.count(".") >= 2:  # top-level modules are checked by the test above
            layer_position(module)


@pytest.mark.parametrize("module", [m for m in package_modules() if m.count(".") >= 2 or m == "sitegen.cli"])
def test_a_module_imports_only_lower_layers_and_earlier_modules_of_its_own(module):
    own = layer_position(module)
    for imported in sorted(sitegen_imports(module)):
        target = layer_position(imported)
        assert target < own, f"{module} imports {imported}, which comes after it in the layering"


def test_nothing_reaches_into_another_modules_private_names():
    for module in package_modules():
        parts = module.split(".")[1:]
        path = PACKAGE.joinpath(*parts).with_suffix(".py")
        if not path.exists():
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sitegen"):
                private = [alias.name for alias in node.names if alias.name.startswith("_") and alias.name != "__version__"]
                assert not private, f"{module} imports private names {private} from {node.module}"
