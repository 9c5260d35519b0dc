"""What a planned page is made from, as one digest a later process can compare.

A single build (`sitegen build`) plans the pages of articles and their
citation files as PlannedPages, each holding the objects it is made from
(`inputs`). The digest of those objects, with the settings, the URLs and
what every page is rendered with, is kept in the persistent cache's record
beside the page's input digest. The next process takes it again; a page
whose digest is the one recorded is the page that build made, so its file
is kept without making, digesting or rendering it again.

Taking these digests costs little because the large objects are not pickled
again: a parsed source stands as the digest the annotate stage took of it
already, an annotated article as the digest of its key in the fragment
cache (annotation is a pure function of that key), and the cards, events,
links and entities many pages share are digested once each. An article's
rows of open data (plain tuples of text and numbers, nearly half of all the
objects the planned pages hold) are pickled whole, by the pickler alone,
without a call back for every value.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from typing import Any, Iterable

from sitegen.engine.cache import FragmentCache, SharedDigests, digest_of
from sitegen.engine.stored_fragments import StoredArticle
from sitegen.model.models import Article, Entity
from sitegen.pipeline.annotate import AnnotatedArticle, AnnotatedFragment
from sitegen.pipeline.exports import ArticleRows

FRAGMENT_KINDS = (AnnotatedArticle, StoredArticle, AnnotatedFragment)
# Values of text, numbers and None in tuples only: no set, no object of a class.
PLAIN_KINDS = (ArticleRows,)


def plain_digest(value: Any) -> bytes:
    """The digest of a value of PLAIN_KINDS, as a persistent id (its marker byte
    differs from SharedDigests' and the fragments'): pickled without a memo,
    so it is the same for equal values in any process."""
    pickler_output = io.BytesIO()
    pickler = pickle.Pickler(pickler_output, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(value)
    return b"\xfd" + hashlib.blake2b(pickler_output.getbuffer(), digest_size=16).digest()


class _WithPlainValues(SharedDigests):
    """SharedDigests that pickle the values of PLAIN_KINDS whole (see plain_digest)."""

    def persistent_id(self, obj: Any) -> bytes:
        if type(obj) in PLAIN_KINDS:
            if self.held.get(id(obj)) is not obj:
                self.held[id(obj)] = obj
                self.digests[id(obj)] = plain_digest(obj)
            return self.digests[id(obj)]
        return super().persistent_id(obj)


class MadeFrom:
    """Digests of the inputs of planned pages, in one build.

    `context` is everything every page is made and rendered with (settings,
    URLs, the digest of the templates and of the site's view): it is in each
    page's digest, so any change to it makes every page again."""

    def __init__(self, fragments: FragmentCache, context: Any, shown_on_many: Iterable[type]):
        kinds = {*shown_on_many, *FRAGMENT_KINDS, *PLAIN_KINDS, Article, Entity}
        self.shared = _WithPlainValues(kinds)
        # The sources the annotate stage digested, as it digested them (digest_of(source)):
        # what SharedDigests would take of each, taken already.
        for source, digest in fragments.digests.values():
            self.shared.know(source, b"\xff" + digest)
        # An annotated article or description by its key. The marker differs from a digest of
        # content: the same key is the same fragment, whatever its form.
        for key, fragment in fragments.entries.items():
            if type(fragment) in FRAGMENT_KINDS:
                self.shared.know(fragment, b"\xfe" + digest_of(key))
        self.context = digest_of(context)
        # The pages of one entity share their tuple of inputs, which can be long: digested once.
        self.last: tuple[tuple, bytes | None] = ((), None)

    def digest(self, path: str, template: str, inputs: tuple) -> bytes | None:
        """The digest of one planned page's inputs; None when they cannot be
        digested (an annotated article the fragment cache does not hold, say)."""
        if not inputs:
            return None
        if self.last[0] is not inputs:
            try:
                self.last = (inputs, digest_of(inputs, self.shared))
            except (TypeError, AttributeError, pickle.PicklingError, RecursionError):
                self.last = (inputs, None)
        if self.last[1] is None:
            return None
        # Of fixed length but for the page's path and template, which hold no NUL.
        place = f"{path}\0{template}\0".encode("utf-8", "surrogatepass")
        return hashlib.blake2b(self.context + place + self.last[1], digest_size=16).digest()
