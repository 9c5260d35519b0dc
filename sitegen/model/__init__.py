"""Content models and the small value types every stage shares: dates, slugs, URLs, errors, phrase matching."""
