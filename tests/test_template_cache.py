"""A build keeps the templates it compiled in `.sitegen-cache/templates.cache`, sealed,
and the next process loads them instead of compiling again (engine/template_cache.py)."""

from __future__ import annotations

import base64
import json

import jinja2
import pytest
from conftest import Archive

import sitegen.engine.staged_writer
import sitegen.engine.template_cache
import sitegen.pipeline.render
from sitegen.engine.cache_key import KEY_VARIABLE, cache_key, code_key, read_sealed, seal_of
from sitegen.engine.template_cache import TEMPLATES_FILE, _header, theme_templates_file

ARTICLE = "articles/first/index.html"


@pytest.fixture
def compiled(monkeypatch) -> list[str]:
    """The name of every template compiled in this process from now on."""
    names: list[str] = []
    real = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        names.append(name)
        return real(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return names


def seed(archive) -> None:
    archive.write("content/entities/mosul.md", '---\nname: Mosul\nkind: place\nsummary: "A city."\n---\nOn the Tigris.\n')
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.")
    archive.article("second", title="Second", date="2016-11-27", body="Mosul again.")


@pytest.fixture(autouse=True)
def own_user_cache(tmp_path, monkeypatch):
    """A user of its own for each test (key file and compiled theme): what one test compiled
    is not another's to find."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))


def templates_file(archive):
    return archive.root / ".sitegen-cache" / TEMPLATES_FILE


def sealed_by_this_user(path) -> bool:
    """Whether `path` is a file of compiled templates that this user's key seals."""
    return read_sealed(path, code_key(), _header(), 16 << 20) is not None


def article_text(archive) -> str:
    return archive.html(ARTICLE).find("main").get_text(" ", strip=True)


def test_a_build_after_an_edit_compiles_no_template_the_last_build_compiled(archive, compiled):
    seed(archive)
    archive.build()
    assert "article.html" in compiled
    archive.article("first", title="First", date="2016-10-17", body="Fighting nigh Mosul began.")
    compiled.clear()

    archive.build()

    assert compiled == []
    assert "Fighting nigh" in article_text(archive)


def test_a_template_edited_since_is_compiled_again_and_its_pages_show_it(archive, compiled):
    seed(archive)
    archive.write("templates/article.html", "{% extends 'theme/article.html' %}")
    archive.build()
    archive.write("templates/article.html", "{% extends 'theme/article.html' %}{% block title %}Edited: {{ super() }}{% endblock %}")
    compiled.clear()

    archive.build()

    assert compiled == ["article.html"]
    assert archive.html(ARTICLE).title.get_text().startswith("Edited: ")


def test_the_templates_a_kept_template_extends_are_loaded_before_its_pages_are_rendered(archive, monkeypatch):
    seed(archive)
    archive.build()
    archive.article("first", title="First", date="2016-10-17", body="Fighting nigh Mosul began.")
    parsed = []
    real_parse = jinja2.Environment.parse
    monkeypatch.setattr(jinja2.Environment, "parse", lambda self, source, *args: parsed.append(source) or real_parse(self, source, *args))
    loaded = []
    real_load = sitegen.pipeline.render.load_templates

    def watching(env, names):
        real_load(env, names)
        loaded.extend(key[1] for key in env.cache.keys())  # Jinja's cache: (its loader, the name)

    monkeypatch.setattr(sitegen.engine.staged_writer, "load_templates", watching)

    archive.build()

    assert parsed == []  # neither compiled nor parsed to find what it extends
    assert {"article.html", "base.html"} <= set(loaded)


def forged(archive, key: bytes, source: str) -> None:
    """A templates file whose article.html is compiled from `source`, for the checksum of the real one."""
    path = templates_file(archive)
    record = json.loads(path.read_bytes().split(b"\n")[1])
    env = sitegen.pipeline.render.template_environment(archive.root)
    real = env.loader.get_source(env, "article.html")[0]
    bucket = jinja2.bccache.Bucket(env, "", jinja2.bccache.BytecodeCache().get_source_checksum(real))
    bucket.code = env.compile(source, "article.html")
    for name, (checksum, _) in record["code"].items():
        if checksum == bucket.checksum:
            record["code"][name] = [checksum, base64.b64encode(bucket.bytecode_to_string()).decode()]
    body = _header() + json.dumps(record).encode() + b"\n"
    path.write_bytes(body + seal_of(body, key) + b"\n")


def test_compiled_templates_sealed_with_another_key_are_not_run(archive, compiled):
    seed(archive)
    archive.build()
    forged(archive, b"another key" * 3, "FORGED")
    archive.article("first", title="First", date="2016-10-17", body="Fighting nigh Mosul began.")

    archive.build()

    assert "FORGED" not in archive.html(ARTICLE).get_text()
    assert "Fighting nigh" in article_text(archive)
    assert sealed_by_this_user(templates_file(archive))  # the file is written anew
    compiled.clear()
    archive.article("first", title="First", date="2016-10-17", body="Fighting near Mosul began.")
    archive.build()
    assert compiled == []


def test_compiled_templates_sealed_with_a_key_shared_to_restore_caches_are_not_run(archive, compiled, monkeypatch):
    # A key given in $SITEGEN_CACHE_KEY (CI) seals the build cache; a holder of it may change
    # what a site says, but cannot make sitegen run code: compiled templates use the key file's.
    monkeypatch.setenv(KEY_VARIABLE, "a key shared with the CI that restores caches")
    seed(archive)
    archive.build()
    forged(archive, cache_key(), "FORGED")
    archive.article("first", title="First", date="2016-10-17", body="Fighting nigh Mosul began.")

    archive.build()

    assert "FORGED" not in archive.html(ARTICLE).get_text()
    assert sealed_by_this_user(templates_file(archive))


def test_with_a_shared_key_compiled_templates_are_still_kept(archive, compiled, monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, "a key shared with the CI that restores caches")
    seed(archive)
    archive.build()
    archive.article("first", title="First", date="2016-10-17", body="Fighting nigh Mosul began.")
    compiled.clear()

    archive.build()

    assert compiled == []


def test_an_archive_where_no_cache_folder_can_be_made_is_built_without_keeping_compiled_templates(archive, monkeypatch):
    seed(archive)

    def read_only(root, create=False):
        if create:
            raise PermissionError(13, "Permission denied", str(root / ".sitegen-cache"))
        return None

    monkeypatch.setattr(sitegen.engine.template_cache, "cache_folder", read_only)

    result = archive.build()

    assert result.warnings == [] and "Fighting near" in article_text(archive)
    assert not templates_file(archive).exists()


def test_compiled_templates_whose_file_was_edited_are_not_run(archive, compiled):
    seed(archive)
    archive.build()
    forged(archive, code_key(), "FORGED")
    path = templates_file(archive)
    path.write_bytes(path.read_bytes().replace(b'"references"', b'"referencez"'))
    archive.article("first", title="First", date="2016-10-17", body="Fighting nigh Mosul began.")

    archive.build()

    assert "FORGED" not in archive.html(ARTICLE).get_text()
    assert sealed_by_this_user(templates_file(archive))


@pytest.mark.parametrize("content", [b"", b"not a sealed file\n", b"\x00" * 100], ids=["empty", "text", "binary"])
def test_a_templates_file_that_is_not_one_gives_the_clean_build(archive, tmp_path, content):
    seed(archive)
    archive.build()
    templates_file(archive).write_bytes(content)
    archive.article("first", title="First", date="2016-10-17", body="Fighting nigh Mosul began.")

    archive.build()

    assert archive.output_files() == archive.clean_build_files(tmp_path)


def test_a_templates_file_replaced_by_a_folder_or_a_link_is_neither_read_nor_written_through(archive, tmp_path):
    seed(archive)
    archive.build()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(templates_file(archive).read_bytes())
    templates_file(archive).unlink()
    templates_file(archive).symlink_to(elsewhere)
    before = elsewhere.read_bytes()
    archive.write("templates/article.html", "{% extends 'theme/article.html' %}")

    archive.build()

    assert elsewhere.read_bytes() == before
    assert not templates_file(archive).is_symlink()  # replaced by the file this build wrote


def test_without_the_cache_no_compiled_template_is_kept(archive):
    seed(archive)

    archive.build(cache=False)

    assert not templates_file(archive).exists()


# --- the compiled theme, kept for every archive of this user ----------------------------------


def another_archive(tmp_path):
    other = Archive.create(tmp_path / "another")
    seed(other)
    return other


def test_a_new_archives_first_build_compiles_no_theme_template_another_archive_compiled(archive, tmp_path, compiled):
    another_archive(tmp_path).build()
    assert "article.html" in compiled and theme_templates_file().is_file()
    seed(archive)
    compiled.clear()

    archive.build()

    assert compiled == []
    assert archive.output_files() == archive.clean_build_files(tmp_path)
    assert sealed_by_this_user(templates_file(archive))  # the archive's own file holds what it used


def test_an_archives_own_template_is_compiled_and_never_kept_for_other_archives(archive, tmp_path, compiled):
    another_archive(tmp_path).build()
    seed(archive)
    archive.write("templates/article.html", "{% extends 'theme/article.html' %}{% block title %}OWN {{ super() }}{% endblock %}")
    compiled.clear()

    archive.build()

    assert compiled == ["article.html"]  # the archive's own; the theme's article.html it extends is taken whole
    third = Archive.create(tmp_path / "third")
    seed(third)
    compiled.clear()
    third.build()
    assert compiled == []
    assert "OWN" not in third.html(ARTICLE).title.get_text() and "OWN" in archive.html(ARTICLE).title.get_text()


def forged_theme(key: bytes, source: str) -> None:
    """The user's compiled theme with article.html compiled from `source`, sealed with `key`."""
    path = theme_templates_file()
    record = json.loads(path.read_bytes().split(b"\n")[1])
    env = sitegen.pipeline.render.template_environment(Archive.create(theme_templates_file().parent / "scratch").root)
    real = env.loader.get_source(env, "article.html")[0]
    bucket = jinja2.bccache.Bucket(env, "", jinja2.bccache.BytecodeCache().get_source_checksum(real))
    bucket.code = env.compile(source, "article.html")
    forgeries = 0
    for name, (checksum, _) in record["code"].items():
        if checksum == bucket.checksum:
            record["code"][name] = [checksum, base64.b64encode(bucket.bytecode_to_string()).decode()]
            forgeries += 1
    assert forgeries == 1
    body = _header() + json.dumps(record).encode() + b"\n"
    path.write_bytes(body + seal_of(body, key) + b"\n")


@pytest.mark.parametrize("key", ["another user's", "the shared cache key", "this user's, the file edited after"])
def test_a_compiled_theme_not_sealed_by_this_users_own_key_is_never_run(archive, tmp_path, compiled, monkeypatch, key):
    another_archive(tmp_path).build()
    if key == "another user's":
        forged_theme(b"another key" * 3, "FORGED")
    elif key == "the shared cache key":
        monkeypatch.setenv(KEY_VARIABLE, "a key shared with the CI that restores caches")
        forged_theme(cache_key(), "FORGED")
    else:
        forged_theme(code_key(), "FORGED")
        theme_templates_file().write_bytes(theme_templates_file().read_bytes().replace(b'"references"', b'"referencez"'))
    seed(archive)
    compiled.clear()

    archive.build()

    assert "FORGED" not in archive.html(ARTICLE).get_text()
    assert "article.html" in compiled
    assert archive.output_files() == archive.clean_build_files(tmp_path)
    assert sealed_by_this_user(theme_templates_file())  # written anew


def test_a_compiled_theme_replaced_by_a_link_is_neither_read_nor_written_through(archive, tmp_path, compiled):
    another_archive(tmp_path).build()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(theme_templates_file().read_bytes())
    theme_templates_file().unlink()
    theme_templates_file().symlink_to(elsewhere)
    before = elsewhere.read_bytes()
    seed(archive)
    compiled.clear()

    archive.build()

    assert "article.html" in compiled
    assert elsewhere.read_bytes() == before
    assert not theme_templates_file().is_symlink() and sealed_by_this_user(theme_templates_file())


def test_without_the_cache_the_compiled_theme_is_neither_read_nor_written(archive, tmp_path, compiled):
    seed(archive)

    archive.build(cache=False)
    assert not theme_templates_file().exists()
    another_archive(tmp_path).build()
    compiled.clear()
    archive.build(cache=False)

    assert "article.html" in compiled
