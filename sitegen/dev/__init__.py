"""The editing loop: rebuild on every save (watch) and serve with live reload (serve)."""
