"""Reading source files: decoding, front matter, and where keys stand.

Shared by `config` and `load`. Positions are what make errors useful, so every
parser here returns, next to the data, the 1-based line of each key it saw.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sitegen.model.numbers import digits_limit, first_long_decimal, number_can_be_shown, too_many_digits, written_number_too_long

# File and folder times come from a clock that advances in steps of a few
# milliseconds: two changes within one step (a file written twice, an entry
# added to a folder while it is listed) can leave the same status. A status
# taken less than this long after the last change is not trusted to tell them apart.
RECENT_STATUS_NS = 50_000_000


class SourceError(Exception):
    """A problem at a line of a source file; the caller adds the path."""

    def __init__(self, line: int | None, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def source_name(root: Path, path: Path) -> str:
    """A source's path as messages show it: relative to the archive, with forward slashes."""
    text, prefix = str(path), str(root) + "/"
    if os.sep == "/" and text.startswith(prefix) and prefix != "//":  # what relative_to gives, without its cost
        return text[len(prefix) :]
    return path.relative_to(root).as_posix()


def read_text(path: Path) -> str:
    """Decode a source file as UTF-8, dropping a BOM and normalising newlines.

    CRLF and lone CR become LF so that a file saved on Windows parses exactly
    like the same file saved elsewhere.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:  # no permission, or removed since the folder was listed
        raise SourceError(None, f"cannot be read ({exc.strerror or exc}); check the file and build again") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SourceError(
            line,
            f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8",
        ) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


# --- nesting ---------------------------------------------------------------

# Lists and tables inside each other. No field of an archive needs more than a
# few levels; far deeper values would overflow Python's recursion in the
# parsers, the cache's pickling or the templates, so they are refused here.
MAX_NESTING = 100
NESTING_TOO_DEEP = (
    f"nesting is too deep (more than {MAX_NESTING} lists or tables inside each other): "
    "flatten the value"
)
# TOML strings, multi-line ones first, and comments: where brackets and runs of
# digits are no structure. Alternatives start with different characters, and a
# one-line string never crosses a line break, even escaped: an unclosed one is
# given up at its line's end, not scanned to the file's end from every quote.
_TOML_STRING_OR_COMMENT = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""' + r"|'''(?:[^']|'(?!''))*'''" + r"""|"(?:[^"\\\n]|\\[^\n])*"|'[^'\n]*'|#[^\n]*""",
    re.DOTALL,
)


def _bare_toml_lines(text: str) -> list[str]:
    """The lines of a TOML text with its strings and comments taken out; each keeps
    its line breaks, so what is left stays on its line."""
    return _TOML_STRING_OR_COMMENT.sub(lambda found: "\n" * found.group().count("\n"), text).split("\n")


def _lines_inside_strings(text: str) -> set[int]:
    """The 0-based lines of a TOML text that start inside a multi-line string."""
    inside: set[int] = set()
    line, counted = 0, 0
    for found in _TOML_STRING_OR_COMMENT.finditer(text):
        breaks = found.group().count("\n")
        if breaks:
            line += text.count("\n", counted, found.start())
            counted = found.end()
            inside.update(range(line + 1, line + 1 + breaks))
            line += breaks
    return inside


def _toml_problem(data: Any) -> tuple[tuple[str | int, ...], str] | None:
    """The key path of the first TOML value nested deeper than MAX_NESTING, or of
    the first integer Python cannot write as text, with what to say; None when none."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            items = list(value.items())
        elif isinstance(value, list):
            items = list(enumerate(value))
        else:
            if type(value) is int and not number_can_be_shown(value):
                return path, too_many_digits()
            continue
        if len(path) > MAX_NESTING:
            return path, NESTING_TOO_DEEP
        stack.extend((child, (*path, key)) for key, child in reversed(items))
    return None


def _first_line_too_deep(text: str) -> int:
    """The 0-based line on which brackets first open deeper than MAX_NESTING.

    Only locates a message after a parser gave up, so it counts brackets
    outside quotes and comments and need not understand the rest.
    """
    depth = 0
    for number, line in enumerate(_bare_toml_lines(text)):
        for char in line:
            if char in "[{":
                depth += 1
                if depth > MAX_NESTING:
                    return number
            elif char in "]}":
                depth -= 1
    return 0


# --- YAML -----------------------------------------------------------------


# The C parser (libyaml) when PyYAML was built with it: parsing front matter
# is a large share of a cold build, and libyaml is many times faster.
_YamlBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _DuplicateKey(Exception):
    def __init__(self, key: object, first: yaml.Mark, second: yaml.Mark):
        super().__init__(key)
        self.key, self.first, self.second = key, first, second


class _PlainYamlLoader(_YamlBase):  # type: ignore[misc,valid-type]
    """SafeLoader that keeps dates as the strings the author wrote, and refuses
    a key written twice in one mapping.

    PyYAML would turn `2016-11-27` into a date and `2016-11-27T10:00:00+01:00`
    into a datetime shifted to UTC; sitegen parses dates itself so that they
    display exactly as written and errors can name the key. PyYAML would also
    keep the last of two equal keys without a word, so an author who adds a
    second `title:` would silently lose the first.
    """

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            first_marks: dict[object, yaml.Mark] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # `<<: *base` may be overridden by the keys beside it
                key = self.construct_object(key_node, deep=True)
                try:
                    first = first_marks.setdefault(key, key_node.start_mark)
                except TypeError:
                    continue  # an unhashable key: the base class says so, with its line
                if first is not key_node.start_mark:
                    raise _DuplicateKey(key, first, key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


_PlainYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _YamlBase.yaml_implicit_resolvers.items()
}


_INT_TAG = "tag:yaml.org,2002:int"


def _scalar_checked(construct):
    """PyYAML's constructor of a scalar tag, raising a marked error for a value it cannot read.

    PyYAML's own let Python's error out (`!!int abc`, `!!bool maybe`, an explicit
    `!!timestamp` that is no date, an integer of more digits than Python reads):
    an author's typo would stop the build as an internal error, with no line."""

    def constructed(loader, node):
        if node.tag == _INT_TAG and isinstance(node.value, str) and written_number_too_long(node.value):
            raise _UnreadableValue(f"the value {_shown(node)} is {too_many_digits()}", node.start_mark)
        try:
            value = construct(loader, node)
        except (ValueError, LookupError, TypeError, AttributeError, OverflowError):
            kind = str(node.tag).rsplit(":", 1)[-1]
            problem = f"cannot be read as {kind}: correct it, or quote it to keep it as text"
            raise _UnreadableValue(f"the value {_shown(node)} {problem}", node.start_mark) from None
        if type(value) is int and not number_can_be_shown(value):
            raise _UnreadableValue(f"the value {_shown(node)} is {too_many_digits()}", node.start_mark)
        return value

    return constructed


def _shown(node: yaml.Node) -> str:
    """A scalar as written, for a message: its start only, when long."""
    written = str(node.value)
    return repr(written if len(written) <= 40 else written[:40] + "…")


class _UnreadableValue(yaml.constructor.ConstructorError):
    """A scalar its tag cannot read (see _scalar_checked): its message says what to do."""

    def __init__(self, problem: str, mark: yaml.Mark):
        super().__init__(None, None, problem, mark)


for _tag in ("null", "bool", "int", "float", "timestamp"):
    _tag = f"tag:yaml.org,2002:{_tag}"
    _PlainYamlLoader.add_constructor(_tag, _scalar_checked(_YamlBase.yaml_constructors[_tag]))


# What most front matter is made of: mappings, lists, and scalars that are
# text, numbers, booleans or null. _plain_value builds those directly from
# the composed nodes, checking the nesting and duplicate keys on the way, in
# one pass; PyYAML's constructor (with _node_too_deep before it) took two
# thirds of the time of parsing an entity's file.
_STR_TAG, _MAP_TAG, _SEQ_TAG = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_PLAIN_SCALAR_TAGS = frozenset(f"tag:yaml.org,2002:{kind}" for kind in ("null", "bool", "int", "float"))


class _NotPlain(Exception):
    """The document needs PyYAML's constructor and the checks before it (see _plain_value)."""


def _plain_value(loader: yaml.BaseLoader, node: yaml.Node, depth: int = 0) -> Any:
    """What PyYAML's constructor makes of `node` (without aliases: each node is
    met once), when it holds only those plain kinds, nested no deeper than
    MAX_NESTING, with no key written twice and no merge key; else _NotPlain,
    raised before any error: the full path then finds the problem and the
    line to report, as it always did."""
    kind, tag = type(node), node.tag
    if kind is yaml.ScalarNode:
        if tag == _STR_TAG:
            return node.value
        if tag in _PLAIN_SCALAR_TAGS:
            try:
                return loader.yaml_constructors[tag](loader, node)
            except yaml.YAMLError:
                raise _NotPlain from None
        raise _NotPlain
    if depth > MAX_NESTING:
        raise _NotPlain
    if kind is yaml.SequenceNode and tag == _SEQ_TAG:
        return [_plain_value(loader, child, depth + 1) for child in node.value]
    if kind is not yaml.MappingNode or tag != _MAP_TAG:
        raise _NotPlain
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        if type(key_node) is not yaml.ScalarNode:
            raise _NotPlain
        key = _plain_value(loader, key_node, depth + 1)
        if key in mapping:
            raise _NotPlain
        mapping[key] = _plain_value(loader, value_node, depth + 1)
    return mapping


def _node_too_deep(root: yaml.Node) -> yaml.Node | None:
    """The first node nested deeper than MAX_NESTING, or None."""
    stack = [(root, 0)]
    seen: set[int] = set()  # an alias repeats a node, and may sit inside it
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, yaml.CollectionNode) or id(node) in seen:
            continue
        seen.add(id(node))
        if depth > MAX_NESTING:
            return node
        children = [part for pair in node.value for part in pair] if isinstance(node, yaml.MappingNode) else node.value
        stack.extend((child, depth + 1) for child in reversed(children))
    return None


# YAML aliases (`*name`) repeat a value without writing it out again: nine
# lines of ten aliases each stand for a billion values, which hashing the
# parsed front matter would walk one by one. A value may stand for at most
# this many times the values the file writes, and a few thousand besides.
MAX_ALIAS_EXPANSION = 10
ALIAS_ALLOWANCE = 10_000


def _alias_problem(root: yaml.Node) -> tuple[yaml.Node, str] | None:
    """A node whose aliases never end (one inside the value it repeats) or repeat
    far too much, with what to say about it; None when the aliases are harmless."""
    sizes: dict[int, int] = {}  # values each node stands for, aliases written out
    ancestors: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        children = _children(node)
        if finished:
            ancestors.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
            continue
        if id(node) in sizes:
            continue
        if id(node) in ancestors:
            return node, "this value contains an alias of itself, so it never ends: write the values out instead"
        ancestors.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(children))
    if sizes[id(root)] > MAX_ALIAS_EXPANSION * len(sizes) + ALIAS_ALLOWANCE:
        return root, f"aliases (*name) make these {len(sizes)} values stand for {sizes[id(root)]}: write the values out instead"
    return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def parse_yaml_mapping(text: str, first_line: int = 1) -> tuple[dict[str, Any], dict[str, int]]:
    """Parse a YAML mapping; return it with the line of each top-level key.

    `first_line` is the file line on which `text` starts, so positions are
    reported in the file's own numbering.
    """
    loader = _PlainYamlLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, {}
        # Only an alias (`*name`) repeats a node: text without an asterisk has none.
        if "*" not in text and type(node) is yaml.MappingNode:
            try:
                data = _plain_value(loader, node)
            except _NotPlain:
                pass
            else:
                return {str(k): v for k, v in data.items()}, _key_lines(node, first_line)
        deep = _node_too_deep(node)
        if deep is not None:
            raise SourceError(first_line + deep.start_mark.line, NESTING_TOO_DEEP)
        # Only an alias (`*name`) repeats a value: text without an asterisk has none to check.
        aliases = _alias_problem(node) if "*" in text else None
        if aliases is not None:
            raise SourceError(first_line + aliases[0].start_mark.line, aliases[1])
        # A mapping tagged as something else (`!!set`, `!!omap`) is no mapping either.
        if not isinstance(node, yaml.MappingNode) or node.tag != _MAP_TAG:
            raise SourceError(
                first_line + node.start_mark.line,
                "front matter must be a mapping of `key: value` lines",
            )
        key_lines = _key_lines(node, first_line)
        data = loader.construct_document(node)
    except _DuplicateKey as exc:
        raise SourceError(
            first_line + exc.second.line,
            f"the key `{exc.key}` is written twice in one mapping (first on line {first_line + exc.first.line}): "
            "keep one of them",
        ) from None
    except _UnreadableValue as exc:
        raise SourceError(first_line + exc.problem_mark.line, exc.problem) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark is not None else first_line
        problem = exc.problem or exc.context or "invalid YAML"
        if "nesting depth" in problem:  # libyaml's own limit, far above ours
            raise SourceError(line, NESTING_TOO_DEEP) from None
        raise SourceError(line, f"invalid YAML: {problem}; check quoting and indentation") from None
    except RecursionError:  # PyYAML's Python parser, when libyaml is missing
        raise SourceError(first_line + _first_line_too_deep(text), NESTING_TOO_DEEP) from None
    except yaml.YAMLError as exc:
        raise SourceError(first_line, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    return {str(k): v for k, v in data.items()}, key_lines


def _key_lines(node: yaml.MappingNode, first_line: int) -> dict[str, int]:
    """The file line of each top-level key (of its first writing)."""
    key_lines: dict[str, int] = {}
    for key_node, _ in node.value:
        key_lines.setdefault(str(key_node.value), first_line + key_node.start_mark.line)
    return key_lines


# --- TOML -----------------------------------------------------------------

_TOML_ERROR_LINE = re.compile(r"\(at line (\d+), column \d+\)")
_TOML_ERROR_AT_END = "(at end of document)"
_TOML_TABLE = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
_TOML_KEY_PART = r"""(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)"""
_TOML_KEY = re.compile(rf"^\s*({_TOML_KEY_PART}(?:\s*\.\s*{_TOML_KEY_PART})*)\s*=")


def _key_parts(dotted: str) -> tuple[str, ...]:
    """`site.base_url` -> ("site", "base_url"); quoted parts may hold dots."""
    return tuple(part.strip("\"'") for part in re.findall(_TOML_KEY_PART, dotted))


def parse_toml(text: str, first_line: int = 1) -> dict[str, Any]:
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise SourceError(first_line + _first_line_too_deep(text), NESTING_TOO_DEEP) from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_ERROR_LINE.search(message)
        if found:
            line = first_line + int(found.group(1)) - 1
        elif _TOML_ERROR_AT_END in message:  # the last line that has any text
            line = first_line + text.rstrip("\n").count("\n")
        else:
            line = first_line
        message = _TOML_ERROR_LINE.sub("", message).replace(_TOML_ERROR_AT_END, "").strip()
        raise SourceError(line, f"invalid TOML: {message}") from None
    except ValueError:  # a decimal integer longer than Python reads (tomllib's only other error)
        found = first_long_decimal(_bare_toml_lines(text), digits_limit())
        raise SourceError(first_line + (found or 0), too_many_digits()) from None
    problem = _toml_problem(data)
    if problem is not None:
        path, message = problem
        raise SourceError(toml_positions(text, first_line).line_of(*path, default=first_line), message)
    return data


@dataclass(frozen=True, slots=True)
class TomlPositions:
    """Lines of keys and array-of-table headers in a TOML text.

    tomllib gives no positions, so this scans the text line by line. It is
    only used to locate messages, never to read values, so a rare miss
    (a key inside a multi-line string) merely points at a nearby line.
    """

    keys: dict[tuple[str, ...], int]
    array_tables: dict[str, list[int]]

    def line_of(self, *path: str | int, default: int | None = None) -> int | None:
        str_path = tuple(str(p) for p in path)
        while str_path:
            if str_path in self.keys:
                return self.keys[str_path]
            str_path = str_path[:-1]
        return default


def toml_positions(text: str, first_line: int = 1) -> TomlPositions:
    keys: dict[tuple[str, ...], int] = {}
    array_tables: dict[str, list[int]] = {}
    tables_in_array: dict[tuple[str, ...], int] = {}  # by the key path of each array of tables, as in the data
    table: tuple[str, ...] = ()
    inside_strings = _lines_inside_strings(text)

    def path_of(parts: tuple[str, ...]) -> tuple[str, ...]:
        """The key path a table header's name stands for: past an array of tables, its last table."""
        path: tuple[str, ...] = ()
        for part in parts[:-1]:
            path += (part,)
            if path in tables_in_array:
                path += (str(tables_in_array[path] - 1),)
        return path + parts[-1:]
    for offset, raw in enumerate(text.split("\n")):
        line_no = first_line + offset
        if offset in inside_strings:
            continue
        header = _TOML_TABLE.match(raw)
        if header and not _TOML_KEY.match(raw):
            name = header.group(2).strip()
            table = path_of(_key_parts(name))
            if header.group(1) == "[[":
                array_tables.setdefault(name, []).append(line_no)
                count = tables_in_array.get(table, 0)
                tables_in_array[table] = count + 1
                table += (str(count),)
            for depth in range(1, len(table) + 1):  # `[a.b]` also locates `a`
                keys.setdefault(table[:depth], line_no)
            continue
        key = _TOML_KEY.match(raw)
        if key:
            parts = _key_parts(key.group(1))
            for depth in range(1, len(parts) + 1):  # a dotted key also locates its tables
                keys.setdefault(table + parts[:depth], line_no)
    return TomlPositions(keys, array_tables)


# --- Front matter -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FrontMatter:
    data: dict[str, Any]
    key_lines: dict[str, int]
    line: int  # line of the opening fence
    body: str
    body_line: int  # file line on which the body starts


def split_front_matter(text: str) -> FrontMatter:
    """Split `---` YAML or `+++` TOML front matter from a Markdown body."""
    lines = text.split("\n")
    fence = lines[0].rstrip() if lines else ""
    if fence not in ("---", "+++"):
        raise SourceError(
            1,
            "no front matter: start the file with a `---` line, then `title:` and `date:`, then `---`",
        )
    for index in range(1, len(lines)):
        if lines[index].rstrip() == fence:
            break
    else:
        raise SourceError(1, f"front matter opened with `{fence}` is never closed: add a `{fence}` line after it")
    inner = "\n".join(lines[1:index])
    body = "\n".join(lines[index + 1 :])
    if fence == "---":
        data, key_lines = parse_yaml_mapping(inner, first_line=2)
    else:
        data = parse_toml(inner, first_line=2)
        positions = toml_positions(inner, first_line=2)
        key_lines = {}
        for path, line in positions.keys.items():  # `[table]` and `[[array]]` headers count too
            if path and (path[0] not in key_lines or line < key_lines[path[0]]):
                key_lines[path[0]] = line
    return FrontMatter(data=data, key_lines=key_lines, line=1, body=body, body_line=index + 2)
