"""The `sitegen` command: parse arguments, call the pipeline, print.

No logic lives here beyond choosing what to print and which exit code to
return: 0 success, 1 content errors, 2 usage errors.
"""

from __future__ import annotations

import argparse
import sys
import threading
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
    parser.add_argument("--jobs", type=int, default=None, metavar="N", help="worker processes (default: one per core)")
    parser.add_argument("--no-cache", dest="cache", action="store_false", help="neither read nor write .sitegen-cache/")
    talk = parser.add_mutually_exclusive_group()
    talk.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    talk.add_argument("-v", "--verbose", action="store_true", help="print every warning, and a traceback on internal errors")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sitegen", description="Build annotated article archives as static sites.")
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    build = commands.add_parser("build", help="build the site into the output folder")
    _add_build_options(build)
    build.add_argument("--timings", action="store_true", help="print the time spent in each stage")
    watch = commands.add_parser("watch", help="build, then rebuild on every change")
    _add_build_options(watch)
    serve = commands.add_parser("serve", help="watch, and serve the site with live reload")
    _add_build_options(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument("--open", action="store_true", help="open the site in a browser after the first build")
    check = commands.add_parser("check", help="run every validation without writing the site")
    _add_build_options(check)
    check.add_argument("--strict", action="store_true", help="fail (exit 1) on warnings too")
    check.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
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


def _options(args: argparse.Namespace):
    from sitegen.build import BuildOptions

    return BuildOptions(
        root=args.root,
        output=args.output,
        base_url=args.base_url,
        drafts=args.drafts,
        search=args.search,
        workers=args.jobs,
        cache=args.cache,
    )


def run_build(args: argparse.Namespace) -> int:
    from sitegen.build import build
    from sitegen.errors import ContentError, UsageError

    options = _options(args)
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
        if args.timings:
            for stage, seconds in result.timings.items():
                print(f"  {stage:<18} {seconds * 1000:8.0f} ms")
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


def _report_build(args: argparse.Namespace):
    """What the watcher prints after each build."""

    def report(event) -> None:
        changed = f" after {_plural(len(event.changes), 'change')}" if event.changes else ""
        if event.result is None:
            _print_diagnostics(list(event.errors))
            print(f"Build {event.number} failed{changed}: {_plural(len(event.errors), 'error')}; "
                  "the last good site stays in place. Fix the file and save again.", file=sys.stderr, flush=True)
            return
        if args.verbose:
            _print_diagnostics(event.result.warnings)
        if not args.quiet:
            print(f"Build {event.number}{changed}: {_plural(event.result.files, 'file')} updated "
                  f"in {event.seconds * 1000:.0f} ms", flush=True)

    return report


def run_watch(args: argparse.Namespace, serve: bool = False) -> int:
    from sitegen.build import Builder, resolve_settings
    from sitegen.errors import ContentError, UsageError
    from sitegen.watch import Watcher

    options = _options(args)
    report = _report_build(args)
    try:
        settings = resolve_settings(options)
        builder = Builder(options)
        server = None
        if serve:
            from sitegen.serve import ServeState, error_text, open_server

            state = ServeState()
            output = (builder.root / settings.build.output).resolve()
            server = open_server(args.host, args.port, output, settings.base_path, state)

            def report_and_publish(event, report=report) -> None:
                report(event)
                state.update(error_text(event.errors))

            on_build = report_and_publish
        else:
            on_build = report
        watcher = Watcher(builder, on_build, on_search=lambda message: print(message.capitalize(), flush=True) if not args.quiet else None)
    except ContentError as exc:
        _print_diagnostics(exc.errors)
        return EXIT_CONTENT
    except UsageError as exc:
        print(f"sitegen: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if server is not None:
            threading.Thread(target=server.serve_forever, daemon=True).start()
            url = f"http://{args.host}:{server.server_address[1]}{settings.base_path}"
            print(f"Serving {builder.root / settings.build.output} at {url} (Ctrl-C to stop)", flush=True)
            if args.open:
                import webbrowser

                threading.Timer(0.5, webbrowser.open, [url]).start()
        else:
            print(f"Watching {builder.root} for changes (Ctrl-C to stop)", flush=True)
        watcher.run()
    except UsageError as exc:
        print(f"sitegen: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        watcher.stop()
        if server is not None:
            server.shutdown()
            server.server_close()
    print("Stopped.", flush=True)
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    import json

    from sitegen.check import check_archive, diagnostic_json
    from sitegen.errors import UsageError

    try:
        report = check_archive(_options(args))
    except UsageError as exc:
        print(f"sitegen: {exc}", file=sys.stderr)
        return EXIT_USAGE
    failed = report.failed(args.strict)
    if args.format == "json":
        print(json.dumps({
            "errors": [diagnostic_json(d) for d in report.errors],
            "warnings": [diagnostic_json(d) for d in report.warnings],
            "summary": {**report.summary(), "strict": args.strict, "ok": not failed},
        }, indent=2))
        return EXIT_CONTENT if failed else EXIT_OK
    for diagnostic in report.diagnostics:
        if not args.quiet or diagnostic.severity == "error" or args.strict:
            print(diagnostic)
    if not args.quiet:
        unchecked = "" if report.complete else "; fix the errors to run the link and entity checks"
        verdict = "failed" if failed else "passed"
        print(f"Check {verdict}: {_plural(len(report.errors), 'error')}, {_plural(len(report.warnings), 'warning')}{unchecked}")
    return EXIT_CONTENT if failed else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        if args.command == "build":
            return run_build(args)
        if args.command == "watch":
            return run_watch(args)
        if args.command == "serve":
            return run_watch(args, serve=True)
        if args.command == "check":
            return run_check(args)
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
