"""Check the distributions about to be published and print their version.

    python scripts/check_release.py [--tag vX.Y.Z] DIST_FOLDER

Reads the metadata inside every wheel and sdist of DIST_FOLDER (what PyPI
will read, not their file names), checks they are one project at one version,
and, with --tag, that the tag is that version with a leading `v`. The version
is written only in sitegen/__init__.py, so a tag that disagrees with it stops
the release workflow before anything is published. Standard library only: it
runs before anything is installed.
"""

from __future__ import annotations

import argparse
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path


class ReleaseError(Exception):
    pass


def wheel_metadata(path: Path) -> str:
    with zipfile.ZipFile(path) as wheel:
        names = [n for n in wheel.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
        if len(names) != 1:
            raise ReleaseError(f"{path}: error: no single .dist-info/METADATA in the wheel; rebuild it with `python -m build`")
        return wheel.read(names[0]).decode("utf-8")


def sdist_metadata(path: Path) -> str:
    with tarfile.open(path) as sdist:
        members = [m for m in sdist.getmembers() if m.name.count("/") == 1 and m.name.endswith("/PKG-INFO")]
        handle = sdist.extractfile(members[0]) if len(members) == 1 else None
        if handle is None:
            raise ReleaseError(f"{path}: error: no PKG-INFO at the top of the sdist; rebuild it with `python -m build`")
        return handle.read().decode("utf-8")


def name_and_version(path: Path) -> tuple[str, str]:
    text = wheel_metadata(path) if path.suffix == ".whl" else sdist_metadata(path)
    headers = Parser().parsestr(text, headersonly=True)
    return headers.get("Name", ""), headers.get("Version", "")


def release_version(folder: Path, tag: str = "") -> str:
    """The version of the distributions in `folder`; raises ReleaseError when they cannot be published as `tag`."""
    files = sorted([*folder.glob("*.whl"), *folder.glob("*.tar.gz")])
    if not files:
        raise ReleaseError(f"{folder}: error: no wheel or sdist here; build them first with `python -m build`")
    found = {path: name_and_version(path) for path in files}
    if len(set(found.values())) != 1:
        listed = ", ".join(f"{path.name} is {name} {version}" for path, (name, version) in found.items())
        raise ReleaseError(f"{folder}: error: the distributions disagree ({listed}); empty the folder and build again")
    name, version = next(iter(found.values()))
    if tag and tag != f"v{version}":
        raise ReleaseError(
            f"error: the tag {tag} does not name the version built, {name} {version}: set __version__ in "
            f"sitegen/__init__.py to the tag's version and tag that commit, or tag it v{version}"
        )
    return version


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the folder `python -m build` wrote")
    parser.add_argument("--tag", default="", help="the tag being released, such as v0.2.0 (empty: no tag to check)")
    args = parser.parse_args(argv)
    try:
        print(release_version(args.folder, args.tag.strip()))
    except ReleaseError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
