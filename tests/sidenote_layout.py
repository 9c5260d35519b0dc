"""Measuring side-notes in the browser, and the layout they promise on wide screens."""

from __future__ import annotations

# Every side-note of the page with the top of the line its mention ends on (a
# footnote's number where it has no mention), in page coordinates, and whether
# the layout shortened it to its first lines.
NOTES_AND_LINES = """() => [...document.querySelectorAll('.article-body .sidenote')].map(note => {
  const anchor = document.querySelector(`a[aria-describedby="${note.id}"]`)
    || document.querySelector(`label[for="${note.id}-toggle"]`);
  const lines = anchor.getClientRects();
  const box = note.getBoundingClientRect();
  return {id: note.id, line: lines[lines.length - 1].top + scrollY, top: box.top + scrollY,
          bottom: box.bottom + scrollY, short: note.classList.contains('is-short')};
})"""

LEVEL = 8  # px a note's top may lie from its line's
UNDER = 32  # px a note pushed down by the one above may lie under it
DRIFT = 400  # px a note may start at most below its line


def assert_notes_follow_their_lines(notes: list[dict]) -> None:
    """Each note is level with its line or just under the note above, which it never overlaps,
    and none drifts more than DRIFT px below its line."""
    above = None
    for note in notes:
        level = abs(note["top"] - note["line"]) <= LEVEL
        below_the_note_above = above is not None and above["bottom"] <= note["top"] <= above["bottom"] + UNDER
        assert level or (below_the_note_above and note["top"] > note["line"]), note
        assert note["top"] - note["line"] <= DRIFT, f"{note['id']} drifts {note['top'] - note['line']:.0f} px"
        if above is not None:
            assert note["top"] >= above["bottom"], f"{note['id']} overlaps the note above it"
        above = note
