"""Running a notebook in full mode against the Hub stand-in, once per test session: what the full-mode
tests (test_full_mode.py) and the GPU check (test_gpu.py) share.

The stand-in (``tests/hub_standin``) serves the Hub ids the notebooks name, laid out like the real
repositories, with the tiny data and checkpoints as contents. The notebooks reach it through
``HF_ENDPOINT`` alone. Every run shares its two models (``PUSH_TO_HUB = True``, with the stand-in's
test token). The full settings stay as written; only the data are small (``MAX_SAMPLES``) and
notebook 5's GPT-2 is narrower (``MODEL_SHAPE``).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from unittest import mock

import nbformat
import torch

from helpers.runner import execute, task_of

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = sorted(path.name for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
# Enough rows for every split to fill a batch of the full settings, few enough for a CPU.
MAX_SAMPLES = 64
EXTRA_PARAMETERS = {
    # 8 code files make about 180 chunks of 128 tokens: one optimizer step, of fewer than 32 x 8 chunks.
    "05_causal_language_modeling.ipynb": {"MODEL_SHAPE": {"n_layer": 2, "n_embd": 64, "n_head": 4}, "MAX_SAMPLES": 8},
    "04_summarization.ipynb": {"MAX_SAMPLES": 16},  # eight epochs and ten more in the loop
}
if not torch.cuda.is_available():
    # The loop on two processes, launched after the Trainer trained in the same kernel: what a
    # machine with two GPUs does, as far as a CPU can show it.
    EXTRA_PARAMETERS["01_token_classification.ipynb"] = {"LOOP_PROCESSES": 2}
# The modules of the packages only tiny mode needs (pyproject's `tiny` extra): full mode, as
# installed on Colab, must run without them.
TINY_ONLY_MODULES = ("django", "sphinx", "faker", "tzdata", "jupyterlab_language_pack_fr_FR")
# An IPython start-up file for the notebook's kernel: after every cell it writes to
# $COURSE_TEST_MODULES_FILE the modules that the cells imported (not those the kernel itself had
# imported before: its debugger, for one, imports Django when it finds it installed).
RECORD_MODULES = """
import json, os, sys

_at_start = set(sys.modules)

def _record_modules(result=None):
    with open(os.environ["COURSE_TEST_MODULES_FILE"], "w") as handle:
        json.dump(sorted(set(sys.modules) - _at_start), handle)

get_ipython().events.register("post_run_cell", _record_modules)
"""
# The settings keys that name a Hub repository, and whether it is a data set or a model.
HUB_ID_KEYS = {
    "dataset": "datasets",
    "dataset_train": "datasets",
    "dataset_valid": "datasets",
    "checkpoint": "models",
    "tokenizer": "models",
    "sanity_checkpoint": "models",
}


def full_runner(hub, tmp_path_factory):
    """Return a function that runs a notebook in full mode once per session and returns what it showed.

    A notebook that fails is not run again for each test that asks: they all see its error.
    """
    runs: dict[str, dict] = {}
    failures: dict[str, Exception] = {}

    def run(name: str) -> dict:
        if name in failures:
            raise failures[name]
        if name not in runs:
            folder = tmp_path_factory.mktemp(f"full-{name[:2]}")
            startup = folder / "ipython" / "profile_default" / "startup"
            startup.mkdir(parents=True)
            (startup / "record_modules.py").write_text(RECORD_MODULES)
            token, user = next(iter(hub.tokens.items()))
            environment = {
                "HF_TOKEN": token,  # the learner's token: they can write to their own namespace
                "IPYTHONDIR": str(folder / "ipython"),
                "COURSE_TEST_MODULES_FILE": str(folder / "modules.json"),
                "COURSE_MODE": "full",
                "HF_ENDPOINT": hub.endpoint,
                "HF_HOME": str(folder / "hf-home"),  # an empty Hub cache: every file is downloaded
                "COURSE_OUTPUT_DIR": str(folder / "outputs"),
            }
            first_request, first_commit = len(hub.requests), len(hub.commits)
            parameters = {"MAX_SAMPLES": MAX_SAMPLES, "PUSH_TO_HUB": True, **EXTRA_PARAMETERS.get(name, {})}
            with mock.patch.dict(os.environ, environment):
                os.environ.pop("HF_HUB_OFFLINE", None)  # the kernel inherits this environment
                start = time.perf_counter()
                try:
                    execute(NOTEBOOKS / name, folder / "build", parameters=parameters)
                except Exception as error:
                    failures[name] = error
                    raise
                seconds = time.perf_counter() - start
            results_file = folder / "outputs" / task_of(NOTEBOOKS / name) / "results.json"
            runs[name] = {
                "results": json.loads(results_file.read_text()),
                "executed": nbformat.read(folder / "build" / name, as_version=4),
                "downloaded": hub.repos_downloaded(since=first_request),
                "modules": set(json.loads((folder / "modules.json").read_text())),
                "seconds": seconds,
                "outputs": folder / "outputs" / task_of(NOTEBOOKS / name),
                "commits": hub.commits[first_commit:],
                "user": user,
            }
            print(f"{name} in full mode: {seconds:.1f} s")
        return runs[name]

    return run


