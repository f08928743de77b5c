"""Sharing is checked before anything long runs: bad parameters, a missing token or a repository the learner
may not write to stop a notebook in its first code cells, before any data or model is loaded. With the default
``PUSH_TO_HUB = False`` a whole full-mode run writes nothing to the Hub."""

from __future__ import annotations

import os
from pathlib import Path
from unittest import mock

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

from helpers.runner import execute

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def run_full(name: str, hub, tmp_path: Path, parameters: dict, token: str | None) -> tuple[Exception | None, int]:
    """Run a notebook in full mode against the stand-in; return its error (or None) and where its requests start."""
    environment = {
        "COURSE_MODE": "full",
        "HF_ENDPOINT": hub.endpoint,
        "HF_HOME": str(tmp_path / "hf-home"),  # no token file here
        "COURSE_OUTPUT_DIR": str(tmp_path / "outputs"),
    }
    first_request = len(hub.requests)
    with mock.patch.dict(os.environ, environment):
        for name_ in ("HF_HUB_OFFLINE", "HF_TOKEN"):
            os.environ.pop(name_, None)
        if token is not None:
            os.environ["HF_TOKEN"] = token
        try:
            execute(NOTEBOOKS / name, tmp_path / "build", parameters=parameters)
        except CellExecutionError as error:
            return error, first_request
    return None, first_request


def last_executed_source(name: str, tmp_path: Path) -> str:
    """Return the source of the last code cell that ran in the saved copy of the notebook."""
    nb = nbformat.read(tmp_path / "build" / name, as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code" and c.execution_count][-1]


# Notebook 5 tokenises its whole corpus before training; the login cell of every notebook comes before
# any loading (a unit test in test_repository.py checks the order in all six).
@pytest.mark.parametrize("name", ["01_token_classification.ipynb", "05_causal_language_modeling.ipynb"])
def test_sharing_without_a_token_stops_at_the_login_cell_before_loading_anything(name, hub, tmp_path):
    error, first = run_full(name, hub, tmp_path, {"PUSH_TO_HUB": True}, token=None)
    assert error is not None, "the notebook ran on without a token"
    message = str(error)
    assert "HubLoginError" in message and "notebook_login()" in message and "hf auth login" in message
    assert "prepare_hub_repos" in last_executed_source(name, tmp_path)
    assert hub.repos_downloaded(since=first) == set()  # no data set, no checkpoint
    assert hub.write_requests(since=first) == []


def test_sharing_to_a_namespace_the_learner_does_not_own_fails_with_the_hubs_403_before_training(hub, tmp_path):
    name = "01_token_classification.ipynb"
    token, _ = next(iter(hub.tokens.items()))
    error, first = run_full(name, hub, tmp_path, {"PUSH_TO_HUB": True, "HUB_MODEL_ID": "someone-else/ner"}, token)
    assert error is not None
    assert "403" in str(error) and "someone-else" in str(error)
    assert "prepare_hub_repos" in last_executed_source(name, tmp_path)
    assert hub.repos_downloaded(since=first) == set()
    assert hub.repo_folder("models", "someone-else/ner") is None


def test_sharing_in_tiny_mode_is_refused_in_the_first_code_cell(tmp_path, monkeypatch):
    name = "02_masked_language_modeling.ipynb"
    monkeypatch.setenv("COURSE_MODE", "tiny")
    monkeypatch.setenv("COURSE_OUTPUT_DIR", str(tmp_path / "outputs"))
    with pytest.raises(CellExecutionError, match="tiny mode, which works offline"):
        execute(NOTEBOOKS / name, tmp_path / "build", parameters={"PUSH_TO_HUB": True})
    assert "check_parameters" in last_executed_source(name, tmp_path)


def test_a_seed_given_as_text_is_named_in_the_first_code_cell(tmp_path, monkeypatch):
    # papermill's `-p SEED abc` hands the notebook a string.
    name = "05_causal_language_modeling.ipynb"
    monkeypatch.setenv("COURSE_MODE", "tiny")
    monkeypatch.setenv("COURSE_OUTPUT_DIR", str(tmp_path / "outputs"))
    with pytest.raises(CellExecutionError, match="SEED in the parameters cell is 'abc', of type str"):
        execute(NOTEBOOKS / name, tmp_path / "build", parameters={"SEED": "abc"})
    assert "check_parameters" in last_executed_source(name, tmp_path)


def test_full_mode_with_the_default_push_to_hub_off_writes_nothing_to_the_hub(hub, tmp_path):
    name = "01_token_classification.ipynb"
    token, _ = next(iter(hub.tokens.items()))  # a learner who is logged in, but did not ask to share
    error, first = run_full(name, hub, tmp_path, {"MAX_SAMPLES": 8}, token)
    assert error is None, error
    assert hub.repos_downloaded(since=first)  # the run really used the Hub
    assert hub.write_requests(since=first) == []
