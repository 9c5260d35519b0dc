"""Tools that write sources for editors: init and new (scaffold), import, suggest."""
