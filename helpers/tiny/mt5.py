"""A small mT5 with a locally trained SentencePiece tokenizer, saved like a Hub checkpoint.

mT5's tokenizer is a SentencePiece *unigram* model stored as ``spiece.model``: we train one with
the ``sentencepiece`` library using T5's special ids (pad 0, end of sequence 1, unknown 2, no
beginning-of-sequence token). Reading that file back needs ``protobuf``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

SPIECE = "spiece.model"
T5_SPECIAL_IDS = {"pad": 0, "eos": 1, "unk": 2, "bos": -1}


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
    pretraining_texts: Sequence[str] = (),
    pretrain_steps: int = 0,
    seed: int = 0,
) -> Path:
    """Write a small mT5 and its SentencePiece tokenizer to ``folder``; return ``folder``.

    With ``pretrain_steps`` the model first learns for that many steps to copy
    ``pretraining_texts`` (unlabelled text) from its input to its output, on one thread. The real
    mT5 was pretrained on a large multilingual corpus before anyone fine-tuned it; copying is a
    cheap stand-in that teaches the decoder to read the encoder's output, which a model trained
    from scratch on a thousand summaries does not learn in a few minutes.

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

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SPIECE).write_bytes(train_sentencepiece(texts, vocab_size, special_ids=T5_SPECIAL_IDS, seed=seed))
    # T5Tokenizer.from_pretrained converts spiece.model; extra_ids=0: no <extra_id_*> sentinels.
    T5Tokenizer.from_pretrained(str(folder), extra_ids=0, model_max_length=max_length).save_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    if len(tokenizer) != vocab_size:
        raise RuntimeError(
            f"The saved tokenizer has {len(tokenizer)} tokens but {vocab_size} were trained: "
            "it did not read spiece.model (is protobuf installed?)."
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
        if not pretraining_texts:
            raise ValueError("pretrain_steps needs pretraining_texts to copy.")
        started = time.perf_counter()
        with torch_threads(1):
            # A pair (text, text) is a copying example.
            losses = pretrain_translation(
                model, tokenizer, [(text, text) for text in pretraining_texts], steps=pretrain_steps, copy_fraction=0.0, seed=seed
            )
        record = pretraining_record(losses, time.perf_counter() - started, threads=1)
        (folder / PRETRAINING_RECORD).write_text(json.dumps(record, indent=2) + "\n")
    model.save_pretrained(folder)
    return folder
