"""The timeline as pages: one per busy year, quiet years gathered by decade,
an index of the pages with their event counts, the navigation between them,
the links other pages make to events, and what a running builder renders
again when an event changes. Every test builds a small archive in tmp_path
and reads the output as parsed HTML."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest

from sitegen.engine.builder import Builder, BuildOptions


def timeline(archive, *tables: str) -> None:
    """`content/timeline.toml` with one [[event]] table per argument; no article publications."""
    archive.write("content/timeline.toml", "\n".join(f"[[event]]\n{table.strip()}\n" for table in tables))
    archive.write("site.toml", archive.root.joinpath("site.toml").read_text() + "\n[timeline]\narticles = false\n")


def events_in(year: int, count: int, prefix: str = "E") -> list[str]:
    return [f'date = "{year}-03-{day:02d}"\ntitle = "{prefix}{year}-{day}"' for day in range(1, count + 1)]


def page_titles(archive, path: str) -> list[str]:
    return [h.get_text() for h in archive.html(path).select("ol.timeline > li.event .event-title")]


def index_entries(archive) -> list[tuple[str, str, str]]:
    """(label, href, count) of each page the index lists."""
    return [
        (li.find("a").get_text(), li.find("a")["href"], li.select_one(".period-count").get_text())
        for li in archive.html("timeline/index.html").select(".timeline-index li")
    ]


def timeline_pages_written(archive) -> list[str]:
    return sorted(p.parent.name for p in archive.out.glob("timeline/*/index.html"))


# --- which pages ---------------------------------------------------------------------------------


def test_a_year_with_five_events_has_a_page_of_its_own(archive):
    timeline(archive, *events_in(2016, 5))
    archive.build()
    assert timeline_pages_written(archive) == ["2016"]
    assert page_titles(archive, "timeline/2016/index.html") == [f"E2016-{day}" for day in range(1, 6)]
    assert archive.html("timeline/2016/index.html").find("h1").get_text() == "Timeline: 2016"


def test_the_quiet_years_of_a_decade_without_a_busy_year_share_a_page_named_for_the_decade(archive):
    timeline(archive, *events_in(1991, 2), *events_in(1994, 4))
    archive.build()
    assert timeline_pages_written(archive) == ["1990s"]
    page = archive.html("timeline/1990s/index.html")
    assert page.find("h1").get_text() == "Timeline: 1990s"
    assert [s.find("h2").get_text() for s in page.select("section.timeline-year")] == ["1991", "1994"]


def test_quiet_years_between_busy_ones_share_a_page_named_for_their_first_and_last_year(archive):
    timeline(archive, *events_in(2014, 1), *events_in(2015, 2), *events_in(2016, 5), *events_in(2017, 1), *events_in(2019, 1))
    archive.build()
    assert timeline_pages_written(archive) == ["2014-2015", "2016", "2017-2019"]
    assert page_titles(archive, "timeline/2014-2015/index.html") == ["E2014-1", "E2015-1", "E2015-2"]
    assert archive.html("timeline/2017-2019/index.html").find("h1").get_text() == "Timeline: 2017–2019"


def test_a_lone_quiet_year_beside_a_busy_one_is_a_page_named_for_it(archive):
    timeline(archive, *events_in(2015, 1), *events_in(2016, 6))
    archive.build()
    assert timeline_pages_written(archive) == ["2015", "2016"]


def test_quiet_years_of_two_decades_are_never_on_one_page(archive):
    timeline(archive, *events_in(2008, 1), *events_in(2011, 1), *events_in(2016, 5))
    archive.build()
    assert timeline_pages_written(archive) == ["2000s", "2011", "2016"]


# --- the index -----------------------------------------------------------------------------------


def test_the_index_lists_every_page_with_its_link_and_event_count_in_order(archive):
    timeline(archive, *events_in(2016, 5), *events_in(2014, 1), *events_in(1994, 2))
    archive.build()
    assert index_entries(archive) == [
        ("1990s", "/timeline/1990s/", "2 events"),
        ("2014", "/timeline/2014/", "1 event"),
        ("2016", "/timeline/2016/", "5 events"),
    ]
    summary = archive.html("timeline/index.html").select_one(".timeline-summary").get_text()
    assert summary == "8 events, from 1994 to 2016, on 3 pages."


def test_the_index_of_a_one_year_timeline_says_which_year(archive):
    timeline(archive, *events_in(2016, 2))
    archive.build()
    assert archive.html("timeline/index.html").select_one(".timeline-summary").get_text() == "2 events, in 2016."


def test_the_index_tells_the_years_of_each_page_so_old_event_links_can_be_sent_on(archive):
    timeline(archive, *events_in(2016, 5), *events_in(2014, 1), *events_in(1994, 2), *events_in(1997, 1))
    archive.build()
    entries = archive.html("timeline/index.html").select(".timeline-index li")
    assert [li["data-years"] for li in entries] == ["1994 1997", "2014", "2016"]


def test_the_index_shows_no_events_itself(archive):
    timeline(archive, *events_in(2016, 5))
    archive.build()
    assert archive.html("timeline/index.html").select("li.event") == []


def test_an_archive_without_events_has_an_index_saying_so_and_no_other_timeline_page(archive):
    archive.build()
    assert "No events yet" in archive.html("timeline/index.html").find("main").get_text()
    assert timeline_pages_written(archive) == []
    assert not (archive.out / "timeline/events.json").exists()


# --- navigation ----------------------------------------------------------------------------------


@pytest.fixture
def three_pages(archive):
    timeline(archive, *events_in(2014, 1), *events_in(2016, 5), *events_in(2017, 1), *events_in(2019, 1))
    archive.build()
    return archive


@pytest.mark.parametrize("current", ["2014", "2016", "2017-2019"])
def test_every_page_lists_all_pages_and_marks_its_own(three_pages, current):
    nav = three_pages.html(f"timeline/{current}/index.html").select_one('nav[aria-label="Timeline pages"]')
    links = nav.select("a")
    assert [(a.get_text(), a["href"]) for a in links] == [
        ("2014", "/timeline/2014/"),
        ("2016", "/timeline/2016/"),
        ("2017–2019", "/timeline/2017-2019/"),
    ]
    assert [a["href"] for a in links if a.get("aria-current") == "page"] == [f"/timeline/{current}/"]


@pytest.mark.parametrize(
    ("current", "previous", "following"),
    [("2014", None, ("2016 →", "/timeline/2016/")), ("2016", ("← 2014", "/timeline/2014/"), ("2017–2019 →", "/timeline/2017-2019/")),
     ("2017-2019", ("← 2016", "/timeline/2016/"), None)],
)  # fmt: skip
def test_each_page_links_the_pages_before_and_after_it(three_pages, current, previous, following):
    pager = three_pages.html(f"timeline/{current}/index.html").select_one("nav.timeline-pager")
    found = {a["rel"][0]: (a.get_text(), a["href"]) for a in pager.select("a")}
    assert found.get("prev") == previous and found.get("next") == following


def test_a_single_page_has_no_pager(archive):
    timeline(archive, *events_in(2016, 2))
    archive.build()
    assert archive.html("timeline/2010s/index.html").select_one("nav.timeline-pager") is None


def test_the_sitemap_lists_the_index_and_every_page(three_pages):
    root = ElementTree.parse(three_pages.out / "sitemap.xml").getroot()
    locations = {loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    expected = {"", "2014/", "2016/", "2017-2019/"}
    assert {f"https://example.org/timeline/{path}" for path in expected} <= locations


# --- links to events from other pages ------------------------------------------------------------


def resolve(archive, href: str):
    """The element a root-relative `page/#anchor` link lands on."""
    path, anchor = href.split("#")
    return archive.html(path.removeprefix("/") + "index.html").find(id=anchor)


def test_an_article_links_each_of_its_events_to_its_entry_on_the_right_page(archive):
    archive.article("a", title="Report", date="2016-11-27", events='[{date: "2016-10-17", title: "Offensive starts"}]')
    timeline(archive, *events_in(2016, 5), 'date = 2014\ntitle = "Earlier"\narticles = ["a"]')
    archive.build()
    links = archive.html("articles/a/index.html").select(".article-events a")
    assert [a.get_text() for a in links] == ["Earlier", "Offensive starts"]
    assert [a["href"].split("#")[0] for a in links] == ["/timeline/2014/", "/timeline/2016/"]
    for link in links:
        target = resolve(archive, link["href"])
        assert target.name == "li" and target.select_one(".event-title").get_text() == link.get_text()


def test_an_entity_links_each_of_its_events_to_its_entry_on_the_right_page(archive):
    archive.write("content/entities/mosul.md", "---\nname: Mosul\nkind: place\n---\n")
    timeline(archive, *events_in(2016, 5), 'date = 2014\ntitle = "Falls"\nentities = ["mosul"]', 'date = 2016\ntitle = "Battle"\nentities = ["mosul"]')
    archive.build()
    links = archive.html("entities/mosul/index.html").select(".event-summary-list a")
    assert [a["href"].split("#")[0] for a in links] == ["/timeline/2014/", "/timeline/2016/"]
    assert [resolve(archive, a["href"]).select_one(".event-title").get_text() for a in links] == ["Falls", "Battle"]


def test_event_links_follow_a_year_that_becomes_busy(archive):
    archive.write("content/entities/mosul.md", "---\nname: Mosul\nkind: place\n---\n")
    timeline(archive, *events_in(2016, 4), 'date = 2016\ntitle = "Battle"\nentities = ["mosul"]')
    archive.build()
    [link] = archive.html("entities/mosul/index.html").select(".event-summary-list a")
    assert link["href"].startswith("/timeline/2016/#")
    assert resolve(archive, link["href"]).select_one(".event-title").get_text() == "Battle"


# --- the filter ----------------------------------------------------------------------------------


def test_the_filter_with_the_same_choices_is_on_the_index_and_every_page(archive):
    archive.write("content/entities/mosul.md", "---\nname: Mosul\nkind: place\n---\n")
    archive.write("content/entities/trump.md", "---\nname: Donald Trump\nkind: person\n---\n")
    timeline(archive, *events_in(2016, 5), 'date = 2014\ntitle = "Falls"\nentities = ["mosul"]', 'date = 2018\ntitle = "Visit"\nentities = ["trump"]')
    archive.build()
    paths = ["timeline/index.html", *archive.timeline_paths()]
    assert len(paths) == 4
    for path in paths:
        form = archive.html(path).find("form", id="timeline-filter")
        assert form.has_attr("hidden"), path
        assert [o["value"] for o in form.select("#timeline-filter-kind option")] == ["", "person", "place"], path
        assert [o["value"] for o in form.select("#timeline-filter-entity option")] == ["", "trump", "mosul"], path
        assert form["data-events"] == "/timeline/events.json"
        notice = archive.html(path).find(id="timeline-filter-empty")
        assert notice.has_attr("hidden"), path


def test_the_filter_counts_are_each_pages_events_as_the_page_carries_them(archive):
    archive.write("content/entities/mosul.md", "---\nname: Mosul\nkind: place\n---\n")
    timeline(archive, *events_in(2016, 5), 'date = 2014\ntitle = "Falls"\nentities = ["mosul"]', 'date = 2018\ntitle = "Quiet"', 'date = 2019\ntitle = "Later"')
    archive.build()
    counts = json.loads((archive.out / "timeline/events.json").read_text(encoding="utf-8"))
    for path in archive.timeline_paths():
        slug = path.split("/")[1]
        carried = [[li["data-entities"], li["data-kinds"]] for li in archive.html(path).select("li.event")]
        assert counts[slug] == carried, slug
    assert list(counts) == ["2014", "2016", "2018-2019"]


# --- what a running builder makes again ----------------------------------------------------------


@pytest.fixture
def watching(archive):
    timeline(archive, *events_in(2014, 1), *events_in(2016, 5), 'date = 2017\ntitle = "Late"', 'date = 2019\ntitle = "Last"')
    builder = Builder(BuildOptions(root=archive.root, workers=1))
    builder.build(incremental=True)
    return builder


def pages_not_of_open_data(rendered: list[str]) -> list[str]:
    """What was rendered, less the files of data/: those hold every event, so
    they follow any change of the timeline (test_data_exports.py checks them)."""
    return [path for path in rendered if not path.startswith("data/")]


def test_editing_an_event_renders_only_its_page_again(archive, watching, rendered):
    archive.write("content/timeline.toml", archive.root.joinpath("content/timeline.toml").read_text().replace('"Late"', '"Later"'))
    watching.build(incremental=True)
    assert pages_not_of_open_data(rendered) == ["timeline/2017-2019/"]


def test_adding_an_event_renders_its_page_the_indexes_and_the_filter_counts_again(archive, watching, rendered):
    archive.write("content/timeline.toml", archive.root.joinpath("content/timeline.toml").read_text() + '\n[[event]]\ndate = 2019\ntitle = "New"\n')
    watching.build(incremental=True)
    # The home page counts the timeline's events too.
    assert sorted(pages_not_of_open_data(rendered)) == ["", "timeline/", "timeline/2017-2019/", "timeline/events.json"]
