"""A deterministic, synthetic archive for benchmarks, written for sitegen and for Hugo.

`make_corpus(articles, entities, seed)` builds the whole archive in memory from
`random.Random` streams seeded with `seed`: no network, no data files. Then

- `write_sitegen_archive(root, corpus)` writes it as a sitegen archive
  (`site.toml`, `content/articles/YYYY/*.md`, `content/entities/*.md`,
  `content/glossary.toml`, `content/timeline.toml`), and
- `write_hugo_site(root, corpus)` writes the same articles as a Hugo site
  (`hugo.toml`, `content/posts/*.md`, one term page per entity under
  `content/entities/`, and minimal layouts).

`write_corpus(root, articles, entities, seed)` does the first in one call. The
same arguments always give the same bytes.

What the archive looks like:

- Articles of 300 to 1,500 words (most near 600, about 800 on average), in
  paragraphs of two to six sentences from a fixed vocabulary with a Zipf-like
  word frequency; about a quarter have a bulleted list, a third a block
  quote, a third footnotes, and the longer ones a subheading or two. Dates
  run from 2000 to 2024.
- Entities (people, organisations, places, a few others) with names made of
  generated syllables, unique, that never collide with each other's aliases
  (a person's surname, an organisation's acronym) nor with any ordinary word.
  Articles mention them at Zipf-like rates (weight 1/rank): with 2,000
  entities, the most frequent is in about two articles of three, the next
  few in a quarter to a half, and most of the tail in a handful or none. The first mention of an
  entity in an article uses its full name, later ones often an alias, some
  with a possessive ’s. An article's `entities:` front matter lists up to
  three of the entities it mentions most.
- 50 glossary terms (ordinary words absent from the prose vocabulary, a few
  case-sensitive abbreviations), used now and then in articles.
- 200 timeline events naming entities, some tied to an article.

Entity number i does not depend on how many entities come after it, and
articles only mention the first `mention_pool` entities (all of them by
default). So `make_corpus(n, 100, mention_pool=100)` and
`make_corpus(n, 10_000, mention_pool=100)` have byte-identical articles,
glossary and timeline, and differ only in the 9,900 extra entities, which no
article mentions.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import re
import shutil
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

# --- vocabulary -----------------------------------------------------------------------------

# Roughly in order of frequency; word k is drawn with weight 1 / (k + 8).
VOCABULARY = """
the of and to in a that was for on with as by at from said it his is he has have
were had been which their they would about after this not but more than an or its
also who are will be one two new first over into year last people government could
when there since other three some out up can against would all her them between
officials week under during while because about before local told city country
state group forces security report according police minister president national
public support members former month later early number made part such most several
years found including called both during where plan new while many any told each
people being another around through second days held across area region workers
recent major process until whether without among talks issue court party leaders
power water time return services health school schools hospital children families
village villages border river road roads bridge market prices trade industry
companies company workers union council committee board decision decisions vote
votes election campaign statement statements interview meeting meetings agreement
deal policy policies budget funds money cost costs tax taxes rate rates growth
economy jobs farmers crops harvest weather rain season winter summer spring autumn
north south east west central northern southern eastern western capital province
district town towns streets street centre office offices building buildings site
project projects programme programmes plans study studies data figures evidence
record records history archive documents letter letters reports reporters press
television radio newspaper readers audience film book books music art museum
exhibition festival church mosque temple university students teachers research
scientists doctors patients nurses staff soldiers troops officers army navy police
attack attacks fighting violence protest protests crowd crowds march strike strikes
arrest arrests trial judge lawyers law laws rights freedom justice prison prisoners
refugees aid food shelter camp camps fuel power electricity oil gas coal energy
factory factories port ports ship ships flight flights airport train trains rail
traffic accident fire flood floods storm drought disease outbreak vaccine medicine
growth investment investors bank banks loan loans debt exports imports currency
market markets shares profit losses jobs wages pensions housing rent land property
said says added noted warned argued claimed denied confirmed announced reported
expected planned agreed refused asked called described suggested insisted admitted
began continued remained became seemed appeared returned arrived left moved opened
closed built destroyed damaged repaired improved reduced increased raised fell rose
still already only even just also again often never always perhaps probably nearly
almost about around more less most least much many few several enough quite very
large small long short high low old young big little great good bad better worse
important serious difficult easy clear likely possible public private official
foreign domestic military political economic social cultural legal financial
""".split()

GLOSSARY = [
    # (term, aliases, case-sensitive)
    ("ceasefire", ["ceasefires"], False),
    ("referendum", ["referendums"], False),
    ("insurgency", ["insurgencies"], False),
    ("coalition", ["coalitions"], False),
    ("sanctions", [], False),
    ("embargo", ["embargoes"], False),
    ("annexation", [], False),
    ("amnesty", [], False),
    ("caucus", [], False),
    ("filibuster", [], False),
    ("gerrymandering", [], False),
    ("impeachment", [], False),
    ("plebiscite", [], False),
    ("quorum", [], False),
    ("secession", [], False),
    ("sovereignty", [], False),
    ("tariff", ["tariffs"], False),
    ("subsidy", ["subsidies"], False),
    ("austerity", [], False),
    ("inflation", [], False),
    ("recession", ["recessions"], False),
    ("devaluation", [], False),
    ("bailout", ["bailouts"], False),
    ("moratorium", [], False),
    ("ombudsman", [], False),
    ("militia", ["militias"], False),
    ("paramilitary", ["paramilitaries"], False),
    ("checkpoint", ["checkpoints"], False),
    ("curfew", ["curfews"], False),
    ("blockade", ["blockades"], False),
    ("siege", ["sieges"], False),
    ("armistice", [], False),
    ("extradition", [], False),
    ("asylum", [], False),
    ("diaspora", [], False),
    ("census", [], False),
    ("constituency", ["constituencies"], False),
    ("manifesto", ["manifestos"], False),
    ("coup", ["coups"], False),
    ("junta", ["juntas"], False),
    ("mandate", ["mandates"], False),
    ("veto", ["vetoes"], False),
    ("dossier", ["dossiers"], False),
    ("communique", [], False),
    ("envoy", ["envoys"], False),
    ("GDP", ["gross domestic product"], True),
    ("NGO", ["NGOs"], True),
    ("IDP", ["IDPs"], True),
    ("MoU", ["memorandum of understanding"], True),
    ("UAV", ["UAVs"], True),
]

TAGS = """
politics economy elections conflict diplomacy trade energy health education
environment climate agriculture justice courts police migration refugees labour
housing transport infrastructure technology media culture religion sport science
security defence finance banking industry mining oil water corruption protests
human-rights regional local international analysis interview investigation
history obituary opinion budget taxation aid development tourism fisheries
""".split()

SYLLABLES = """
ba ka ri mo sul ta ne vo li dar ham zi qu fel ost ran mi gor el yus af bek tor an
sha nu pel dro kim lo ve tan jo rah mer sil du bra kes ol wen ty gav ish no zan
""".split()

PUBLICATION_WORDS = ["Courier", "Herald", "Gazette", "Chronicle", "Observer", "Times", "Post", "Tribune"]

KINDS = [("person", 45), ("organization", 25), ("place", 25), ("other", 5)]
ROLE_TITLES = ["Minister of", "Governor of", "Director of", "Commander of", "Chair of", "Ambassador to", "Mayor of"]

FIRST_DAY = dt.date(2000, 1, 1).toordinal()
LAST_DAY = dt.date(2024, 12, 31).toordinal()
GLOSSARY_SIZE = len(GLOSSARY)
TIMELINE_SIZE = 200
ZIPF_EXPONENT = 1.0


def _cumulative(weights) -> list[float]:
    return list(itertools.accumulate(weights))


_VOCAB_WEIGHTS = _cumulative(1.0 / (k + 8) for k in range(len(VOCABULARY)))


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# --- the model ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    name: str
    kind: str
    aliases: tuple[str, ...]
    summary: str
    body: str
    roles: tuple[tuple[str, str, str], ...]  # (title, from, to)
    links: tuple[tuple[str, str], ...]  # (label, url)


@dataclass(frozen=True, slots=True)
class Article:
    slug: str
    date: str  # YYYY-MM-DD
    title: str
    summary: str
    tags: tuple[str, ...]
    listed: tuple[str, ...]  # entity ids for the `entities:` front matter
    mentioned: tuple[str, ...]  # every entity id the body mentions, in order of first mention
    body: str

    @property
    def path(self) -> str:
        """Where the article lives below content/articles/."""
        return f"{self.date[:4]}/{self.date}-{self.slug}.md"


@dataclass(frozen=True, slots=True)
class Term:
    id: str
    term: str
    aliases: tuple[str, ...]
    definition: str
    see: tuple[str, ...]
    case_sensitive: bool


@dataclass(frozen=True, slots=True)
class Event:
    date: str
    end: str
    circa: bool
    title: str
    description: str
    entities: tuple[str, ...]
    articles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Corpus:
    seed: int
    articles: tuple[Article, ...]
    entities: tuple[Entity, ...]
    terms: tuple[Term, ...]
    events: tuple[Event, ...]
    mention_pool: int


# --- prose --------------------------------------------------------------------------------------


class Prose:
    """Sentences from the vocabulary, with given phrases placed among the words."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def words(self, count: int) -> list[str]:
        return self.rng.choices(VOCABULARY, cum_weights=_VOCAB_WEIGHTS, k=count)

    def sentence(self, length: int, inserts: list[str] = (), end: str = ".") -> str:
        rng = self.rng
        words = self.words(max(1, length - len(inserts)))
        for phrase in inserts:
            words.insert(rng.randint(0, len(words)), phrase)
        if length > 10 and rng.random() < 0.4:  # a comma somewhere in the middle
            at = rng.randint(3, len(words) - 3)
            words[at] += ","
        text = " ".join(words)
        return text[0].upper() + text[1:] + end

    def sentences(self, count: int, low: int = 8, high: int = 26) -> str:
        return " ".join(self.sentence(self.rng.randint(low, high)) for _ in range(count))

    def title(self, length: int, lead: str = "") -> str:
        words = [w.capitalize() if len(w) > 3 else w for w in self.words(length)]
        if lead:
            words.insert(self.rng.randint(0, min(2, len(words))), lead)
        text = " ".join(words)
        return text[0].upper() + text[1:]


def zipf_weights(count: int) -> list[float]:
    return _cumulative(1.0 / (rank + 1) ** ZIPF_EXPONENT for rank in range(count))


def zipf_distinct(rng: random.Random, cum_weights: list[float], wanted: int) -> list[int]:
    """Up to `wanted` distinct indexes drawn by weight, in the order drawn."""
    population = len(cum_weights)
    wanted = min(wanted, population)
    chosen: dict[int, None] = {}
    total = cum_weights[-1]
    tries = 0
    while len(chosen) < wanted and tries < wanted * 20:
        tries += 1
        chosen.setdefault(bisect_right(cum_weights, rng.random() * total), None)
    return list(chosen)


# --- entities ---------------------------------------------------------------------------------


class _Names:
    """Unique names and aliases from syllables, never an ordinary word or a glossary term."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.taken: set[str] = set()  # casefolded names and aliases of every entity so far
        self.reserved = {w.casefold() for w in VOCABULARY} | {w.casefold() for w in TAGS}
        for term, aliases, _ in GLOSSARY:
            self.reserved.update(name.casefold() for name in (term, *aliases))

    def word(self) -> str:
        while True:
            word = "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(2, 3)))
            if word not in self.reserved:
                return word.capitalize()

    def free(self, *names: str) -> bool:
        folded = [n.casefold() for n in names]
        return len(set(folded)) == len(folded) and not any(f in self.taken or f in self.reserved for f in folded)

    def take(self, *names: str) -> None:
        self.taken.update(n.casefold() for n in names)

    def person(self) -> tuple[str, tuple[str, ...]]:
        while True:
            parts = [self.word() for _ in range(2 if self.rng.random() < 0.8 else 3)]
            name, surname = " ".join(parts), parts[-1]
            if self.free(name, surname):
                self.take(name, surname)
                return name, (surname,)

    def organization(self) -> tuple[str, tuple[str, ...]]:
        while True:
            parts = [self.word() for _ in range(self.rng.randint(2, 4))]
            name = " ".join(parts)
            if not self.free(name):
                continue
            acronym = "".join(p[0] for p in parts).upper()
            if len(acronym) >= 3 and self.free(name, acronym):
                self.take(name, acronym)
                return name, (acronym,)
            self.take(name)
            return name, ()

    def simple(self, low: int, high: int) -> tuple[str, tuple[str, ...]]:
        while True:
            name = " ".join(self.word() for _ in range(self.rng.randint(low, high)))
            if self.free(name):
                self.take(name)
                return name, ()


def make_entities(count: int, seed: int) -> list[Entity]:
    """Entity i depends only on the seed and on entities 0..i-1."""
    rng = random.Random(f"{seed}:entities")
    names = _Names(rng)
    prose = Prose(rng)
    kinds = [k for k, _ in KINDS]
    kind_weights = _cumulative(w for _, w in KINDS)
    entities: list[Entity] = []
    for number in range(count):
        kind = rng.choices(kinds, cum_weights=kind_weights)[0]
        if kind == "person":
            name, aliases = names.person()
        elif kind == "organization":
            name, aliases = names.organization()
        elif kind == "place":
            name, aliases = names.simple(1, 2)
        else:
            name, aliases = names.simple(2, 3)
        # Descriptions mention a few earlier (and so more frequent) entities.
        others = [entities[rng.randrange(min(number, 200))].name for _ in range(rng.randint(0, 2))] if number else []
        paragraphs = []
        for index in range(rng.randint(1, 3)):
            count_sentences = rng.randint(2, 5)
            inserts = [[] for _ in range(count_sentences)]
            if index == 0:
                inserts[0].append(name)
                for other in others:
                    inserts[rng.randrange(count_sentences)].append(other)
            paragraphs.append(" ".join(prose.sentence(rng.randint(8, 24), extra) for extra in inserts))
        roles: tuple[tuple[str, str, str], ...] = ()
        if kind == "person" and rng.random() < 0.3:
            start = rng.randint(1990, 2020)
            where = entities[rng.randrange(number)].name if number else "the Republic"
            roles = ((f"{rng.choice(ROLE_TITLES)} {where}", str(start), str(start + rng.randint(1, 8))),)
        links: tuple[tuple[str, str], ...] = ()
        if rng.random() < 0.4:
            links = (("Wikipedia", "https://en.wikipedia.org/wiki/" + name.replace(" ", "_")),)
        entities.append(
            Entity(
                id=slugify(name),
                name=name,
                kind=kind,
                aliases=aliases,
                summary=prose.sentence(rng.randint(12, 24), [name]),
                body="\n\n".join(paragraphs),
                roles=roles,
                links=links,
            )
        )
    return entities


# --- glossary and timeline ----------------------------------------------------------------


def make_terms(pool: list[Entity], seed: int) -> list[Term]:
    rng = random.Random(f"{seed}:glossary")
    prose = Prose(rng)
    weights = zipf_weights(len(pool))
    terms = []
    for term, aliases, case_sensitive in GLOSSARY:
        see = tuple(pool[i].id for i in zipf_distinct(rng, weights, rng.choice([0, 0, 1, 1, 2]))) if pool else ()
        terms.append(
            Term(
                id=slugify(term),
                term=term,
                aliases=tuple(aliases),
                definition=prose.sentences(rng.randint(1, 2), 8, 20),
                see=see,
                case_sensitive=case_sensitive,
            )
        )
    return terms


def _day(rng: random.Random) -> dt.date:
    return dt.date.fromordinal(rng.randint(FIRST_DAY, LAST_DAY))


def make_events(pool: list[Entity], articles: list[Article], seed: int) -> list[Event]:
    rng = random.Random(f"{seed}:timeline")
    prose = Prose(rng)
    weights = zipf_weights(len(pool))
    events = []
    for _ in range(TIMELINE_SIZE):
        day = _day(rng)
        date = day.isoformat() if rng.random() < 0.8 else day.isoformat()[:7]
        end = ""
        if rng.random() < 0.1:
            end = dt.date.fromordinal(day.toordinal() + rng.randint(1, 400)).isoformat()[: len(date)]
        named = [pool[i] for i in zipf_distinct(rng, weights, rng.randint(1, 3))] if pool else []
        lead = named[0].name if named else ""
        tied: tuple[str, ...] = ()
        if articles and rng.random() < 0.3:
            tied = (articles[rng.randrange(len(articles))].slug,)
        events.append(
            Event(
                date=date,
                end=end,
                circa=rng.random() < 0.05,
                title=prose.title(rng.randint(3, 7), lead),
                description=prose.sentence(rng.randint(12, 28), [e.name for e in named[1:]]),
                entities=tuple(e.id for e in named),
                articles=tied,
            )
        )
    events.sort(key=lambda e: (e.date, e.title))
    return events


# --- articles ------------------------------------------------------------------------------


def _mention_text(rng: random.Random, entity: Entity, first: bool) -> str:
    if not first and entity.aliases and rng.random() < 0.6:
        text = rng.choice(entity.aliases)
    else:
        text = entity.name
    if rng.random() < 0.08:
        text += "’s"
    return text


def make_articles(count: int, pool: list[Entity], terms: list[Term], seed: int) -> list[Article]:
    rng = random.Random(f"{seed}:articles")
    prose = Prose(rng)
    entity_weights = zipf_weights(len(pool))
    term_weights = zipf_weights(len(terms))
    tag_weights = zipf_weights(len(TAGS))
    names = {e.id: e.name for e in pool}
    slugs: dict[str, int] = {}
    articles = []
    for _ in range(count):
        target = int(rng.triangular(290, 1380, 560))
        # Which entities, how often; which glossary terms.
        distinct = max(1, round(target / 100 * rng.uniform(0.5, 1.5)))
        chosen = [pool[i] for i in zipf_distinct(rng, entity_weights, distinct)] if pool else []
        occurrences = {e.id: 1 + min(5, int(rng.expovariate(0.7))) for e in chosen}
        mentions = [e for e in chosen for _ in range(occurrences[e.id])]
        used_terms = [terms[i] for i in zipf_distinct(rng, term_weights, rng.choice([0, 0, 1, 1, 2, 3]))]
        term_uses = [rng.choice((t.term, *t.aliases)) if not t.case_sensitive else t.term for t in used_terms]
        inserts: list[object] = [*mentions, *term_uses]
        rng.shuffle(inserts)

        # The shape of the body: blocks of sentences.
        blocks: list[tuple[str, list[int]]] = []  # (kind, sentence lengths)
        words = 0
        has_list = rng.random() < 0.25
        has_quote = rng.random() < 0.35
        headings = 0 if target < 900 else rng.randint(0, 2)
        while words < target:
            lengths = [rng.randint(8, 28) for _ in range(rng.randint(2, 6))]
            while len(lengths) > 1 and words + sum(lengths) > target + 10:
                lengths.pop()
            blocks.append(("p", lengths))
            words += sum(lengths)
        if has_list and len(blocks) > 2:
            blocks.insert(rng.randint(1, len(blocks) - 1), ("ul", [rng.randint(4, 14) for _ in range(rng.randint(3, 6))]))
        if has_quote and len(blocks) > 2:
            blocks.insert(rng.randint(1, len(blocks) - 1), ("quote", [rng.randint(12, 30) for _ in range(rng.randint(1, 2))]))
        for _ in range(headings):  # between two paragraphs, never first
            places = [i for i in range(2, len(blocks)) if blocks[i - 1][0] == "p" and blocks[i][0] == "p"]
            if places:
                blocks.insert(rng.choice(places), ("h2", [rng.randint(3, 7)]))
        slots = [(b, s) for b, (kind, lengths) in enumerate(blocks) if kind != "h2" for s in range(len(lengths))]
        placed: dict[tuple[int, int], list[object]] = {}
        for thing in inserts:
            placed.setdefault(slots[rng.randrange(len(slots))], []).append(thing)
        footnote_slots = {slots[rng.randrange(len(slots))] for _ in range(rng.choice([0, 0, 0, 1, 1, 2, 3]))}
        footnote_slots = {slot for slot in footnote_slots if blocks[slot[0]][0] == "p"}

        seen: set[str] = set()
        order: list[str] = []
        parts: list[str] = []
        notes: list[str] = []
        for b, (kind, lengths) in enumerate(blocks):
            if kind == "h2":
                parts.append("## " + prose.title(lengths[0]))
                continue
            sentences = []
            for s, length in enumerate(lengths):
                texts = []
                for thing in placed.get((b, s), ()):
                    if isinstance(thing, Entity):
                        texts.append(_mention_text(rng, thing, thing.id not in seen))
                        if thing.id not in seen:
                            seen.add(thing.id)
                            order.append(thing.id)
                    else:
                        texts.append(thing)
                sentence = prose.sentence(length, texts, "" if kind == "ul" else ".")
                if (b, s) in footnote_slots:
                    notes.append(prose.sentences(1, 8, 20))
                    sentence += f"[^{len(notes)}]"
                sentences.append(sentence)
            if kind == "ul":
                parts.append("\n".join("- " + s for s in sentences))
            elif kind == "quote":
                parts.append("> “" + " ".join(sentences) + "”")
            else:
                parts.append(" ".join(sentences))
        for number, note in enumerate(notes, 1):
            parts.append(f"[^{number}]: {note}")
        body = "\n\n".join(parts) + "\n"

        by_count = sorted(order, key=lambda i: -occurrences[i])  # stable: first mentioned first among equals
        lead = names[order[0]] if order and rng.random() < 0.5 else ""
        title = prose.title(rng.randint(4, 9), lead)
        base = slugify(" ".join(title.split()[:8])) or "article"
        slugs[base] = slugs.get(base, 0) + 1
        slug = base if slugs[base] == 1 else f"{base}-{slugs[base]}"
        day = _day(rng)
        articles.append(
            Article(
                slug=slug,
                date=day.isoformat(),
                title=title,
                summary=prose.sentence(rng.randint(14, 26), [names[order[0]]] if order else []),
                tags=tuple(TAGS[i] for i in zipf_distinct(rng, tag_weights, rng.randint(1, 4))),
                listed=tuple(by_count[: min(3, len(by_count))]),
                mentioned=tuple(order),
                body=body,
            )
        )
    return articles


def make_corpus(articles: int, entities: int, seed: int = 0, *, mention_pool: int | None = None) -> Corpus:
    """The whole archive in memory. Articles mention only the first `mention_pool` entities."""
    all_entities = make_entities(entities, seed)
    pool_size = entities if mention_pool is None else min(mention_pool, entities)
    pool = all_entities[:pool_size]
    terms = make_terms(pool, seed)
    article_list = make_articles(articles, pool, terms, seed)
    events = make_events(pool, article_list, seed)
    return Corpus(seed, tuple(article_list), tuple(all_entities), tuple(terms), tuple(events), pool_size)


# --- writing -------------------------------------------------------------------------------------


def _q(text: str) -> str:
    """A double-quoted string, valid in YAML and in TOML."""
    return json.dumps(text, ensure_ascii=False)


def _list(values) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def _fresh_folder(root: Path) -> None:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)


def write_sitegen_archive(root: Path, corpus: Corpus) -> None:
    """Write `corpus` as a sitegen archive in `root`, replacing whatever was there."""
    root = Path(root)
    _fresh_folder(root)
    _write(
        root / "site.toml",
        "[site]\n"
        'title = "Benchmark Archive"\n'
        'base_url = "https://example.org/archive/"\n'
        'language = "en"\n'
        f'description = "A generated archive of {len(corpus.articles)} articles and {len(corpus.entities)} entities."\n'
        'author = "sitegen benchmarks"\n\n'
        "[build]\n"
        'output = "_site"\n\n'
        "[search]\n"
        "enabled = true\n",
    )
    content = root / "content"
    for article in corpus.articles:
        front = [
            "---",
            f"title: {_q(article.title)}",
            f"date: {article.date}",
            f"summary: {_q(article.summary)}",
            f"tags: [{', '.join(article.tags)}]",
            f"entities: [{', '.join(article.listed)}]",
            "---",
            "",
        ]
        _write(content / "articles" / article.path, "\n".join(front) + article.body)
    for entity in corpus.entities:
        front = ["---", f"name: {_q(entity.name)}", f"kind: {entity.kind}"]
        if entity.aliases:
            front.append(f"aliases: {_list(entity.aliases)}")
        front.append(f"summary: {_q(entity.summary)}")
        if entity.links:
            front.append("links:")
            front += [f"  {label}: {_q(url)}" for label, url in entity.links]
        if entity.roles:
            front.append("roles:")
            for title, start, end in entity.roles:
                front += [f"  - title: {_q(title)}", f"    from: {_q(start)}", f"    to: {_q(end)}"]
        front += ["---", ""]
        _write(content / "entities" / f"{entity.id}.md", "\n".join(front) + entity.body + "\n")
    glossary = ["# Generated glossary.", ""]
    for term in corpus.terms:
        glossary += ["[[term]]", f"term = {_q(term.term)}", f"id = {_q(term.id)}"]
        if term.aliases:
            glossary.append(f"aliases = {_list(term.aliases)}")
        glossary.append(f"definition = {_q(term.definition)}")
        if term.see:
            glossary.append(f"see = {_list(term.see)}")
        glossary += [f"case_sensitive = {'true' if term.case_sensitive else 'false'}", ""]
    _write(content / "glossary.toml", "\n".join(glossary))
    timeline = ["# Generated timeline.", ""]
    for event in corpus.events:
        timeline += ["[[event]]", f"date = {_q(event.date)}"]
        if event.end:
            timeline.append(f"end = {_q(event.end)}")
        if event.circa:
            timeline.append("circa = true")
        timeline += [f"title = {_q(event.title)}", f"description = {_q(event.description)}"]
        if event.entities:
            timeline.append(f"entities = {_list(event.entities)}")
        if event.articles:
            timeline.append(f"articles = {_list(event.articles)}")
        timeline.append("")
    _write(content / "timeline.toml", "\n".join(timeline))


def write_corpus(root: Path, articles: int, entities: int, seed: int = 0, *, mention_pool: int | None = None) -> Corpus:
    """Generate a corpus and write it as a sitegen archive in `root`; return the model."""
    corpus = make_corpus(articles, entities, seed, mention_pool=mention_pool)
    write_sitegen_archive(root, corpus)
    return corpus


# --- Hugo ------------------------------------------------------------------------------------

HUGO_CONFIG = """\
baseURL = "https://example.org/archive/"
languageCode = "en"
title = "Benchmark Archive"
enableRobotsTXT = true

[taxonomies]
tag = "tags"
entity = "entities"

[outputs]
home = ["html", "rss"]
section = ["html"]
taxonomy = ["html"]
term = ["html"]

[pagination]
pagerSize = 100
"""

HUGO_LAYOUTS = {
    "baseof.html": """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ if not .IsHome }}{{ .Title }} · {{ end }}{{ .Site.Title }}</title>
<meta name="description" content="{{ with .Description }}{{ . }}{{ else }}{{ .Summary | plainify }}{{ end }}">
<link rel="canonical" href="{{ .Permalink }}">
</head>
<body>
<header><a href="{{ "" | relURL }}">{{ .Site.Title }}</a>
<nav><a href="{{ "posts/" | relURL }}">Articles</a> <a href="{{ "entities/" | relURL }}">Entities</a> <a href="{{ "tags/" | relURL }}">Tags</a></nav></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
""",
    "home.html": """\
{{ define "main" }}
<h1>{{ .Site.Title }}</h1>
<ul>
{{ range first 20 (where .Site.RegularPages "Section" "posts").ByDate.Reverse }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time><p>{{ .Description }}</p></li>
{{ end }}
</ul>
{{ end }}
""",
    "single.html": """\
{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
<p><time>{{ .Date.Format "2006-01-02" }}</time></p>
{{ .Content }}
</article>
<aside>
<h2>Entities</h2>
<ul>{{ range .GetTerms "entities" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
<h2>Tags</h2>
<ul>{{ range .GetTerms "tags" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
</aside>
{{ end }}
""",
    "list.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ .Content }}
<ul>
{{ $pager := .Paginate .Pages.ByDate.Reverse }}
{{ range $pager.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time></li>
{{ end }}
</ul>
{{ with $pager.Prev }}<a href="{{ .URL }}">Newer</a>{{ end }} {{ with $pager.Next }}<a href="{{ .URL }}">Older</a>{{ end }}
{{ end }}
""",
    "taxonomy.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul>
{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.LinkTitle }}</a> ({{ .Count }})</li>
{{ end }}
</ul>
{{ end }}
""",
    "term.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ with .Description }}<p>{{ . }}</p>{{ end }}
{{ .Content }}
<ul>
{{ $pager := .Paginate .Pages.ByDate.Reverse }}
{{ range $pager.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time></li>
{{ end }}
</ul>
{{ with $pager.Prev }}<a href="{{ .URL }}">Newer</a>{{ end }} {{ with $pager.Next }}<a href="{{ .URL }}">Older</a>{{ end }}
{{ end }}
""",
}


def write_hugo_site(root: Path, corpus: Corpus) -> None:
    """Write the same articles as a Hugo site: posts, a `tags` and an `entities`
    taxonomy (every entity has a term page with its name, summary and
    description, listing the articles that mention it), minimal layouts."""
    root = Path(root)
    _fresh_folder(root)
    _write(root / "hugo.toml", HUGO_CONFIG)
    for name, text in HUGO_LAYOUTS.items():
        _write(root / "layouts" / name, text)
    content = root / "content"
    for article in corpus.articles:
        front = [
            "---",
            f"title: {_q(article.title)}",
            f"date: {article.date}",
            f"slug: {article.slug}",
            f"description: {_q(article.summary)}",
            f"tags: [{', '.join(article.tags)}]",
            f"entities: [{', '.join(article.mentioned)}]",
            "---",
            "",
        ]
        _write(content / "posts" / f"{article.date}-{article.slug}.md", "\n".join(front) + article.body)
    for entity in corpus.entities:
        front = ["---", f"title: {_q(entity.name)}", f"description: {_q(entity.summary)}", "---", ""]
        _write(content / "entities" / entity.id / "_index.md", "\n".join(front) + entity.body + "\n")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Write a generated archive (DIR/archive) and the same articles as a Hugo site (DIR/hugo).")
    parser.add_argument("folder", type=Path, metavar="DIR")
    parser.add_argument("articles", type=int, nargs="?", default=1000)
    parser.add_argument("entities", type=int, nargs="?", default=2000)
    parser.add_argument("seed", type=int, nargs="?", default=0)
    arguments = parser.parse_args()
    model = make_corpus(arguments.articles, arguments.entities, arguments.seed)
    write_sitegen_archive(arguments.folder / "archive", model)
    write_hugo_site(arguments.folder / "hugo", model)
    print(f"wrote {arguments.folder / 'archive'} and {arguments.folder / 'hugo'}")
