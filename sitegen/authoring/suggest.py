"""Likely entities that are not defined yet: `sitegen suggest`.

A candidate is a run of capitalised words in an article's text ("Abu Bakr
al-Baghdadi", "Western Iraq"), joined across a few lowercase connectors
("Bank of England", "bin", "al"), cut at punctuation and possessives
("Trump’s campaign" gives "Trump"). Known names are cut out first: the names
and aliases of entities and glossary terms, and `[[id]]` references, so
"Maj Gen Rupert Jones" leaves nothing when "Rupert Jones" is an entity and
"Maj Gen" a term. A candidate that is part of a known name ("Iraqi" of "Iraqi
Army") is left out too. Leading function words and titles ("The", "But",
"Mr") are dropped; a single word that opens a sentence counts only when the
same word also appears capitalised inside a sentence, since capitals at a
sentence start say nothing.

`suggest_names` is pure (texts and names in, ranked suggestions out);
`suggest_for_archive` reads an archive.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from markdown_it import MarkdownIt

from sitegen.model.matcher import PhraseIndex
from sitegen.pipeline.markdown import markdown_dialect
from sitegen.pipeline.snippets import SENTENCE_END, sentences

CONNECTORS = frozenset("of the al el bin ibn bint de del della der den di da du des la le van von y".split())
LEADING_WORDS = frozenset(
    """a an the and but or nor so yet if when while where what who whom whose which why how he she it they we i you
    his her its their our my your this that these those there here in on at for from by with as after before since
    until to of one some many most all no not just also then now yes however although though because once every each
    both either neither another other such only even still yet meanwhile instead today yesterday tomorrow
    mr mrs ms miss dr sir dame lord lady prof""".split()
)
CALENDAR_WORDS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
    september october november december""".split()
)
_WORD = re.compile(r"\w+(?:[’'-]\w+)*")
_OPENERS = "“‘\"'(:—–"
_MARK_START, _MARK_END = "\ue000", "\ue001"  # around text that is already a known entity reference


@dataclass(frozen=True, slots=True)
class Suggestion:
    name: str
    count: int  # mentions
    articles: tuple[str, ...]  # slugs, in the order given
    example: str  # the sentence of the first mention
    example_article: str

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "count": self.count,
            "articles": list(self.articles),
            "example": self.example,
            "example_article": self.example_article,
        }


# --- Markdown -> sentences of plain text ----------------------------------------------


def _parser() -> MarkdownIt:
    return markdown_dialect(raw_html=True)


def plain_paragraphs(markdown: str, md: MarkdownIt | None = None) -> list[str]:
    """The text of each paragraph, list item and table cell (not headings, not code).

    Entity references are kept as their shown text between private marks, so
    that they count as known names.
    """
    tokens = (md or _parser()).parse(markdown)
    paragraphs = []
    for index, token in enumerate(tokens):
        if token.type != "inline" or (index and tokens[index - 1].type == "heading_open"):
            continue
        parts = []
        for child in token.children or []:
            if child.type == "text":
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append(" ")
            elif child.type == "entity_ref":
                parts.append(_MARK_START + (child.meta.get("text") or child.meta.get("id", "")) + _MARK_END)
            elif child.type in ("code_inline", "html_inline", "footnote_ref", "image"):
                parts.append(" ; ")  # a break: no name runs across it
        text = " ".join("".join(parts).split())
        if text:
            paragraphs.append(text)
    return paragraphs


# --- candidates ------------------------------------------------------------------------


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.replace("’", "'").split())).casefold()


@dataclass(slots=True)
class _Word:
    text: str
    start: int
    end: int
    capital: bool
    connector: bool
    closes: bool  # a possessive or "-led": the name ends here
    initial: bool  # opens a sentence (or a quotation)


def _words(text: str, start: int, end: int) -> list[_Word]:
    words = []
    for found in _WORD.finditer(text, start, end):
        word, w_start, w_end = found.group(), found.start(), found.end()
        closes = False
        if word.endswith(("’s", "'s")):
            word, w_end, closes = word[:-2], w_end - 2, True
        parts = word.split("-")
        if len(parts) > 1 and parts[0][:1].isupper() and any(p[:1].islower() for p in parts[1:]):
            kept = []  # "US-led" -> "US"; "Anglo-French" stays whole
            for part in parts:
                if part[:1].islower():
                    break
                kept.append(part)
            word = "-".join(kept)
            w_end, closes = w_start + len(word), True
        before = text[start:w_start].rstrip()
        initial = not before or before[-1] in _OPENERS or bool(SENTENCE_END.search(before[-4:] + " "))
        first = word[:1]
        particle = len(parts) > 1 and parts[0].lower() in CONNECTORS and parts[1][:1].isupper()
        capital = (first.isupper() or particle) and not first.isdigit()
        words.append(_Word(word, w_start, w_end, capital, word in CONNECTORS, closes, initial))
    return words


def _runs(text: str, start: int, end: int, masked: list[tuple[int, int]]) -> list[list[_Word]]:
    """Runs of capitalised words (with connectors inside), outside known names."""

    def is_masked(word: _Word) -> bool:
        return any(a < word.end and word.start < b for a, b in masked)

    runs: list[list[_Word]] = []
    current: list[_Word] = []
    pending: list[_Word] = []
    previous: _Word | None = None

    def close() -> None:
        nonlocal current, pending
        if current:
            runs.append(current)
        current, pending = [], []

    for word in _words(text, start, end):
        joined = previous is not None and text[previous.end : word.start].strip() == "" and not previous.closes
        if is_masked(word) or not word.text:
            close()
        elif word.capital:
            if current and joined:
                current.extend(pending)
                current.append(word)
                pending = []
            else:
                close()
                current = [word]
        elif word.connector and current and joined and len(pending) < 2:
            pending.append(word)
        else:
            close()
        if word.closes:
            close()
        previous = word
    close()
    return runs


def _trim(run: list[_Word]) -> list[_Word]:
    while run and (run[0].connector or run[0].text.lower() in LEADING_WORDS):
        run = run[1:]
    while run and (run[-1].connector or run[-1].text.lower() in LEADING_WORDS):
        run = run[:-1]
    return run


def _sub_phrases(names: Iterable[str]) -> set[tuple[str, ...]]:
    """Every contiguous run of words of every known name, folded."""
    phrases: set[tuple[str, ...]] = set()
    for name in names:
        words = tuple(_fold(w) for w in _WORD.findall(name.replace("’s", "").replace("'s", "")))
        for i in range(len(words)):
            for j in range(i + 1, len(words) + 1):
                phrases.add(words[i:j])
    return phrases


def suggest_names(
    articles: Iterable[tuple[str, str]], known_names: Iterable[str], minimum: int = 3, md: MarkdownIt | None = None
) -> list[Suggestion]:
    """Rank the undefined names of `articles` ((slug, Markdown body) pairs, in archive order)."""
    known = [n for n in dict.fromkeys(known_names) if n.strip()]
    index = PhraseIndex()
    for name in known:
        index.add(name, "known")
    excluded = _sub_phrases(known)
    md = md or _parser()
    inside: dict[str, list[tuple[int, str, str]]] = {}  # name -> (order, slug, sentence)
    at_start: dict[str, list[tuple[int, str, str]]] = {}
    order = 0
    for slug, body in articles:
        for paragraph in plain_paragraphs(body, md):
            masked = [(m.start, m.end) for m in index.find(paragraph)]
            masked += [(m.start(), m.end()) for m in re.finditer(f"{_MARK_START}[^{_MARK_END}]*{_MARK_END}", paragraph)]
            for s_start, s_end in sentences(paragraph):
                sentence = paragraph[s_start:s_end].replace(_MARK_START, "").replace(_MARK_END, "").strip()
                for run in _runs(paragraph, s_start, s_end, masked):
                    run = _trim(run)
                    if not run:
                        continue
                    name = " ".join(paragraph[run[0].start : run[-1].end].split())
                    words = tuple(_fold(w.text) for w in run)
                    if words in excluded or (len(run) == 1 and words[0] in CALENDAR_WORDS):
                        continue
                    order += 1
                    table = at_start if len(run) == 1 and run[0].initial else inside
                    table.setdefault(name, []).append((order, slug, sentence))
    for name, mentions in at_start.items():
        if name in inside:
            inside[name].extend(mentions)
    suggestions = []
    for name, mentions in inside.items():
        if len(mentions) < minimum:
            continue
        mentions.sort()
        slugs = tuple(dict.fromkeys(slug for _, slug, _ in mentions))  # in archive order
        suggestions.append(Suggestion(name, len(mentions), slugs, mentions[0][2], mentions[0][1]))
    return sorted(suggestions, key=lambda s: (-s.count, s.name.casefold(), s.name))


# --- an archive ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SuggestReport:
    suggestions: tuple[Suggestion, ...]
    articles: int
    problems: int  # errors in the content (run `sitegen build` to see them)


def suggest_for_archive(root: Path, minimum: int = 3) -> SuggestReport:
    """Read the archive (drafts included) and rank its undefined names."""
    import dataclasses

    from sitegen.model.errors import Problems
    from sitegen.pipeline.config import load_settings
    from sitegen.pipeline.load import load_archive

    settings = load_settings(root)
    settings = dataclasses.replace(settings, build=dataclasses.replace(settings.build, drafts=True))
    problems = Problems()
    archive = load_archive(root, settings, problems)
    known = [name for entity in archive.entities for name in (entity.name, *entity.aliases)]
    known += [name for term in archive.terms for name in (term.term, *term.aliases)]
    ranked = suggest_names(((a.slug, a.body) for a in archive.articles), known, minimum)
    return SuggestReport(tuple(ranked), len(archive.articles), len(problems.errors))
