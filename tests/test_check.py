"""`sitegen check`: every validation, located messages, exit codes, and nothing written."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import copy_example_archive

from sitegen.cli import main


def run_check(archive, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sitegen", "check", *args],
        cwd=archive.root,
        capture_output=True,
        text=True,
        timeout=120,
    )


def entity(archive, entity_id: str, name: str, aliases: str = "[]", body: str = "") -> None:
    archive.write(f"content/entities/{entity_id}.md", f"---\nname: {name}\nkind: place\naliases: {aliases}\n---\n{body}\n")


def line_of(archive, relative: str, needle: str) -> int:
    lines = (archive.root / relative).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if needle in line)


def test_a_clean_archive_passes_and_writes_nothing(archive):
    archive.article("one", title="One")
    before = sorted(p.relative_to(archive.root).as_posix() for p in archive.root.rglob("*"))
    result = run_check(archive)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "Check passed: 0 errors, 0 warnings"
    assert sorted(p.relative_to(archive.root).as_posix() for p in archive.root.rglob("*")) == before
    assert not archive.out.exists()


def test_an_output_folder_sitegen_did_not_write_does_not_matter(archive):
    """Check writes nothing, so what the output folder holds is none of its business."""
    archive.article("one", title="One")
    archive.write("_site/notes.txt", "my own file")
    result = run_check(archive)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "Check passed: 0 errors, 0 warnings"
    assert sorted(p.name for p in archive.out.iterdir()) == ["notes.txt"]


def test_a_content_error_fails_with_its_location(archive):
    archive.write("content/articles/bad.md", "---\ntitle: Bad\ndate: 2020-13-01\n---\nBody\n")
    result = run_check(archive)
    assert result.returncode == 1
    assert "content/articles/bad.md:3: error: `date`" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_an_unreadable_file_fails_with_its_location_and_no_internal_error(archive, monkeypatch, capsys):
    archive.article("locked")
    real_read_bytes = Path.read_bytes

    def read_bytes(path):
        if path.name == "locked.md":
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert main(["check", "--root", str(archive.root)]) == 1
    printed = capsys.readouterr()
    assert "content/articles/locked.md: error: cannot be read (Permission denied)" in printed.out
    assert "internal error" not in printed.out + printed.err


def test_an_unresolved_reference_is_an_error(archive):
    archive.article("one", entities="[nobody]")
    result = run_check(archive)
    assert result.returncode == 1
    assert "content/articles/one.md:" in result.stdout and "nobody" in result.stdout


def test_an_entity_nothing_mentions_is_a_warning(archive):
    archive.article("one", body="Nothing to see.")
    entity(archive, "mosul", "Mosul")
    result = run_check(archive)
    assert result.returncode == 0, result.stdout
    assert (
        "content/entities/mosul.md:1: warning: entity 'mosul' is never mentioned; "
        "add it to an article's `entities` or remove it"
    ) in result.stdout.splitlines()


def test_strict_makes_warnings_fail(archive):
    archive.article("one", body="Nothing to see.")
    entity(archive, "mosul", "Mosul")
    result = run_check(archive, "--strict")
    assert result.returncode == 1
    assert "content/entities/mosul.md:1: warning: entity 'mosul' is never mentioned" in result.stdout


def test_an_entity_only_the_timeline_names_is_not_unmentioned(archive):
    archive.article("one", body="Nothing to see.")
    entity(archive, "mosul", "Mosul")
    archive.write("content/timeline.toml", '[[event]]\ndate = "2016-10-17"\ntitle = "Battle"\nentities = ["mosul"]\n')
    result = run_check(archive, "--strict")
    assert result.returncode == 0, result.stdout


def test_a_name_shared_by_two_entities_is_a_warning(archive):
    entity(archive, "jones-a", "Alice Jones", aliases='["Jones"]')
    entity(archive, "jones-b", "Bob Jones", aliases='["Jones"]')
    archive.article("one", body="Alice Jones met Bob Jones.")
    result = run_check(archive)
    assert result.returncode == 0, result.stdout
    warnings = [line for line in result.stdout.splitlines() if ": warning: the name 'Jones' belongs to 2 entities" in line]
    assert [w.split(":")[0] for w in warnings] == ["content/entities/jones-a.md"]
    assert "(content/entities/jones-a.md and content/entities/jones-b.md)" in warnings[0]


def test_a_root_relative_link_to_no_page_is_an_error_at_its_line(archive):
    archive.article("one", body="First paragraph.\n\nSee [the plan](/articles/nope/) here.")
    result = run_check(archive)
    assert result.returncode == 1
    line = line_of(archive, "content/articles/one.md", "/articles/nope/")
    assert f"content/articles/one.md:{line}: error: broken link '/articles/nope/'" in result.stdout


def test_a_relative_link_to_no_page_is_an_error_at_its_line_inside_a_paragraph(archive):
    archive.article("one", body="A paragraph\nover lines, with\n[a link](../nope/) on the third.")
    result = run_check(archive)
    assert result.returncode == 1
    line = line_of(archive, "content/articles/one.md", "../nope/")
    assert f"content/articles/one.md:{line}: error: broken link '../nope/'" in result.stdout


def test_links_in_entity_descriptions_resolve_from_the_entity_page(archive):
    archive.article("one", body="Mosul.")
    entity(archive, "mosul", "Mosul", body="Read [the article](../../articles/one/) and [this](../nope/).")
    result = run_check(archive)
    assert result.returncode == 1
    assert [line for line in result.stdout.splitlines() if ": error: " in line] == [
        f"content/entities/mosul.md:{line_of(archive, 'content/entities/mosul.md', 'nope')}: error: broken link "
        "'../nope/': the site has no page or file at entities/nope/; fix the address or remove the link"
    ]


def test_good_internal_links_and_external_links_pass(archive):
    archive.article("two", title="Two")
    archive.write("content/static/images/map one.png", b"png")
    archive.article(
        "one",
        body=(
            "[relative](../two/), [root](/articles/two/), [no slash](/articles/two), [home](/), "
            "[glossary](/glossary/#x), [image](/images/map%20one.png), [css](../../assets/sitegen.css), "
            "[here](#top), [external](https://example.com/nope/), <https://example.net/>, [mail](mailto:a@b.org)"
        ),
    )
    result = run_check(archive, "--strict")
    assert result.returncode == 0, result.stdout


def test_links_under_a_base_path_must_carry_it(archive):
    archive.article("two", title="Two")
    archive.article("one", body="[prefixed](/archive/articles/two/)\n\n[bare](/articles/two/)")
    result = run_check(archive, "--base-url", "https://example.org/archive/")
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    assert len(errors) == 1
    assert "'/articles/two/' leaves the site's base path /archive/" in errors[0]
    assert "'../two/'" in errors[0]


def test_json_format_lists_every_diagnostic(archive):
    archive.article("one", body="[x](/articles/nope/)")
    entity(archive, "mosul", "Mosul")
    result = run_check(archive, "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    line = line_of(archive, "content/articles/one.md", "nope")
    assert report["errors"] == [
        {
            "path": "content/articles/one.md",
            "line": line,
            "level": "error",
            "message": "broken link '/articles/nope/': the site has no page or file at articles/nope/; "
            "fix the address or remove the link",
        }
    ]
    assert [(w["path"], w["line"], w["level"]) for w in report["warnings"]] == [("content/entities/mosul.md", 1, "warning")]
    assert report["summary"]["errors"] == 1 and report["summary"]["warnings"] == 1 and report["summary"]["ok"] is False


def test_the_example_archive_checks_clean_with_strict(tmp_path):
    copy_example_archive(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "sitegen", "check", "--strict"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (tmp_path / "_site").exists()



def test_a_file_name_that_is_not_utf8_is_printed_escaped_on_a_strict_terminal(archive):
    folder = archive.root / "content/articles"
    folder.mkdir(parents=True)
    with open(os.fsencode(folder) + b"/\xff.md", "w") as handle:  # a name saved under another encoding
        handle.write("---\ntitle: T\ndate: 2020-01-01\n---\n")
    result = subprocess.run(
        [sys.executable, "-m", "sitegen", "check", "--root", str(archive.root)],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"},  # stdout as a UTF-8 locale other than C sets it
    )
    assert result.returncode == 1
    assert result.stdout.startswith("content/articles/\\udcff.md: error: the name is not valid UTF-8: rename it\n")
    assert "internal error" not in result.stderr
