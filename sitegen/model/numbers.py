"""Integers that values of the content may not hold.

Python writes no integer of more digits than `sys.get_int_max_str_digits()`
(4,300 unless set otherwise) as text, yet YAML and TOML read far longer ones,
in hexadecimal, octal, binary or (YAML 1.1) base 60 as readily as in decimal:
such a value stopped the build wherever a field showed it. The readers of
source files check every integer they make here, and report one too long at
its line.
"""

from __future__ import annotations

import math
import re
import sys

# A YAML 1.1 base-60 integer (`1:30:00`): PyYAML builds it by multiplying
# by 60 once a part, which takes time quadratic in its length, so one is
# judged by its parts before it is built.
_DIGITS_A_BASE_60_PART = math.log10(60)


def digits_limit() -> int:
    """The most decimal digits Python writes an integer with; 0 for no limit."""
    return sys.get_int_max_str_digits()


def too_many_digits() -> str:
    """What to say of an integer longer than `digits_limit`."""
    return f"a number too long to be shown (more than {digits_limit():,} digits): quote it to keep it as text"


def number_can_be_shown(value: int) -> bool:
    """Whether Python can write the integer `value` as text."""
    limit = digits_limit()
    # Fewer bits than this give fewer digits than the limit, whatever the number.
    if limit == 0 or value.bit_length() < (limit - 1) * math.log2(10):
        return True
    try:
        str(value)
    except ValueError:
        return False
    return True


def written_number_too_long(written: str) -> bool:
    """Whether the YAML integer as written, decimal or base 60, certainly stands for more
    digits than `digits_limit` (another base is read in linear time, then checked whole)."""
    limit = digits_limit()
    text = written.replace("_", "").lstrip("+-")
    if limit == 0 or text[:2].lower() in ("0x", "0b", "0o"):
        return False
    if ":" in text:
        parts = text.split(":")
        while len(parts) > 1 and not parts[0].strip("0"):
            parts.pop(0)  # leading zero parts stand for nothing
        return (len(parts) - 1) * _DIGITS_A_BASE_60_PART > limit + 1
    return text.isdigit() and len(text.lstrip("0")) > limit


# A decimal integer in TOML, outside strings and comments (see sourcefiles):
# not part of a longer run of digits, a float or a number in another base.
_DECIMAL_RUN = re.compile(r"(?<![0-9_.a-zA-Z])[+-]?[0-9][0-9_]*(?![0-9_.eE])")


def first_long_decimal(lines: list[str], limit: int) -> int | None:
    """The index of the first of `lines` (strings and comments taken out) that writes a
    decimal integer of more than `limit` digits; None when none does."""
    for index, line in enumerate(lines):
        if len(line) <= limit:
            continue
        for found in _DECIMAL_RUN.finditer(line):
            if len(found.group().replace("_", "").lstrip("+-").lstrip("0")) > limit:
                return index
    return None
