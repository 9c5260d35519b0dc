"""Compiled templates kept in `.sitegen-cache/` for the next process.

Compiling the templates a page uses (parsing each, generating Python, compiling
that) took a tenth of a second of a build after a one-article edit at 4,000
articles: more than rendering the pages that edit changed. A build that keeps
a cache keeps what Jinja compiled, and which templates each one extends,
includes or imports (see pipeline/render.py's `template_references`), in
`templates.cache`; the next build loads them instead of compiling again.

Compiled code is loaded with `marshal`, which builds whatever code its bytes
describe: the file is sealed like the build cache, for the same code, packages
and Python, and nothing in it is read before its seal verifies. Its key is this
user's key file's alone (cache_key.py's `code_key`), never a key shared through
$SITEGEN_CACHE_KEY: a shared key that leaks lets its holder seal a build cache
that changes a site, never code that runs here. A file shipped inside an archive,
edited, or sealed elsewhere is not believed and is written anew. Jinja itself
checks each template's source against the checksum kept with its code, so an
edited template is compiled again.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import jinja2

from sitegen.engine.cache_bytes import cache_folder
from sitegen.engine.cache_key import code_key, environment_digest, read_sealed, write_sealed

TEMPLATES_FILE = "templates.cache"
TEMPLATES_FORMAT = 1
MAX_TEMPLATES_BYTES = 16 << 20  # the theme's compile to a few hundred kilobytes

Code = tuple[str, bytes]  # the source's checksum, the bucket's bytes (Jinja's magic, checksum, marshal)
References = dict[tuple[str, str], tuple[str, ...]]  # (name, source digest) -> names


class SealedTemplates(jinja2.BytecodeCache):
    """Jinja's bytecode cache, read from the archive's sealed `templates.cache` when made,
    and written there by `save` when the build compiled a template it did not hold or
    found references it did not know. `references` is the very dict the environment
    fills (SiteEnvironment's: the builder gives it this one)."""

    def __init__(self, root: Path):
        self.root = root
        self.code: dict[str, Code] = {}
        self.references: References = {}
        self._compiled = False
        found = _read(root)
        if found is not None:
            self.code, self.references = found
        self._references_read = len(self.references)  # entries are only ever added

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        known = self.code.get(bucket.key)
        if known is None or known[0] != bucket.checksum:
            return
        try:
            bucket.bytecode_from_string(known[1])  # Jinja checks its magic and the checksum again
        except Exception:  # noqa: BLE001  (sealed, yet not what Jinja wrote: compiled again)
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = (bucket.checksum, bucket.bytecode_to_string())
        self._compiled = True

    def save(self) -> None:
        """Write the file when this build compiled a template or found references it did not
        hold. Nothing is written when the file cannot be: it only costs time."""
        if not self._compiled and len(self.references) == self._references_read:
            return
        self._compiled, self._references_read = False, len(self.references)
        key = code_key()
        try:
            folder = cache_folder(self.root, create=True) if key is not None else None
        except OSError:  # an archive this user cannot write in
            return
        if folder is None:
            return
        record = {
            "code": {name: [checksum, base64.b64encode(data).decode("ascii")] for name, (checksum, data) in sorted(self.code.items())},
            "references": [[name, digest, list(names)] for (name, digest), names in sorted(self.references.items())],
        }
        write_sealed(folder / TEMPLATES_FILE, _header() + json.dumps(record, separators=(",", ":")).encode("ascii") + b"\n", key)


def _header() -> bytes:
    return f"sitegen-templates {TEMPLATES_FORMAT} {environment_digest().hex()}\n".encode()


def _read(root: Path) -> tuple[dict[str, Code], References] | None:
    """The code and references of the archive's file, if it is a regular file of sane size
    whose seal verifies under this user's key and whose header is this environment's."""
    key = code_key()
    folder = cache_folder(root) if key is not None else None
    if folder is None:
        return None
    data = read_sealed(folder / TEMPLATES_FILE, key, _header(), MAX_TEMPLATES_BYTES)
    if data is None:
        return None
    try:
        record = json.loads(data)
        code = {
            name: (checksum, base64.b64decode(encoded, validate=True))
            for name, (checksum, encoded) in record["code"].items()
            if type(name) is str and type(checksum) is str and type(encoded) is str
        }
        references = {
            (name, digest): tuple(names)
            for name, digest, names in record["references"]
            if type(name) is str and type(digest) is str and type(names) is list and all(type(found) is str for found in names)
        }
    except (ValueError, TypeError, LookupError, AttributeError):  # sealed, yet not of the shape written here
        return None
    return code, references
