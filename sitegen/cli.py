"""The `sitegen` command: parse arguments, call the pipeline, print.

No logic lives here beyond choosing what to print and which exit code to
return: 0 success, 1 content errors, 2 usage errors.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path

from sitegen import __version__

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _path_text(text: str) -> str:
    """A path argument the system can look up (it need not exist)."""
    shown = text if len(text) <= 60 else text[:60] + "…"
    if "\x00" in text:
        raise argparse.ArgumentTypeError(f"{shown!r} holds a NUL character, which no path can hold")
    try:
        os.lstat(text or ".")
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        pass  # a folder to make, or one the command reports itself
    except OSError as exc:  # too long, a loop of symbolic links
        raise argparse.ArgumentTypeError(f"{shown!r}: {exc.strerror or exc}: give a shorter or other path") from None
    return text


def _path(text: str) -> Path:
    return Path(_path_text(text))


def _add_build_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=_path, default=Path("."), help="the archive's folder (default: the current folder)")
    parser.add_argument("--out", dest="output", type=_path_text, help="output folder (default: [build] output, _site)")
    parser.add_argument("--base-url", help="published address, overriding [site] base_url")
    parser.add_argument("--drafts", action="store_true", help="include articles marked draft: true")
    parser.add_argument("--no-search", dest="search", action="store_false", default=None, help="skip the search index")
    parser.add_argument("--jobs", type=_jobs, default=None, metavar="N", help="worker processes (default: one per core)")
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
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on; 0 picks a free one (default: 8000)")
    serve.add_argument("--open", action="store_true", help="open the site in a browser after the first build")
    check = commands.add_parser("check", help="run every validation without writing the site")
    _add_build_options(check)
    check.add_argument("--strict", action="store_true", help="fail (exit 1) on warnings too")
    check.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    _add_authoring_commands(commands)
    return parser


MAX_JOBS = 256  # far more than the cores of any machine; a typo of many digits would fork without end


def _jobs(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 3 and 1 <= int(text) <= MAX_JOBS):
        shown = text if len(text) <= 12 else text[:12] + "…"
        raise argparse.ArgumentTypeError(f"{shown!r} is not a number of worker processes: give a number from 1 to {MAX_JOBS}")
    return int(text)


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 5 and int(text) <= 65535):
        shown = text if len(text) <= 12 else text[:12] + "…"
        raise argparse.ArgumentTypeError(f"{shown!r} is not a port: give a number from 1 to 65535, or 0 for any free port")
    return int(text)


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
    from sitegen.engine.options import BuildOptions

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
    from sitegen.engine.cache_bytes import CacheReading
    from sitegen.engine.stamp import content_bytes_seen, unchanged_build
    from sitegen.model.errors import ContentError, UsageError

    options = _options(args)
    try:
        # Nothing changed since the last build: known without importing the pipeline.
        result = unchanged_build(options)
        if result is None:
            # The cache file is read and verified meanwhile (see engine/cache_bytes.py).
            root = options.root.resolve()
            reading = CacheReading(root, content_bytes_seen(root)) if options.cache else None
            from sitegen.engine.builder import build

            result = build(options, progress=_progress_bar(args.quiet), reading=reading)
    except ContentError as exc:
        _print_diagnostics(exc.warnings, None if args.verbose else 20)
        _print_diagnostics(exc.errors)
        print(f"Build failed: {_plural(len(exc.errors), 'error')}; the previous output is unchanged.", file=sys.stderr)
        return EXIT_CONTENT
    except UsageError as exc:
        print(f"sitegen: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # before the output is touched (writing it reports its own errors)
        print(f"{exc.filename or 'sitegen'}: error: {exc.strerror or exc}; check it and build again", file=sys.stderr)
        print("Build failed; the previous output is unchanged.", file=sys.stderr)
        return EXIT_CONTENT
    if not args.quiet:
        _print_diagnostics(result.warnings, None if args.verbose else 20)
        if args.timings:
            for stage, seconds in result.timings.items():
                print(f"  {stage:<18} {seconds * 1000:8.0f} ms")
        if result.unchanged:
            print(
                f"Nothing changed: {result.output} already holds the site of these sources "
                f"({_plural(len(result.warnings), 'warning')}); checked in {result.seconds:.2f} s"
            )
            return EXIT_OK
        if result.search is not None:
            search = result.search
            shards = "" if (search.shards, search.indexed) == (1, 1) else (
                f" in {_plural(search.shards, 'shard')} ({search.indexed} indexed, {search.shards - search.indexed} unchanged)"
            )  # fmt: skip
            print(f"Search index: {_plural(search.pages, 'page')} and {_plural(search.records, 'glossary term')} indexed{shards}")
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
            if args.verbose and event.trace:
                print(event.trace, file=sys.stderr, end="")
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
    from sitegen.dev.watch import Watcher
    from sitegen.engine.builder import Builder, resolve_settings
    from sitegen.model.errors import ContentError, UsageError
    from sitegen.pipeline.write import check_output_folder

    options = _options(args)
    report = _report_build(args)
    try:
        settings = resolve_settings(options)
        builder = Builder(options)
        # Refused before anything listens: serve would otherwise show the folder, `/` or $HOME as the site.
        check_output_folder(builder.root, builder.root / settings.build.output)
        server = previous = None
        hooks = {}
        if serve:
            from sitegen.dev.serve import PreviousIndex, ServeState, error_text, open_server

            state = ServeState()
            output = (builder.root / settings.build.output).resolve()
            previous = PreviousIndex(output)
            server = open_server(args.host, args.port, output, settings.base_path, state, previous)
            # Pages that loaded the old search index keep it whole until they reload, once the new one is in.
            hooks = {"before_search": previous.keep, "after_search": state.reload}

            def report_and_publish(event, report=report) -> None:
                report(event)
                state.update(error_text(event.errors))

            on_build = report_and_publish
        else:
            on_build = report
        # Only the first letter is raised: the rest may hold paths and a helper's own words.
        background = lambda message: print(message[:1].upper() + message[1:], flush=True) if not args.quiet else None  # noqa: E731
        watcher = Watcher(builder, on_build, on_search=background, on_open_data=background, **hooks)
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
    except OSError as exc:  # the system refuses to watch: its limit of watches reached, the folder gone
        print(f"{builder.root}: error: cannot watch for changes ({exc.strerror or exc}); fix the cause "
              "(for a watch limit, raise fs.inotify.max_user_watches) and run again", file=sys.stderr)
        return EXIT_CONTENT
    finally:
        watcher.stop()
        if server is not None:
            server.shutdown()
            server.server_close()
            previous.close()
    print("Stopped.", flush=True)
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    import json

    from sitegen.engine.check import check_archive, diagnostic_json
    from sitegen.model.errors import UsageError

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


def _add_authoring_commands(commands) -> None:
    """`init`, `new`, `import` and `suggest`: the editors' tools."""
    from sitegen.model.models import ENTITY_KINDS

    def root_option(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--root", type=_path, default=Path("."), help="the archive's folder (default: the current folder)")

    init = commands.add_parser("init", help="start a new archive in a folder")
    init.add_argument("folder", type=_path, metavar="DIR", help="the new archive's folder (created when missing)")
    init.add_argument("--force", action="store_true", help="add the files to a non-empty folder; existing files are kept")
    new = commands.add_parser("new", help="add an article, entity, glossary term or timeline event")
    what = new.add_subparsers(dest="what", metavar="WHAT", required=True)
    article = what.add_parser("article", help="an article at content/articles/YYYY/YYYY-MM-DD-<slug>.md")
    article.add_argument("title")
    article.add_argument("--date", help="publication date, YYYY-MM-DD (default: today)")
    article.add_argument("--source", default="", help="the publication's name")
    entity = what.add_parser("entity", help="an entity at content/entities/<id>.md")
    entity.add_argument("name")
    entity.add_argument("--kind", required=True, choices=ENTITY_KINDS, help="what the entity is")
    entity.add_argument("--alias", action="append", default=[], help="another name it goes by (repeatable)")
    entity.add_argument("--summary", default="", help="the side-note: one or two sentences")
    entity.add_argument("--id", default="", help="the id and file name (default: the slug of the name)")
    term = what.add_parser("term", help="a glossary term, added to content/glossary.toml")
    term.add_argument("term")
    term.add_argument("--definition", default="", help="what it means, inline Markdown")
    term.add_argument("--alias", action="append", default=[], help="another spelling (repeatable)")
    term.add_argument("--id", default="", help="the id (default: the slug of the term)")
    event = what.add_parser("event", help="a timeline event, added to content/timeline.toml")
    event.add_argument("title")
    event.add_argument("--date", required=True, help="YYYY, YYYY-MM or YYYY-MM-DD")
    event.add_argument("--end", default="", help="the last day, month or year, if it lasted")
    event.add_argument("--description", default="", help="Markdown text")
    event.add_argument("--entity", action="append", default=[], help="the id of an entity involved (repeatable)")
    event.add_argument("--article", action="append", default=[], help="the slug of an article about it (repeatable)")
    for parser in (article, entity, term, event):
        root_option(parser)
    importer = commands.add_parser("import", help="turn saved articles (plain text or HTML) into Markdown articles")
    importer.add_argument("files", nargs="+", type=Path, metavar="FILE")
    importer.add_argument("--year", type=int, help="the year of date lines that give none, such as 'Tuesday, August 16'")
    importer.add_argument("--source", default="", help="the publication's name (default: from the page's metadata)")
    root_option(importer)
    suggest = commands.add_parser("suggest", help="list recurring names that are not entities yet")
    suggest.add_argument("--min", dest="minimum", type=int, default=3, metavar="N", help="mentions needed (default: 3)")
    suggest.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    root_option(suggest)


def run_init(args: argparse.Namespace) -> int:
    from sitegen.authoring.scaffold import AuthoringError, init_archive
    from sitegen.model.errors import UsageError

    try:
        result = init_archive(args.folder, force=args.force)
    except UsageError as exc:
        print(f"sitegen: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except AuthoringError as exc:
        print(f"sitegen: {exc}", file=sys.stderr)
        return EXIT_CONTENT
    for path in result.written:
        print(f"wrote {args.folder / path}")
    for path in result.kept:
        print(f"kept {args.folder / path}: it exists already")
    folder = args.folder
    print(
        f"Started an archive in {folder} ({_plural(len(result.written), 'file')} written). Next:\n"
        f"  sitegen serve --root {folder}    see it at http://127.0.0.1:8000/ while you edit\n"
        f"  set the title and base_url in {folder / 'site.toml'}, and replace the sample content\n"
        f"  to publish on GitHub Pages, follow the comments at the top of {folder / '.github/workflows/pages.yml'}"
    )
    return EXIT_OK


def run_new(args: argparse.Namespace) -> int:
    from sitegen.authoring import scaffold
    from sitegen.model.errors import UsageError

    notes: tuple[str, ...] = ()
    try:
        if args.what == "article":
            path = scaffold.new_article(args.root, args.title, args.date, args.source)
        elif args.what == "entity":
            created = scaffold.new_entity(args.root, args.name, args.kind, args.alias, args.summary, args.id)
            path, notes = created.path, created.notes
        elif args.what == "term":
            path = scaffold.new_term(args.root, args.term, args.definition, args.alias, args.id)
            if not args.definition.strip():
                notes = (f"write the definition in {path}: it says {scaffold.PLACEHOLDER_DEFINITION!r} for now",)
        else:
            path = scaffold.new_event(args.root, args.title, args.date, args.end, args.description, args.entity, args.article)
    except UsageError as exc:
        print(f"sitegen: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except scaffold.AuthoringError as exc:
        print(f"sitegen: {exc}", file=sys.stderr)
        return EXIT_CONTENT
    for note in notes:
        print(f"sitegen: note: {note}", file=sys.stderr)
    print(path)
    return EXIT_OK


def run_import(args: argparse.Namespace) -> int:
    from sitegen.authoring.importer import import_files
    from sitegen.authoring.scaffold import AuthoringError, require_archive

    if args.year is not None and not 1 <= args.year <= 9999:
        print(f"sitegen: --year {args.year} is not a year: give four digits, such as --year 2016", file=sys.stderr)
        return EXIT_USAGE
    try:
        require_archive(args.root, "import")
    except AuthoringError as exc:
        print(f"sitegen: {exc}", file=sys.stderr)
        return EXIT_CONTENT
    failed = 0
    for result in import_files(args.root, args.files, year=args.year, source=args.source):
        article = result.article
        if article is None:
            failed += 1
            print(f"{result.source}: error: {result.error}", file=sys.stderr)
            continue
        print(f"{result.source} ({article.kind}):")
        for finding in article.found:
            shown = f"{finding.value}  ({finding.how})" if finding.value else f"({finding.how})"
            print(f"  {finding.what + ':':<12} {shown}")
        for note in article.notes:
            print(f"  note: {note}")
        print(f"  wrote {result.written}")
    total = len(args.files)
    if failed:
        print(f"Imported {total - failed} of {_plural(total, 'file')}; {failed} failed: fix what is said above and import "
              f"{'it' if failed == 1 else 'them'} again.", file=sys.stderr)
        return EXIT_CONTENT
    print(f"Imported {_plural(total, 'file')}.")
    return EXIT_OK


def _excerpt(sentence: str, name: str, limit: int = 160) -> str:
    if len(sentence) <= limit:
        return sentence
    at = max(0, sentence.find(name) - limit // 3)
    text = sentence[at : at + limit].strip()
    return ("…" if at else "") + text + ("…" if at + limit < len(sentence) else "")


def run_suggest(args: argparse.Namespace) -> int:
    import json

    from sitegen.authoring.suggest import suggest_for_archive
    from sitegen.model.errors import ContentError
    from sitegen.model.models import ENTITY_KINDS

    if args.minimum < 1:
        print(f"sitegen: --min {args.minimum}: give a number of mentions of 1 or more", file=sys.stderr)
        return EXIT_USAGE
    try:
        report = suggest_for_archive(args.root, args.minimum)
    except ContentError as exc:
        _print_diagnostics(exc.errors)
        return EXIT_CONTENT
    if report.problems:
        print(f"sitegen: note: the content has {_plural(report.problems, 'error')}; files with errors were left out "
              "(run `sitegen build` to see them)", file=sys.stderr)
    if args.format == "json":
        data = {"min": args.minimum, "articles": report.articles, "suggestions": [s.as_dict() for s in report.suggestions]}
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK
    articles = _plural(report.articles, "article")
    if not report.suggestions:
        print(f"No undefined name is mentioned {args.minimum} times or more in {articles} (--min {args.minimum}).")
        return EXIT_OK
    print(f"Names mentioned {args.minimum} times or more in {articles} that are not entities yet, most frequent first:")
    for suggestion in report.suggestions:
        shown = ", ".join(suggestion.articles[:3]) + (", …" if len(suggestion.articles) > 3 else "")
        print(f"\n{suggestion.name}: {_plural(suggestion.count, 'mention')} in {_plural(len(suggestion.articles), 'article')} ({shown})")
        print(f"    {_excerpt(suggestion.example, suggestion.name)}")
    print(f"\nDefine one with: sitegen new entity \"NAME\" --kind {'|'.join(ENTITY_KINDS)} [--alias OTHER-NAME]")
    return EXIT_OK


AUTHORING_COMMANDS = {"init": run_init, "new": run_new, "import": run_import, "suggest": run_suggest}


def main(argv: list[str] | None = None) -> int:
    # A file name that is not UTF-8 reaches messages as lone surrogates; print them
    # as escapes (as stderr does) rather than fail on a terminal whose stdout is strict.
    if getattr(sys.stdout, "errors", None) == "strict" and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    args = make_parser().parse_args(argv)
    try:
        if args.command == "build":
            return run_build(args)
        if args.command == "watch":
            return run_watch(args)
        if args.command == "serve":
            return run_watch(args, serve=True)
        if args.command in AUTHORING_COMMANDS:
            return AUTHORING_COMMANDS[args.command](args)
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
