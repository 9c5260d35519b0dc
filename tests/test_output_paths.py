"""Every path a build writes is checked to stay inside the output folder, page by page,
without making a path object per page: the check on strings refuses what the one on paths refuses."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sitegen.pipeline.write import safe_relative_parts, safe_relative_path


def parts_or_refused(check, relative: str):
    try:
        return list(check(relative)) or None  # no part at all names no file: refused
    except ValueError:
        return None


@given(st.text(alphabet="ab./\\\x00", max_size=12))
def test_the_string_check_of_an_output_path_agrees_with_the_path_check(relative):
    expected = parts_or_refused(lambda text: safe_relative_path(text).parts, relative)
    assert parts_or_refused(safe_relative_parts, relative) == expected
