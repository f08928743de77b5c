"""Every notebook in full mode, run to its last cell against a local stand-in for the Hugging Face Hub.

The stand-in (``tests/hub_standin``) serves the Hub ids the notebooks name, laid out like the real
repositories, with the tiny data and checkpoints as contents. The notebooks reach it through
``HF_ENDPOINT`` alone, so ``from_pretrained`` and ``load_dataset`` take their real download path:
revision resolution, file listing, configuration detection and caching. The full settings stay as
written; only the data are small (``MAX_SAMPLES`` in the parameters cell) and notebook 5's GPT-2 is
narrower (``MODEL_SHAPE``): one optimizer step of the course's 124M-parameter shape takes minutes on
two CPU cores.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from unittest import mock

import nbformat
import pytest

from helpers.runner import execute, task_of

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = sorted(path.name for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
# Enough rows for every split to fill a batch of the full settings, few enough for a CPU.
MAX_SAMPLES = 64
EXTRA_PARAMETERS = {"05_causal_language_modeling.ipynb": {"MODEL_SHAPE": {"n_layer": 2, "n_embd": 128, "n_head": 4}}}
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


@pytest.fixture(scope="session")
def hub():
    """Return the Hub stand-in, serving the fixture repositories for the whole session."""
    from hub_standin import HubStandIn
    from hub_standin.repos import build_fixture_hub

    with HubStandIn(build_fixture_hub()) as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
def full_run(hub, tmp_path_factory):
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
            environment = {
                "IPYTHONDIR": str(folder / "ipython"),
                "COURSE_TEST_MODULES_FILE": str(folder / "modules.json"),
                "COURSE_MODE": "full",
                "HF_ENDPOINT": hub.endpoint,
                "HF_HOME": str(folder / "hf-home"),  # an empty Hub cache: every file is downloaded
                "COURSE_OUTPUT_DIR": str(folder / "outputs"),
            }
            first_request = len(hub.requests)
            parameters = {"MAX_SAMPLES": MAX_SAMPLES, **EXTRA_PARAMETERS.get(name, {})}
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
            }
            print(f"{name} in full mode: {seconds:.1f} s")
        return runs[name]

    return run


def full_settings(name: str) -> dict:
    """Return the notebook's SETTINGS["full"], read from its settings cell."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    (cell,) = [c for c in nb.cells if c.source.lstrip().startswith("SETTINGS = {")]
    namespace: dict = {}
    exec(cell.source.split("cfg =")[0], namespace)
    return namespace["SETTINGS"]["full"]


@pytest.mark.parametrize("name", NAMES)
def test_full_mode_runs_every_cell_and_writes_full_mode_results(full_run, name):
    run = full_run(name)
    code_cells = [cell for cell in run["executed"].cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code_cells), "a code cell did not run"
    assert run["results"]["mode"] == "full"
    assert run["results"]["max_samples"] == MAX_SAMPLES


@pytest.mark.parametrize("name", NAMES)
def test_full_mode_downloads_every_hub_id_the_notebook_names_from_the_stand_in(full_run, name):
    expected = {(HUB_ID_KEYS[key], value) for key, value in full_settings(name).items() if key in HUB_ID_KEYS}
    assert expected, "the settings name no Hub id"
    assert expected <= full_run(name)["downloaded"]


@pytest.mark.parametrize("name", NAMES)
def test_full_mode_imports_no_package_that_only_tiny_mode_needs(full_run, name):
    modules = full_run(name)["modules"]
    assert "transformers" in modules  # the record is real
    imported = sorted(m for m in modules if m.split(".")[0] in TINY_ONLY_MODULES)
    assert not imported, f"full mode imported {imported}: Colab's install (no `tiny` extra) would fail"


@pytest.mark.parametrize("name", NAMES)
def test_full_mode_runs_the_loop_through_notebook_launcher_in_one_cpu_process(full_run, name):
    results = full_run(name)["results"]
    assert results["accelerate_launcher"] == "notebook_launcher"
    assert results["accelerate_processes"] == 1


@pytest.mark.parametrize("name", NAMES)
def test_full_mode_generation_never_warns_that_max_new_tokens_overrides_a_stored_max_length(full_run, name):
    # opus-mt keeps max_length 512 in its generation settings (the stand-in too): every generate
    # call that also passes max_new_tokens, without max_length=None, would print a warning.
    stderr = [
        output.text
        for cell in full_run(name)["executed"].cells
        for output in cell.get("outputs", [])
        if output.output_type == "stream" and output.name == "stderr"
    ]
    assert not [text for text in stderr if "seem to have been set" in text]


# What each notebook must load: the rows of exactly one configuration of its repository.
ROWS_LOADED = {
    "01_token_classification.ipynb": ("eriktks/conll2003", "conll2003"),
    "02_masked_language_modeling.ipynb": ("stanfordnlp/imdb", "plain_text"),
    "03_translation.ipynb": ("Helsinki-NLP/kde4", "en-fr"),  # not the four other language pairs
    "04_summarization.ipynb": ("neonwatty/amazon_reviews_multi", "default"),
    "06_question_answering.ipynb": ("rajpurkar/squad", "plain_text"),
}


@pytest.mark.parametrize("name", sorted(ROWS_LOADED))
def test_full_mode_loads_each_row_of_its_configuration_exactly_once(full_run, hub, name):
    from hub_standin.repos import expected_rows

    repo_id, config = ROWS_LOADED[name]
    assert full_run(name)["results"]["rows_loaded"] == expected_rows(hub.root)[repo_id][config]


def test_full_mode_code_corpus_loads_the_train_and_the_validation_file(full_run, hub):
    from hub_standin.repos import expected_rows

    rows = full_run("05_causal_language_modeling.ipynb")["results"]["rows_loaded"]
    served = expected_rows(hub.root)
    assert rows == {
        "train": served["huggingface-course/codeparrot-ds-train"]["default"]["train"],
        "valid": served["huggingface-course/codeparrot-ds-valid"]["default"]["validation"],
    }


def test_full_mode_summarization_keeps_the_english_and_spanish_reviews_only(full_run):
    assert full_run("04_summarization.ipynb")["results"]["languages"] == ["en", "es"]


def test_full_mode_question_answering_contexts_need_several_windows(full_run):
    # The stand-in's contexts are long enough for 384-token windows, as SQuAD's longest are.
    assert full_run("06_question_answering.ipynb")["results"]["multi_window_fraction"] > 0.5


def test_full_mode_question_answering_scores_the_already_fine_tuned_checkpoint_on_up_to_100_questions(full_run):
    results = full_run("06_question_answering.ipynb")["results"]
    check = results["sanity_check"]
    # The stand-in's checkpoint has random weights: only the scores' range can be checked.
    assert check["checkpoint"] == full_settings("06_question_answering.ipynb")["sanity_checkpoint"]
    assert check["questions"] == min(100, results["validation_questions"])
    assert 0 <= check["exact_match"] <= 100 and 0 <= check["f1"] <= 100, check


def test_full_mode_causal_lm_loop_steps_its_scheduler_once_per_optimizer_step(full_run):
    loop = full_run("05_causal_language_modeling.ipynb")["results"]["accelerate"]
    # Gradient accumulation over 8 batches: the scheduler must not step on every batch.
    assert loop["steps"] >= 1
    assert loop["scheduler_steps"] == loop["steps"]
