"""The theme ships inside the package: a plain (non-editable) install builds an archive."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent


def test_installed_package_builds_an_archive_without_the_source_tree(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(
        REPOSITORY,
        source,
        ignore=shutil.ignore_patterns(".git", ".venv", "_site", "*.egg-info", "build", "__pycache__", ".pytest_cache", ".hypothesis"),
    )
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(source)],
        check=True,
        capture_output=True,
    )
    environment = tmp_path / "venv"
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
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", *map(str, wheels.glob("*.whl"))],
        check=True,
        capture_output=True,
    )

    archive = tmp_path / "archive"
    shutil.copytree(REPOSITORY / "content", archive / "content")
    shutil.copy(REPOSITORY / "site.toml", archive / "site.toml")
    result = subprocess.run([str(environment / "bin" / "sitegen"), "build"], cwd=archive, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (archive / "_site/index.html").is_file()
    assert (archive / "_site/assets/sitegen.css").is_file()

    where = subprocess.run(
        [str(python), "-c", "import sitegen; print(sitegen.__file__)"], cwd=archive, capture_output=True, text=True
    ).stdout
    assert where.startswith(str(environment)), f"sitegen imported from {where}, not from the installed wheel"
