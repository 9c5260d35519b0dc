"""`site.toml` -> frozen, typed `Settings`, with every problem located and reported at once."""

from __future__ import annotations

import dataclasses

import pytest

from sitegen.model.errors import ContentError, Diagnostic
from sitegen.pipeline.config import load_settings, parse_settings

MINIMAL = """\
[site]
title = "Test Archive"
base_url = "https://example.org/"
"""


def problems_in(text: str) -> list[Diagnostic]:
    """The diagnostics `parse_settings` raises for `text` (it must raise)."""
    with pytest.raises(ContentError) as raised:
        parse_settings(text)
    return raised.value.errors


def only_problem(text: str) -> Diagnostic:
    [problem] = problems_in(text)
    return problem


# --- reading the settings -------------------------------------------------------


def test_minimal_file_gives_the_documented_defaults():
    settings = parse_settings(MINIMAL)

    assert settings.site.title == "Test Archive"
    assert settings.site.base_url == "https://example.org/"
    assert settings.site.language == "en"
    assert settings.site.description == ""
    assert settings.site.author == ""
    assert settings.site.cname == ""
    assert settings.build.output == "_site"
    assert settings.build.drafts is False
    assert settings.annotations.repeat_links is False
    assert settings.search.enabled is True
    assert settings.search.timeout == 600
    assert settings.timeline.articles is True


def test_every_setting_is_read_from_its_section():
    settings = parse_settings(
        """\
[site]
title = "Annotated Archive"
base_url = "https://example.org/archive/"
language = "en-GB"
description = "Reporting, annotated."
author = "A. Writer"
cname = "archive.example.org"

[build]
output = "public"
drafts = true

[annotations]
repeat_links = true

[search]
enabled = false
timeout = 30

[timeline]
articles = false
"""
    )

    assert settings.site.title == "Annotated Archive"
    assert settings.site.base_url == "https://example.org/archive/"
    assert settings.site.language == "en-GB"
    assert settings.site.description == "Reporting, annotated."
    assert settings.site.author == "A. Writer"
    assert settings.site.cname == "archive.example.org"
    assert settings.build.output == "public"
    assert settings.build.drafts is True
    assert settings.annotations.repeat_links is True
    assert settings.search.enabled is False
    assert settings.search.timeout == 30
    assert settings.timeline.articles is False


def test_base_url_gets_a_trailing_slash():
    settings = parse_settings('[site]\ntitle = "T"\nbase_url = "https://example.org/repo"\n')

    assert settings.site.base_url == "https://example.org/repo/"


@pytest.mark.parametrize(
    ("base_url", "base_path"),
    [
        ("https://example.org/", "/"),
        ("https://example.org", "/"),
        ("https://user.github.io/repo/", "/repo/"),
        ("http://example.org/a/b", "/a/b/"),
    ],
)
def test_base_path_is_the_path_part_of_base_url(base_url, base_path):
    settings = parse_settings(f'[site]\ntitle = "T"\nbase_url = "{base_url}"\n')

    assert settings.base_path == base_path


@pytest.mark.parametrize(
    "base_url",
    [
        "example.org/archive/",
        "/archive/",
        "ftp://example.org/",
        "https://",
        "https://example.org/?page=1",
        "https://[::1/archive/",
        "https://example.org:99999/",
        "https://example.org:port/",
    ],
)
def test_base_url_must_be_an_absolute_http_address(base_url):
    problem = only_problem(f'[site]\ntitle = "T"\nbase_url = "{base_url}"\n')

    assert "site.base_url" in problem.message
    assert problem.line == 3


@pytest.mark.parametrize(
    ("cname", "hint"),
    [
        ("archive.example.org\\n", "; write 'archive.example.org'"),
        ("archive example.org", ""),
        ("https://archive.example.org/", "; write 'archive.example.org'"),
        ("archive.example.org:8080", "; write 'archive.example.org'"),
        ("archive.example.org/old", "; write 'archive.example.org'"),
        ("localhost", ""),
        ("-archive.example.org", ""),
        ("archive..example.org", ""),
    ],
)
def test_cname_must_be_a_host_name(cname, hint):
    problem = only_problem(MINIMAL + f'cname = "{cname}"\n')

    assert problem.line == 4
    written = cname.replace("\\n", "\n")
    assert problem.message == (
        f"`site.cname` {written!r} must be a host name such as archive.example.org (letters, digits and hyphens "
        f"between dots, with no scheme, port, path or spaces){hint}"
    )


@pytest.mark.parametrize("cname", ["archive.example.org", "EXAMPLE.ORG", "xn--bcher-kva.example", "a-b.c-d.example"])
def test_cname_host_names_are_accepted(cname):
    assert parse_settings(MINIMAL + f'cname = "{cname}"\n').site.cname == cname


def test_settings_are_frozen():
    settings = parse_settings(MINIMAL)

    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.site = settings.site  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.build.drafts = True  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.site.title = "Changed"  # type: ignore[misc]


def test_load_settings_reads_site_toml_in_the_archive_root(tmp_path):
    (tmp_path / "site.toml").write_text(MINIMAL, encoding="utf-8")

    assert load_settings(tmp_path) == parse_settings(MINIMAL)


def test_missing_site_toml_is_an_error(tmp_path):
    with pytest.raises(ContentError) as raised:
        load_settings(tmp_path)

    [problem] = raised.value.errors
    assert problem.path == "site.toml"
    assert "no site.toml" in problem.message


# --- problems -------------------------------------------------------------------


def test_unknown_key_names_the_key_and_the_closest_valid_one():
    problem = only_problem(MINIMAL + "titel = 'Typo'\n")

    assert "site.titel" in problem.message
    assert "did you mean `title`" in problem.message
    assert problem.line == 4


def test_unknown_key_with_no_close_match_lists_the_valid_keys():
    problem = only_problem(MINIMAL + "[build]\nzzz = 1\n")

    assert "build.zzz" in problem.message
    assert "output, drafts" in problem.message
    assert problem.line == 5


def test_unknown_section_names_the_closest_valid_one():
    problem = only_problem(MINIMAL + "[serch]\nenabled = false\n")

    assert "[serch]" in problem.message
    assert "did you mean `search`" in problem.message
    assert problem.line == 4


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ('[build]\ndrafts = "yes"', "`build.drafts` must be true or false"),
        ("[build]\noutput = 7", "`build.output` must be a string"),
        ('[search]\nenabled = "no"', "`search.enabled` must be true or false"),
        ("[annotations]\nrepeat_links = 1", "`annotations.repeat_links` must be true or false"),
    ],
)
def test_wrong_type_names_the_key_path_and_the_expected_type(setting, expected):
    problem = only_problem(MINIMAL + setting + "\n")

    assert expected in problem.message
    assert problem.line == 5


def test_section_written_as_a_value_is_an_error():
    problem = only_problem('build = "public"\n' + MINIMAL)

    assert "`build` must be a table" in problem.message
    assert problem.line == 1


@pytest.mark.parametrize("key", ["title", "base_url"])
def test_missing_required_key_is_an_error_at_its_section(key):
    text = "\n".join(line for line in MINIMAL.splitlines() if not line.startswith(key))

    problem = only_problem("# comment\n" + text)

    assert f"missing required key `site.{key}`" in problem.message
    assert problem.line == 2


def test_missing_site_section_reports_both_required_keys():
    messages = [p.message for p in problems_in("[build]\ndrafts = true\n")]

    assert any("`site.title`" in m for m in messages)
    assert any("`site.base_url`" in m for m in messages)


def test_a_setting_that_turns_the_writing_direction_and_does_not_turn_it_back_is_an_error_at_its_line():
    problem = only_problem('[site]\ntitle = "Archive \\u202e"\nbase_url = "https://example.org/"\n')
    assert problem.line == 2
    assert "`site.title` turns the writing direction with U+202E (a right-to-left override)" in problem.message


@pytest.mark.parametrize("number", ["0x" + "f" * 4000, "9" * 4301])
def test_a_number_too_long_to_show_is_an_error_at_its_line(number):
    problem = only_problem(MINIMAL + f"author = {number}\n")

    assert problem.line == 4
    assert problem.message == "a number too long to be shown (more than 4,300 digits): quote it to keep it as text"


def test_empty_output_folder_is_an_error():
    problem = only_problem(MINIMAL + '[build]\noutput = "  "\n')

    assert "build.output" in problem.message
    assert problem.line == 5


@pytest.mark.parametrize("language", ["en", "pt-BR", "zh-Hant-TW", "sr-Latn-RS", "de-CH-1996", "en-aaaaaaaa-bbbbbbbb-cccccccc-dd"])
def test_a_bcp_47_language_tag_is_accepted(language):
    assert parse_settings(MINIMAL + f'language = "{language}"\n').site.language == language


@pytest.mark.parametrize(
    "language",
    ["e" * 32, "englishlanguage", "", "e", "en_GB", "en-", "-en", "en--GB", "en GB", "12", "en-GB-x-" + "a" * 30, "fr-\"quoted\""],
)
def test_a_language_that_is_not_a_language_tag_is_an_error_at_its_line(language):
    problem = only_problem(MINIMAL.replace("[site]\n", '[site]\nlanguage = "%s"\n' % language.replace('"', '\\"')))

    shown = language.replace('"', '\\"')
    assert str(problem) == f'site.toml:2: error: [site] language "{shown}" is not a language tag such as "en" or "pt-BR"'


@pytest.mark.parametrize("timeout", [0, -5])
def test_a_search_timeout_below_one_second_is_an_error(timeout):
    problem = only_problem(MINIMAL + f"[search]\ntimeout = {timeout}\n")

    assert str(problem) == f"site.toml:5: error: `search.timeout` must be a number of seconds, 1 or more, not {timeout}"


def test_every_problem_is_reported_in_one_run_at_its_line():
    text = """\
[site]
titel = "Typo"
base_url = "example.org"

[build]
drafts = "yes"
outptu = "public"

[serch]
enabled = true
"""
    problems = problems_in(text)

    assert [(p.path, p.line) for p in problems] == [
        ("site.toml", 1),  # missing site.title, located at [site]
        ("site.toml", 2),  # unknown site.titel
        ("site.toml", 3),  # base_url not absolute
        ("site.toml", 6),  # build.drafts not a boolean
        ("site.toml", 7),  # unknown build.outptu
        ("site.toml", 9),  # unknown section [serch]
    ]
    assert "site.title" in problems[0].message
    assert "did you mean `output`" in problems[4].message


def test_problems_with_dotted_keys_are_reported_at_their_line():
    text = 'site.title = "T"\nsite.base_url = 3\nbuild.drafts = "yes"\n'

    problems = problems_in(text)

    assert [(p.line, p.message.split(" must")[0]) for p in problems] == [
        (2, "`site.base_url`"),
        (3, "`build.drafts`"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        '[site]\ntitle = "T"\nbase_url = \n',
        '[site]\ntitle = "T"\nbase_url = "https://example.org/',  # unterminated at the end of the file
    ],
)
def test_invalid_toml_is_an_error_at_its_line(text):
    problem = only_problem(text)

    assert problem.path == "site.toml"
    assert problem.line == 3
    assert "invalid TOML" in problem.message


# --- command-line overrides -----------------------------------------------------------


def test_overrides_replace_the_file_settings():
    settings = parse_settings(MINIMAL + "[search]\nenabled = true\n")

    changed = settings.with_overrides(
        output="public", base_url="https://example.com/repo", drafts=True, search=False
    )

    assert changed.build.output == "public"
    assert changed.site.base_url == "https://example.com/repo/"
    assert changed.base_path == "/repo/"
    assert changed.build.drafts is True
    assert changed.search.enabled is False


def test_overrides_leave_the_original_settings_unchanged():
    settings = parse_settings(MINIMAL)

    settings.with_overrides(output="public", base_url="https://example.com/", drafts=True, search=False)

    assert settings == parse_settings(MINIMAL)


def test_absent_overrides_keep_the_file_settings():
    settings = parse_settings(MINIMAL + '[build]\noutput = "public"\ndrafts = true\n')

    assert settings.with_overrides() == settings
    # without --drafts the command line passes drafts=False: the file's `drafts = true` stands
    assert settings.with_overrides(drafts=False, search=None).build == settings.build


@pytest.mark.parametrize("base_url", ["example.com", "ftp://example.com/", "https://example.com/#top"])
def test_invalid_base_url_override_raises_value_error(base_url):
    settings = parse_settings(MINIMAL)

    with pytest.raises(ValueError, match="--base-url"):
        settings.with_overrides(base_url=base_url)


@pytest.mark.parametrize(
    "base_url",
    [
        "https://example.org//evil.example/",  # links would be //evil.example/assets/sitegen.js
        "https://example.org/\\evil.example/",  # a browser reads /\ as //
        "https://example.org/a b/",
        'https://example.org/a"<x>/',
        "https://[::1/",  # urlsplit raises on it
        "https://example.org:99999/",
        "https://example.org:port/",
    ],
)
def test_base_url_whose_path_a_browser_would_read_otherwise_is_refused(base_url):
    problem = only_problem(f"[site]\ntitle = \"T\"\nbase_url = '{base_url}'\n")

    assert "site.base_url" in problem.message
    assert problem.line == 3


@pytest.mark.parametrize("base_url", ["https://example.org//evil.example/", "https://example.org/\\evil.example/", "https://[::1/"])
def test_base_url_override_refused_as_in_site_toml_raises_value_error(base_url):
    settings = parse_settings('[site]\ntitle = "T"\nbase_url = "https://example.org/"\n')

    with pytest.raises(ValueError, match="--base-url"):
        settings.with_overrides(base_url=base_url)
