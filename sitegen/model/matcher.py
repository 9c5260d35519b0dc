"""Finding known names in running text: one dictionary-driven phrase matcher.

Text is split into tokens (maximal runs of word characters, or single other
non-space characters), and every name is split the same way. A name can only
start where a token starts, so the index is a dictionary from first token to
the names that begin with it: matching a text costs one dictionary look-up per
token plus a comparison per name sharing that first token, however many names
there are. That is the "equivalent compiled automaton" of Aho-Corasick for
phrases on word boundaries, and it makes word boundaries exact by construction:
"Mosul" can never match inside "Mosuls" or "AMosul", while "Trump’s" is
"Trump" followed by the tokens "’" and "s".
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate, compress


@cache
def _token_pattern() -> re.Pattern[str]:
    """Word runs include combining marks (categories Mn, Mc, Me).

    Python's `\\w` leaves out combining marks, so a decomposed "Zoë" (e and
    U+0308) would split into "Zoe" and a mark, and "Zoe" would match inside it;
    Devanagari and Thai vowel signs would split words the same way. Built on
    first use: scanning the code points takes a few milliseconds.
    """
    ranges: list[str] = []
    start = previous = None
    for code in (*range(0x300, 0x20000), *range(0xE0100, 0xE01F0)):
        if unicodedata.category(chr(code)) in ("Mn", "Mc", "Me"):
            if start is None:
                start = code
            previous = code
        elif start is not None:
            ranges.append(f"\\U{start:08x}-\\U{previous:08x}")
            start = None
    marks = "".join(ranges)
    return re.compile(rf"[\w{marks}]+|[^\w\s{marks}]")


_PLAIN_TOKEN = re.compile(r"\w+|[^\w\s]")


def _pattern_for(text: str) -> re.Pattern[str]:
    """The plain pattern when `text` has no combining mark (it then splits
    exactly like the mark-aware one, about twice as fast); otherwise the full one."""
    if text.isascii():
        return _PLAIN_TOKEN
    for character in set(text):
        if character >= "\u0300" and unicodedata.category(character)[0] == "M":
            return _token_pattern()
    return _PLAIN_TOKEN


@dataclass(frozen=True, slots=True)
class Phrase:
    """The token form of one name: tokens, and whether space separates each pair."""

    tokens: tuple[str, ...]
    spaced: tuple[bool, ...]  # len(tokens) - 1 flags


def phrase_of(text: str, *, fold: bool = False) -> Phrase | None:
    text = unicodedata.normalize("NFC", text)
    matches = list(_pattern_for(text).finditer(text))
    if not matches:
        return None
    tokens = tuple(m.group().casefold() if fold else m.group() for m in matches)
    spaced = tuple(matches[i].end() != matches[i + 1].start() for i in range(len(matches) - 1))
    return Phrase(tokens, spaced)


@dataclass(frozen=True, slots=True)
class Match:
    start: int  # character offsets in the matched text
    end: int
    targets: tuple[str, ...]  # every target the matched name belongs to, sorted


@dataclass(slots=True)
class _Entry:
    """One name and the targets it belongs to, kept sorted as they are added."""

    phrase: Phrase
    targets: list[str]
    frozen: tuple[str, ...] = ()  # `targets` as a tuple, made once per change

    def add(self, target: str) -> None:
        at = bisect.bisect_left(self.targets, target)
        if at == len(self.targets) or self.targets[at] != target:
            self.targets.insert(at, target)
            self.frozen = ()

    def as_tuple(self) -> tuple[str, ...]:
        # Every match of the name returns the same tuple: a name thousands of
        # targets share is not copied once per match.
        if not self.frozen:
            self.frozen = tuple(self.targets)
        return self.frozen


def _longest_first(entry: _Entry) -> int:
    return -len(entry.phrase.tokens)


@dataclass(slots=True)
class PhraseIndex:
    """Names -> targets (such as "entity:mosul"), searchable in any text.

    Case-sensitive names are looked up by their exact first token, the others
    by its case-folded form. A name that belongs to several targets keeps all
    of them: the caller decides what an ambiguous match means.
    """

    _exact: dict[str, list[_Entry]] = field(default_factory=dict)
    _folded: dict[str, list[_Entry]] = field(default_factory=dict)
    _entries: dict[tuple[bool, Phrase], _Entry] = field(default_factory=dict)  # every entry, by name

    def add(self, name: str, target: str, *, case_sensitive: bool = True) -> None:
        phrase = phrase_of(name, fold=not case_sensitive)
        if phrase is None:
            return
        known = self._entries.get((case_sensitive, phrase))
        if known is not None:
            known.add(target)
            return
        entry = self._entries[case_sensitive, phrase] = _Entry(phrase, [target])
        table = self._exact if case_sensitive else self._folded
        # Longest first, so the first name that fits at a position is the longest;
        # after the names of the same length, so the order is that of adding.
        bisect.insort_right(table.setdefault(phrase.tokens[0], []), entry, key=_longest_first)

    def shared_names(self) -> list[tuple[str, tuple[str, ...]]]:
        """Names that belong to more than one target, as (name, targets)."""
        shared = []
        for table in (self._exact, self._folded):
            for entries in table.values():
                for entry in entries:
                    if len(entry.targets) > 1:
                        shared.append((_phrase_text(entry.phrase), entry.as_tuple()))
        return sorted(shared)

    def find(self, text: str) -> list[Match]:
        """Leftmost-longest, non-overlapping matches in `text`."""
        if not self._exact and not self._folded:
            return []
        return self.find_in(tokenize(text))

    def find_in(self, text: "Tokens", first: int = 0, stop: int | None = None) -> list[Match]:
        """`find` on tokens `first` to `stop` of a text split once with `tokenize`.

        Matching tokens `first` to `stop` finds what `find` finds in that
        stretch of the text (as offsets into the whole text): one split
        serves several indexes and the stretches between earlier matches.
        """
        exact_table, folded_table = self._exact, self._folded
        if not exact_table and not folded_table:
            return []
        count = len(text.tokens) if stop is None else stop
        if first >= count:
            return []
        words = text.words
        folded = text.folded() if folded_table else words
        # Only positions whose token starts some name need a closer look.
        starts = text.starts_of(self)
        if first > 0 or count < len(words):
            starts = starts[bisect.bisect_left(starts, first) : bisect.bisect_left(starts, count)]
        if not starts:
            return []
        spans = text.spans
        found: list[Match] = []
        next_free = 0
        for i in starts:
            if i < next_free:
                continue
            best: tuple[int, _Entry] | None = None
            for table, compared in ((exact_table, words), (folded_table, folded)):
                candidates = table.get(compared[i])
                if not candidates:
                    continue
                for entry in candidates:
                    length = len(entry.phrase.tokens)
                    if best is not None and length <= best[0]:
                        break
                    if i + length <= count and _fits(entry.phrase, compared, spans, i):
                        best = (length, entry)
                        break
            if best is None:
                continue
            length, entry = best
            found.append(Match(spans[i][0], spans[i + length - 1][1], entry.as_tuple()))
            next_free = i + length
        return found


class Tokens:
    """A text split into tokens once, as every `PhraseIndex` splits it."""

    __slots__ = ("tokens", "words", "ends", "spans", "_folded", "_starts")

    def __init__(self, text: str):
        # Each token with the whitespace before it: one C-level pass gives the
        # tokens and, by cumulative lengths, where each ends; no Python-level
        # loop runs over the tokens, which keeps a 20 MB article fast.
        spaced = _SPACED_PLAIN_TOKEN if text.isascii() else _spaced_pattern(_pattern_for(text))
        pieces = spaced.findall(text)
        self.tokens = tokens = list(map(str.lstrip, pieces))
        # Names are indexed in NFC; decomposed text ("e" and a combining mark
        # for "é") is compared in NFC too, token by token, so that offsets
        # still point into the text as written.
        self.words = tokens if text.isascii() or unicodedata.is_normalized("NFC", text) else [_nfc(t) for t in tokens]
        self.ends = list(accumulate(map(len, pieces)))
        self.spans = _Spans(tokens, self.ends)
        self._folded: list[str] | None = None
        self._starts: dict[int, tuple[PhraseIndex, list[int]]] = {}  # by id() of the index

    def starts_of(self, index: PhraseIndex) -> list[int]:
        """The tokens that start some name of `index`, found once per index."""
        known = self._starts.get(id(index))
        if known is not None and known[0] is index:
            return known[1]
        exact_table, folded_table = index._exact, index._folded
        words = self.words
        # Most stretches of prose start no name at all (glossary terms are
        # rare): a C-level pass that stops at the first hit rules them out.
        if exact_table.keys().isdisjoint(words) and (not folded_table or folded_table.keys().isdisjoint(self.folded())):
            starts: list[int] = []
        else:
            hits = map(exact_table.__contains__, words)
            if folded_table:
                hits = map(operator.or_, hits, map(folded_table.__contains__, self.folded()))
            starts = list(compress(itertools.count(), hits))
        self._starts[id(index)] = (index, starts)
        return starts

    def folded(self) -> list[str]:
        if self._folded is None:
            self._folded = list(map(str.casefold, self.words))
        return self._folded

    def first_at(self, offset: int) -> int:
        """The first token that ends after `offset`: at a token boundary, the token that starts there."""
        return bisect.bisect_right(self.ends, offset)


def tokenize(text: str) -> Tokens:
    return Tokens(text)


def _nfc(token: str) -> str:
    return unicodedata.normalize("NFC", token)


@cache
def _spaced_pattern(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """`pattern` with the whitespace before each token: tokens are only ever
    separated by whitespace, so this splits a text into exactly the same tokens."""
    return re.compile(rf"\s*(?:{pattern.pattern})")


_SPACED_PLAIN_TOKEN = _spaced_pattern(_PLAIN_TOKEN)


class _Spans:
    """(start, end) of token j, computed only for the tokens looked at."""

    __slots__ = ("tokens", "ends")

    def __init__(self, tokens: list[str], ends: list[int]):
        self.tokens, self.ends = tokens, ends

    def __getitem__(self, j: int) -> tuple[int, int]:
        end = self.ends[j]
        return end - len(self.tokens[j]), end


def _fits(phrase: Phrase, words: list[str], spans: _Spans, i: int) -> bool:
    tokens = phrase.tokens
    for k in range(1, len(tokens)):
        if words[i + k] != tokens[k]:
            return False
        if (spans[i + k][0] != spans[i + k - 1][1]) != phrase.spaced[k - 1]:
            return False
    return True


def _phrase_text(phrase: Phrase) -> str:
    parts = [phrase.tokens[0]]
    for token, spaced in zip(phrase.tokens[1:], phrase.spaced):
        parts.append((" " if spaced else "") + token)
    return "".join(parts)
