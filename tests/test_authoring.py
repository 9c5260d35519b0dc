"""Authoring tools: `sitegen init`, `new`, `import` and `suggest`, as an editor uses them."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path

import pytest
import yaml
from conftest import Archive

from sitegen import __version__
from sitegen.authoring import scaffold
from sitegen.authoring.importer import (
    escape_inline,
    escape_line_starts,
    parse_date_line,
    parse_text_article,
)
from sitegen.model.errors import Problems
from sitegen.pipeline.load_markdown import load_article
from sitegen.pipeline.load_toml import load_glossary, load_timeline

REPOSITORY = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLE_ARTICLE = REPOSITORY / "content/articles/2016/2016-11-27-islamic-state-retreat-reveals-terror-plots.md"
SEED_ARTICLE = "content/articles/2016/2016-08-16-islamic-state-retreat-reveals-terror-plots-against-europe.md"


def run_sitegen(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sitegen", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def body_paragraphs(path: Path) -> list[str]:
    """The blocks of an article's Markdown body, without the front matter."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    body = text.split("\n---\n", 1)[1]
    return body.strip().split("\n\n")


def loaded(root: Path, relative: str):
    problems = Problems()
    article = load_article(root, root / relative, problems)
    assert problems.items == [], problems.items
    return article


def assert_builds_cleanly(archive):
    result = archive.build()
    assert [str(w) for w in result.warnings] == []
    return result


# --- sitegen init ---------------------------------------------------------------------


def test_init_then_build_works_in_an_empty_folder_without_warnings(tmp_path):
    result = run_sitegen("init", "news", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    built = run_sitegen("build", cwd=tmp_path / "news")
    assert built.returncode == 0, built.stderr
    assert "warning" not in built.stderr
    assert "(0 warnings)" in built.stdout
    assert "Built 1 article, 1 entity" in built.stdout
    site = tmp_path / "news/_site"
    assert (site / "articles/the-six-pips/index.html").is_file()
    assert (site / "entities/royal-observatory-greenwich/index.html").is_file()
    assert "Greenwich time signal" in Archive(tmp_path / "news").timeline().get_text()
    assert "pips" in (site / "glossary/index.html").read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_ignores_what_a_build_leaves_in_a_new_archive_and_beside_its_output(tmp_path):
    assert run_sitegen("init", str(tmp_path / "news")).returncode == 0
    root = tmp_path / "news"
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    left = ["_site/index.html", "._site.previous/index.html", "._site.lock", "._site.stage-1/index.html", ".sitegen-cache/build.cache"]
    kept = ["content/articles/a.md", "templates/article.html", "site.toml"]

    checked = subprocess.run(["git", "check-ignore", "--no-index", *left, *kept], cwd=root, capture_output=True, text=True)

    assert checked.stdout.split() == left


def test_init_writes_gitignore_workflow_and_template_override(tmp_path):
    assert run_sitegen("init", str(tmp_path / "news")).returncode == 0
    root = tmp_path / "news"
    ignored = [line for line in (root / ".gitignore").read_text().splitlines() if not line.startswith("#")]
    assert ignored == ["_site/", "._site.*", ".sitegen-cache/"]  # the output, what a build keeps beside it, the cache
    workflow = (root / ".github/workflows/pages.yml").read_text(encoding="utf-8")
    shipped = (resources.files("sitegen") / "skeleton/dot-github/workflows/pages.yml").read_text(encoding="utf-8")
    assert workflow == shipped.replace("@SITEGEN_VERSION@", __version__)  # the shipped template, version filled in
    assert "@SITEGEN_VERSION@" not in workflow
    assert "actions/deploy-pages" in workflow and "sitegen build --base-url" in workflow
    override = (root / "templates/base.html").read_text(encoding="utf-8")
    assert '{% extends "theme/base.html" %}' in override and "override" in override


def workflow_strings(node) -> list[str]:
    """Every key and value of a parsed workflow that is a string, depth first."""
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in (*workflow_strings(key), *workflow_strings(value))]
    if isinstance(node, list):
        return [s for item in node for s in workflow_strings(item)]
    return [node] if isinstance(node, str) else []


def test_init_workflow_installs_this_version_of_sitegen_from_pypi_without_any_setting(tmp_path):
    assert run_sitegen("init", str(tmp_path / "news")).returncode == 0
    workflow = yaml.safe_load((tmp_path / "news/.github/workflows/pages.yml").read_text(encoding="utf-8"))
    distribution = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
    install = [step for step in workflow["jobs"]["build"]["steps"] if step.get("name") == "Install sitegen"]
    assert [shlex.split(step["run"]) for step in install] == [
        ["python", "-m", "pip", "install", f"{distribution}=={__version__}"]
    ]
    assert not [s for s in workflow_strings(workflow) if "vars." in s or "secrets." in s]  # nothing to set up first


def test_init_template_override_does_not_change_the_output(tmp_path):
    root = tmp_path / "news"
    assert run_sitegen("init", str(root)).returncode == 0
    assert run_sitegen("build", "--no-search", "--out", "with", cwd=root).returncode == 0
    (root / "templates/base.html").unlink()
    assert run_sitegen("build", "--no-search", "--out", "without", cwd=root).returncode == 0

    def files(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    assert files(root / "with") == files(root / "without")


def test_init_refuses_a_non_empty_folder_without_force(tmp_path):
    (tmp_path / "notes.txt").write_text("mine\n")
    result = run_sitegen("init", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert "not empty" in result.stderr and "--force" in result.stderr and "notes.txt" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_init_with_force_adds_the_files_and_keeps_existing_ones(tmp_path):
    (tmp_path / ".gitignore").write_text("secrets/\n")
    result = run_sitegen("init", ".", "--force", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / ".gitignore").read_text() == "secrets/\n"
    assert "kept .gitignore" in result.stdout
    assert (tmp_path / "site.toml").is_file()


def test_init_in_a_folder_that_cannot_be_made_is_an_error(tmp_path):
    (tmp_path / "notes.txt").write_text("mine\n")
    result = run_sitegen("init", "notes.txt/archive", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("sitegen: notes.txt/archive: cannot make the folder") and "Traceback" not in result.stderr


def test_init_with_force_reports_a_file_it_cannot_write_instead_of_keeping_it(tmp_path):
    (tmp_path / "content").write_text("a file where a folder goes\n")
    result = run_sitegen("init", ".", "--force", cwd=tmp_path)
    assert result.returncode == 1
    assert "cannot make its folder" in result.stderr and "kept content" not in result.stdout


def test_init_accepts_a_folder_holding_only_git(tmp_path):
    (tmp_path / ".git").mkdir()
    assert run_sitegen("init", ".", cwd=tmp_path).returncode == 0


# --- sitegen new ----------------------------------------------------------------------


def test_new_article_prints_its_conventional_path_and_builds_without_warnings(archive):
    result = run_sitegen("new", "article", "Mosul offensive: a second month", "--date", "2016-11-20", "--source", "The Telegraph", cwd=archive.root)
    assert result.returncode == 0, result.stderr
    relative = "content/articles/2016/2016-11-20-mosul-offensive-a-second-month.md"
    assert result.stdout.strip() == relative
    article = loaded(archive.root, relative)
    assert (article.title, article.date.iso, article.source) == ("Mosul offensive: a second month", "2016-11-20", "The Telegraph")
    assert_builds_cleanly(archive)
    assert (archive.out / "articles/mosul-offensive-a-second-month/index.html").is_file()


def test_new_article_date_defaults_to_today(archive):
    import datetime as dt

    result = run_sitegen("new", "article", "Today", cwd=archive.root)
    assert result.returncode == 0, result.stderr
    today = dt.date.today()
    assert result.stdout.strip() == f"content/articles/{today.year}/{today.isoformat()}-today.md"


def test_new_article_refuses_to_overwrite(archive):
    args = ("new", "article", "Mosul offensive", "--date", "2016-11-20")
    assert run_sitegen(*args, cwd=archive.root).returncode == 0
    path = archive.root / "content/articles/2016/2016-11-20-mosul-offensive.md"
    path.write_text(path.read_text() + "My text.\n")
    again = run_sitegen(*args, cwd=archive.root)
    assert again.returncode == 1
    assert "content/articles/2016/2016-11-20-mosul-offensive.md already exists" in again.stderr
    assert path.read_text().endswith("My text.\n")


def test_new_article_refuses_a_slug_another_article_has(archive):
    archive.article("2016/2016-11-20-mosul-offensive", title="Mosul offensive")
    result = run_sitegen("new", "article", "Mosul Offensive", "--date", "2016-11-21", cwd=archive.root)
    assert result.returncode == 1
    assert "2016-11-20-mosul-offensive.md already has the slug 'mosul-offensive'" in result.stderr


def test_new_article_with_an_impossible_date_is_a_usage_error(archive):
    result = run_sitegen("new", "article", "Title", "--date", "2016-02-30", cwd=archive.root)
    assert result.returncode == 2
    assert "--date" in result.stderr and "not a real calendar date" in result.stderr


def test_new_entity_builds_without_warnings(archive):
    result = run_sitegen("new", "entity", "Rupert Jones", "--kind", "person", "--alias", "Maj Gen Rupert Jones", cwd=archive.root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "content/entities/rupert-jones.md"
    archive.article("one", body="Maj Gen Rupert Jones spoke.")
    assert_builds_cleanly(archive)
    assert "Rupert Jones" in (archive.out / "entities/rupert-jones/index.html").read_text(encoding="utf-8")
    assert "rupert-jones" in (archive.out / "articles/one/index.html").read_text(encoding="utf-8")


def test_new_entity_refuses_to_overwrite(archive):
    assert run_sitegen("new", "entity", "Mosul", "--kind", "place", cwd=archive.root).returncode == 0
    again = run_sitegen("new", "entity", "Mosul", "--kind", "organization", cwd=archive.root)
    assert again.returncode == 1
    assert "content/entities/mosul.md already exists" in again.stderr and "--id" in again.stderr
    assert "kind: place" in (archive.root / "content/entities/mosul.md").read_text()


def test_new_entity_with_an_unknown_kind_is_a_usage_error(archive):
    result = run_sitegen("new", "entity", "Mosul", "--kind", "city", cwd=archive.root)
    assert result.returncode == 2
    assert "person" in result.stderr
    assert not (archive.root / "content/entities/mosul.md").exists()


def test_new_term_appends_to_the_glossary_and_builds_without_warnings(archive):
    archive.write("content/glossary.toml", '# Terms.\n\n[[term]]\nterm = "Bn"\ndefinition = "Battalion."\n')
    result = run_sitegen("new", "term", "Maj Gen", "--alias", "Major General", "--definition", "A senior army rank.", cwd=archive.root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "content/glossary.toml"
    problems = Problems()
    terms = load_glossary(archive.root, archive.root / "content/glossary.toml", problems)
    assert problems.items == []
    assert [(t.id, t.term, t.aliases) for t in terms] == [("bn", "Bn", ()), ("maj-gen", "Maj Gen", ("Major General",))]
    assert (archive.root / "content/glossary.toml").read_text().startswith("# Terms.\n")
    assert_builds_cleanly(archive)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_new_term_refuses_a_glossary_that_is_a_named_pipe_instead_of_waiting_on_it(archive):
    (archive.root / "content").mkdir()
    os.mkfifo(archive.root / "content/glossary.toml")
    with pytest.raises(scaffold.AuthoringError, match=r"content/glossary\.toml is not a regular file"):
        scaffold.new_term(archive.root, "Peshmerga")


def test_new_event_where_content_is_a_file_is_an_error_not_a_crash(archive):
    archive.write("content", "a file where the folder goes\n")
    result = run_sitegen("new", "event", "Ceasefire", "--date", "2016", cwd=archive.root)
    assert result.returncode == 1
    assert result.stderr.startswith("sitegen: content/timeline.toml: cannot write the file") and "internal error" not in result.stderr


def test_new_term_without_definition_builds_and_says_what_to_write(archive):
    result = run_sitegen("new", "term", "Bn", cwd=archive.root)
    assert result.returncode == 0, result.stderr
    assert "definition" in result.stderr
    assert_builds_cleanly(archive)


def test_new_term_refuses_a_duplicate_id(archive):
    archive.write("content/glossary.toml", '[[term]]\nterm = "Maj Gen"\ndefinition = "A rank."\n')
    before = (archive.root / "content/glossary.toml").read_bytes()
    result = run_sitegen("new", "term", "maj-gen", "--definition", "Again.", cwd=archive.root)
    assert result.returncode == 1
    assert "content/glossary.toml already has a term with the id 'maj-gen'" in result.stderr
    assert (archive.root / "content/glossary.toml").read_bytes() == before


def test_new_event_appends_to_the_timeline_and_builds_without_warnings(archive):
    run_sitegen("new", "entity", "Mosul", "--kind", "place", cwd=archive.root)
    archive.write("content/timeline.toml", '[[event]]\ndate = "2014-06-10"\ntitle = "Islamic State captures Mosul"\n')
    result = run_sitegen("new", "event", "Battle of Mosul begins", "--date", "2016-10", "--entity", "mosul", cwd=archive.root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "content/timeline.toml"
    problems = Problems()
    events = load_timeline(archive.root, archive.root / "content/timeline.toml", problems)
    assert problems.items == []
    assert [(e.date.iso, e.title, e.entity_ids) for e in events][-1] == ("2016-10", "Battle of Mosul begins", ("mosul",))
    assert_builds_cleanly(archive)
    assert "Battle of Mosul begins" in archive.timeline().get_text()


def test_new_event_with_a_bad_date_is_a_usage_error(archive):
    result = run_sitegen("new", "event", "Battle", "--date", "17/10/2016", cwd=archive.root)
    assert result.returncode == 2
    assert "YYYY" in result.stderr
    assert not (archive.root / "content/timeline.toml").exists()


@pytest.mark.parametrize(("date", "end"), [("9999-12", "9999-12"), ("2016", "9999-12"), ("0001", "0001-01")])
def test_new_event_accepts_the_first_and_last_months_a_date_can_hold(archive, date, end):
    result = run_sitegen("new", "event", "Far away", "--date", date, "--end", end, cwd=archive.root)
    assert result.returncode == 0, result.stderr
    problems = Problems()
    [event] = load_timeline(archive.root, archive.root / "content/timeline.toml", problems)
    assert problems.items == []
    assert (event.date.iso, event.end.iso) == (date, end)


def test_new_event_refuses_an_unknown_entity(archive):
    result = run_sitegen("new", "event", "Battle", "--date", "2016", "--entity", "nobody", cwd=archive.root)
    assert result.returncode == 1
    assert "content/entities/nobody.md does not exist" in result.stderr


def test_new_outside_an_archive_says_where_to_run_it(tmp_path):
    result = run_sitegen("new", "article", "Title", cwd=tmp_path)
    assert result.returncode == 1
    assert "no site.toml" in result.stderr and "--root" in result.stderr


# --- sitegen import: plain text -------------------------------------------------------


def test_import_of_the_seed_reproduces_the_example_article_body(archive):
    shutil.copy(FIXTURES / "seed.txt", archive.root / "seed.txt")
    result = run_sitegen("import", "seed.txt", "--year", "2016", "--source", "The Telegraph", cwd=archive.root)
    assert result.returncode == 0, result.stderr
    expected = body_paragraphs(EXAMPLE_ARTICLE)
    assert expected[-2] == "* * *" and expected[-1].startswith("*Editor’s note:*")
    assert body_paragraphs(archive.root / SEED_ARTICLE) == expected[:-2]


def test_import_of_the_seed_reports_what_it_found_and_where_it_wrote(archive):
    result = run_sitegen("import", str(FIXTURES / "seed.txt"), "--year", "2016", "--source", "The Telegraph", cwd=archive.root)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Islamic State retreat reveals terror plots against Europe" in out
    assert "2016-08-16" in out and "Tuesday, August 16" in out and "--year" in out
    assert "The Telegraph" in out and "paragraphs:  34" in out
    assert "credit line “© Getty" in out
    assert f"wrote {SEED_ARTICLE}" in out
    article = loaded(archive.root, SEED_ARTICLE)
    assert (article.title, article.date.iso, article.source) == (
        "Islamic State retreat reveals terror plots against Europe", "2016-08-16", "The Telegraph"
    )


def test_import_without_year_fails_asking_for_year(archive):
    result = run_sitegen("import", str(FIXTURES / "seed.txt"), cwd=archive.root)
    assert result.returncode == 1
    assert "seed.txt: error:" in result.stderr
    assert "“Tuesday, August 16” has no year: pass --year YYYY" in result.stderr
    assert not (archive.root / "content/articles").exists()


def test_a_file_that_fails_does_not_stop_the_others(archive):
    result = run_sitegen("import", str(FIXTURES / "seed.txt"), str(FIXTURES / "article-meta.html"), cwd=archive.root)
    assert result.returncode == 1
    assert "Imported 1 of 2 files; 1 failed" in result.stderr
    assert (archive.root / "content/articles/2016/2016-10-17-battle-for-mosul-begins-as-iraqi-forces-advance.md").is_file()


def test_import_refuses_to_overwrite(archive):
    args = ("import", str(FIXTURES / "seed.txt"), "--year", "2016")
    assert run_sitegen(*args, cwd=archive.root).returncode == 0
    again = run_sitegen(*args, cwd=archive.root)
    assert again.returncode == 1
    assert f"{SEED_ARTICLE} already exists" in again.stderr


def test_run_together_paragraphs_are_separated_and_credits_dropped():
    article = parse_text_article(
        "March 3, 2017\n\nA title\n\nFirst line.Second line starts here.\n\n© Agency A photo\n\nThe end, he said.”Then more.\n",
    )
    assert article.paragraphs == ("First line.", "Second line starts here.", "The end, he said.”", "Then more.")
    assert article.day.isoformat() == "2017-03-03"


def test_date_lines_are_read_in_common_forms():
    assert parse_date_line("Tuesday, August 16") == parse_date_line("Tue 16th August")
    assert parse_date_line("Tuesday, August 16").year is None
    assert (parse_date_line("16 August 2016").year, parse_date_line("Aug. 16, 2016").month) == (2016, 8)
    assert parse_date_line("2016-08-16").day == 16
    assert parse_date_line("Islamic State retreat reveals terror plots") is None
    assert parse_date_line("Mosul 16") is None


def test_markdown_characters_in_imported_text_stay_text():
    assert escape_line_starts(escape_inline("2014. A *bold* [claim] <b> & snake_case _x_")) == (
        "2014\\. A \\*bold\\* \\[claim\\] \\<b> & snake_case \\_x\\_"
    )
    assert escape_line_starts("# not a heading\n- not a list") == "\\# not a heading\n\\- not a list"


def test_a_weekday_that_does_not_fit_the_year_is_reported():
    article = parse_text_article("Tuesday, August 16\n\nTitle\n\nText.\n", year=2017)
    assert any("is a Wednesday" in note for note in article.notes)


# --- sitegen import: HTML --------------------------------------------------------------

JSONLD_ARTICLE = "content/articles/2017/2017-07-10-iraqi-prime-minister-declares-victory-over-islamic-state-in-mosul.md"
META_ARTICLE = "content/articles/2016/2016-10-17-battle-for-mosul-begins-as-iraqi-forces-advance.md"
PAGE_LEFTOVERS = (
    "gtag", "dataLayer", "tracker", "pixel", "analytics", "trackPageView", "_paq", "font-family", "margin",
    "Advertisement", "Share on", "Facebook", "Subscribe", "Sign up", "Raqqa offensive", "World", "Privacy",
    "Photograph", "By Sam", "Comments", "Be the first",
)  # fmt: skip


def test_html_with_json_ld_imports_title_date_and_body(archive):
    result = run_sitegen("import", str(FIXTURES / "article-jsonld.html"), cwd=archive.root)
    assert result.returncode == 0, result.stderr
    assert "JSON-LD headline" in result.stdout and "JSON-LD datePublished" in result.stdout
    article = loaded(archive.root, JSONLD_ARTICLE)
    assert article.title == "Iraqi prime minister declares victory over Islamic State in Mosul"
    assert article.date.iso == "2017-07-10T18:42:00+03:00"
    assert (article.source, article.authors) == ("The Example Gazette", ("Sam Reporter", "Alex Correspondent"))
    assert article.url == "https://gazette.example.org/world/2017/jul/10/mosul-victory"
    assert body_paragraphs(archive.root / JSONLD_ARTICLE) == [
        "Iraq’s prime minister, Haider al-Abadi, has arrived in [Mosul](https://gazette.example.org/world/mosul) to "
        "declare victory over Islamic State, nearly nine months after Iraqi forces began the offensive to retake the city.",
        "In a statement, his office congratulated “the heroic fighters and the Iraqi people on this *great victory*”.",
        "Fighting continued in a small pocket of the **Old City**, where the last militants were trapped against the river Tigris.",
        "## A city in ruins",
        "Hundreds of thousands of people fled the city during the fighting. Read the "
        "[UN statement](https://www.un.org/press/) for the figures.",
    ]


def test_html_with_only_meta_tags_imports_title_date_and_body(archive):
    result = run_sitegen("import", str(FIXTURES / "article-meta.html"), cwd=archive.root)
    assert result.returncode == 0, result.stderr
    assert '<meta property="article:published_time">' in result.stdout and '<meta property="og:title">' in result.stdout
    article = loaded(archive.root, META_ARTICLE)
    assert article.title == "Battle for Mosul begins as Iraqi forces advance"
    assert article.date.iso == "2016-10-17T06:30:00+00:00"
    assert (article.source, article.authors) == ("The Example Gazette", ("Sam Reporter",))
    assert body_paragraphs(archive.root / META_ARTICLE) == [
        "Iraqi and Kurdish forces have begun the long-awaited offensive to retake Mosul, the last stronghold of Islamic State in Iraq.",
        "The prime minister announced the start of the operation in a televised address before dawn:\\\n“The time of victory has come.”",
        "Commanders expect the battle to take *weeks, if not months*. About 1,000 to 1,500 militants are thought to remain in the city.",
        "Aid agencies warned that up to a million people could flee their homes.",
    ]


@pytest.mark.parametrize("relative, fixture", [(JSONLD_ARTICLE, "article-jsonld.html"), (META_ARTICLE, "article-meta.html")])
def test_html_import_drops_scripts_styles_navigation_and_tracking(archive, relative, fixture):
    assert run_sitegen("import", str(FIXTURES / fixture), cwd=archive.root).returncode == 0
    text = (archive.root / relative).read_text(encoding="utf-8")
    assert [word for word in PAGE_LEFTOVERS if word in text] == []
    assert "utm_" not in text and "CMP=" not in text


def test_imported_articles_build_without_warnings(archive):
    files = [str(FIXTURES / name) for name in ("seed.txt", "article-jsonld.html", "article-meta.html")]
    result = run_sitegen("import", *files, "--year", "2016", cwd=archive.root)
    assert result.returncode == 0, result.stderr
    assert "Imported 3 files." in result.stdout
    assert_builds_cleanly(archive)
    page = (archive.out / "articles/battle-for-mosul-begins-as-iraqi-forces-advance/index.html").read_text(encoding="utf-8")
    assert "<em>weeks, if not months</em>" in page


# --- sitegen suggest -------------------------------------------------------------------


@pytest.fixture
def named_archive(archive):
    archive.write(
        "content/entities/islamic-state.md",
        '---\nname: "Islamic State"\nkind: organization\naliases: ["Daesh", "Isil"]\n---\n',
    )
    archive.write(
        "content/entities/rupert-jones.md",
        '---\nname: "Rupert Jones"\nkind: person\naliases: ["Maj Gen Rupert Jones", "Jones"]\n---\n',
    )
    archive.article(
        "2016/2016-10-01-raqqa",
        title="Raqqa",
        date="2016-10-01",
        body=(
            "Abu Bakr al-Baghdadi, the leader of Islamic State, has not been seen since 2014. Officials believe "
            "Abu Bakr al-Baghdadi is hiding near Raqqa.\n\n"
            "Daesh still holds the city. Maj Gen Rupert Jones said the coalition would keep up the pressure on Daesh.\n\n"
            "Rupert Jones added that Daesh fighters were leaving, and that Isil was weaker."
        ),
    )
    archive.article(
        "2016/2016-11-01-mosul",
        title="Mosul",
        date="2016-11-01",
        body=(
            "Coalition officials said Abu Bakr al-Baghdadi had lost control of his commanders. Jones said Daesh "
            "was losing ground.\n\n"
            "The whereabouts of Abu Bakr al-Baghdadi remain unknown, said Rupert Jones. Daesh denied it. Daesh "
            "fighters regrouped in Raqqa. The Raqqa front is quiet."
        ),
    )
    return archive


def test_suggest_ranks_a_frequent_undefined_name_first_and_omits_defined_ones(named_archive):
    result = run_sitegen("suggest", cwd=named_archive.root)
    assert result.returncode == 0, result.stderr
    headings = re.findall(r"^(.+): \d+ mentions? in", result.stdout, re.MULTILINE)
    assert headings[:2] == ["Abu Bakr al-Baghdadi", "Raqqa"]
    assert "Abu Bakr al-Baghdadi: 4 mentions in 2 articles (mosul, raqqa)" in result.stdout
    for defined in ("Daesh", "Isil", "Jones", "Rupert", "Islamic State", "Maj Gen"):
        assert defined not in headings


def test_suggest_json_parses_with_counts_articles_and_an_example(named_archive):
    result = run_sitegen("suggest", "--format", "json", cwd=named_archive.root)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    first = data["suggestions"][0]
    assert first["name"] == "Abu Bakr al-Baghdadi" and first["count"] == 4
    assert first["articles"] == ["mosul", "raqqa"]
    assert "Abu Bakr al-Baghdadi" in first["example"]
    assert [s["name"] for s in data["suggestions"]] == ["Abu Bakr al-Baghdadi", "Raqqa"]


def test_suggest_min_sets_the_threshold(named_archive):
    result = run_sitegen("suggest", "--min", "4", "--format", "json", cwd=named_archive.root)
    assert [s["name"] for s in json.loads(result.stdout)["suggestions"]] == ["Abu Bakr al-Baghdadi"]
    assert run_sitegen("suggest", "--min", "0", cwd=named_archive.root).returncode == 2
