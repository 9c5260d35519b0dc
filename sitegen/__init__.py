"""sitegen: a static site generator for annotated article archives."""

__version__ = "0.1.0"
