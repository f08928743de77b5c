"""Full mode on a machine that cannot reach the Hub: the notebook stops at once and says what to do.

Notebooks 1 and 5 run here; a unit test (test_repository.py) checks that every notebook's first
cell that loads from the Hub calls the same check first.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from nbclient.exceptions import CellExecutionError

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.mark.parametrize("name", ["01_token_classification.ipynb", "05_causal_language_modeling.ipynb"])
def test_full_mode_without_the_hub_fails_fast_saying_how_to_switch_to_tiny(
    name, run_notebook, monkeypatch, tmp_path, unreachable_url
):
    monkeypatch.setenv("COURSE_MODE", "full")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", unreachable_url)
    start = time.perf_counter()
    with pytest.raises(CellExecutionError) as error:
        run_notebook(name, tmp_path)
    message = str(error.value)
    assert "HubUnavailableError" in message
    assert 'set MODE = "tiny" in the parameters cell' in message and "COURSE_MODE=tiny" in message
    assert "modes.require_hub()" in message  # the first cell that loads from the Hub stops
    assert time.perf_counter() - start < 60
