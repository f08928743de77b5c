"""Runs that survive a hard kill. A run is killed with SIGKILL, every process of it, once a checkpoint
exists, then run again with resuming on; it must end exactly where the uninterrupted run ended: the
run that nbval made of the same notebook in this test session.

`make test` runs these in its second pytest run, after nbval. Both the `Trainer` and the custom loop
are checked, in notebook 5 (a checkpoint in the middle of its one epoch) and notebook 1 (a checkpoint
after each epoch).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from safetensors.torch import load_file

from helpers.launching import launch_command, loop_arguments
from helpers.results import output_dir
from helpers.resuming import latest_checkpoint, trainer_checkpoint
from helpers.runner import task_of
from helpers.scripts import script_path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
# Each run must end well within this; a hang fails the test instead of stalling CI.
TIMEOUT = 150
ENVIRONMENT = {"COURSE_MODE": "tiny", "HF_HUB_OFFLINE": "1", "MPLBACKEND": "Agg", "TOKENIZERS_PARALLELISM": "false"}
# The checkpoint to kill after: notebook 5's first evaluation (step 100 of 180, in its one epoch),
# notebook 1's first epoch (of three).
LOOP_CHECKPOINTS = {"01_token_classification": "epoch_0", "05_causal_language_modeling": "step_100"}
TRAINER_CHECKPOINTS = {"01_token_classification": "checkpoint-", "05_causal_language_modeling": "checkpoint-100"}


def kill_when(command: list[str], environment: dict, log: Path, ready, cwd: Path = ROOT) -> None:
    """Run ``command`` until ``ready()`` holds, then SIGKILL it and every process it started."""
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=cwd, env={**os.environ, **environment}, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    start = time.monotonic()
    try:
        while not ready():
            assert process.poll() is None, f"it ended before the checkpoint was saved:\n{log.read_text()[-3000:]}"
            assert time.monotonic() - start < TIMEOUT, f"no checkpoint within {TIMEOUT} s"
            time.sleep(0.2)
        time.sleep(1)  # into the next batches, so that the kill lands mid-epoch
    finally:
        # The launcher's workers run in sessions of their own: find them all before killing any.
        tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
        for member in tree:
            member.kill()
        psutil.wait_procs(tree, timeout=30)


def run_to_end(command: list[str], environment: dict, log: Path, cwd: Path = ROOT) -> str:
    """Run ``command`` to its end within TIMEOUT, fail if it fails, and return its output."""
    try:
        done = subprocess.run(
            command, cwd=cwd, env={**os.environ, **environment}, capture_output=True, text=True, timeout=TIMEOUT
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the resumed run did not end within {TIMEOUT} s")
    log.write_text(done.stdout + done.stderr)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    return done.stdout + done.stderr


@pytest.mark.parametrize("name", sorted(LOOP_CHECKPOINTS))
def test_the_loop_killed_after_a_checkpoint_resumes_to_the_uninterrupted_result(name, tmp_path, notebook_results):
    uninterrupted = notebook_results(f"{name}.ipynb")  # nbval's run of the notebook: its loop on two processes
    script = script_path(f"{name}.ipynb")
    checkpoints = tmp_path / "checkpoints"

    def saved():
        return latest_checkpoint(checkpoints) == checkpoints / LOOP_CHECKPOINTS[name]

    command, environment = launch_command(script, loop_arguments("tiny", 42, tmp_path), num_processes=2, cpu=True)
    kill_when(command, {**ENVIRONMENT, **environment}, tmp_path / "killed.log", saved)
    assert not (tmp_path / "results.json").exists()

    arguments = loop_arguments("tiny", 42, tmp_path, resume=True)
    command, environment = launch_command(script, arguments, num_processes=2, cpu=True)
    output = run_to_end(command, {**ENVIRONMENT, **environment}, tmp_path / "resumed.log")
    assert f"resuming from checkpoints/{LOOP_CHECKPOINTS[name]}" in output

    resumed = json.loads((tmp_path / "results.json").read_text())
    loop_dir = output_dir(task_of(NOTEBOOKS / f"{name}.ipynb")) / "accelerate"
    whole = json.loads((loop_dir / "results.json").read_text())
    assert resumed["accelerate"] == uninterrupted["accelerate"] == whole["accelerate"]
    losses = "train_losses" if "train_losses" in whole else "losses"
    assert resumed[losses] == whole[losses]  # every logged loss, the killed run's and the resumed run's
    assert resumed["num_processes"] == 2


def notebook_until_training(name: str, parameters: dict, model_dir: Path) -> str:
    """Return the notebook's code cells up to its `trainer.train` call, as an IPython script that saves the model."""
    cells = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())["cells"]
    sources = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        if "parameters" in cell["metadata"].get("tags", []):
            source += "\n" + "\n".join(f"{key} = {value!r}" for key, value in parameters.items())
        sources.append(source)
        if "trainer.train(" in source:
            break
    sources.append(f"trainer.model.save_pretrained({str(model_dir)!r})")
    return "\n\n".join(sources) + "\n"


@pytest.mark.parametrize("name", sorted(TRAINER_CHECKPOINTS))
def test_the_trainer_killed_after_a_checkpoint_resumes_to_the_uninterrupted_model(name, tmp_path, notebook_results):
    notebook_results(f"{name}.ipynb")  # nbval's run of the notebook, which saved the Trainer's model
    trainer_dir = tmp_path / "outputs" / task_of(NOTEBOOKS / f"{name}.ipynb") / "trainer"
    environment = {**ENVIRONMENT, "OMP_NUM_THREADS": "1"}

    def saved():
        latest = trainer_checkpoint(trainer_dir)
        return latest is not None and Path(latest).name.startswith(TRAINER_CHECKPOINTS[name])

    for resume in (False, True):
        script = tmp_path / f"resume-{resume}.ipy"
        parameters = {"RESUME": resume, "OUTPUT_ROOT": str(tmp_path / "outputs")}
        script.write_text(notebook_until_training(name, parameters, tmp_path / "model"))
        command = [sys.executable, "-m", "IPython", "--no-banner", "--quiet", str(script)]
        if not resume:
            kill_when(command, environment, tmp_path / "killed.log", saved, cwd=NOTEBOOKS)
            assert not (tmp_path / "model").exists()
        else:
            output = run_to_end(command, environment, tmp_path / "resumed.log", cwd=NOTEBOOKS)
            assert "resuming from checkpoint-" in output

    resumed = load_file(tmp_path / "model" / "model.safetensors")
    uninterrupted = load_file(output_dir(task_of(NOTEBOOKS / f"{name}.ipynb")) / "model" / "model.safetensors")
    assert resumed.keys() == uninterrupted.keys()
    different = [key for key in resumed if not resumed[key].equal(uninterrupted[key])]
    assert different == []
