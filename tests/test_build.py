"""Building a site end to end: which pages exist, how they link, and how the output is replaced."""

from __future__ import annotations

import json
import os
from urllib.parse import urlsplit

import pytest
from conftest import article_text
from sitecheck import broken_links, internal_links

from sitegen.engine.builder import BuildOptions, build
from sitegen.model.errors import ContentError, UsageError
from sitegen.pipeline.spare_site import spare_folder


def seed_archive(archive) -> None:
    archive.article(
        "2016/2016-11-27-first",
        title="First article",
        date="2016-11-27",
        body="Body of the *first* article.",
        source="'The Telegraph'",
        url="https://example.com/first",
        authors="[Ada Lovelace, Grace Hopper]",
        summary="'A summary.'",
        tags="[Iraq, Intelligence]",
    )
    archive.article("2015/second", title="Second article", date="2015-03-02", tags="[iraq]")


def test_home_page_lists_latest_articles_and_links_to_sections(archive):
    seed_archive(archive)
    archive.build()
    home = archive.html("index.html")
    titles = [a.get_text() for a in home.select(".article-list a")]
    assert titles == ["First article", "Second article"]
    nav = {a.get_text(): a["href"] for a in home.select("nav.site-nav a")}
    assert nav["Archive"] == "/archive/" and nav["Tags"] == "/tags/"
    assert home.find("p", class_="lede").get_text() == "An archive for tests."


def test_article_page_shows_its_front_matter_and_body(archive):
    seed_archive(archive)
    archive.build()
    page = archive.html("articles/first/index.html")
    assert page.find("h1").get_text() == "First article"
    time = page.select_one(".article-header time")
    assert (time["datetime"], time.get_text()) == ("2016-11-27", "27 November 2016")
    source = page.select_one("a.source")
    assert (source.get_text(), source["href"]) == ("The Telegraph", "https://example.com/first")
    assert page.select_one(".authors").get_text() == "By Ada Lovelace and Grace Hopper"
    assert page.select_one(".summary").get_text() == "A summary."
    assert page.select_one(".article-body em").get_text() == "first"
    assert [a.get_text() for a in page.select(".tag-list a")] == ["Iraq", "Intelligence"]  # as the author listed them


def test_archive_groups_articles_by_year_and_month_with_year_pages(archive):
    seed_archive(archive)
    archive.build()
    page = archive.html("archive/index.html")
    assert [h.get_text(" ", strip=True) for h in page.select(".archive-year > h2")] == ["2016 1 article", "2015 1 article"]
    assert [h.get_text() for h in page.select(".archive-year h3")] == ["November 2016", "March 2015"]
    year = archive.html("archive/2015/index.html")
    assert [a.get_text() for a in year.select(".article-list a")] == ["Second article"]


def test_tags_differing_only_in_case_share_one_page(archive):
    seed_archive(archive)
    archive.build()
    tags = archive.html("tags/index.html")
    assert [a.get_text() for a in tags.select(".tag-index a")] == ["Intelligence", "Iraq"]
    iraq = archive.html("tags/iraq/index.html")
    assert [a.get_text() for a in iraq.select(".article-list a")] == ["First article", "Second article"]


def test_an_article_writing_one_tag_in_two_spellings_is_listed_once_on_its_page(archive):
    archive.article("both", title="Both", tags="[Iraq, iraq]")
    archive.build()
    assert [a.get_text(" ", strip=True) for a in archive.html("tags/index.html").select(".tag-index li")] == ["Iraq 1"]
    assert [a.get_text() for a in archive.html("tags/iraq/index.html").select(".article-list a")] == ["Both"]


def test_not_found_page_is_written(archive):
    archive.build()
    page = archive.html("404.html")
    assert page.find("h1").get_text() == "Page not found"
    assert page.select_one("main a")["href"] == "/"


def test_every_internal_link_resolves_to_a_file(archive):
    seed_archive(archive)
    archive.build()
    assert list(internal_links(archive.out, "https://example.org/"))
    assert broken_links(archive.out, "https://example.org/") == []


def test_base_url_path_prefixes_every_internal_link(archive):
    seed_archive(archive)
    archive.build(base_url="https://example.org/repo/")
    links = list(internal_links(archive.out, "https://example.org/repo/"))
    assert links
    for page, value, absolute in links:
        assert urlsplit(absolute).path.startswith("/repo/"), f"{page}: {value}"
        if value.startswith("/"):
            assert value.startswith("/repo/"), f"{page}: {value}"
    assert broken_links(archive.out, "https://example.org/repo/") == []
    canonical = archive.html("articles/first/index.html").find("link", rel="canonical")["href"]
    assert canonical == "https://example.org/repo/articles/first/"


def test_base_url_from_site_toml_is_honoured(archive):
    archive.write("site.toml", 'site.title = "T"\nsite.base_url = "https://user.github.io/project"\n')
    seed_archive(archive)
    archive.build()
    home = archive.html("index.html")
    assert home.find("link", rel="stylesheet")["href"] == "/project/assets/sitegen.css"


def test_two_builds_are_byte_identical(archive, tmp_path):
    seed_archive(archive)
    archive.build()
    first = archive.output_files()
    archive.build(output=str(tmp_path / "second"))
    assert archive.output_files(tmp_path / "second") == first


def test_removed_article_disappears_from_the_output(archive):
    seed_archive(archive)
    archive.build()
    (archive.root / "content/articles/2015/second.md").unlink()
    archive.build()
    assert not (archive.out / "articles/second").exists()
    assert "Second article" not in (archive.out / "index.html").read_text()


def test_failed_build_leaves_previous_output_untouched(archive):
    seed_archive(archive)
    archive.build()
    before = archive.output_files()
    archive.write("content/articles/broken.md", "---\ntitle: [unclosed\ndate: 2020-01-01\n---\n")
    with pytest.raises(ContentError) as failure:
        archive.build()
    assert failure.value.errors[0].path == "content/articles/broken.md"
    assert archive.output_files() == before
    spare = spare_folder(archive.out).name  # the previous site, kept on purpose as the next build's stage
    assert not [p for p in archive.root.iterdir() if p.name.startswith("._site") and p.name != spare], "staging folder left behind"


def test_drafts_are_built_only_when_asked(archive):
    archive.article("draft", title="Draft", draft="true")
    archive.build()
    assert not (archive.out / "articles/draft").exists()
    archive.build(drafts=True)
    assert (archive.out / "articles/draft/index.html").is_file()


def test_static_files_are_copied_to_the_output_root(archive):
    archive.write("content/static/images/map.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")
    archive.build()
    assert (archive.out / "images/map.svg").read_text() == "<svg xmlns='http://www.w3.org/2000/svg'/>"


def test_static_file_that_would_replace_a_page_is_an_error(archive):
    archive.write("content/static/404.html", "mine")
    with pytest.raises(ContentError) as failure:
        archive.build()
    assert failure.value.errors[0].path == "content/static/404.html"


@pytest.mark.parametrize("output", [".", "content", "content/articles", "..", "templates", "templates/site"])
def test_output_folder_that_holds_the_sources_is_refused(archive, output):
    article = archive.article("kept", title="Kept")
    with pytest.raises(UsageError):
        archive.build(output=output)
    assert article.is_file()
    assert (archive.root / "site.toml").is_file()


def test_output_that_site_toml_puts_outside_the_archive_is_refused(archive, tmp_path):
    """An archive may come from anyone: its settings cannot make a build create `~/.ssh`."""
    target = tmp_path / "home" / ".ssh"
    archive.write("site.toml", (archive.root / "site.toml").read_text() + f'[build]\noutput = "{target}"\n')
    archive.write("content/static/authorized_keys", "ssh-ed25519 AAAA… intruder")
    with pytest.raises(UsageError, match="outside the archive"):
        archive.build()
    assert not target.parent.exists()


def test_output_that_is_a_symbolic_link_leading_outside_the_archive_is_refused(archive, tmp_path):
    target = tmp_path / "home" / ".ssh"
    archive.out.symlink_to(target, target_is_directory=True)
    archive.write("content/static/authorized_keys", "ssh-ed25519 AAAA… intruder")
    with pytest.raises(UsageError, match="outside the archive"):
        archive.build()
    assert not target.exists()


def test_an_output_outside_the_archive_named_on_the_command_line_is_built(archive, tmp_path):
    archive.article("kept", title="Kept")
    archive.out.symlink_to(tmp_path / "published", target_is_directory=True)
    archive.build(output=str(archive.out))
    assert (tmp_path / "published" / "articles/kept/index.html").is_file()


def test_output_folder_not_written_by_sitegen_is_not_replaced(archive):
    archive.write("_site/notes.txt", "my own file")
    with pytest.raises(UsageError):
        archive.build()
    assert (archive.out / "notes.txt").read_text() == "my own file"


def test_site_templates_override_theme_blocks(archive):
    archive.write(
        "templates/base.html",
        '{% extends "theme/base.html" %}{% block colophon %}Our own colophon{% endblock %}',
    )
    archive.build()
    assert archive.html("index.html").select_one(".colophon").get_text() == "Our own colophon"


def test_front_matter_is_escaped_in_pages(archive):
    archive.article("x", title="<script>alert(1)</script>", summary="'<img src=x onerror=alert(1)>'")
    archive.build()
    page = archive.html("articles/x/index.html")
    executable = [
        script
        for script in page.find_all("script")
        if script.get("type") not in ("application/ld+json", "application/json") and script.get("src") != "/assets/sitegen.js"
    ]
    assert executable == [] and page.find("img") is None
    assert page.find("h1").get_text() == "<script>alert(1)</script>"
    linked_data = json.loads(page.find("script", type="application/ld+json").string)
    assert linked_data["headline"] == "<script>alert(1)</script>"


def test_output_does_not_depend_on_hash_seed(archive, tmp_path):
    import subprocess
    import sys

    seed_archive(archive)
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"out-{seed}"
        subprocess.run(
            [sys.executable, "-m", "sitegen", "build", "--quiet", "--root", str(archive.root), "--out", str(out)],
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        outputs.append(archive.output_files(out))
    assert outputs[0] == outputs[1]


def test_build_options_are_frozen():
    options = BuildOptions(root=".")
    with pytest.raises(AttributeError):
        options.drafts = True  # type: ignore[misc]


def test_article_text_helper_round_trips(archive):
    # Guards the fixture itself: a title with an apostrophe stays intact.
    archive.write("content/articles/a.md", article_text(title="Iraq's second city"))
    build(BuildOptions(root=archive.root))
    assert archive.html("articles/a/index.html").find("h1").get_text() == "Iraq's second city"


def test_template_syntax_error_is_located_and_keeps_the_previous_site(archive):
    archive.build()
    before = archive.output_files()
    archive.write("templates/home.html", '{% extends "theme/home.html" %}\n{% block main %}\n{% if %}\n{% endblock %}\n')
    with pytest.raises(ContentError) as failure:
        archive.build()
    error = failure.value.errors[0]
    assert (error.path, error.line) == ("templates/home.html", 3)
    assert archive.output_files() == before


def test_template_that_uses_an_unknown_variable_is_located(archive):
    archive.write("templates/tags.html", '{% extends "theme/tags.html" %}\n{% block main %}\n{{ nothing.here }}\n{% endblock %}\n')
    with pytest.raises(ContentError) as failure:
        archive.build()
    error = failure.value.errors[0]
    assert (error.path, error.line) == ("templates/tags.html", 3)
    assert "nothing" in error.message


FAILING_TEMPLATES = {
    "division-by-zero": ('{% extends "theme/tags.html" %}\n{% block main %}\n{{ 1 / 0 }}\n{% endblock %}\n', 3, "ZeroDivisionError"),
    "extends-itself": ('{% extends "tags.html" %}\n', 1, "includes or extends itself"),
    "not-utf-8": (b'{% extends "theme/tags.html" %}\n{% block main %}\n\xff\xfe\n{% endblock %}\n', 3, "not valid UTF-8"),
}


@pytest.mark.parametrize("text, line, reason", FAILING_TEMPLATES.values(), ids=FAILING_TEMPLATES.keys())
def test_a_template_that_fails_while_rendering_is_located_and_keeps_the_previous_site(archive, text, line, reason):
    archive.build()
    before = archive.output_files()
    archive.write("templates/tags.html", text)
    with pytest.raises(ContentError) as failure:
        archive.build()
    [error] = failure.value.errors
    assert (error.path, error.line) == ("templates/tags.html", line)
    assert reason in error.message and error.message.startswith("template error while rendering tags.html for /tags/")
    assert archive.output_files() == before
