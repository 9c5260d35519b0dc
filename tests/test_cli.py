"""The `sitegen` command as an editor meets it: exit codes, messages, no tracebacks."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest


def run_sitegen(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sitegen", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_build_succeeds_with_a_summary_line(archive):
    archive.article("one", title="One")
    result = run_sitegen("build", cwd=archive.root)
    assert result.returncode == 0, result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert re.match(r"Built 1 article, 0 entities: \d+ pages written to .+ \(0 warnings\) in [\d.]+ s$", summary)


def test_root_option_builds_another_folder(archive, tmp_path):
    archive.article("one", title="One")
    result = run_sitegen("build", "--root", str(archive.root), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (archive.out / "articles/one/index.html").is_file()


def test_broken_front_matter_exits_1_with_located_message_and_no_traceback(archive):
    archive.write("content/articles/bad.md", "---\ntitle: Fine\ndate: 2020-01-01\ntags: [unclosed\n---\nBody\n")
    result = run_sitegen("build", cwd=archive.root)
    assert result.returncode == 1
    assert re.search(r"^content/articles/bad\.md:\d+: error: invalid YAML", result.stderr, re.MULTILINE)
    assert "Traceback" not in result.stderr + result.stdout


def test_every_error_is_reported_in_one_run(archive):
    archive.write("content/articles/a.md", "---\ndate: 2020-01-01\n---\n")
    archive.write("content/articles/b.md", "---\ntitle: B\ndate: 2020-13-01\n---\n")
    result = run_sitegen("build", cwd=archive.root)
    assert result.returncode == 1
    assert "content/articles/a.md:1: error: missing required `title`" in result.stderr
    assert "content/articles/b.md:3: error: `date`" in result.stderr


def test_bad_site_toml_exits_1_naming_the_key(archive):
    archive.write("site.toml", '[site]\ntitle = "T"\nbase_url = "https://example.org/"\nlanguge = "en"\n')
    result = run_sitegen("build", cwd=archive.root)
    assert result.returncode == 1
    assert "site.toml:4: error: unknown key `site.languge`; did you mean `language`?" in result.stderr


def test_unknown_option_is_a_usage_error(archive):
    result = run_sitegen("build", "--frobnicate", cwd=archive.root)
    assert result.returncode == 2


def test_invalid_base_url_option_is_a_usage_error(archive):
    result = run_sitegen("build", "--base-url", "ftp://example.org/", cwd=archive.root)
    assert result.returncode == 2
    assert "--base-url" in result.stderr


def test_missing_site_toml_is_explained(tmp_path):
    result = run_sitegen("build", cwd=tmp_path)
    assert result.returncode == 1
    assert "no site.toml" in result.stderr


def test_refused_output_folder_is_a_usage_error(archive):
    result = run_sitegen("build", "--out", ".", cwd=archive.root)
    assert result.returncode == 2
    assert "refusing" in result.stderr


@pytest.mark.parametrize("out", [".sitegen-cache", ".sitegen-cache/site"])
def test_an_output_folder_in_the_build_cache_is_refused(archive, out):
    """The site would publish the cache, which holds the text of every source, drafts included."""
    result = run_sitegen("build", "--out", out, cwd=archive.root)
    assert result.returncode == 2
    assert result.stderr.startswith("sitegen: refusing to build into ") and "the build cache" in result.stderr
    assert not (archive.root / out / "index.html").exists()


@pytest.mark.parametrize("jobs", ["0", "-1", "257", "9" * 30, "two"])
def test_a_number_of_jobs_out_of_range_is_a_usage_error(archive, jobs):
    result = run_sitegen("build", f"--jobs={jobs}", cwd=archive.root)
    assert result.returncode == 2
    assert "--jobs" in result.stderr and "give a number from 1 to 256" in result.stderr
    assert not archive.out.exists()


@pytest.mark.parametrize("command", [["watch"], ["serve", "--port", "0"]])
@pytest.mark.parametrize("out", ["/", "."])
def test_watch_and_serve_refuse_an_output_folder_before_listening(archive, command, out):
    result = subprocess.run(
        [sys.executable, "-m", "sitegen", *command, "--out", out, "--root", str(archive.root)],
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("sitegen: refusing to build into ") and "Traceback" not in result.stderr
    assert "Serving" not in result.stdout and "Watching" not in result.stdout


@pytest.mark.parametrize("host", [b"", b" ", b"\xff", b"a" * 300])
def test_serve_refuses_a_host_that_is_no_address(archive, host):
    result = subprocess.run(
        [sys.executable, "-m", "sitegen", "serve", "--port", "0", "--root", str(archive.root), b"--host=" + host],
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("sitegen: --host ") and "Traceback" not in result.stderr
    assert "Serving" not in result.stdout


TOO_LONG = "/".join(["x" * 255] * 20)  # longer than any system's PATH_MAX


@pytest.mark.parametrize(
    "arguments",
    [
        ["build", "--root", TOO_LONG],
        ["build", "--out", TOO_LONG],
        ["check", "--root", TOO_LONG],
        ["suggest", "--root", TOO_LONG],
        ["watch", "--root", TOO_LONG],
        ["serve", "--root", TOO_LONG],
        ["new", "article", "Title", "--root", TOO_LONG],
        ["import", "saved.txt", "--root", TOO_LONG],
        ["init", TOO_LONG],
    ],
    ids=lambda arguments: " ".join(a if a != TOO_LONG else "TOO_LONG" for a in arguments),
)
def test_a_path_the_system_cannot_look_up_is_a_usage_error(archive, arguments):
    result = run_sitegen(*arguments, cwd=archive.root)
    assert result.returncode == 2
    assert "File name too long" in result.stderr and "internal error" not in result.stderr
    assert len(result.stderr) < 2000


@pytest.mark.parametrize("arguments", [["build", "--root", "a\x00b"], ["check", "--out", "o\x00"], ["init", "a\x00b"]])
def test_a_path_with_a_nul_character_is_a_usage_error(archive, arguments, capsys):
    from sitegen.cli import main

    with pytest.raises(SystemExit) as stopped:
        main(arguments)
    assert stopped.value.code == 2
    assert "holds a NUL character" in capsys.readouterr().err


def test_quiet_prints_nothing_on_success(archive):
    result = run_sitegen("build", "--quiet", cwd=archive.root)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_warnings_are_printed_with_their_location(archive):
    archive.article("one", title="One", colour="blue")
    result = run_sitegen("build", cwd=archive.root)
    assert result.returncode == 0
    assert "content/articles/one.md:4: warning: unknown key `colour`" in result.stderr
