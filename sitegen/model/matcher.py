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

Most text holds few names, so an index can also scan a text without
splitting all of it (`PhraseIndex.prepare`): a regular expression, a trie
of the first tokens of its names, finds the few places where a name may
start, and only the tokens after those places are split. It finds exactly
what the dictionary walk over every token finds; texts where that is not
plain to see (combining marks, text not in NFC, and, for case-insensitive
names, letters beyond ASCII) are split whole as before.
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
from typing import Any


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
    # Made by `prepare`, dropped by `add`; it only speeds matching up, so it is no part of the index's value.
    _scanner: "_Scanner | None" = field(default=None, compare=False, repr=False)

    def add(self, name: str, target: str, *, case_sensitive: bool = True) -> None:
        phrase = phrase_of(name, fold=not case_sensitive)
        if phrase is None:
            return
        self._scanner = None
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

    def prepare(self) -> None:
        """Make the scanner that lets `find_between` skip splitting most of a text.

        Compiling it takes some tens of milliseconds for thousands of names:
        worth it before annotating many texts (and before forking the
        workers that do, which then share it), not for one."""
        if self._scanner is None:
            self._scanner = _Scanner(self._exact, self._folded)

    def find_between(self, text: "Tokens", start: int = 0, end: int | None = None) -> list[Match]:
        """`find_in` on the tokens between the character offsets `start` and
        `end` of the text (both where tokens meet, or its ends).

        With the scanner of `prepare`, only the tokens after the places where
        a name may start are split; the matches are the same."""
        end = len(text.text) if end is None else end
        places = text.places(self)
        if places is None:
            return self.find_in(text, text.first_at(start), text.first_at(end))
        return _find_at_places(self, text.text, places, start, end)

    def may_start_in(self, text: "Tokens") -> bool:
        """Whether some token of `text` starts a name: when not, no stretch of it has a match."""
        places = text.places(self)
        return bool(text.starts_of(self) if places is None else places[0])

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
            best = _longest_fitting(
                exact_table.get(words[i]),
                folded_table.get(folded[i]) if folded_table else None,
                lambda phrase, fold: i + len(phrase.tokens) <= count and _fits(phrase, folded if fold else words, spans, i),
            )
            if best is None:
                continue
            length, entry = best
            found.append(Match(spans[i][0], spans[i + length - 1][1], entry.as_tuple()))
            next_free = i + length
        return found


class Tokens:
    """A text split into tokens once, as every `PhraseIndex` splits it: only
    when first needed, since a prepared index may find its names without."""

    __slots__ = ("text", "_split", "_folded", "_starts", "_places", "_plain")

    def __init__(self, text: str):
        self.text = text
        self._split: tuple[list[str], list[str], list[int], _Spans] | None = None
        self._folded: list[str] | None = None
        self._starts: dict[int, tuple[PhraseIndex, list[int]]] = {}  # by id() of the index
        self._places: dict[int, tuple[PhraseIndex, tuple[list[int], list[str]] | None]] = {}
        self._plain: tuple[bool, bool] | None = None

    def _split_all(self) -> tuple[list[str], list[str], list[int], _Spans]:
        if self._split is None:
            text = self.text
            # Each token with the whitespace before it: one C-level pass gives the
            # tokens and, by cumulative lengths, where each ends; no Python-level
            # loop runs over the tokens, which keeps a 20 MB article fast.
            spaced = _SPACED_PLAIN_TOKEN if text.isascii() else _spaced_pattern(_pattern_for(text))
            pieces = spaced.findall(text)
            tokens = list(map(str.lstrip, pieces))
            # Names are indexed in NFC; decomposed text ("e" and a combining mark
            # for "é") is compared in NFC too, token by token, so that offsets
            # still point into the text as written.
            words = tokens if text.isascii() or unicodedata.is_normalized("NFC", text) else [_nfc(t) for t in tokens]
            ends = list(accumulate(map(len, pieces)))
            self._split = (tokens, words, ends, _Spans(tokens, ends))
        return self._split

    @property
    def tokens(self) -> list[str]:
        return self._split_all()[0]

    @property
    def words(self) -> list[str]:
        return self._split_all()[1]

    @property
    def ends(self) -> list[int]:
        return self._split_all()[2]

    @property
    def spans(self) -> "_Spans":
        return self._split_all()[3]

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

    def places(self, index: PhraseIndex) -> tuple[list[int], list[str]] | None:
        """Where a token that starts some name of `index` begins, and that token,
        found with the index's scanner; None when the index has none or the
        text must be split whole (see `_Scanner.scan`)."""
        scanner = index._scanner
        if scanner is None:
            return None
        known = self._places.get(id(index))
        if known is not None and known[0] is index:
            return known[1]
        found = scanner.scan(self.text, self._plainness())
        self._places[id(index)] = (index, found)
        return found

    def _plainness(self) -> tuple[bool, bool]:
        """(split as tokens of plain \\w runs and in NFC, and besides with no letters beyond ASCII)."""
        if self._plain is None:
            self._plain = _plainness(self.text)
        return self._plain

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


# --- finding names without splitting the whole text ------------------------------------

_WORD_RUN = re.compile(r"\w+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# A trie nested deeper than this (thousands of names such as "A", "AA", "AAA"...)
# is not compiled: such an index splits every text whole, as without a scanner.
_DEEPEST_TRIE = 100
# The longest first token a scanner looks for: without a leading word boundary,
# the engine tries a token's characters from every place in a run of them, so
# a name whose first word is thousands of characters long would make a scan
# cost the text's length times the word's. Such an index splits texts whole.
_LONGEST_SCANNED_TOKEN = 64

_PLAIN, _NOT_FOLDED, _NOT_PLAIN = 0, 1, 2


@cache
def _character_kind(character: str) -> int:
    """What a character beyond ASCII allows: _NOT_PLAIN for a combining mark
    (texts with one are split with the mark-aware pattern), _NOT_FOLDED for a
    word character or one that case folding changes, else _PLAIN."""
    if character >= "\u0300" and unicodedata.category(character)[0] == "M":
        return _NOT_PLAIN
    if _WORD_RUN.match(character) or character.casefold() != character:
        return _NOT_FOLDED
    return _PLAIN


def _plainness(text: str) -> tuple[bool, bool]:
    """Whether `text` splits into plain tokens (\\w runs and single other
    characters, with no combining mark) that are already in NFC; and whether,
    besides, every word is ASCII and every other character is its own case
    fold, so that the case fold of the text has its offsets, and its words
    are ASCII words."""
    if text.isascii():
        return True, True
    kind = max(map(_character_kind, set(_NON_ASCII.findall(text))))
    if kind == _NOT_PLAIN or not unicodedata.is_normalized("NFC", text):
        return False, False
    return True, kind == _PLAIN


def _is_single_other(key: str) -> bool:
    """A token that is one character, neither a word character nor a space."""
    return len(key) == 1 and not _WORD_RUN.match(key) and not key.isspace()


class _Scanner:
    """The first tokens of an index's names as regular expressions: each a
    trie, so that the engine follows only the branches that go on with the
    next character. Case-sensitive names are looked for in the text as it is,
    the others in its case fold.

    They find a superset of the places where a name starts (a case-sensitive
    name's first word may also end a longer word); `scan` keeps only the true
    ones. A token that cannot occur in a text they scan (a word with a
    combining mark; a case-insensitive word beyond ASCII) is left out.

    An index with case-insensitive names scans only texts whose words are
    ASCII, in their case fold: there the case-sensitive first tokens are
    looked for too, in one pass with the others (most texts hold none of
    either, and a pass costs about the same whatever it looks for), and a
    place is kept when its token as written is one of them."""

    __slots__ = ("exact", "folded", "after_other", "needs_ascii_words", "usable", "exact_firsts", "folded_firsts")

    def __init__(self, exact: dict[str, list[_Entry]], folded: dict[str, list[_Entry]]):
        exact_keys = [key for key in exact if _WORD_RUN.fullmatch(key) or _is_single_other(key)]
        folded_words = [key for key in folded if key.isascii() and _WORD_RUN.fullmatch(key)]
        folded_others = [key for key in folded if _is_single_other(key)]
        self.needs_ascii_words = bool(folded)
        self.exact_firsts, self.folded_firsts = frozenset(exact), frozenset(folded)
        if folded:
            # A word beyond ASCII, or another character that case folding
            # changes, never occurs in a text scanned in its case fold.
            folded_words += [key.casefold() for key in exact_keys if key.isascii() and _WORD_RUN.fullmatch(key)]
            folded_others += [key for key in exact_keys if _is_single_other(key) and key.casefold() == key]
            exact_keys = []
        tries = [_trie(exact_keys), _trie(folded_words), _trie(folded_others)]
        longest = max(map(len, (*exact_keys, *folded_words, *folded_others)), default=0)
        self.usable = None not in tries and longest <= _LONGEST_SCANNED_TOKEN
        # Without a leading word boundary, the engine skips at once to the
        # characters that start some name (mostly capitals); the case fold is
        # all small letters, where looking only at word starts is faster.
        exact_trie, words_trie, others_trie = (trie or "" for trie in tries)
        folded_pattern = "|".join(([rf"\b{words_trie}"] if folded_words else []) + ([others_trie] if folded_others else []))
        self.exact = re.compile(exact_trie) if exact_keys and self.usable else None
        # ASCII word boundaries: a text the fold is scanned in has no other words.
        self.folded = re.compile(folded_pattern, re.ASCII) if folded_pattern and self.usable else None
        # With words only, a word that starts a token past the text's first
        # follows a character no word has: the engine skips at once to those
        # (a fifth of a text's characters), rather than trying a word
        # boundary at every one. The group is the word.
        self.after_other = None
        if folded_words and not folded_others and self.usable:
            self.folded = re.compile(words_trie, re.ASCII)  # at the text's start only
            self.after_other = re.compile(rf"\W({words_trie})", re.ASCII)

    def scan(self, text: str, plainness: tuple[bool, bool]) -> tuple[list[int], list[str]] | None:
        """(where each token that is the first of some name starts, that token),
        or None when the text must be split whole."""
        plain, ascii_words = plainness
        if not self.usable or not plain or (self.needs_ascii_words and not ascii_words):
            return None
        places: list[int] = []
        firsts: list[str] = []
        if self.exact is not None:
            word_at = _WORD_RUN.match
            for match in self.exact.finditer(text):
                at = match.start()
                # A word's ending is no token: a word must start here.
                if not (at and word_at(text, at - 1) and word_at(text, at)):
                    places.append(at)
                    firsts.append(match.group())
        if self.folded is not None:
            # In a text with words of ASCII only and no other character that
            # case folding changes, the fold has the text's length and offsets.
            exact_firsts, folded_firsts = self.exact_firsts, self.folded_firsts
            fold = text.casefold()
            if self.after_other is None:
                matches = self.folded.finditer(fold)
            else:
                first = self.folded.match(fold)
                matches = itertools.chain([first] if first else [], self.after_other.finditer(fold))
            for match in matches:
                at, end = match.span(match.lastindex or 0)
                token = text[at:end]
                if token in exact_firsts or fold[at:end] in folded_firsts:
                    places.append(at)
                    firsts.append(token)
        return places, firsts


def _trie(keys: list[str]) -> str | None:
    """A regular expression that matches exactly the tokens `keys` where they
    are tokens: a word only where it ends at a word boundary. None when it
    would nest deeper than _DEEPEST_TRIE."""
    root: dict[str, Any] = {}
    for key in keys:
        node = root
        for character in key:
            node = node.setdefault(character, {})
        node[""] = r"\b" if _WORD_RUN.match(key) else ""  # how the key ends

    def expression(node: dict[str, Any], depth: int) -> str | None:
        if depth > _DEEPEST_TRIE:
            return None
        branches = []
        for character in sorted(key for key in node if key):
            literal, child = re.escape(character), node[character]
            while len(child) == 1 and "" not in child:  # a chain of single characters is one literal
                ((character, child),) = child.items()
                literal += re.escape(character)
            rest = expression(child, depth + 1)
            if rest is None:
                return None
            branches.append(literal + rest)
        if "" in node:
            branches.append(node[""])  # a key ends here
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return expression(root, 0)


class _TokensAfter:
    """The tokens from a place onwards, split only as far as a name needs."""

    __slots__ = ("text", "starts", "ends", "words")

    def __init__(self, text: str, at: int, first: str):
        self.text = text
        self.starts, self.ends, self.words = [at], [at + len(first)], [first]

    def fits(self, phrase: Phrase, fold: bool, end: int) -> bool:
        """Whether the name `phrase` starts here and ends by offset `end`."""
        tokens = phrase.tokens
        count = len(tokens)
        starts, ends, words = self.starts, self.ends, self.words
        while len(words) < count:
            found = _PLAIN_TOKEN.search(self.text, ends[-1])
            if found is None:
                return False
            starts.append(found.start())
            ends.append(found.end())
            words.append(found.group())
        if ends[count - 1] > end:
            return False
        for k in range(1, count):
            if (words[k].casefold() if fold else words[k]) != tokens[k]:
                return False
            if (starts[k] != ends[k - 1]) != phrase.spaced[k - 1]:
                return False
        return True


def _longest_fitting(exact: list[_Entry] | None, folded: list[_Entry] | None, fits) -> tuple[int, _Entry] | None:
    """(token count, entry) of the longest name that `fits(phrase, folded)` at a place,
    from the case-sensitive candidates, then the case-insensitive ones (each list
    longest first: a table's first fit is its longest); None when none fits. A
    case-insensitive name is taken only when longer than the case-sensitive one."""
    best: tuple[int, _Entry] | None = None
    for candidates, fold in ((exact, False), (folded, True)):
        for entry in candidates or ():
            length = len(entry.phrase.tokens)
            if best is not None and length <= best[0]:
                break
            if fits(entry.phrase, fold):
                best = (length, entry)
                break
    return best


def _find_at_places(index: PhraseIndex, text: str, places: tuple[list[int], list[str]], start: int, end: int) -> list[Match]:
    """What `find_in` finds between offsets `start` and `end`, trying only the
    places the scanner found (in the same order, with the same choices)."""
    positions, firsts = places
    exact_table, folded_table = index._exact, index._folded
    found: list[Match] = []
    next_free = start
    for k in range(bisect.bisect_left(positions, start), len(positions)):
        at = positions[k]
        if at >= end:
            break
        if at < next_free:
            continue
        first = firsts[k]
        after = _TokensAfter(text, at, first)
        best = _longest_fitting(
            exact_table.get(first) if exact_table else None,
            folded_table.get(first.casefold()) if folded_table else None,
            lambda phrase, fold: after.fits(phrase, fold, end),
        )
        if best is None:
            continue
        length, entry = best
        next_free = after.ends[length - 1]
        found.append(Match(at, next_free, entry.as_tuple()))
    return found
