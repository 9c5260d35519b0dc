"""Raw HTML in an article's body reaches readers only as the sanitiser keeps it.

Scripts, event handlers, dangerous addresses, frames, plugins, forms, styles,
`<base>` and `<meta>` are removed wherever the raw HTML stands (a paragraph, a
list, a table, a quote, a footnote, a heading, a link's text); the markup an
article needs is kept, and so is sitegen's own markup around it: mentions,
side-notes and term marks.
"""

from __future__ import annotations

import json
import re
import shutil

import nh3
import pytest
from bs4 import Comment
from conftest import Archive, parse_html
from selectolax.lexbor import LexborHTMLParser

from sitegen.engine.builder import BuildOptions, build
from sitegen.pipeline import sanitise
from sitegen.engine.cache_file import CACHE_DIR, CACHE_FILE, CACHE_FORMAT, cache_key, seal_of

ALERT = "alert(1)"

# Each a whole body. They come from the usual lists of XSS vectors, and from
# the mutation tricks that have fooled sanitisers: HTML that parses one way
# as written and another once written out again.
PAYLOADS = {
    "script block": "Mosul fell.\n\n<script>alert(1)</script>\n",
    "script inline": "Mosul fell <script>alert(1)</script> at dusk.",
    "script with src": '<script src="https://evil.example/x.js"></script>',
    "img onerror": "Mosul fell. <img src=x onerror=alert(1)> At dusk.",
    "img onerror, sources as script": "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "a javascript href": '<a href="javascript:alert(1)">read</a>',
    "a javascript href, mixed case": '<a href="JaVaScRiPt:alert(1)">read</a>',
    "a javascript href, tab inside": '<a href="java&#x09;script:alert(1)">read</a>',
    "a javascript href, entity": '<a href="&#106;avascript:alert(1)">read</a>',
    "a javascript href, leading space": '<a href=" javascript:alert(1)">read</a>',
    "a vbscript href": '<a href="vbscript:msgbox(1)">read</a>',
    "a data:text/html href": '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">read</a>',
    "a handler": '<a href="https://example.org/" onmouseover="alert(1)">read</a>',
    "img data:image/svg+xml": '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "blockquote javascript cite": '<blockquote cite="javascript:alert(1)">Quoted.</blockquote>',
    "iframe": '<iframe src="https://evil.example/"></iframe>',
    "iframe srcdoc": '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    "object": '<object data="https://evil.example/x.swf" type="application/x-shockwave-flash"></object>',
    "embed": '<embed src="https://evil.example/x.swf">',
    "form with formaction": '<form action="https://evil.example/"><input name="q"><button formaction="javascript:alert(1)">Go</button></form>',
    "input autofocus": "<input autofocus onfocus=alert(1)>",
    "style element": "<style>body { display: none }</style>\n\nMosul fell.",
    "style attribute": '<p style="background: url(javascript:alert(1))">Mosul fell.</p>',
    "meta refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    "base href": '<base href="https://evil.example/">\n\n[a link](page.html)',
    "link stylesheet": '<link rel="stylesheet" href="https://evil.example/x.css">',
    "svg onload": "<svg onload=alert(1)></svg>",
    "svg script": "<svg><script>alert(1)</script></svg>",
    "svg animate href": '<svg><a><animate attributeName="href" values="javascript:alert(1)"/><text>x</text></a></svg>',
    "math mglyph style": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "noscript title": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "svg p style": '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    "comment bang": "<!-- --!><img src=x onerror=alert(1)> -->",
    "details ontoggle": "<details open ontoggle=alert(1)><summary>More</summary>Text.</details>",
    "body onload": "<body onload=alert(1)>",
    "video source onerror": "<video><source onerror=alert(1)></video>",
    "template": "<template><script>alert(1)</script></template>",
    "xmp": "<xmp><script>alert(1)</script></xmp>",
    "textarea": "<textarea><img src=x onerror=alert(1)></textarea>",
    "marquee": "<marquee onstart=alert(1)>Mosul</marquee>",
    "in a list": "- Mosul fell.\n- <img src=x onerror=alert(1)>\n- <script>alert(1)</script>\n",
    "in a table": "| place | note |\n| --- | --- |\n| Mosul | <img src=x onerror=alert(1)> |\n| <a href=\"javascript:alert(1)\">x</a> | y |\n",
    "in a blockquote": "> Mosul fell. <script>alert(1)</script>\n> <iframe src=\"https://evil.example/\"></iframe>\n",
    "in a footnote": "Mosul fell.[^1]\n\n[^1]: <img src=x onerror=alert(1)> <a href=\"javascript:alert(1)\">x</a>\n",
    "in a footnote, closing the note": "Mosul fell.[^1] After.\n\n[^1]: Note.</span></span></label> Still the note.<script>alert(1)</script>\n",
    "in a footnote, a block": "Mosul fell.[^1] After.\n\n[^1]: Note.<div>A block.</div><p>A paragraph.</p> Still the note.\n",
    "in a heading": "## Mosul <img src=x onerror=alert(1)>\n\nText.",
    "in a link's text": "[<img src=x onerror=alert(1)>](https://example.org/)",
    "unclosed, before sitegen's markup": "<a href=\"javascript:alert(1)\"><b>Mosul fell.[^1]\n\n[^1]: A note.\n",
    "closing the page's elements": "Mosul fell.</p></div></article></main><script>alert(1)</script>",
}

FORBIDDEN_ELEMENTS = (
    "script style iframe frame frameset object embed applet base meta link form button input select textarea "
    "svg math template noscript xmp video audio source"
).split()
DANGEROUS_URL = re.compile(r"^(?:javascript|vbscript|data:text|data:image/svg)", re.IGNORECASE)
URL_IGNORED = re.compile(r"[\t\n\r]")  # a browser reads "java\tscript:" as "javascript:"


def dangerous(url: str) -> bool:
    return DANGEROUS_URL.match(URL_IGNORED.sub("", url).lstrip("".join(map(chr, range(33))))) is not None

URL_ATTRIBUTES = ("href", "src", "action", "formaction", "cite", "data", "poster", "background", "xlink:href")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Archive:
    """One archive: an article for each payload, one without raw HTML, and the entity they mention."""
    archive = Archive.create(tmp_path_factory.mktemp("payloads") / "site")
    archive.write("content/entities/mosul.md", '---\nname: Mosul\nkind: place\nsummary: "A city."\n---\nA city.\n')
    archive.article("plain", title="Plain", body="Mosul fell.[^1]\n\n[^1]: A note.\n", entities="[mosul]")
    for number, body in enumerate(PAYLOADS.values()):
        archive.article(f"p{number:02d}", title=f"Payload {number}", body=body, entities="[mosul]")
    archive.build()
    return archive


def as_browsers_read(text: str):
    """The page as the tree a browser builds of it: mutation tricks (a comment
    ended by `--!>`, formatting elements reopened after a block, foreign
    content) parse differently in html.parser. Lexbor builds the HTML5 tree,
    which BeautifulSoup reads back from its serialisation."""
    return parse_html(LexborHTMLParser(text).html)


def article_page(archive: Archive, slug: str):
    return as_browsers_read((archive.out / "articles" / slug / "index.html").read_text(encoding="utf-8"))


def content_of(page) -> list:
    """What of the page comes from the body: the body itself and its notes for print."""
    return [node for node in (page.select_one(".article-body"), page.select_one(".endnotes")) if node is not None]


def scripts_of(page) -> list[tuple]:
    return [(s.get("src"), s.get("type"), s.get("id")) for s in page.find_all("script")]


def is_note_toggle(element) -> bool:
    return element.name == "input" and element.get("type") == "checkbox" and "sidenote-toggle" in element.get("class", [])


def assert_harmless(page, site_scripts: set) -> None:
    for region in content_of(page):
        found = [str(element) for element in region.find_all(FORBIDDEN_ELEMENTS) if not is_note_toggle(element)]
        assert found == []
        assert region.find_all(string=lambda text: isinstance(text, Comment)) == []
    assert set(scripts_of(page)) <= site_scripts  # the theme's own scripts only
    for element in page.find_all(True):
        assert not [name for name in element.attrs if name.lower().startswith("on")], str(element)
        assert "srcdoc" not in element.attrs and "style" not in element.attrs, str(element)
        for name in URL_ATTRIBUTES:
            assert not dangerous(element.get(name) or ""), str(element)
    assert page.find("meta", attrs={"http-equiv": True}) is None
    assert page.find("base") is None


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_raw_html_in_a_body_runs_nothing_on_the_article_page(site, name):
    number = list(PAYLOADS).index(name)
    site_scripts = set(scripts_of(article_page(site, "plain")))
    assert_harmless(article_page(site, f"p{number:02d}"), site_scripts)


def test_the_sentence_quoted_on_the_entity_page_holds_no_raw_html(site):
    pages = sorted((site.out / "entities" / "mosul").rglob("index.html"))
    quotes = [quote for path in pages for quote in parse_html(path.read_text(encoding="utf-8")).select(".snippet")]
    assert len(quotes) > 1
    for quote in quotes:
        assert [element.name for element in quote.find_all(True)] == ["p", "mark"]
        assert ALERT not in quote.get_text()


@pytest.mark.parametrize("name", ["in a footnote, closing the note", "in a footnote, a block"])
def test_a_footnote_cannot_close_its_side_note(site, name):
    number = list(PAYLOADS).index(name)
    body = article_page(site, f"p{number:02d}").select_one(".article-body")
    note = body.select_one(".sidenote-footnote").find_parent(class_="sidenote")
    assert note.get_text(" ", strip=True).startswith("2 Note.")
    assert note.get_text(" ", strip=True).endswith("Still the note.")
    paragraph = body.find("p")
    assert paragraph.get_text(" ", strip=True).endswith("After.")
    assert note.find_parent("p") is paragraph


def test_stray_closing_tags_in_a_body_leave_the_page_as_it_was(site):
    number = list(PAYLOADS).index("closing the page's elements")
    page = article_page(site, f"p{number:02d}")
    plain = article_page(site, "plain")
    # Every element after the body is where the template put it, inside the same parents.
    assert [node.name for node in page.select_one(".article-body").find_parents()] == [
        node.name for node in plain.select_one(".article-body").find_parents()
    ]
    assert [n.name for n in page.select_one(".article-body").find_next_siblings()] == [
        n.name for n in plain.select_one(".article-body").find_next_siblings()
    ]


def test_an_unclosed_tag_stays_inside_the_body(site):
    number = list(PAYLOADS).index("unclosed, before sitegen's markup")
    page = article_page(site, f"p{number:02d}")
    body = page.select_one(".article-body")
    assert [node.name for node in body.find_parents()] == [
        node.name for node in article_page(site, "plain").select_one(".article-body").find_parents()
    ]
    assert body.select_one(".sidenote-footnote").get_text(" ", strip=True) == "A note."
    # Nothing after the body is inside an element the body opened (a browser
    # reopens an unclosed <a> or <b> in the blocks that follow).
    plain = article_page(site, "plain")
    for selector in (".endnotes li", ".in-this-article li"):
        assert page.select(selector)
        assert {tuple(n.name for n in node.find_parents()) for node in page.select(selector)} == {
            tuple(n.name for n in node.find_parents()) for node in plain.select(selector)
        }
    assert page.select_one(".endnotes").find_all("b") == []


# --- what is kept ------------------------------------------------------------------------------

GLOSSARY = '[[term]]\nterm = "caliphate"\ndefinition = "A state ruled by a caliph."\n'


@pytest.fixture
def places(archive):
    archive.write("content/entities/mosul.md", '---\nname: Mosul\nkind: place\nsummary: "A city."\n---\nA city.\n')
    archive.write("content/glossary.toml", GLOSSARY)
    return archive


def built_article_body(archive: Archive, body: str):
    """The body of the article "a" (mentioning Mosul) once `archive` is built."""
    archive.article("a", body=body, entities="[mosul]")
    archive.build()
    return article_page(archive, "a").select_one(".article-body")


def test_an_articles_own_markup_is_kept(places):
    body = built_article_body(
        places,
        (
            '<figure class="map"><img src="map.png" alt="A map" width="640" height="480" loading="lazy">'
            "<figcaption>The city in 2016.</figcaption></figure>\n\n"
            'Mosul <span class="aside" lang="ar" title="In Arabic">الموصل</span> <mark>fell</mark>'
            ' <abbr title="Islamic State">IS</abbr> H<sub>2</sub>O x<sup>2</sup> <kbd>Ctrl</kbd> <small>small</small>'
            ' <q cite="https://example.org/">quoted</q> <time datetime="2016-10-17">17 October</time>'
            ' <a href="mailto:desk@example.org" title="Write">write</a> <a href="#background">below</a>.\n\n'
            "<details><summary>Sources</summary><p>Field notes.</p></details>\n\n"
            '<table><thead><tr><th scope="col">Year</th></tr></thead><tbody><tr><td colspan="2">2016</td></tr></tbody></table>\n\n'
            '<h2 id="background">Background</h2>\n\n'
            '<img src="data:image/png;base64,iVBORw0KGgo=" alt="A dot" aria-label="dot">\n'
        ),
    )
    figure = body.select_one("figure.map")
    assert figure.img.attrs == {"src": "map.png", "alt": "A map", "width": "640", "height": "480", "loading": "lazy"}
    assert figure.figcaption.get_text() == "The city in 2016."
    assert body.select_one("span.aside").attrs == {"class": ["aside"], "lang": "ar", "title": "In Arabic"}
    for selector in ("mark", "abbr[title]", "sub", "sup", "kbd", "small", "q[cite]", "time[datetime]"):
        assert body.select_one(selector) is not None, selector
    assert body.select_one('a[href^="mailto:"]')["title"] == "Write"
    assert body.select_one('a[href="#background"]').get_text() == "below"
    assert body.select_one("details summary").get_text() == "Sources"
    assert [th.get_text() for th in body.select("table thead th[scope=col]")] == ["Year"]
    assert body.select_one("table td")["colspan"] == "2"
    assert body.select_one("h2")["id"] == "background"
    dot = body.select_one('img[alt="A dot"]')
    assert dot["src"].startswith("data:image/png;base64,") and dot["aria-label"] == "dot"
    assert not body.select('a[rel]')  # links are as Markdown writes them


def test_an_editors_ids_that_are_sitegens_own_and_names_are_dropped(places):
    places.article(
        "a",
        body=(
            'Mosul fell.[^1] <span id="sn-1">fake note</span> <span id="sitegen_entity_cards">{}</span>'
            ' <img src="x.png" alt="x" name="getElementById"> <span id="background">kept</span>\n\n[^1]: A note.\n'
        ),
        entities="[mosul]",
    )
    places.build()
    page = article_page(places, "a")
    assert [node.name for node in page.find_all(id="sn-1")] == ["span"]
    assert "sidenote" in page.find(id="sn-1")["class"]
    assert page.find(id="sitegen_entity_cards").name == "script"
    assert page.select_one('img[alt="x"]').get("name") is None
    assert page.find(id="background").get_text() == "kept"


def test_an_editors_ids_of_the_article_pages_sections_are_dropped(places):
    places.article("a", body='<h2 id="in-this-article">A heading of the editor\'s</h2>\n\nMosul fell.', entities="[mosul]")
    places.build()
    page = article_page(places, "a")
    assert page.find(id="in-this-article").find_parent("section")["aria-labelledby"] == "in-this-article"
    assert page.select_one(".article-body h2").get("id") is None


def test_an_editors_classes_that_sitegens_markup_and_scripts_use_are_dropped(places):
    body = built_article_body(
        places,
        (
            '<span class="sidenote aside">a fake note</span> <p class="cite-reference">A fake reference.</p>\n\n'
            '<a class="mention x" href="https://example.org/">a fake mention</a>'
            '<a class="term" href="https://example.org/">a fake term</a><span class="term-tip">a fake definition</span>\n'
        ),
    )
    classes = {element.get_text(): element.get("class") for element in body.find_all(["span", "p", "a"])}
    assert {text: classes[text] for text in ("a fake note", "A fake reference.", "a fake mention", "a fake term", "a fake definition")} == {
        "a fake note": ["aside"],
        "A fake reference.": None,
        "a fake mention": ["x"],
        "a fake term": None,
        "a fake definition": None,
    }


def test_an_editors_aria_reference_to_sitegens_elements_is_dropped(places):
    body = built_article_body(
        places,
        '<a href="https://example.org/" aria-describedby="sn-1">a link</a> <span aria-labelledby="x def-caliphate">y</span>'
        ' <span aria-describedby="background">kept</span>\n\nMosul fell.',
    )
    assert [element.get("class") for element in body.select('[aria-describedby="sn-1"]')] == [["mention"]]
    assert body.select("[aria-labelledby]") == []
    assert body.select_one('[aria-describedby="background"]').get_text() == "kept"


def sitegen_markup(page) -> list[str]:
    body = page.select_one(".article-body")
    selectors = "a.mention, input.sidenote-toggle, label.sidenote-number, span.sidenote, a.term, span.term-tip, a.note-ref"
    return [str(node) for node in body.select(selectors)]


def test_an_article_with_raw_html_gets_its_side_notes_links_and_term_marks_as_one_without(places):
    text = 'Mosul was held by the caliphate.[^1] "Quoted" & more.\n\n[^1]: The note, on *Mosul*.\n'
    places.article("plain", body=text, entities="[mosul]")
    places.article("raw", body=text.replace("more.", 'more <b class="x">bold</b>.'), entities="[mosul]")
    places.build()
    plain, raw = article_page(places, "plain"), article_page(places, "raw")
    assert sitegen_markup(raw) == sitegen_markup(plain)
    assert len(sitegen_markup(plain)) == 9  # the mention and its note (toggle, number, note), the term and its definition, the footnote's note
    assert str(raw.select_one(".endnotes")) == str(plain.select_one(".endnotes"))
    assert raw.select_one("b.x").get_text() == "bold"


class Cleaner:
    """A sanitiser in place of one of sanitise.py's: `cleaning` made of what the real one writes."""

    def __init__(self, real: nh3.Cleaner, cleaning=lambda clean: clean):
        self.real, self.cleaning, self.calls = real, cleaning, []

    def clean(self, html: str) -> str:
        self.calls.append(html)
        return self.cleaning(self.real.clean(html))


@pytest.mark.parametrize(
    "text",
    [
        '<a href="https://example.org/">\n\nMosul and the caliphate, [[mosul]].\n\n</a>\n\nThe end.',
        '<a href="https://example.org/">A card\n\nMosul and the caliphate, [[mosul]].\n\nThe end.',
    ],
    ids=["around paragraphs", "left open"],
)
def test_names_inside_an_editors_link_over_paragraphs_are_its_text_not_links_inside_it(places, text):
    body = built_article_body(places, text)
    links = body.select('a[href="https://example.org/"]')
    assert "Mosul and the caliphate, Mosul." in " ".join(link.get_text() for link in links)
    assert [link.select("a, input, label, .sidenote") for link in links] == [[]] * len(links)
    assert body.select("a.mention, a.term") == []


def test_a_footnote_referred_to_inside_an_editors_link_has_its_side_note_after_the_link(places):
    body = built_article_body(places, 'Read <a href="https://example.org/">the report[^1]</a> now.\n\n[^1]: From [the source](https://example.net/).\n')
    link = body.select_one('a[href="https://example.org/"]')
    assert link.get_text() == "the report"
    assert link.select("input, label, .sidenote, a") == []
    note = body.select_one(".sidenote")
    assert note.select_one(".sidenote-footnote").get_text() == "From the source."
    assert note.find_parent("a") is None


def test_an_article_without_raw_html_is_not_sanitised(places, monkeypatch):
    body, phrasing = Cleaner(sanitise.BODY_CLEANER), Cleaner(sanitise.PHRASING_CLEANER)
    monkeypatch.setattr(sanitise, "BODY_CLEANER", body)
    monkeypatch.setattr(sanitise, "PHRASING_CLEANER", phrasing)
    places.article("plain", body='Mosul was held by the caliphate.[^1] "Quoted" & more.\n\n[^1]: A note.\n', entities="[mosul]")
    places.build()
    assert body.calls + phrasing.calls == []
    places.article("raw", body="Mosul <b>fell</b>.", entities="[mosul]")
    places.build()
    assert body.calls != []


def test_an_editors_copy_of_sitegens_placeholder_is_dropped(places):
    places.article("a", body='Mosul fell. <sitegen-markup data-n="0000000000000000-0"></sitegen-markup> <sitegen-markup>x</sitegen-markup>')
    places.build()
    body = article_page(places, "a").select_one(".article-body")
    assert body.find("sitegen-markup") is None
    assert len(body.select("a.mention")) == 1


def as_older_nh3_writes(clean: str) -> str:
    """HTML as nh3 before 0.3.7 writes it out: `<` and `>` in attribute values as they are."""
    return re.sub(r'="[^"]*"', lambda value: value.group(0).replace("&lt;", "<").replace("&gt;", ">"), clean)


def test_a_placeholder_look_alike_in_an_attribute_cannot_end_the_element(places, monkeypatch):
    monkeypatch.setattr(sanitise, "BODY_CLEANER", Cleaner(sanitise.BODY_CLEANER, as_older_nh3_writes))
    places.article(
        "a",
        body='Mosul fell. <img alt="x" title="<sitegen-markup x">" src=x onerror=alert(1) y="\n\n'
        '<span title="</sitegen-markup ">" onmouseover=alert(1) x="</span>\n',
        entities="[mosul]",
    )
    places.article("plain", body="Mosul fell.", entities="[mosul]")
    places.build()
    page = article_page(places, "a")
    assert_harmless(page, set(scripts_of(article_page(places, "plain"))))
    body = page.select_one(".article-body")
    assert body.select_one('img[alt="x"]')["title"] == "<sitegen-markup x"
    assert len(body.select("a.mention")) == 1


# --- text no reader sees ---------------------------------------------------------------------------

# Raw HTML that the sanitiser removes with everything in it, written around
# Markdown as an editor may: opened in a paragraph and closed paragraphs later,
# opened inside another block, closed by itself (`<script/>` opens a script),
# or kept open past a stray end tag. `{hidden}` is the text inside it, `{seen}`
# a sentence after it (before it, where nothing after is seen).
UNSEEN = {
    "script, opened in a paragraph": "Before. <script>\n\n{hidden}\n\n</script>\n\n{seen}",
    "script, closed by itself": "Before. <script/>{hidden}</script>\n\n{seen}",
    "script, past a stray end tag": "Before. <script></span>{hidden}</script>\n\n{seen}",
    "style, opened in a paragraph": "Before. <style>\n\n{hidden}\n\n</style>\n\n{seen}",
    "style, inside a block": "<div><style>\n\n{hidden}\n\n</style></div>\n\n{seen}",
    "textarea": "Before. <textarea>\n\n{hidden}\n\n</textarea>\n\n{seen}",
    "title": "<title>\n\n{hidden}\n\n</title>\n\n{seen}",
    "xmp": "<xmp>\n\n{hidden}\n\n</xmp>\n\n{seen}",
    "template": "<template>\n\n{hidden}\n\n</template>\n\n{seen}",
    "template, in a quote": "> <template>\n>\n> {hidden}\n>\n> </template>\n\n{seen}",
    "template, in a list": "- <template>\n\n  {hidden}\n\n  </template>\n\n{seen}",
    "noscript": "<noscript>\n\n{hidden}\n\n</noscript>\n\n{seen}",
    "iframe": "<iframe>\n\n{hidden}\n\n</iframe>\n\n{seen}",
    "noembed": "<noembed>\n\n{hidden}\n\n</noembed>\n\n{seen}",
    "object": "<object>\n\n{hidden}\n\n</object>\n\n{seen}",
    "select": "<select>\n\n{hidden}\n\n</select>\n\n{seen}",
    "svg, past a stray end tag": "Before. <svg></span>{hidden}</svg>\n\n{seen}",
    "math, past a stray end tag": "Before. <math></b>{hidden}</math>\n\n{seen}",
    "comment, opened inside a block": "<div><!--\n\n{hidden}\n\n<!-- --></div>\n\n{seen}",
    "plaintext": "{seen}\n\n<plaintext>\n\n{hidden}",
}
HIDDEN = "Mosul, [[mosul]] and the caliphate.[^1]"
SEEN = "Mosul fell to the caliphate."
FOOTNOTE = "\n\n[^1]: A note.\n"


@pytest.fixture(scope="module")
def unseen(tmp_path_factory) -> Archive:
    """For each kind of removed raw HTML, an article naming Mosul and a term only
    inside it ("u…"), and one naming them outside it too ("s…")."""
    archive = Archive.create(tmp_path_factory.mktemp("unseen") / "site")
    archive.write("content/entities/mosul.md", '---\nname: Mosul\nkind: place\nsummary: "A city."\n---\nA city.\n')
    archive.write("content/glossary.toml", GLOSSARY)
    for number, (kind, body) in enumerate(UNSEEN.items()):
        hidden_only = body.format(hidden=HIDDEN, seen="") + FOOTNOTE
        archive.article(f"u{number:02d}", title=f"Unseen {kind}", body=hidden_only)
        archive.article(f"s{number:02d}", title=f"Seen {kind}", body=body.format(hidden=HIDDEN, seen=SEEN) + FOOTNOTE)
    archive.build()
    return archive


def slug_of(prefix: str, kind: str) -> str:
    return f"{prefix}{list(UNSEEN).index(kind):02d}"


def listed_on_entity_page(archive: Archive) -> dict[str, tuple[str, str]]:
    """The articles Mosul's pages list: title -> (the line of its count, the sentence quoted)."""
    pages = sorted((archive.out / "entities" / "mosul").rglob("index.html"))
    items = [item for path in pages for item in parse_html(path.read_text(encoding="utf-8")).select(".mention-item")]
    return {
        item.select_one("h3").get_text(): (item.select_one(".meta").get_text(" ", strip=True), item.select_one(".snippet").get_text())
        for item in items
    }


def used_in(archive: Archive) -> dict[str, str]:
    """The articles the glossary says use "caliphate": title -> count."""
    entry = archive.html("glossary/index.html").find("dt", id="caliphate").find_next_sibling("dd")
    lines = [p for p in entry.select(".meta") if p.get_text().startswith("Used in")]
    return {a.get_text(): a.find_next_sibling("span", class_="count").get_text() for line in lines for a in line.find_all("a")}


@pytest.mark.parametrize("kind", list(UNSEEN))
def test_a_name_only_inside_removed_raw_html_is_not_a_mention_on_the_entity_page(unseen, kind):
    assert f"Unseen {kind}" not in listed_on_entity_page(unseen)


@pytest.mark.parametrize("kind", list(UNSEEN))
def test_a_name_or_footnote_only_inside_removed_raw_html_has_no_side_note(unseen, kind):
    page = article_page(unseen, slug_of("u", kind))
    assert page.select_one(".article-body").select("a.mention, .sidenote, .sidenote-toggle") == []
    assert page.select(".endnotes li") == []


@pytest.mark.parametrize("kind", list(UNSEEN))
def test_a_term_only_inside_removed_raw_html_is_not_used(unseen, kind):
    assert article_page(unseen, slug_of("u", kind)).select(".article-body a.term") == []
    assert f"Unseen {kind}" not in used_in(unseen)


@pytest.mark.parametrize("kind", list(UNSEEN))
def test_the_name_outside_removed_raw_html_is_the_first_mention_with_its_side_note(unseen, kind):
    page = article_page(unseen, slug_of("s", kind))
    body = page.select_one(".article-body")
    [link] = body.select("a.mention")
    assert "fell to the" in link.find_parent("p").get_text()  # the sentence seen
    assert body.find(id=link["aria-describedby"]).select_one(".sidenote-marker").get_text() == "1"
    assert [item.select_one(".sidenote-title").get_text() for item in page.select(".endnotes li")] == ["Mosul"]


@pytest.mark.parametrize("kind", list(UNSEEN))
def test_the_name_outside_removed_raw_html_is_counted_once_and_quoted(unseen, kind):
    count, quoted = listed_on_entity_page(unseen)[f"Seen {kind}"]
    assert count.endswith("· 1 mention")
    assert quoted == SEEN


@pytest.mark.parametrize("kind", list(UNSEEN))
def test_the_term_outside_removed_raw_html_is_marked_and_used_once(unseen, kind):
    [term] = article_page(unseen, slug_of("s", kind)).select(".article-body a.term")
    assert term.get_text() == "caliphate"
    assert used_in(unseen)[f"Seen {kind}"] == "(1)"


# --- the cache ------------------------------------------------------------------------------------


def test_a_cache_written_before_bodies_were_sanitised_is_not_used(places):
    places.article("a", body="Mosul <b>fell</b>.", entities="[mosul]")
    places.build()
    path = places.root / CACHE_DIR / CACHE_FILE

    def as_written_before(format_number: int) -> None:
        """The cache with the article's body as an unsanitised one, under the header of `format_number`."""
        header, *entries, _seal, _end = path.read_bytes().split(b"\n")
        header = header.replace(f"sitegen-cache {CACHE_FORMAT} ".encode(), f"sitegen-cache {format_number} ".encode())
        changed = []
        for line in entries:
            head, *html = line.split(b"\t")
            if html:  # an annotated article: its body and notes follow its key after tabs
                html[0] = json.dumps(json.loads(html[0]) + "<img src=x onerror=alert(1)>").encode()
            changed.append(b"\t".join([head, *html]))
        body = b"\n".join([header, *changed]) + b"\n"
        path.write_bytes(body + seal_of(body, cache_key()) + b"\n")

    def build_again() -> None:
        """A build that reads the cache and writes every page anew."""
        shutil.rmtree(places.out)
        build(BuildOptions(root=places.root, workers=1))

    as_written_before(CACHE_FORMAT)  # the check of the check: an entry of this format is used as it is
    build_again()
    assert article_page(places, "a").select_one(".article-body img") is not None

    path.unlink()
    places.build()
    as_written_before(4)  # the last format whose bodies were published as written
    build_again()
    assert article_page(places, "a").select_one(".article-body img") is None


def test_a_markdown_tables_column_alignment_is_kept_beside_raw_html(places):
    table = "| Year | Dead |\n| :-- | --: |\n| 2016 | 12 |\n"
    places.article("plain", body=table, entities="[mosul]")
    places.article("raw", body=table + '\n<span class="x">raw</span>\n', entities="[mosul]")
    places.build()
    for slug in ("plain", "raw"):
        cells = article_page(places, slug).select(".article-body table th, .article-body table td")
        assert [cell.get("style") for cell in cells] == ["text-align:left", "text-align:right"] * 2, slug


def test_a_style_on_a_table_cell_other_than_an_alignment_is_removed(places):
    cells = built_article_body(
        places,
        '<table><tr><td style="text-align:left;background:url(https://evil.example/)">1</td>'
        '<td style="text-align: right">2</td><td style="position:fixed">3</td></tr></table>\n',
    ).select("td")
    assert [cell.get("style") for cell in cells] == [None, None, None]
