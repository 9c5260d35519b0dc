"""How long an article takes to read: counted once, when the article is
annotated, and kept with its annotation (and in the persistent cache), so a
build plans the page of an unchanged article without reading its text again."""

from __future__ import annotations

import re
from itertools import filterfalse

WORDS_PER_MINUTE = 230
# Chinese and Japanese put no spaces between words: their characters are
# counted one by one instead, at a rate of characters a minute.
CJK_CHARACTERS_PER_MINUTE = 500
_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")  # kana and Han
# Characters that are not part of a word, stripped off either end of a stretch.
_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^`{|}~‘’“”–—…«»"
# Link targets, HTML tags and "[[id|". A target or tag stops at the next "("
# or "<": an opening one never closed is scanned only as far as the next,
# not to the end of the text for each (quadratic in a body of unclosed "<").
_NOT_READ = re.compile(r"\]\([^()]*\)|<[^<>]*>|\[\[[a-z0-9-]+\|")


def _without_punctuation(stretch: str) -> str:
    return stretch.strip(_PUNCTUATION)


def reading_minutes(markdown: str) -> int:
    """How long the text takes to read at WORDS_PER_MINUTE (Chinese and Japanese
    characters at CJK_CHARACTERS_PER_MINUTE), in whole minutes (at least 1).

    Words are counted in the Markdown source without what a reader does not
    read: link targets, HTML tags and the ids of entity references."""
    text = _NOT_READ.sub(" ", markdown)
    characters = 0 if text.isascii() else len(_CJK.findall(text))
    # A word never spans a space, and a stretch between spaces made of letters
    # and digits only (most of them) is one word: only the others are matched.
    # So is one that is letters and digits between punctuation ("end." or
    # "(said"): a word starts and ends with a letter or a digit.
    stretches = (_CJK.sub(" ", text) if characters else text).split()
    others = list(filterfalse(str.isalnum, stretches))
    others = list(filterfalse(str.isalnum, map(_without_punctuation, others)))
    words = len(stretches) - len(others) + len(_WORD.findall(" ".join(others)))
    return max(1, int(words / WORDS_PER_MINUTE + characters / CJK_CHARACTERS_PER_MINUTE + 0.5))  # halves up, unlike round()
