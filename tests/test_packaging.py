"""sitegen as it is published: the sdist and wheel, a plain install of them, and the release workflow.

The distributions are built once per module as the release workflow builds
them (`python -m build`: the sdist, then the wheel from the sdist), without
build isolation so that no download is needed.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
import venv
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path

import pytest
import yaml

from sitegen import __version__

REPOSITORY = Path(__file__).resolve().parent.parent
DISTRIBUTION = "sitegen-archive"  # "sitegen" on PyPI is another project
RELEASE_WORKFLOW = REPOSITORY / ".github/workflows/release.yml"


@pytest.fixture(scope="module")
def distributions(tmp_path_factory) -> Path:
    """A folder with the sdist and the wheel of this checkout."""
    source = tmp_path_factory.mktemp("source")
    shutil.copytree(
        REPOSITORY,
        source,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", ".cache", "_site", ".sitegen-cache", "*.egg-info", "build", "dist",
            "__pycache__", ".pytest_cache", ".hypothesis",
        ),
    )
    folder = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(folder), str(source)], capture_output=True, text=True
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return folder


def the_wheel(folder: Path) -> Path:
    [wheel] = folder.glob("*.whl")
    return wheel


def the_sdist(folder: Path) -> Path:
    [sdist] = folder.glob("*.tar.gz")
    return sdist


def wheel_file(wheel: Path, name: str) -> str:
    """A file of the wheel's .dist-info folder."""
    with zipfile.ZipFile(wheel) as archive:
        [path] = [n for n in archive.namelist() if n.endswith(f".dist-info/{name}") and n.count("/") == 1]
        return archive.read(path).decode("utf-8")


def sdist_metadata(sdist: Path) -> Message:
    with tarfile.open(sdist) as archive:
        [member] = [m for m in archive.getmembers() if m.name.count("/") == 1 and m.name.endswith("/PKG-INFO")]
        return Parser().parsestr(archive.extractfile(member).read().decode("utf-8"), headersonly=True)


@pytest.fixture(scope="module")
def installed(distributions, tmp_path_factory) -> Path:
    """The bin folder of a new virtual environment where the wheel is installed."""
    environment = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / "bin" / "python"
    # The new environment borrows the test environment's dependencies through a
    # path entry (no download); a plain .pth path does not activate the editable
    # install that lives there, so `sitegen` can only come from the wheel.
    new_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    Path(new_site, "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(the_wheel(distributions))],
        check=True,
        capture_output=True,
    )
    return environment / "bin"


# --- the distributions ----------------------------------------------------------------


def test_wheel_and_sdist_are_named_for_pypi_at_the_package_version(distributions):
    wheel = Parser().parsestr(wheel_file(the_wheel(distributions), "METADATA"), headersonly=True)
    sdist = sdist_metadata(the_sdist(distributions))
    assert (wheel["Name"], wheel["Version"]) == (DISTRIBUTION, __version__)
    assert (sdist["Name"], sdist["Version"]) == (DISTRIBUTION, __version__)


def test_the_version_is_written_only_in_the_package():
    pyproject = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"]
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "sitegen.__version__"}


def test_wheel_installs_the_sitegen_command(distributions):
    entry_points = configparser.ConfigParser()
    entry_points.read_string(wheel_file(the_wheel(distributions), "entry_points.txt"))
    assert dict(entry_points["console_scripts"]) == {"sitegen": "sitegen.cli:main"}


def test_wheel_ships_every_file_of_the_theme_and_the_skeleton(distributions):
    expected = {
        path.relative_to(REPOSITORY).as_posix()
        for folder in ("sitegen/theme", "sitegen/skeleton")
        for path in (REPOSITORY / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    with zipfile.ZipFile(the_wheel(distributions)) as wheel:
        shipped = set(wheel.namelist())
    assert "sitegen/skeleton/dot-github/workflows/pages.yml" in expected
    assert expected - shipped == set()


# --- a plain install ------------------------------------------------------------------


def test_installed_package_builds_an_archive_without_the_source_tree(installed, tmp_path):
    archive = tmp_path / "archive"
    shutil.copytree(REPOSITORY / "content", archive / "content")
    shutil.copy(REPOSITORY / "site.toml", archive / "site.toml")
    result = subprocess.run([str(installed / "sitegen"), "build"], cwd=archive, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (archive / "_site/index.html").is_file()
    assert (archive / "_site/assets/sitegen.css").is_file()

    where = subprocess.run(
        [str(installed / "python"), "-c", "import sitegen; print(sitegen.__file__)"], cwd=archive, capture_output=True, text=True
    ).stdout
    assert where.startswith(str(installed.parent)), f"sitegen imported from {where}, not from the installed wheel"


def test_installed_command_reports_its_version_and_builds_a_new_archive(installed, tmp_path):
    version = subprocess.run([str(installed / "sitegen"), "--version"], capture_output=True, text=True)
    assert version.stdout.split() == ["sitegen", __version__]
    assert subprocess.run([str(installed / "sitegen"), "init", "news"], cwd=tmp_path, capture_output=True).returncode == 0
    built = subprocess.run([str(installed / "sitegen"), "build", "--no-search"], cwd=tmp_path / "news", capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "news/_site/articles/the-six-pips/index.html").is_file()


# --- the release workflow -------------------------------------------------------------


def release_workflow() -> dict:
    return yaml.safe_load(RELEASE_WORKFLOW.read_text(encoding="utf-8"))


def build_step(name: str) -> dict:
    [step] = [s for s in release_workflow()["jobs"]["build"]["steps"] if s.get("name") == name]
    return step


def test_release_runs_for_version_tags_and_by_hand():
    workflow = release_workflow()
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"] == {"tags": ["v*"]}
    assert "workflow_dispatch" in triggers


def test_release_publishes_with_trusted_publishing_only_from_a_tag():
    workflow = release_workflow()
    publish = workflow["jobs"]["publish"]
    assert workflow["permissions"] == {"contents": "read"}  # the build job cannot ask for an identity token
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    assert publish["needs"] == "build"
    assert publish["if"] == "github.event_name == 'push' && startsWith(github.ref, 'refs/tags/v')"
    [upload] = [s for s in publish["steps"] if str(s.get("uses", "")).startswith("pypa/gh-action-pypi-publish@")]
    assert "with" not in upload  # no password or token: PyPI trusts the workflow's identity


def test_release_builds_then_checks_the_distributions_and_a_fresh_install():
    steps = release_workflow()["jobs"]["build"]["steps"]
    runs = [step.get("run", "") for step in steps]
    assert "python -m build" in runs
    assert "twine check --strict dist/*" in runs
    fresh_install = build_step("Install the wheel in a fresh environment and build a new archive with it")["run"].splitlines()
    assert 'test "$(fresh/bin/sitegen --version)" = "sitegen $VERSION"' in fresh_install
    assert "fresh/bin/sitegen init archive" in fresh_install
    assert "fresh/bin/sitegen build --root archive" in fresh_install


def run_version_check(distributions: Path, tmp_path: Path, tag: str) -> tuple[subprocess.CompletedProcess, str]:
    """Run the release workflow's version check as GitHub Actions runs it, with `tag` pushed."""
    step = build_step("Check that the tag names the version built")
    assert step["env"] == {"TAG": "${{ github.ref_type == 'tag' && github.ref_name || '' }}"}
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "scripts").symlink_to(REPOSITORY / "scripts")
    (checkout / "dist").symlink_to(distributions)
    output = tmp_path / "github-output"
    output.touch()
    environment = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "TAG": tag,
        "GITHUB_OUTPUT": str(output),
    }
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=checkout, env=environment, capture_output=True, text=True,
    )
    return result, output.read_text()


def test_release_stops_when_the_tag_does_not_name_the_version_built(distributions, tmp_path):
    result, output = run_version_check(distributions, tmp_path, "v9.9.9")
    assert result.returncode != 0
    assert result.stderr.strip() == (
        f"error: the tag v9.9.9 does not name the version built, {DISTRIBUTION} {__version__}: set __version__ in "
        f"sitegen/__init__.py to the tag's version and tag that commit, or tag it v{__version__}"
    )
    assert output == ""


def test_release_goes_on_when_the_tag_names_the_version_built(distributions, tmp_path):
    result, output = run_version_check(distributions, tmp_path, f"v{__version__}")
    assert result.returncode == 0, result.stderr
    assert output.splitlines() == [f"version={__version__}"]


def test_release_dry_run_without_a_tag_checks_only_the_distributions(distributions, tmp_path):
    result, output = run_version_check(distributions, tmp_path, "")
    assert result.returncode == 0, result.stderr
    assert output.splitlines() == [f"version={__version__}"]
