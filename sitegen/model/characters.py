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


# Explicit direction formatting (Unicode's bidirectional algorithm): an
# embedding or override is closed by POP DIRECTIONAL FORMATTING, an isolate by
# POP DIRECTIONAL ISOLATE. One left open goes on past the end of its value, to
# the end of the paragraph the page puts it in: the text after a name in a list
# or a feed reader's line would be turned around.
_DIRECTION_OPENERS = {
    "\u202a": ("left-to-right embedding", "\u202c"),
    "\u202b": ("right-to-left embedding", "\u202c"),
    "\u202d": ("left-to-right override", "\u202c"),
    "\u202e": ("right-to-left override", "\u202c"),
    "\u2066": ("left-to-right isolate", "\u2069"),
    "\u2067": ("right-to-left isolate", "\u2069"),
    "\u2068": ("first strong isolate", "\u2069"),
}


# Any of the characters the walk below looks at: most values hold none, and a
# C-level search rules them out (the walk, a Python loop over every character
# of every front matter value, was a twentieth of loading the sources).
_DIRECTION_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")


def unclosed_direction(text: str) -> str | None:
    """How to name the first direction `text` turns and does not turn back
    (`U+202E (a right-to-left override)`), or None when it closes each it opens."""
    if _DIRECTION_CONTROL.search(text) is None:
        return None
    opened: list[str] = []
    for char in text:
        if char in _DIRECTION_OPENERS:
            opened.append(char)
        elif char == "\u202c":
            # As the bidirectional algorithm reads them: a PDF ends the innermost embedding or
            # override, and does nothing inside an isolate opened after it (or with none open);
            if opened and _DIRECTION_OPENERS[opened[-1]][1] == char:
                opened.pop()
        elif char == "\u2069":
            # a PDI ends the innermost isolate and whatever was opened inside it.
            isolates = [index for index, opener in enumerate(opened) if _DIRECTION_OPENERS[opener][1] == char]
            if isolates:
                del opened[isolates[-1] :]
    if not opened:
        return None
    name, closer = _DIRECTION_OPENERS[opened[0]]
    return f"U+{ord(opened[0]):04X} (a {name}) with no U+{ord(closer):04X} after it"


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
