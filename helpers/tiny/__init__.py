"""Tiny mode: small data sets and checkpoints built offline, cached, and loaded like Hub ones.

Each ``*_dataset()`` returns a ``DatasetDict`` with the Hub data set's columns and features;
each ``*_checkpoint()`` returns a local folder to pass to ``from_pretrained``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from datasets import DatasetDict, load_from_disk

from helpers.tiny.cache import cache_dir, cached_build, clear
from helpers.tiny.checkpoints import build_bert, build_gpt2_tokenizer

__all__ = ["cache_dir", "clear", "ner_dataset", "ner_checkpoint", "codeparrot_dataset", "code_tokenizer"]

NER_SIZES = {"train": 8000, "validation": 300, "test": 500}
# How much code the tiny causal-LM corpus holds, and the share of its files held out.
CODE_SIZES = {"max_mb": 0.8, "valid_fraction": 0.1, "max_file_kb": 64}
CODE_VOCAB_SIZE = 8000


@contextmanager
def _progress_bars_off() -> Iterator[None]:
    """Silence the datasets and transformers progress bars during a build, then restore them."""
    from datasets.utils import logging as datasets_logging
    from transformers.utils import logging as transformers_logging

    datasets_were_on = datasets_logging.is_progress_bar_enabled()
    transformers_were_on = transformers_logging.is_progress_bar_enabled()
    datasets_logging.disable_progress_bar()
    transformers_logging.disable_progress_bar()
    try:
        yield
    finally:
        if datasets_were_on:
            datasets_logging.enable_progress_bar()
        if transformers_were_on:
            transformers_logging.enable_progress_bar()


def _quietly(build: Callable[[Path], object]) -> Callable[[Path], None]:
    def run(folder: Path) -> None:
        with _progress_bars_off():
            build(folder)

    return run


def ner_dataset(seed: int = 0) -> DatasetDict:
    """Return the tiny CoNLL-2003-shaped NER data (train / validation / test)."""
    from importlib.metadata import version

    from helpers.tiny.ner import build_ner_dataset

    # The names come from these two packages, so their versions are part of the cache key.
    sources = {name: version(name) for name in ("faker", "tzdata")}
    params = {"builder": "ner-v1", "seed": seed, "sizes": NER_SIZES, "sources": sources}
    folder = cached_build(
        "ner-data", params, _quietly(lambda tmp: build_ner_dataset(seed, NER_SIZES).save_to_disk(str(tmp)))
    )
    return load_from_disk(str(folder), keep_in_memory=True)


def ner_checkpoint(seed: int = 0) -> str:
    """Return the folder of a small, randomly initialised cased BERT for the tiny NER data.

    Its WordPiece vocabulary is trained on the training sentences and kept small (1,000
    tokens), so names split into short pieces that many words share: the model has to
    recognise an entity from its context rather than memorise the names it was trained on.
    """
    data = ner_dataset(seed)
    texts = [" ".join(tokens) for tokens in data["train"]["tokens"]]
    settings = {"lowercase": False, "vocab_size": 1000, "num_heads": 4, "seed": seed}
    params = {"builder": "bert-v1", "corpus": "ner-train", "n_texts": len(texts), **settings}
    folder = cached_build("bert-cased-ner", params, _quietly(lambda tmp: build_bert(tmp, texts, **settings)))
    return str(folder)


def codeparrot_dataset(seed: int = 0) -> DatasetDict:
    """Return the tiny codeparrot-ds-shaped data (train / valid): Python files of installed data-science packages."""
    from helpers.tiny.code import build_codeparrot_dataset, installed_sources

    # The files come from these packages, so their versions are part of the cache key.
    params = {"builder": "codeparrot-v1", "seed": seed, "sizes": CODE_SIZES, "sources": installed_sources()}
    folder = cached_build(
        "codeparrot-data",
        params,
        _quietly(lambda tmp: build_codeparrot_dataset(seed, **CODE_SIZES).save_to_disk(str(tmp))),
    )
    return load_from_disk(str(folder), keep_in_memory=True)


def code_tokenizer(seed: int = 0) -> str:
    """Return the folder of a byte-level BPE GPT-2 tokenizer trained on the tiny code's training split."""
    data = codeparrot_dataset(seed)
    texts = data["train"]["content"]
    settings = {"vocab_size": CODE_VOCAB_SIZE, "max_length": 64}
    params = {"builder": "gpt2-bpe-v1", "corpus": "codeparrot-train", "seed": seed, "n_texts": len(texts), **settings}
    params["n_chars"] = sum(map(len, texts))
    folder = cached_build("gpt2-code-tokenizer", params, _quietly(lambda tmp: build_gpt2_tokenizer(tmp, texts, **settings)))
    return str(folder)
