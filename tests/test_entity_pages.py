"""An entity's pages as a reader meets them: who or what it is, when it was in
the news (a summary and a chart by month, year or a longer period), what it is
mentioned with, its latest events, and the articles that mention it, newest
first, a hundred to a page; and the sparklines of the entity index."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from conftest import Archive

MOSUL = '---\nname: "Mosul"\nkind: place\nsummary: "A city on the Tigris."\naliases: ["Al Mawsil"]\n---\nMosul faces Nineveh.\n'
RAQQA = '---\nname: "Raqqa"\nkind: place\n---\n'


def with_mosul(archive: Archive) -> Archive:
    archive.write("content/entities/mosul.md", MOSUL)
    archive.write("content/entities/raqqa.md", RAQQA)
    return archive


def articles_on(archive: Archive, dates: list[str], body: str = "Mosul again.") -> None:
    for number, date in enumerate(dates):
        archive.article(f"a{number:03d}", title=f"Article {number:03d}", date=date, body=body)


def events(archive: Archive, count: int) -> None:
    archive.write(
        "content/timeline.toml",
        "".join(f'[[event]]\ndate = "{2000 + n}"\ntitle = "Event {n:02d}"\nentities = ["mosul"]\n\n' for n in range(count)),
    )


def page_file(archive: Archive, url: str):
    """The output file a root-relative URL of the site leads to."""
    path = urlsplit(url).path.lstrip("/")
    return archive.out / (path + "index.html" if path.endswith("/") or not path else path)


def chart_rows(page) -> list[tuple[str, int]]:
    return [(row.th.get_text(), int(row.td.get_text())) for row in page.select(".chart-data tbody tr")]


def mention_dates(page) -> list[str]:
    return [item.select_one("time")["datetime"] for item in page.select(".mention-item")]


# --- the first page ------------------------------------------------------------------------------


def test_first_page_leads_with_the_entity_then_its_news_co_mentions_events_and_articles(archive):
    with_mosul(archive)
    events(archive, 2)
    archive.article("a", body="Mosul and Raqqa.")
    archive.build()
    main = archive.html("entities/mosul/index.html").select_one("main")
    sections = [".label", "h1", ".summary", ".facts", ".description", "#in-the-news", "#mentioned-with", "#entity-timeline", "#mentioned-in"]
    document_order = list(main.find_all(True))
    places = [document_order.index(main.select_one(selector)) for selector in sections]
    assert places == sorted(places)
    assert main.select_one(".label").get_text() == "Place" and main.h1.get_text() == "Mosul"


def test_news_summary_gives_the_number_of_articles_and_their_first_and_last_dates(archive):
    with_mosul(archive)
    articles_on(archive, ["2016-03-02", "2015-07-19", "2016-01-05"])
    archive.build()
    summary = archive.html("entities/mosul/index.html").select_one(".mention-summary")
    assert summary.a.get_text() == "3 articles"
    assert [(t["datetime"], t.get_text()) for t in summary.select("time")] == [("2015-07-19", "19 July 2015"), ("2016-03-02", "2 March 2016")]


def test_an_entity_no_article_mentions_has_no_news_section(archive):
    with_mosul(archive)
    archive.build()
    page = archive.html("entities/mosul/index.html")
    assert page.find(id="in-the-news") is None
    assert page.select_one("#mentioned-in").find_next("p").get_text() == "No article mentions Mosul yet."


# --- events --------------------------------------------------------------------------------------


def test_only_the_latest_events_are_shown_with_a_link_to_a_page_of_all_of_them(archive):
    with_mosul(archive)
    events(archive, 11)
    archive.build()
    section = archive.html("entities/mosul/index.html").find(id="entity-timeline").parent
    assert [a.get_text() for a in section.select(".event-summary-list a")] == [f"Event {n:02d}" for n in range(3, 11)]
    more = section.select_one(".more-link a")
    assert more.get_text() == "All 11 events" and more["href"] == "/entities/mosul/timeline/"
    everything = archive.html("entities/mosul/timeline/index.html")
    assert [a.get_text() for a in everything.select(".event-summary-list a")] == [f"Event {n:02d}" for n in range(11)]
    assert everything.select_one(".back-link a")["href"] == "/entities/mosul/"


def test_events_that_fit_are_all_shown_without_a_page_of_their_own(archive):
    with_mosul(archive)
    events(archive, 8)
    archive.build()
    section = archive.html("entities/mosul/index.html").find(id="entity-timeline").parent
    assert len(section.select(".event-summary-list li")) == 8 and section.select_one(".more-link") is None
    assert not (archive.out / "entities/mosul/timeline").exists()


# --- pages of articles ---------------------------------------------------------------------------

# 205 articles, one every three days from 1 January 2015 to 6 September 2016: three pages.
MANY = [(dt.date(2015, 1, 1) + dt.timedelta(days=3 * n)).isoformat() for n in range(205)]


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Archive:
    archive = with_mosul(Archive.create(tmp_path_factory.mktemp("many") / "site"))
    articles_on(archive, MANY)
    archive.build()
    return archive


def test_each_page_shows_its_range_of_articles_above_and_below_the_list(many):
    page = many.html("entities/mosul/page/2/index.html")
    navs = page.select("nav.pagination")
    assert len(navs) == 2 and navs[0].find_next("ol", class_="mention-list") is not None
    assert [nav.select_one(".pagination-range").get_text() for nav in navs] == ["Articles 101–200 of 205"] * 2
    links = [(a.get_text(), a["href"], a.get("aria-current")) for a in navs[1].select("a")]
    assert links == [
        ("Newer", "/entities/mosul/", None),
        ("1", "/entities/mosul/", None),
        ("2", "/entities/mosul/page/2/", "page"),
        ("3", "/entities/mosul/page/3/", None),
        ("Older", "/entities/mosul/page/3/", None),
    ]


def test_articles_are_newest_first_across_pages(many):
    pages = ["entities/mosul/index.html", "entities/mosul/page/2/index.html", "entities/mosul/page/3/index.html"]
    dates = [date for path in pages for date in mention_dates(many.html(path))]
    assert dates == sorted(MANY, reverse=True)


def test_later_pages_name_the_entity_and_link_back_but_do_not_repeat_the_lead(many):
    page = many.html("entities/mosul/page/3/index.html")
    assert page.h1.get_text() == "Mosul"
    assert page.select_one(".back-link a")["href"] == "/entities/mosul/"
    for shown_on_the_first_page_only in (".summary", ".facts", ".description", "#in-the-news", "#mentioned-with", ".mention-chart"):
        assert page.select_one(shown_on_the_first_page_only) is None


def test_page_links_leave_out_the_pages_far_from_this_one(tmp_path):
    from sitegen.pipeline.views import page_links

    shown = [(link.number, link.current) for link in page_links(6, 20, lambda n: f"/p/{n}/")]
    assert shown == [(1, False), (0, False), (4, False), (5, False), (6, True), (7, False), (8, False), (0, False), (20, False)]


# --- the chart -----------------------------------------------------------------------------------


def test_chart_counts_articles_by_month_when_they_span_three_years_or_less(archive):
    with_mosul(archive)
    articles_on(archive, ["2016-01-04", "2016-01-20", "2016-03-09", "2016-12-31", "2016-12-01", "2016-12-15"])
    archive.build()
    page = archive.html("entities/mosul/index.html")
    expected = [("January 2016", 2), ("February 2016", 0), ("March 2016", 1)] + [(m, 0) for m in (
        "April 2016", "May 2016", "June 2016", "July 2016", "August 2016", "September 2016", "October 2016", "November 2016")]
    assert chart_rows(page) == expected + [("December 2016", 3)]  # fmt: skip
    assert page.select_one(".chart-data caption").get_text() == "Articles mentioning Mosul, by month"


def test_chart_counts_articles_by_year_when_they_span_more_than_three_years(archive):
    with_mosul(archive)
    articles_on(archive, ["2012-05-01", "2012-11-30", "2015-01-01", "2016-02-03"])
    archive.build()
    page = archive.html("entities/mosul/index.html")
    assert chart_rows(page) == [("2012", 2), ("2013", 0), ("2014", 0), ("2015", 1), ("2016", 1)]


def test_chart_counts_articles_by_decade_when_they_span_more_than_thirty_six_years(archive):
    with_mosul(archive)
    articles_on(archive, ["1975-05-01", "1979-11-30", "2016-02-03"])
    archive.build()
    page = archive.html("entities/mosul/index.html")
    assert chart_rows(page) == [("1970s", 2), ("1980s", 0), ("1990s", 0), ("2000s", 0), ("2010s", 1)]
    assert page.select_one(".chart-data caption").get_text() == "Articles mentioning Mosul, by decade"


def test_a_date_mistyped_centuries_away_keeps_the_chart_to_a_few_dozen_bars(archive):
    with_mosul(archive)
    articles_on(archive, ["0216-11-27", "2016-11-27"])
    archive.build()
    page = archive.html("entities/mosul/index.html")
    rows = chart_rows(page)
    assert (len(rows), rows[0], rows[-1]) == (19, ("200–299", 1), ("2000–2099", 1))  # by century
    assert len(page.select('.in-the-news svg[role="img"] rect.chart-bar')) == 2


def test_a_short_span_at_the_first_or_last_possible_year_is_widened_within_them(archive):
    with_mosul(archive)
    articles_on(archive, ["0001-02-01"])
    archive.article("last", title="Last", date="9999-11-30", body="Raqqa.")
    archive.build()
    labels = [s.get_text() for s in archive.html("entities/mosul/index.html").select(".chart-labels span")]
    assert labels == ["Jan 1", "Dec 1"]
    labels = [s.get_text() for s in archive.html("entities/raqqa/index.html").select(".chart-labels span")]
    assert labels == ["Jan 9999", "Dec 9999"]


def test_chart_bars_are_as_high_as_their_counts_in_one_image_with_a_title_and_description(archive):
    with_mosul(archive)
    articles_on(archive, ["2012-05-01", "2012-11-30", "2012-12-01", "2013-06-01", "2016-02-03", "2016-02-04"])
    archive.build()
    chart = archive.html("entities/mosul/index.html").select_one(".in-the-news")
    image = chart.select_one('svg[role="img"]')
    title, desc = image.find("title"), image.find("desc")
    assert image["aria-labelledby"] == f'{title["id"]} {desc["id"]}'
    assert title.get_text() == "Articles mentioning Mosul, by year"
    assert desc.get_text() == "6 articles mentioning Mosul, from 2012 to 2016; the most, 3, in 2012."
    heights = [float(bar["height"]) for bar in image.select("rect.chart-bar")]
    counts = [count for _, count in chart_rows(chart) if count]
    assert len(heights) == len(counts) == 3
    assert [round(h / max(heights), 2) for h in heights] == [round(c / max(counts), 2) for c in counts]
    assert all(bar["fill"] == "currentColor" for bar in image.select("rect"))


def test_a_short_span_is_drawn_as_a_year_of_months_around_it(archive):
    with_mosul(archive)
    articles_on(archive, ["2016-06-10"])
    archive.build()
    chart = archive.html("entities/mosul/index.html").select_one(".in-the-news")
    assert len(chart.select('svg[role="img"] ~ g a')) == 1
    assert [s.get_text() for s in chart.select(".chart-labels span")] == ["Jan 2016", "Dec 2016"]
    assert chart_rows(chart) == [("June 2016", 1)]


def test_each_bar_leads_to_the_newest_article_of_its_period_in_the_list(many):
    chart = many.html("entities/mosul/index.html").select_one(".in-the-news")
    bar_links = [a["href"] for a in chart.select('svg[role="img"] ~ g a')]
    table_links = [a["href"] for a in chart.select(".chart-data a")]
    assert bar_links == table_links and len(bar_links) == 21  # January 2015 to September 2016
    pages = {}
    for href in bar_links:
        file = str(page_file(many, href).relative_to(many.out))
        if file not in pages:  # parsed once: several bars lead to the same page
            pages[file] = many.html(file)
        target = pages[file].find(id=urlsplit(href).fragment)
        month = urlsplit(href).fragment.removeprefix("mentions-")
        newest = max(date for date in MANY if date.startswith(month))
        assert "mention-item" in target["class"] and target.time["datetime"] == newest


def test_bar_links_are_hidden_from_assistive_technology_and_the_tab_order(many):
    chart = many.html("entities/mosul/index.html").select_one(".in-the-news")
    layer = chart.select_one('svg[role="img"]').find_next_sibling("g")
    assert layer["aria-hidden"] == "true"
    assert all(a["tabindex"] == "-1" for a in layer.select("a"))


# --- the entity index ----------------------------------------------------------------------------


def test_index_shows_a_sparkline_with_a_text_equivalent_for_each_entity_in_the_news(archive):
    with_mosul(archive)
    articles_on(archive, ["2016-01-04", "2016-03-09", "2016-03-20"])
    archive.build()
    index = archive.html("entities/index.html")
    mosul = index.find("a", string="Mosul").parent
    line = mosul.select_one('svg.sparkline[role="img"]')
    assert line.title.get_text() == "By month: 3 articles mentioning Mosul, from January 2016 to March 2016; the most, 2, in March 2016."
    assert index.find("a", string="Raqqa").parent.select_one("svg") is None


def test_sparklines_share_the_span_of_the_whole_archive(archive):
    with_mosul(archive)
    articles_on(archive, ["2016-01-04", "2017-12-20"], body="Mosul.")  # 24 months
    archive.article("once", date="2016-09-01", body="Raqqa.")  # alone, a year of months
    archive.build()
    index = archive.html("entities/index.html")
    boxes = [index.find("a", string=name).parent.svg["viewbox"] for name in ("Mosul", "Raqqa")]
    assert boxes == ["0 0 48 20", "0 0 48 20"]  # 24 months of 2 units each


# --- in a running builder ------------------------------------------------------------------------


def test_an_edited_date_moves_its_bar_and_sparkline_as_a_clean_build_would(archive, tmp_path):
    from sitegen.engine.builder import Builder, BuildOptions

    with_mosul(archive)
    articles_on(archive, ["2016-01-04", "2016-03-09", "2016-03-20"])
    builder = Builder(BuildOptions(root=archive.root, workers=1))
    builder.build(incremental=True)
    archive.article("a002", title="Article 002", date="2016-02-11", body="Mosul again.")
    builder.build(incremental=True)
    page, index = archive.html("entities/mosul/index.html"), archive.html("entities/index.html")
    assert chart_rows(page) == [("January 2016", 1), ("February 2016", 1), ("March 2016", 1)]
    assert "from January 2016 to March 2016; the most, 1, in January 2016" in index.select_one("svg.sparkline title").get_text()
    assert archive.output_files() == archive.clean_build_files(tmp_path)
