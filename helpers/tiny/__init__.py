"""Tiny mode: small data sets and checkpoints built offline, cached, and loaded like Hub ones.

Each ``*_dataset()`` returns a ``DatasetDict`` with the Hub data set's columns and features;
each ``*_checkpoint()`` returns a local folder to pass to ``from_pretrained``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from datasets import DatasetDict, load_from_disk

from helpers.tiny.cache import cache_dir, cached_build, clear, entry_key
from helpers.tiny.checkpoints import build_bert

__all__ = ["cache_dir", "clear", "ner_dataset", "ner_checkpoint"]

NER_SIZES = {"train": 8000, "validation": 300, "test": 500}


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


def _ner_params(seed: int) -> dict:
    from importlib.metadata import version

    # The names come from these two packages, so their versions are part of the cache key.
    sources = {name: version(name) for name in ("faker", "tzdata")}
    return {"builder": "ner-v1", "seed": seed, "sizes": NER_SIZES, "sources": sources}


def ner_dataset(seed: int = 0) -> DatasetDict:
    """Return the tiny CoNLL-2003-shaped NER data (train / validation / test)."""
    from helpers.tiny.ner import build_ner_dataset

    folder = cached_build(
        "ner-data",
        _ner_params(seed),
        _quietly(lambda tmp: build_ner_dataset(seed, NER_SIZES).save_to_disk(str(tmp))),
    )
    return load_from_disk(str(folder), keep_in_memory=True)


def ner_checkpoint(seed: int = 0) -> str:
    """Return the folder of a small, randomly initialised cased BERT for the tiny NER data.

    Its WordPiece vocabulary is trained on the training sentences and kept small (1,000
    tokens), so names split into short pieces that many words share: the model has to
    recognise an entity from its context rather than memorise the names it was trained on.
    """
    settings = {"lowercase": False, "vocab_size": 1000, "num_heads": 4, "seed": seed}
    # The key names the exact corpus (the data entry's key), so new data means a new tokenizer.
    params = {"builder": "bert-v1", "corpus": entry_key("ner-data", _ner_params(seed)), **settings}

    def build(folder: Path) -> None:
        texts = [" ".join(tokens) for tokens in ner_dataset(seed)["train"]["tokens"]]
        build_bert(folder, texts, **settings)

    return str(cached_build("bert-cased-ner", params, _quietly(build)))
