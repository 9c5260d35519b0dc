"""`sitegen serve`: the watcher plus a local HTTP server with live reload.

The site is served from the output folder under the base URL's path (`/repo/`
when the base URL has one), so a link that would break on a project site
breaks here too. HTML responses get a small live-reload script added on the
way out; the files on disk are exactly what `sitegen build` writes. While the
latest build has failed, the last good site stays served and the script shows
the error in a banner; the next good build reloads the page.
"""

from __future__ import annotations

import errno
import http.server
import json
import mimetypes
import re
import shutil
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from sitegen.model.errors import UsageError
from sitegen.model.escaping import json_for_script
from sitegen.pipeline.search import BUNDLE_DIR, link_tree
from sitegen.pipeline.write import make_sibling, siblings

STATUS_PATH = "/__sitegen/status"
LONG_POLL_SECONDS = 20.0

LIVE_RELOAD_SCRIPT = """<script data-sitegen-live-reload>
(function () {
  "use strict";
  var state = %s;
  function banner(message) {
    var element = document.getElementById("sitegen-build-error");
    if (!message) { if (element) element.remove(); return; }
    if (!element) {
      element = document.createElement("div");
      element.id = "sitegen-build-error";
      element.setAttribute("role", "alert");
      element.style.cssText = "position:fixed;left:0;right:0;bottom:0;z-index:1000;margin:0;padding:0.6rem 1rem;" +
        "background:#8b1a1a;color:#fff;font:14px/1.4 system-ui,sans-serif;white-space:pre-wrap;max-height:40vh;overflow:auto";
      document.body.appendChild(element);
    }
    element.textContent = "Build failed; showing the last good build.\\n" + message;
  }
  function poll() {
    fetch("%s?since=" + state.version, { cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (status) {
        if (status.version !== state.version) {
          state.version = status.version;
          if (!status.error) { window.location.reload(); return; }
        }
        banner(status.error);
        poll();
      })
      .catch(function () { setTimeout(poll, 1000); });
  }
  banner(state.error);
  poll();
})();
</script>
"""


@dataclass(slots=True)
class ServeState:
    """The latest build as the browser sees it: a version number and its error, if any."""

    version: int = 0
    error: str = ""
    changed: threading.Condition = field(default_factory=threading.Condition)

    def update(self, error: str) -> None:
        with self.changed:
            self.version += 1
            self.error = error
            self.changed.notify_all()

    def reload(self) -> None:
        """A new version with the same error: open pages reload (unless the build failed)."""
        with self.changed:
            self.version += 1
            self.changed.notify_all()

    def wait(self, since: int, timeout: float) -> tuple[int, str]:
        with self.changed:
            self.changed.wait_for(lambda: self.version != since, timeout=timeout)
            return self.version, self.error


class PreviousIndex:
    """The search index as it was before the latest refresh, kept while serve runs.

    A page that loaded the search index before the refresh swapped in a new
    one goes on asking for that index's files (Pagefind loads a shard's
    word lists and results as searches need them), and Pagefind names its
    data files by their contents: a replaced shard's are no longer in the
    output. The server answers such requests from here, so that page keeps
    searching the old index, whole, until it reloads; open pages reload once
    the refresh is done (`ServeState.reload`). Only the index before the
    latest refresh is kept: a page older than that has reloaded since.

    The folder lies beside the output (its files hard-linked to the old
    index's), of a kind of its own: builds remove their own leftovers at
    every start, and this one outlives a build. A killed server's is removed
    by the next server on the same output.
    """

    KIND = "previous-index"

    def __init__(self, output: Path):
        self.output = output
        self.folder: Path | None = None
        self.lock = threading.Lock()
        for leftover in siblings(output, self.KIND):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)

    def keep(self) -> None:
        """Keep the index now in the output; call before a refresh replaces it.
        Nothing is kept when it cannot be (a full disk): the refresh goes on."""
        current = self.output / BUNDLE_DIR
        kept = None
        if current.is_dir():
            try:
                kept = make_sibling(self.output, self.KIND)
                link_tree(current, kept / BUNDLE_DIR)
            except OSError:
                if kept is not None:
                    shutil.rmtree(kept, ignore_errors=True)
                kept = None
        with self.lock:
            older, self.folder = self.folder, kept
        if older is not None:
            shutil.rmtree(older, ignore_errors=True)

    def find(self, relative: str) -> Path | None:
        """The kept file at `relative` (a path in the output, `pagefind/…`), or None."""
        with self.lock:
            folder = self.folder
        if folder is None or not relative.startswith(BUNDLE_DIR + "/"):
            return None
        target = (folder / relative).resolve()
        if folder.resolve() / BUNDLE_DIR not in target.parents:
            return None
        return target if target.is_file() else None

    def close(self) -> None:
        with self.lock:
            folder, self.folder = self.folder, None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def live_reload_snippet(state: ServeState) -> bytes:
    data = json_for_script({"version": state.version, "error": state.error})
    return (LIVE_RELOAD_SCRIPT % (data, STATUS_PATH)).encode("utf-8")


def inject_snippet(page: bytes, snippet: bytes) -> bytes:
    """Put the script just before </body> (or at the end when there is none)."""
    index = page.rfind(b"</body>")
    return page + snippet if index < 0 else page[:index] + snippet + page[index:]


class DevServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, output: Path, base_path: str, state: ServeState, previous: PreviousIndex | None = None):
        self.output = output
        self.base_path = base_path
        self.state = state
        self.previous = previous
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address) -> None:
        """One line on stderr instead of socketserver's traceback; a browser that
        closed its connection (a reloaded page's long poll) is not an error."""
        error = sys.exc_info()[1]
        if not isinstance(error, (ConnectionError, TimeoutError)):
            print(f"sitegen: a request failed: {error!r}", file=sys.stderr, flush=True)


_SINCE = re.compile(r"-?[0-9]{1,18}")  # ASCII digits only, and small enough to be a version


def parse_since(query: str) -> int | None:
    """The build version a long poll has seen: -1 when not given, None when malformed."""
    values = parse_qs(query).get("since")
    if not values:
        return -1
    return int(values[0]) if _SINCE.fullmatch(values[0]) else None


class _Handler(http.server.BaseHTTPRequestHandler):
    server: DevServer
    protocol_version = "HTTP/1.1"
    responded = False  # whether a status line went out for the current request

    def log_message(self, *args) -> None:  # the terminal shows builds, not requests
        pass

    def send_response(self, code: int, message: str | None = None) -> None:
        self.responded = True
        super().send_response(code, message)

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:
        self.responded = False
        try:
            self._answer(head)
        except (ConnectionError, TimeoutError):
            raise  # the browser went away: nobody to answer
        except Exception:
            # A request this server did not foresee still gets a response, and the
            # terminal one line (from handle_error), never a traceback.
            if not self.responded:
                self._send(500, "text/plain; charset=utf-8", b"Internal error of the sitegen server\n", head)
            self.close_connection = True
            raise

    def _answer(self, head: bool) -> None:
        try:
            parts = urlsplit(self.path)
        except ValueError:  # such as an absolute URL with a broken host, `http://[x/`
            return self._bad_request("not a URL path", head)
        path = unquote(parts.path)
        base = self.server.base_path
        if path == STATUS_PATH:
            since = parse_since(parts.query)
            if since is None:
                return self._bad_request("since must be a build version, such as since=3", head)
            version, error = self.server.state.wait(since, LONG_POLL_SECONDS)
            return self._send(200, "application/json", json.dumps({"version": version, "error": error}).encode(), head)
        if path in ("", "/", base.rstrip("/")) and base != "/":  # /repo too, as GitHub Pages does
            return self._redirect(base)
        if not path.startswith(base):
            return self._not_found(head)
        try:
            target = self._find(path[len(base) :])
            if target is None and self.server.previous is not None:  # a file of the index a refresh replaced
                target = self.server.previous.find(path[len(base) :])
        except (OSError, ValueError):  # a NUL byte, a name or path too long for the system
            return self._not_found(head)
        if target is None:
            return self._not_found(head)
        if target.is_dir():
            if not path.endswith("/"):
                return self._redirect(quote(path + "/"))
            target = target / "index.html"
        if not target.is_file():
            return self._not_found(head)
        self._send_file(200, target, head)

    def _find(self, relative: str) -> Path | None:
        """The existing file or folder `relative` names inside the output, or None."""
        output = self.server.output.resolve()
        target = (output / relative).resolve()
        if target != output and output not in target.parents:
            return None
        return target if target.exists() else None

    def _send_file(self, status: int, target: Path, head: bool) -> None:
        try:
            data = target.read_bytes()
        except OSError:  # replaced by a build between the look-up and the read
            return self._send(404, "text/plain; charset=utf-8", b"Not found\n", head)
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind == "text/html":
            data = inject_snippet(data, live_reload_snippet(self.server.state))
            kind = "text/html; charset=utf-8"
        elif kind.startswith("text/") or kind in ("application/javascript", "application/json"):
            kind += "; charset=utf-8"
        self._send(status, kind, data, head)

    def _not_found(self, head: bool) -> None:
        page = self.server.output / "404.html"
        if page.is_file():
            return self._send_file(404, page, head)
        self._send(404, "text/plain; charset=utf-8", b"Not found\n", head)

    def _bad_request(self, reason: str, head: bool) -> None:
        self._send(400, "text/plain; charset=utf-8", f"Bad request: {reason}\n".encode(), head)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: int, kind: str, data: bytes, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(data)


def open_server(host: str, port: int, output: Path, base_path: str, state: ServeState, previous: PreviousIndex | None = None) -> DevServer:
    if not host.strip():  # the socket would take "" for every network interface
        raise UsageError("--host is empty: give the address to listen on, such as 127.0.0.1 (or 0.0.0.0 for every network interface)")
    try:
        host.encode("idna")  # what the socket does with a name; NUL and lone surrogates fail there as a TypeError
        if "\x00" in host:
            raise UnicodeError("a NUL character")
    except UnicodeError as exc:
        shown = host if len(host) <= 40 else host[:40] + "…"
        raise UsageError(f"--host {shown!r} is not a host name or address ({exc}): give one such as 127.0.0.1") from None
    try:
        return DevServer((host, port), output, base_path, state, previous)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(f"port {port} on {host} is in use: stop the other server or choose another with --port") from None
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def error_text(errors) -> str:
    return "\n".join(str(error) for error in errors)

