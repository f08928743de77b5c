"""A local stand-in for the Hugging Face Hub HTTP API: serves repos kept in a folder, for the tests only.

Layout: ``root/<kind>/<owner>/<name>/<revision folder>/<files...>``, with kind ``models`` or
``datasets`` and the revision folder named by :func:`revision_folder`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import yaml

KINDS = ("models", "datasets")
COMMIT_SHA = re.compile(r"[0-9a-f]{40}")
# Owner and name each start with a letter or digit, so "." and ".." cannot climb out of the root.
REPO_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# A fixed date keeps repo infos identical from run to run.
LAST_MODIFIED = "2024-01-01T00:00:00.000Z"
# The Hub keeps binary and very large files in LFS; its tree entries then carry an `lfs` object.
LFS_MIN_SIZE = 10 * 1024 * 1024
LFS_POINTER_SIZE = 134
METHODS = {"info": ("GET", "HEAD"), "tree": ("GET", "HEAD"), "paths-info": ("POST",), "resolve": ("GET", "HEAD")}
JSON_TYPE = "application/json; charset=utf-8"


def revision_folder(repo_dir: Path, branch: str) -> Path:
    """Return the folder below ``repo_dir`` that holds the files of ``branch``."""
    return Path(repo_dir) / quote(branch, safe="")


@dataclass(frozen=True)
class Target:
    """What a request asks for: the repo, the action, the revision and a path inside the repo."""

    kind: str
    repo_id: str
    action: str
    revision: str
    path: str


@dataclass(frozen=True)
class FileEntry:
    """One file of a revision, with the hashes the Hub reports for it."""

    path: str
    size: int
    blob_id: str
    sha256: str
    lfs: bool

    def etag(self) -> str:
        """Return the ETag the Hub gives this file: its sha256 when in LFS, else its git blob id."""
        return self.sha256 if self.lfs else self.blob_id


@dataclass(frozen=True)
class Snapshot:
    """The files of one branch at the moment it was read, and the commit sha they make."""

    branch: str
    sha: str
    folder: Path
    files: dict[str, FileEntry]
    directories: frozenset[str]


@dataclass(frozen=True)
class Reply:
    """An HTTP answer; ``body`` is None for a HEAD request, whose Content-Length is in ``headers``."""

    status: int
    headers: dict[str, str]
    body: bytes | None


class HubError(Exception):
    """A 404 the Hub answers with an ``X-Error-Code``, which the clients map to their own errors."""

    def __init__(self, code: str, message: str, commit: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.commit = commit

    def reply(self) -> Reply:
        """Return the 404 answer for this error, headers included."""
        reply = json_reply({"error": self.message}, status=404)
        reply.headers.update({"X-Error-Code": self.code, "X-Error-Message": self.message})
        if self.commit is not None:
            reply.headers["X-Repo-Commit"] = self.commit
        return reply


def json_reply(value: object, status: int = 200) -> Reply:
    """Return a reply whose body is ``value`` as JSON."""
    return Reply(status, {"Content-Type": JSON_TYPE}, json.dumps(value).encode())


def not_found_page() -> Reply:
    """Return the 404 the Hub gives for a path it has no route for (no ``X-Error-Code``)."""
    return json_reply({"error": "Sorry, we can't find the page you are looking for."}, status=404)


def parse_target(raw_path: str) -> Target | None:
    """Return what the raw request path asks for, or None when no route matches it."""
    parts = urlsplit(raw_path).path.split("/")[1:]
    if parts[:1] == ["api"]:
        return _parse_api(parts[1:])
    return _parse_resolve(parts)


def _repo_id(owner: str, name: str) -> str | None:
    """Return ``owner/name``, or None when either part is not a valid repo name."""
    if REPO_PART.fullmatch(owner) and REPO_PART.fullmatch(name):
        return f"{owner}/{name}"
    return None


def _parse_api(parts: list[str]) -> Target | None:
    """Return the target of an ``/api/<kind>/<owner>/<name>[/<action>/<rev>[/<path>]]`` path, or None."""
    if len(parts) < 3 or parts[0] not in KINDS:
        return None
    kind, repo_id, rest = parts[0], _repo_id(parts[1], parts[2]), parts[3:]
    if repo_id is None:
        return None
    if not rest:
        return Target(kind, repo_id, "info", "main", "")
    action = {"revision": "info", "tree": "tree", "paths-info": "paths-info"}.get(rest[0])
    # Only the tree route takes a path after the revision; clients send it quoted (a%2Fb).
    if action is None or len(rest) < 2 or (action != "tree" and len(rest) > 2):
        return None
    return Target(kind, repo_id, action, unquote(rest[1]), unquote("/".join(rest[2:])).strip("/"))


def _parse_resolve(parts: list[str]) -> Target | None:
    """Return the target of a ``[/datasets]/<owner>/<name>/resolve/<rev>/<file>`` path, or None."""
    kind = "models"
    if parts[:1] == ["datasets"]:
        kind, parts = "datasets", parts[1:]
    if len(parts) < 5 or parts[2] != "resolve":
        return None
    repo_id = _repo_id(parts[0], parts[1])
    if repo_id is None:
        return None
    return Target(kind, repo_id, "resolve", unquote(parts[3]), unquote("/".join(parts[4:])))


def _file_stats(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Return (relative path, size, mtime) of every file below ``folder``, sorted, skipping ``.git``."""
    stats = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [name for name in dirnames if name != ".git"]
        for name in filenames:
            full = Path(dirpath) / name
            info = full.stat()
            stats.append((full.relative_to(folder).as_posix(), info.st_size, info.st_mtime_ns))
    return tuple(sorted(stats))


def _hash_file(folder: Path, path: str) -> FileEntry:
    """Return the entry of one file, hashing its content."""
    data = (folder / path).read_bytes()
    blob_id = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    # Git's own test for binary content: a NUL byte near the start.
    lfs = b"\0" in data[:8000] or len(data) >= LFS_MIN_SIZE
    return FileEntry(path, len(data), blob_id, hashlib.sha256(data).hexdigest(), lfs)


def _directories(paths: list[str]) -> frozenset[str]:
    """Return the paths of every folder that holds one of ``paths``, at any depth."""
    folders = set()
    for path in paths:
        parts = path.split("/")[:-1]
        folders.update("/".join(parts[: depth + 1]) for depth in range(len(parts)))
    return frozenset(folders)


def _commit_sha(repo_id: str, branch: str, files: dict[str, FileEntry]) -> str:
    """Return a 40-hex commit sha that depends only on the repo id, the branch and the files' contents."""
    digest = hashlib.sha1(f"{repo_id}\n{branch}\n".encode())
    for entry in files.values():
        digest.update(f"{entry.path}\0{entry.sha256}\n".encode())
    return digest.hexdigest()


class RepoStore:
    """Reads the repos below ``root``, rehashing a revision folder only when its files change."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._lock = threading.Lock()
        self._cache: dict[Path, tuple[tuple, Snapshot]] = {}

    def snapshot(self, kind: str, repo_id: str, revision: str) -> Snapshot:
        """Return the snapshot that ``revision`` (a branch or a commit sha) names; raise HubError if none."""
        repo_dir = self.root / kind / repo_id
        branches = sorted(unquote(p.name) for p in repo_dir.iterdir() if p.is_dir()) if repo_dir.is_dir() else []
        if not branches:
            raise HubError("RepoNotFound", "Repository not found")
        if revision in branches:
            return self._load(repo_id, revision, revision_folder(repo_dir, revision))
        if COMMIT_SHA.fullmatch(revision):
            for branch in branches:
                snapshot = self._load(repo_id, branch, revision_folder(repo_dir, branch))
                if snapshot.sha == revision:
                    return snapshot
        raise HubError("RevisionNotFound", f"Invalid rev id: {revision}")

    def _load(self, repo_id: str, branch: str, folder: Path) -> Snapshot:
        """Return the snapshot of one revision folder, from the cache while its files are unchanged."""
        stats = _file_stats(folder)
        with self._lock:
            cached = self._cache.get(folder)
            if cached is not None and cached[0] == stats:
                return cached[1]
            files = {path: _hash_file(folder, path) for path, _, _ in stats}
            sha = _commit_sha(repo_id, branch, files)
            snapshot = Snapshot(branch, sha, folder, files, _directories(list(files)))
            self._cache[folder] = (stats, snapshot)
            return snapshot


def _card_data(snapshot: Snapshot) -> dict | None:
    """Return the YAML front matter of the README.md, or None when there is none or it is not a mapping."""
    if "README.md" not in snapshot.files:
        return None
    text = (snapshot.folder / "README.md").read_text(encoding="utf-8", errors="replace")
    match = re.match(r"---\s*\n(.*?)\n---\s*(\n|$)", text, re.DOTALL)
    if match is None:
        return None
    try:
        card = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return None
    return card if isinstance(card, dict) else None


def repo_info(target: Target, snapshot: Snapshot) -> dict:
    """Return the ``/api/<kind>/<id>`` JSON of a model or data set at a snapshot."""
    info: dict = {
        "id": target.repo_id,
        "author": target.repo_id.split("/")[0],
        "sha": snapshot.sha,
        "private": False,
        "disabled": False,
        "gated": False,
        "lastModified": LAST_MODIFIED,
        "createdAt": LAST_MODIFIED,
        "tags": [],
        "downloads": 0,
        "likes": 0,
        "siblings": [{"rfilename": path} for path in snapshot.files],
    }
    card = _card_data(snapshot)
    if card is not None:
        info["cardData"] = card
    if target.kind == "models":
        info["modelId"] = target.repo_id
        if card is not None and "library_name" in card:
            info["library_name"] = card["library_name"]
    return info


def _file_item(entry: FileEntry) -> dict:
    """Return the tree entry of a file."""
    item: dict = {"type": "file", "oid": entry.blob_id, "size": entry.size, "path": entry.path}
    if entry.lfs:
        item["lfs"] = {"oid": entry.sha256, "size": entry.size, "pointerSize": LFS_POINTER_SIZE}
    return item


def _folder_item(snapshot: Snapshot, path: str) -> dict:
    """Return the tree entry of a folder; its oid hashes the ids of the files below it."""
    digest = hashlib.sha1()
    for entry in snapshot.files.values():
        if entry.path.startswith(f"{path}/"):
            digest.update(f"{entry.path}\0{entry.blob_id}\n".encode())
    return {"type": "directory", "oid": digest.hexdigest(), "size": 0, "path": path}


def _item(snapshot: Snapshot, path: str) -> dict | None:
    """Return the tree entry of a file or folder, or None when the path is neither."""
    if path in snapshot.files:
        return _file_item(snapshot.files[path])
    if path in snapshot.directories:
        return _folder_item(snapshot, path)
    return None


def tree_items(snapshot: Snapshot, folder: str, recursive: bool) -> list[dict]:
    """Return the entries below ``folder`` ("" for the root): its children, or all descendants if recursive."""
    if folder and folder not in snapshot.directories:
        raise HubError("EntryNotFound", f"{folder} does not exist on {snapshot.branch}", snapshot.sha)
    prefix = f"{folder}/" if folder else ""
    paths = sorted(snapshot.directories | set(snapshot.files))
    below = [path for path in paths if path.startswith(prefix)]
    if not recursive:
        below = [path for path in below if "/" not in path[len(prefix) :]]
    return [_item(snapshot, path) for path in below]


def requested_paths(body: bytes) -> list[str]:
    """Return the ``paths`` of a paths-info body, sent as a form or as JSON."""
    text = body.decode("utf-8", errors="replace")
    if text.lstrip().startswith("{"):
        paths = json.loads(text).get("paths", [])
        return [paths] if isinstance(paths, str) else list(paths)
    return parse_qs(text).get("paths", [])


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """Return the inclusive byte range a ``Range`` header asks for, or None for the whole file.

    Raises ValueError when the range starts past the end of the file.
    """
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", (header or "").strip())
    if match is None or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":
        return max(size - int(last), 0), size - 1
    if int(first) >= size:
        raise ValueError(f"range starts at {first} but the file has {size} bytes")
    return int(first), min(int(last), size - 1) if last else size - 1


def file_reply(snapshot: Snapshot, path: str, method: str, range_header: str | None) -> Reply:
    """Return the resolve answer for one file: its bytes (GET) or only the headers (HEAD)."""
    entry = snapshot.files.get(path)
    if entry is None:
        raise HubError("EntryNotFound", "Entry not found", snapshot.sha)
    headers = {
        "X-Repo-Commit": snapshot.sha,
        "ETag": f'"{entry.etag()}"',
        "Accept-Ranges": "bytes",
        "Content-Type": "application/octet-stream" if entry.lfs else "text/plain; charset=utf-8",
    }
    try:
        span = _byte_range(range_header, entry.size)
    except ValueError:
        headers["Content-Range"] = f"bytes */{entry.size}"
        return Reply(416, headers, None if method == "HEAD" else b"")
    first, last = span if span is not None else (0, entry.size - 1)
    headers["Content-Length"] = str(last - first + 1)
    if span is not None:
        headers["Content-Range"] = f"bytes {first}-{last}/{entry.size}"
    if method == "HEAD":
        return Reply(206 if span else 200, headers, None)
    with open(snapshot.folder / path, "rb") as handle:
        handle.seek(first)
        return Reply(206 if span else 200, headers, handle.read(last - first + 1))


def _is_true(query: dict[str, list[str]], name: str) -> bool:
    """Return whether a query flag is set to true."""
    return query.get(name, ["false"])[-1].lower() in ("1", "true")


class HubStandIn:
    """Serves the repos below ``root`` over HTTP the way the Hugging Face Hub does, for the tests."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.endpoint = ""
        self.requests: list[tuple[str, str, int]] = []
        self._served: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._store = RepoStore(self.root)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Return the endpoint URL, after starting to serve on a free port of 127.0.0.1."""
        if self._server is not None:
            raise RuntimeError(f"the Hub stand-in already serves at {self.endpoint}")
        server = _Server(self)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="hub-standin", daemon=True)
        self._thread.start()
        self.endpoint = f"http://127.0.0.1:{server.server_port}"
        return self.endpoint

    def stop(self) -> None:
        """Return once the server has stopped listening (does nothing if it was not started)."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> HubStandIn:
        """Return the stand-in, started."""
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Return after stopping the server."""
        self.stop()

    def repos_requested(self) -> set[tuple[str, str]]:
        """Return the (kind, repo id) of every repo that got at least one successful answer."""
        with self._lock:
            return set(self._served)

    def repos_downloaded(self, since: int = 0) -> set[tuple[str, str]]:
        """Return the (kind, repo id) of every repo a file was downloaded from, in the requests logged from ``since`` on."""
        with self._lock:
            logged = self.requests[since:]
        downloads = set()
        for method, raw_path, status in logged:
            target = parse_target(raw_path)
            if method == "GET" and 200 <= status < 300 and target is not None and target.action == "resolve":
                downloads.add((target.kind, target.repo_id))
        return downloads

    def record(self, method: str, raw_path: str, status: int, target: Target | None) -> None:
        """Return after adding one request to the log (and its repo to the served ones on a 2xx)."""
        with self._lock:
            self.requests.append((method, raw_path, status))
            if target is not None and 200 <= status < 300:
                self._served.add((target.kind, target.repo_id))

    def answer(
        self, method: str, raw_path: str, body: bytes, range_header: str | None
    ) -> tuple[Reply, Target | None]:
        """Return the reply to one request and the target it was routed to (None when no route matched)."""
        target = parse_target(raw_path)
        if target is None or method not in METHODS[target.action]:
            return not_found_page(), None
        try:
            return self._answer_target(target, method, raw_path, body, range_header), target
        except HubError as error:
            return error.reply(), target

    def _answer_target(self, target: Target, method: str, raw_path: str, body: bytes, range_header: str | None) -> Reply:
        """Return the reply for a routed request; raise HubError for the Hub's 404s."""
        snapshot = self._store.snapshot(target.kind, target.repo_id, target.revision)
        if target.action == "resolve":
            return file_reply(snapshot, target.path, method, range_header)
        if target.action == "info":
            return json_reply(repo_info(target, snapshot))
        if target.action == "tree":
            query = parse_qs(urlsplit(raw_path).query)
            return json_reply(tree_items(snapshot, target.path, _is_true(query, "recursive")))
        items = (_item(snapshot, path.strip("/")) for path in requested_paths(body))
        return json_reply([item for item in items if item is not None])


class _Server(ThreadingHTTPServer):
    """Listens on a free port of 127.0.0.1 and remembers its open connections, to close them on stop."""

    daemon_threads = True

    def __init__(self, hub: HubStandIn):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hub = hub
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def finish_request(self, request, client_address) -> None:  # type: ignore[override]
        """Return once one connection (with all its keep-alive requests) is done."""
        with self._connections_lock:
            self._connections.add(request)
        try:
            super().finish_request(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)

    def handle_error(self, request, client_address) -> None:  # type: ignore[override]
        """Stay silent when a client went away (or ``close_connections`` cut it); report anything else."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """Return after cutting every open connection, so no kept-alive client is answered after stop."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # The client closed it first.


class _Handler(BaseHTTPRequestHandler):
    """Hands each request to the HubStandIn that owns the server, and writes its reply."""

    protocol_version = "HTTP/1.1"
    server: _Server
    # Idle keep-alive connections give their thread back after this many seconds.
    timeout = 30

    def do_GET(self) -> None:
        """Return after answering a GET."""
        self._respond()

    def do_HEAD(self) -> None:
        """Return after answering a HEAD."""
        self._respond()

    def do_POST(self) -> None:
        """Return after answering a POST."""
        self._respond()

    def _respond(self) -> None:
        """Return after reading the body, answering and logging the request."""
        hub = self.server.hub
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            reply, target = hub.answer(self.command, self.path, body, self.headers.get("Range"))
        except Exception as error:  # noqa: BLE001 - a bug here must reach the client as a 500, not hang it
            reply, target = json_reply({"error": f"{type(error).__name__}: {error}"}, status=500), None
        # Logged before the reply goes out, so a client that has its answer always finds it in the log.
        hub.record(self.command, self.path, reply.status, target)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if "Content-Length" not in reply.headers:
            self.send_header("Content-Length", str(len(reply.body or b"")))
        self.end_headers()
        if reply.body and self.command != "HEAD":
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: object) -> None:
        """Return without logging: the request log lives in HubStandIn.requests."""
