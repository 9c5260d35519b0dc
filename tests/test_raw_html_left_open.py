"""Raw HTML left open hides the Markdown after it from readers: the editor is told.

An attribute's value whose closing quote is missing, a comment or a
`<script>` never closed swallow the paragraphs after them into
the raw HTML, where the sanitiser (and a browser) leave them unseen. Each
such place is one warning at the line where its raw HTML starts; text hidden
on purpose (inside a comment, a script or a template the editor closes) is
not reported.
"""

from __future__ import annotations

import pytest
from conftest import parse_html

REST = "Later the city was retaken.\n\nA last paragraph."


@pytest.fixture
def mosul(archive):
    archive.write("content/entities/mosul.md", '---\nname: Mosul\nkind: place\nsummary: "A city."\n---\nA city.\n')
    return archive


def body_text(archive, slug="a") -> str:
    page = parse_html((archive.out / f"articles/{slug}/index.html").read_text(encoding="utf-8"))
    return page.select_one(".article-body").get_text(" ", strip=True)


def left_open_warnings(result) -> list[str]:
    return [str(w) for w in result.warnings if "never" in w.message]


# The body starts on line 6 of an article written by `Archive.article`.
def test_an_attribute_value_never_closed_is_a_warning_at_its_tag_naming_the_quote(mosul):
    mosul.article("a", body=f'Mosul fell.\n\n<div title="oops>\nA note.\n\n{REST}')
    result = mosul.build()
    assert "retaken" not in body_text(mosul)
    assert left_open_warnings(result) == [
        'content/articles/a.md:8: warning: the value of `title` in this <div> opens with " and is never closed: '
        'readers see none of the text after it (from line 11) up to the next "; add the closing "'
    ]


def test_an_attribute_value_never_closed_on_a_later_line_of_its_block_is_reported_at_that_line(mosul):
    mosul.article("a", body=f"Mosul fell.\n\n<figure>\n<img src=\"x.png\" alt='A map>\n</figure>\n\n{REST}")
    result = mosul.build()
    [warning] = left_open_warnings(result)
    assert warning.startswith("content/articles/a.md:9: warning: the value of `alt` in this <img> opens with '")


def test_an_inline_tag_with_a_quote_never_closed_is_shown_as_written_and_hides_nothing(mosul):
    # Markdown reads a tag inside a paragraph only when it is whole: this one is text.
    mosul.article("a", body=f'Mosul fell. <span title="oops>at dusk\n\n{REST}')
    result = mosul.build()
    assert '<span title="oops>at dusk' in body_text(mosul)
    assert "retaken" in body_text(mosul)
    assert left_open_warnings(result) == []


def test_a_comment_never_closed_is_a_warning_at_the_line_it_opens(mosul):
    mosul.article("a", body=f"Mosul fell.\n\n<!-- to check\n\n{REST}")
    result = mosul.build()
    assert "retaken" not in body_text(mosul)
    assert left_open_warnings(result) == [
        'content/articles/a.md:8: warning: the comment "<!--" opened here is never closed: '
        'readers see none of the text after it (from line 10); close it with "-->" where it should end'
    ]


def test_a_comment_never_closed_inside_a_block_is_a_warning(mosul):
    mosul.article("a", body=f"Mosul fell.\n\n<div><!-- to check\n</div>\n\n{REST}")
    result = mosul.build()
    [warning] = left_open_warnings(result)
    assert warning.startswith('content/articles/a.md:8: warning: the comment "<!--" opened here is never closed')


def test_a_script_never_closed_in_a_paragraph_is_a_warning_naming_its_end_tag(mosul):
    mosul.article("a", body=f"Mosul fell. <script>\n\n{REST}")
    result = mosul.build()
    [warning] = left_open_warnings(result)
    assert warning.startswith("content/articles/a.md:6: warning: <script> opened here is never closed")
    assert warning.endswith("close it with </script> where it should end")


def test_a_place_left_open_is_one_warning_however_much_it_hides(mosul):
    many = "\n\n".join(f"Paragraph {n} on Mosul." for n in range(20))
    mosul.article("a", body=f'Intro.\n\n<div title="oops>\n\n{many}\n\n<p class="a">x</p>\n\n{many}')
    assert len(left_open_warnings(mosul.build())) == 1


def test_each_place_left_open_is_its_own_warning(mosul):
    mosul.article("a", body=f"<!-- draft\n\n{REST}")
    mosul.article("b", title="B", body=f'Intro.\n\n<p title="x>\n\n{REST}')
    result = mosul.build()
    assert sorted(w.split(": warning:")[0] for w in left_open_warnings(result)) == [
        "content/articles/a.md:6",
        "content/articles/b.md:8",
    ]


def test_the_warning_is_given_again_by_a_build_that_finds_nothing_changed(mosul):
    mosul.article("a", body=f"Mosul fell.\n\n<!-- to check\n\n{REST}")
    first = left_open_warnings(mosul.build())
    assert first and left_open_warnings(mosul.build()) == first


def test_the_warning_is_given_again_from_the_cache_when_another_article_changes(mosul):
    mosul.article("a", body=f"Mosul fell.\n\n<!-- to check\n\n{REST}")
    mosul.article("b", title="B", body="Text.")
    first = left_open_warnings(mosul.build())
    mosul.article("b", title="B", body="Other text.")
    assert first and left_open_warnings(mosul.build()) == first


# Text hidden on purpose, closed where the editor meant it to end.
ON_PURPOSE = {
    "a comment over paragraphs": f"Mosul fell.\n\n<!--\n\nA draft.\n\n-->\n\n{REST}",
    "a comment opened in a block, closed later": f"<div><!--\n\nA draft.\n\n<!-- --></div>\n\n{REST}",
    "a script over paragraphs": f"Mosul fell. <script>\n\nvar x;\n\n</script>\n\n{REST}",
    "a script in a paragraph": f"Mosul fell. <script>var x;</script> It did.\n\n{REST}",
    "a template over paragraphs": f"<template>\n\nA draft.\n\n</template>\n\n{REST}",
    "a quoted value over lines in a block": f'<div title="one\ntwo">\nA note.\n</div>\n\n{REST}',
    "an element its heading ends, then a script in a paragraph": f"# Title <svg>A chart\n\n<b><script>var x;</script></b> Mosul fell.\n\n{REST}",
    "a block never closed that hides nothing": 'Mosul fell.\n\n<div title="x>',
    "a tag never ended, which the next paragraph ends": f'<div class="note"\ntitle="x"\n\n{REST}',
}


@pytest.mark.parametrize("kind", list(ON_PURPOSE))
def test_text_hidden_on_purpose_is_no_warning(mosul, kind):
    mosul.article("a", body=ON_PURPOSE[kind])
    assert mosul.build().warnings == []


def test_an_attribute_value_never_closed_far_after_its_equals_sign_is_a_warning_naming_the_attribute(mosul):
    mosul.article("a", body=f'Mosul fell.\n\n<div title={" " * 300}"oops>\nA note.\n\n{REST}')
    result = mosul.build()
    assert "retaken" not in body_text(mosul)
    assert left_open_warnings(result) == [
        'content/articles/a.md:8: warning: the value of `title` in this <div> opens with " and is never closed: '
        'readers see none of the text after it (from line 11) up to the next "; add the closing "'
    ]
