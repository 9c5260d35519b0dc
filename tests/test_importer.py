"""`sitegen import` and `sitegen new` on hostile input: deep pages, long titles,
characters no page or feed can hold, and a batch in which one file fails."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sitegen.authoring import importer, scaffold
from sitegen.authoring.importer import parse_html_article

FIXTURES = Path(__file__).resolve().parent / "fixtures"
NAME_MAX = 255  # bytes in one file name on Linux and macOS file systems
ATOM = "{http://www.w3.org/2005/Atom}"


def run_sitegen(*args: str | bytes, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def page(body: str, title: str = "A title", head: str = "") -> str:
    return (
        f'<!doctype html><html><head><title>{title}</title>'
        f'<meta property="article:published_time" content="2020-05-17">{head}</head>'
        f"<body><article>{body}</article></body></html>"
    )


def written_articles(root: Path) -> list[Path]:
    return sorted((root / "content/articles").rglob("*.md"))


def front_matter(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("\n---\n", 1)[0]


def feed_titles(archive) -> list[str]:
    feed = ET.parse(archive.out / "feed.xml").getroot()
    return [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]


# --- deep pages ------------------------------------------------------------------------


@pytest.mark.parametrize("tag", ["span", "div", "em"])
def test_a_page_nested_20000_deep_imports(archive, tag):
    archive.write("deep.html", page("<p>Start " + f"<{tag}>word " * 20_000 + "</p>"))
    result = run_sitegen("import", "deep.html", cwd=archive.root)
    assert result.returncode == 0, result.stderr
    [article] = written_articles(archive.root)
    assert article.read_text(encoding="utf-8").count("word") == 20_000


def test_paragraphs_and_list_items_end_where_html5_ends_them():
    article = parse_html_article(page("<p>One<p>Two<ul><li>First<li>Second</ul><p>Three</p>"))
    assert article.paragraphs == ("One", "Two", "- First\n- Second", "Three")


def test_misnested_emphasis_is_read_as_a_browser_reads_it():
    article = parse_html_article(page("<p><b>bold <i>both</b> italic</i></p>"))
    assert article.paragraphs == ("**bold *both*** *italic*",)


def test_table_cells_become_paragraphs_with_or_without_tbody():
    article = parse_html_article(page("<table><tr><td>Left<td>Right</table>"))
    assert article.paragraphs == ("Left", "Right")


def test_deeply_nested_json_ld_is_ignored_with_a_note():
    head = '<script type="application/ld+json">' + "[" * 100_000 + "]" * 100_000 + "</script>"
    article = parse_html_article(page("<p>Text.</p>", head=head))
    assert article.title == "A title"
    assert any("JSON-LD" in note for note in article.notes)


# --- file names ------------------------------------------------------------------------

LONG_TITLE = " ".join(["Reconstruction"] * 20) + " " + "x" * 20  # 320 characters


def assert_short_name(path: Path) -> None:
    assert len(path.name.encode("utf-8")) <= NAME_MAX


def test_new_article_with_a_300_character_title_gets_a_short_file_name(archive):
    result = run_sitegen("new", "article", LONG_TITLE, "--date", "2020-05-17", cwd=archive.root)
    assert result.returncode == 0, result.stderr
    [path] = written_articles(archive.root)
    assert path.name == "2020-05-17-" + "-".join(["reconstruction"] * 5) + ".md"  # whole words, at most 80 characters
    assert f'title: "{LONG_TITLE}"' in front_matter(path)
    assert archive.build().warnings == []


@pytest.mark.parametrize("title", ["日本語の見出し" * 45, "Ünïcödé " * 40, "Ω" * 300])
def test_new_article_with_a_long_multi_byte_title_gets_a_short_file_name(archive, title):
    result = run_sitegen("new", "article", title, "--date", "2020-05-17", cwd=archive.root)
    assert result.returncode == 0, result.stderr
    [path] = written_articles(archive.root)
    assert_short_name(path)
    assert len(path.stem.removeprefix("2020-05-17-")) <= 80


def test_new_entity_with_a_300_character_name_gets_a_short_id(archive):
    result = run_sitegen("new", "entity", LONG_TITLE, "--kind", "person", cwd=archive.root)
    assert result.returncode == 0, result.stderr
    [path] = sorted((archive.root / "content/entities").glob("*.md"))
    assert path.name == "-".join(["reconstruction"] * 5) + ".md"
    assert archive.build().warnings == []


def test_new_entity_with_an_over_long_id_is_a_usage_error(archive):
    result = run_sitegen("new", "entity", "Name", "--kind", "person", "--id", "a" * 300, cwd=archive.root)
    assert result.returncode == 2
    assert "--id" in result.stderr and "80" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("suffix", [".txt", ".html"])
def test_import_of_an_article_with_a_300_character_title(archive, suffix):
    text = f"May 17, 2020\n\n{LONG_TITLE}\n\nText.\n" if suffix == ".txt" else page("<p>Text.</p>", title=LONG_TITLE)
    archive.write(f"long{suffix}", text)
    result = run_sitegen("import", f"long{suffix}", cwd=archive.root)
    assert result.returncode == 0, result.stderr
    [path] = written_articles(archive.root)
    assert_short_name(path)
    assert archive.build().warnings == []


# --- a batch in which one file fails ---------------------------------------------------


def test_a_file_that_cannot_be_written_does_not_stop_the_batch(archive):
    archive.write("content/articles/2016", "a file where the folder of 2016 would be")
    seed, other = str(FIXTURES / "seed.txt"), str(FIXTURES / "article-jsonld.html")
    result = run_sitegen("import", seed, other, "--year", "2016", cwd=archive.root)
    assert result.returncode == 1
    [error] = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert error.startswith(f"{seed}: error: ") and "content/articles/2016" in error
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert "Imported 1 of 2 files; 1 failed" in result.stderr
    assert [p.parent.name for p in written_articles(archive.root)] == ["2017"]


def test_an_unforeseen_failure_on_one_file_is_reported_and_the_batch_goes_on(archive, monkeypatch):
    real_read = importer.read_article

    def read(path, **options):
        if path.name == "first.txt":
            raise RuntimeError("a page no test foresaw")
        return real_read(path, **options)

    monkeypatch.setattr(importer, "read_article", read)
    for name in ("first.txt", "second.txt"):
        archive.write(name, f"May 17, 2020\n\nThe {name} article\n\nText.\n")
    first, second = importer.import_files(archive.root, [archive.root / "first.txt", archive.root / "second.txt"])
    assert first.article is None and "a page no test foresaw" in first.error and "bug in sitegen" in first.error
    assert second.written == archive.root / "content/articles/2020/2020-05-17-the-second-txt-article.md"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_a_named_pipe_is_refused_instead_of_waiting_for_a_writer(archive):
    os.mkfifo(archive.root / "pipe.txt")
    archive.write("second.txt", "May 17, 2020\n\nThe second article\n\nText.\n")
    first, second = importer.import_files(archive.root, [archive.root / "pipe.txt", archive.root / "second.txt"])
    assert first.article is None and first.error.startswith("not a regular file (a named pipe")
    assert second.written is not None


def test_a_full_disk_leaves_no_half_written_article(archive, monkeypatch):
    class FullDisk:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, text):
            self.handle.write(text[:10])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(scaffold, "open", lambda *args, **kwargs: FullDisk(open(*args, **kwargs)), raising=False)
    with pytest.raises(scaffold.AuthoringError) as caught:
        scaffold.new_article(archive.root, "A title", "2020-05-17")
    path = archive.root / "content/articles/2020/2020-05-17-a-title.md"
    assert str(caught.value).startswith(f"{path}: cannot write the file (No space left on device): ")
    assert written_articles(archive.root) == []


def test_a_deep_page_and_a_long_title_in_one_batch_are_both_imported(archive):
    archive.write("deep.html", page("<p>" + "<span>x" * 20_000 + "</p>", title="Deep"))
    archive.write("long.txt", f"May 17, 2020\n\n{LONG_TITLE}\n\nText.\n")
    result = run_sitegen("import", "deep.html", "long.txt", cwd=archive.root)
    assert result.returncode == 0, result.stderr
    assert "Imported 2 files." in result.stdout


# --- characters no page or feed can hold -----------------------------------------------


def test_new_article_leaves_out_control_characters_and_noncharacters(archive):
    result = run_sitegen("new", "article", "Ceasefire\x01 in\x7f Mosul\ufffe", "--date", "2020-05-17",
                         "--source", "The\x1b Gazette", cwd=archive.root)  # fmt: skip
    assert result.returncode == 0, result.stderr
    [path] = written_articles(archive.root)
    assert path.name == "2020-05-17-ceasefire-in-mosul.md"
    assert archive.build().warnings == []
    assert feed_titles(archive) == ["Ceasefire in Mosul\ufffd"]


def test_new_article_with_undecodable_bytes_in_its_title(archive):
    result = run_sitegen("new", "article", os.fsencode("Caf") + b"\xe9 report", "--date", "2020-05-17", cwd=archive.root)
    assert result.returncode == 0, result.stderr
    assert archive.build().warnings == []
    assert feed_titles(archive) == ["Caf\ufffd report"]


def test_new_entity_leaves_out_control_characters(archive):
    result = run_sitegen("new", "entity", "Rupert\x01 Jones", "--kind", "person", "--alias", "Maj\x02 Gen Jones",
                         "--summary", "A general.\x0c", cwd=archive.root)  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = (archive.root / "content/entities/rupert-jones.md").read_text(encoding="utf-8")
    assert 'name: "Rupert Jones"' in text and '"Maj Gen Jones"' in text and 'summary: "A general."' in text
    assert archive.build().warnings == []


def test_imported_text_with_control_characters_builds_and_its_feed_parses(archive):
    archive.write("odd.txt", "May 17, 2020\n\nA\x01 title\ufffe\n\nText\x02 with\x1f controls.\n")
    result = run_sitegen("import", "odd.txt", cwd=archive.root)
    assert result.returncode == 0, result.stderr
    [path] = written_articles(archive.root)
    assert path.read_text(encoding="utf-8").endswith("---\n\nText with controls.\n")
    assert archive.build().warnings == []
    assert feed_titles(archive) == ["A title\ufffd"]


def test_imported_html_with_control_characters_builds_and_its_feed_parses(archive):
    head = '<meta name="description" content="A\x01 summary">'
    archive.write("odd.html", page("<p>Text\x02 here.</p>", title="An\x03 odd title", head=head))
    result = run_sitegen("import", "odd.html", cwd=archive.root)
    assert result.returncode == 0, result.stderr
    assert archive.build().warnings == []
    feed = ET.parse(archive.out / "feed.xml").getroot()
    [entry] = feed.iter(f"{ATOM}entry")
    assert (entry.findtext(f"{ATOM}title"), entry.findtext(f"{ATOM}summary")) == ("An odd title", "A summary")


@pytest.mark.parametrize("escape, shown", [("\\u0001", "U+0001 (a control character)"), ("\\ufffe", "U+FFFE (a noncharacter)")])
def test_a_front_matter_title_holding_an_escaped_control_character_is_a_located_error(archive, escape, shown):
    archive.write("content/articles/odd.md", f'---\ndate: 2020-05-17\ntitle: "A{escape} title"\n---\nText.\n')
    with pytest.raises(Exception) as caught:
        archive.build()
    errors = [str(d) for d in caught.value.errors]
    assert errors == [f"content/articles/odd.md:3: error: `title` contains {shown}, which no page or feed can hold: remove it"]


def test_an_author_holding_an_escaped_control_character_is_a_located_error(archive):
    archive.write("content/articles/odd.md", '---\ntitle: "A title"\ndate: 2020-05-17\nauthors: ["Sam", "Al\\x01ex"]\n---\nText.\n')
    result = run_sitegen("build", cwd=archive.root)
    assert result.returncode == 1
    assert "content/articles/odd.md:4: error: `authors` contains U+0001" in result.stderr


def test_a_site_title_holding_an_escaped_control_character_is_a_located_error(archive):
    archive.write("site.toml", '[site]\ntitle = "Archive\\u0007"\nbase_url = "https://example.org/"\n')
    result = run_sitegen("build", cwd=archive.root)
    assert result.returncode == 1
    assert "site.toml:2: error: `site.title` contains U+0007 (a control character)" in result.stderr


def test_a_base_url_holding_a_control_character_is_a_usage_error(archive):
    result = run_sitegen("build", "--base-url", "https://example.org/arch\x01ive/", cwd=archive.root)
    assert result.returncode == 2
    assert "--base-url" in result.stderr and "U+0001 (a control character)" in result.stderr
    assert not archive.out.exists()
