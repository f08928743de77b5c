"""Checks on the repository itself: clean notebooks, one source for ids and URLs, agreeing set-up files."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
REPO_URL = PYPROJECT["project"]["urls"]["Repository"]

# The Hub ids each notebook must use in full mode (see the course syllabus).
FULL_MODE_IDS = {
    "01_token_classification.ipynb": {
        "dataset": "eriktks/conll2003",
        "dataset_revision": "refs/convert/parquet",
        "checkpoint": "google-bert/bert-base-cased",
    },
    "03_translation.ipynb": {
        "dataset": "Helsinki-NLP/kde4",
        "dataset_revision": "refs/convert/parquet",
        "dataset_dir": "en-fr",
        "checkpoint": "Helsinki-NLP/opus-mt-en-fr",
    },
    "02_masked_language_modeling.ipynb": {
        "dataset": "stanfordnlp/imdb",
        "checkpoint": "distilbert/distilbert-base-uncased",
    },
    "04_summarization.ipynb": {
        "dataset": "neonwatty/amazon_reviews_multi",
        "dataset_revision": "refs/convert/parquet",
        "dataset_dir": "default",
        "checkpoint": "google/mt5-small",
    },
    "05_causal_language_modeling.ipynb": {
        "dataset_train": "huggingface-course/codeparrot-ds-train",
        "dataset_valid": "huggingface-course/codeparrot-ds-valid",
        "tokenizer": "huggingface-course/code-search-net-tokenizer",
    },
    "06_question_answering.ipynb": {
        "dataset": "rajpurkar/squad",
        "checkpoint": "google-bert/bert-base-cased",
        "sanity_checkpoint": "distilbert/distilbert-base-cased-distilled-squad",
    },
}


# The course's repository names for the Trainer's model; the loop's add "-accelerate", as in the course.
COURSE_HUB_MODEL_IDS = {
    "01_token_classification.ipynb": "bert-finetuned-ner",
    "02_masked_language_modeling.ipynb": "distilbert-base-uncased-finetuned-imdb",
    "03_translation.ipynb": "marian-finetuned-kde4-en-to-fr",
    "04_summarization.ipynb": "mt5-small-finetuned-amazon-en-es",
    "05_causal_language_modeling.ipynb": "codeparrot-ds",
    "06_question_answering.ipynb": "bert-finetuned-squad",
}
# Calls that write to the Hub (huggingface_hub's and the Trainer's) and our helper that creates repositories.
HUB_WRITE_CALLS = {
    "push_to_hub", "upload_folder", "upload_file", "create_repo", "create_commit", "delete_repo",
    "delete_file", "prepare_hub_repos", "notebook_login", "login",
}


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def test_there_is_a_notebook_for_every_listed_task():
    assert [p.name for p in NOTEBOOKS] == sorted(FULL_MODE_IDS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    for cell in cells(path):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, source(cell)[:80]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_one_parameters_cell_defaulting_to_tiny(path):
    tagged = [c for c in cells(path) if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    namespace: dict = {}
    exec(source(tagged[0]), namespace)
    assert namespace["MODE"] == "tiny" and namespace["PUSH_TO_HUB"] is False
    assert namespace["MAX_SAMPLES"] is None  # all the data unless a learner asks for a subset
    assert namespace["HUB_MODEL_ID"] == COURSE_HUB_MODEL_IDS[path.name]
    # A rerun after a change of settings trains afresh unless the learner asks to resume.
    assert namespace["RESUME"] is False and namespace["OUTPUT_ROOT"] is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_training_resumes_when_asked_and_the_loops_checkpoints_stay_off_the_hub(path):
    code = "\n".join(source(c) for c in cells(path) if c["cell_type"] == "code")
    assert "trainer.train(resume_from_checkpoint=resume_from)" in code
    assert "resume=RESUME" in code  # the launch cell passes --resume to the script
    assert "accelerator.load_state(latest)" in code and "save_checkpoint(accelerator, checkpoints" in code
    assert code.count('ignore_patterns=["results.json", "checkpoints/*"]') == 1
    assert "use_seedable_sampler=True" in code


def _guarded_by_push_to_hub(node, parents: dict) -> bool:
    """Return whether ``node`` sits in the true branch of an ``if`` (or ``x if ... else``) that tests PUSH_TO_HUB."""
    import ast

    child, parent = node, parents.get(node)
    while parent is not None:
        if isinstance(parent, (ast.If, ast.IfExp)) and child is not parent.test:
            in_body = child in parent.body if isinstance(parent, ast.If) else child is parent.body
            names = {n.id for n in ast.walk(parent.test) if isinstance(n, ast.Name)}
            negated = any(isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.Not) for n in ast.walk(parent.test))
            if in_body and "PUSH_TO_HUB" in names and not negated:
                return True
        child, parent = parent, parents.get(parent)
    return False


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_notebook_writes_to_the_hub_unless_push_to_hub_is_on(path):
    import ast

    code = "\n".join(source(c) for c in cells(path) if c["cell_type"] == "code")
    # IPython's %magic and !shell lines are not Python: each becomes a `pass` at its indentation.
    lines = [re.sub(r"^(\s*)[%!].*", r"\1pass", line) for line in code.splitlines()]
    tree = ast.parse("\n".join(lines))
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    writes = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name in HUB_WRITE_CALLS:
                writes += 1
                assert _guarded_by_push_to_hub(node, parents), f"line {node.lineno}: {name}() outside `if PUSH_TO_HUB`"
            for keyword in node.keywords:
                if keyword.arg == "push_to_hub":
                    assert isinstance(keyword.value, ast.Name) and keyword.value.id == "PUSH_TO_HUB", node.lineno
        if isinstance(node, ast.Name) and node.id == "hub_repos" and isinstance(parents.get(node), ast.Subscript):
            assert _guarded_by_push_to_hub(node, parents), f"line {node.lineno}: hub_repos[...] outside `if PUSH_TO_HUB`"
    # The check is real: each notebook creates the repositories, and both its models are pushed.
    assert writes >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_colab_badge_and_install_cell_use_the_one_repository_url(path):
    text = "\n".join(source(c) for c in cells(path))
    badge = REPO_URL.replace("https://github.com/", "https://colab.research.google.com/github/")
    assert f"{badge}/blob/main/notebooks/{path.name}" in text
    assert f'REPO_URL = "{REPO_URL}"' in text
    slug = REPO_URL.split("github.com/")[1]
    assert text.count(slug) == 2  # the badge and REPO_URL: no other copy to drift
    readme = (ROOT / "README.md").read_text()
    assert f"{badge}/blob/main/notebooks/{path.name}" in readme


def settings_of(path: Path) -> dict:
    (cell,) = [c for c in cells(path) if source(c).lstrip().startswith("SETTINGS = {")]
    namespace: dict = {}
    exec(source(cell).split("cfg =")[0], namespace)
    return namespace["SETTINGS"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_full_mode_uses_the_syllabus_hub_ids(path):
    full = settings_of(path)["full"]
    for key, expected in FULL_MODE_IDS[path.name].items():
        assert full[key] == expected


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_both_modes_define_the_same_training_settings(path):
    settings = settings_of(path)
    ids = set(FULL_MODE_IDS[path.name])
    assert set(settings["full"]) - ids == set(settings["tiny"])


@pytest.mark.parametrize("mode", ["full", "tiny"])
def test_token_classification_settings_make_valid_training_arguments(mode, tmp_path):
    from transformers import TrainingArguments

    cfg = settings_of(ROOT / "notebooks" / "01_token_classification.ipynb")[mode]
    args = TrainingArguments(
        output_dir=str(tmp_path),
        eval_strategy="epoch",
        save_strategy="epoch",
        learning_rate=cfg["learning_rate"],
        num_train_epochs=cfg["num_train_epochs"],
        weight_decay=cfg["weight_decay"],
        per_device_train_batch_size=cfg["batch_size"],
        per_device_eval_batch_size=cfg["batch_size"],
        use_cpu=True,
    )
    assert args.learning_rate == cfg["learning_rate"]
    if mode == "full":  # the course's run
        assert (cfg["learning_rate"], cfg["num_train_epochs"], cfg["weight_decay"]) == (2e-5, 3, 0.01)
        assert cfg["loop_batch_size"] == 8 and cfg["loop_epochs"] == 3


def test_translation_full_settings_are_the_courses():
    full = settings_of(ROOT / "notebooks" / "03_translation.ipynb")["full"]
    # The Seq2SeqTrainer run.
    assert (full["learning_rate"], full["num_train_epochs"], full["weight_decay"]) == (2e-5, 3, 0.01)
    assert (full["batch_size"], full["eval_batch_size"], full["save_total_limit"]) == (32, 64, 3)
    assert (full["max_length"], full["warmup"], full["label_smoothing"]) == (128, 0.0, 0.0)
    # The custom loop: batches of 8 and AdamW without weight decay (transformers' old default).
    assert (full["loop_batch_size"], full["loop_epochs"], full["loop_weight_decay"]) == (8, 3, 0.0)
    # Not the course's: its loop translates all 21,018 validation pairs at every evaluation.
    assert full["loop_eval_size"] == 2_000


@pytest.mark.parametrize("mode", ["full", "tiny"])
def test_translation_settings_make_valid_training_arguments(mode, tmp_path):
    from transformers import Seq2SeqTrainingArguments

    cfg = settings_of(ROOT / "notebooks" / "03_translation.ipynb")[mode]
    args = Seq2SeqTrainingArguments(
        output_dir=str(tmp_path),
        eval_strategy="no",
        save_strategy="epoch",
        save_total_limit=cfg["save_total_limit"],
        learning_rate=cfg["learning_rate"],
        num_train_epochs=cfg["num_train_epochs"],
        warmup_steps=cfg["warmup"],
        label_smoothing_factor=cfg["label_smoothing"],
        weight_decay=cfg["weight_decay"],
        per_device_train_batch_size=cfg["batch_size"],
        per_device_eval_batch_size=cfg["eval_batch_size"],
        predict_with_generate=True,
        generation_max_length=cfg["max_new_tokens"],
        generation_num_beams=cfg["num_beams"],
        use_cpu=True,
    )
    assert (args.save_total_limit, args.generation_num_beams) == (cfg["save_total_limit"], cfg["num_beams"])


def test_causal_language_modeling_full_settings_are_the_courses():
    cfg = settings_of(ROOT / "notebooks" / "05_causal_language_modeling.ipynb")["full"]
    assert (cfg["context_length"], cfg["n_embd"], cfg["n_layer"], cfg["n_head"]) == (128, 768, 12, 12)
    assert (cfg["batch_size"], cfg["gradient_accumulation_steps"]) == (32, 8)
    assert (cfg["learning_rate"], cfg["warmup_steps"], cfg["weight_decay"]) == (5e-4, 1_000, 0.1)


def test_environment_yml_agrees_with_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    version = python.split("=", 1)[1]
    requires = Requirement(f"python{PYPROJECT['project']['requires-python']}")
    assert requires.specifier.contains(f"{version}.0"), (version, requires)
    pip_lines = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    extras = set(PYPROJECT["project"]["optional-dependencies"])
    (install,) = [line for line in pip_lines if line.startswith("-e .")]
    asked = set(re.fullmatch(r"-e \.\[(.*)\]", install).group(1).split(","))
    assert asked == extras, "environment.yml should install every extra the Makefile installs"
    makefile = (ROOT / "Makefile").read_text()
    assert f'-e ".[{",".join(sorted(asked))}]"' in makefile


def test_makefile_torch_pin_satisfies_the_declared_range():
    makefile = (ROOT / "Makefile").read_text()
    pinned = re.search(r"TORCH_SPEC \?= torch==(\S+)", makefile).group(1)
    (torch_requirement,) = [Requirement(r) for r in PYPROJECT["project"]["dependencies"] if r.startswith("torch")]
    assert torch_requirement.specifier.contains(pinned)


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()


def test_masked_language_modeling_full_settings_are_the_courses():
    full = settings_of(ROOT / "notebooks" / "02_masked_language_modeling.ipynb")["full"]
    assert (full["chunk_size"], full["mlm_probability"], full["wwm_probability"]) == (128, 0.15, 0.2)
    assert (full["train_size"], full["test_size"], full["batch_size"]) == (10_000, 1_000, 64)
    assert (full["learning_rate"], full["weight_decay"]) == (2e-5, 0.01)
    assert full["loop_learning_rate"] == 5e-5  # the course's Accelerate loop


def test_question_answering_full_settings_are_the_courses():
    full = settings_of(ROOT / "notebooks" / "06_question_answering.ipynb")["full"]
    assert (full["max_length"], full["stride"], full["n_best"], full["max_answer_length"]) == (384, 128, 20, 30)
    assert (full["learning_rate"], full["num_train_epochs"], full["weight_decay"]) == (2e-5, 3, 0.01)
    assert (full["loop_batch_size"], full["loop_epochs"]) == (8, 3)


@pytest.mark.parametrize("mode", ["full", "tiny"])
def test_question_answering_settings_make_valid_training_arguments(mode, tmp_path):
    from transformers import TrainingArguments

    cfg = settings_of(ROOT / "notebooks" / "06_question_answering.ipynb")[mode]
    args = TrainingArguments(
        output_dir=str(tmp_path),
        eval_strategy="no",
        save_strategy="epoch",
        learning_rate=cfg["learning_rate"],
        num_train_epochs=cfg["num_train_epochs"],
        weight_decay=cfg["weight_decay"],
        warmup_steps=cfg["warmup_steps"],
        per_device_train_batch_size=cfg["batch_size"],
        use_cpu=True,
    )
    assert args.get_warmup_steps(100) == (10 if mode == "tiny" else 0)
    # Consecutive windows must move forward: the stride is shorter than the window.
    assert 0 < cfg["stride"] < cfg["max_length"] // 2


def test_summarization_full_settings_are_the_courses():
    full = settings_of(ROOT / "notebooks" / "04_summarization.ipynb")["full"]
    assert (full["max_input_length"], full["max_target_length"], full["lead_sentences"]) == (512, 30, 3)
    assert (full["learning_rate"], full["batch_size"], full["num_train_epochs"]) == (5.6e-5, 8, 8)
    assert (full["loop_learning_rate"], full["loop_batch_size"], full["loop_epochs"]) == (2e-5, 8, 10)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_login_check_comes_before_any_data_or_model_is_loaded(path):
    code = [source(c) for c in cells(path) if c["cell_type"] == "code"]
    login = min(i for i, text in enumerate(code) if "prepare_hub_repos(" in text)
    loads = [i for i, text in enumerate(code) if re.search(r"load_dataset\(|from_pretrained\(|require_hub\(\)", text)]
    checks = min(i for i, text in enumerate(code) if "check_parameters(" in text)
    assert checks < login < min(loads)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_hub_is_checked_before_anything_is_loaded_from_it(path):
    # The behaviour (a quick, clear error without the Hub) runs in test_without_hub.py on two notebooks.
    code = "\n".join(source(c) for c in cells(path) if c["cell_type"] == "code")
    first_load = re.search(r"load_dataset\(|from_pretrained\(|pipeline\(", code).start()
    assert 0 <= code.find("modes.require_hub()") < first_load
