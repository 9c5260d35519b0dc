"""Slugs: the URL-safe names of articles, tags and terms."""

from __future__ import annotations

import functools
import re
import unicodedata

from anyascii import anyascii

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A slug names a folder of the output (`articles/<slug>/`, `tags/<slug>/`), and
# file systems take names of at most 255 bytes. A title in a script that folds
# to many letters ("日本" -> "riben") can make a slug longer than its text.
SLUG_MAX = 200
# A leading date and what separates it from the name: "2016-11-27-", "2016-11-27 ", "2016-11-27_".
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}[\s_-]+(?=\S)")


@functools.lru_cache(maxsize=65536)  # every build slugifies every tag and title again
def slugify(text: str) -> str:
    """ASCII-fold, lower-case, and keep `[a-z0-9]` runs joined by single hyphens.

    Folding goes through NFKC first so that differently normalised spellings of
    one name give one slug (and so collide, as they should).
    """
    folded = anyascii(unicodedata.normalize("NFKC", text)).lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def article_slug_from_stem(stem: str) -> str:
    """`2016-11-27-Islamic-State` (or `2016-11-27 Islamic State`) -> `islamic-state`: the date prefix is not part of the URL."""
    return slugify(_DATE_PREFIX.sub("", stem))


def is_valid_slug(slug: str) -> bool:
    return bool(SLUG_PATTERN.match(slug))


def too_long(slug: str) -> str | None:
    """Why `slug` cannot name a folder of the output, or None when it can."""
    if len(slug) <= SLUG_MAX:
        return None
    return f"makes a URL name of {len(slug)} characters, more than the {SLUG_MAX} a file name can hold"
