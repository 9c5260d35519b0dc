"""Small static SVG charts of a `History`, drawn at build time.

No script and no colour of their own: bars are filled with `currentColor`
and the theme's stylesheet colours them through its custom properties, so
light and dark mode both apply. The drawings stretch to the width of their
box (`preserveAspectRatio="none"`) and carry no text that would stretch
with them; pages put labels and the numbers beside them in HTML.
Coordinates are rounded (to a tenth of a unit; to whole units in
sparklines), so the output is the same on every machine.
"""

from __future__ import annotations

from html import escape
from typing import Mapping

from sitegen.pipeline.history import History

SLOT = 10  # width of one period's column
BAR = 8  # width of its bar, centred in the column
HEIGHT = 100
AXIS = 2  # the base line's thickness, at the bottom
SPARK_SLOT = 2
SPARK_HEIGHT = 20


def _n(value: float) -> str:
    """A coordinate, rounded to a tenth, without a trailing `.0`."""
    text = f"{round(value, 1):.1f}"
    return text[:-2] if text.endswith(".0") else text


def _height(count: int, peak: int, room: float, least: float) -> float:
    """A bar's height: proportional, but never so low that a period with
    articles looks like one without."""
    if count == 0:
        return 0.0
    return max(least, count / peak * room)


def bar_chart_svg(history: History, links: Mapping[str, str], title: str, description: str, ident: str) -> str:
    """A bar per period. The drawing is one `role="img"` named by `title` and
    described by `description`; over it, a column per period with articles
    links to `links[period.key]` for pointer users, hidden from assistive
    technology and from the tab order (the page's table of the numbers holds
    the same links for them)."""
    width = len(history.counts) * SLOT
    peak = max(history.counts, default=0) or 1
    room = HEIGHT - AXIS
    bars, columns = [], []
    for index, period in enumerate(history.periods):
        x = index * SLOT
        height = _height(period.count, peak, room, 1.5)
        if height:
            bars.append(
                f'<rect class="chart-bar" x="{_n(x + (SLOT - BAR) / 2)}" y="{_n(room - height)}" '
                f'width="{_n(BAR)}" height="{_n(height)}" fill="currentColor"/>'
            )
        url = links.get(period.key)
        if url and period.count:
            noun = "article" if period.count == 1 else "articles"
            columns.append(
                f'<a href="{escape(url)}" tabindex="-1"><title>{escape(period.label)}: {period.count} {noun}</title>'
                f'<rect class="chart-hit" x="{_n(x)}" y="0" width="{_n(SLOT)}" height="{HEIGHT}" fill="transparent"/></a>'
            )
    return (
        f'<svg class="chart" viewBox="0 0 {width} {HEIGHT}" preserveAspectRatio="none" focusable="false">'
        f'<svg role="img" aria-labelledby="{ident}-title {ident}-desc">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(description)}</desc>'
        + "".join(bars)
        + f'<rect class="chart-axis" x="0" y="{room}" width="{width}" height="{AXIS}" fill="currentColor"/>'
        + "</svg>"
        + (f'<g aria-hidden="true">{"".join(columns)}</g>' if columns else "")
        + "</svg>"
    )


def sparkline_svg(history: History, title: str) -> str:
    """A small step area of the counts on a base line, named by `title`: whole
    units of height (a sparkline is about as many pixels high), one step per change."""
    peak = max(history.counts, default=0) or 1
    room = SPARK_HEIGHT - 1
    steps, level, run = [], SPARK_HEIGHT, 0
    for count in history.counts:
        y = SPARK_HEIGHT - max(1, round(count * room / peak)) if count else SPARK_HEIGHT
        if y != level:
            steps.append(f"h{run * SPARK_SLOT}V{y}" if run else f"V{y}")
            level, run = y, 0
        run += 1
    steps.append(f"h{run * SPARK_SLOT}")
    width = len(history.counts) * SPARK_SLOT
    return (
        f'<svg class="sparkline" role="img" viewBox="0 0 {width} {SPARK_HEIGHT}" preserveAspectRatio="none" focusable="false">'
        f"<title>{escape(title)}</title>"
        f'<rect class="sparkline-base" x="0" y="{SPARK_HEIGHT - 1}" width="{width}" height="1" fill="currentColor"/>'
        f'<path d="M0 {SPARK_HEIGHT}{"".join(steps)}V{SPARK_HEIGHT}Z" fill="currentColor"/></svg>'
    )
