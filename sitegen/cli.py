"""The `sitegen` command: parse arguments, call the pipeline, print.

No logic lives here beyond choosing what to print and which exit code to
return: 0 success, 1 content errors, 2 usage errors.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sitegen import __version__

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _add_build_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, default=Path("."), help="the archive's folder (default: the current folder)")
    parser.add_argument("--out", dest="output", help="output folder (default: [build] output, _site)")
    parser.add_argument("--base-url", help="published address, overriding [site] base_url")
    parser.add_argument("--drafts", action="store_true", help="include articles marked draft: true")
    parser.add_argument("--no-search", dest="search", action="store_false", default=None, help="skip the search index")
    talk = parser.add_mutually_exclusive_group()
    talk.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    talk.add_argument("-v", "--verbose", action="store_true", help="print every warning, and a traceback on internal errors")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sitegen", description="Build annotated article archives as static sites.")
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    build = commands.add_parser("build", help="build the site into the output folder")
    _add_build_options(build)
    return parser


def _progress_bar(quiet: bool):
    def progress(pages, total):
        if quiet or not sys.stderr.isatty():
            return pages
        from tqdm import tqdm  # only on a terminal: keeps start-up light otherwise

        return tqdm(pages, total=total, desc="Rendering", unit="page", leave=False, file=sys.stderr)

    return progress


def _print_diagnostics(diagnostics, limit: int | None = None) -> None:
    for diagnostic in diagnostics[:limit]:
        print(diagnostic, file=sys.stderr)
    if limit is not None and len(diagnostics) > limit:
        print(f"… and {len(diagnostics) - limit} more (use --verbose to see all)", file=sys.stderr)


def run_build(args: argparse.Namespace) -> int:
    from sitegen.build import BuildOptions, build
    from sitegen.errors import ContentError, UsageError

    options = BuildOptions(
        root=args.root,
        output=args.output,
        base_url=args.base_url,
        drafts=args.drafts,
        search=args.search,
    )
    try:
        result = build(options, progress=_progress_bar(args.quiet))
    except ContentError as exc:
        _print_diagnostics(exc.warnings, None if args.verbose else 20)
        _print_diagnostics(exc.errors)
        print(f"Build failed: {_plural(len(exc.errors), 'error')}; the previous output is unchanged.", file=sys.stderr)
        return EXIT_CONTENT
    except UsageError as exc:
        print(f"sitegen: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not args.quiet:
        _print_diagnostics(result.warnings, None if args.verbose else 20)
        if result.search is not None:
            print(f"Search index: {_plural(result.search.pages, 'page')} and {_plural(result.search.records, 'glossary term')} indexed")
        else:
            print(f"Search index skipped ({result.search_skipped_because})")
        print(
            f"Built {_plural(result.articles, 'article')}, {_plural(result.entities, 'entity').replace('entitys', 'entities')}: "
            f"{_plural(result.pages, 'page')} written to {result.output} "
            f"({_plural(len(result.warnings), 'warning')}) in {result.seconds:.2f} s"
        )
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        if args.command == "build":
            return run_build(args)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except Exception:
        if getattr(args, "verbose", False):
            raise
        import traceback

        last = traceback.extract_tb(sys.exc_info()[2])[-1]
        print(
            f"sitegen: internal error ({sys.exc_info()[1]!r} at {Path(last.filename).name}:{last.lineno}); "
            "this is a bug in sitegen: please report it with the output of --verbose",
            file=sys.stderr,
        )
        return 70
    return EXIT_USAGE
