"""Small checkpoints that load like Hub ones: a locally trained tokenizer plus a model from a config.

Each builder writes a folder that ``AutoTokenizer.from_pretrained(folder)`` and
``AutoModelFor*.from_pretrained(folder)`` read exactly as they read a Hub checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast, PreTrainedModel, PreTrainedTokenizerBase

BERT_SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def train_wordpiece(texts: Iterable[str], vocab_size: int, lowercase: bool) -> Tokenizer:
    """Return a BERT-style WordPiece tokenizer trained on ``texts``, with reproducible token ids.

    The trainer numbers its tokens in an order that changes from run to run (it breaks ties by
    hash order). WordPiece only uses the set of tokens, so we renumber them: special tokens
    first, then the rest in sorted order. On a corpus big enough to have no ties at the
    vocabulary cut-off, such as the tiny NER corpus, the same texts then give the same ids.
    """
    normalizer = normalizers.BertNormalizer(lowercase=lowercase, strip_accents=lowercase)
    trained = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    trained.normalizer = normalizer
    trained.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size, special_tokens=BERT_SPECIAL_TOKENS, show_progress=False
    )
    trained.train_from_iterator(texts, trainer=trainer)
    others = sorted(set(trained.get_vocab()) - set(BERT_SPECIAL_TOKENS))
    vocab = {token: i for i, token in enumerate(BERT_SPECIAL_TOKENS + others)}

    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", continuing_subword_prefix="##"))
    tokenizer.normalizer = normalizer
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    tokenizer.decoder = decoders.WordPiece(prefix="##")
    return tokenizer


def save_checkpoint(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, folder: Path) -> Path:
    """Save ``model`` and ``tokenizer`` side by side in ``folder`` and return it."""
    folder = Path(folder)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def build_bert(
    folder: Path,
    texts: Iterable[str],
    *,
    lowercase: bool = False,
    vocab_size: int = 4000,
    hidden_size: int = 128,
    num_layers: int = 2,
    num_heads: int = 2,
    max_length: int = 128,
    seed: int = 0,
) -> Path:
    """Write a small randomly initialised BERT (with its MLM head) and its tokenizer to ``folder``."""
    backend = train_wordpiece(texts, vocab_size=vocab_size, lowercase=lowercase)
    tokenizer = BertTokenizerFast(
        tokenizer_object=backend, do_lower_case=lowercase, model_max_length=max_length
    )
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        intermediate_size=4 * hidden_size,
        max_position_embeddings=max_length,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = BertForMaskedLM(config)
    return save_checkpoint(model, tokenizer, folder)


def train_byte_level_bpe(texts: Iterable[str], vocab_size: int, eos_token: str = "<|endoftext|>") -> Tokenizer:
    """Return a GPT-2-style byte-level BPE tokenizer trained on ``texts``, with ``eos_token`` as id 0.

    Byte-level means every string can be encoded (the 256 bytes are in the vocabulary) and
    decoding gives back exactly the text that was encoded, spaces and newlines included.
    """
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[eos_token],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return tokenizer


def build_gpt2_tokenizer(folder: Path, texts: Iterable[str], *, vocab_size: int = 2000, max_length: int = 128) -> Path:
    """Write a byte-level BPE ``GPT2TokenizerFast`` trained on ``texts``, with pad = eos, to ``folder``."""
    from transformers import GPT2TokenizerFast

    eos = "<|endoftext|>"
    tokenizer = GPT2TokenizerFast(
        tokenizer_object=train_byte_level_bpe(texts, vocab_size, eos),
        bos_token=eos,
        eos_token=eos,
        unk_token=eos,
        pad_token=eos,
        model_max_length=max_length,
    )
    tokenizer.save_pretrained(folder)
    return Path(folder)
