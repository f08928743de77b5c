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


def notebook_group(item: pytest.Item) -> str | None:
    """Return the name of the group of tests that run or read one notebook, or None for other tests.

    nbval's cells of ``notebooks/NN_*.ipynb`` and the tests in ``tests/notebooks`` that read what
    that run wrote form the group ``tiny-NN``; the full-mode tests of that notebook, which share
    one full-mode run, form ``full-NN``. A test names its notebook by a ``name`` parameter or by
    ``@pytest.mark.notebook(NAME)``.
    """
    path = Path(str(item.path))
    if path.suffix == ".ipynb":
        return f"tiny-{path.name[:2]}"
    marker = item.get_closest_marker("notebook")
    params = getattr(item, "callspec", None)
    if marker is not None:
        name = marker.args[0]
    elif params is not None and path.parent.name == "notebooks" and "name" in params.params:
        name = params.params["name"]
    else:
        return None
    if path.name == "test_full_mode.py":
        return f"full-{name[:2]}"
    if path.name == "test_notebooks.py" and "without_the_hub" not in item.name:
        return f"tiny-{name[:2]}"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each notebook's group for pytest-xdist and run the groups first, each in its own order.

    With ``-n 2 --dist loadgroup`` (``make test``) a group stays on one worker, in the order
    collected: a notebook's cells, then the checks that read its results. The long groups go
    first, so that the short unit tests fill in at the end instead of leaving a worker idle.
    """
    groups: dict[str, list[pytest.Item]] = {}
    rest = []
    for item in items:
        group = notebook_group(item)
        if group is None:
            rest.append(item)
        else:
            item.add_marker(pytest.mark.xdist_group(group))
            groups.setdefault(group, []).append(item)
    items[:] = [item for group in groups.values() for item in group] + rest
