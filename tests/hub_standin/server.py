"""A local stand-in for the Hugging Face Hub HTTP API: serves repos kept in a folder, for the tests only.

Layout: ``root/<kind>/<owner>/<name>/<revision folder>/<files...>``, with kind ``models`` or
``datasets`` and the revision folder named by :func:`revision_folder`.

Writes (whoami, create and delete a repo, validate a README's YAML, preupload and commit) are answered
as huggingface_hub 2.4 makes them, for the users of ``tokens``; every repo they create or commit to lives
in ``upload_root`` (same layout), never in ``root``. Simplifications, next to the real Hub:

- Preupload answers every file "regular", so the client sends its bytes base64 inside the commit: the
  LFS batch API and Xet uploads are never exercised, and nothing checks that large or binary files would
  go through LFS on the real Hub. A commit line ``lfsFile`` (which also comes from copying a file the
  tree marks as LFS) is refused with a 400. ``gitIgnore`` is not read: no file is ever ``shouldIgnore``.
- A commit sha is computed from the branch's files (:func:`_commit_sha`), so there is no history: a
  commit that changes no file keeps the sha, and a deleted then re-created repo gets its old shas back.
- No pull requests (``create_pr`` is refused with a 400), no organisations, no private repos (the
  visibility asked for is ignored), no Spaces.
- ``validate-yaml`` only checks the front matter's shape (see :meth:`HubStandIn._validate_yaml`).
- Reads never look at the token, where the real Hub refuses an invalid one even on a public repo
  (huggingface/huggingface_hub PR #2847).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import shutil
import socket
import sys
import threading
from collections.abc import Callable, Mapping
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
METHODS = {
    "info": ("GET", "HEAD"),
    "tree": ("GET", "HEAD"),
    "paths-info": ("POST",),
    "resolve": ("GET", "HEAD"),
    "preupload": ("POST",),
    "commit": ("POST",),
}
JSON_TYPE = "application/json; charset=utf-8"
# The repo routes that write, and the routes outside a repo that a push goes through.
WRITE_ACTIONS = ("preupload", "commit")
WRITE_PATHS = ("/api/repos/create", "/api/repos/delete", "/api/validate-yaml")
# The real Hub's 401 body and X-Error-Message for a missing or unknown token: huggingface_hub's
# hf_raise_for_status (utils/_http.py) compares X-Error-Message with it, so that this 401 is not read as
# RepositoryNotFoundError (huggingface/huggingface_hub PR #2847, issue #3368).
INVALID_CREDENTIALS = "Invalid credentials in Authorization header"
# The repo types of create_repo / delete_repo ("type" absent means a model), by their folder.
REPO_TYPES = {None: "models", "model": "models", "dataset": "datasets"}
# A new Hub repo holds only `.gitattributes` (autotrain-advanced issue #206; list_repo_commits in hf_api.py:
# "Initial commit is always a system commit containing the `.gitattributes` file"); a few of its LFS lines.
GITATTRIBUTES = "".join(
    f"{pattern} filter=lfs diff=lfs merge=lfs -text\n"
    for pattern in ("*.bin", "*.parquet", "*.pt", "*.pth", "*.safetensors", "*.zip")
)
# The front matter of a README, as huggingface_hub's repocard.py (REGEX_YAML_BLOCK) finds it.
YAML_BLOCK = re.compile(r"^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))")


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


class Refusal(Exception):
    """Any other error answer: a status, ``{"error": message}`` (plus ``extra``) and an ``X-Error-Message``."""

    def __init__(self, status: int, message: str, extra: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra or {}

    def reply(self) -> Reply:
        """Return the answer for this error; clients show X-Error-Message in their exception's text."""
        reply = json_reply({"error": self.message, **self.extra}, status=self.status)
        reply.headers["X-Error-Message"] = self.message
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
    action = action or (rest[0] if rest[0] in WRITE_ACTIONS else None)
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

    def has_repo(self, kind: str, repo_id: str) -> bool:
        """Return whether ``root`` holds a folder for the repo (``repo_id`` is already a valid ``owner/name``)."""
        return (self.root / kind / repo_id).is_dir()

    def forget(self, below: Path) -> None:
        """Return after dropping the cached snapshots of every folder below ``below`` (itself included).

        A write calls it: two writes of the same size within the file system's clock tick leave the
        (path, size, mtime) stats unchanged, so the cache alone could miss the change.
        """
        with self._lock:
            for folder in [folder for folder in self._cache if folder == below or below in folder.parents]:
                del self._cache[folder]

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


def is_write_route(raw_path: str) -> bool:
    """Return whether a raw request path goes to one of the routes a push uses (whatever its method)."""
    if urlsplit(raw_path).path in WRITE_PATHS:
        return True
    target = parse_target(raw_path)
    return target is not None and target.action in WRITE_ACTIONS


def repo_url(endpoint: str, kind: str, repo_id: str) -> str:
    """Return the web address of a repo: ``<endpoint>/<id>``, data sets under ``/datasets``."""
    return f"{endpoint}/datasets/{repo_id}" if kind == "datasets" else f"{endpoint}/{repo_id}"


def json_body(body: bytes) -> dict:
    """Return a request's JSON object; raise a 400 Refusal when it is not one."""
    try:
        value = json.loads(body.decode("utf-8") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Refusal(400, f"The request body is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise Refusal(400, "The request body must be a JSON object")
    return value


def checked_path(path: object) -> str:
    """Return a file path of a commit, refused with a 422 unless it stays inside the repo.

    The Hub answers 422 to a commit of ``..\\ddd`` (huggingface_hub tests/test_hf_api.py,
    test_create_file_with_relative_path); the other refusals here are the stand-in's own.
    """
    parts = path.split("/") if isinstance(path, str) else [""]
    if "\\" in str(path) or any(part in ("", ".", "..", ".git") for part in parts):
        raise Refusal(422, f"Invalid path in commit: {path!r}")
    return "/".join(parts)


def card_problems(content: str) -> tuple[list[str], list[str]]:
    """Return the (errors, warnings) of a README's YAML front matter: only its shape is checked."""
    match = YAML_BLOCK.search(content)
    if match is None or not match.group(2).strip():
        # A card without metadata is committed with this warning (test_commit_modelcard_empty_metadata in
        # huggingface_hub's tests/test_hf_api.py; the wording is the one users report).
        return [], ["empty or missing yaml metadata in repo card"]
    try:
        card = yaml.safe_load(match.group(2))
    except yaml.YAMLError as error:
        return [f"Invalid YAML in the metadata: {error}"], []
    if not isinstance(card, dict):
        return ["The metadata must be a YAML mapping (key: value)"], []
    errors = []
    tags = card.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        errors.append('"tags" must be an array of strings')
    # The Hub refuses `model-index: foo` (INVALID_MODELCARD in huggingface_hub's tests/test_hf_api.py).
    if not isinstance(card.get("model-index", []), list):
        errors.append('"model-index" must be an array')
    return errors, []


@dataclass(frozen=True)
class Operation:
    """One line of a commit after the header: ``file`` (with its bytes), ``deletedFile`` or ``deletedFolder``."""

    key: str
    path: str
    content: bytes = b""


def _operation(line: dict) -> Operation:
    """Return the operation of one commit line; raise a Refusal for a line the stand-in cannot apply."""
    key, value = line.get("key"), line.get("value")
    if not isinstance(value, dict):
        raise Refusal(400, f"Commit line {key!r} has no value object")
    if key == "lfsFile":
        raise Refusal(400, "The Hub stand-in never asks for LFS uploads: send the file as a regular one")
    if key == "deletedFolder":
        return Operation(key, checked_path(str(value.get("path", "")).rstrip("/")))
    if key == "deletedFile":
        return Operation(key, checked_path(value.get("path")))
    if key != "file":
        raise Refusal(400, f"The Hub stand-in does not apply commit lines {key!r}")
    if value.get("encoding") != "base64" or not isinstance(value.get("content"), str):
        raise Refusal(400, "A commit file must carry its content base64-encoded")
    try:
        content = base64.b64decode(value["content"], validate=True)
    except binascii.Error as error:
        raise Refusal(400, f"Invalid base64 content for {value.get('path')!r}: {error}") from None
    return Operation(key, checked_path(value.get("path")), content)


def parse_commit(body: bytes) -> tuple[dict, list[Operation]]:
    """Return the header value and the operations of an NDJSON commit body (see _commit_api.py)."""
    try:
        lines = [json.loads(line) for line in body.decode("utf-8").splitlines() if line.strip()]
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Refusal(400, f"The commit body is not NDJSON: {error}") from None
    if not lines or not isinstance(lines[0], dict) or lines[0].get("key") != "header":
        raise Refusal(400, "A commit starts with its header line")
    header = lines[0].get("value")
    if not isinstance(header, dict) or not isinstance(header.get("summary"), str):
        raise Refusal(400, "The commit header needs a summary")
    if not all(isinstance(line, dict) for line in lines[1:]):
        raise Refusal(400, "Every commit line must be a JSON object")
    return header, [_operation(line) for line in lines[1:]]


def _remove_empty_parents(folder: Path, path: str) -> None:
    """Return after removing the folders above ``folder/path`` that became empty, up to ``folder``."""
    parent = (folder / path).parent
    while parent != folder and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def apply_operations(folder: Path, files: set[str], operations: list[Operation]) -> tuple[list[str], list[str]]:
    """Return the (added, deleted) paths after applying ``operations`` to a branch folder holding ``files``.

    Every deletion is checked before anything is written, so a refused commit changes nothing.
    """
    present = set(files)
    for operation in operations:
        if operation.key == "file":
            parents = {"/".join(operation.path.split("/")[:depth]) for depth in range(1, operation.path.count("/") + 1)}
            if parents & present or any(path.startswith(f"{operation.path}/") for path in present):
                raise Refusal(400, f"{operation.path} would turn a file into a folder or a folder into a file")
            present.add(operation.path)
            continue
        below = {path for path in present if path.startswith(f"{operation.path}/")}
        gone = {operation.path} & present if operation.key == "deletedFile" else below
        if not gone:
            # The wording of the file case is the Hub's (create_commit in hf_api.py looks for it).
            what = "file" if operation.key == "deletedFile" else "folder"
            raise HubError("EntryNotFound", f"A {what} with this name doesn't exist: {operation.path}")
        present -= gone
    added, deleted = [], []
    for operation in operations:
        target = folder / operation.path
        if operation.key == "file":
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(operation.content)
            added.append(operation.path)
        elif operation.key == "deletedFile" and target.is_file():
            target.unlink()
            deleted.append(operation.path)
        elif operation.key == "deletedFolder" and target.is_dir():
            shutil.rmtree(target)
            deleted.append(f"{operation.path}/")
        _remove_empty_parents(folder, operation.path)
    return added, deleted


class HubStandIn:
    """Serves the repos below ``root`` over HTTP the way the Hugging Face Hub does, for the tests.

    ``tokens`` maps each access token to its user's name; those users may create repos in their own
    namespace and commit to them, in ``upload_root`` (without it the stand-in refuses every write).
    ``root`` is never written to.
    """

    def __init__(self, root: Path, upload_root: Path | None = None, tokens: Mapping[str, str] | None = None):
        self.root = Path(root)
        self.upload_root = Path(upload_root) if upload_root is not None else None
        self.tokens = dict(tokens or {})
        self.endpoint = ""
        self.requests: list[tuple[str, str, int]] = []
        # Every commit made through the API: repo_id, kind, summary, paths (added), deleted, sha.
        self.commits: list[dict] = []
        self._served: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._store = RepoStore(self.root)
        self._uploads = RepoStore(self.upload_root) if self.upload_root is not None else None
        # Held by every write, and by every read of an uploaded repo, so none sees half a commit.
        self._write_lock = threading.RLock()
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

    def write_requests(self, since: int = 0) -> list[tuple[str, str, int]]:
        """Return the logged requests, from ``since`` on, that went to a write route, whatever their status."""
        with self._lock:
            logged = self.requests[since:]
        return [request for request in logged if is_write_route(request[1])]

    def repo_folder(self, kind: str, repo_id: str, branch: str = "main") -> Path | None:
        """Return the folder of a branch's files (kind ``models``/``datasets``), in ``root`` first, or None."""
        owner, _, name = repo_id.partition("/")
        if kind not in KINDS or _repo_id(owner, name) is None:
            return None
        for store in (self._store, self._uploads):
            folder = revision_folder(store.root / kind / repo_id, branch) if store is not None else None
            if folder is not None and folder.is_dir():
                return folder
        return None

    def record(self, method: str, raw_path: str, status: int, target: Target | None) -> None:
        """Return after adding one request to the log (and its repo to the served ones on a 2xx)."""
        with self._lock:
            self.requests.append((method, raw_path, status))
            if target is not None and 200 <= status < 300:
                self._served.add((target.kind, target.repo_id))

    def answer(
        self, method: str, raw_path: str, body: bytes, headers: Mapping[str, str] | None = None
    ) -> tuple[Reply, Target | None]:
        """Return the reply to one request and the repo it was routed to (None for other routes or no route)."""
        headers = {name.lower(): value for name, value in (headers or {}).items()}
        route = self._routes().get(urlsplit(raw_path).path)
        target = parse_target(raw_path) if route is None else None
        try:
            if route is not None:
                return (route[1](body, headers) if method == route[0] else not_found_page()), None
            if target is None or method not in METHODS[target.action]:
                return not_found_page(), None
            return self._answer_target(target, method, raw_path, body, headers), target
        except (HubError, Refusal) as error:
            return error.reply(), target

    def _routes(self) -> dict[str, tuple[str, Callable[[bytes, dict[str, str]], Reply]]]:
        """Return the routes outside a repo: path to (method, handler of body and headers)."""
        return {
            "/api/whoami-v2": ("GET", self._whoami),
            "/api/repos/create": ("POST", self._create_repo),
            "/api/repos/delete": ("DELETE", self._delete_repo),
            "/api/validate-yaml": ("POST", self._validate_yaml),
        }

    def _answer_target(self, target: Target, method: str, raw_path: str, body: bytes, headers: dict[str, str]) -> Reply:
        """Return the reply for a routed repo request; raise HubError for the Hub's 404s."""
        if target.action in WRITE_ACTIONS:
            return self._answer_write(target, raw_path, body, headers)
        store = self._store_for(target.kind, target.repo_id)
        if store is self._store:
            return self._answer_read(store, target, method, raw_path, body, headers)
        with self._write_lock:
            return self._answer_read(store, target, method, raw_path, body, headers)

    def _answer_read(
        self, store: RepoStore, target: Target, method: str, raw_path: str, body: bytes, headers: dict[str, str]
    ) -> Reply:
        """Return the reply for a read (info, tree, paths-info, resolve) of a repo kept in ``store``."""
        snapshot = store.snapshot(target.kind, target.repo_id, target.revision)
        if target.action == "resolve":
            return file_reply(snapshot, target.path, method, headers.get("range"))
        if target.action == "info":
            return json_reply(repo_info(target, snapshot))
        if target.action == "tree":
            query = parse_qs(urlsplit(raw_path).query)
            return json_reply(tree_items(snapshot, target.path, _is_true(query, "recursive")))
        items = (_item(snapshot, path.strip("/")) for path in requested_paths(body))
        return json_reply([item for item in items if item is not None])

    def _store_for(self, kind: str, repo_id: str) -> RepoStore:
        """Return the store that holds the repo: ``root`` first, else ``upload_root`` (``root`` when neither does)."""
        if self._store.has_repo(kind, repo_id) or self._uploads is None:
            return self._store
        return self._uploads if self._uploads.has_repo(kind, repo_id) else self._store

    def _user(self, headers: dict[str, str]) -> str:
        """Return the user of the request's ``Authorization: Bearer`` token; raise a 401 when there is none."""
        scheme, _, token = headers.get("authorization", "").partition(" ")
        user = self.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise Refusal(401, INVALID_CREDENTIALS)
        return user

    def _writable(self) -> RepoStore:
        """Return the store of ``upload_root``; raise a 403 when the stand-in was started read-only."""
        if self._uploads is None:
            raise Refusal(403, "The Hub stand-in was started read-only (no upload_root): it accepts no writes")
        return self._uploads

    def _whoami(self, body: bytes, headers: dict[str, str]) -> Reply:
        """Return the token's user, as ``GET /api/whoami-v2`` does (whoami / _inner_whoami in hf_api.py)."""
        user = self._user(headers)
        auth = {"type": "access_token", "accessToken": {"displayName": "stand-in", "role": "write"}}
        return json_reply({"type": "user", "name": user, "fullname": user, "orgs": [], "auth": auth})

    def _named_repo(self, body: bytes, user: str, verb: str) -> tuple[str, str]:
        """Return the (kind, repo id) a create or delete body names; raise a 403 outside the user's namespace.

        The body is ``{"name", "organization" (None: the token's user), "type"?}`` (create_repo and
        delete_repo in hf_api.py). The 403 wording is the Hub's for a create (huggingface/deep-rl-class
        issue #508).
        """
        request = json_body(body)
        kind = REPO_TYPES.get(request.get("type"))
        if kind is None:
            raise Refusal(400, f"The Hub stand-in keeps model and dataset repos only, not {request.get('type')!r}")
        namespace = request.get("organization") or user
        repo_id = _repo_id(str(namespace), str(request.get("name")))
        if repo_id is None:
            raise Refusal(400, f"Invalid repo name: {namespace}/{request.get('name')}")
        if namespace != user:
            noun = kind.removesuffix("s")
            raise Refusal(403, f'You don\'t have the rights to {verb} a {noun} under the namespace "{namespace}"')
        return kind, repo_id

    def _create_repo(self, body: bytes, headers: dict[str, str]) -> Reply:
        """Return the new repo's url and id after creating it with one file, ``.gitattributes``.

        ``POST /api/repos/create`` (create_repo in hf_api.py, which takes a 409 as "exists" when
        exist_ok=True). A repo that exists answers 409 with the Hub's message (huggingface/autotrain-advanced
        issue #206) and its ``url`` (huggingface/huggingface_hub PR #3279).
        """
        user = self._user(headers)
        uploads = self._writable()
        kind, repo_id = self._named_repo(body, user, "create")
        url = repo_url(self.endpoint, kind, repo_id)
        with self._write_lock:
            if self._store.has_repo(kind, repo_id) or uploads.has_repo(kind, repo_id):
                noun = kind.removesuffix("s")
                raise Refusal(409, f"You already created this {noun} repo", {"url": url})
            folder = revision_folder(uploads.root / kind / repo_id, "main")
            folder.mkdir(parents=True)
            (folder / ".gitattributes").write_text(GITATTRIBUTES)
        return json_reply({"url": url, "name": repo_id})

    def _delete_repo(self, body: bytes, headers: dict[str, str]) -> Reply:
        """Return an empty object after removing a repo of the token's user from ``upload_root``.

        ``DELETE /api/repos/delete`` with the body of a create (delete_repo in hf_api.py); a missing repo is
        the 404 RepoNotFound that delete_repo(missing_ok=True) accepts. A repo in ``root`` answers 403, in
        words of the stand-in's own.
        """
        user = self._user(headers)
        uploads = self._writable()
        kind, repo_id = self._named_repo(body, user, "delete")
        with self._write_lock:
            if self._store.has_repo(kind, repo_id):
                raise Refusal(403, f"You don't have the rights to delete {repo_id}")
            if not uploads.has_repo(kind, repo_id):
                raise HubError("RepoNotFound", "Repository not found")
            shutil.rmtree(uploads.root / kind / repo_id)
            uploads.forget(uploads.root / kind / repo_id)
        return json_reply({})

    def _validate_yaml(self, body: bytes, headers: dict[str, str]) -> Reply:
        """Return 200, or 400 with the errors, for the front matter of a README: ``{"errors", "warnings"}``.

        ``POST /api/validate-yaml`` with ``{"content", "repoType"}`` (_validate_yaml in hf_api.py, which
        sends a token, and RepoCard.validate in repocard.py, which sends none: so no token is needed). The
        real Hub validates much more (license ids, the known metadata keys and their types, model-index
        results); the stand-in only checks the shape: a YAML mapping, ``tags`` a list of strings,
        ``model-index`` a list. A card without front matter passes with a warning, as on the Hub.
        """
        content = json_body(body).get("content")
        if not isinstance(content, str):
            raise Refusal(400, "validate-yaml needs the README text as content")
        errors, warnings = card_problems(content)
        reply = {"errors": [{"message": error} for error in errors], "warnings": [{"message": w} for w in warnings]}
        return json_reply(reply, status=400 if errors else 200)

    def _branch_to_write(self, target: Target, raw_path: str, headers: dict[str, str]) -> Snapshot:
        """Return the snapshot of the branch a preupload or commit writes to, after the Hub's checks.

        In order: 401 without a known token, 403 when read-only, 404 RepoNotFound, 403 when the repo is
        not the token user's or lies in ``root`` (that wording is the stand-in's own), 400 for a pull
        request, 404 RevisionNotFound when the revision is no branch. Call it holding the write lock.
        """
        user = self._user(headers)
        uploads = self._writable()
        store = self._store_for(target.kind, target.repo_id)
        if not store.has_repo(target.kind, target.repo_id):
            raise HubError("RepoNotFound", "Repository not found")
        if store is not uploads or target.repo_id.split("/")[0] != user:
            raise Refusal(403, f"You don't have the rights to write to {target.repo_id}")
        if _is_true(parse_qs(urlsplit(raw_path).query), "create_pr"):
            raise Refusal(400, "The Hub stand-in does not open pull requests")
        if not revision_folder(uploads.root / target.kind / target.repo_id, target.revision).is_dir():
            raise HubError("RevisionNotFound", f"Invalid rev id: {target.revision}")
        return uploads.snapshot(target.kind, target.repo_id, target.revision)

    def _answer_write(self, target: Target, raw_path: str, body: bytes, headers: dict[str, str]) -> Reply:
        """Return the reply to a preupload or a commit, made under the write lock."""
        with self._write_lock:
            snapshot = self._branch_to_write(target, raw_path, headers)
            if target.action == "preupload":
                return self._preupload(snapshot, body)
            return self._commit(target, snapshot, body)

    def _preupload(self, snapshot: Snapshot, body: bytes) -> Reply:
        """Return the upload mode of each file: always "regular", with the blob id of the file on the branch.

        ``POST .../preupload/<rev>`` with ``{"files": [{"path", "sample", "size"}]}``; the answer's fields are
        the ones _fetch_upload_modes and _validate_preupload_info in _commit_api.py read. The client skips a
        file whose blob id equals the one given here.
        """
        files = json_body(body).get("files")
        if not isinstance(files, list) or not all(isinstance(item, dict) for item in files):
            raise Refusal(400, "preupload needs a list of files")
        answers = []
        for item in files:
            entry = snapshot.files.get(str(item.get("path")))
            oid = entry.blob_id if entry is not None else None
            answers.append({"path": item.get("path"), "uploadMode": "regular", "shouldIgnore": False, "oid": oid})
        return json_reply({"files": answers})

    def _commit(self, target: Target, snapshot: Snapshot, body: bytes) -> Reply:
        """Return the new commit's sha and url after applying an NDJSON commit to the branch folder.

        ``POST .../commit/<rev>`` (_prepare_commit_payload and _send_commit in _commit_api.py). A
        ``parentCommit`` that is not the branch's head answers 412 (the stand-in's wording).
        """
        header, operations = parse_commit(body)
        parent = header.get("parentCommit")
        if parent is not None and parent != snapshot.sha:
            raise Refusal(412, f"The parent commit {parent} is not the head of {snapshot.branch} ({snapshot.sha})")
        uploads = self._writable()
        added, deleted = apply_operations(snapshot.folder, set(snapshot.files), operations)
        uploads.forget(snapshot.folder)
        sha = uploads.snapshot(target.kind, target.repo_id, snapshot.branch).sha
        self.commits.append(
            {
                "repo_id": target.repo_id,
                "kind": target.kind,
                "summary": header["summary"],
                "paths": added,
                "deleted": deleted,
                "sha": sha,
            }
        )
        url = f"{repo_url(self.endpoint, target.kind, target.repo_id)}/commit/{sha}"
        return json_reply({"success": True, "commitOid": sha, "commitUrl": url, "hookOutput": ""})


class _Server(ThreadingHTTPServer):
    """Listens on a free port of 127.0.0.1 and remembers its open connections, to close them on stop."""

    daemon_threads = True
    # socketserver's default backlog of 5 makes Linux reset some of 16 clients that connect at once.
    request_queue_size = 64

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

    def do_DELETE(self) -> None:
        """Return after answering a DELETE."""
        self._respond()

    def _respond(self) -> None:
        """Return after reading the body, answering and logging the request."""
        hub = self.server.hub
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            reply, target = hub.answer(self.command, self.path, body, dict(self.headers.items()))
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
