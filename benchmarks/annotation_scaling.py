"""How the cost of annotating an article grows with the number of known entities.

Annotation finds entity names with one `PhraseIndex` (sitegen/matcher.py): a
dictionary from a name's first token to the names that start with it. Matching
an article should therefore cost about the same whether the archive knows 100
entities or 10,000. This script measures that.

It generates, from a fixed random seed, a 5,000-word article in ten-odd
paragraphs that mentions 40 distinct entities (by name and by alias, several
times each, sometimes with a possessive ’s), then builds two catalogues: one
with 100 entities and one with 10,000. Both hold the same 40 mentioned
entities; the others are random one- to three-word names made of generated
syllables, never mentioned in the article. It times `annotate_article` (Markdown
parsing, matching, side-note markup) with each catalogue, its indexes prepared
as a build prepares them, best of several
repetitions after a warm-up, with `time.perf_counter`, and prints both times
and their ratio. Building the catalogues is not timed.

Run it from the repository with the project's interpreter:

    python benchmarks/annotation_scaling.py

It is a report, not a test: it always exits with status 0. The target is a
ratio of at most 1.5.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time

from sitegen.pipeline.annotate import annotate_article
from sitegen.pipeline.catalog import build_catalog
from sitegen.model.dates import PublicationDate
from sitegen.model.models import Archive, Article, Entity, SourcePos
from sitegen.model.urls import Urls

SEED = 20240517
ARTICLE_WORDS = 5_000
MENTIONED = 40
SMALL, LARGE = 100, 10_000
REPETITIONS = 7

SYLLABLES = [
    "ba", "ka", "ri", "mo", "sul", "ta", "ne", "vo", "li", "dar", "ham", "zi",
    "qu", "fel", "ost", "ran", "mi", "gor", "el", "yus", "af", "bek", "tor", "an",
]
FILLER = (
    "the of and to in a that was for on with as by at from said after it his her "
    "were had been which their they would about forces city army people report "
    "officials government attack troops police week early during against since "
    "between under told statement local minister province near border several "
    "group later year month town villages control"
).split()


def syllable_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def syllable_name(rng: random.Random) -> str:
    return " ".join(syllable_word(rng) for _ in range(rng.randint(1, 3)))


def make_entities(rng: random.Random) -> tuple[list[Entity], list[Entity]]:
    """The 40 entities the article mentions, and 9,960 others, all names distinct."""
    used: set[str] = set()

    def fresh() -> str:
        while True:
            name = syllable_name(rng)
            if name not in used:
                used.add(name)
                return name

    kinds = ["person", "organization", "place", "other"]
    mentioned = []
    for number in range(MENTIONED):
        name = fresh()
        aliases = (fresh(),) if number % 3 == 0 else ()
        mentioned.append(
            Entity(
                id=f"m{number:02d}",
                name=name,
                kind=kinds[number % 4],
                pos=SourcePos(f"content/entities/m{number:02d}.md", 1),
                aliases=aliases,
                summary=f"Entity number {number}, mentioned in the article.",
            )
        )
    others = [
        Entity(
            id=f"x{number:05d}",
            name=fresh(),
            kind=kinds[number % 4],
            pos=SourcePos(f"content/entities/x{number:05d}.md", 1),
            summary="Never mentioned.",
        )
        for number in range(LARGE - MENTIONED)
    ]
    return mentioned, others


def make_article(rng: random.Random, mentioned: list[Entity]) -> Article:
    """About ARTICLE_WORDS words, one mention every 25 words or so, every entity at least once."""
    names = [(entity, name) for entity in mentioned for name in (entity.name, *entity.aliases)]
    order = list(mentioned)
    rng.shuffle(order)
    paragraphs: list[str] = []
    words = 0
    sentence: list[str] = []
    paragraph: list[str] = []
    while words < ARTICLE_WORDS:
        if rng.random() < 0.04:
            name = order.pop().name if order else rng.choice(names)[1]
            if rng.random() < 0.15:
                name += "’s"
            sentence.append(name)
            words += len(name.split())
        else:
            sentence.append(rng.choice(FILLER))
            words += 1
        if len(sentence) >= rng.randint(12, 25):
            text = " ".join(sentence)
            paragraph.append(text[0].upper() + text[1:] + ".")
            sentence = []
            if len(paragraph) >= rng.randint(4, 8):
                paragraphs.append("\n".join(paragraph))
                paragraph = []
    if sentence:
        paragraph.append(" ".join(sentence) + ".")
    if paragraph:
        paragraphs.append("\n".join(paragraph))
    return Article(
        slug="benchmark",
        title="Benchmark article",
        date=PublicationDate(dt.date(2017, 7, 10)),
        body="\n\n".join(paragraphs),
        body_line=5,
        pos=SourcePos("content/articles/benchmark.md", 1),
    )


def best_time(article: Article, catalog) -> tuple[float, object]:
    result = annotate_article(article, catalog)  # warm-up
    best = float("inf")
    for _ in range(REPETITIONS):
        start = time.perf_counter()
        annotate_article(article, catalog)
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> int:
    rng = random.Random(SEED)
    mentioned, others = make_entities(rng)
    article = make_article(rng, mentioned)
    urls = Urls("https://example.org/", "/")
    times = {}
    results = {}
    for size in (SMALL, LARGE):
        entities = tuple(sorted(mentioned + others[: size - MENTIONED], key=lambda e: e.id))
        archive = Archive(articles=(article,), entities=entities, terms=(), events=(), static_files=())
        catalog, _ = build_catalog(archive, urls)
        catalog.index.prepare()  # as a build does before annotating many articles (engine/annotation.py)
        catalog.term_index.prepare()
        times[size], results[size] = best_time(article, catalog)

    small, large = results[SMALL], results[LARGE]
    words = len(article.body.split())
    print(
        f"article: {words} words, {len(small.mentions)} entities mentioned "
        f"{sum(m.count for m in small.mentions)} times"
    )
    if small.body_html != large.body_html:
        print("note: the two catalogues annotated the article differently", file=sys.stderr)
    ratio = times[LARGE] / times[SMALL]
    print(f"{SMALL} entities: {times[SMALL] * 1000:.1f} ms; {LARGE} entities: {times[LARGE] * 1000:.1f} ms; ratio {ratio:.2f}")
    return 0


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # a report, not a test: say what went wrong, exit 0 anyway
        print(f"benchmark failed: {error!r}", file=sys.stderr)
    sys.exit(0)
