"""Shared fixtures: every test gets its own tiny cache and output folder unless it asks otherwise."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

# Tests never reach the Hub; libraries read this when they are first imported.
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture
def tmp_cache(tmp_path, monkeypatch):
    """Point the tiny cache at an empty temporary folder and return it."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("COURSE_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def tmp_outputs(tmp_path, monkeypatch):
    """Point notebook outputs at an empty temporary folder and return it."""
    folder = tmp_path / "outputs"
    monkeypatch.setenv("COURSE_OUTPUT_DIR", str(folder))
    return folder


@pytest.fixture
def unreachable_url():
    """Return an http URL on this machine where nothing listens: connections fail at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put the notebooks (nbval) first, then the other notebook tests, then the unit tests.

    ``make test`` runs on two pytest-xdist workers with ``--dist loadfile``: each file (a
    notebook's cells, in order) goes whole to one worker, in this order, so the long ones start
    first and the short unit tests fill in at the end instead of leaving a worker idle.
    """

    def rank(item: pytest.Item) -> int:
        path = Path(str(item.path))
        return 0 if path.suffix == ".ipynb" else 1 if path.parent.name == "notebooks" else 2

    items.sort(key=rank)  # stable: each file keeps its own order
