"""The persistent cache is trusted only when it is provably this user's, made from these inputs.

A cache made by other code, other packages or another Python is not used;
nor is one that was edited, copied from elsewhere, or is not a plain file of
sane size. In every such case the build equals a clean one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
import os
import pickle
import re
import stat
import sys
import tomllib
import unicodedata
from pathlib import Path

import pytest
from conftest import REPOSITORY, copy_example_archive
from test_cache import small_archive

import sitegen.engine.annotation
import sitegen.engine.builder
import sitegen.engine.cache_key
import sitegen.engine.stored_fragments
import sitegen.pipeline.load_markdown
from sitegen.engine.builder import Builder, BuildOptions, build
from sitegen.engine.cache_file import (
    CACHE_DIR,
    CACHE_FILE,
    KEY_VARIABLE,
    OUTPUT_PACKAGES,
    RECORD_CHECKS,
    TOOLING_PACKAGES,
    cache_key,
    code_digest,
    environment_digest,
    key_file,
    load_persistent_cache,
    seal_of,
)
from sitegen.engine.cache_key import installed_versions
from sitegen.model.errors import ContentError
from sitegen.model.models import Article

SOURCES_WITH_FRONT_MATTER = 4  # small_archive: three articles and one entity


def count_calls(monkeypatch, module, name: str) -> list:
    """Record every call of `module.name` from now on."""
    calls: list = []
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def assert_equals_clean_build(archive, tmp_path) -> None:
    build(BuildOptions(root=archive.root, output=str(tmp_path / "clean"), cache=False))
    assert archive.output_files() == archive.output_files(tmp_path / "clean")


def count_parses(monkeypatch) -> list:
    """Every article or entity file parsed from now on."""
    return count_calls(monkeypatch, sitegen.pipeline.load_markdown, "split_front_matter")


def cache_path(archive) -> Path:
    return archive.root / CACHE_DIR / CACHE_FILE


def assert_cache_ignored(archive, tmp_path, monkeypatch) -> None:
    """The next build parses every source again and equals a clean build."""
    parsed = count_parses(monkeypatch)
    archive.build(workers=1)
    assert len(parsed) == SOURCES_WITH_FRONT_MATTER
    assert_equals_clean_build(archive, tmp_path)


def parsed_line(line: bytes) -> list:
    """An entry line as JSON data; an annotated article's, which holds its body and
    notes apart after tabs, as ["a", key, the rest of the article, body, notes]; a
    parsed article's, which holds its Markdown body apart after a tab, as ["s", key,
    the rest of the entry, its digest, body]."""
    head, *apart = line.split(b"\t")
    return [*json.loads(head), *map(json.loads, apart)]


def line_of(entry: list) -> bytes:
    if entry[0] == "a" and len(entry) == 5:
        return b"\t".join(json.dumps(part, ensure_ascii=False).encode() for part in (entry[:3], entry[3], entry[4]))
    if entry[0] == "s" and len(entry) == 5:
        return b"\t".join(json.dumps(part, ensure_ascii=False).encode() for part in (entry[:4], entry[4]))
    return json.dumps(entry, ensure_ascii=False).encode()


def reseal(path: Path, change) -> None:
    """Apply `change` to the entry lines (parsed JSON; bytes stay as they are) and seal the file again with the right key."""
    header, *entries, seal, end = path.read_bytes().split(b"\n")
    assert end == b"" and seal
    changed = [entry if isinstance(entry, bytes) else line_of(entry) for entry in change([parsed_line(line) for line in entries])]
    body = b"\n".join([header, *changed]) + b"\n"
    path.write_bytes(body + seal_of(body, cache_key()) + b"\n")


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# --- what the cache is keyed on -------------------------------------------------------------


@pytest.fixture(autouse=True)
def environment_taken_afresh():
    """Each test's builds take the digest of the environment as a new process would, and leave none behind."""
    environment_digest.cache_clear()
    yield
    environment_digest.cache_clear()


def in_a_new_process() -> None:
    """Forget the digest of the environment, which a process takes once: the next build
    is that of a new process in the environment as it is now."""
    environment_digest.cache_clear()


def test_a_new_version_of_a_package_that_shapes_the_output_invalidates_the_cache(archive, tmp_path, monkeypatch):
    small_archive(archive)
    archive.build()
    # A newer version installed where the import path looks first.
    (tmp_path / "newer" / "markdown_it_py-99.0.dist-info").mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [str(tmp_path / "newer"), *sys.path])
    in_a_new_process()
    annotated = count_calls(monkeypatch, sitegen.engine.annotation, "annotate_article")
    archive.build(workers=1)
    assert len(annotated) == 3
    assert_equals_clean_build(archive, tmp_path)


@pytest.mark.parametrize("package", ["PyYAML", "markdown-it-py", "mdit-py-plugins", "MarkupSafe"])
def test_the_version_of_each_package_is_read_from_its_metadata_folder_as_importlib_reads_it(package):
    assert installed_versions((package,))[package].endswith(f"-{importlib.metadata.version(package)}.dist-info")


def test_a_package_found_in_no_metadata_folder_is_asked_of_importlib(monkeypatch):
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "7.7" if name == "zipped-package" else "?")

    assert installed_versions(("zipped-package",)) == {"zipped-package": "7.7"}


def test_a_metadata_folder_whose_name_gives_no_version_is_asked_of_importlib(tmp_path, monkeypatch):
    (tmp_path / "old-editable" / "Jinja2.egg-info").mkdir(parents=True)  # what `setup.py develop` leaves
    monkeypatch.setattr(sys, "path", [str(tmp_path / "old-editable"), *sys.path])
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "9.9.9")

    assert installed_versions(("jinja2",)) == {"jinja2": "9.9.9"}


@pytest.mark.parametrize("entry", ["packages.zip", "package.egg"])
def test_packages_a_zip_file_or_an_egg_on_the_path_may_hold_are_asked_of_importlib(tmp_path, monkeypatch, entry):
    if entry.endswith(".zip"):
        (tmp_path / entry).write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip file
    else:
        (tmp_path / entry / "EGG-INFO").mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [str(tmp_path / entry), *sys.path])
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "9.9.9")

    assert installed_versions(("jinja2",)) == {"jinja2": "9.9.9"}


def test_another_unicode_database_invalidates_the_cache(archive, tmp_path, monkeypatch):
    small_archive(archive)
    archive.build()
    monkeypatch.setattr(unicodedata, "unidata_version", "0.0.1")
    in_a_new_process()
    annotated = count_calls(monkeypatch, sitegen.engine.annotation, "annotate_article")
    archive.build(workers=1)
    assert len(annotated) == 3
    assert_equals_clean_build(archive, tmp_path)


def test_the_code_digest_covers_modules_in_subpackages(tmp_path):
    package = tmp_path / "package"
    (package / "layer").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "layer" / "stage.py").write_text("RULE = 1\n")
    before = code_digest(package)
    (package / "layer" / "stage.py").write_text("RULE = 2\n")
    assert code_digest(package) != before


def test_every_runtime_dependency_is_either_in_the_cache_key_or_known_not_to_shape_output():
    declared = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    names = {normalised(re.match(r"[A-Za-z0-9._-]+", requirement).group()) for requirement in declared}
    assert names <= {normalised(name) for name in (*OUTPUT_PACKAGES, *TOOLING_PACKAGES)}


# --- a cache that is what this user's sitegen wrote is used ----------------------------------


def test_a_valid_cache_is_used_without_parsing_or_annotating_again(archive, tmp_path, monkeypatch):
    small_archive(archive)
    archive.build()
    parsed = count_parses(monkeypatch)
    annotated = count_calls(monkeypatch, sitegen.engine.annotation, "annotate_article")
    archive.build(workers=1)
    assert parsed == [] and annotated == []
    assert_equals_clean_build(archive, tmp_path)


def test_the_cache_holds_every_entry_of_the_example_archive_exactly(tmp_path):
    example = copy_example_archive(tmp_path / "example")
    builder = Builder(BuildOptions(root=example.root, search=False, workers=1))
    builder.build()
    loaded = load_persistent_cache(example.root)
    assert loaded.sources.entries == builder.cache.sources.entries
    assert loaded.fragments.entries == builder.cache.fragments.entries


def test_front_matter_of_every_yaml_type_comes_back_from_the_cache_as_it_was(archive, tmp_path, monkeypatch):
    small_archive(archive)
    archive.write(
        "content/articles/rich.md",
        "---\ntitle: Rich\ndate: 2021-03-04T05:06:07+05:30\nrating: 4.5\nhuge: 12345678901234567890\n"
        "flags: !!set {a, b}\nblob: !!binary aGVsbG8=\nwhen: !!timestamp 2001-12-14t21:59:43.10-05:00\n"
        "day: !!timestamp 2002-12-14\nnested: {a: [1, {b: null}], 2: true, 1.5: [x, y]}\n---\nMosul.\n",
    )
    builder = Builder(BuildOptions(root=archive.root, workers=1))
    builder.build()
    assert load_persistent_cache(archive.root).sources.entries == builder.cache.sources.entries
    parsed = count_parses(monkeypatch)
    archive.build()
    assert parsed == []


def test_a_shared_key_lets_a_cache_be_restored_on_another_machine(archive, tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, "a secret both machines are given, as CI does")
    small_archive(archive)
    archive.build()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-home"))  # no key file of its own yet
    parsed = count_parses(monkeypatch)
    archive.build()
    assert parsed == []
    assert not key_file().exists()


def test_the_key_file_is_made_on_first_use_readable_by_its_owner_only(archive, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home"))
    small_archive(archive)
    archive.build()
    assert key_file() == tmp_path / "home" / "sitegen" / "key"
    assert stat.S_IMODE(key_file().stat().st_mode) == 0o600


def test_without_a_place_for_the_key_the_build_simply_keeps_no_cache(archive, tmp_path, monkeypatch):
    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not-a-folder"))
    small_archive(archive)
    archive.build()
    assert not cache_path(archive).exists()
    assert_cache_ignored(archive, tmp_path, monkeypatch)


# --- a cache that could run code or change the site is never used -----------------------------


class WritesAMarker:
    """Unpickling this creates the file `marker`: proof that the cache ran code."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return open, (str(self.marker), "w")


@pytest.mark.parametrize("name", [CACHE_FILE, "build.pickle"])
def test_a_pickle_in_the_cache_folder_never_runs(archive, tmp_path, monkeypatch, name):
    small_archive(archive)
    archive.build()
    marker = tmp_path / "the-cache-ran-code"
    (archive.root / CACHE_DIR / name).write_bytes(pickle.dumps({"format": 1, "sources": WritesAMarker(marker)}))
    archive.build()
    assert not marker.exists()
    assert_equals_clean_build(archive, tmp_path)


def edit_text(data: bytes) -> bytes:
    """What an article says, changed in the cache (same length, whatever the format)."""
    assert b"part 1." in data
    return data.replace(b"part 1.", b"PWNED 1")


@pytest.mark.parametrize("tampering", ["edited", "edited, with a plain checksum recomputed", "sealed with another key"])
def test_a_cache_edited_or_sealed_by_someone_else_is_ignored(archive, tmp_path, monkeypatch, tampering):
    small_archive(archive)
    if tampering == "sealed with another key":
        monkeypatch.setenv(KEY_VARIABLE, "another user's secret")
        archive.build()
        monkeypatch.delenv(KEY_VARIABLE)
    else:
        archive.build()
        data = edit_text(cache_path(archive).read_bytes())
        if tampering == "edited, with a plain checksum recomputed":
            body = data[: data.rstrip(b"\n").rfind(b"\n") + 1]
            data = body + hashlib.sha256(body).hexdigest().encode() + b"\n"
        cache_path(archive).write_bytes(data)
    assert_cache_ignored(archive, tmp_path, monkeypatch)
    assert "PWNED" not in archive.html("articles/a001/index.html").get_text()


def test_an_edit_that_breaks_the_seal_is_ignored_wherever_it_is(archive, tmp_path, monkeypatch):
    small_archive(archive)
    archive.build()
    data = bytearray(cache_path(archive).read_bytes())
    data[len(data) // 2] ^= 0x01
    cache_path(archive).write_bytes(bytes(data))
    assert_cache_ignored(archive, tmp_path, monkeypatch)


def make_huge(path: Path) -> None:
    with open(path, "wb") as stream:
        stream.truncate(1 << 36)  # 64 GiB, sparse: reading it would exhaust memory


@pytest.mark.parametrize(
    "replacement",
    ["truncated", "empty", "a directory", "a symlink to /dev/zero", "a fifo", "a huge file", "a symlink to a huge file"],
)
def test_a_cache_that_is_not_a_plain_file_of_sane_size_is_ignored(archive, tmp_path, monkeypatch, replacement):
    small_archive(archive)
    archive.build()
    path = cache_path(archive)
    data = path.read_bytes()
    path.unlink()
    if replacement == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif replacement == "empty":
        path.write_bytes(b"")
    elif replacement == "a directory":
        path.mkdir()
    elif replacement == "a symlink to /dev/zero":
        path.symlink_to("/dev/zero")
    elif replacement == "a fifo":
        os.mkfifo(path)  # opening it to read would wait for a writer forever
    elif replacement == "a huge file":
        make_huge(path)
    else:
        make_huge(tmp_path / "huge")
        path.symlink_to(tmp_path / "huge")
    assert_cache_ignored(archive, tmp_path, monkeypatch)


def replace_first(entries: list, section: str, change) -> list:
    index = next(i for i, entry in enumerate(entries) if entry[0] == section)
    entries[index] = change(entries[index])
    return entries


def article_entry(entries: list) -> list:
    return next(entry for entry in entries if entry[0] == "s" and entry[1].startswith("article:"))


@pytest.mark.parametrize(
    "change",
    [
        "a number for a title",
        "a field too many",
        "a class that is not cached",
        "an unknown tag",
        "an entry of the wrong shape",
        "a line that is not JSON",
        "a fragment key that is a list",
        "a fragment that is not an annotation",
        "a reading time that is text",
        "an article's HTML that is not text",
        "an article's HTML in its fields, not apart",
        "an output status that is not five integers",
        "a page digest that is text",
        "a record sitegen does not write",
        "a source's digest that is not 16 bytes",
        "an article's body apart that is not text",
        "an article's body apart and in its fields",
        "an article's body apart without its digest",
        "a digest beside an entry that is not a source",
        "front matter lines by a key that is not text",
        "front matter lines holding a value that is not plain",
        "front matter lines with more keys than lines",
        "front matter lines with a key twice",
    ],
)
def test_sealed_data_of_unexpected_types_is_ignored(archive, tmp_path, monkeypatch, change):
    small_archive(archive)
    archive.build()

    def damage(entries: list) -> list:
        article = article_entry(entries)[2][2][1]  # ["T", digest, ["T", ["Article", slug, title, ...], lines], problems]
        assert article[0] == "Article"
        if change == "a number for a title":
            article[2] = 5
        elif change == "a field too many":
            article.append("")
        elif change == "a class that is not cached":
            article[0] = "BuildCache"
        elif change == "an unknown tag":
            article_entry(entries)[2][0] = "__reduce__"
        elif change == "an entry of the wrong shape":
            entries.append(["s", "article:x.md", ["T", "not bytes", None, ["T"]]])
        elif change == "a line that is not JSON":
            return [*entries, b'["s", "article:x.md", ["T"']
        elif change == "a fragment key that is a list":
            replace_first(entries, "f", lambda entry: ["f", ["L", *entry[1][1:]], entry[2]])
        elif change == "a fragment that is not an annotation":
            replace_first(entries, "f", lambda entry: ["f", entry[1], ["SourcePos", "content/articles/a000.md", 1]])
        elif change == "a reading time that is text":
            annotated = next(entry[2] for entry in entries if entry[0] == "a" and entry[2][0] == "AnnotatedArticle")
            annotated[-1] = "5"
        elif change == "an article's HTML that is not text":
            next(entry for entry in entries if entry[0] == "a")[3] = 5
        elif change == "an article's HTML in its fields, not apart":
            entry = next(entry for entry in entries if entry[0] == "a")
            entry[2][2], entry[3], entry[4] = entry[3], "", ""
        elif change == "an output status that is not five integers":
            record = next(entry for entry in entries if entry[:2] == ["b", "manifest"])
            record[2] = ["M", "index.html", ["T", 1, 2]]
        elif change == "a page digest that is text":
            record = next(entry for entry in entries if entry[:2] == ["b", "pages"])
            record[2] = ["M", "index.html", "0123"]
        elif change == "a source's digest that is not 16 bytes":
            entry = article_entry(entries)
            assert len(entry) == 5  # the digest the annotate stage took of the article, then its body apart
            entry[3] = ["B", "00" * 8]
        elif change == "an article's body apart that is not text":
            article_entry(entries)[4] = 5
        elif change == "an article's body apart and in its fields":
            article[1 + [field.name for field in dataclasses.fields(Article)].index("body")] = "Also here."
        elif change == "an article's body apart without its digest":
            entry = article_entry(entries)
            del entry[3]
        elif change == "a digest beside an entry that is not a source":
            replace_first(entries, "f", lambda entry: [*entry, article_entry(entries)[3]])
        elif change.startswith("front matter lines"):
            lines = article_entry(entries)[2][2][2]  # ["P", its keys, the line of each]
            assert lines[0] == "P" and lines[1] and len(lines[1]) == len(lines[2])
            if change == "front matter lines by a key that is not text":
                lines[1][0] = 1
            elif change == "front matter lines holding a value that is not plain":
                lines[2][0] = ["T", 1]
            elif change == "front matter lines with more keys than lines":
                lines[1].append("extra")
            else:
                lines[1][-1] = lines[1][0]
        else:
            entries.append(["b", "trusted", True])
        return entries

    reseal(cache_path(archive), damage)
    assert_cache_ignored(archive, tmp_path, monkeypatch)


def test_a_cache_folder_that_is_a_symlink_is_neither_read_nor_written_through(archive, tmp_path, monkeypatch):
    """A `.sitegen-cache` shipped as a link to a folder elsewhere: the build neither
    writes a cache there nor deletes what it holds, and keeps no cache."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "build.pickle").write_bytes(b"someone's file")
    small_archive(archive)
    (archive.root / CACHE_DIR).symlink_to(elsewhere, target_is_directory=True)

    archive.build()

    assert sorted(p.name for p in elsewhere.iterdir()) == ["build.pickle"]
    assert (elsewhere / "build.pickle").read_bytes() == b"someone's file"
    assert_cache_ignored(archive, tmp_path, monkeypatch)


def test_a_cache_sealed_with_a_key_file_others_can_read_is_ignored(archive, tmp_path, monkeypatch):
    """A key file planted where the cache home is shared, or left readable by all:
    whoever read it could seal a cache that changes the site, so it seals nothing."""
    secret = "a secret everyone on this machine can read, 0123456789abcdef"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "shared"))
    key_file().parent.mkdir(parents=True)
    key_file().write_text(secret + "\n")
    key_file().chmod(0o644)
    small_archive(archive)
    monkeypatch.setenv(KEY_VARIABLE, secret)  # what the one who read it can do
    archive.build()
    reseal(cache_path(archive), lambda entries: json.loads(edit_text(json.dumps(entries).encode())))
    monkeypatch.delenv(KEY_VARIABLE)

    assert_cache_ignored(archive, tmp_path, monkeypatch)
    assert "PWNED" not in archive.html("articles/a001/index.html").get_text()


def test_a_build_takes_the_digest_of_the_environment_once(archive, monkeypatch):
    # The stamp and the cache are each read and written: the code and packages they are labelled
    # with are those of the process, read from disk once (each reading is a twentieth of a second).
    small_archive(archive)
    archive.build()
    archive.article("a000", title="Article 0", date="2020-01-01", body="Mosul and the caliphate, edited.")
    in_a_new_process()
    digested = count_calls(monkeypatch, sitegen.engine.cache_key, "code_digest")

    archive.build()

    assert len(digested) == 1


@pytest.mark.parametrize(
    "manifest",
    [{"index.html": (1, 2, 3, 4, True)}, {"index.html": (1, 2, 3, 4)}, {"index.html": [1, 2, 3, 4, 5]}, {b"index.html": (1, 2, 3, 4, 5)}, {"index.html": (1, 2, 3, 4, 5.0)}],
    ids=["a boolean", "four integers", "a list", "a path that is bytes", "a float"],
)
def test_an_output_status_of_any_other_shape_than_five_integers_by_path_is_refused(manifest):
    assert RECORD_CHECKS["manifest"]({"index.html": (1, 2, 3, 4, 5), "a/index.html": (6, 7, 8, 9, 10)})  # the check of the check
    assert not RECORD_CHECKS["manifest"]({"other.html": (1, 2, 3, 4, 5), **manifest})


def test_a_sealed_article_body_that_does_not_decode_is_parsed_again_from_its_file(archive, tmp_path):
    # A single build decodes an article's body, kept apart in its line, only to annotate it again:
    # one framed as a JSON string that is none gives the article as its file has it.
    small_archive(archive)
    archive.build()

    def body_not_json(entries: list) -> list:
        entry = article_entry(entries)
        return [b'%s\t"a","b"' % json.dumps(entry[:4]).encode() if item is entry else item for item in entries]

    reseal(cache_path(archive), body_not_json)
    archive.write("content/entities/caliphate.md", '---\nname: Caliphate\nkind: organization\nsummary: "A state."\n---\n')

    archive.build(workers=1)

    assert_equals_clean_build(archive, tmp_path)


def test_an_article_whose_body_cannot_be_read_back_and_whose_file_changed_meanwhile_stops_the_build(archive, monkeypatch):
    small_archive(archive)
    archive.build()
    archive.write("content/entities/caliphate.md", '---\nname: Caliphate\nkind: organization\nsummary: "A state."\n---\n')

    def damaged_and_edited(stored):
        (archive.root / stored.article.pos.path).write_text("---\ntitle: Other\ndate: 2020-01-01\n---\nAnother text.\n")
        raise sitegen.engine.stored_fragments.DamagedCopy("damaged")

    monkeypatch.setattr(sitegen.engine.stored_fragments.StoredSource, "load", damaged_and_edited)

    with pytest.raises(ContentError) as raised:
        archive.build(workers=1)
    assert [str(error) for error in raised.value.errors] == [
        "content/articles/a002.md: error: cannot be read (changed while the build read it); check the file and build again"
    ]


def html_not_json(entries: list) -> list:
    """The entry lines with an annotated article's HTML framed as a JSON string that is none."""
    entry = next(entry for entry in entries if entry[0] == "a")
    line = b'%s\t"a","b"\t%s' % (json.dumps(entry[:3]).encode(), json.dumps(entry[4]).encode())
    return [line if item is entry else item for item in entries]


@pytest.mark.parametrize("removable", [True, False], ids=["the cache removed", "the cache not removable"])
def test_sealed_article_html_that_does_not_decode_when_a_page_reads_it_gives_the_clean_build(archive, tmp_path, monkeypatch, removable):
    # A single build decodes an article's HTML, kept apart in its line, only when its page is
    # rendered: one framed as a JSON string that is none makes the build remove the cache and
    # build again without it.
    small_archive(archive)
    archive.build()
    reseal(cache_path(archive), html_not_json)
    archive.write("site.toml", (archive.root / "site.toml").read_text().replace('title = "', 'title = "The ', 1))
    annotated = count_calls(monkeypatch, sitegen.engine.annotation, "annotate_article")
    if not removable:
        monkeypatch.setattr(sitegen.engine.builder, "remove_persistent_cache", lambda root: None)

    archive.build()

    assert len(annotated) == 3  # the second attempt, without the cache
    assert_equals_clean_build(archive, tmp_path)
    assert load_persistent_cache(archive.root, lazy=False).fragments.entries  # a cache written afresh


def a_mention_count_that_is_text(entries: list) -> list:
    """The entry lines with the first mention of an annotated article counting in text: the
    mention still names its entity, so the line is read, and its details fail when decoded."""
    entry = next(entry for entry in entries if entry[0] == "a" and entry[2][3])
    entry[2][3][0][1] = "1"
    return entries


def test_sealed_article_mentions_that_do_not_decode_when_a_page_reads_them_give_the_clean_build(archive, tmp_path, monkeypatch):
    # A single build decodes an article's mentions, kept in its line, only when a page is planned
    # from them: ones that are not what sitegen writes make the build remove the cache and build
    # again without it.
    small_archive(archive)
    archive.build()
    reseal(cache_path(archive), a_mention_count_that_is_text)
    archive.write("site.toml", (archive.root / "site.toml").read_text().replace('title = "', 'title = "The ', 1))
    annotated = count_calls(monkeypatch, sitegen.engine.annotation, "annotate_article")

    archive.build()

    assert len(annotated) == 3  # the second attempt, without the cache
    assert_equals_clean_build(archive, tmp_path)
    assert load_persistent_cache(archive.root, lazy=False).fragments.entries  # a cache written afresh


def test_sealed_article_mentions_that_do_not_decode_are_refused_by_a_builder_that_lives_on(archive):
    # `watch` and `serve` decode the whole cache when they start: the file is taken as no cache.
    small_archive(archive)
    archive.build()
    reseal(cache_path(archive), a_mention_count_that_is_text)

    assert load_persistent_cache(archive.root, lazy=False).fragments.entries == {}
    assert load_persistent_cache(archive.root, lazy=True).fragments.entries  # a single build reads it, and checks it when read
