"""Runs that survive a hard kill. A run starts afresh in a folder that holds an earlier, finished run
(the one nbval made of the same notebook in this test session), is killed with SIGKILL, every process
of it, once it has saved a checkpoint, then runs again with resuming on. It must resume from its own
checkpoint, not the earlier run's, and end exactly where the earlier, uninterrupted run ended. That
second run also shows that a notebook gives the same results when run again.

`make test` runs these in its second pytest run, after nbval. The custom loop is checked in notebook 5
(a checkpoint in the middle of its one epoch) and notebook 2 (after each epoch; its collator masks at
random), the `Trainer` in notebooks 5 and 1.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from safetensors.torch import load_file

from helpers.launching import launch_command, loop_arguments
from helpers.results import output_dir
from helpers.resuming import latest_checkpoint, trainer_checkpoint
from helpers.runner import inject_parameters, task_of
from helpers.scripts import script_path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
# Each run must end well within this; a hang fails the test instead of stalling CI.
TIMEOUT = 150
ENVIRONMENT = {"COURSE_MODE": "tiny", "HF_HUB_OFFLINE": "1", "MPLBACKEND": "Agg", "TOKENIZERS_PARALLELISM": "false"}
# The loop's checkpoint to kill after: notebook 5's first evaluation (step 100 of 180, in its one
# epoch), notebook 2's first epoch (of two). The Trainers are killed after their first checkpoint.
LOOP_CHECKPOINTS = {"02_masked_language_modeling": "epoch_0", "05_causal_language_modeling": "step_100"}
TRAINERS = ["01_token_classification", "05_causal_language_modeling"]


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
    earlier = output_dir(task_of(NOTEBOOKS / f"{name}.ipynb")) / "accelerate"
    folder = tmp_path / "accelerate"
    shutil.copytree(earlier, folder)  # the earlier run's model, results and final checkpoint
    script, checkpoints = script_path(f"{name}.ipynb"), folder / "checkpoints"

    def saved():
        return latest_checkpoint(checkpoints) == checkpoints / LOOP_CHECKPOINTS[name]

    command, environment = launch_command(script, loop_arguments("tiny", 42, folder), num_processes=2, cpu=True)
    (folder / "results.json").unlink()
    kill_when(command, {**ENVIRONMENT, **environment}, tmp_path / "killed.log", saved)
    assert not (folder / "results.json").exists()

    arguments = loop_arguments("tiny", 42, folder, resume=True)
    command, environment = launch_command(script, arguments, num_processes=2, cpu=True)
    output = run_to_end(command, {**ENVIRONMENT, **environment}, tmp_path / "resumed.log")
    assert f"resuming from checkpoints/{LOOP_CHECKPOINTS[name]}:" in output

    resumed = json.loads((folder / "results.json").read_text())
    whole = json.loads((earlier / "results.json").read_text())
    assert resumed["accelerate"] == uninterrupted["accelerate"] == whole["accelerate"]
    losses = "train_losses" if "train_losses" in whole else "losses"
    assert resumed[losses] == whole[losses]  # every logged loss, the killed run's and the resumed run's
    assert resumed["num_processes"] == 2


def notebook_until_training(name: str, parameters: dict, model_dir: Path) -> str:
    """Return the notebook's code cells up to its `trainer.train` call, as an IPython script that saves the model."""
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    inject_parameters(nb, parameters)  # a cell after the parameters cell, as the notebook runs get
    sources = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            sources.append(cell.source)
            if "trainer.train(" in cell.source:
                break
    sources.append(f"trainer.model.save_pretrained({str(model_dir)!r})")
    return "\n\n".join(sources) + "\n"


@pytest.mark.parametrize("name", TRAINERS)
def test_the_trainer_killed_after_a_checkpoint_resumes_to_the_uninterrupted_model(name, tmp_path, notebook_results):
    notebook_results(f"{name}.ipynb")  # nbval's run of the notebook, which saved the Trainer's model
    task = task_of(NOTEBOOKS / f"{name}.ipynb")
    trainer_dir = tmp_path / "outputs" / task / "trainer"
    shutil.copytree(output_dir(task) / "trainer", trainer_dir)  # with the earlier run's last checkpoint
    (earlier_checkpoint,) = [path.name for path in trainer_dir.glob("checkpoint-*")]
    environment = {**ENVIRONMENT, "OMP_NUM_THREADS": "1"}
    started = time.time()

    def saved():  # a complete checkpoint of this run, not the earlier run's
        latest = trainer_checkpoint(trainer_dir)
        return latest is not None and (Path(latest) / "trainer_state.json").stat().st_mtime > started

    for resume in (False, True):
        script = tmp_path / f"resume-{resume}.ipy"
        parameters = {"RESUME": resume, "OUTPUT_ROOT": str(tmp_path / "outputs")}
        script.write_text(notebook_until_training(name, parameters, tmp_path / "model"))
        command = [sys.executable, "-m", "IPython", "--no-banner", "--quiet", str(script)]
        if not resume:
            kill_when(command, environment, tmp_path / "killed.log", saved, cwd=NOTEBOOKS)
            assert not (tmp_path / "model").exists()
            (killed_checkpoint,) = [path.name for path in trainer_dir.glob("checkpoint-*")]
            assert killed_checkpoint != earlier_checkpoint  # the fresh run removed the earlier run's
        else:
            output = run_to_end(command, environment, tmp_path / "resumed.log", cwd=NOTEBOOKS)
            assert f"resuming from {killed_checkpoint}\n" in output

    resumed = load_file(tmp_path / "model" / "model.safetensors")
    uninterrupted = load_file(output_dir(task) / "model" / "model.safetensors")
    assert resumed.keys() == uninterrupted.keys()
    different = [key for key in resumed if not resumed[key].equal(uninterrupted[key])]
    assert different == []
