"""Each notebook runs its loop as a learner would from a shell: `accelerate launch scripts/NN_<task>.py`
on two CPU processes in tiny mode. These checks read what the notebooks wrote, so `make test` runs them
after nbval, in its second pytest run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.results import output_dir
from helpers.runner import task_of

ROOT = Path(__file__).resolve().parents[2]
NAMES = sorted(path.name for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("name", NAMES)
def test_the_notebook_records_what_its_script_wrote_when_launched_as_two_cpu_processes(name, notebook_results):
    results = notebook_results(name)
    loop = json.loads((output_dir(task_of(ROOT / "notebooks" / name)) / "accelerate" / "results.json").read_text())
    assert results["accelerate"] == loop["accelerate"]
    assert results["accelerate_launcher"] == "accelerate launch"
    assert loop["num_processes"] == results["accelerate_processes"] == 2
