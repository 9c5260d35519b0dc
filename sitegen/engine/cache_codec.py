"""Cached values as JSON data, and back, without ever running code named by a file.

The persistent cache holds parsed sources and annotated fragments: values made
of a known set of frozen dataclasses, plus strings, numbers, dates, bytes,
tuples, lists and dicts (an article's extra front matter is any YAML value).
`encode` turns such a value into plain JSON data; `decode` rebuilds it,
accepting only those types and checking each dataclass field against its
annotation, so a cache file can describe values but never choose code to run.

A value in a typed field is written bare (the class knows what it holds);
elsewhere it is tagged: `["T", ...]` a tuple, `["Article", ...fields]` an
article. Round trips are exact: what is decoded equals what was encoded,
with the same types, so digests of decoded models match the originals.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import operator
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from sitegen.model.dates import PartialDate, PublicationDate
from sitegen.model.errors import Diagnostic
from sitegen.model.models import Article, Entity, Event, Role, SourcePos, Term
from sitegen.pipeline.annotate import AnnotatedArticle, AnnotatedFragment, Mention, Snippet

# Every class a cache file may name, each after the classes its fields hold.
# Nothing else is ever constructed from a cache file.
MODEL_CLASSES: tuple[type, ...] = (
    SourcePos, PartialDate, PublicationDate, Event, Article, Role, Entity, Term,
    Diagnostic, Snippet, Mention, AnnotatedArticle, AnnotatedFragment,
)  # fmt: skip


class Unencodable(ValueError):
    """A value of a type the codec does not know: it is not cached (it only costs time)."""


class Undecodable(ValueError):
    """Data that does not describe a value of the known types."""


Encoder = Callable[[Any], Any]
Decoder = Callable[[Any], Any]


def encode(value: Any) -> Any:
    """Plain JSON data for `value`; raises Unencodable for anything the codec does not know."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    encoder = _GENERIC_ENCODERS.get(kind)
    if encoder is None:
        raise Unencodable(f"cannot cache a {kind.__name__}")
    return encoder(value)


def decode(data: Any) -> Any:
    """The value `encode` made `data` from; raises Undecodable for anything else."""
    if type(data) in _PLAIN:
        return data
    if type(data) is not list or not data or type(data[0]) is not str:
        raise Undecodable("expected a tagged value")
    decoder = _GENERIC_DECODERS.get(data[0])
    if decoder is None:
        raise Undecodable(f"unknown tag {data[0]!r}")
    return decoder(data)


# --- untyped (tagged) values ----------------------------------------------------------------

_PLAIN = (str, int, float, bool, type(None))
_PLAIN_TYPES = frozenset(_PLAIN)


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        raise Undecodable("a dict key or set item that cannot be one") from None
    return value


def _decode_pairs(data: list) -> dict:
    if len(data) % 2 != 1:
        raise Undecodable("a dict with a key and no value")
    return {_hashable(decode(data[i])): decode(data[i + 1]) for i in range(1, len(data), 2)}


def _decode_bytes(data: list) -> bytes:
    if len(data) != 2 or type(data[1]) is not str:
        raise Undecodable("bytes are one hex string")
    try:
        return bytes.fromhex(data[1])
    except ValueError:
        raise Undecodable("bytes are one hex string") from None


# The record of a build is mostly a few large dicts: a digest of the same length
# by output path (what each page was made from, its bytes), and a few integers
# by path (the status of each file of the output, of each source). Such a dict
# is written as its keys and its values in one piece each: ["D", length, keys,
# the digests' hex], ["I", width, keys, the integers]. JSON reads the pieces,
# and the dict is made, without a call per entry (a record holds some 100,000).


def _encode_dict(value: dict) -> list:
    if value and set(map(type, value)) == {str}:
        values = value.values()
        kinds = set(map(type, values))
        widths = set(map(len, values)) if kinds in ({bytes}, {tuple}) else set()
        if len(widths) == 1 and 0 not in widths:
            width = widths.pop()
            if kinds == {bytes}:
                return ["D", width, list(value), b"".join(values).hex()]
            numbers = list(itertools.chain.from_iterable(values))
            if set(map(type, numbers)) == {int}:
                return ["I", width, list(value), numbers]
        if _PLAIN_TYPES.issuperset(map(type, value.values())):
            return ["P", list(value), list(value.values())]
    return ["M", *(part for item in value.items() for part in map(encode, item))]


def _pieces(data: list, kind: type) -> tuple[int, list]:
    """The width and the keys of a dict written in pieces, checked."""
    if len(data) != 4 or type(data[1]) is not int or data[1] < 1 or type(data[2]) is not list or type(data[3]) is not kind:
        raise Undecodable("a dict in pieces is a width, its keys and its values")
    if not set(map(type, data[2])) <= {str}:
        raise Undecodable("a dict in pieces has text keys")
    return data[1], data[2]


def _by_key(keys: list, values: Iterable) -> dict:
    made = dict(zip(keys, values))
    if len(made) != len(keys):
        raise Undecodable("a key twice in a dict")
    return made


def _decode_digests(data: list) -> dict[str, bytes]:
    width, keys = _pieces(data, str)
    try:
        joined = bytes.fromhex(data[3])
    except ValueError:
        raise Undecodable("digests are one hex string") from None
    if len(joined) != width * len(keys):
        raise Undecodable("not a digest for each key")
    return _by_key(keys, (joined[start : start + width] for start in range(0, len(joined), width)))


# A dict of text keys and plain values (a parsed article's key lines: the line of each
# field of its front matter) is written ["P", keys, values]: decoded without a call per
# entry, where ["M", ...] decodes each key and value (they were most of the calls of
# loading the cache).


def _decode_plain_values(data: list) -> dict[str, Any]:
    if len(data) != 3 or type(data[1]) is not list or type(data[2]) is not list or len(data[1]) != len(data[2]):
        raise Undecodable("a dict of plain values is its keys and its values")
    if not {str}.issuperset(map(type, data[1])) or not _PLAIN_TYPES.issuperset(map(type, data[2])):
        raise Undecodable("a dict of plain values has text keys and plain values")
    return _by_key(data[1], data[2])


def _decode_integers(data: list) -> dict[str, tuple[int, ...]]:
    width, keys = _pieces(data, list)
    numbers = data[3]
    if len(numbers) != width * len(keys) or not set(map(type, numbers)) <= {int}:
        raise Undecodable("not the integers of each key")
    return _by_key(keys, zip(*[iter(numbers)] * width))


_GENERIC_ENCODERS: dict[type, Encoder] = {
    tuple: lambda value: ["T", *map(encode, value)],
    list: lambda value: ["L", *map(encode, value)],
    dict: _encode_dict,
    set: lambda value: ["S", *map(encode, value)],
    frozenset: lambda value: ["F", *map(encode, value)],
    bytes: lambda value: ["B", value.hex()],
}
_GENERIC_DECODERS: dict[str, Decoder] = {
    "T": lambda data: tuple(map(decode, data[1:])),
    "L": lambda data: list(map(decode, data[1:])),
    "M": _decode_pairs,
    "D": _decode_digests,
    "I": _decode_integers,
    "P": _decode_plain_values,
    "S": lambda data: {_hashable(decode(item)) for item in data[1:]},
    "F": lambda data: frozenset(_hashable(decode(item)) for item in data[1:]),
    "B": _decode_bytes,
}


def _tagged(tag: str, codec: Codec) -> tuple[Encoder, Decoder]:
    def decode_tagged(data: list) -> Any:
        if len(data) != 2:
            raise Undecodable(f"{tag} holds one value")
        return codec.decode(data[1])

    return (lambda value: [tag, codec.encode(value)]), decode_tagged


# --- typed fields ---------------------------------------------------------------------------


class Codec(NamedTuple):
    """How one field annotation is written and read back.

    `plain` is set when values are written as themselves: the exact types
    they may have. Records check all such fields at once, in C, which is most
    of what keeps loading a large cache quick.
    """

    encode: Encoder
    decode: Decoder
    plain: frozenset[type] | None = None


def _types_are(allowed: tuple[frozenset[type], ...], values: Iterable[Any]) -> bool:
    return all(map(operator.contains, allowed, map(type, values)))


def _plain(*kinds: type) -> Codec:
    allowed = frozenset(kinds)

    def check(value: Any) -> Any:
        if type(value) not in allowed:
            raise Undecodable(f"expected {' or '.join(kind.__name__ for kind in kinds)}, found {type(value).__name__}")
        return value

    def check_encoding(value: Any) -> Any:
        if type(value) not in allowed:
            raise Unencodable(f"expected {' or '.join(kind.__name__ for kind in kinds)}, found {type(value).__name__}")
        return value

    return Codec(check_encoding, check, allowed)


def _iso(kind: type) -> Codec:
    """Dates and date-times as ISO 8601 text; a date-time keeps its fixed UTC offset."""

    def encode_iso(value: Any) -> str:
        if type(value) is not kind:
            raise Unencodable(f"expected {kind.__name__}, found {type(value).__name__}")
        text = value.isoformat()
        if kind is dt.datetime and value.tzinfo is not None and kind.fromisoformat(text).tzname() != value.tzname():
            raise Unencodable("a time zone that ISO 8601 text cannot name")
        return text

    def decode_iso(data: Any) -> Any:
        if type(data) is not str:
            raise Undecodable(f"expected an ISO {kind.__name__}")
        try:
            value = kind.fromisoformat(data)
        except ValueError:
            raise Undecodable(f"{data!r} is not an ISO {kind.__name__}") from None
        if type(value) is not kind:
            raise Undecodable(f"{data!r} is not an ISO {kind.__name__}")
        return value

    return Codec(encode_iso, decode_iso)


def _optional(inner: Codec) -> Codec:
    if inner.plain is not None:
        return _plain(*inner.plain, type(None))
    return Codec(
        lambda value: None if value is None else inner.encode(value),
        lambda data: None if data is None else inner.decode(data),
    )


def _literal(choices: tuple[str, ...]) -> Codec:
    def check(value: Any) -> Any:
        if type(value) is not str or value not in choices:
            raise Undecodable(f"expected one of {choices}")
        return value

    def check_encoding(value: Any) -> Any:
        if type(value) is not str or value not in choices:
            raise Unencodable(f"expected one of {choices}")
        return value

    return Codec(check_encoding, check)


def _sequence(item: Codec) -> Codec:
    """tuple[X, ...] as a JSON list."""
    if item.plain is not None:
        allowed = item.plain

        def encode_sequence(value: Any) -> list:
            if type(value) is not tuple or not allowed.issuperset(map(type, value)):
                raise Unencodable(f"expected a tuple of {sorted(kind.__name__ for kind in allowed)}")
            return list(value)

        def decode_sequence(data: Any) -> tuple:
            if type(data) is not list or not allowed.issuperset(map(type, data)):
                raise Undecodable(f"expected a list of {sorted(kind.__name__ for kind in allowed)}")
            return tuple(data)

        return Codec(encode_sequence, decode_sequence)

    def encode_items(value: Any) -> list:
        if type(value) is not tuple:
            raise Unencodable(f"expected a tuple, found {type(value).__name__}")
        return list(map(item.encode, value))

    def decode_items(data: Any) -> tuple:
        if type(data) is not list:
            raise Undecodable("expected a list")
        return tuple(map(item.decode, data))

    return Codec(encode_items, decode_items)


def _record(parts: list[Codec], build: Callable[..., Any], kind: type, values_of: Callable[[Any], tuple]) -> Codec:
    """A fixed number of typed parts as a JSON list: a tuple[X, Y] or a dataclass's fields."""
    size = len(parts)
    plain = [index for index, part in enumerate(parts) if part.plain is not None]
    allowed = tuple(parts[index].plain for index in plain)
    pick_plain = operator.itemgetter(*plain) if len(plain) > 1 else lambda values: tuple(values[index] for index in plain)
    others = [(index, part) for index, part in enumerate(parts) if part.plain is None]

    def encode_record(value: Any) -> list:
        if type(value) is not kind:
            raise Unencodable(f"expected {kind.__name__}, found {type(value).__name__}")
        data = list(values_of(value))
        if len(data) != size or not _types_are(allowed, pick_plain(data)):
            raise Unencodable(f"a {kind.__name__} with fields of unexpected types")
        for index, part in others:
            data[index] = part.encode(data[index])
        return data

    def decode_record(data: Any) -> Any:
        if type(data) is not list or len(data) != size or not _types_are(allowed, pick_plain(data)):
            raise Undecodable(f"expected the {size} fields of a {kind.__name__}")
        # The list is the JSON parser's, used once: decode the other fields in place.
        for index, part in others:
            data[index] = part.decode(data[index])
        return build(*data)

    return Codec(encode_record, decode_record)


def _string_mapping(item: Codec) -> Codec:
    """Mapping[str, X] as a JSON object, in the same order."""

    def encode_mapping(value: Any) -> dict:
        if type(value) is not dict or not {str}.issuperset(map(type, value)):
            raise Unencodable("expected a dict with string keys")
        return {key: item.encode(entry) for key, entry in value.items()}

    def decode_mapping(data: Any) -> dict:
        if type(data) is not dict:
            raise Undecodable("expected an object")
        return {key: item.decode(entry) for key, entry in data.items()}

    return Codec(encode_mapping, decode_mapping)


_TYPED: dict[type, Codec] = {}  # the codec of each model class, filled below


def _codec_for(hint: Any) -> Codec:
    """The codec of a field annotation; a type this does not know is a programming error."""
    if hint is Any:
        return Codec(encode, decode)
    if hint in (str, int, float, bool):
        return _plain(hint)
    if hint in (dt.date, dt.datetime):
        return _iso(hint)
    if hint in _TYPED:  # a model class listed before the one being compiled
        return _TYPED[hint]
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union) and len(arguments) == 2 and type(None) in arguments:
        return _optional(_codec_for(next(a for a in arguments if a is not type(None))))
    if origin is typing.Literal and all(type(choice) is str for choice in arguments):
        return _literal(arguments)
    if origin is tuple and len(arguments) == 2 and arguments[1] is Ellipsis:
        return _sequence(_codec_for(arguments[0]))
    if origin is tuple and Ellipsis not in arguments:
        return _record([_codec_for(a) for a in arguments], lambda *items: items, tuple, lambda value: value)
    if origin in (dict, Mapping) and arguments[0] is str:
        return _string_mapping(_codec_for(arguments[1]))
    raise TypeError(f"the cache cannot hold a field of type {hint!r}: teach sitegen.engine.cache_codec about it")


def _register(kind: type) -> None:
    if kind.__name__ in _GENERIC_DECODERS:
        raise TypeError(f"two cached types are named {kind.__name__}: a cache file could not tell them apart")
    names = [field.name for field in dataclasses.fields(kind)]
    hints = typing.get_type_hints(kind)
    getter = operator.attrgetter(*names)
    codec = _record(
        [_codec_for(hints[name]) for name in names],
        kind,
        kind,
        getter if len(names) > 1 else lambda value: (getter(value),),
    )
    _TYPED[kind] = codec
    _GENERIC_ENCODERS[kind] = lambda value, encode_fields=codec.encode, tag=kind.__name__: [tag, *encode_fields(value)]
    _GENERIC_DECODERS[kind.__name__] = lambda data, decode_fields=codec.decode: decode_fields(data[1:])


for _kind in (dt.date, dt.datetime):
    _GENERIC_ENCODERS[_kind], _GENERIC_DECODERS[_kind.__name__] = _tagged(_kind.__name__, _iso(_kind))
for _kind in MODEL_CLASSES:
    _register(_kind)
