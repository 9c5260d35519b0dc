"""A generated archive of many articles, for tests that need an archive the size of a real one.

`write_generated_archive(root, articles=300)` writes, from a seeded `random.Random` (the same
arguments always give the same files): 40 entities (people, organisations, places) with summaries
of one to three sentences, a glossary of 8 terms, 60 timeline events naming entities (some tied to
an article), and the articles: three to eight paragraphs of sentences from a small vocabulary, with
mentions of entities (the first, `place-01`, in about half of the articles, so that its entity page
runs to a second page), now and then a glossary term, a footnote or a list. The first DENSE articles
are crowded: a mention in every sentence of their first three paragraphs, a dozen notes or so in
a few hundred pixels, as in the example article.
The site lives under /archive/ (base_url's path), with search on.
"""

from __future__ import annotations

import random
from pathlib import Path

from conftest import Archive

SITE_TOML = """\
[site]
title = "Generated Archive"
base_url = "https://example.org/archive/"
language = "en-GB"
description = "A generated archive for browser tests: many articles, entities, terms and events."

[search]
enabled = true

[timeline]
articles = true
"""

DENSE = 3  # the first articles, crowded with mentions: dense-report-1, dense-report-2, …

WORDS = """
the council said on report week officials city river market road water workers plan
year after local village border farmers harvest prices trade court vote budget school
hospital bridge district office letter records archive press radio statement meeting
agreement funds growth jobs wages housing rail port storm flood drought season early
late north south east west central public private national regional large small long
""".split()
VERBS = "said warned announced confirmed denied reported described visited opened closed".split()
SYLLABLES = "ba ka ri mo ta ne vo li dar zi fel ost ran mi gor yus bek tor sha nu pel dro kim ve".split()
TERMS = [
    ("moratorium", "A pause, agreed or imposed, on an activity such as building or lending."),
    ("ombudsman", "An official who looks into complaints against public bodies."),
    ("quorum", "The fewest members who must be present for a meeting's decisions to count."),
    ("embargo", "An official ban on trade or other exchange with a country."),
    ("curfew", "An order to stay indoors between set hours."),
    ("plebiscite", "A direct vote of the electorate on one question."),
    ("armistice", "An agreement to stop fighting while peace is negotiated."),
    ("census", "An official count of a population, with details of its people."),
]
KINDS = ("place", "person", "organization")


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def _entities(rng: random.Random, count: int) -> list[dict]:
    entities, names = [], set()
    while len(entities) < count:
        kind = KINDS[len(entities) % len(KINDS)]
        if kind == "person":
            name = f"{_name(rng, 2)} {_name(rng, 3)}"
        elif kind == "organization":
            name = f"{_name(rng, 3)} {rng.choice(['Council', 'Union', 'Company', 'Front'])}"
        else:
            name = _name(rng, 3)
        if name in names or name.lower() in WORDS:
            continue
        names.add(name)
        summary = " ".join(_sentence(rng, 8, 18) for _ in range(rng.choice((1, 1, 2, 3))))
        entities.append({"id": f"{kind}-{len(entities) + 1:02d}", "name": name, "kind": kind, "summary": summary})
    return entities


def _sentence(rng: random.Random, low: int, high: int, mentions: list[str] = ()) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    words.insert(rng.randint(1, len(words) - 1), rng.choice(VERBS))
    for mention in mentions:
        words.insert(rng.randint(1, len(words)), mention)
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_generated_archive(root: Path, articles: int = 300, seed: int = 7) -> Archive:
    rng = random.Random(seed)
    archive = Archive.create(root, SITE_TOML)
    entities = _entities(rng, 40)
    for entity in entities:
        archive.write(
            f"content/entities/{entity['id']}.md",
            f"---\nname: {_quote(entity['name'])}\nkind: {entity['kind']}\nsummary: {_quote(entity['summary'])}\n---\n"
            f"{_sentence(rng, 20, 40)} {_sentence(rng, 20, 40)}\n",
        )
    archive.write(
        "content/glossary.toml",
        "".join(f'[[term]]\nterm = "{term}"\ndefinition = "{definition}"\ncase_sensitive = false\n\n' for term, definition in TERMS),
    )
    slugs = []
    for number in range(1, articles + 1):
        dense = number <= DENSE
        slug = f"dense-report-{number}" if dense else f"report-{number:03d}"
        slugs.append(slug)
        year = 2001 + number % 24
        date = f"{year}-{1 + number % 12:02d}-{1 + number % 28:02d}"
        paragraphs = []
        for index in range(rng.randint(3, 8)):
            sentences = []
            for _ in range(rng.randint(2, 5)):
                count = 1 if dense and index < 3 else rng.choice((0, 0, 1, 1, 2))
                mentions = [rng.choice(entities)["name"] for _ in range(count)]
                if index == 0 and number % 2 and not dense:
                    mentions.append(entities[0]["name"])  # the first place: in half of the articles
                if rng.random() < 0.15:
                    mentions.append(rng.choice(TERMS)[0])
                sentences.append(_sentence(rng, 10, 24, mentions))
            paragraphs.append(" ".join(sentences))
        if number % 4 == 0:
            paragraphs.insert(1, "\n".join(f"- {_sentence(rng, 5, 10)}" for _ in range(3)))
        if number % 3 == 0:
            paragraphs[0] += "[^1]"
            paragraphs.append(f"[^1]: {_sentence(rng, 8, 16)}")
        tags = sorted({rng.choice(("politics", "trade", "weather", "courts", "health", "transport")) for _ in range(2)})
        archive.write(
            f"content/articles/{year}/{slug}.md",
            f"---\ntitle: {_quote(_sentence(rng, 4, 9)[:-1])}\ndate: {date}\nsource: \"The Generated Courier\"\n"
            f"summary: {_quote(_sentence(rng, 12, 20))}\ntags: [{', '.join(tags)}]\n---\n\n" + "\n\n".join(paragraphs) + "\n",
        )
    events = []
    for number in range(60):
        named = sorted({rng.choice(entities)["id"] for _ in range(rng.randint(1, 3))})
        tied = f"\narticles = [{_quote(rng.choice(slugs))}]" if number % 3 == 0 else ""
        events.append(
            f"[[event]]\ndate = \"{2001 + number % 24}-{1 + number % 12:02d}-{1 + number % 27:02d}\"\n"
            f"title = {_quote(_sentence(rng, 3, 7)[:-1])}\ndescription = {_quote(_sentence(rng, 10, 20))}\n"
            f"entities = [{', '.join(map(_quote, named))}]{tied}\n"
        )
    archive.write("content/timeline.toml", "\n".join(events))
    return archive
