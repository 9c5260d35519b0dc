"""A JSON Schema for CSL-JSON items, written from the Citation Style Language 1.0.2
specification (its appendix of item types and variables) and the citeproc-js
documentation of CSL-JSON input.

It is stricter than a reader needs to be: an item may carry only the variables the
specification names, so a misspelt variable (`container_title`, `issued_date`) fails
the test instead of being silently ignored by every reference manager.
"""

from __future__ import annotations

ITEM_TYPES = (
    "article", "article-journal", "article-magazine", "article-newspaper", "bill", "book",
    "broadcast", "chapter", "classic", "collection", "dataset", "document", "entry",
    "entry-dictionary", "entry-encyclopedia", "event", "figure", "graphic", "hearing",
    "interview", "legal_case", "legislation", "manuscript", "map", "motion_picture",
    "musical_score", "pamphlet", "paper-conference", "patent", "performance", "periodical",
    "personal_communication", "post", "post-weblog", "regulation", "report", "review",
    "review-book", "software", "song", "speech", "standard", "thesis", "treaty", "webpage",
)  # fmt: skip

NAME_VARIABLES = (
    "author", "chair", "collection-editor", "compiler", "composer", "container-author",
    "contributor", "curator", "director", "editor", "editorial-director", "executive-producer",
    "guest", "host", "illustrator", "interviewer", "narrator", "organizer", "original-author",
    "performer", "producer", "recipient", "reviewed-author", "script-writer", "series-creator",
    "translator",
)  # fmt: skip

DATE_VARIABLES = ("accessed", "available-date", "event-date", "issued", "original-date", "submitted")

STRING_VARIABLES = (
    "abstract", "annote", "archive", "archive_collection", "archive_location", "archive-place",
    "authority", "call-number", "citation-key", "citation-label", "collection-title",
    "container-title", "container-title-short", "dimensions", "division", "DOI", "event-title",
    "event-place", "genre", "ISBN", "ISSN", "journalAbbreviation", "jurisdiction", "keyword",
    "language", "license", "medium", "note", "original-publisher", "original-publisher-place",
    "original-title", "part-title", "PMCID", "PMID", "publisher", "publisher-place", "references",
    "reviewed-genre", "reviewed-title", "scale", "shortTitle", "source", "status", "title",
    "title-short", "URL", "version", "volume-title", "volume-title-short", "year-suffix",
)  # fmt: skip

NUMBER_VARIABLES = (
    "chapter-number", "citation-number", "collection-number", "edition", "first-reference-note-number",
    "issue", "locator", "number", "number-of-pages", "number-of-volumes", "page", "page-first",
    "part", "printing", "section", "supplement", "volume",
)  # fmt: skip

_TEXT_OR_NUMBER = {"type": ["string", "number"]}

_NAME = {
    "type": "object",
    "properties": {
        "family": {"type": "string"},
        "given": {"type": "string"},
        "dropping-particle": {"type": "string"},
        "non-dropping-particle": {"type": "string"},
        "suffix": {"type": "string"},
        "comma-suffix": {"type": ["string", "number", "boolean"]},
        "static-ordering": {"type": ["string", "number", "boolean"]},
        "literal": {"type": "string"},
        "parse-names": {"type": ["string", "number", "boolean"]},
    },
    "additionalProperties": False,
    # A name is either split into parts or given whole, never neither.
    "anyOf": [{"required": ["family"]}, {"required": ["literal"]}],
}

_DATE_PART = {"type": "array", "minItems": 1, "maxItems": 3, "items": _TEXT_OR_NUMBER}

_DATE = {
    "type": "object",
    "properties": {
        # One date, or two for a range.
        "date-parts": {"type": "array", "minItems": 1, "maxItems": 2, "items": _DATE_PART},
        "season": _TEXT_OR_NUMBER,
        "circa": {"type": ["string", "number", "boolean"]},
        "literal": {"type": "string"},
        "raw": {"type": "string"},
        "edtf": {"type": "string"},
    },
    "additionalProperties": False,
    "anyOf": [{"required": ["date-parts"]}, {"required": ["literal"]}, {"required": ["raw"]}, {"required": ["edtf"]}],
}

_ITEM_PROPERTIES: dict[str, dict] = {
    "type": {"type": "string", "enum": list(ITEM_TYPES)},
    "id": _TEXT_OR_NUMBER,
    "categories": {"type": "array", "items": {"type": "string"}},
    "custom": {"type": "object"},
    **{name: {"type": "array", "items": _NAME} for name in NAME_VARIABLES},
    **{name: _DATE for name in DATE_VARIABLES},
    **{name: {"type": "string"} for name in STRING_VARIABLES},
    **{name: _TEXT_OR_NUMBER for name in NUMBER_VARIABLES},
}

CSL_DATA_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "array",
    "items": {
        "type": "object",
        "properties": _ITEM_PROPERTIES,
        "required": ["type", "id"],
        "additionalProperties": False,
    },
}
