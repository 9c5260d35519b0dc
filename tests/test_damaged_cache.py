"""A `sitegen build` that finds its cache folder damaged or swapped builds what a clean build does.

Between two builds, and with an article edited in between, the cache file
or the stamp in `.sitegen-cache/` is cut short, has a byte flipped, is an
earlier build's, another archive's, names an older format, or is gone. The
command still succeeds, prints no traceback, and leaves the clean build's
bytes. (tests/test_second_build_property.py does the same after random edit
sequences; tests/test_cache_trust.py covers caches that are not sitegen's.)
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import Archive
from test_second_build import seed

from sitegen.cli import main
from sitegen.engine.cache import RECENT_NS
from sitegen.engine.cache_file import CACHE_DIR, CACHE_FILE, CACHE_FORMAT
from sitegen.engine.cache_key import cache_key, replace_cache_file, seal_of
from sitegen.engine.stamp import STAMP_FILE
from sitegen.engine.template_cache import TEMPLATES_FILE


def sitegen_build(root: Path) -> int:
    return main(["build", "--root", str(root), "--jobs", "1", "--quiet"])


def built_and_settled(archive: Archive) -> None:
    """Built once, the sources older than the clock's step (so the stamp vouches for them)."""
    time.sleep(RECENT_NS / 1e9 + 0.01)
    assert sitegen_build(archive.root) == 0


def resealed(data: bytes, header: bytes) -> bytes:
    """A sealed file of sitegen (the cache, the stamp) with another first line, sealed again with this user's key."""
    body = header + data[data.index(b"\n") : data.rstrip(b"\n").rfind(b"\n") + 1]
    return body + seal_of(body, cache_key()) + b"\n"


def older_format(name: str, data: bytes) -> bytes:
    """The cache file or the stamp, sealed as sitegen seals them, but naming the format before this one."""
    header = data[: data.index(b"\n")]
    kind, number, environment = header.split(b" ")
    assert name != CACHE_FILE or int(number) == CACHE_FORMAT
    return resealed(data, b" ".join([kind, str(int(number) - 1).encode(), environment]))


def another_archives(name: str, tmp_path: Path) -> bytes:
    other = Archive.create(tmp_path / "other")
    seed(other)
    other.article("first", title="Another first", date="2015-01-01", body="Tikrit, not Mosul.")
    built_and_settled(other)
    return (other.root / CACHE_DIR / name).read_bytes()


DAMAGES = {
    "cut short": lambda name, data, earlier, tmp_path: data[: len(data) // 3],
    "a byte flipped": lambda name, data, earlier, tmp_path: data[:100] + bytes([data[100] ^ 0x01]) + data[101:],
    "an earlier build's": lambda name, data, earlier, tmp_path: earlier,
    "another archive's": lambda name, data, earlier, tmp_path: another_archives(name, tmp_path),
    "in an older format": lambda name, data, earlier, tmp_path: older_format(name, data),
    "gone": lambda name, data, earlier, tmp_path: None,
}


@pytest.mark.parametrize("edited", [True, False], ids=["after an edit", "with no edit"])
@pytest.mark.parametrize("damage", sorted(DAMAGES))
@pytest.mark.parametrize("name", [CACHE_FILE, STAMP_FILE])
def test_a_damaged_or_swapped_cache_file_gives_the_clean_build_without_a_traceback(archive, tmp_path, capsys, name, damage, edited):
    seed(archive)
    built_and_settled(archive)
    earlier = (archive.root / CACHE_DIR / name).read_bytes()
    archive.article("second", title="Second", date="2017-11-27", body="Mosul again, a year later.", tags="[Syria]")  # another year and tag
    built_and_settled(archive)
    path = archive.root / CACHE_DIR / name
    replacement = DAMAGES[damage](name, path.read_bytes(), earlier, tmp_path)
    if replacement is None:
        path.unlink()
    else:
        path.write_bytes(replacement)
    if edited:
        archive.article("first", title="First", date="2015-10-17", body="Fighting near Tikrit began.", tags="[Iraq, Syria]")
    capsys.readouterr()

    assert sitegen_build(archive.root) == 0

    assert "Traceback" not in capsys.readouterr().err
    assert archive.output_files() == archive.clean_build_files(tmp_path)


@pytest.mark.parametrize("name", [CACHE_FILE, STAMP_FILE, TEMPLATES_FILE])
def test_a_folder_in_place_of_a_cache_file_is_replaced_by_the_file(archive, tmp_path, capsys, name):
    seed(archive)
    built_and_settled(archive)
    path = archive.root / CACHE_DIR / name
    path.unlink()
    (path / "left by hand").mkdir(parents=True)
    archive.article("first", title="First", date="2015-10-17", body="Fighting near Tikrit began.", tags="[Iraq, Syria]")
    capsys.readouterr()

    built_and_settled(archive)  # the edit old enough for the stamp to vouch for it

    assert "Traceback" not in capsys.readouterr().err
    assert path.is_file() and not path.is_symlink()
    assert archive.output_files() == archive.clean_build_files(tmp_path)


def test_a_cache_folder_turned_into_a_link_leads_no_removal_elsewhere(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / CACHE_FILE / "kept").mkdir(parents=True)
    folder = tmp_path / "site" / CACHE_DIR
    folder.mkdir(parents=True)
    temporary = folder / ".build.cache.tmp"
    temporary.write_bytes(b"new cache")
    folder.rename(tmp_path / "moved")  # swapped for a link after its check, before the file is put in place
    folder.symlink_to(elsewhere)
    (elsewhere / temporary.name).write_bytes(b"new cache")

    with pytest.raises(OSError):
        replace_cache_file(temporary, folder / CACHE_FILE)

    assert (elsewhere / CACHE_FILE / "kept").is_dir()
