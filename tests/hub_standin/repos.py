"""The fixture repositories that the Hub stand-in serves: every id full mode loads, laid out like the real one.

The contents are the tiny-mode data and checkpoints, so the files are small, but the layout is the
real repository's: branch, folders, file names and formats, split names, columns and features.
Where each layout fact comes from is written next to it; "stored copy" means a crawled copy of
the Hub page or file, read through the project's search tool on 2026-12-02 (the live Hub cannot be
reached from here). Where a fact could not be found, the layout is the one that is hardest for
the notebook's code, and the comment says so.

The tree is built once into the tiny cache (``helpers.tiny.cache``), keyed on the tiny entries it is
built from, and ``expected_rows.json`` at its root says how many rows each served split holds, so
that a test can check that a notebook loaded exactly one configuration's rows.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from hub_standin.server import revision_folder

from helpers.tiny.cache import cached_build

FIXTURES_VERSION = "hub-fixtures-v4"
EXPECTED_ROWS = "expected_rows.json"
PARQUET_BRANCH = "refs/convert/parquet"
# The real models' position range (BERT, DistilBERT and MarianMT all have 512): notebook 6's full
# windows are 384 tokens, more than the tiny models' 128.
HUB_POSITIONS = 512
GITATTRIBUTES = "*.parquet filter=lfs diff=lfs merge=lfs -text\n*.bin filter=lfs diff=lfs merge=lfs -text\n*.safetensors filter=lfs diff=lfs merge=lfs -text\n*.jsonl filter=lfs diff=lfs merge=lfs -text\n"

# Helsinki-NLP/kde4's Parquet branch holds one folder per language pair of its loading script,
# each with only a train split (the blame of that branch's .gitattributes, stored copy; the pairs
# are kde4.py's _LANGUAGE_PAIRS in huggingface/datasets).
KDE4_PAIRS = ("en-fr", "en-it", "fi-nl", "it-ro", "nl-sv")
# The languages and two of the categories of the Multilingual Amazon Reviews Corpus
# (amazon_reviews_multi.py in huggingface/datasets); the notebook keeps en + es and the first two.
REVIEW_LANGUAGES = ("de", "en", "es", "fr", "ja", "zh")
REVIEW_CATEGORIES = ("book", "digital_ebook_purchase", "home", "wireless", "toy")


def repo_dir(root: Path, kind: str, repo_id: str) -> Path:
    """Return the folder of repository ``repo_id`` (kind ``models`` or ``datasets``) under ``root``."""
    return root / kind / repo_id


def _branch(root: Path, kind: str, repo_id: str, branch: str = "main") -> Path:
    folder = revision_folder(repo_dir(root, kind, repo_id), branch)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".gitattributes").write_text(GITATTRIBUTES)
    return folder


def _write_parquet(rows, path: Path) -> int:
    """Write a ``datasets.Dataset`` to ``path`` as Parquet (its features go into the schema metadata); return its rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows.to_parquet(str(path))
    return len(rows)


def _readme(config: str, splits: dict[str, str], features) -> str:
    """Return a dataset card whose YAML declares ``config`` with one data-files pattern per split, as Hub conversions write it."""
    import yaml

    data_files = [{"split": split, "path": pattern} for split, pattern in splits.items()]
    header = {
        "configs": [{"config_name": config, "data_files": data_files}],
        "dataset_info": {"config_name": config, "features": features._to_yaml_list()},
    }
    return f"---\n{yaml.safe_dump(header, sort_keys=False)}---\n\nA small stand-in for tests, laid out like the real repository.\n"


# --- data sets ---------------------------------------------------------------------------------


def _conll2003(root: Path) -> dict:
    from helpers import tiny

    # refs/convert/parquet holds one config folder, conll2003/, with train, validation and test,
    # each a single 0000.parquet, and no README (the branch's commit history, stored copy; the
    # folder name is conll2003.py's BUILDER_CONFIGS). Features as in conll2003.py: id, tokens,
    # pos_tags (47 names), chunk_tags (23), ner_tags (9), the lists helpers.tiny.ner copies.
    branch = _branch(root, "datasets", "eriktks/conll2003", PARQUET_BRANCH)
    data = tiny.ner_dataset()
    counts = {split: _write_parquet(rows, branch / "conll2003" / split / "0000.parquet") for split, rows in data.items()}
    return {"eriktks/conll2003": {"conll2003": counts}}


def _kde4(root: Path) -> dict:
    from datasets import Dataset, Features, Translation, Value

    from helpers import tiny

    branch = _branch(root, "datasets", "Helsinki-NLP/kde4", PARQUET_BRANCH)
    pairs = tiny.kde4_dataset()["train"]["translation"]
    counts = {}
    for index, name in enumerate(KDE4_PAIRS):
        first, second = name.split("-")
        if name == "en-fr":
            chosen = pairs
        else:
            # The other pairs only need rows of their own shape and count, which a notebook that
            # read the wrong folder would show; their text is tagged with the folder's name.
            chosen = [{first: f"[{name}] {p['en']}", second: f"[{name}] {p['fr']}"} for p in pairs[: len(pairs) // (index + 1)]]
        features = Features({"id": Value("string"), "translation": Translation(languages=[first, second])})
        rows = Dataset.from_dict({"id": [str(i) for i in range(len(chosen))], "translation": chosen}, features=features)
        counts[name] = {"train": _write_parquet(rows, branch / name / "train" / "0000.parquet")}
    return {"Helsinki-NLP/kde4": counts}


def _amazon_reviews(root: Path) -> dict:
    from datasets import concatenate_datasets

    from helpers import tiny

    # refs/convert/parquet holds a single config folder, default/, with train, validation and
    # test (its tree page, stored copy; sized 1M-10M rows, so the languages are mixed in it and
    # the `language` column tells them apart). The shard names inside were not visible: a large
    # split is written in several shards, so train gets two here. The `main` branch could not be
    # seen; the notebook does not read it.
    branch = _branch(root, "datasets", "neonwatty/amazon_reviews_multi", PARQUET_BRANCH)
    data = tiny.reviews_dataset()
    counts: dict[str, dict[str, int]] = {"default": {}}
    # Rows per language and split, to check that a notebook kept exactly the languages it asked for.
    languages: dict[str, dict[str, int]] = {}
    for split, rows in data.items():
        # Spread the tiny rows over six languages and five categories, so that the notebook's
        # filter has something to drop.
        def relabel(row, index, split=split):
            language = REVIEW_LANGUAGES[index % len(REVIEW_LANGUAGES)]
            return {
                "language": language,
                "product_category": REVIEW_CATEGORIES[(index // len(REVIEW_LANGUAGES)) % len(REVIEW_CATEGORIES)],
                "review_id": f"{language}_{split}_{index:07d}",
            }

        rows = rows.map(relabel, with_indices=True)
        shards = [rows.shard(2, i, contiguous=True) for i in range(2)] if split == "train" else [rows]
        for number, shard in enumerate(shards):
            _write_parquet(shard, branch / "default" / split / f"{number:04d}.parquet")
        counts["default"][split] = len(concatenate_datasets(shards))
        for language in REVIEW_LANGUAGES:
            languages.setdefault(language, {})[split] = sum(1 for value in rows["language"] if value == language)
    return {"neonwatty/amazon_reviews_multi": counts, "amazon_reviews_languages": languages}


def _join_contexts(rows, per_context: int):
    """Return the SQuAD-shaped ``rows`` with every ``per_context`` successive contexts joined into one, answers moved along."""
    contexts = list(dict.fromkeys(rows["context"]))
    joined, offset_of = {}, {}
    for first in range(0, len(contexts), per_context):
        group = contexts[first : first + per_context]
        text = " ".join(group)
        position = 0
        for context in group:
            joined[context], offset_of[context] = text, position
            position += len(context) + 1

    def move(row):
        offset = offset_of[row["context"]]
        answers = {"text": row["answers"]["text"], "answer_start": [start + offset for start in row["answers"]["answer_start"]]}
        return {"context": joined[row["context"]], "answers": answers}

    return rows.map(move)


def _squad(root: Path) -> dict:
    from helpers import tiny

    # main holds plain_text/train-00000-of-00001.parquet and plain_text/validation-00000-of-00001.parquet
    # (public code resolves these URLs), and the one config is plain_text (the viewer page,
    # stored copy). The README's `configs:` block is what the Hub's Parquet conversion writes.
    # The tiny biographies are shorter than full mode's 384-token windows; four joined into one
    # context make most contexts need two windows or more, as SQuAD's longest paragraphs do.
    branch = _branch(root, "datasets", "rajpurkar/squad")
    data = tiny.squad_dataset()
    data = type(data)({split: _join_contexts(rows, per_context=4) for split, rows in data.items()})
    counts = {split: _write_parquet(rows, branch / "plain_text" / f"{split}-00000-of-00001.parquet") for split, rows in data.items()}
    patterns = {split: f"plain_text/{split}-*" for split in data}
    (branch / "README.md").write_text(_readme("plain_text", patterns, data["train"].features))
    return {"rajpurkar/squad": {"plain_text": counts}}


def _imdb(root: Path) -> dict:
    from helpers import tiny

    # main holds plain_text/{test,train,unsupervised}-00000-of-00001.parquet (its tree page,
    # stored copy), config plain_text, label a ClassLabel neg/pos (imdb.py).
    branch = _branch(root, "datasets", "stanfordnlp/imdb")
    data = tiny.imdb_dataset()
    counts = {split: _write_parquet(rows, branch / "plain_text" / f"{split}-00000-of-00001.parquet") for split, rows in data.items()}
    patterns = {split: f"plain_text/{split}-*" for split in data}
    (branch / "README.md").write_text(_readme("plain_text", patterns, data["train"].features))
    return {"stanfordnlp/imdb": {"plain_text": counts}}


def _codeparrot(root: Path) -> dict:
    from helpers import tiny

    # Each repository's main holds .gitattributes and one JSON-lines file, codeparrot-ds-train.jsonl
    # and codeparrot-ds-valid.jsonl, and no README (their tree pages, stored copies). datasets names
    # the split after the file: "valid" makes it a validation split.
    data = tiny.codeparrot_dataset()
    counts = {}
    for name, split in (("train", "train"), ("valid", "validation")):
        repo_id = f"huggingface-course/codeparrot-ds-{name}"
        branch = _branch(root, "datasets", repo_id)
        data[name].to_json(str(branch / f"codeparrot-ds-{name}.jsonl"), lines=True)
        counts[repo_id] = {"default": {split: len(data[name])}}
    return counts


# --- checkpoints -------------------------------------------------------------------------------


def _copy(source: Path, target: Path, names: list[str]) -> None:
    for name in names:
        shutil.copyfile(source / name, target / name)


def _widen_positions(model_class, source: str, target: Path, attribute: str, **save_options) -> None:
    """Save the model of ``source`` to ``target`` with a 512-position table whose first rows are the tiny model's."""
    import torch

    small = model_class.from_pretrained(source)
    wide = model_class.from_pretrained(source, max_position_embeddings=HUB_POSITIONS, ignore_mismatched_sizes=True)
    old, new = small.get_submodule(attribute).weight, wide.get_submodule(attribute).weight
    with torch.no_grad():
        new[: old.shape[0]] = old
    wide.save_pretrained(target, **save_options)


def _wordpiece_files(source: Path, branch: Path, lower_case: bool) -> None:
    """Write a BERT-style repository's tokenizer files (tokenizer.json, vocab.txt, a two-key tokenizer_config.json) from ``source``."""
    _copy(source, branch, ["tokenizer.json"])
    vocab = json.loads((source / "tokenizer.json").read_text())["model"]["vocab"]
    (branch / "vocab.txt").write_text("".join(token + "\n" for token, _ in sorted(vocab.items(), key=lambda item: item[1])))
    (branch / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": lower_case, "model_max_length": HUB_POSITIONS}))


def _bert(root: Path) -> None:
    from transformers import BertForMaskedLM

    from helpers import tiny

    # main: config.json, model.safetensors, tokenizer.json, tokenizer_config.json (49 bytes: the
    # casing and the 512-token limit), vocab.txt, besides TF/Flax weights that PyTorch never reads
    # (its tree page, stored copy). No special_tokens_map.json.
    source = Path(tiny.bert_checkpoint())
    branch = _branch(root, "models", "google-bert/bert-base-cased")
    _widen_positions(BertForMaskedLM, str(source), branch, "bert.embeddings.position_embeddings")
    _wordpiece_files(source, branch, lower_case=False)


def _distilbert(root: Path) -> None:
    from transformers import DistilBertForMaskedLM

    from helpers import tiny

    # main: config.json, model.safetensors, tokenizer.json, tokenizer_config.json (48 bytes),
    # vocab.txt, besides weights for other frameworks (its tree page, stored copy).
    source = Path(tiny.distilbert_checkpoint())
    branch = _branch(root, "models", "distilbert/distilbert-base-uncased")
    _widen_positions(DistilBertForMaskedLM, str(source), branch, "distilbert.embeddings.position_embeddings")
    _wordpiece_files(source, branch, lower_case=True)


def _distilbert_squad(root: Path) -> None:
    import torch
    from transformers import AutoConfig, DistilBertConfig, DistilBertForQuestionAnswering

    from helpers import tiny

    # main: config.json, model.safetensors, tokenizer.json, tokenizer_config.json, vocab.txt,
    # besides weights for other frameworks that PyTorch never reads (its tree page at 9d43c42,
    # stored copy): a DistilBertForQuestionAnswering with a cased vocabulary and 512 positions.
    # The tokenizer_config.json written here (casing and length limit) copies bert-base-cased's;
    # the real file's contents were not read. No tiny model is fine-tuned for question answering,
    # so the weights are a small seeded random DistilBERT on the tiny cased BERT's vocabulary:
    # its answers mean nothing, and only the download and the post-processing path are exercised.
    source = Path(tiny.bert_checkpoint())
    branch = _branch(root, "models", "distilbert/distilbert-base-cased-distilled-squad")
    bert = AutoConfig.from_pretrained(source)
    config = DistilBertConfig(
        vocab_size=bert.vocab_size,
        pad_token_id=bert.pad_token_id,
        max_position_embeddings=HUB_POSITIONS,
        dim=32,
        n_layers=2,
        n_heads=2,
        hidden_dim=64,
    )
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = DistilBertForQuestionAnswering(config)
    model.save_pretrained(branch)
    _wordpiece_files(source, branch, lower_case=False)


def _opus_mt(root: Path) -> None:
    from transformers import MarianMTModel

    from helpers import tiny

    # main: config.json, generation_config.json, pytorch_model.bin (no model.safetensors: that is
    # only on unmerged conversion-bot pull requests), source.spm, target.spm, vocab.json and a
    # 42-byte tokenizer_config.json naming the two languages (its tree page and commits, stored
    # copies). MarianMT's positions are sinusoidal, so widening them only changes the config.
    source = Path(tiny.marian_checkpoint())
    branch = _branch(root, "models", "Helsinki-NLP/opus-mt-en-fr")
    model = MarianMTModel.from_pretrained(str(source), max_position_embeddings=HUB_POSITIONS)
    model.save_pretrained(branch, safe_serialization=False)
    _copy(source, branch, ["source.spm", "target.spm", "vocab.json"])
    # The OPUS-MT conversions keep Marian's decoding settings in generation_config.json: max_length
    # 512 and num_beams 4, the pad token as a bad word, renormalized logits (a stored copy of a
    # script that checks Helsinki-NLP/opus-mt-en-jap's file; en-fr's own file was not found, and
    # is assumed to be converted alike). A stored max_length is what makes transformers warn when
    # a notebook also passes max_new_tokens, so the stand-in must have it too.
    generation = json.loads((source / "generation_config.json").read_text())
    pad = generation["pad_token_id"]
    generation.update({"max_length": 512, "num_beams": 4, "bad_words_ids": [[pad]], "renormalize_logits": True})
    (branch / "generation_config.json").write_text(json.dumps(generation, indent=2))
    (branch / "tokenizer_config.json").write_text(json.dumps({"target_lang": "fr", "source_lang": "en"}))


def _mt5(root: Path) -> None:
    from transformers import MT5ForConditionalGeneration

    from helpers import tiny

    # main: config.json (tokenizer_class T5Tokenizer), generation_config.json, pytorch_model.bin,
    # special_tokens_map.json, spiece.model, tokenizer_config.json, and no tokenizer.json and no
    # model.safetensors (its tree at 73fb5db, stored copy): the tokenizer is converted from
    # spiece.model when it is loaded. mT5 has relative positions, so nothing to widen.
    source = Path(tiny.mt5_checkpoint())
    branch = _branch(root, "models", "google/mt5-small")
    model = MT5ForConditionalGeneration.from_pretrained(str(source))
    model.config.tokenizer_class = "T5Tokenizer"
    model.save_pretrained(branch, safe_serialization=False)
    _copy(source, branch, ["spiece.model"])
    special = {"eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"}
    (branch / "special_tokens_map.json").write_text(json.dumps(special))
    (branch / "tokenizer_config.json").write_text(json.dumps({**special, "extra_ids": 0}))


def _code_tokenizer(root: Path) -> None:
    from helpers import tiny

    # main: merges.txt, special_tokens_map.json, tokenizer.json, tokenizer_config.json and
    # vocab.json, no README (the tree of its twin sgugger/code-search-net-tokenizer, stored copy;
    # the course's own repository's page was not found).
    source = Path(tiny.code_tokenizer())
    branch = _branch(root, "models", "huggingface-course/code-search-net-tokenizer")
    _copy(source, branch, ["tokenizer.json"])
    model = json.loads((source / "tokenizer.json").read_text())["model"]
    (branch / "vocab.json").write_text(json.dumps(model["vocab"], ensure_ascii=False))
    merges = [merge if isinstance(merge, str) else " ".join(merge) for merge in model["merges"]]
    (branch / "merges.txt").write_text("#version: 0.2\n" + "".join(merge + "\n" for merge in merges))
    eos = "<|endoftext|>"
    special = {"bos_token": eos, "eos_token": eos, "unk_token": eos}
    (branch / "special_tokens_map.json").write_text(json.dumps(special))
    config = {**special, "add_prefix_space": False, "model_max_length": 1024, "tokenizer_class": "GPT2Tokenizer"}
    (branch / "tokenizer_config.json").write_text(json.dumps(config))


# Each data-set builder returns {repository: {configuration: {split: rows}}}; checkpoints return None.
BUILDERS: tuple[Callable[[Path], dict | None], ...] = (
    _conll2003, _imdb, _kde4, _amazon_reviews, _codeparrot, _squad,
    _bert, _distilbert, _distilbert_squad, _opus_mt, _mt5, _code_tokenizer,
)  # fmt: skip


def _tiny_sources() -> dict:
    """Return the identity of every tiny entry the fixtures are made from (building any that is missing)."""
    from helpers import tiny

    checkpoints = (tiny.bert_checkpoint, tiny.distilbert_checkpoint, tiny.marian_checkpoint, tiny.mt5_checkpoint, tiny.code_tokenizer)
    data = (tiny.ner_dataset, tiny.imdb_dataset, tiny.kde4_dataset, tiny.reviews_dataset, tiny.codeparrot_dataset, tiny.squad_dataset)
    sources: dict = {build.__name__: Path(build()).name for build in checkpoints}
    for build in data:
        sources[build.__name__] = {split: rows._fingerprint for split, rows in build().items()}
    return sources


def build_fixture_hub() -> Path:
    """Return the folder of the fixture repositories (built once into the tiny cache)."""

    def build(root: Path) -> None:
        from datasets.utils import logging as datasets_logging
        from transformers.utils import logging as transformers_logging

        expected: dict = {}
        verbosity = transformers_logging.get_verbosity()
        bars_were_on = [lib for lib in (datasets_logging, transformers_logging) if lib.is_progress_bar_enabled()]
        for lib in bars_were_on:  # the test log needs no "Creating parquet" or "Loading weights" bars
            lib.disable_progress_bar()
        transformers_logging.set_verbosity_error()  # nor the load report of the widened position tables
        try:
            for builder in BUILDERS:
                expected.update(builder(root) or {})
        finally:
            for lib in bars_were_on:
                lib.enable_progress_bar()
            transformers_logging.set_verbosity(verbosity)
        (root / EXPECTED_ROWS).write_text(json.dumps(expected, indent=1, sort_keys=True))

    params = {"builder": FIXTURES_VERSION, "sources": _tiny_sources()}
    return cached_build("hub-stand-in", params, build)


def expected_rows(root: Path) -> dict:
    """Return the rows per repository, configuration and split that the fixture tree serves.

    ``amazon_reviews_languages`` holds the reviews' rows per language and split as well.
    """
    return json.loads((root / EXPECTED_ROWS).read_text())
