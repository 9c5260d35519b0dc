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

The built-in theme is the same for every archive: what its templates compile
to is also kept in the user's own cache folder (beside the key file, sealed
with the same key), one file per installed theme, and a build that finds no
code for a theme template in its archive's file takes it from there. A new
archive's first build, `sitegen init`'s included, then compiles none of the
theme: at the size of a new archive, that was four fifths of its build.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

import jinja2

from sitegen.engine.cache_bytes import cache_folder
from sitegen.engine.cache_key import code_key, environment_digest, key_file, read_sealed, write_sealed
from sitegen.pipeline.render import THEME_TEMPLATES_DIR, source_digest

TEMPLATES_FILE = "templates.cache"
TEMPLATES_FORMAT = 1
MAX_TEMPLATES_BYTES = 16 << 20  # the theme's compile to a few hundred kilobytes

Code = tuple[str, bytes]  # the source's checksum, the bucket's bytes (Jinja's magic, checksum, marshal)
References = dict[tuple[str, str], tuple[str, ...]]  # (name, source digest) -> names


THEME_TEMPLATES = os.path.normpath(THEME_TEMPLATES_DIR)  # as Jinja's loader names the files in it


class SealedTemplates(jinja2.BytecodeCache):
    """Jinja's bytecode cache, read from the archive's sealed `templates.cache` when made,
    and written there by `save` when the build compiled a template it did not hold or
    found references it did not know. `references` is the very dict the environment
    fills (SiteEnvironment's: the builder gives it this one).

    The theme's templates are also looked up in, and saved to, the user's file
    for this theme (`theme_templates_file`), which starts what `references` holds."""

    def __init__(self, root: Path):
        self.root = root
        self.code: dict[str, Code] = {}
        self.references: References = {}
        self._compiled = False
        found = _read(_archive_file(root))
        if found is not None:
            self.code, self.references = found
        self._references_read = len(self.references)  # entries are only ever added
        self._theme_code: dict[str, Code] | None = None  # the theme's file, read when first needed
        self._theme_references: References = {}  # as the theme's file gave them
        self._theme_keys: set[str] = set()  # the buckets of the theme's own files, as this build met them
        self._theme_sources: set[str] = set()  # their sources' digests (what references are known by)
        self._theme_compiled = False

    def _theme(self) -> dict[str, Code]:
        """The code of the theme's file, read the first time a theme template is not in the
        archive's file; its references join `references` then."""
        if self._theme_code is None:
            found = _read(theme_templates_file())
            self._theme_code, self._theme_references = found if found is not None else ({}, {})
            for reference, names in self._theme_references.items():  # a pure function of a template's name and source
                self.references.setdefault(reference, names)
        return self._theme_code

    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None, source: str) -> jinja2.bccache.Bucket:
        if filename is not None and os.path.normpath(filename).startswith(THEME_TEMPLATES + os.sep):
            self._theme_keys.add(self.get_cache_key(name, filename))
            self._theme_sources.add(source_digest(source))
        return super().get_bucket(environment, name, filename, source)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        known = self.code.get(bucket.key)
        if known is None or known[0] != bucket.checksum:
            known = self._theme().get(bucket.key) if bucket.key in self._theme_keys else None
            if known is None or known[0] != bucket.checksum:
                return
            self.code[bucket.key], self._compiled = known, True  # the archive's file keeps it too
        try:
            bucket.bytecode_from_string(known[1])  # Jinja checks its magic and the checksum again
        except Exception:  # noqa: BLE001  (sealed, yet not what Jinja wrote: compiled again)
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = (bucket.checksum, bucket.bytecode_to_string())
        self._compiled = True
        if bucket.key in self._theme_keys:
            self._theme()[bucket.key] = self.code[bucket.key]
            self._theme_compiled = True

    def save(self) -> None:
        """Write the archive's file when this build compiled a template or found references it
        did not hold, and the theme's when it compiled a theme template or found its references.
        Nothing is written when a file cannot be: it only costs time."""
        key = code_key()
        if key is None:
            return
        if self._theme_code is not None:  # a theme template was not in the archive's file
            found = {reference: names for reference, names in self.references.items() if reference[1] in self._theme_sources}
            if self._theme_compiled or not self._theme_references.keys() >= found.keys():
                self._theme_compiled = False
                self._theme_references = {**self._theme_references, **found}
                _write(theme_templates_file(), self._theme_code, self._theme_references, key)
        if not self._compiled and len(self.references) == self._references_read:
            return
        self._compiled, self._references_read = False, len(self.references)
        try:
            folder = cache_folder(self.root, create=True)
        except OSError:  # an archive this user cannot write in
            return
        if folder is not None:
            _write(folder / TEMPLATES_FILE, self.code, self.references, key)


def theme_templates_file() -> Path:
    """The user's file of the compiled built-in theme: one per installed theme, beside the key file."""
    installed = hashlib.sha256(THEME_TEMPLATES.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return key_file().parent / f"theme-{installed}.{TEMPLATES_FILE}"


def _archive_file(root: Path) -> Path | None:
    folder = cache_folder(root)
    return folder / TEMPLATES_FILE if folder is not None else None


def _write(path: Path, code: dict[str, Code], references: References, key: bytes) -> None:
    record = {
        "code": {name: [checksum, base64.b64encode(data).decode("ascii")] for name, (checksum, data) in sorted(code.items())},
        "references": [[name, digest, list(names)] for (name, digest), names in sorted(references.items())],
    }
    write_sealed(path, _header() + json.dumps(record, separators=(",", ":")).encode("ascii") + b"\n", key)


def _header() -> bytes:
    return f"sitegen-templates {TEMPLATES_FORMAT} {environment_digest().hex()}\n".encode()


def _read(path: Path | None) -> tuple[dict[str, Code], References] | None:
    """The code and references of a file of compiled templates, if it is a regular file of sane
    size whose seal verifies under this user's key and whose header is this environment's."""
    key = code_key()
    if key is None or path is None:
        return None
    data = read_sealed(path, key, _header(), MAX_TEMPLATES_BYTES)
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
