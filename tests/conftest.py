"""Shared fixtures: every test gets its own tiny cache and output folder unless it asks otherwise."""

from __future__ import annotations

import os
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
    from helpers.launching import free_port

    return f"http://127.0.0.1:{free_port()}"


# The tiny notebooks by their run time with a warm cache, longest first (2026-12-05, a fresh
# clone: 79.1 / 71.9 / 68.0 / 50.7 / 45.8 / 33.0 s; notebook 4 87.5 s since its fifth epoch);
# notebooks/NN_*.ipynb by NN.
NOTEBOOKS_LONGEST_FIRST = ("04", "06", "03", "01", "05", "02")


def run_order(item: pytest.Item) -> tuple[int, int]:
    """Return where a test's file comes in ``make test``: the longest files first.

    The full-mode tests (six notebook runs in one file) come first, then the notebooks in
    ``NOTEBOOKS_LONGEST_FIRST`` order, then everything else.
    """
    path = Path(str(item.path))
    if path.name == "test_full_mode.py":
        return (0, 0)
    if path.suffix == ".ipynb" and path.name[:2] in NOTEBOOKS_LONGEST_FIRST:
        return (1, NOTEBOOKS_LONGEST_FIRST.index(path.name[:2]))
    return (2, 0)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Order the tests by ``run_order``, each file keeping its own order.

    ``make test`` runs on two pytest-xdist workers with ``--dist loadfile
    --no-loadscope-reorder``: each file (a notebook's cells, in order) goes whole to the next free
    worker, in this order, so the long ones start first and the short unit tests fill in at the
    end instead of leaving a worker idle.
    """
    items.sort(key=run_order)  # stable
