"""Entity annotation as readers see it: mentions, side-notes, and entity pages."""

from __future__ import annotations

import json
import unicodedata

import pytest

from sitegen.model.errors import ContentError
from sitegen.model.models import Archive as ModelArchive
from sitegen.model.models import Entity, SourcePos
from sitegen.model.urls import Urls
from sitegen.pipeline.catalog import build_catalog

BLOCK_ELEMENTS = ("div", "p", "ul", "ol", "blockquote", "section", "aside", "figure", "table", "h1", "h2", "h3")


def entity(archive, entity_id, name, kind="place", aliases=(), summary="", extra="", body=""):
    alias_list = ", ".join(json.dumps(a) for a in aliases)
    archive.write(
        f"content/entities/{entity_id}.md",
        f'---\nname: {json.dumps(name)}\nkind: {kind}\naliases: [{alias_list}]\nsummary: {json.dumps(summary)}\n{extra}---\n{body}\n',
    )


def body_of(archive, slug="a"):
    return archive.html(f"articles/{slug}/index.html").select_one(".article-body")


def mentioned(node) -> list[tuple[str, str]]:
    return [(a["data-entity"], a.get_text()) for a in node.select("a.mention")]


@pytest.fixture
def places(archive):
    entity(archive, "mosul", "Mosul", summary="A city in northern Iraq.")
    entity(archive, "trump", "Donald Trump", kind="person", aliases=["Trump"], summary="A politician.")
    return archive


def test_first_mention_links_to_the_entity_page_with_a_numbered_side_note(places):
    places.article("a", body="Mosul fell. Later, Mosul was retaken.")
    places.build()
    body = body_of(places)
    link = body.select_one("a.mention")
    assert (link["href"], link.get_text()) == ("/entities/mosul/", "Mosul")
    note = body.find(id=link["aria-describedby"])
    assert note["role"] == "note"
    assert note.select_one(".sidenote-title").get_text() == "Mosul"
    assert note.select_one(".sidenote-kind").get_text() == "Place"
    assert note.select_one(".sidenote-summary").get_text() == "A city in northern Iraq."
    assert note.select_one(".sidenote-marker").get_text() == "1"


def test_later_mentions_are_plain_text(places):
    places.article("a", body="Mosul fell. Later, Mosul was retaken.")
    places.build()
    assert mentioned(body_of(places)) == [("mosul", "Mosul")]
    assert "Later, Mosul was retaken." in body_of(places).get_text()


def test_later_mentions_are_links_when_repeat_links_is_on(places):
    places.write("site.toml", places.root.joinpath("site.toml").read_text() + "[annotations]\nrepeat_links = true\n")
    places.article("a", body="Mosul fell. Later, Mosul was retaken.")
    places.build()
    links = body_of(places).select("a.mention")
    assert [a.get_text() for a in links] == ["Mosul", "Mosul"]
    assert "aria-describedby" in links[0].attrs and "aria-describedby" not in links[1].attrs
    assert len(body_of(places).select(".sidenote")) == 1


@pytest.mark.parametrize("text", ["Mosuls are many.", "AMosul is not a place.", "MosulX", "mosul in lower case", "Mosul_x"])
def test_names_match_only_on_word_boundaries_and_case_sensitively(places, text):
    places.article("a", body=text)
    places.build()
    assert mentioned(body_of(places)) == []


@pytest.mark.parametrize("text", ["Trump's plan.", "Trump’s plan.", "(Trump)", "Trump.", "Trump-era"])
def test_a_name_followed_by_a_possessive_or_punctuation_is_a_mention(places, text):
    places.article("a", body=text)
    places.build()
    assert mentioned(body_of(places)) == [("trump", "Trump")]


def test_unicode_letters_count_as_word_characters(archive):
    entity(archive, "nu", "Ñu")
    archive.article("a", body="Ñuñoa is not Ñu, but Ñu is.")
    archive.build()
    assert mentioned(body_of(archive)) == [("nu", "Ñu")]
    assert body_of(archive).select_one("p").get_text().startswith("Ñuñoa is not Ñu")


def test_the_longest_overlapping_name_wins(archive):
    entity(archive, "asad", "Al Asad")
    entity(archive, "base", "Al Asad Air Base")
    archive.article("a", body="Troops at Al Asad Air Base, near Al Asad.")
    archive.build()
    assert mentioned(body_of(archive)) == [("base", "Al Asad Air Base"), ("asad", "Al Asad")]


def test_a_name_broken_across_lines_is_still_one_mention(archive):
    entity(archive, "base", "Al Asad Air Base")
    archive.article("a", body="Troops at Al Asad\nAir Base train.")
    archive.build()
    assert [(i, " ".join(t.split())) for i, t in mentioned(body_of(archive))] == [("base", "Al Asad Air Base")]


NFC_NAME = unicodedata.normalize("NFC", "Zoë Brontë")
NFD_NAME = unicodedata.normalize("NFD", "Zoë Brontë")


@pytest.mark.parametrize(("name", "written"), [(NFC_NAME, NFD_NAME), (NFD_NAME, NFC_NAME)], ids=["nfd-text", "nfd-name"])
def test_names_match_whatever_the_unicode_normalisation_and_show_the_text_as_written(archive, name, written):
    entity(archive, "zoe", name, kind="person")
    archive.article("a", body=f"Later {written} spoke.")
    archive.build()
    assert mentioned(body_of(archive)) == [("zoe", written)]


@pytest.mark.parametrize(
    "body",
    [
        "`Mosul` in code.",
        "    Mosul in an indented code block.",
        "```\nMosul in a fence\n```",
        "[Mosul](https://example.com/) in a link.",
        "![Mosul](map.png) as an image.",
        "<span>Mosul</span> in raw HTML.",
        "# Mosul in a heading",
        "Mosul\n===",
    ],
)
def test_names_are_not_annotated_outside_running_text(places, body):
    places.article("a", body=body)
    places.build()
    assert mentioned(body_of(places)) == []


def test_names_in_lists_quotes_and_emphasis_are_annotated(archive):
    entity(archive, "a", "Alpha")
    entity(archive, "b", "Beta")
    entity(archive, "c", "Gamma")
    archive.article("x", body="- Alpha here\n\n> Beta said so\n\nThe *Gamma* case.")
    archive.build()
    assert mentioned(body_of(archive, "x")) == [("a", "Alpha"), ("b", "Beta"), ("c", "Gamma")]


def test_a_name_shared_by_two_entities_is_not_annotated_and_is_reported(archive):
    entity(archive, "jones-a", "Rupert Jones", kind="person", aliases=["Jones"])
    entity(archive, "jones-b", "Herbert Jones", kind="person", aliases=["Jones"])
    archive.article("a", body="Jones spoke.")
    result = archive.build()
    assert mentioned(body_of(archive)) == []
    [warning] = [w for w in result.warnings if "'Jones'" in w.message]
    assert warning.path == "content/entities/jones-a.md"
    assert "belongs to 2 entities (content/entities/jones-a.md and content/entities/jones-b.md)" in warning.message


def shared_alias_archive(count: int, aliases: tuple[str, ...]) -> ModelArchive:
    entities = tuple(
        Entity(id=f"e{n:05d}", name=f"Person {n}", kind="person", pos=SourcePos(f"content/entities/e{n:05d}.md", 1), aliases=aliases)
        for n in range(count)
    )
    return ModelArchive(articles=(), entities=entities, terms=(), events=(), static_files=())


def test_a_name_thousands_of_entities_share_is_one_short_warning():
    catalog, warnings = build_catalog(shared_alias_archive(5000, ("the",)), Urls("https://example.org/", "/"))
    [warning] = warnings
    assert warning.path == "content/entities/e00000.md"
    assert "'the' belongs to 5000 entities (content/entities/e00000.md, content/entities/e00001.md," in warning.message
    assert "content/entities/e00009.md and 4990 more)" in warning.message
    assert "e00010.md" not in warning.message
    assert len(warning.message) < 600


def test_each_shared_name_is_one_warning_whatever_the_number_of_entities():
    small = build_catalog(shared_alias_archive(20, ("a", "the")), Urls("https://example.org/", "/"))[1]
    large = build_catalog(shared_alias_archive(4000, ("a", "the")), Urls("https://example.org/", "/"))[1]
    assert [w.message.split(" belongs")[0] for w in large] == ["the name 'a'", "the name 'the'"]
    assert sum(len(w.message) for w in large) < sum(len(w.message) for w in small) + 100


def test_a_name_thousands_of_entities_share_is_annotated_only_by_the_listed_one(archive):
    for n in range(3):
        entity(archive, f"jones-{n}", f"Jones {n}", kind="person", aliases=["Jones"])
    archive.article("a", body="Jones spoke.", entities="[jones-1]")
    archive.build()
    assert mentioned(body_of(archive)) == [("jones-1", "Jones")]


def test_the_article_entities_list_disambiguates_a_shared_name(archive):
    entity(archive, "jones-a", "Rupert Jones", kind="person", aliases=["Jones"])
    entity(archive, "jones-b", "Herbert Jones", kind="person", aliases=["Jones"])
    archive.article("a", body="Jones spoke.", entities="[jones-b]")
    archive.build()
    assert mentioned(body_of(archive)) == [("jones-b", "Jones")]


def test_explicit_references_render_the_name_or_the_given_text(places):
    places.article("a", body="As [[trump]] said, and [[mosul|the city]] too.")
    places.build()
    assert mentioned(body_of(places)) == [("trump", "Donald Trump"), ("mosul", "the city")]


def test_an_explicit_reference_to_an_unknown_entity_is_a_located_error(places):
    places.write("content/articles/a.md", "---\ntitle: A\ndate: 2020-01-01\n---\n\nFirst paragraph.\n\nSecond line\nnames [[nobody]] here.\n")
    with pytest.raises(ContentError) as failure:
        places.build()
    error = failure.value.errors[0]
    assert (error.path, error.line) == ("content/articles/a.md", 9)
    assert "[[nobody]]" in error.message


def test_a_reference_in_an_image_description_is_its_shown_text_in_the_alt_text(places):
    places.article("a", body="![Mosul [[mosul]] Raqqa](a.png) ![From [[mosul|the city]] on](b.png)")
    places.build()
    assert [img["alt"] for img in body_of(places).find_all("img")] == ["Mosul Mosul Raqqa", "From the city on"]


def test_a_reference_in_a_glossary_definition_image_is_its_shown_text_in_the_alt_text(archive):
    archive.write("content/glossary.toml", '[[term]]\nterm = "Peshmerga"\ndefinition = "Kurdish forces. ![A [[mosul]] map](m.png)"\n')
    archive.article("a", body="Text.")
    archive.build()
    assert archive.html("glossary/index.html").select_one("dd img")["alt"] == "A mosul map"


@pytest.mark.parametrize(
    "body, line",
    [("First.\n\n![A map of [[nowhere]]](a.png)", 8), ("First.[^1]\n\n[^1]: As [[nowhere]] said.", 8)],
    ids=["in an image's description", "in a footnote"],
)
def test_a_reference_to_an_unknown_entity_where_it_cannot_link_is_a_located_error(places, body, line):
    places.article("a", body=body)
    with pytest.raises(ContentError) as failure:
        places.build()
    [error] = failure.value.errors
    assert (error.path, error.line) == ("content/articles/a.md", line)
    assert "[[nowhere]] names no entity" in error.message


def test_listed_entities_that_are_never_named_still_appear_for_the_article(places):
    places.article("a", body="Nothing named here.", entities="[mosul]")
    places.build()
    in_article = places.html("articles/a/index.html").select_one(".in-this-article")
    assert [a.get_text() for a in in_article.select("a")] == ["Mosul"]
    page = places.html("entities/mosul/index.html")
    item = page.select_one(".mention-item")
    assert item.select_one("a").get_text() == "An article"
    assert "listed, not named in the text" in item.select_one(".meta").get_text()


def test_in_this_article_groups_entities_by_kind(places):
    places.article("a", body="Trump visited Mosul.")
    places.build()
    section = places.html("articles/a/index.html").select_one(".in-this-article")
    assert [h.get_text() for h in section.find_all("h3")] == ["People", "Places"]


def test_side_note_shows_the_role_held_on_the_article_date(archive):
    roles = (
        "roles:\n"
        "  - title: Deputy commander, US-led coalition\n    from: '2016-08'\n    to: '2017-09'\n"
        "  - title: Commander, field army\n    from: '2019'\n"
    )
    entity(archive, "jones", "Rupert Jones", kind="person", extra=roles)
    archive.article("early", date="2016-11-27", body="Rupert Jones spoke.")
    archive.article("late", date="2020-02-01", body="Rupert Jones spoke.")
    archive.article("between", date="2018-05-01", body="Rupert Jones spoke.")
    archive.build()
    role = lambda slug: body_of(archive, slug).select_one(".sidenote-role")  # noqa: E731
    assert role("early").get_text() == "Deputy commander, US-led coalition (as of 27 November 2016)"
    assert role("late").get_text() == "Commander, field army (as of 1 February 2020)"
    assert role("between") is None


def test_footnotes_become_side_notes_in_the_same_numbering(places):
    places.article("a", body="Mosul fell.[^n] Trump spoke.^[An inline *note*.]\n\n[^n]: The first note.\n")
    places.build()
    body = body_of(places)
    notes = body.select(".sidenote")
    assert [n.select_one(".sidenote-marker").get_text() for n in notes] == ["1", "2", "3", "4"]
    assert notes[1].select_one(".sidenote-footnote").get_text() == "The first note."
    assert notes[3].select_one(".sidenote-footnote em").get_text() == "note"
    assert body.select(".footnotes, hr.footnotes-sep") == []


def test_a_footnotes_reference_to_another_footnote_shows_that_notes_text_in_brackets(places):
    places.article("a", body="Mosul fell.[^n] Later.\n\n[^n]: See the report[^r], and this note[^n].\n\n[^r]: *A report* of 2016.\n")
    places.build()
    body = body_of(places)
    [footnote] = body.select(".sidenote-footnote")
    assert footnote.get_text() == "See the report (A report of 2016.), and this note."
    assert footnote.select_one("em").get_text() == "A report"
    assert footnote.select("sup, a") == []


def footnote_texts(archive) -> list[str]:
    return [note.get_text() for note in body_of(archive).select(".sidenote-footnote")]


def note_warnings(result) -> list[str]:
    return [str(w) for w in result.warnings if "footnote" in w.message]


def test_a_note_quoted_inside_another_shows_the_notes_it_refers_to_in_turn(places):
    places.article("a", body="Mosul fell.[^a]\n\n[^a]: See[^b].\n\n[^b]: the report[^c]\n\n[^c]: of 2016\n")
    result = places.build()
    assert footnote_texts(places) == ["See (the report (of 2016))."]
    assert note_warnings(result) == []


def test_a_note_that_refers_to_itself_is_a_warning_at_its_line(places):
    places.article("a", body="Mosul fell.[^a]\n\n[^a]: See this note[^a].\n")
    result = places.build()
    assert footnote_texts(places) == ["See this note."]
    # The body starts on line 6 of an article written by `Archive.article`.
    assert note_warnings(result) == ["content/articles/a.md:8: warning: footnote [^a] refers to itself: the reference is left out; remove it"]


def test_past_five_notes_referring_to_themselves_one_warning_counts_the_rest(places):
    notes = "".join(f"[^n{i}]: Note {i}[^n{i}].\n\n" for i in range(8))
    places.article("a", body="Mosul fell.[^n0]\n\n" + notes)
    result = places.build()
    warnings = note_warnings(result)
    assert len(warnings) == 6
    # The body starts on line 6; the sixth note is defined on line 18.
    assert warnings[-1] == "content/articles/a.md:18: warning: 3 more footnotes from here on refer to themselves: those references are left out too"


def test_notes_that_refer_to_each_other_quote_each_other_once_and_warn(places):
    places.article("a", body="Mosul fell.[^a]\n\n[^a]: One[^b].\n\n[^b]: two[^a]\n")
    result = places.build()
    assert footnote_texts(places) == ["One (two)."]
    assert note_warnings(result) == [
        "content/articles/a.md:10: warning: footnote [^b] refers to [^a], which it is shown inside: "
        "that reference is left out; refer to each note from the text instead"
    ]


def test_an_inline_note_is_named_by_its_words_in_a_warning_at_the_line_of_its_reference(places):
    places.article("a", body="Mosul fell.[^a]\n\n[^a]: One,\n    and two^[three [^a] and four words more than enough].\n")
    result = places.build()
    assert footnote_texts(places) == ["One,\nand two (three  and four words more than enough)."]
    # The body starts on line 6; the inline note's `^[` is on line 9.
    assert note_warnings(result) == [
        "content/articles/a.md:9: warning: footnote ^[three [^a] and four word…] refers to [^a], which it is shown inside: "
        "that reference is left out; refer to each note from the text instead"
    ]


def test_notes_quoted_inside_notes_cannot_make_a_page_many_times_the_size_of_its_markdown(places):
    leaves = "".join(f"[^l{i}]: " + "leaf words " * 90 + "\n\n" for i in range(60))
    hubs = "".join(f"[^h{i}]: hub " + " ".join(f"[^l{j}]" for j in range(60)) + "\n\n" for i in range(60))
    body = "Mosul fell " + " ".join(f"[^h{i}]" for i in range(60)) + ".\n\n" + leaves + hubs
    places.article("a", body=body)
    result = places.build()
    page = (places.out / "articles/a/index.html").stat().st_size
    assert page < 10 * len(body)  # each hub quoting every leaf would be 60 times the leaves, 3.6 MB
    assert [w for w in note_warnings(result) if "too much text" in w] != []


def test_notes_quoting_each_other_many_times_render_work_in_proportion_to_their_markdown(places, monkeypatch):
    from markdown_it.renderer import RendererHTML

    rendered = []
    render_inline = RendererHTML.renderInline
    monkeypatch.setattr(RendererHTML, "renderInline", lambda self, tokens, *args: rendered.append(len(tokens)) or render_inline(self, tokens, *args))
    # Each quote of [^b] shows nothing (its references all circle back), but renders its 2,000 references again.
    body = "Mosul fell.[^a]\n\n[^a]: " + "[^b]" * 2000 + "\n\n[^b]: " + "[^a]" * 2000 + "\n"
    places.article("a", body=body)
    places.build()
    assert sum(rendered) < 20 * len(body)  # 2,000 quotes of [^b] would render 4 million tokens


def test_side_note_markup_is_accessible_and_valid_inside_paragraphs(places):
    places.article("a", body="Mosul fell.[^n]\n\n[^n]: A note.\n")
    places.build()
    body = body_of(places)
    for paragraph in body.find_all("p"):
        assert paragraph.find(BLOCK_ELEMENTS) is None
    for toggle in body.select("input.sidenote-toggle"):
        label = body.find("label", attrs={"for": toggle["id"]})
        assert label is not None and toggle["type"] == "checkbox"
    for link in body.select("a[aria-describedby]"):
        assert body.find(id=link["aria-describedby"])["role"] == "note"


def text_before_note(link) -> str:
    """The text between a mention and its note's number."""
    toggle = link.find_next("input", class_="sidenote-toggle")
    between = []
    for node in link.next_siblings:
        if node is toggle:
            break
        between.append(node.get_text())
    return "".join(between)


def test_a_note_number_follows_the_possessive_without_a_gap(places):
    places.article("a", body="Mosul’s mayor fled.")
    places.build()
    body = body_of(places)
    link = body.select_one("a.mention")
    assert text_before_note(link) == "’s"
    for note in body.select(".sidenote"):
        note.decompose()
    assert body.p.get_text() == "Mosul’s1 mayor fled."


def test_a_note_number_follows_closing_punctuation_without_a_gap(places):
    places.article("a", body="They reached Mosul. Then “Donald Trump”, and [[mosul]].")
    places.build()
    body = body_of(places)
    mosul, trump = body.select("a.mention")
    assert text_before_note(mosul) == "."
    assert text_before_note(trump) == "”,"
    for note in body.select(".sidenote"):
        note.decompose()
    assert body.p.get_text() == "They reached Mosul.1 Then “Donald Trump”,2 and Mosul."


def test_a_note_number_follows_the_emphasis_its_word_ends_and_the_punctuation_after_it(places):
    places.article("a", body="They reached *Mosul*, then **Donald Trump**.")
    places.build()
    body = body_of(places)
    for toggle in body.select(".sidenote-toggle"):
        assert toggle.parent is body.p, "the note is outside the emphasis"
    for note in body.select(".sidenote"):
        note.decompose()
    assert body.p.get_text() == "They reached Mosul,1 then Donald Trump.2"


def test_a_note_number_stays_before_a_dash(places):
    places.article("a", body="Mosul—a city.")
    places.build()
    assert text_before_note(body_of(places).select_one("a.mention")) == ""


def test_side_notes_are_repeated_as_numbered_notes_after_the_text_for_print(places):
    places.article("a", body="Mosul fell.[^n]\n\n[^n]: The first note.\n")
    places.build()
    page = places.html("articles/a/index.html")
    endnotes = page.select_one(".article-body + .endnotes")
    assert [li["value"] for li in endnotes.select("ol > li")] == ["1", "2"]
    assert endnotes.select("ol > li")[0].select_one(".sidenote-title").get_text() == "Mosul"
    assert endnotes.select("ol > li")[1].get_text() == "The first note."
    assert endnotes.has_attr("data-pagefind-ignore")


def test_an_entity_note_links_to_the_entity_page(places):
    places.article("a", body="Mosul fell.")
    places.build()
    note = body_of(places).select_one(".sidenote")
    assert note.select_one("a.sidenote-link")["href"] == "/entities/mosul/"


def test_entity_page_lists_articles_with_snippet_and_count(places):
    places.article("a", title="First", date="2020-01-01", body="Before it. Troops entered Mosul today. Mosul again.")
    places.article("b", title="Second", date="2021-01-01", body="Mosul once.")
    places.build()
    page = places.html("entities/mosul/index.html")
    items = page.select(".mention-item")
    assert [i.select_one("h3").get_text() for i in items] == ["Second", "First"]
    assert "2 mentions" in items[1].select_one(".meta").get_text()
    snippet = items[1].select_one(".snippet")
    assert snippet.get_text() == "Troops entered Mosul today."
    assert snippet.find("mark").get_text() == "Mosul"


def test_entity_page_shows_facts_description_and_links(archive):
    entity(
        archive,
        "jones",
        "Rupert Jones",
        kind="person",
        aliases=["Maj Gen Jones"],
        summary="An officer.",
        extra="links:\n  Wikipedia: https://en.wikipedia.org/wiki/X\nroles:\n  - title: Deputy\n    from: '2016'\n    to: '2017'\n",
        body="Rupert Jones served near [[mosul]].",
    )
    entity(archive, "mosul", "Mosul")
    archive.build()
    page = archive.html("entities/jones/index.html")
    assert page.find("h1").get_text() == "Rupert Jones"
    facts = {dt.get_text(): dd.get_text(" ", strip=True) for dt, dd in zip(page.select(".facts dt"), page.select(".facts dd"))}
    assert facts["Also known as"] == "Maj Gen Jones"
    assert facts["Roles"] == "Deputy (2016 – 2017)"
    assert page.select_one(".external-links a")["href"] == "https://en.wikipedia.org/wiki/X"
    description = page.select_one(".description")
    assert mentioned(description) == [("mosul", "Mosul")], "the description is annotated, but never links to itself"


def test_raw_html_in_an_entity_description_is_shown_as_text(archive):
    raw = '<img src=x onerror=alert(1)> <iframe srcdoc="x"></iframe>'
    entity(archive, "jones", "Rupert Jones", kind="person", body=f"He served in Iraq. {raw}")
    archive.build()
    description = archive.html("entities/jones/index.html").select_one(".description")
    assert description.find("img") is None and description.find("iframe") is None
    assert description.get_text().strip() == f"He served in Iraq. {raw}"


def test_raw_html_in_an_article_body_is_kept(places):
    places.article("a", body='Mosul <span class="aside">at dusk</span>.\n\n<figure class="map"><img src="map.png" alt="Map"></figure>')
    places.build()
    body = body_of(places)
    assert body.select_one("span.aside").get_text() == "at dusk"
    assert body.select_one("figure.map img")["src"] == "map.png"


def test_often_mentioned_with_counts_shared_articles(places):
    entity(places, "raqqa", "Raqqa")
    places.article("a", body="Mosul and Raqqa.")
    places.article("b", body="Mosul and Raqqa and Trump.")
    places.build()
    page = places.html("entities/mosul/index.html")
    chips = [(a.get_text(), a.find_next_sibling("span").get_text()) for a in page.select("#mentioned-with ~ ul a")]
    assert chips == [("Raqqa", "×2"), ("Donald Trump", "×1")]


def test_long_mention_lists_are_paginated(places):
    for number in range(105):
        places.article(f"a{number:03d}", title=f"A{number:03d}", body="Mosul.")
    places.build()
    first = places.html("entities/mosul/index.html")
    second = places.html("entities/mosul/page/2/index.html")
    assert len(first.select(".mention-item")) == 100 and len(second.select(".mention-item")) == 5
    assert first.select_one('.pagination a[rel="next"]')["href"] == "/entities/mosul/page/2/"
    assert second.select_one('.pagination a[rel="prev"]')["href"] == "/entities/mosul/"


def test_entity_index_groups_by_kind_with_counts(places):
    places.article("a", body="Mosul.")
    places.build()
    page = places.html("entities/index.html")
    assert [h.contents[0].strip() for h in page.select("main h2")] == ["Person", "Place"]
    mosul = page.find("a", string="Mosul")
    assert mosul.find_next_sibling("span").get_text() == "1 article"


def test_linked_data_for_entities_and_articles(archive):
    entity(archive, "jones", "Rupert Jones", kind="person", extra="links:\n  Wikipedia: https://en.wikipedia.org/wiki/X\n")
    archive.article("a", body="Rupert Jones spoke.")
    archive.build()
    person = json.loads(archive.html("entities/jones/index.html").find("script", type="application/ld+json").string)
    assert (person["@type"], person["name"], person["sameAs"]) == ("Person", "Rupert Jones", ["https://en.wikipedia.org/wiki/X"])
    news = json.loads(archive.html("articles/a/index.html").find("script", type="application/ld+json").string)
    assert news["@type"] == "NewsArticle"
    assert news["mentions"] == [{"@type": "Person", "name": "Rupert Jones", "url": "https://example.org/entities/jones/"}]


def test_pages_carry_hover_card_data_for_their_entity_links(places):
    places.article("a", body="Mosul.")
    places.build()
    page = places.html("articles/a/index.html")
    cards = json.loads(page.find("script", id="sitegen_entity_cards").string)
    assert cards["mosul"] == {"kind": "Place", "name": "Mosul", "summary": "A city in northern Iraq.", "url": "/entities/mosul/"}
    linked = {a["data-entity"] for a in page.select("a[data-entity]")}
    assert linked <= set(cards)


def test_summaries_with_markup_are_escaped_in_notes_and_card_data(archive):
    entity(archive, "x", "Xeno", summary="<img src=x onerror=alert(1)></script><script>alert(2)</script>")
    archive.article("a", body="Xeno.")
    archive.build()
    page = archive.html("articles/a/index.html")
    assert page.find("img") is None
    assert [s.get("src") for s in page.find_all("script") if not s.get("type")] == ["/assets/sitegen.js", "/assets/notes.js"]
    cards = json.loads(page.find("script", id="sitegen_entity_cards").string)
    assert cards["x"]["summary"].startswith("<img")


def test_a_name_does_not_match_inside_a_word_spelled_with_combining_marks(archive):
    entity(archive, "zoe", "Zoe")
    archive.article("a", body="Zoe\u0308 is another name; Zoe is this one.")
    archive.build()
    assert len(mentioned(body_of(archive))) == 1
    assert body_of(archive).select_one("a.mention").previous_sibling.endswith("another name; ")
