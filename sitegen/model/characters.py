"""Characters that text values of the content may not hold.

Front matter is YAML or TOML, and its values end up in HTML pages and in the
XML of the feed and the sitemap. None of these allows control characters
other than tab and newline, lone surrogates or the noncharacters (U+FFFE,
U+FFFF, U+FDD0–U+FDEF and the last two code points of every plane): an XML
reader stops at the first one. `load` rejects them in the values it reads,
and the authoring tools never write them.
"""

from __future__ import annotations

import re

_NOT_ALLOWED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
    + "]"
)
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def first_disallowed(text: str) -> str | None:
    """The first character of `text` that a text value may not hold, or None."""
    found = _NOT_ALLOWED.search(text)
    return found.group(0) if found else None


def describe(char: str) -> str:
    """`U+0001 (a control character)`: how messages name a disallowed character."""
    code = ord(char)
    if _INVISIBLE.match(char):
        kind = "a control character"
    elif 0xD800 <= code <= 0xDFFF:
        kind = "half of a surrogate pair, left by a broken encoding"
    else:
        kind = "a noncharacter"
    return f"U+{code:04X} ({kind})"


def clean_text(text: str) -> str:
    """`text` without control characters (tab and newline stay); lone surrogates
    and noncharacters become U+FFFD, the replacement character, so the loss shows."""
    return _NOT_ALLOWED.sub(lambda m: "" if _INVISIBLE.match(m.group(0)) else "\ufffd", text)
