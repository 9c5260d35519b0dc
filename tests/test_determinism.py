"""The same sources give the same bytes, whatever the machine.

Each build copies the repository's example archive (with a few extra articles
that give ties, date-times near midnight and a role valid in another month)
into a fresh folder and runs `sitegen build` in a subprocess under one change
of environment: the hash seed, the time zone (UTC-11 to UTC+14), the locale,
or the order in which directories list their files. Every output file must be
byte-identical to the reference build; with search on, so must every file of
Pagefind's bundle, names included (sitegen feeds Pagefind the pages in a fixed
order and rewrites the files Pagefind writes in hash-map order).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import parse_html

REPOSITORY = Path(__file__).resolve().parent.parent
BUNDLE = "pagefind/"

EXTRA_ARTICLES = {
    # Written at 23:30 in UTC-11: already the 28th in UTC and in UTC+14.
    "content/articles/2016/late-edition.md": (
        "---\ntitle: Late edition\ndate: 2016-11-27T23:30:00-11:00\ntags: [iraq, Mosul]\n"
        "entities: [mosul]\n---\nMosul at night, and Islamic State in retreat.\n"
    ),
    # Written at 00:15 in UTC+14: still the 26th in UTC and in UTC-11.
    "content/articles/2016/early-edition.md": (
        "---\ntitle: Early edition\ndate: 2016-11-27T00:15:00+14:00\ntags: [syria]\n---\nRaqqa at dawn.\n"
    ),
    # Ties in date and title, ordered only by slug; a role side-note dated in March.
    "content/articles/2017/b-same.md": "---\ntitle: Same\ndate: 2017-03-05\ntags: [Iraq]\n---\nMaj Gen Rupert Jones spoke.\n",
    "content/articles/2017/a-same.md": "---\ntitle: Same\ndate: 2017-03-05\ntags: [iraq]\n---\nRupert Jones and Mosul.\n",
    "content/articles/2017/c-same.md": "---\ntitle: same\ndate: 2017-03-05\n---\nIslamic State, Iraq and Syria.\n",
}

REFERENCE_ENV = {"PYTHONHASHSEED": "0", "TZ": "UTC", "LC_ALL": "C.UTF-8"}

# Run sitegen with every directory listing (os.scandir, hence os.walk, pathlib's
# glob; os.listdir, hence Path.iterdir) in a shuffled order.
SHUFFLED_LISTINGS = r"""
import atexit, os, random, sys
rng = random.Random(int(sys.argv[1]))
real_scandir, real_listdir = os.scandir, os.listdir
shuffled = []

class Shuffled:
    def __init__(self, iterator):
        with iterator:
            self.entries = list(iterator)
        rng.shuffle(self.entries)
        self.rest = iter(self.entries)
    def __iter__(self):
        return self
    def __next__(self):
        return next(self.rest)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return False
    def close(self):
        return None  # nothing to close: the real listing was read whole

def scandir(path="."):
    listing = Shuffled(real_scandir(path))
    shuffled.append(len(listing.entries))
    return listing

def listdir(path="."):
    names = real_listdir(path)
    rng.shuffle(names)
    shuffled.append(len(names))
    return names

os.scandir, os.listdir = scandir, listdir
atexit.register(lambda: print(f"shuffled {sum(n > 1 for n in shuffled)} listings", file=sys.stderr))
from sitegen.cli import main
sys.argv = ["sitegen", *sys.argv[2:]]
sys.exit(main())
"""

# Apply the locale to the whole process, as a program that honours the user's
# locale does (Python itself only applies LC_CTYPE at start-up).
WITH_LOCALE_APPLIED = r"""
import locale, sys
locale.setlocale(locale.LC_ALL, "")
from sitegen.cli import main
sys.argv = ["sitegen", *sys.argv[1:]]
sys.exit(main())
"""


def source_files() -> list[str]:
    files = [
        path.relative_to(REPOSITORY).as_posix()
        for folder in ("content", "templates")
        for path in (REPOSITORY / folder).rglob("*")
        if path.is_file()
    ]
    return sorted([*files, "site.toml"])


def copy_archive(root: Path, order: str, search: bool) -> None:
    """The example archive and the extra articles, created file by file in `order`."""
    files: dict[str, bytes] = {name: (REPOSITORY / name).read_bytes() for name in source_files()}
    files.update({name: text.encode() for name, text in EXTRA_ARTICLES.items()})
    setting = b"[search]\nenabled = true" if search else b"[search]\nenabled = false"
    files["site.toml"] = files["site.toml"].replace(b"[search]\nenabled = true", setting)
    assert setting in files["site.toml"]
    names = sorted(files, reverse=order == "reverse")
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[name])


def build_in(root: Path, env: dict[str, str], runner: list[str]) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("LC_", "LANG"))}
    environment.update(env)
    result = subprocess.run(
        [sys.executable, *runner, "build", "--quiet", "--root", str(root)],
        cwd=root, env=environment, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result


def outputs(root: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """(every file outside pagefind/ by path, every file of pagefind/ by path)."""
    site = root / "_site"
    files = {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}
    bundle = {name: data for name, data in files.items() if name.startswith(BUNDLE)}
    return {name: data for name, data in files.items() if not name.startswith(BUNDLE)}, bundle


# --- locales --------------------------------------------------------------------------------


def installed_locales() -> set[str]:
    try:
        listed = subprocess.run(["locale", "-a"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return set()
    return {name.lower().replace("utf-8", "utf8") for name in listed.split()}


@pytest.fixture(scope="module")
def locale_or_none(tmp_path_factory) -> dict[str, str] | None:
    """LC_ALL for a German (else French) locale: an installed one, or one compiled
    into a temporary LOCPATH with localedef from the system's locale sources;
    None when neither is possible."""
    installed = installed_locales()
    for name in ("de_DE.UTF-8", "fr_FR.UTF-8"):
        if name.lower().replace("utf-8", "utf8") in installed:
            return {"LC_ALL": name}
    folder = tmp_path_factory.mktemp("locales")
    for name in ("de_DE.UTF-8", "fr_FR.UTF-8"):
        try:
            compiled = subprocess.run(
                ["localedef", "-i", name.split(".")[0], "-f", "UTF-8", str(folder / name)],
                capture_output=True, timeout=60,
            )  # fmt: skip
        except (OSError, subprocess.SubprocessError):
            continue
        if compiled.returncode == 0 and (folder / name).is_dir():
            return {"LC_ALL": name, "LOCPATH": str(folder)}
    return None


@pytest.fixture
def other_locale(locale_or_none) -> dict[str, str]:
    if locale_or_none is None:
        pytest.fail(
            f"no second locale: `locale -a` lists only {sorted(installed_locales())} and localedef could not "
            "compile de_DE or fr_FR; install Debian's `locales` package"
        )
    return locale_or_none


def month_names_under(env: dict[str, str]) -> str:
    script = "import datetime, locale; locale.setlocale(locale.LC_ALL, ''); print(datetime.date(2017, 3, 5).strftime('%B'))"
    result = subprocess.run([sys.executable, "-c", script], env={**os.environ, **env}, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


# --- the comparisons ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    root = tmp_path_factory.mktemp("reference")
    copy_archive(root, "sorted", search=False)
    build_in(root, REFERENCE_ENV, ["-m", "sitegen"])
    files, bundle = outputs(root)
    assert len(files) > 40 and not bundle
    # The open data is compared with the pages: its SQLite file is the one most likely to vary.
    assert {"data/entities.json", "data/mentions.csv", "data/timeline.json", "data/archive.sqlite"} <= set(files)
    return files


VARIANTS = {
    "hash-seed-1": ({"PYTHONHASHSEED": "1"}, "sorted", ["-m", "sitegen"]),
    "hash-seed-4242": ({"PYTHONHASHSEED": "4242"}, "sorted", ["-m", "sitegen"]),
    "tz-utc-minus-11": ({"TZ": "Etc/GMT+11"}, "sorted", ["-m", "sitegen"]),
    "tz-utc-plus-14": ({"TZ": "Pacific/Kiritimati"}, "sorted", ["-m", "sitegen"]),
    "tz-utc-plus-5-45": ({"TZ": "Asia/Kathmandu"}, "sorted", ["-m", "sitegen"]),
    "files-created-in-reverse-order": ({}, "reverse", ["-m", "sitegen"]),
    "listings-shuffled-seed-1": ({}, "sorted", ["-c", SHUFFLED_LISTINGS, "1"]),
    "listings-shuffled-seed-2": ({}, "reverse", ["-c", SHUFFLED_LISTINGS, "2"]),
}


@pytest.mark.parametrize(("env", "order", "runner"), list(VARIANTS.values()), ids=list(VARIANTS))
def test_build_is_byte_identical_under(reference, tmp_path, env, order, runner):
    copy_archive(tmp_path, order, search=False)

    result = build_in(tmp_path, {**REFERENCE_ENV, **env}, runner)

    if "-c" in runner:
        assert int(result.stderr.split("shuffled ")[1].split()[0]) > 5, "the listings were not shuffled"
    files, _ = outputs(tmp_path)
    assert sorted(files) == sorted(reference)
    assert [name for name in files if files[name] != reference[name]] == []


@pytest.mark.parametrize("applied", [False, True], ids=["environment", "applied-with-setlocale"])
def test_build_is_byte_identical_under_another_locale(reference, tmp_path, other_locale, applied):
    if applied:
        assert month_names_under(other_locale) != "March", "the locale did not take effect"
    copy_archive(tmp_path, "sorted", search=False)

    build_in(tmp_path, {**REFERENCE_ENV, **other_locale}, ["-c", WITH_LOCALE_APPLIED] if applied else ["-m", "sitegen"])

    files, _ = outputs(tmp_path)
    assert [name for name in files if files.get(name) != reference.get(name)] == []
    assert sorted(files) == sorted(reference)


@pytest.mark.parametrize("tz", ["Etc/GMT+11", "UTC", "Pacific/Kiritimati"])
def test_dates_display_as_written_in_every_time_zone(tmp_path, tz):
    copy_archive(tmp_path, "sorted", search=False)

    build_in(tmp_path, {**REFERENCE_ENV, "TZ": tz}, ["-m", "sitegen"])

    def time_of(slug: str) -> tuple[str, str]:
        page = parse_html((tmp_path / f"_site/articles/{slug}/index.html").read_text(encoding="utf-8"))
        time = page.select_one(".article-header time")
        return time["datetime"], time.get_text()

    assert time_of("late-edition") == ("2016-11-27T23:30:00-11:00", "27 November 2016")
    assert time_of("early-edition") == ("2016-11-27T00:15:00+14:00", "27 November 2016")
    assert time_of("islamic-state-retreat-reveals-terror-plots") == ("2016-11-27", "27 November 2016")
    archive = parse_html((tmp_path / "_site/archive/index.html").read_text(encoding="utf-8"))
    assert [h.get_text() for h in archive.select(".archive-year h3")] == ["March 2017", "November 2016"]


def test_search_index_is_byte_identical_when_everything_changes_at_once(tmp_path, locale_or_none):
    """Pagefind included: hash seed, time zone, locale (when there is a second one)
    and listing order all differ."""
    builds = []
    for name, env, order, runner in (
        ("first", REFERENCE_ENV, "sorted", ["-m", "sitegen"]),
        ("second", {"PYTHONHASHSEED": "77", "TZ": "Pacific/Kiritimati", **(locale_or_none or {})}, "reverse", ["-c", SHUFFLED_LISTINGS, "3"]),
    ):
        root = tmp_path / name
        copy_archive(root, order, search=True)
        build_in(root, {**REFERENCE_ENV, **env}, runner)
        builds.append(outputs(root))

    (first_files, first_bundle), (second_files, second_bundle) = builds
    assert len(first_bundle) > 20 and "pagefind/pagefind-ui.js" in first_bundle
    assert len([name for name in first_bundle if name.startswith("pagefind/filter/")]) == 6
    assert sorted(second_files) == sorted(first_files)
    assert [name for name in first_files if first_files[name] != second_files[name]] == []
    assert sorted(second_bundle) == sorted(first_bundle)
    assert [name for name in first_bundle if first_bundle[name] != second_bundle[name]] == []
