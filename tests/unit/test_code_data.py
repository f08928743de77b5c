"""The tiny codeparrot-shaped corpus, its byte-level BPE tokenizer, and the notebook's chunking."""

import json
from pathlib import Path

import pytest

from helpers.causal_lm import mentions_any
from helpers.tiny import code
from helpers.tiny.checkpoints import build_gpt2_tokenizer, train_byte_level_bpe

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "05_causal_language_modeling.ipynb"


@pytest.fixture(scope="module")
def dataset():
    return code.build_codeparrot_dataset(seed=0, max_mb=0.3, valid_fraction=0.2)


def test_columns_and_types_match_codeparrot_ds(dataset):
    assert set(dataset) == {"train", "valid"}
    for split in dataset.values():
        assert split.column_names == ["repo_name", "path", "copies", "size", "content", "license"]
        assert all(feature.dtype == "string" for feature in split.features.values())


def test_every_file_passes_the_keyword_filter_and_the_cap(dataset):
    rows = [row for split in dataset.values() for row in split]
    assert all(mentions_any(row["content"]) for row in rows)
    assert all(int(row["size"]) == len(row["content"].encode()) for row in rows)
    assert sum(int(row["size"]) for row in rows) <= 0.3e6


def test_no_file_is_in_both_splits(dataset):
    train, valid = dataset["train"], dataset["valid"]
    assert len(train) and len(valid)
    assert not set(train["path"]) & set(valid["path"])
    assert not set(train["content"]) & set(valid["content"])


def test_same_seed_same_sample_and_another_seed_another():
    first = code.build_codeparrot_dataset(seed=1, max_mb=0.2)
    again = code.build_codeparrot_dataset(seed=1, max_mb=0.2)
    other = code.build_codeparrot_dataset(seed=2, max_mb=0.2)
    assert first["train"]["path"] == again["train"]["path"] and first["valid"]["path"] == again["valid"]["path"]
    assert first["train"]["path"] != other["train"]["path"]


@pytest.mark.parametrize(
    "kwargs, message",
    [({"max_mb": 0}, "max_mb must be positive"), ({"valid_fraction": 1.0}, "valid_fraction must be between")],
)
def test_bad_sizes_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        code.build_codeparrot_dataset(**kwargs)


def test_missing_packages_give_a_clear_error(monkeypatch):
    monkeypatch.setattr(code, "SOURCE_PACKAGES", {"no_such_module": "no-such-distribution"})
    with pytest.raises(RuntimeError, match="No Python source"):
        code.python_files(max_file_kb=64)


def test_installed_sources_lists_versions_of_present_packages():
    versions = code.installed_sources()
    assert versions and set(versions) <= set(code.SOURCE_PACKAGES.values())


def test_bpe_round_trips_code_exactly(dataset, tmp_path):
    from transformers import AutoTokenizer

    folder = build_gpt2_tokenizer(tmp_path, list(dataset["train"]["content"]), vocab_size=600, max_length=32)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert tokenizer.pad_token == tokenizer.eos_token == "<|endoftext|>" and tokenizer.eos_token_id == 0
    for text in ["def f(x):\n\treturn x  # café ✓\n", "    \n\n  trailing  ", dataset["valid"][0]["content"]]:
        assert tokenizer.decode(tokenizer(text)["input_ids"]) == text


def test_bpe_ids_are_reproducible_on_the_tiny_corpus():
    from helpers import tiny

    texts = list(tiny.codeparrot_dataset()["train"]["content"])
    first = json.loads(train_byte_level_bpe(texts, tiny.CODE_VOCAB_SIZE).to_str())["model"]
    second = json.loads(train_byte_level_bpe(texts, tiny.CODE_VOCAB_SIZE).to_str())["model"]
    assert first["vocab"] == second["vocab"]
    assert first["merges"] == second["merges"]  # order matters for BPE


def notebook_function(name, namespace):
    """Execute the notebook's cell that defines ``name`` (only the definition) in ``namespace``."""
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    (cell,) = [c for c in cells if "".join(c["source"]).startswith(f"def {name}(")]
    source = "".join(cell["source"]).split("\n\n\n")[0]
    exec(source, namespace)
    return namespace[name]


def test_notebook_chunking_keeps_only_full_length_chunks(dataset, tmp_path):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(
        build_gpt2_tokenizer(tmp_path, list(dataset["train"]["content"]), vocab_size=600, max_length=16)
    )
    tokenize = notebook_function("tokenize", {"tokenizer": tokenizer, "context_length": 16})
    short, long = "x = 1\n", "import pandas as pd\n" * 20
    chunks = tokenize({"content": [short, long]})["input_ids"]
    n_long = len(tokenizer(long)["input_ids"])
    assert len(chunks) == n_long // 16  # the short file and the long file's tail are dropped
    assert all(len(chunk) == 16 for chunk in chunks)
    assert sum(chunks, []) == tokenizer(long)["input_ids"][: 16 * len(chunks)]  # consecutive, nothing skipped
    assert tokenize({"content": [short]})["input_ids"] == []
