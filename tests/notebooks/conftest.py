"""Fixtures for the checks that run after (or instead of) nbval: they read what notebooks wrote."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from helpers.results import output_dir
from helpers.runner import execute, task_of

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
# The learner the Hub stand-in knows: a token that can write to this user's namespace only.
HUB_TOKEN = "hf_course_test_token"
HUB_USER = "course-learner"
# Results written before this are stale. `make test` runs nbval in a first pytest run and these
# checks in a second one, and passes the first run's start in COURSE_RESULTS_SINCE.
SESSION_START = float(os.environ.get("COURSE_RESULTS_SINCE", time.time()))


def execute_notebook(name: str, build_dir: Path) -> float:
    """Execute notebooks/<name>, keep the executed copy in ``build_dir``, return seconds."""
    return execute(NOTEBOOKS / name, build_dir)


@pytest.fixture(scope="session")
def run_notebook():
    """Return the function that executes a notebook (in the mode the environment sets)."""
    return execute_notebook


@pytest.fixture(scope="session")
def notebook_results(tmp_path_factory):
    """Return a function giving a notebook's results.json from this test session.

    When nbval already ran the notebook in this session (or in the run that
    ``COURSE_RESULTS_SINCE`` dates) its results are reused; otherwise (a test file run on its
    own) the notebook is executed first.
    """
    cache: dict[str, dict] = {}

    def results_of(name: str) -> dict:
        if name not in cache:
            path = output_dir(task_of(NOTEBOOKS / name)) / "results.json"
            if not path.exists() or path.stat().st_mtime < SESSION_START:
                execute_notebook(name, tmp_path_factory.mktemp("executed"))
            cache[name] = json.loads(path.read_text())
        return cache[name]

    return results_of


@pytest.fixture(scope="session")
def hub(tmp_path_factory):
    """Return the Hub stand-in for the session: the fixture repositories, and a folder for what learners push."""
    from hub_standin import HubStandIn
    from hub_standin.repos import build_fixture_hub

    uploads = tmp_path_factory.mktemp("hub-uploads")
    with HubStandIn(build_fixture_hub(), upload_root=uploads, tokens={HUB_TOKEN: HUB_USER}) as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
def full_run(hub, tmp_path_factory):
    """Return a function that runs a notebook in full mode once per session and returns what it showed (full_runs.py)."""
    from full_runs import full_runner

    return full_runner(hub, tmp_path_factory)
