"""Tiny mode: small data sets and checkpoints built offline, cached, and loaded like Hub ones.

Each ``*_dataset()`` returns a ``DatasetDict`` with the Hub data set's columns and features;
each ``*_checkpoint()`` returns a local folder to pass to ``from_pretrained``.
"""

from __future__ import annotations

import hashlib
import json
import string

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from datasets import DatasetDict, load_from_disk

from helpers.tiny.cache import cache_dir, cached_build, clear, entry_key
from helpers.tiny.checkpoints import build_bert, build_distilbert, build_gpt2_tokenizer, build_marian

__all__ = [
    "cache_dir",
    "clear",
    "ner_dataset",
    "imdb_dataset",
    "distilbert_checkpoint",
    "general_corpus",
    "kde4_dataset",
    "marian_checkpoint",
    "codeparrot_dataset",
    "code_tokenizer",
    "reviews_dataset",
    "mt5_checkpoint",
    "squad_dataset",
    "bert_checkpoint",
]

NER_SIZES = {"train": 8000, "validation": 300, "test": 500}
# The tiny DistilBERT: its size, and its short general pretraining (see ``distilbert_checkpoint``).
DISTILBERT_SETTINGS = {
    "vocab_size": 4000,
    "hidden_size": 64,
    "num_layers": 2,
    "num_heads": 4,
    "pretrain_steps": 1500,
    "block_size": 32,
}
# How much code the tiny causal-LM corpus holds, and the share of its files held out.
CODE_SIZES = {"max_mb": 0.8, "valid_fraction": 0.1, "max_file_kb": 64}
CODE_VOCAB_SIZE = 8000
# How many made-up reviews each split of the tiny reviews-shaped data holds (English and Spanish,
# six categories, of which the notebook keeps two: about 60 % of the rows).
REVIEW_SIZES = {"train": 3000, "validation": 200, "test": 400}
# No dropout: the tiny model trains for a few hundred steps, too few to overfit. The vocabulary
# is about the most SentencePiece can make of the reviews' few hundred distinct words, and ten
# sentinels serve the pretraining: 500 steps of 32 restoring 3,000 unlabelled reviews with
# spans of words hidden, T5's span corruption (see ``mt5_checkpoint``).
MT5_SETTINGS = {
    "vocab_size": 320, "sentinels": 10, "d_model": 128, "d_ff": 256, "d_kv": 32, "num_layers": 2, "num_heads": 4,
    "max_length": 128, "dropout_rate": 0.0, "pretrain_steps": 500,
}
MT5_PRETRAINING_TEXTS = 3000


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


def _cached_dataset(name: str, params: dict, build: Callable[[], DatasetDict]) -> DatasetDict:
    """Return the data set that ``build()`` makes: built once into the cache entry, then read from it."""
    folder = cached_build(name, params, _quietly(lambda tmp: build().save_to_disk(str(tmp))))
    return load_from_disk(str(folder), keep_in_memory=True)


_HELPERS = Path(__file__).resolve().parent.parent


def _code(*files: str) -> str:
    """Return a short digest of these files of ``helpers/``: the code a build runs is part of its cache key.

    An edit to a builder's module (its word pools, templates or training loop) thus gives a new
    cache entry, and the stale one is never read again.
    """
    digest = hashlib.sha256()
    for name in files:
        digest.update(name.encode() + b"\0" + (_HELPERS / name).read_bytes())
    return digest.hexdigest()[:12]


def _versions(packages: tuple[str, ...]) -> dict[str, str]:
    """Return the installed version of each package (data built from a package keys on it)."""
    from importlib.metadata import version

    return {name: version(name) for name in packages}


# ``ner.name_pools`` feeds the NER data, the SQuAD-shaped data and the BERT's pretraining
# biographies, so all three keys hold the code of ner.py.
def _ner_params(seed: int) -> dict:
    # The names come from these two packages, so their versions are part of the cache key.
    sources = _versions(("faker", "tzdata"))
    return {"builder": "ner-v2", "code": _code("tiny/ner.py"), "seed": seed, "sizes": NER_SIZES, "sources": sources}


def ner_dataset(seed: int = 0) -> DatasetDict:
    """Return the tiny CoNLL-2003-shaped NER data (train / validation / test)."""
    from helpers.tiny.ner import build_ner_dataset

    return _cached_dataset("ner-data", _ner_params(seed), lambda: build_ner_dataset(seed, NER_SIZES))


# Tiny translation data: interface strings of 3 to 10 English words, which a small model
# trained from scratch for a minute can learn (longer ones are rare and slow to learn).
KDE4_WORDS = {"min_words": 3, "max_words": 10}


def _kde4_params(include_system: bool) -> dict:
    from helpers.tiny.catalogs import LANGUAGE_PACK_DISTRIBUTION, system_catalogs

    # The pairs come from the language pack (and optionally the system catalogs), so the
    # pack's version (and the system files' names and sizes) are part of the cache key.
    sources: dict = _versions((LANGUAGE_PACK_DISTRIBUTION,))
    if include_system:
        sources["system"] = {path.name: path.stat().st_size for path in system_catalogs()}
    return {"builder": "kde4-v1", "code": _code("tiny/catalogs.py"), **KDE4_WORDS, "include_system": include_system, "sources": sources}


def kde4_dataset(include_system: bool = False) -> DatasetDict:
    """Return the tiny KDE4-shaped en→fr data: one ``train`` split with a ``translation`` column.

    ``include_system=True`` adds the system's French catalogs (``/usr/share/locale/fr``), which
    differ between machines; by default only the JupyterLab French language pack is read.
    """
    from helpers.tiny.catalogs import build_kde4_dataset

    return _cached_dataset(
        "kde4-data", _kde4_params(include_system), lambda: build_kde4_dataset(include_system, **KDE4_WORDS)
    )


def imdb_dataset(seed: int = 0) -> DatasetDict:
    """Return the tiny IMDB-shaped data (train / test / unsupervised) built from Python's documentation.

    Its texts are the prose of the ``pydoc_data`` reference topics and of the standard library's
    docstrings; no topic or module has texts in both the test split and another split.
    """
    import sys

    from helpers.tiny.prose import build_imdb_dataset, domain_documents

    params = {"builder": "imdb-v2", "code": _code("tiny/prose.py"), "seed": seed, "python": sys.version}
    return _cached_dataset("imdb-data", params, lambda: build_imdb_dataset(domain_documents(), seed))


# The tiny MarianMT: its size, and its short general pretraining (see ``marian_checkpoint``).
MARIAN_SETTINGS = {
    "vocab_size": 800,
    "d_model": 128,
    "num_layers": 1,
    "num_heads": 4,
    "ffn_dim": 256,
    "max_length": 32,
    "pretrain_steps": 800,
    "copy_fraction": 0.3,
    "batch_size": 32,
    "learning_rate": 2e-3,
}


def marian_checkpoint(seed: int = 0) -> str:
    """Return the folder of a small MarianMT (en→fr) with a short *general* pretraining, and its ``MarianTokenizer``.

    Its tokenizer and its pretraining (800 steps of translation mixed with copying) use
    ``catalogs.general_pairs``: Django's and Sphinx's French catalogs and the JupyterLab pack's
    one- and two-word labels. No English string of the tiny KDE4-shaped data is among them.
    """
    from helpers.tiny.catalogs import GENERAL_PACKAGES, general_pairs

    params = {
        "builder": "marian-v3",
        "code": _code("tiny/catalogs.py", "tiny/checkpoints.py"),
        "seed": seed,
        # The pairs come from these packages, minus the tiny data's strings: both are in the key.
        "corpus": {"general": _versions(tuple(GENERAL_PACKAGES.values())), "excluded": entry_key("kde4-data", _kde4_params(False))},
        **MARIAN_SETTINGS,
    }

    def build(folder: Path) -> None:
        excluded = [pair["en"] for pair in kde4_dataset()["train"]["translation"]]
        build_marian(folder, general_pairs(exclude=excluded), seed=seed, **MARIAN_SETTINGS)

    return str(cached_build("marian-en-fr", params, _quietly(build)))


def distilbert_checkpoint(seed: int = 0) -> str:
    """Return the folder of a small uncased DistilBERT with a short *general* pretraining.

    Its tokenizer and its pretraining (1,500 steps of masked language modelling on blocks of 32
    tokens, two heads of each layer started on the neighbouring tokens) use the docstrings of
    🤗 Transformers (machine-learning prose about models, layers and tensors), a different corpus
    from the tiny IMDB-shaped data, which is Python's own documentation.
    """
    from helpers.tiny.prose import GENERAL_PACKAGES

    params = {"builder": "distilbert-v4", "code": _code("tiny/prose.py", "tiny/checkpoints.py"), "seed": seed, "corpus": _versions(GENERAL_PACKAGES), **DISTILBERT_SETTINGS}

    def build(tmp: Path) -> None:
        build_distilbert(tmp, general_corpus(), seed=seed, **DISTILBERT_SETTINGS)

    return str(cached_build("distilbert-uncased-general", params, _quietly(build)))


def general_corpus() -> list[str]:
    """Return the tiny DistilBERT's "general" corpus, ``prose.general_texts()``, from the cache (reading the docstrings takes about 20 s)."""
    from helpers.tiny.prose import GENERAL_PACKAGES, general_texts

    params = {"builder": "general-corpus-v1", "code": _code("tiny/prose.py"), "corpus": _versions(GENERAL_PACKAGES)}

    def build(tmp: Path) -> None:
        (tmp / "paragraphs.json").write_text(json.dumps(general_texts(), ensure_ascii=False), encoding="utf-8")

    folder = cached_build("general-corpus", params, build)
    return json.loads((folder / "paragraphs.json").read_text(encoding="utf-8"))


def _codeparrot_params(seed: int) -> dict:
    from helpers.tiny.code import installed_sources

    # The files come from these packages, so their versions are part of the cache key.
    return {"builder": "codeparrot-v1", "code": _code("tiny/code.py", "causal_lm.py"), "seed": seed, "sizes": CODE_SIZES, "sources": installed_sources()}


def codeparrot_dataset(seed: int = 0) -> DatasetDict:
    """Return the tiny codeparrot-ds-shaped data (train / valid): Python files of installed data-science packages."""
    from helpers.tiny.code import build_codeparrot_dataset

    return _cached_dataset(
        "codeparrot-data", _codeparrot_params(seed), lambda: build_codeparrot_dataset(seed, **CODE_SIZES)
    )


def code_tokenizer(seed: int = 0) -> str:
    """Return the folder of a byte-level BPE GPT-2 tokenizer trained on the tiny code's training split."""
    settings = {"vocab_size": CODE_VOCAB_SIZE, "max_length": 64}
    # The key names the exact corpus (the data entry's key), so new data means a new tokenizer.
    params = {"builder": "gpt2-bpe-v1", "code": _code("tiny/checkpoints.py"), "corpus": entry_key("codeparrot-data", _codeparrot_params(seed)), **settings}

    def build(folder: Path) -> None:
        build_gpt2_tokenizer(folder, codeparrot_dataset(seed)["train"]["content"], **settings)

    return str(cached_build("gpt2-code-tokenizer", params, _quietly(build)))


def _reviews_params(seed: int) -> dict:
    # The reviews are drawn from word pools in helpers/tiny/reviews.py, whose code is in the key.
    return {"builder": "reviews-v3", "code": _code("tiny/reviews.py"), "seed": seed, "sizes": REVIEW_SIZES}


def reviews_dataset(seed: int = 0) -> DatasetDict:
    """Return the tiny Amazon-reviews-shaped data (train / validation / test): made-up English and Spanish reviews."""
    from helpers.tiny.reviews import build_reviews_dataset

    return _cached_dataset("reviews-data", _reviews_params(seed), lambda: build_reviews_dataset(seed, REVIEW_SIZES))


def mt5_checkpoint(seed: int = 0) -> str:
    """Return the folder of a small mT5, briefly pretrained on unlabelled reviews, with a SentencePiece tokenizer.

    The tokenizer is trained on the tiny reviews' training split. The model then learns, for
    500 steps on one thread (about 70 s, cached; ``pretraining.json`` in the folder says how it
    went), to restore ``MT5_PRETRAINING_TEXTS`` review bodies drawn apart from the data set's (no
    titles) whose words were hidden in spans, as mT5 was pretrained. Without such a start, the
    model does not learn to read its input within the notebook's few hundred steps and writes
    the same title for every review.
    """
    from helpers.tiny.mt5 import build_mt5
    from helpers.tiny.reviews import unlabelled_reviews

    # The key names the exact corpus (the data entry's key), so new data means a new tokenizer.
    params = {
        "builder": "mt5-v3", "code": _code("tiny/mt5.py", "tiny/checkpoints.py"), "corpus": entry_key("reviews-data", _reviews_params(seed)),
        "pretraining_texts": MT5_PRETRAINING_TEXTS, "seed": seed, **MT5_SETTINGS,
    }  # fmt: skip

    def build(folder: Path) -> None:
        train = reviews_dataset(seed)["train"]
        build_mt5(
            folder,
            list(train["review_body"]) + list(train["review_title"]),
            pretraining_texts=unlabelled_reviews(seed, MT5_PRETRAINING_TEXTS),
            seed=seed,
            **MT5_SETTINGS,
        )

    return str(cached_build("mt5-reviews", params, _quietly(build)))


# How many questions each split of the tiny SQuAD-shaped data holds (four per biography).
SQUAD_SIZES = {"train": 3000, "validation": 400}
# The course's tiny cased BERT (see ``bert_checkpoint``), the stand-in for bert-base-cased in
# notebooks 1 and 6, and its masked-language-modelling pretraining: 2,000 steps of 32 blocks of
# 32 tokens drawn from 1,500 biographies, each block at a random place among the 128 positions,
# 30 % of the tokens masked, on one thread (about 76 s on an idle core; 1,350 steps gave NER F1
# 0.934 and QA F1 62.1 where 2,000 give 0.969 and 65.9). Its feed-forward layers
# are as wide as its hidden size rather than four times wider: per second of pretraining that
# trained better than BERT's usual shape. Its tokenizer learns from statements only, so printable
# ASCII (the questions' "?") is added.
BERT_SETTINGS = {
    "vocab_size": 4000, "alphabet": string.printable.strip(), "hidden_size": 128, "num_layers": 2, "num_heads": 4,
    "intermediate_size": 128, "max_length": 128, "dropout": 0.0, "pretrain_steps": 2000, "block_size": 32, "mlm_probability": 0.3, "shifted_positions": True,
    "learning_rate": 1e-3, "pretrain_threads": 1,
}  # fmt: skip
BERT_PRETRAINING_TEXTS = 1500
# The tokenizer also learns from this many strings of everyday English words (see ``bert_checkpoint``).
BERT_TOKENIZER_SENTENCES = 3000


def _squad_params(seed: int) -> dict:
    # The fillers come from Faker and tzdata, so their versions are part of the cache key.
    return {"builder": "squad-v2", "code": _code("tiny/squad.py", "tiny/ner.py"), "seed": seed, "sizes": SQUAD_SIZES, "sources": _versions(("faker", "tzdata"))}


def squad_dataset(seed: int = 0) -> DatasetDict:
    """Return the tiny SQuAD-shaped data (train / validation): questions about made-up biographies."""
    from helpers.tiny.squad import build_squad_dataset

    return _cached_dataset("squad-data", _squad_params(seed), lambda: build_squad_dataset(seed, SQUAD_SIZES))


def bert_checkpoint(seed: int = 0) -> str:
    """Return the folder of this repository's small cased BERT (the stand-in for bert-base-cased), briefly pretrained with masked language modelling.

    Notebooks 1 (NER) and 6 (question answering) fine-tune it, as the full mode fine-tunes
    bert-base-cased in both. Its pretraining (2,000 steps on one thread, about 80 s, cached;
    ``pretraining.json`` in the folder says how long it took) uses 1,500 biographies of the same
    kind as the tiny SQuAD-shaped contexts, none of them a context of the QA data. Its WordPiece
    tokenizer learns from those biographies and from ``BERT_TOKENIZER_SENTENCES`` strings of
    everyday English words (``ner.everyday_sentences``), so that common words are whole tokens
    and rarer words and names come in pieces, as in BERT's own vocabulary. A small BERT first
    spends a few hundred steps predicting only frequent tokens; fine-tuned before it gets well
    past that, it reads the question poorly and misses notebook 6's bar.
    """
    from helpers.tiny.ner import everyday_sentences
    from helpers.tiny.squad import pretraining_texts

    params = {
        "builder": "bert-v7",
        "code": _code("tiny/checkpoints.py", "tiny/squad.py", "tiny/ner.py"),
        "seed": seed,
        "corpus": {"texts": BERT_PRETRAINING_TEXTS, "tokenizer_sentences": BERT_TOKENIZER_SENTENCES, **_squad_params(seed)["sources"]},
        **BERT_SETTINGS,
    }

    def build(folder: Path) -> None:
        build_bert(
            folder,
            pretraining_texts(seed, BERT_PRETRAINING_TEXTS),
            tokenizer_texts=everyday_sentences(seed, BERT_TOKENIZER_SENTENCES),
            seed=seed,
            **BERT_SETTINGS,
        )

    return str(cached_build("bert-cased-biographies", params, _quietly(build)))
