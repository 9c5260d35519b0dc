"""The sentence an entity page quotes around an article's first mention of the entity."""

from __future__ import annotations

import dataclasses

from sitegen.pipeline.snippets import snippet

TEXT = "The war began. Troops entered Mosul today. Nothing else happened."
START = TEXT.index("Mosul")


def test_a_snippet_reads_as_the_text_before_the_mention_the_mention_and_the_text_after():
    cut = snippet(TEXT, START, START + len("Mosul"))
    assert (cut.before, cut.mention, cut.after) == ("Troops entered ", "Mosul", " today.")


def test_a_snippet_holds_its_sentence_as_one_string():
    cut = snippet(TEXT, START, START + len("Mosul"))
    held = [getattr(cut, field.name) for field in dataclasses.fields(cut)]
    assert [value for value in held if isinstance(value, str)] == ["Troops entered Mosul today."]


def test_a_long_sentence_is_shortened_on_both_sides_of_the_mention():
    text = "word " * 100 + "Mosul" + " word" * 100 + "."
    start = text.index("Mosul")
    cut = snippet(text, start, start + len("Mosul"))
    assert cut.mention == "Mosul"
    assert cut.before.startswith("…") and cut.after.endswith("…")
    assert cut.before[1:] + "Mosul" + cut.after[:-1] in text
