"""Glossary terms and the timeline as readers see them.

Glossary: terms marked at their first occurrence in articles (with an
accessible definition), the rules they share with entity annotation, the
`/glossary/` page, and the glossary's validation.

Timeline: events from `content/timeline.toml`, from articles' `events` and from
article publications; precision-aware dates, ordering, year groups, the filter
form, the per-entity and per-article event lists, and the timeline's
validation. Every test builds a small archive in tmp_path and reads the output
as parsed HTML.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata

import pytest

from sitegen.model.errors import ContentError

# --- helpers ---------------------------------------------------------------------------------


def entity(archive, entity_id, name, kind="place", aliases=()):
    archive.write(
        f"content/entities/{entity_id}.md",
        f"---\nname: {json.dumps(name)}\nkind: {kind}\naliases: {json.dumps(list(aliases))}\n---\n",
    )


def glossary(archive, *tables: str):
    """`content/glossary.toml` with one [[term]] table per argument."""
    archive.write("content/glossary.toml", "\n".join(f"[[term]]\n{table.strip()}\n" for table in tables))


def timeline(archive, *tables: str):
    """`content/timeline.toml` with one [[event]] table per argument."""
    archive.write("content/timeline.toml", "\n".join(f"[[event]]\n{table.strip()}\n" for table in tables))


def without_publications(archive):
    archive.write("site.toml", archive.root.joinpath("site.toml").read_text() + "\n[timeline]\narticles = false\n")


def body_of(archive, slug="a"):
    return archive.html(f"articles/{slug}/index.html").select_one(".article-body")


def marked_terms(node) -> list[tuple[str, str]]:
    return [(a["data-term"], a.get_text()) for a in node.select("a.term")]


def mentioned(node) -> list[tuple[str, str]]:
    return [(a["data-entity"], a.get_text()) for a in node.select("a.mention")]


def timeline_page(archive):
    """Every page of the timeline, as one document."""
    return archive.timeline()


def events_on(page):
    return page.select("ol.timeline > li.event")


def titles_on(page) -> list[str]:
    return [li.select_one(".event-title").get_text() for li in events_on(page)]


def event_titled(page, title):
    [item] = [li for li in events_on(page) if li.select_one(".event-title").get_text() == title]
    return item


def only_error(archive):
    with pytest.raises(ContentError) as failure:
        archive.build()
    [error] = failure.value.errors
    return error


PESHMERGA = 'term = "Peshmerga"\ndefinition = "Kurdish *armed* forces."'
DAESH = 'term = "Daesh"\naliases = ["ISIS", "ISIL"]\ndefinition = "An Arabic acronym for *Islamic State*."'
CALIPHATE = 'term = "Caliphate"\nid = "khilafa"\ndefinition = "A state ruled by a caliph."\ncase_sensitive = false'


# --- glossary terms in articles ------------------------------------------------------------------


def test_a_term_is_marked_at_its_first_occurrence_with_a_link_and_a_definition_linking_to_its_entry(archive):
    glossary(archive, PESHMERGA)
    archive.article("a", body="The Peshmerga advanced. Later, the Peshmerga held the line.")
    archive.build()
    body = body_of(archive)
    [link] = body.select("a.term")
    assert (link["href"], link.get_text()) == ("/glossary/#peshmerga", "Peshmerga")
    tip = body.find(id=link["aria-describedby"])
    assert tip.select_one("a.term-tip-link")["href"] == "/glossary/#peshmerga"
    assert tip.select_one(".term-tip-title").get_text() == "Peshmerga"
    assert tip.find("em").get_text() == "armed"
    assert "Kurdish armed forces." in tip.get_text()
    assert "Later, the Peshmerga held the line." in body.get_text()


def test_aliases_of_a_term_are_marked(archive):
    glossary(archive, DAESH)
    archive.article("a", body="ISIS fighters withdrew.")
    archive.build()
    assert marked_terms(body_of(archive)) == [("daesh", "ISIS")]
    assert body_of(archive).select_one("a.term")["href"] == "/glossary/#daesh"


@pytest.mark.parametrize("text", ["The Caliphate fell.", "A caliphate was declared.", "THE CALIPHATE."])
def test_a_case_insensitive_term_is_marked_in_any_case(archive, text):
    glossary(archive, CALIPHATE)
    archive.article("a", body=text)
    archive.build()
    assert [term_id for term_id, _ in marked_terms(body_of(archive))] == ["khilafa"]


@pytest.mark.parametrize("text", ["daesh in lower case.", "DAESH in capitals."])
def test_a_case_sensitive_term_is_not_marked_in_another_case(archive, text):
    glossary(archive, DAESH)
    archive.article("a", body=text)
    archive.build()
    assert marked_terms(body_of(archive)) == []


@pytest.mark.parametrize("text", ["Peshmergas are many.", "APeshmerga", "PeshmergaX", "Peshmerga_x"])
def test_terms_match_only_on_word_boundaries(archive, text):
    glossary(archive, PESHMERGA)
    archive.article("a", body=text)
    archive.build()
    assert marked_terms(body_of(archive)) == []


@pytest.mark.parametrize("text", ["Peshmerga's plan.", "(Peshmerga)", "Peshmerga-led forces."])
def test_a_term_followed_by_punctuation_is_marked(archive, text):
    glossary(archive, PESHMERGA)
    archive.article("a", body=text)
    archive.build()
    assert marked_terms(body_of(archive)) == [("peshmerga", "Peshmerga")]


@pytest.mark.parametrize(
    "body",
    [
        "`Peshmerga` in code.",
        "```\nPeshmerga in a fence\n```",
        "[Peshmerga](https://example.com/) in a link.",
        "# Peshmerga in a heading",
        "<span>Peshmerga</span> in raw HTML.",
    ],
)
def test_terms_are_not_marked_in_code_links_or_headings(archive, body):
    glossary(archive, PESHMERGA)
    archive.article("a", body=body)
    archive.build()
    assert marked_terms(body_of(archive)) == []


def test_a_term_written_decomposed_is_marked_as_written(archive):
    glossary(archive, 'term = "Émir"\ndefinition = "A commander."\ncase_sensitive = false')
    decomposed = unicodedata.normalize("NFD", "émir")
    archive.article("a", body=f"The {decomposed} spoke.")
    archive.build()
    assert marked_terms(body_of(archive)) == [("emir", decomposed)]


def test_the_longest_overlapping_term_wins(archive):
    glossary(archive, 'term = "Base"\ndefinition = "b"', 'term = "Air Base"\ndefinition = "ab"')
    archive.article("a", body="An Air Base, and then a Base.")
    archive.build()
    assert marked_terms(body_of(archive)) == [("air-base", "Air Base"), ("base", "Base")]


def test_an_entity_wins_over_a_term_inside_its_name(archive):
    entity(archive, "al-asad", "Al Asad Air Base")
    glossary(archive, 'term = "Air Base"\ndefinition = "A military airfield."')
    archive.article("a", body="Troops at Al Asad Air Base. Another Air Base nearby.")
    archive.build()
    body = body_of(archive)
    assert mentioned(body) == [("al-asad", "Al Asad Air Base")]
    assert marked_terms(body) == [("air-base", "Air Base")]
    assert body.select_one("a.term").previous_sibling.endswith("Another ")


def test_an_entity_wins_over_a_term_containing_its_name(archive):
    entity(archive, "mosul", "Mosul")
    glossary(archive, 'term = "Mosul Dam"\ndefinition = "A dam on the Tigris."')
    archive.article("a", body="The Mosul Dam holds.")
    archive.build()
    body = body_of(archive)
    assert mentioned(body) == [("mosul", "Mosul")]
    assert marked_terms(body) == []


def test_a_name_two_terms_share_marks_neither_and_is_reported(archive):
    glossary(
        archive,
        'term = "Hashd"\naliases = ["PMF"]\ndefinition = "h"',
        'term = "Popular Mobilisation Forces"\naliases = ["PMF"]\ndefinition = "p"',
    )
    archive.article("a", body="PMF units moved. The Hashd followed.")
    result = archive.build()
    assert marked_terms(body_of(archive)) == [("hashd", "Hashd")]
    [warning] = [w for w in result.warnings if "'PMF'" in w.message]
    assert warning.path == "content/glossary.toml"
    assert "'Hashd'" in warning.message and "'Popular Mobilisation Forces'" in warning.message


def test_a_name_shared_by_a_case_sensitive_and_a_case_insensitive_term_marks_neither(archive):
    glossary(archive, CALIPHATE, 'term = "Caliph state"\naliases = ["caliphate"]\ndefinition = "c"')
    archive.article("a", body="The caliphate fell.")
    archive.article("b", body="The Caliphate fell.")
    result = archive.build()
    assert marked_terms(body_of(archive, "a")) == []
    assert marked_terms(body_of(archive, "b")) == [("khilafa", "Caliphate")]  # only one term answers to this spelling
    assert any("'caliphate'" in w.message and w.path == "content/glossary.toml" for w in result.warnings)


def test_an_unknown_see_id_is_an_error_naming_the_term(archive):
    glossary(archive, PESHMERGA, 'term = "Daesh"\ndefinition = "d"\nsee = ["nobody"]')
    error = only_error(archive)
    assert (error.path, error.line) == ("content/glossary.toml", 5)  # the second [[term]] header
    assert "'Daesh'" in error.message and "'nobody'" in error.message


def test_duplicate_term_ids_are_an_error_with_file_and_line(archive):
    glossary(archive, 'term = "Caliph"\nid = "khilafa"\ndefinition = "c"', CALIPHATE)
    error = only_error(archive)
    assert (error.path, error.line) == ("content/glossary.toml", 6)  # the second [[term]] header
    assert "'khilafa'" in error.message and "'Caliph'" in error.message and "'Caliphate'" in error.message


# --- the glossary page ---------------------------------------------------------------------------


@pytest.fixture
def lexicon(archive):
    entity(archive, "islamic-state", "Islamic State", kind="organization")
    glossary(
        archive,
        PESHMERGA,
        DAESH + '\nsee = ["islamic-state", "khilafa"]',
        CALIPHATE,
        'term = "ayatollah"\ndefinition = "A senior Shia cleric."',
        'term = "Amir"\ndefinition = "A commander."',
        'term = "al-Qaeda"\ndefinition = "A jihadist network."',
    )
    return archive


def glossary_page(archive):
    return archive.html("glossary/index.html")


def entry(page, term_id):
    """The <dd> of a glossary entry."""
    return page.find("dt", id=term_id).find_next_sibling("dd")


def test_glossary_lists_terms_alphabetically_under_letter_headings(lexicon):
    lexicon.build()
    page = glossary_page(lexicon)
    sections = page.select("section.glossary-letter")
    assert [s.find("h2").get_text() for s in sections] == ["A", "C", "D", "P"]
    assert [[dt.get_text() for dt in s.select("dt")] for s in sections] == [
        ["al-Qaeda", "Amir", "ayatollah"],
        ["Caliphate"],
        ["Daesh"],
        ["Peshmerga"],
    ]


def test_accented_terms_sort_among_the_terms_of_their_letter(archive):
    glossary(archive, 'term = "Ezidi"\ndefinition = "z"', 'term = "Émir"\ndefinition = "m"', 'term = "Eid"\ndefinition = "d"')
    archive.build()
    [section] = glossary_page(archive).select("section.glossary-letter")
    assert section.find("h2").get_text() == "E"
    assert [dt.get_text() for dt in section.select("dt")] == ["Eid", "Émir", "Ezidi"]


def test_glossary_jump_bar_links_each_present_letter_to_its_heading(lexicon):
    lexicon.build()
    page = glossary_page(lexicon)
    links = page.select("nav.letters a")
    assert [a.get_text() for a in links] == ["A", "C", "D", "P"]
    for link in links:
        heading = page.find(id=link["href"].removeprefix("#"))
        assert link["href"].startswith("#") and heading.name == "h2" and heading.get_text() == link.get_text()


def test_glossary_entries_have_stable_anchors_from_the_term_id(lexicon):
    lexicon.build()
    page = glossary_page(lexicon)
    ids = {dt["id"]: dt.get_text() for dt in page.select("dt")}
    assert ids == {
        "peshmerga": "Peshmerga",
        "daesh": "Daesh",
        "khilafa": "Caliphate",
        "ayatollah": "ayatollah",
        "amir": "Amir",
        "al-qaeda": "al-Qaeda",
    }
    assert page.find("dt", id="khilafa").find("a")["href"] == "#khilafa"


def test_glossary_ids_stay_unique_whatever_the_terms_are_called(archive):
    """Terms named like the theme's own ids ("Site search query") get entries,
    and the hover cards still find their data."""
    archive.write("site.toml", archive.root.joinpath("site.toml").read_text().replace("enabled = false", "enabled = true"))
    entity(archive, "mosul", "Mosul")
    glossary(archive, 'term = "Peshmerga"\ndefinition = "d"\nsee = ["mosul"]')
    archive.build()
    theme_ids = [tag["id"] for tag in glossary_page(archive).find_all(id=True) if tag["id"] != "peshmerga"]
    named_like_them = [" ".join(i.replace("_", "-").split("-")).capitalize() for i in theme_ids]
    assert "Site search query" in named_like_them and "Sitegen entity cards" in named_like_them
    glossary(archive, *(f'term = "{name}"\ndefinition = "d"\nsee = ["mosul"]' for name in named_like_them))
    archive.build()
    page = glossary_page(archive)
    ids = [tag["id"] for tag in page.find_all(id=True)]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert len(page.select("dt")) == len(named_like_them)
    [cards] = [script for script in page.find_all("script", id=True) if script.get("type") == "application/json"]
    assert list(json.loads(cards.string)) == ["mosul"]


def test_a_marked_term_links_to_an_anchor_that_exists_on_the_glossary_page(lexicon):
    lexicon.article("a", body="The caliphate fell.")
    lexicon.build()
    href = body_of(lexicon).select_one("a.term")["href"]
    assert href == "/glossary/#khilafa"
    assert glossary_page(lexicon).find(id="khilafa").name == "dt"


def test_glossary_definition_is_inline_markdown(lexicon):
    lexicon.build()
    definition = entry(glossary_page(lexicon), "daesh").select_one(".definition")
    assert definition.find("em").get_text() == "Islamic State"
    assert definition.find("p") is None
    assert definition.get_text() == "An Arabic acronym for Islamic State."


def test_glossary_shows_aliases(lexicon):
    lexicon.build()
    metas = [p.get_text(" ", strip=True) for p in entry(glossary_page(lexicon), "daesh").select(".meta")]
    assert "Also: ISIS, ISIL" in metas


def test_glossary_see_also_links_to_entity_pages_and_term_anchors(lexicon):
    lexicon.build()
    page = glossary_page(lexicon)
    see = next(p for p in entry(page, "daesh").select(".meta") if p.get_text().startswith("See also"))
    links = [(a.get_text(), a["href"]) for a in see.find_all("a")]
    assert links == [("Islamic State", "/entities/islamic-state/"), ("Caliphate", "/glossary/#khilafa")]


def test_glossary_used_in_lists_articles_with_occurrence_counts(lexicon):
    lexicon.article("old", title="Old one", date="2015-01-01", body="Daesh came. ISIS stayed. Daesh left.")
    lexicon.article("new", title="New one", date="2016-01-01", body="Daesh again.")
    lexicon.article("none", title="Unrelated", date="2017-01-01", body="Nothing here.")
    lexicon.build()
    used = next(p for p in entry(glossary_page(lexicon), "daesh").select(".meta") if p.get_text().startswith("Used in"))
    listed = [(a.get_text(), a["href"], a.find_next_sibling("span", class_="count").get_text()) for a in used.find_all("a")]
    assert listed == [("New one", "/articles/new/", "(1)"), ("Old one", "/articles/old/", "(3)")]


def test_an_unused_term_has_no_used_in_line(lexicon):
    lexicon.build()
    assert not any(p.get_text().startswith("Used in") for p in entry(glossary_page(lexicon), "amir").select(".meta"))


# --- timeline: where events come from ------------------------------------------------------------


def test_timeline_shows_the_events_of_timeline_toml(archive):
    timeline(archive, 'date = 2014\ntitle = "Mosul falls"', 'date = 2017\ntitle = "Mosul retaken"')
    archive.build()
    assert titles_on(timeline_page(archive)) == ["Mosul falls", "Mosul retaken"]


def test_events_in_article_front_matter_appear_linked_to_their_article(archive):
    without_publications(archive)
    archive.article("a", title="The report", body="Text.", events='[{date: "2016-10-17", title: "Offensive starts"}]')
    archive.build()
    item = event_titled(timeline_page(archive), "Offensive starts")
    assert [(a.get_text(), a["href"]) for a in item.select(".event-article a")] == [("The report", "/articles/a/")]


def test_article_publications_are_on_the_timeline_when_enabled(archive):
    archive.article("a", title="The report", date="2016-10-17")
    archive.build()
    item = event_titled(timeline_page(archive), "The report")
    assert "event-publication" in item["class"]
    assert item.select_one("time")["datetime"] == "2016-10-17"
    assert item.select_one(".event-kind").get_text() == "Article published"
    assert item.select_one(".event-article a")["href"] == "/articles/a/"


def test_article_publications_are_left_out_when_disabled(archive):
    without_publications(archive)
    archive.article("a", title="The report", date="2016-10-17")
    timeline(archive, 'date = 2014\ntitle = "Mosul falls"')
    archive.build()
    page = timeline_page(archive)
    assert titles_on(page) == ["Mosul falls"]
    assert page.select(".event-publication") == []


# --- timeline: dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "shown", "iso"),
    [
        ("2014", "2014", "2014"),
        ('"2014-06"', "June 2014", "2014-06"),
        ('"2014-06-10"', "10 June 2014", "2014-06-10"),
        ("2014-06-10", "10 June 2014", "2014-06-10"),  # a TOML date
    ],
)
def test_event_dates_are_shown_with_their_precision(archive, written, shown, iso):
    timeline(archive, f'date = {written}\ntitle = "E"')
    archive.build()
    time = event_titled(timeline_page(archive), "E").select_one(".event-date time")
    assert (time.get_text(), time["datetime"]) == (shown, iso)


def test_an_end_date_makes_a_range(archive):
    timeline(archive, 'date = "2014-06"\nend = "2017-07"\ntitle = "Occupation"')
    archive.build()
    time = event_titled(timeline_page(archive), "Occupation").select_one(".event-date time")
    assert (time.get_text(), time["datetime"]) == ("June 2014 – July 2017", "2014-06")


def test_circa_marks_an_approximate_date(archive):
    timeline(archive, 'date = 2014\ncirca = true\ntitle = "Founding"')
    archive.build()
    assert event_titled(timeline_page(archive), "Founding").select_one(".event-date time").get_text() == "c. 2014"


def test_events_are_sorted_by_start_then_precision_then_title(archive):
    timeline(
        archive,
        'date = "2014-06-01"\ntitle = "Zulu day"',
        'date = "2015"\ntitle = "Next year"',
        'date = "2014-06"\ntitle = "A month"',
        'date = "2014-06-01"\ntitle = "alpha day"',
        'date = "2014-01-01"\ntitle = "New year day"',
        'date = "2014-01"\ntitle = "January"',
        'date = "2014"\ntitle = "The year"',
        'date = "2013-12-31"\ntitle = "Eve"',
    )
    archive.build()
    assert titles_on(timeline_page(archive)) == [
        "Eve",
        "The year",  # 2014, 2014-01 and 2014-01-01 start on one day: coarser first
        "January",
        "New year day",
        "A month",  # "June 2014" before "1 June 2014"
        "alpha day",  # one day: by title, whatever the case
        "Zulu day",
        "Next year",
    ]


def test_a_page_of_the_timeline_groups_its_events_by_year(archive):
    timeline(
        archive,
        'date = 2016\ntitle = "Late"',
        'date = "2014-06"\ntitle = "Early"',
        'date = "2014-08-03"\ntitle = "Sinjar"',
    )
    archive.build()
    page = timeline_page(archive)
    sections = page.select("section.timeline-year")
    assert [s.find("h2").get_text() for s in sections] == ["2014", "2016"]
    assert [[li.select_one(".event-title").get_text() for li in s.select("li.event")] for s in sections] == [
        ["Early", "Sinjar"],
        ["Late"],
    ]
    assert [s["aria-labelledby"] for s in sections] == [s.find("h2")["id"] for s in sections]


# --- timeline: what each event shows -------------------------------------------------------------


@pytest.fixture
def cast(archive):
    entity(archive, "mosul", "Mosul", kind="place")
    entity(archive, "trump", "Donald Trump", kind="person", aliases=["Trump"])
    entity(archive, "raqqa", "Raqqa", kind="place")
    return archive


def test_event_description_is_rendered_markdown_with_entity_links_but_no_side_notes(cast):
    glossary(cast, PESHMERGA)
    timeline(cast, 'date = 2017\ntitle = "Retaken"\ndescription = "Forces *retake* Mosul with the Peshmerga."')
    cast.build()
    page = timeline_page(cast)
    description = event_titled(page, "Retaken").select_one(".event-description")
    assert description.find("em").get_text() == "retake"
    assert mentioned(description) == [("mosul", "Mosul")]
    assert description.select_one("a.mention")["href"] == "/entities/mosul/"
    assert marked_terms(description) == [("peshmerga", "Peshmerga")]
    assert page.select(".sidenote") == []


RAW_HTML = '<img src=x onerror=alert(1)> and <b>bold</b>'


def test_raw_html_in_a_timeline_toml_event_description_is_shown_as_text(cast):
    timeline(cast, f'date = 2017\ntitle = "Retaken"\ndescription = {json.dumps("Mosul: " + RAW_HTML)}')
    cast.build()
    description = event_titled(timeline_page(cast), "Retaken").select_one(".event-description")
    assert description.find("img") is None and description.find("b") is None
    assert description.get_text().strip() == "Mosul: " + RAW_HTML
    assert mentioned(description) == [("mosul", "Mosul")]


def test_raw_html_in_an_article_event_description_is_shown_as_text(cast):
    without_publications(cast)
    cast.article("a", events=f"\n  - {{date: 2017, title: Retaken, description: {json.dumps(RAW_HTML)}}}")
    cast.build()
    description = event_titled(timeline_page(cast), "Retaken").select_one(".event-description")
    assert description.find("img") is None and description.find("b") is None
    assert description.get_text().strip() == RAW_HTML


def test_each_event_links_its_entities_and_articles(cast):
    without_publications(cast)
    cast.article("report", title="The report")
    timeline(cast, 'date = 2017\ntitle = "Visit"\nentities = ["trump", "mosul"]\narticles = ["report"]')
    cast.build()
    links = event_titled(timeline_page(cast), "Visit").select(".event-links a")
    assert [(a.get_text(), a["href"]) for a in links] == [
        ("Donald Trump", "/entities/trump/"),
        ("Mosul", "/entities/mosul/"),
        ("The report", "/articles/report/"),
    ]


def test_timeline_filter_form_is_hidden_until_the_script_shows_it(cast):
    timeline(cast, 'date = 2017\ntitle = "Visit"\nentities = ["trump", "mosul"]')
    cast.build()
    form = timeline_page(cast).find("form", id="timeline-filter")
    assert form.has_attr("hidden")


def test_timeline_filter_offers_the_entity_kinds_and_entities_present(cast):
    timeline(cast, 'date = 2017\ntitle = "Visit"\nentities = ["trump", "mosul"]', 'date = 2018\ntitle = "Quiet"')
    cast.build()
    form = timeline_page(cast).find("form", id="timeline-filter")
    kinds = [(o["value"], o.get_text()) for o in form.select("#timeline-filter-kind option")]
    assert kinds == [("", "All kinds"), ("person", "Person"), ("place", "Place")]
    entities = [(o["value"], o.get_text()) for o in form.select("#timeline-filter-entity option")]
    assert entities == [("", "All entities"), ("trump", "Donald Trump"), ("mosul", "Mosul")]


def test_each_event_carries_the_entities_and_kinds_the_filter_uses(cast):
    timeline(
        cast,
        'date = 2017\ntitle = "Visit"\nentities = ["trump"]\ndescription = "He flew to Mosul."',
        'date = 2018\ntitle = "Quiet"',
    )
    cast.build()
    page = timeline_page(cast)
    visit, quiet = event_titled(page, "Visit"), event_titled(page, "Quiet")
    assert (visit["data-entities"], visit["data-kinds"]) == ("mosul trump", "person place")
    assert (quiet["data-entities"], quiet["data-kinds"]) == ("", "")


# --- events on entity and article pages ----------------------------------------------------------


def test_entity_page_lists_the_events_naming_the_entity_with_links_to_the_timeline(cast):
    timeline(
        cast,
        'date = "2014-06-10"\ntitle = "Mosul falls"\nentities = ["mosul"]',
        'date = 2017\ntitle = "Retaken"\ndescription = "Forces retake Mosul."',
        'date = 2017\ntitle = "Raqqa falls"\nentities = ["raqqa"]',
    )
    cast.build()
    section = cast.html("entities/mosul/index.html").find("h2", id="entity-timeline").parent
    items = section.select("li")
    assert [li.find("a").get_text() for li in items] == ["Mosul falls", "Retaken"]
    assert items[0].find("time").get_text() == "10 June 2014"
    for item in items:
        path, anchor = item.find("a")["href"].split("#")
        assert path.startswith("/timeline/")
        target = cast.html(path.removeprefix("/") + "index.html").find(id=anchor)
        assert target.name == "li" and target.select_one(".event-title").get_text() == item.find("a").get_text()


def test_entity_page_has_no_timeline_section_without_events(cast):
    timeline(cast, 'date = 2017\ntitle = "Raqqa falls"\nentities = ["raqqa"]')
    cast.build()
    assert cast.html("entities/mosul/index.html").find(id="entity-timeline") is None


def test_article_page_lists_its_events_but_not_its_own_publication(archive):
    archive.article(
        "a", title="The report", date="2016-10-17", events='[{date: "2016-10-17", title: "Offensive starts"}]'
    )
    timeline(archive, 'date = 2017\ntitle = "City retaken"\narticles = ["a"]', 'date = 2018\ntitle = "Unrelated"')
    archive.build()
    section = archive.html("articles/a/index.html").find("h2", id="article-events").parent
    assert section.find("h2").get_text() == "On the timeline"
    assert [a.get_text() for a in section.select("li a")] == ["Offensive starts", "City retaken"]
    assert "The report" in titles_on(timeline_page(archive))  # the publication is on the timeline itself


# --- timeline validation -------------------------------------------------------------------------

VALID_EVENT = 'date = 2014\ntitle = "Fine"'  # lines 1-3 of timeline.toml; the event under test starts on line 5


@pytest.mark.parametrize(
    ("table", "line", "complaint"),
    [
        ('date = "2014-13"\ntitle = "Bad month"', 6, "'2014-13'"),
        ('date = "2015-02-30"\ntitle = "Bad day"', 6, "'2015-02-30' is not a real calendar date"),
        ('date = "2016-10-17"\nend = "2016-10-01"\ntitle = "Backwards"', 7, "`end` 2016-10-01 is before `date` 2016-10-17"),
        ('date = 2016\ntitle = "Ghost"\nentities = ["ghost"]', 5, "entity 'ghost' does not exist"),
        ('date = 2016\ntitle = "Orphan"\narticles = ["no-such-article"]', 5, "article 'no-such-article' does not exist"),
    ],
)
def test_timeline_toml_problems_are_errors_located_and_naming_the_event(archive, table, line, complaint):
    timeline(archive, VALID_EVENT, table)
    error = only_error(archive)
    title = table.split('title = "')[1].split('"')[0]
    assert (error.path, error.line) == ("content/timeline.toml", line)
    assert complaint in error.message
    assert f"event {title!r}" in error.message


def test_an_invalid_date_in_article_events_is_an_error_at_the_events_line(archive):
    archive.article("a", events='[{date: "2016-13", title: "Bad month"}]')
    error = only_error(archive)
    assert (error.path, error.line) == ("content/articles/a.md", 4)
    assert "event 'Bad month'" in error.message and "'2016-13'" in error.message


def test_an_unknown_article_slug_in_article_events_is_an_error(archive):
    archive.article("a", events='[{date: "2016-10", title: "Linked", articles: [no-such-article]}]')
    error = only_error(archive)
    assert (error.path, error.line) == ("content/articles/a.md", 4)
    assert "event 'Linked'" in error.message and "article 'no-such-article' does not exist" in error.message


# --- determinism ---------------------------------------------------------------------------------


def test_timeline_page_is_byte_identical_across_builds_and_hash_seeds(cast, tmp_path):
    """Ties in date and title, events from every source, and sets of entities and
    kinds: nothing on the page may depend on set order or the hash seed."""
    glossary(cast, PESHMERGA)
    cast.article("b", title="Same", date="2017-07-09", events='[{date: "2017-07", title: "Same", entities: [raqqa, trump]}]')
    cast.article("a", title="Same", date="2017-07-09", body="Mosul and Trump.")
    timeline(
        cast,
        'date = "2017-07"\ntitle = "Same"\nentities = ["trump", "mosul", "raqqa"]\ndescription = "The Peshmerga and Mosul."',
        'date = "2017-07-09"\ntitle = "Same"\narticles = ["a", "b"]',
        'date = 2017\ncirca = true\nend = 2018\ntitle = "same"',
    )
    pages = []
    for seed in ("1", "2"):
        out = tmp_path / f"out-{seed}"
        subprocess.run(
            [sys.executable, "-m", "sitegen", "build", "--quiet", "--root", str(cast.root), "--out", str(out)],
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        pages.append({path: path.read_bytes() for path in sorted(out.glob("timeline/**/*.*"))})
    cast.build()
    pages.append({path: path.read_bytes() for path in sorted(cast.out.glob("timeline/**/*.*"))})
    assert len(pages[0]) > 2
    assert list(pages[0].values()) == list(pages[1].values()) == list(pages[2].values())
    anchors = [li["id"] for li in events_on(timeline_page(cast))]
    assert len(anchors) == len(set(anchors)) == 6


def test_a_term_named_like_a_page_landmark_keeps_a_unique_anchor(archive):
    archive.write(
        "content/glossary.toml",
        '[[term]]\nterm = "main"\ndefinition = "The principal part."\n\n[[term]]\nterm = "letter m"\ndefinition = "M."\n',
    )
    archive.build()
    page = archive.html("glossary/index.html")
    ids = [element["id"] for element in page.find_all(id=True)]
    assert len(ids) == len(set(ids))
    assert page.find(id="main").name == "dt"


def test_a_footnote_in_an_event_description_reads_inline_on_the_timeline(archive):
    archive.write(
        "content/timeline.toml",
        '[[event]]\ndate = "2014"\ntitle = "Something"\ndescription = "It happened.^[By some accounts.]"\n',
    )
    archive.build()
    event = timeline_page(archive).select_one(".event")
    assert event.select(".sidenote") == []
    assert event.select_one(".inline-note").get_text() == "(By some accounts.)"
