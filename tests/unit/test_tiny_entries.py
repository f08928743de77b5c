"""The cached tiny-mode entry points that the notebooks call."""

import pytest

from helpers import tiny
from helpers.tiny import cache


@pytest.fixture
def small_ner(monkeypatch):
    monkeypatch.setattr(tiny, "NER_SIZES", {"train": 120, "validation": 20, "test": 20})


def test_ner_dataset_is_built_once_then_read_from_the_cache(tmp_cache, small_ner, monkeypatch):
    first = tiny.ner_dataset()
    entries = sorted(p.name for p in tmp_cache.iterdir())
    import helpers.tiny.ner as ner_module

    monkeypatch.setattr(ner_module, "build_ner_dataset", lambda *a, **k: pytest.fail("rebuilt"))
    second = tiny.ner_dataset()
    assert first["train"]["tokens"] == second["train"]["tokens"]
    assert sorted(p.name for p in tmp_cache.iterdir()) == entries


def test_corrupted_ner_entry_is_rebuilt_not_crashed_on(tmp_cache, small_ner):
    first = tiny.ner_dataset()
    (entry,) = [p for p in tmp_cache.iterdir() if p.name.startswith("ner-data")]
    arrow = next(entry.rglob("*.arrow"))
    arrow.write_bytes(arrow.read_bytes()[:100])
    with pytest.warns(UserWarning, match="Rebuilding"):
        second = tiny.ner_dataset()
    assert second["test"]["tokens"] == first["test"]["tokens"]
    assert cache.check_entry(entry) is None


def test_kde4_dataset_is_cached_and_keyed_on_the_language_pack_version(tmp_cache, monkeypatch):
    first = tiny.kde4_dataset()
    (entry,) = [p for p in tmp_cache.iterdir() if p.name.startswith("kde4-data")]
    import helpers.tiny.catalogs as catalogs

    monkeypatch.setattr(catalogs, "build_kde4_dataset", lambda *a, **k: pytest.fail("rebuilt"))
    assert tiny.kde4_dataset()["train"]["translation"] == first["train"]["translation"]
    params = tiny._kde4_params(include_system=False)
    assert catalogs.LANGUAGE_PACK_DISTRIBUTION in params["sources"]
    assert entry.name == cache.entry_key("kde4-data", params)


@pytest.fixture
def small_marian(monkeypatch):
    """A small, briefly pretrained MarianMT, so that building is quick."""
    monkeypatch.setitem(tiny.MARIAN_SETTINGS, "d_model", 32)
    monkeypatch.setitem(tiny.MARIAN_SETTINGS, "ffn_dim", 64)
    monkeypatch.setitem(tiny.MARIAN_SETTINGS, "pretrain_steps", 3)


def test_marian_checkpoint_is_a_reusable_local_folder(tmp_cache, small_marian, monkeypatch):
    from transformers import AutoTokenizer

    folder = tiny.marian_checkpoint()
    monkeypatch.setattr(tiny, "kde4_dataset", lambda *a, **k: pytest.fail("data loaded"))
    monkeypatch.setattr(tiny, "build_marian", lambda *a, **k: pytest.fail("rebuilt"))
    assert tiny.marian_checkpoint() == folder
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert type(tokenizer).__name__ == "MarianTokenizer" and tokenizer.model_max_length == tiny.MARIAN_SETTINGS["max_length"]


def test_marian_pretraining_never_sees_a_string_of_the_tiny_data(tmp_cache, small_marian, monkeypatch):
    import helpers.tiny.catalogs as catalogs

    seen = {}
    real_build = tiny.build_marian

    def spy(folder, pairs, **settings):
        seen["pairs"] = pairs
        return real_build(folder, pairs, **settings)

    monkeypatch.setattr(tiny, "build_marian", spy)
    tiny.marian_checkpoint()
    tiny_english = {pair["en"] for pair in tiny.kde4_dataset()["train"]["translation"]}
    assert seen["pairs"] and not tiny_english & {source for source, _ in seen["pairs"]}
    assert set(catalogs.GENERAL_PACKAGES) == {"django", "sphinx"}


def test_marian_checkpoint_key_names_the_general_corpus_versions(tmp_cache, small_marian):
    import json

    tiny.marian_checkpoint()
    (entry,) = [p for p in tmp_cache.iterdir() if p.name.startswith("marian-en-fr")]
    params = json.loads((entry / cache.MANIFEST).read_text())["params"]
    assert set(params["corpus"]["general"]) == {"Django", "Sphinx"}
    assert params["corpus"]["excluded"] == cache.entry_key("kde4-data", tiny._kde4_params(False))


@pytest.fixture
def small_distilbert(monkeypatch):
    """A few small documents and a small, briefly pretrained model, so that building is quick."""
    import helpers.tiny.prose as prose

    sentences = [f"Function number {i} returns a list of {i % 7} items in order." for i in range(400)]
    docs = [prose.Document(f"topic:t{i}", "topic", " ".join(sentences[i : i + 20])) for i in range(0, 400, 20)]
    docs += [prose.Document(f"stdlib:m{i}", "docstring", " ".join(sentences[i : i + 10])) for i in range(0, 400, 10)]
    monkeypatch.setattr(prose, "domain_documents", lambda: docs)
    monkeypatch.setattr(prose, "general_texts", lambda packages=prose.GENERAL_PACKAGES: sentences)
    monkeypatch.setitem(tiny.DISTILBERT_SETTINGS, "vocab_size", 200)
    monkeypatch.setitem(tiny.DISTILBERT_SETTINGS, "hidden_size", 32)
    monkeypatch.setitem(tiny.DISTILBERT_SETTINGS, "pretrain_steps", 3)


def test_imdb_dataset_is_built_once_then_read_from_the_cache(tmp_cache, small_distilbert, monkeypatch):
    first = tiny.imdb_dataset()
    assert set(first) == {"train", "test", "unsupervised"}
    import helpers.tiny.prose as prose

    monkeypatch.setattr(prose, "build_imdb_dataset", lambda *a, **k: pytest.fail("rebuilt"))
    assert list(tiny.imdb_dataset()["test"]["text"]) == list(first["test"]["text"])


def test_general_corpus_reads_the_docstrings_once_then_comes_from_the_cache(tmp_cache, monkeypatch):
    import helpers.tiny.prose as prose

    calls = []
    paragraphs = ["Returns the model's logits.", "Ünïcode stays as it is.", ""]
    monkeypatch.setattr(prose, "general_texts", lambda packages=prose.GENERAL_PACKAGES: calls.append(1) or paragraphs)
    assert tiny.general_corpus() == paragraphs
    assert tiny.general_corpus() == paragraphs
    assert len(calls) == 1


def test_distilbert_checkpoint_is_a_reusable_uncased_folder(tmp_cache, small_distilbert, monkeypatch):
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    folder = tiny.distilbert_checkpoint()
    import helpers.tiny as tiny_package

    monkeypatch.setattr(tiny_package, "build_distilbert", lambda *a, **k: pytest.fail("rebuilt"))
    assert tiny.distilbert_checkpoint() == folder
    assert AutoTokenizer.from_pretrained(folder).tokenize("Function") == ["function"]
    assert AutoModelForMaskedLM.from_pretrained(folder).config.model_type == "distilbert"


@pytest.fixture
def small_code(monkeypatch):
    monkeypatch.setattr(tiny, "CODE_SIZES", {"max_mb": 0.15, "valid_fraction": 0.2, "max_file_kb": 64})
    monkeypatch.setattr(tiny, "CODE_VOCAB_SIZE", 500)


def test_codeparrot_dataset_and_tokenizer_are_cached(tmp_cache, small_code, monkeypatch):
    from transformers import AutoTokenizer

    import helpers.tiny.code as code_module

    first = tiny.codeparrot_dataset()
    folder = tiny.code_tokenizer()
    monkeypatch.setattr(code_module, "build_codeparrot_dataset", lambda *a, **k: pytest.fail("rebuilt"))
    assert tiny.codeparrot_dataset()["train"]["path"] == first["train"]["path"]
    assert tiny.code_tokenizer() == folder
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert len(tokenizer) == 500 and tokenizer.pad_token == tokenizer.eos_token


def test_codeparrot_cache_key_names_the_source_package_versions(tmp_cache, small_code):
    import json

    from helpers.tiny.code import installed_sources

    tiny.codeparrot_dataset()
    (entry,) = [p for p in tmp_cache.iterdir() if p.name.startswith("codeparrot-data")]
    params = json.loads((entry / cache.MANIFEST).read_text())["params"]
    assert params["sources"] == installed_sources() and "pandas" in params["sources"]


def test_cached_code_tokenizer_does_not_load_the_data(tmp_cache, small_code, monkeypatch):
    folder = tiny.code_tokenizer()
    monkeypatch.setattr(tiny, "codeparrot_dataset", lambda *a, **k: pytest.fail("data loaded"))
    assert tiny.code_tokenizer() == folder


def test_code_tokenizer_follows_the_data_it_was_trained_on(tmp_cache, small_code, monkeypatch):
    first = tiny.code_tokenizer()
    monkeypatch.setitem(tiny.CODE_SIZES, "max_mb", 0.1)
    assert tiny.code_tokenizer() != first  # another corpus, so another tokenizer


@pytest.fixture
def small_squad(monkeypatch):
    monkeypatch.setattr(tiny, "SQUAD_SIZES", {"train": 40, "validation": 12})
    monkeypatch.setattr(tiny, "BERT_PRETRAINING_TEXTS", 60)
    monkeypatch.setattr(tiny, "BERT_TOKENIZER_SENTENCES", 100)
    small = {**tiny.BERT_SETTINGS, "vocab_size": 300, "hidden_size": 32, "pretrain_steps": 2, "block_size": 16}
    monkeypatch.setattr(tiny, "BERT_SETTINGS", small)


def test_squad_dataset_is_built_once_then_read_from_the_cache(tmp_cache, small_squad, monkeypatch):
    first = tiny.squad_dataset()
    assert first.num_rows == {"train": 40, "validation": 12}
    import helpers.tiny.squad as squad_module

    monkeypatch.setattr(squad_module, "build_squad_dataset", lambda *a, **k: pytest.fail("rebuilt"))
    assert tiny.squad_dataset()["validation"]["id"] == first["validation"]["id"]


def test_bert_checkpoint_is_a_reusable_cased_folder_whose_tokenizer_knows_question_marks(tmp_cache, small_squad, monkeypatch):
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    folder = tiny.bert_checkpoint()
    monkeypatch.setattr(tiny, "build_bert", lambda *a, **k: pytest.fail("rebuilt"))
    assert tiny.bert_checkpoint() == folder
    tokenizer = AutoTokenizer.from_pretrained(folder)
    # The biographies hold no "?", but the questions do: it must not become [UNK].
    assert tokenizer.unk_token not in tokenizer.tokenize("Where was Ada born?")
    assert tokenizer.tokenize("Ada")[0][0] == "A"  # cased
    assert AutoModelForQuestionAnswering.from_pretrained(folder).config.hidden_dropout_prob == 0.0


def test_bert_checkpoint_records_how_long_its_pretraining_took(tmp_cache, small_squad):
    import json
    from pathlib import Path

    record = json.loads((Path(tiny.bert_checkpoint()) / "pretraining.json").read_text())
    assert record["steps"] == 2 and record["threads"] == tiny.BERT_SETTINGS["pretrain_threads"]
    assert record["seconds"] >= 0 and record["first_loss"] > 0 and record["last_loss"] > 0


def test_bert_checkpoint_pretrains_on_other_documents_than_the_qa_contexts(tmp_cache, small_squad, monkeypatch):
    seen = {}

    def spy(folder, texts, **settings):
        seen["texts"], seen["settings"] = list(texts), settings
        return tiny.checkpoints.build_bert(folder, texts, **settings)

    monkeypatch.setattr(tiny, "build_bert", spy)
    tiny.bert_checkpoint()
    contexts = set(tiny.squad_dataset()["train"]["context"]) | set(tiny.squad_dataset()["validation"]["context"])
    assert len(seen["texts"]) == 60 and not contexts & set(seen["texts"])
    assert seen["settings"]["pretrain_steps"] == 2


def test_bert_checkpoint_key_follows_its_settings(tmp_cache, small_squad, monkeypatch):
    first = tiny.bert_checkpoint()
    monkeypatch.setattr(tiny, "BERT_SETTINGS", {**tiny.BERT_SETTINGS, "pretrain_steps": 3})
    assert tiny.bert_checkpoint() != first


def test_an_edit_to_a_builders_code_gives_its_entries_new_cache_keys(tmp_path, monkeypatch):
    # A copy of helpers/ where only ner.py changes: the NER data, the SQuAD-shaped data and the
    # BERT read its name pools, so their keys change; the reviews' keys do not.
    import shutil

    copy = tmp_path / "helpers"
    shutil.copytree(tiny._HELPERS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    keys = {
        "ner": lambda: cache.entry_key("ner-data", tiny._ner_params(0)),
        "squad": lambda: cache.entry_key("squad-data", tiny._squad_params(0)),
        "reviews": lambda: cache.entry_key("reviews-data", tiny._reviews_params(0)),
    }
    before = {name: key() for name, key in keys.items()}
    monkeypatch.setattr(tiny, "_HELPERS", copy)
    assert {name: key() for name, key in keys.items()} == before  # same code, same keys
    (copy / "tiny" / "ner.py").write_text((copy / "tiny" / "ner.py").read_text() + "\n# an edit\n")
    after = {name: key() for name, key in keys.items()}
    assert after["ner"] != before["ner"] and after["squad"] != before["squad"]
    assert after["reviews"] == before["reviews"]


def test_every_file_named_in_a_cache_key_exists():
    # _code reads the files it is given by name: a module renamed without updating the keys that
    # name it fails here rather than at a learner's first build.
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(tiny))
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_code"]
    assert len(calls) == 12  # one for each cache entry
    for call in calls:
        for argument in call.args:
            assert (tiny._HELPERS / argument.value).is_file(), argument.value
