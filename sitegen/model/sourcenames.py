"""Which names under an archive's folders are sources, and which are left alone.

One rule serves both `sitegen build` (what is read and published) and the
watcher (what triggers a rebuild), so a watched site is always what a clean
build of the same folder writes. A name is ignored when it is hidden (starts
with a dot: `.git`, `.DS_Store`, vim's `.x.md.swp`, emacs' `.#x.md` lock) or
looks like a file an editor or the system writes beside the real one while
saving. A file is ignored when its own name or the name of a folder it sits
in is ignored.
"""

from __future__ import annotations

import re
from pathlib import PurePath

# Vim's `4913` probe and swap files kept beside the file (`*.swp`, `*.swx`; the
# usual ones are hidden anyway), backups (`x.md~`), Helix's `.bck`, emacs'
# autosaves (`#x.md#`), generic temporaries (`.tmp`, `.temp`), Chrome's
# `.crswap`, JetBrains' safe-write copies and Windows' folder metadata. Only
# these exact shapes: `clip.swf`, `4913.md` and `#hashtag.md` are content.
_EDITOR_TEMPORARY = re.compile(
    r"^4913$|\.sw[px]$|~$|\.bck$|\.tmp$|\.temp$|^#.*#$|\.crswap$|___jb_(tmp|old|bak)___$|^Thumbs\.db$|^desktop\.ini$",
    re.IGNORECASE,
)


def is_ignored_name(name: str) -> bool:
    """True for a hidden name or an editor's or the system's temporary file."""
    return name.startswith(".") or _EDITOR_TEMPORARY.search(name) is not None


def is_ignored_path(relative: PurePath) -> bool:
    """True when any part of `relative` (a path inside content/ or templates/) is ignored."""
    return any(is_ignored_name(part) for part in relative.parts)
