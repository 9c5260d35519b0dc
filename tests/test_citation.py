"""Cite this article: the citation tags in an article's head, the "Cite this article" block,
the access-date rule, and the BibTeX and CSL-JSON files beside each article.

CSL-JSON is checked against a schema of CSL-JSON items written from the CSL 1.0.2
specification (tests/csl_schema.py), stricter than the specification in refusing
variables it does not name; BibTeX is read back with bibtexparser,
its LaTeX decoded with pylatexenc (which bibtexparser uses).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import subprocess

import bibtexparser
import jsonschema
import pytest
from bibtexparser.middlewares import SeparateCoAuthors
from browser import chromium, serve
from conftest import DEFAULT_SITE_TOML, Archive
from csl_schema import CSL_DATA_SCHEMA
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from sitegen.model.errors import ContentError, UsageError
from sitegen.pipeline.citation import indented_json
from test_quality import vnu_jar

CSL_SCHEMA = CSL_DATA_SCHEMA
ARTICLE = "articles/a-war-report/"
ARCHIVE_URL = "https://example.org/" + ARTICLE
EPOCH_2026_11_29 = "1795910400"  # 2026-11-29T00:00:00Z


def cited(archive: Archive, **fields) -> Archive:
    """`archive` with one article, slug a-war-report, by two authors; `fields` replace its
    front matter's (None leaves one out). Values are written as JSON, which YAML reads as is."""
    front = {
        "title": "A war report",
        "date": "2016-12-11",
        "slug": "a-war-report",
        "authors": ["Martin Chulov", "Ursula von der Leyen"],
        "source": "The Guardian",
        "url": "https://www.theguardian.com/world/2016/dec/11/a-war-report",
    } | fields
    lines = [f"{key}: {json.dumps(value)}" for key, value in front.items() if value is not None]
    archive.write("content/articles/report.md", "\n".join(["---", *lines, "---", "", "Some text.", ""]))
    return archive


def meta(soup, name: str) -> list[str]:
    return [tag["content"] for tag in soup.find_all("meta", attrs={"name": name})]


def cite_block(soup):
    heading = soup.find(id="cite-this-article")
    assert heading is not None and heading.get_text() == "Cite this article"
    return heading.find_parent("section")


def reference(soup) -> str:
    return " ".join(cite_block(soup).find(class_="cite-reference").get_text().split())


def latex_decoder() -> LatexNodes2Text:
    """pylatexenc's LaTeX to text, knowing the text-mode symbols sitegen writes for braces and ^."""
    context = get_default_latex_context_db()
    symbols = [MacroTextSpec("textbraceleft", "{"), MacroTextSpec("textbraceright", "}"), MacroTextSpec("textasciicircum", "^")]
    context.add_context_category("text-symbols", prepend=True, macros=symbols)
    return LatexNodes2Text(latex_context=context)


def bibtex_entries(archive: Archive) -> list:
    """The entries of the article's cite.bib, fields raw (author split into names); no block may fail."""
    library = bibtexparser.parse_string((archive.out / ARTICLE / "cite.bib").read_text(encoding="utf-8"), append_middleware=[SeparateCoAuthors()])
    assert library.failed_blocks == []
    return library.entries


def bibtex_fields(archive: Archive) -> dict:
    [entry] = bibtex_entries(archive)
    return {field.key: field.value for field in entry.fields} | {"ENTRYTYPE": entry.entry_type, "ID": entry.key}


def csl_items(archive: Archive) -> list[dict]:
    return json.loads((archive.out / ARTICLE / "cite.json").read_text(encoding="utf-8"))


@pytest.fixture
def no_epoch(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


# --- <meta> tags -------------------------------------------------------------------------------


def test_head_carries_the_citation_tags_reference_managers_read(archive, no_epoch):
    cited(archive).build()
    soup = archive.html(ARTICLE + "index.html")
    assert meta(soup, "citation_title") == ["A war report"]
    assert meta(soup, "citation_author") == ["Martin Chulov", "Ursula von der Leyen"]
    assert meta(soup, "citation_publication_date") == ["2016/12/11"]
    assert meta(soup, "citation_journal_title") == ["The Guardian"]
    assert meta(soup, "citation_publisher") == ["The Guardian"]
    assert meta(soup, "citation_public_url") == [ARCHIVE_URL]


def test_head_carries_dublin_core_with_the_original_as_its_source(archive, no_epoch):
    cited(archive).build()
    soup = archive.html(ARTICLE + "index.html")
    assert meta(soup, "DC.title") == ["A war report"]
    assert meta(soup, "DC.creator") == ["Martin Chulov", "Ursula von der Leyen"]
    assert meta(soup, "DC.date") == ["2016-12-11"]
    assert meta(soup, "DC.publisher") == ["The Guardian"]
    assert meta(soup, "DC.source") == ["https://www.theguardian.com/world/2016/dec/11/a-war-report"]
    assert meta(soup, "DC.identifier") == [ARCHIVE_URL]


def test_an_article_without_authors_source_or_original_leaves_those_tags_out(archive, no_epoch):
    cited(archive, authors=None, source=None, url=None).build()
    soup = archive.html(ARTICLE + "index.html")
    assert meta(soup, "citation_title") == ["A war report"]
    for name in ("citation_author", "citation_journal_title", "citation_publisher", "DC.creator", "DC.publisher", "DC.source"):
        assert meta(soup, name) == [], name


def test_meta_tag_values_are_escaped(archive, no_epoch):
    title = 'Quotes " and <script>alert(1)</script>'
    cited(archive, title=title).build()
    soup = archive.html(ARTICLE + "index.html")
    assert meta(soup, "citation_title") == [title]
    assert soup.find("script", string="alert(1)") is None


def test_pages_other_than_articles_carry_no_citation_tags(archive, no_epoch):
    cited(archive).build()
    assert meta(archive.html("index.html"), "citation_title") == []


# --- the "Cite this article" block -------------------------------------------------------------


def test_block_gives_the_reference_with_original_and_archived_copy(archive, no_epoch):
    cited(archive).build()
    assert reference(archive.html(ARTICLE + "index.html")) == (
        "Martin Chulov and Ursula von der Leyen. “A war report.” The Guardian, 11 December 2016. "
        f"https://www.theguardian.com/world/2016/dec/11/a-war-report. Archived at {ARCHIVE_URL}."
    )


def test_block_links_the_original_and_the_archived_copy(archive, no_epoch):
    cited(archive).build()
    block = cite_block(archive.html(ARTICLE + "index.html"))
    assert block.find("a", class_="cite-original")["href"] == "https://www.theguardian.com/world/2016/dec/11/a-war-report"
    assert block.find("a", class_="cite-archive")["href"] == ARCHIVE_URL


def test_right_to_left_authors_title_and_source_are_each_isolated_in_the_reference(archive, no_epoch):
    cited(archive, authors=["محمد علي"], title="معركة الموصل", source="الجزيرة").build()
    block = cite_block(archive.html(ARTICLE + "index.html")).find(class_="cite-reference")
    assert [bdi.get_text() for bdi in block.find_all("bdi")] == ["محمد علي", "معركة الموصل", "الجزيرة"]


def test_a_title_with_its_own_stop_gets_no_second_one(archive, no_epoch):
    cited(archive, title="Who won?", authors=None, source=None, url=None).build()
    assert reference(archive.html(ARTICLE + "index.html")) == f"“Who won?” 11 December 2016. Archived at {ARCHIVE_URL}."


def test_block_links_the_bibtex_and_csl_json_files_it_offers(archive, no_epoch):
    cited(archive).build()
    links = {a.get_text(): a for a in cite_block(archive.html(ARTICLE + "index.html")).find_all("a", download=True)}
    assert sorted(links) == ["BibTeX", "CSL-JSON"]
    assert links["BibTeX"]["href"] == "/" + ARTICLE + "cite.bib"
    assert links["CSL-JSON"]["href"] == "/" + ARTICLE + "cite.json"
    assert (archive.out / ARTICLE / "cite.bib").is_file() and (archive.out / ARTICLE / "cite.json").is_file()


def test_block_comes_after_the_article_body_and_is_kept_out_of_search(archive, no_epoch):
    cited(archive).build()
    soup = archive.html(ARTICLE + "index.html")
    block = cite_block(soup)
    assert block.has_attr("data-pagefind-ignore")
    assert block.find_parent("article") is not None
    assert soup.find(class_="article-body") in block.find_all_previous(class_="article-body")


# --- the access date ---------------------------------------------------------------------------


def test_without_source_date_epoch_or_setting_there_is_no_access_date(archive, no_epoch):
    cited(archive).build()
    assert cite_block(archive.html(ARTICLE + "index.html")).find(class_="cite-accessed") is None
    assert "Accessed" not in reference(archive.html(ARTICLE + "index.html"))
    assert "urldate" not in bibtex_fields(archive)
    assert "accessed" not in csl_items(archive)[0]


def test_source_date_epoch_gives_its_day_as_the_access_date(archive, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH_2026_11_29)
    cited(archive).build()
    accessed = cite_block(archive.html(ARTICLE + "index.html")).find("time", class_="cite-accessed")
    assert (accessed["datetime"], accessed.get_text()) == ("2026-11-29", "29 November 2026")
    assert reference(archive.html(ARTICLE + "index.html")).endswith("Accessed 29 November 2026.")
    assert bibtex_fields(archive)["urldate"] == "2026-11-29"
    assert csl_items(archive)[0]["accessed"] == {"date-parts": [[2026, 11, 29]]}


def test_a_day_in_the_settings_is_the_access_date(tmp_path, no_epoch):
    archive = cited(Archive.create(tmp_path / "site", DEFAULT_SITE_TOML.replace("[site]\n", '[site]\ncitation_access_date = "2025-03-04"\n')))
    archive.build()
    assert cite_block(archive.html(ARTICLE + "index.html")).find("time", class_="cite-accessed")["datetime"] == "2025-03-04"


def test_a_day_written_as_a_toml_date_is_the_access_date(tmp_path, no_epoch):
    archive = cited(Archive.create(tmp_path / "site", DEFAULT_SITE_TOML.replace("[site]\n", "[site]\ncitation_access_date = 2025-03-04\n")))
    archive.build()
    assert cite_block(archive.html(ARTICLE + "index.html")).find("time", class_="cite-accessed")["datetime"] == "2025-03-04"


def test_build_in_the_settings_takes_the_days_date_without_source_date_epoch(tmp_path, no_epoch):
    archive = cited(Archive.create(tmp_path / "site", DEFAULT_SITE_TOML.replace("[site]\n", '[site]\ncitation_access_date = "build"\n')))
    before = dt.datetime.now(dt.timezone.utc).date()
    archive.build()
    after = dt.datetime.now(dt.timezone.utc).date()
    accessed = cite_block(archive.html(ARTICLE + "index.html")).find("time", class_="cite-accessed")["datetime"]
    assert accessed in (before.isoformat(), after.isoformat())


def test_none_in_the_settings_gives_no_access_date_even_with_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH_2026_11_29)
    archive = cited(Archive.create(tmp_path / "site", DEFAULT_SITE_TOML.replace("[site]\n", '[site]\ncitation_access_date = "none"\n')))
    archive.build()
    assert cite_block(archive.html(ARTICLE + "index.html")).find(class_="cite-accessed") is None
    assert "urldate" not in bibtex_fields(archive)


def test_a_new_source_date_epoch_rebuilds_with_its_day(archive, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH_2026_11_29)
    cited(archive).build()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(EPOCH_2026_11_29) + 86400))
    archive.build()  # the cache knows every source: only the environment changed
    assert cite_block(archive.html(ARTICLE + "index.html")).find("time", class_="cite-accessed")["datetime"] == "2026-11-30"
    assert bibtex_fields(archive)["urldate"] == "2026-11-30"


def test_an_access_date_setting_that_is_no_day_is_reported_at_its_line(tmp_path, no_epoch):
    archive = cited(Archive.create(tmp_path / "site", DEFAULT_SITE_TOML.replace("[site]\n", '[site]\ncitation_access_date = "yesterday"\n')))
    with pytest.raises(ContentError) as raised:
        archive.build()
    [problem] = raised.value.errors
    assert (problem.path, problem.line) == ("site.toml", 2)
    assert "citation_access_date" in problem.message and '"build"' in problem.message


def test_a_source_date_epoch_that_is_no_time_is_a_usage_error(archive, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "tomorrow")
    with pytest.raises(UsageError, match="SOURCE_DATE_EPOCH 'tomorrow'"):
        cited(archive).build()


@pytest.mark.parametrize("setting", ["none", "2025-03-04"])
def test_a_source_date_epoch_that_is_no_time_is_a_usage_error_whatever_the_access_date_setting(tmp_path, monkeypatch, setting):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "tomorrow")
    archive = cited(Archive.create(tmp_path / "site", DEFAULT_SITE_TOML.replace("[site]\n", f'[site]\ncitation_access_date = "{setting}"\n')))
    archive.write("content/entities/nobody.md", "---\nname: Nobody\nkind: person\n---\n")  # its feed, of no article, is dated by the epoch
    with pytest.raises(UsageError, match="SOURCE_DATE_EPOCH 'tomorrow'"):
        archive.build()


# --- BibTeX ------------------------------------------------------------------------------------


def test_bibtex_reads_back_as_one_article_with_every_field(archive, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH_2026_11_29)
    cited(archive).build()
    fields = bibtex_fields(archive)
    assert (fields["ENTRYTYPE"], fields["ID"]) == ("article", "a-war-report")
    assert fields["author"] == ["Martin Chulov", "Ursula von der Leyen"]
    assert latex_decoder().latex_to_text(fields["title"]) == "A war report"
    assert fields["journal"] == "The Guardian"
    assert (fields["date"], fields["year"], fields["month"]) == ("2016-12-11", "2016", "dec")
    assert fields["url"] == "https://www.theguardian.com/world/2016/dec/11/a-war-report"
    assert fields["urldate"] == "2026-11-29"
    assert latex_decoder().latex_to_text(fields["note"]) == f"Archived copy: {ARCHIVE_URL}"


def test_bibtex_of_an_article_without_source_or_original_is_online_at_the_archived_copy(archive, no_epoch):
    cited(archive, source=None, url=None).build()
    fields = bibtex_fields(archive)
    assert fields["ENTRYTYPE"] == "online"
    assert "journal" not in fields
    assert fields["url"] == ARCHIVE_URL


def test_bibtex_title_cannot_end_its_field_or_start_an_entry(archive, no_epoch):
    title = "Pwned} , note = {x}}\n@misc{evil, title = {y}"
    cited(archive, title=title).build()
    [entry] = bibtex_entries(archive)
    assert entry.key == "a-war-report"
    assert sorted(field.key for field in entry.fields) == ["author", "date", "journal", "month", "note", "title", "url", "year"]
    assert latex_decoder().latex_to_text(entry.fields_dict["title"].value) == "Pwned} , note = {x}} @misc{evil, title = {y}"


def test_bibtex_braces_balance_as_bibtex_counts_them(archive, no_epoch):
    """BibTeX counts every brace, one after a backslash too: `\\}` would end the field."""
    cited(archive, title="a } b { c \\} d", authors=["Jane {Doe"], source="Source }").build()
    for value in bibtex_fields(archive).values():
        for text in value if isinstance(value, list) else [value]:
            depths = list(itertools.accumulate({"{": 1, "}": -1}.get(char, 0) for char in text))
            assert min(depths, default=0) >= 0 and depths[-1:] in ([], [0]), text


def test_bibtex_escapes_every_special_character_of_latex(archive, no_epoch):
    title = r"100% of A&B #1 my_var $5 ~tilde ^caret \back {brace}"
    cited(archive, title=title).build()
    raw = bibtex_fields(archive)["title"]
    assert raw == (
        r"{100\% of A\&B \#1 my\_var \$5 \textasciitilde{}tilde \textasciicircum{}caret \textbackslash{}back "
        r"\textbraceleft{}brace\textbraceright{}}"
    )
    assert latex_decoder().latex_to_text(raw) == title


def test_bibtex_keeps_an_author_with_and_in_the_name_whole(archive, no_epoch):
    cited(archive, authors=["Guardian staff and agencies", "Jane Doe"]).build()
    assert bibtex_fields(archive)["author"] == ["{Guardian staff and agencies}", "Jane Doe"]


@pytest.mark.parametrize("name", ["Smith and", "and Sons", "and"])
def test_bibtex_keeps_an_author_starting_or_ending_with_the_word_and_whole(archive, no_epoch, name):
    cited(archive, authors=["Jane Doe", name, "John Roe"]).build()
    assert bibtex_fields(archive)["author"] == ["Jane Doe", "{" + name + "}", "John Roe"]


def test_bibtex_url_is_verbatim_but_cannot_break_out(archive, no_epoch):
    cited(archive, url="https://example.com/a_b%20c}{d").build()
    assert bibtex_fields(archive)["url"] == "https://example.com/a_b%20c%7D%7Bd"


# --- CSL-JSON ----------------------------------------------------------------------------------


def test_csl_json_is_valid_against_the_csl_data_schema(archive, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH_2026_11_29)
    cited(archive).build()
    jsonschema.Draft7Validator(CSL_SCHEMA).validate(csl_items(archive))


def test_the_csl_schema_refuses_a_misspelt_variable_and_a_name_without_parts():
    good = {"type": "article-newspaper", "id": "a", "container-title": "The Source"}
    jsonschema.Draft7Validator(CSL_SCHEMA).validate([good])
    for bad in ({**good, "container_title": "x"}, {**good, "author": [{"given": "Ann"}]}, {**good, "type": "newspaper"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.Draft7Validator(CSL_SCHEMA).validate([bad])


def test_csl_json_without_optional_fields_is_valid_too(archive, no_epoch):
    cited(archive, authors=None, source=None, url=None).build()
    jsonschema.Draft7Validator(CSL_SCHEMA).validate(csl_items(archive))


def test_csl_json_is_one_newspaper_article_with_every_field(archive, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH_2026_11_29)
    cited(archive).build()
    [item] = csl_items(archive)
    assert item == {
        "id": "a-war-report",
        "type": "article-newspaper",
        "title": "A war report",
        "author": [{"family": "Chulov", "given": "Martin"}, {"family": "von der Leyen", "given": "Ursula"}],
        "issued": {"date-parts": [[2016, 12, 11]]},
        "container-title": "The Guardian",
        "URL": "https://www.theguardian.com/world/2016/dec/11/a-war-report",
        "archive": "Test Archive",
        "archive_location": ARCHIVE_URL,
        "language": "en",
        "accessed": {"date-parts": [[2026, 11, 29]]},
    }


@pytest.mark.parametrize(
    "value",
    [
        [{"id": "a", "author": [{"family": "Dé", "given": 'J "q" \\ \n\t\x01 \ud800'}], "issued": {"date-parts": [[2020, 1, 2]]}}],
        [{"empty": [], "none": {}, "flags": [None, True, False, 2.5, -3, 10**20]}],
        [], {}, "text", 7, [[[]]],
    ],
)
def test_csl_json_is_indented_as_json_indents(value):
    assert indented_json(value) == json.dumps(value, ensure_ascii=False, indent=2)


def test_csl_json_names_follow_how_they_are_written(archive, no_epoch):
    cited(archive, authors=["Reuters", "Chulov, Martin", "Guardian staff and agencies"]).build()
    assert csl_items(archive)[0]["author"] == [
        {"literal": "Reuters"},
        {"family": "Chulov", "given": "Martin"},
        {"literal": "Guardian staff and agencies"},
    ]


# --- valid HTML --------------------------------------------------------------------------------


def test_citation_tags_and_block_are_valid_html(archive, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH_2026_11_29)
    cited(archive).build()
    run = subprocess.run(
        ["java", "-jar", str(vnu_jar()), "--errors-only", "--format", "json", str(archive.out / ARTICLE / "index.html")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    report = json.loads(run.stderr.strip() or run.stdout.strip())
    assert [m["message"] for m in report["messages"]] == []


# --- the Copy button ---------------------------------------------------------------------------


def test_copy_button_puts_the_reference_on_the_clipboard(archive, no_epoch):
    cited(archive).build()
    expected = reference(archive.html(ARTICLE + "index.html"))
    with serve(archive.out) as base, chromium() as browser:
        context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
        page = context.new_page()
        page.goto(base + ARTICLE)
        page.get_by_role("button", name="Copy reference").click()
        # The clipboard answers asynchronously: the status says how once it has.
        page.wait_for_function("document.querySelector('.cite-copy-status').textContent !== ''")
        assert page.get_by_role("status").inner_text() == "Copied"
        assert page.evaluate("navigator.clipboard.readText()") == expected
        context.close()


def test_without_javascript_there_is_no_copy_button(archive, no_epoch):
    cited(archive).build()
    assert cite_block(archive.html(ARTICLE + "index.html")).find("button") is None
