// sitegen theme script: progressive enhancement only; every page works without it.
