"""A folder cache for tiny-mode builds: each entry is built once, atomically, and checked on reuse.

An entry is a folder under ``cache_dir()``. It is built in a temporary folder next to it and
renamed into place only when the build function returned, with a ``MANIFEST.json`` listing every
file's size and SHA-256. On reuse the manifest is checked; an entry that is half-written,
edited or truncated is removed and built again, with a warning that says so.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import platformdirs

CACHE_ENV_VAR = "COURSE_CACHE_DIR"
MANIFEST = "MANIFEST.json"


def cache_dir() -> Path:
    """Return the root folder of the tiny cache (``$COURSE_CACHE_DIR`` or the user cache dir)."""
    override = os.environ.get(CACHE_ENV_VAR)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_cache_dir("nlp-course-tiny"))


def entry_key(name: str, params: dict) -> str:
    """Return a folder name for ``name`` that changes whenever ``params`` change."""
    blob = json.dumps(params, sort_keys=True, default=str).encode()
    return f"{name}-{hashlib.sha256(blob).hexdigest()[:12]}"


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _describe_files(folder: Path) -> dict[str, dict]:
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            files[path.relative_to(folder).as_posix()] = {
                "size": path.stat().st_size,
                "sha256": _file_digest(path),
            }
    return files


def write_manifest(folder: Path, params: dict) -> None:
    """Record every file of ``folder`` (size and hash) and the build parameters in its manifest."""
    manifest = {"params": params, "files": _describe_files(folder)}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True, default=str))


def check_entry(folder: Path) -> str | None:
    """Return why ``folder`` is not a complete cache entry, or None when it is."""
    manifest_path = folder / MANIFEST
    if not folder.is_dir():
        return "it does not exist"
    if not manifest_path.is_file():
        return "it has no manifest (the build that wrote it did not finish)"
    try:
        recorded = {
            relative: (int(entry["size"]), str(entry["sha256"]))
            for relative, entry in json.loads(manifest_path.read_text())["files"].items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        return f"its manifest is unreadable ({type(error).__name__}: {error})"
    for relative, (size, digest) in recorded.items():
        path = folder / relative
        if not path.is_file():
            return f"{relative} is missing"
        if path.stat().st_size != size or _file_digest(path) != digest:
            return f"{relative} differs from what was built"
    # Files added later (a library's own cache files, say) are left alone.
    return None


def cached_build(name: str, params: dict, build: Callable[[Path], None]) -> Path:
    """Return the folder of a complete cache entry, calling ``build(tmp_folder)`` if needed.

    ``build`` writes its files into the empty folder it is given. ``params`` must hold
    everything the build depends on: it is hashed into the entry's name.
    """
    root = cache_dir()
    folder = root / entry_key(name, params)
    problem = check_entry(folder)
    if problem is None:
        return folder
    if folder.exists():
        warnings.warn(
            f"Rebuilding the tiny cache entry {folder} because {problem}.", stacklevel=2
        )
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=root))
    try:
        build(tmp)
        write_manifest(tmp, params)
        if check_entry(folder) is None:
            # Another process (a second test worker, say) finished the same entry meanwhile and may
            # be reading it: keep theirs.
            shutil.rmtree(tmp, ignore_errors=True)
            return folder
        if folder.exists():
            # Move the broken entry aside first, so that the rename below is atomic.
            trash = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old", dir=root))
            folder.rename(trash / "entry")
            shutil.rmtree(trash, ignore_errors=True)
        try:
            tmp.rename(folder)
        except OSError:
            # Another process finished the same entry first; use theirs if it is sound.
            if check_entry(folder) is not None:
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def clear() -> Path:
    """Delete the whole tiny cache and return the folder that was removed."""
    root = cache_dir()
    shutil.rmtree(root, ignore_errors=True)
    return root
