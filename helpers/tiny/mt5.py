"""A small mT5 with a locally trained SentencePiece tokenizer, saved like a Hub checkpoint.

mT5's tokenizer is a SentencePiece *unigram* model stored as ``spiece.model``: we train one with
the ``sentencepiece`` library using T5's special ids (pad 0, end of sequence 1, unknown 2, no
beginning-of-sequence token). Reading that file back needs ``protobuf``.

The model can be pretrained, briefly, with T5's own objective, *span corruption*: spans of a text
are replaced by sentinel tokens (``<extra_id_0>``, ``<extra_id_1>``, ...) and the model writes the
missing spans, each after its sentinel. T5 and mT5 hide 15 % of the tokens in spans of three on
average (Raffel et al. 2020, the T5 paper; Xue et al. 2021, the mT5 paper); here whole words
are hidden, which needs no tokenizer.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

SPIECE = "spiece.model"
T5_SPECIAL_IDS = {"pad": 0, "eos": 1, "unk": 2, "bos": -1}
# T5's span corruption: the share of the words hidden, and the mean length of a hidden span.
NOISE_DENSITY = 0.15
MEAN_SPAN_LENGTH = 3


def sentinel(index: int) -> str:
    """Return the sentinel token number ``index`` as T5's tokenizers name it (``<extra_id_0>``, ...)."""
    return f"<extra_id_{index}>"


def span_corruption(
    text: str,
    rng: random.Random,
    *,
    sentinels: int,
    noise_density: float = NOISE_DENSITY,
    mean_span_length: float = MEAN_SPAN_LENGTH,
) -> tuple[str, str]:
    """Return the (input, target) pair of T5's span corruption for ``text``, hiding whole words.

    About ``noise_density`` of the words are hidden, in spans of ``mean_span_length`` words on
    average, at places drawn with ``rng``. In the input each span becomes one sentinel; the
    target gives every span after its sentinel and ends with the next sentinel, as T5's do. Two
    spans never touch, and there are at most ``sentinels - 1`` of them.
    """
    if sentinels < 2:
        raise ValueError(f"Span corruption needs at least 2 sentinels (one span and the closing one), not {sentinels}.")
    if not 0 < noise_density < 1:
        raise ValueError(f"noise_density is a share between 0 and 1, not {noise_density}.")
    words = text.split()
    if len(words) < 2:
        raise ValueError(f"Span corruption needs a text of at least two words, not {text!r}.")
    hidden = min(len(words) - 1, max(1, round(len(words) * noise_density)))
    kept = len(words) - hidden
    spans = max(1, min(sentinels - 1, kept, round(hidden / mean_span_length)))
    lengths = [1] * spans
    for _ in range(hidden - spans):
        lengths[rng.randrange(spans)] += 1
    # Span k follows the first cuts[k] kept words: distinct cuts keep spans apart.
    cuts = sorted(rng.sample(range(1, kept + 1), spans))
    source, target, position, kept_so_far = [], [], 0, 0
    for index, (cut, length) in enumerate(zip(cuts, lengths)):
        source += words[position : position + cut - kept_so_far]
        position += cut - kept_so_far
        kept_so_far = cut
        source.append(sentinel(index))
        target += [sentinel(index), *words[position : position + length]]
        position += length
    source += words[position:]
    target.append(sentinel(spans))
    return " ".join(source), " ".join(target)


def build_mt5(
    folder: Path,
    texts: Iterable[str],
    *,
    vocab_size: int = 3000,
    d_model: int = 128,
    d_ff: int = 256,
    num_layers: int = 2,
    num_heads: int = 4,
    d_kv: int = 32,
    max_length: int = 192,
    initializer_factor: float = 0.05,
    dropout_rate: float = 0.1,
    sentinels: int = 0,
    pretraining_texts: Sequence[str] = (),
    pretrain_steps: int = 0,
    seed: int = 0,
) -> Path:
    """Write a small mT5 and its SentencePiece tokenizer to ``folder``; return ``folder``.

    The tokenizer has ``vocab_size`` SentencePiece pieces followed by ``sentinels`` sentinel
    tokens. With ``pretrain_steps`` the model first learns for that many steps, on one thread, to
    restore ``pretraining_texts`` (unlabelled text) corrupted as in T5's pretraining (see
    ``span_corruption``; each text is corrupted once). The real mT5 was pretrained so on a large
    multilingual corpus before anyone fine-tuned it; a few hundred steps are a cheap stand-in
    that teaches the decoder to look words up in the encoder's output, which a model trained from
    scratch on a thousand summaries does not learn in a few minutes.

    The tokenizer is loaded back with ``AutoTokenizer`` before the model is built, and its
    length is checked against the vocabulary that was trained: a tokenizer that silently fell
    back to a default vocabulary would otherwise go unnoticed. ``initializer_factor`` scales the
    initial weights; mT5's default (1.0) makes an untrained model's loss start near 60, far above
    the ln(vocabulary size) of a uniform guess, while 0.05 starts close to it.
    """
    import torch
    from helpers.tiny.checkpoints import PRETRAINING_RECORD, pretrain_translation, pretraining_record, torch_threads
    from transformers import AutoTokenizer, MT5Config, MT5ForConditionalGeneration, T5Tokenizer

    from helpers.tiny.checkpoints import train_sentencepiece

    if pretrain_steps and not pretraining_texts:
        raise ValueError("pretrain_steps needs pretraining_texts to learn from.")
    if pretrain_steps and sentinels < 2:
        raise ValueError(f"Span-corruption pretraining needs at least 2 sentinels, not {sentinels}.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SPIECE).write_bytes(train_sentencepiece(texts, vocab_size, special_ids=T5_SPECIAL_IDS, seed=seed))
    # T5Tokenizer.from_pretrained converts spiece.model and adds the <extra_id_*> sentinels.
    T5Tokenizer.from_pretrained(str(folder), extra_ids=sentinels, model_max_length=max_length).save_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    if len(tokenizer) != vocab_size + sentinels:
        raise RuntimeError(
            f"The saved tokenizer has {len(tokenizer)} tokens but {vocab_size} pieces and {sentinels} sentinels "
            "were made: it did not read spiece.model (is protobuf installed?)."
        )
    config = MT5Config(
        vocab_size=len(tokenizer),
        d_model=d_model,
        d_ff=d_ff,
        d_kv=d_kv,
        num_layers=num_layers,
        num_decoder_layers=num_layers,
        num_heads=num_heads,
        initializer_factor=initializer_factor,
        dropout_rate=dropout_rate,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = MT5ForConditionalGeneration(config)
    if pretrain_steps:
        rng = random.Random(seed)
        pairs = [span_corruption(text, rng, sentinels=sentinels) for text in pretraining_texts]
        started = time.perf_counter()
        with torch_threads(1):
            # Each (corrupted text, missing spans) pair is trained like a translation.
            losses = pretrain_translation(model, tokenizer, pairs, steps=pretrain_steps, copy_fraction=0.0, seed=seed)
        record = pretraining_record(losses, time.perf_counter() - started, threads=1)
        (folder / PRETRAINING_RECORD).write_text(json.dumps(record, indent=2) + "\n")
    model.save_pretrained(folder)
    return folder
