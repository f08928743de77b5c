"""Small checkpoints that load like Hub ones: a locally trained tokenizer plus a model from a config.

Each builder writes a folder that ``AutoTokenizer.from_pretrained(folder)`` and
``AutoModelFor*.from_pretrained(folder)`` read exactly as they read a Hub checkpoint.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import (
    BertConfig,
    BertForMaskedLM,
    BertTokenizerFast,
    DataCollatorForLanguageModeling,
    DistilBertConfig,
    DistilBertForMaskedLM,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    get_scheduler,
)

BERT_SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def train_wordpiece(texts: Iterable[str], vocab_size: int, lowercase: bool, alphabet: str = "") -> Tokenizer:
    """Return a BERT-style WordPiece tokenizer trained on ``texts``; the same texts always give the same vocabulary.

    Every character of ``alphabet`` gets a token even if ``texts`` never use it (a question
    mark for a tokenizer trained on statements, say), so it never becomes ``[UNK]``.

    Left alone, the 🤗 Tokenizers trainer is not reproducible: it numbers the word-internal
    pieces of single characters (``##a``, ``##b``, ...) in hash order, which changes from run to
    run, and it breaks ties between equally frequent merges by those numbers, so two runs on
    the same texts keep a few different tokens. We hand it those pieces in sorted order up
    front (as extra special tokens of the trainer, plain tokens in the result), so every tie is
    broken the same way. Then we renumber the tokens: special tokens first, the rest sorted.
    """
    texts = list(texts)
    normalizer = normalizers.BertNormalizer(lowercase=lowercase, strip_accents=lowercase)
    characters = sorted(
        set(alphabet) | {c for text in texts for c in normalizer.normalize_str(text) if not c.isspace()}
    )
    trained = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    trained.normalizer = normalizer
    trained.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size,
        special_tokens=BERT_SPECIAL_TOKENS + [f"##{c}" for c in characters],
        initial_alphabet=sorted(set(alphabet)),
        show_progress=False,
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


def wordpiece_tokenizer(
    texts: Iterable[str], *, vocab_size: int, lowercase: bool, max_length: int, alphabet: str = ""
) -> BertTokenizerFast:
    """Return a fast BERT tokenizer around a WordPiece model trained on ``texts`` (see ``train_wordpiece``)."""
    backend = train_wordpiece(texts, vocab_size=vocab_size, lowercase=lowercase, alphabet=alphabet)
    return BertTokenizerFast(tokenizer_object=backend, do_lower_case=lowercase, model_max_length=max_length)


@contextmanager
def torch_threads(count: int = 1) -> Iterator[None]:
    """Run the block on ``count`` PyTorch threads, then restore the previous count.

    Build-time pretraining uses it, always with one thread: a fixed count gives the same
    numbers on machines with any number of cores, and one thread keeps its speed on a machine
    whose other cores are busy, where more threads than free cores wait for each other.
    """
    if count < 1:
        raise ValueError(f"The thread count must be at least 1, not {count}.")
    threads = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def save_checkpoint(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, folder: Path) -> Path:
    """Save ``model`` and ``tokenizer`` side by side in ``folder`` and return it."""
    folder = Path(folder)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


# The file in which ``build_bert`` and ``build_distilbert`` record how their pretraining went.
PRETRAINING_RECORD = "pretraining.json"

# The size of the sinusoidal start of a pretrained tiny BERT's position embeddings (its token
# embeddings start with a standard deviation of 0.02).
POSITION_INIT_SCALE = 0.05


def pretraining_record(losses: Sequence[float], seconds: float, threads: int) -> dict:
    """Return what ``PRETRAINING_RECORD`` holds: steps, seconds, threads and the mean loss of the first and last steps."""
    if not losses:
        raise ValueError("A pretraining record needs the loss of at least one step.")
    window = max(1, min(50, len(losses) // 10))  # losses are averaged over a few steps
    return {
        "steps": len(losses),
        "seconds": round(seconds, 1),
        "threads": threads,
        "first_loss": round(sum(losses[:window]) / window, 3),
        "last_loss": round(sum(losses[-window:]) / window, 3),
    }


def sinusoidal_positions(num_positions: int, dim: int) -> torch.Tensor:
    """Return the (num_positions, dim) table of sines and cosines of the original Transformer's position encoding."""
    if dim % 2:
        raise ValueError(f"The embedding size must be even to pair sines with cosines, not {dim}.")
    positions = torch.arange(num_positions, dtype=torch.float32)[:, None]
    frequencies = 10000 ** (-torch.arange(0, dim, 2, dtype=torch.float32) / dim)
    table = torch.zeros(num_positions, dim)
    table[:, 0::2] = torch.sin(positions * frequencies)
    table[:, 1::2] = torch.cos(positions * frequencies)
    return table


def build_bert(
    folder: Path,
    texts: Sequence[str],
    *,
    lowercase: bool = False,
    vocab_size: int = 4000,
    alphabet: str = "",
    hidden_size: int = 128,
    num_layers: int = 2,
    num_heads: int = 2,
    intermediate_size: int | None = None,
    max_length: int = 128,
    dropout: float = 0.1,
    pretrain_steps: int = 0,
    block_size: int = 64,
    learning_rate: float = 1e-3,
    mlm_probability: float = 0.15,
    shifted_positions: bool = False,
    pretrain_threads: int = 1,
    tokenizer_texts: Sequence[str] = (),
    seed: int = 0,
) -> Path:
    """Write a small BERT (with its MLM head), pretrained for ``pretrain_steps`` steps on ``texts``, and its tokenizer to ``folder``.

    The cased or uncased WordPiece tokenizer is trained on ``texts`` and ``tokenizer_texts``
    (text that the tokenizer learns words from but the model does not pretrain on), with a token
    for every character of ``alphabet``. The feed-forward layers are ``intermediate_size`` wide (default:
    four times ``hidden_size``, as in BERT). With ``pretrain_steps=0`` the model keeps its random
    initial weights. Before a pretraining, the learned position embeddings start as a small sinusoidal
    table rather than noise, so that the model can tell positions apart from the first step; a
    small BERT spends its first few hundred steps on a plateau where it only predicts frequent
    tokens. The pretraining runs on ``pretrain_threads`` PyTorch threads; its length in steps and
    seconds and its loss at the start and the end go to ``pretraining.json`` in ``folder``.
    """
    tokenizer = wordpiece_tokenizer(
        [*texts, *tokenizer_texts], vocab_size=vocab_size, lowercase=lowercase, max_length=max_length, alphabet=alphabet
    )
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        intermediate_size=intermediate_size or 4 * hidden_size,
        max_position_embeddings=max_length,
        hidden_dropout_prob=dropout,
        attention_probs_dropout_prob=dropout,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = BertForMaskedLM(config)
    if pretrain_steps:
        with torch.no_grad():
            model.bert.embeddings.position_embeddings.weight.copy_(
                POSITION_INIT_SCALE * sinusoidal_positions(max_length, hidden_size)
            )
    return _pretrain_and_save(
        model,
        tokenizer,
        texts,
        folder,
        steps=pretrain_steps,
        threads=pretrain_threads,
        block_size=block_size,
        learning_rate=learning_rate,
        mlm_probability=mlm_probability,
        shifted_positions=shifted_positions,
        seed=seed,
    )


def _pretrain_and_save(model, tokenizer, texts, folder: Path, *, steps: int, threads: int, **settings) -> Path:
    """Pretrain ``model`` for ``steps`` steps (none when 0), save it with ``tokenizer`` to ``folder``; return the folder.

    The pretraining runs on ``threads`` PyTorch threads with the prediction head on the masked
    tokens only, and ``PRETRAINING_RECORD`` in ``folder`` records it.
    """
    record = None
    if steps:
        started = time.perf_counter()
        with torch_threads(threads):
            losses = pretrain_mlm(model, tokenizer, texts, steps=steps, masked_positions_only=True, **settings)
        record = pretraining_record(losses, time.perf_counter() - started, threads)
    folder = save_checkpoint(model, tokenizer, folder)
    if record:
        (folder / PRETRAINING_RECORD).write_text(json.dumps(record, indent=2) + "\n")
    return folder


MARIAN_SPECIAL_TOKENS = ["</s>", "<unk>"]  # ids 0 and 1 in both SentencePiece models; <pad> comes last
MARIAN_SPECIAL_IDS = {"eos": 0, "unk": 1, "bos": -1, "pad": -1}


def train_sentencepiece(
    texts: Iterable[str],
    vocab_size: int,
    *,
    special_ids: dict[str, int],
    hard_vocab_limit: bool = True,
    seed: int = 0,
) -> bytes:
    """Return the bytes of a unigram SentencePiece model trained on ``texts``.

    ``special_ids`` gives the ids of ``pad``, ``eos``, ``unk`` and ``bos`` (-1: no such token),
    e.g. ``MARIAN_SPECIAL_IDS``. With ``hard_vocab_limit=False`` a small corpus may give fewer
    pieces than ``vocab_size``; otherwise it is an error. One thread and a fixed seed make the
    model the same from run to run.
    """
    import io

    import sentencepiece as spm

    texts = [text for text in texts if text.strip()]
    if not texts:
        raise ValueError("There is no text to train the tokenizer on.")
    spm.set_random_generator_seed(seed)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts),
        model_writer=model,
        model_type="unigram",
        vocab_size=vocab_size,
        hard_vocab_limit=hard_vocab_limit,
        character_coverage=1.0,
        **{f"{name}_id": index for name, index in special_ids.items()},
        num_threads=1,
        minloglevel=2,
    )
    return model.getvalue()


def _pieces(spm_model: bytes) -> list[str]:
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_proto=spm_model)
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


def marian_tokenizer(texts: Iterable[str], *, vocab_size: int, max_length: int, seed: int = 0):
    """Return a ``MarianTokenizer`` whose source and target models are one joint SentencePiece model.

    The model is trained on ``texts`` of both languages, so a name or a placeholder (``%1``,
    ``{name}``) is cut into the same pieces on both sides and copying it is the easiest thing to
    learn. The vocabulary is ``</s>`` (0), ``<unk>`` (1), the pieces, then ``<pad>``.
    """
    import json
    import tempfile

    from transformers import MarianTokenizer

    # No hard limit: the catalogs may offer fewer pieces than asked for.
    spm_model = train_sentencepiece(texts, vocab_size, special_ids=MARIAN_SPECIAL_IDS, hard_vocab_limit=False, seed=seed)
    vocab: dict[str, int] = {}
    for piece in MARIAN_SPECIAL_TOKENS + _pieces(spm_model) + ["<pad>"]:
        vocab.setdefault(piece, len(vocab))
    # The tokenizer reads its files once; save_pretrained writes them again from memory.
    with tempfile.TemporaryDirectory() as tmp:
        paths = {name: Path(tmp) / name for name in ("source.spm", "target.spm", "vocab.json")}
        paths["source.spm"].write_bytes(spm_model)
        paths["target.spm"].write_bytes(spm_model)
        paths["vocab.json"].write_text(json.dumps(vocab, ensure_ascii=False))
        return MarianTokenizer(
            source_spm=str(paths["source.spm"]),
            target_spm=str(paths["target.spm"]),
            vocab=str(paths["vocab.json"]),
            source_lang="en",
            target_lang="fr",
            model_max_length=max_length,
        )


def pretrain_translation(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    pairs: Sequence[tuple[str, str]],
    *,
    steps: int,
    copy_fraction: float = 0.3,
    batch_size: int = 32,
    learning_rate: float = 2e-3,
    label_smoothing: float = 0.1,
    seed: int = 0,
) -> list[float]:
    """Train ``model`` for ``steps`` steps on ``pairs`` mixed with copying; return the losses.

    A share ``copy_fraction`` of each batch asks the model to copy a text (English or French,
    taken from ``pairs``) unchanged: that teaches the attention to follow the source, and to carry
    names, numbers and placeholders over, faster than translation alone does. Batches are drawn
    with a seeded generator, so the same call gives the same model.
    """
    from transformers import DataCollatorForSeq2Seq

    if not pairs:
        raise ValueError("pretrain_translation needs at least one (source, target) pair.")
    if not 0 <= copy_fraction <= 1:
        raise ValueError(f"copy_fraction is a share between 0 and 1, not {copy_fraction}.")

    def encode(sources: list[str], targets: list[str]) -> list[dict]:
        encoded = tokenizer(sources, text_target=targets, max_length=tokenizer.model_max_length, truncation=True)
        columns = ("input_ids", "attention_mask", "labels")
        return [dict(zip(columns, row)) for row in zip(*(encoded[c] for c in columns))]

    translations = encode([s for s, _ in pairs], [t for _, t in pairs])
    texts = [text for pair in pairs for text in pair]
    copies = encode(texts, texts)
    collator = DataCollatorForSeq2Seq(tokenizer, model=model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    scheduler = get_scheduler("linear", optimizer, num_warmup_steps=max(1, steps // 10), num_training_steps=steps)
    rng = random.Random(seed)
    model.train()
    losses = []
    for _ in range(steps):
        features = [rng.choice(copies if rng.random() < copy_fraction else translations) for _ in range(batch_size)]
        batch = collator(features)
        labels = batch.pop("labels")
        logits = model(**batch).logits
        loss = torch.nn.functional.cross_entropy(
            logits.view(-1, logits.size(-1)), labels.view(-1), ignore_index=-100, label_smoothing=label_smoothing
        )
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    model.eval()
    return losses


def build_marian(
    folder: Path,
    pairs: Sequence[tuple[str, str]],
    *,
    vocab_size: int = 800,
    d_model: int = 128,
    num_layers: int = 1,
    num_heads: int = 4,
    ffn_dim: int = 256,
    max_length: int = 32,
    pretrain_steps: int = 0,
    copy_fraction: float = 0.3,
    batch_size: int = 32,
    learning_rate: float = 2e-3,
    seed: int = 0,
) -> Path:
    """Write a small MarianMT (en→fr), pretrained for ``pretrain_steps`` steps on ``pairs``, with its tokenizer, to ``folder``.

    The joint SentencePiece model is trained on both sides of ``pairs``. With
    ``pretrain_steps=0`` the model keeps its random initial weights.
    """
    from transformers import MarianConfig, MarianMTModel

    folder = Path(folder)
    texts = [text for pair in pairs for text in pair]
    tokenizer = marian_tokenizer(texts, vocab_size=vocab_size, max_length=max_length, seed=seed)
    pad_id = tokenizer.pad_token_id
    config = MarianConfig(
        vocab_size=len(tokenizer),
        decoder_vocab_size=len(tokenizer),
        d_model=d_model,
        encoder_layers=num_layers,
        decoder_layers=num_layers,
        encoder_attention_heads=num_heads,
        decoder_attention_heads=num_heads,
        encoder_ffn_dim=ffn_dim,
        decoder_ffn_dim=ffn_dim,
        # Room for a full-length input and for generating max_length tokens after the start token.
        max_position_embeddings=2 * max_length,
        # Scale token embeddings by sqrt(d_model), as Marian does: otherwise the fixed sinusoidal
        # position signal (of size ~1) drowns the small initial embeddings and learning stalls.
        scale_embedding=True,
        # No dropout: the model is small and trained for a few hundred steps, far from overfitting.
        dropout=0.0,
        attention_dropout=0.0,
        activation_dropout=0.0,
        pad_token_id=pad_id,
        decoder_start_token_id=pad_id,
        eos_token_id=0,
        forced_eos_token_id=0,
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config)
    if pretrain_steps:
        with torch_threads(1):
            pretrain_translation(
                model,
                tokenizer,
                pairs,
                steps=pretrain_steps,
                copy_fraction=copy_fraction,
                batch_size=batch_size,
                learning_rate=learning_rate,
                seed=seed,
            )
    return save_checkpoint(model, tokenizer, folder)


def token_blocks(tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], block_size: int) -> list[list[int]]:
    """Return the token ids of all ``texts``, run together and cut into full blocks of ``block_size``."""
    if block_size < 2:
        raise ValueError(f"block_size must be at least 2, not {block_size}.")
    stream = [token for ids in tokenizer(list(texts), verbose=False)["input_ids"] for token in ids]
    return [stream[start : start + block_size] for start in range(0, len(stream) - block_size + 1, block_size)]


def _encoder_and_head(model: PreTrainedModel):
    """Return the encoder and the prediction head of a BERT or DistilBERT masked LM, or None for other models."""
    if hasattr(model, "bert") and hasattr(model, "cls"):
        return model.bert, model.cls
    if isinstance(model, DistilBertForMaskedLM):

        def head(hidden: torch.Tensor) -> torch.Tensor:
            hidden = model.vocab_layer_norm(model.activation(model.vocab_transform(hidden)))
            return model.vocab_projector(hidden)

        return model.distilbert, head
    return None


def pretrain_mlm(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    *,
    steps: int,
    batch_size: int = 32,
    block_size: int | None = None,
    learning_rate: float = 2e-3,
    mlm_probability: float = 0.15,
    masked_positions_only: bool = False,
    shifted_positions: bool = False,
    seed: int = 0,
) -> list[float]:
    """Train ``model`` for ``steps`` masked-language-modelling steps on ``texts``; return the losses.

    The texts are cut into blocks of ``block_size`` tokens (default: the tokenizer's
    ``model_max_length``); batches are drawn with a seeded generator, and the masking is seeded
    too, so the same call gives the same model. With ``masked_positions_only=True`` (BERT and
    DistilBERT models) the prediction head runs only on the masked positions, the only ones the
    loss reads: the same loss for a fraction of the head's cost. With ``shifted_positions=True``
    (the same models) each block gets position ids that start at a random place, so that short
    blocks, which are cheap, still train every one of the model's position embeddings.
    """
    block_size = block_size or tokenizer.model_max_length
    parts = _encoder_and_head(model)
    if masked_positions_only and parts is None:
        raise ValueError("masked_positions_only needs a BertForMaskedLM or a DistilBertForMaskedLM.")
    if shifted_positions and parts is None:
        raise ValueError("shifted_positions needs a BertForMaskedLM or a DistilBertForMaskedLM.")
    num_positions = model.config.max_position_embeddings
    if block_size > num_positions:
        raise ValueError(f"block_size {block_size} is longer than the model's {num_positions} positions.")
    blocks = token_blocks(tokenizer, texts, block_size)
    if len(blocks) < batch_size:
        raise ValueError(
            f"The texts make {len(blocks)} blocks of {block_size} tokens, fewer than one "
            f"batch of {batch_size}: give more text or a smaller batch size."
        )
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=mlm_probability, seed=seed)
    # The fused AdamW updates all parameters in one kernel: on the course's tiny BERT its update
    # takes about 2 ms of a 40 ms step instead of 5 ms.
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01, fused=True)
    scheduler = get_scheduler("linear", optimizer, num_warmup_steps=steps // 10, num_training_steps=steps)
    rng = random.Random(seed)
    position_rng = torch.Generator().manual_seed(seed)
    model.train()
    losses = []
    for _ in range(steps):
        batch = collator([{"input_ids": blocks[i]} for i in rng.sample(range(len(blocks)), batch_size)])
        if shifted_positions:
            starts = torch.randint(0, num_positions - block_size + 1, (batch_size, 1), generator=position_rng)
            batch["position_ids"] = starts + torch.arange(block_size)
        if masked_positions_only:
            labels = batch.pop("labels")
            masked = labels != -100
            encoder, head = parts
            hidden = encoder(**batch).last_hidden_state
            loss = torch.nn.functional.cross_entropy(head(hidden[masked]), labels[masked])
        else:
            loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    model.eval()
    return losses


# The periods (in tokens) of the sines and cosines that ``attend_to_neighbours`` writes into the
# position embeddings: short ones tell a token from its neighbours, long ones keep positions far
# apart from looking alike.
NEIGHBOUR_PERIODS = (3, 5, 8, 13, 21, 40, 90, 256)


def attend_to_neighbours(model: DistilBertForMaskedLM, amplitude: float = 0.1, sharpness: float = 1.3) -> None:
    """Start the position embeddings and heads 0 and 1 of every layer on the previous and the next token; return nothing.

    The position table gets a sine and a cosine of each of ``NEIGHBOUR_PERIODS`` in the last
    dimensions of the embedding (zeros elsewhere). In every layer, head 0's query and key read only
    those dimensions, the key turned by one token's angle, so that a token's query matches best the
    key of the token before it; head 1 is turned the other way and looks at the token after it.
    The other heads, the values and everything else keep their random start, and all of it is
    trained as usual. A small masked LM started at random spends its first thousands of steps
    guessing only frequent tokens, because it has not yet learned where to look.
    """
    if not isinstance(model, DistilBertForMaskedLM):
        raise TypeError(f"attend_to_neighbours needs a DistilBertForMaskedLM, not a {type(model).__name__}.")
    config = model.config
    head_dim = config.dim // config.n_heads
    pairs = min(len(NEIGHBOUR_PERIODS), head_dim // 2, config.dim // 4)
    if config.n_heads < 2 or pairs < 1:
        raise ValueError(
            f"attend_to_neighbours needs at least two heads of at least two dimensions, not {config.n_heads} of {head_dim}."
        )
    angles = torch.tensor([2 * math.pi / period for period in NEIGHBOUR_PERIODS[:pairs]])
    first = config.dim - 2 * pairs  # the position dimensions are the last 2 * pairs
    phases = torch.arange(config.max_position_embeddings, dtype=torch.float32)[:, None] * angles
    table = torch.zeros(config.max_position_embeddings, config.dim)
    table[:, first::2] = amplitude * torch.cos(phases)
    table[:, first + 1 :: 2] = amplitude * torch.sin(phases)
    with torch.no_grad():
        model.distilbert.embeddings.position_embeddings.weight.copy_(table)
        for layer in model.distilbert.transformer.layer:
            attention = layer.attention
            for head, direction in ((0, 1.0), (1, -1.0)):  # 0 looks back, 1 looks ahead
                rows = slice(head * head_dim, (head + 1) * head_dim)
                for linear in (attention.q_lin, attention.k_lin):
                    linear.weight[rows] = 0.0
                    linear.bias[rows] = 0.0
                for pair, angle in enumerate(angles.tolist()):
                    row, column = head * head_dim + 2 * pair, first + 2 * pair
                    cos, sin = math.cos(direction * angle), math.sin(direction * angle)
                    attention.q_lin.weight[row, column] = sharpness
                    attention.q_lin.weight[row + 1, column + 1] = sharpness
                    turn = torch.tensor([[cos, -sin], [sin, cos]])
                    attention.k_lin.weight[row : row + 2, column : column + 2] = sharpness * turn


def build_distilbert(
    folder: Path,
    texts: Sequence[str],
    *,
    vocab_size: int = 4000,
    hidden_size: int = 64,
    num_layers: int = 2,
    num_heads: int = 4,
    max_length: int = 128,
    pretrain_steps: int = 100,
    block_size: int = 32,
    learning_rate: float = 2e-3,
    pretrain_threads: int = 1,
    seed: int = 0,
) -> Path:
    """Write a small uncased DistilBERT, pretrained for ``pretrain_steps`` steps on ``texts``, to ``folder``.

    The lowercase WordPiece tokenizer is trained on the same ``texts``. With ``pretrain_steps=0``
    the model keeps its random initial weights. Before a pretraining, two heads of every layer
    are started on the neighbouring tokens (``attend_to_neighbours``); the pretraining then reads
    blocks of ``block_size`` tokens at shifted positions and runs the prediction head on the masked
    tokens only, on ``pretrain_threads`` PyTorch threads, and ``pretraining.json`` records it.
    """
    tokenizer = wordpiece_tokenizer(texts, vocab_size=vocab_size, lowercase=True, max_length=max_length)
    config = DistilBertConfig(
        vocab_size=len(tokenizer),
        dim=hidden_size,
        n_layers=num_layers,
        n_heads=num_heads,
        hidden_dim=4 * hidden_size,
        max_position_embeddings=max_length,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = DistilBertForMaskedLM(config)
    if pretrain_steps:
        attend_to_neighbours(model)
    return _pretrain_and_save(
        model,
        tokenizer,
        texts,
        folder,
        steps=pretrain_steps,
        threads=pretrain_threads,
        block_size=block_size,
        learning_rate=learning_rate,
        shifted_positions=True,
        seed=seed,
    )


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
