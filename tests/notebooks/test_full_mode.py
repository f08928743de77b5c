"""Every notebook in full mode, run to its last cell against a local stand-in for the Hugging Face Hub
(the runs themselves: full_runs.py).

The notebooks reach the stand-in through ``HF_ENDPOINT`` alone, so ``from_pretrained`` and
``load_dataset`` take their real download path: revision resolution, file listing, configuration
detection and caching. Every run shares its two models, and the tests read back what landed.
Notebook 5's GPT-2 is narrower (``MODEL_SHAPE``): one optimizer step of the course's
124M-parameter shape takes minutes on two CPU cores.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import torch
import yaml

from full_runs import EXTRA_PARAMETERS, HUB_ID_KEYS, MAX_SAMPLES, NAMES, NOTEBOOKS, TINY_ONLY_MODULES


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
    assert run["results"]["max_samples"] == EXTRA_PARAMETERS.get(name, {}).get("MAX_SAMPLES", MAX_SAMPLES)


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
def test_full_mode_runs_the_loop_through_accelerate_launch_after_the_trainer(full_run, name):
    results = full_run(name)["results"]
    assert results["accelerate_launcher"] == "accelerate launch"
    # One process per GPU (one on a CPU), unless the parameters ask for another number.
    default = max(1, torch.cuda.device_count())
    assert results["accelerate_processes"] == EXTRA_PARAMETERS.get(name, {}).get("LOOP_PROCESSES", default)


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


# ---- Sharing: what the notebook pushed, read back from the stand-in --------------------------------


def parameters_of(name: str) -> dict:
    """Return the values the notebook's parameters cell sets."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    namespace: dict = {}
    exec(cell.source, namespace)
    return namespace


def hub_tag(name: str) -> str:
    """Return the tag the notebook gives its model cards (``HUB_TAG = "..."``)."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    (match,) = [m for c in nb.cells for m in re.findall(r'^HUB_TAG = "([^"]+)"', c.source, re.MULTILINE)]
    return match


def files_below(folder: Path) -> set[str]:
    """Return the relative paths of the files below ``folder``."""
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}


def card_metadata(folder: Path) -> dict:
    """Return the YAML front matter of ``folder/README.md``."""
    text = (folder / "README.md").read_text()
    return yaml.safe_load(re.match(r"---\n(.*?)\n---\n", text, re.DOTALL).group(1))


def assert_same_weights(remote: Path, local: Path) -> None:
    """Assert that two folders' ``model.safetensors`` hold the same tensors."""
    from safetensors.torch import load_file

    remote_weights, local_weights = load_file(remote / "model.safetensors"), load_file(local / "model.safetensors")
    assert remote_weights.keys() == local_weights.keys()
    assert all(torch.equal(remote_weights[key], local_weights[key]) for key in local_weights)


# What a repository must never hold: training state only needed to resume (optimizer, scheduler,
# random generators), the Trainer's checkpoint folders and the loop's.
TRAINING_STATE = re.compile(
    r"(^|/)(checkpoints?-?[^/]*/|optimizer\.(pt|bin)$|scheduler\.pt$|rng_state.*\.pth$|random_states_.*\.pkl$"
    r"|custom_checkpoint_.*\.pkl$|trainer_state\.json$)"
)


@pytest.mark.parametrize("name", NAMES)
def test_full_mode_shares_both_models_in_the_learners_namespace(full_run, name):
    run = full_run(name)
    trainer_repo = f"{run['user']}/{parameters_of(name)['HUB_MODEL_ID']}"
    assert run["results"]["hub"] == {"trainer": trainer_repo, "loop": f"{trainer_repo}-accelerate", "matches_local": True}


@pytest.mark.parametrize("name", NAMES)
def test_full_mode_trainer_repository_holds_the_saved_model_and_a_card_with_the_task_tag(full_run, hub, name):
    run = full_run(name)
    remote = hub.repo_folder("models", run["results"]["hub"]["trainer"])
    local = run["outputs"] / "model"
    files = files_below(remote)
    assert files == files_below(local) | {".gitattributes", "README.md", "training_args.bin"}
    assert {"config.json", "model.safetensors", "tokenizer_config.json"} <= files
    assert not [path for path in files if TRAINING_STATE.search(path)]
    assert_same_weights(remote, local)
    tags = card_metadata(remote)["tags"]
    assert hub_tag(name) in tags and "generated_from_trainer" in tags


@pytest.mark.parametrize("name", NAMES)
def test_full_mode_loop_repository_holds_the_loops_model_pushed_after_every_epoch(full_run, hub, name):
    run = full_run(name)
    repo_id = run["results"]["hub"]["loop"]
    remote, local = hub.repo_folder("models", repo_id), run["outputs"] / "accelerate"
    files = files_below(remote)
    saved = files_below(local)
    assert "checkpoints/latest" in saved  # the loop saved its state to resume from, and did not upload it
    assert files == {path for path in saved if not path.startswith("checkpoints/")} - {"results.json"} | {".gitattributes"}
    assert {"README.md", "config.json", "model.safetensors", "tokenizer_config.json"} <= files
    assert not [path for path in files if TRAINING_STATE.search(path)]
    assert_same_weights(remote, local)
    card = card_metadata(remote)
    settings = full_settings(name)
    assert card["tags"] == [hub_tag(name)]
    assert card["datasets"] == [settings.get("dataset", settings.get("dataset_train"))]
    assert card.get("base_model") == settings.get("checkpoint")  # none for the GPT-2 trained from scratch
    epochs = settings.get("loop_epochs", settings.get("num_train_epochs"))
    pushes = [c for c in run["commits"] if c["repo_id"] == repo_id]
    assert [c["summary"] for c in pushes] == [f"Training in progress epoch {epoch}" for epoch in range(epochs)]


@pytest.mark.parametrize("name", NAMES)
def test_full_mode_trainer_pushes_a_final_commit_with_its_card(full_run, name):
    run = full_run(name)
    pushes = [c for c in run["commits"] if c["repo_id"] == run["results"]["hub"]["trainer"]]
    assert pushes and pushes[-1]["summary"] == "Training complete" and "README.md" in pushes[-1]["paths"]
