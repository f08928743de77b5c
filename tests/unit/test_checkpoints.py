import pytest
import torch
from transformers import AutoModelForMaskedLM, AutoModelForTokenClassification, AutoTokenizer

from helpers.tiny.checkpoints import build_bert, build_distilbert, pretrain_mlm, token_blocks, train_wordpiece

TEXTS = [
    "Ada Lovelace met Charles Babbage in London .",
    "The Analytical Engine was never finished .",
    "Grace Hopper worked on the Harvard Mark I in Cambridge .",
] * 20


@pytest.fixture(scope="module")
def bert_folder(tmp_path_factory):
    return build_bert(tmp_path_factory.mktemp("bert"), TEXTS, vocab_size=200, hidden_size=32, max_length=32)


def test_wordpiece_keeps_case_and_adds_special_tokens():
    tokenizer = train_wordpiece(TEXTS, vocab_size=200, lowercase=False)
    encoding = tokenizer.encode("Ada met Grace")
    assert encoding.tokens[0] == "[CLS]" and encoding.tokens[-1] == "[SEP]"
    assert "Ada" in encoding.tokens


def test_wordpiece_training_gives_the_same_vocabulary_every_time():
    # Three sentences are enough: 🤗 Tokenizers' own trainer keeps a different vocabulary of
    # 120 tokens on them almost every time (12 to 24 tokens differ between runs here).
    first = train_wordpiece(TEXTS, vocab_size=120, lowercase=False).get_vocab()
    for _ in range(4):
        assert train_wordpiece(TEXTS, vocab_size=120, lowercase=False).get_vocab() == first


def test_wordpiece_has_a_word_internal_piece_for_every_character():
    vocab = train_wordpiece(TEXTS, vocab_size=120, lowercase=True, alphabet="?").get_vocab()
    assert {"##a", "##y", "##?"} <= set(vocab) and "##A" not in vocab  # lowercased


def test_lowercase_wordpiece_lowercases():
    tokenizer = train_wordpiece(TEXTS, vocab_size=200, lowercase=True)
    assert "ada" in tokenizer.encode("Ada").tokens


def test_checkpoint_loads_like_a_hub_checkpoint(bert_folder):
    tokenizer = AutoTokenizer.from_pretrained(bert_folder)
    assert tokenizer.is_fast and tokenizer.model_max_length == 32
    model = AutoModelForMaskedLM.from_pretrained(bert_folder)
    assert model.config.vocab_size == len(tokenizer)
    assert model.config.pad_token_id == tokenizer.pad_token_id


def test_tokenizer_supports_word_ids_offsets_and_overflow(bert_folder):
    tokenizer = AutoTokenizer.from_pretrained(bert_folder)
    words = ["Ada", "Lovelace", "met", "Babbage"]
    encoding = tokenizer(words, is_split_into_words=True)
    word_ids = encoding.word_ids()
    assert word_ids[0] is None and word_ids[-1] is None
    assert sorted({w for w in word_ids if w is not None}) == [0, 1, 2, 3]
    pair = tokenizer(
        "Who met Babbage?",
        " ".join(TEXTS[:6]),
        truncation="only_second",
        max_length=24,
        stride=4,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
    )
    assert len(pair["input_ids"]) > 1
    assert set(pair.sequence_ids(0)) == {None, 0, 1}


def test_token_classification_head_is_added_on_load(bert_folder):
    model = AutoModelForTokenClassification.from_pretrained(bert_folder, num_labels=9)
    tokenizer = AutoTokenizer.from_pretrained(bert_folder)
    logits = model(**tokenizer(["Ada met Babbage"], return_tensors="pt")).logits
    assert logits.shape[-1] == 9


def test_same_seed_gives_identical_weights(tmp_path):
    a = build_bert(tmp_path / "a", TEXTS, vocab_size=200, hidden_size=32, seed=1)
    b = build_bert(tmp_path / "b", TEXTS, vocab_size=200, hidden_size=32, seed=1)
    wa = AutoModelForMaskedLM.from_pretrained(a).state_dict()
    wb = AutoModelForMaskedLM.from_pretrained(b).state_dict()
    assert all(torch.equal(wa[k], wb[k]) for k in wa)


def test_wordpiece_ids_are_reproducible_on_the_tiny_ner_corpus():
    from helpers.tiny.ner import build_ner_dataset

    data = build_ner_dataset(seed=0, sizes={"train": 8000})
    texts = [" ".join(tokens) for tokens in data["train"]["tokens"]]
    first = train_wordpiece(texts, vocab_size=1000, lowercase=False).get_vocab()
    second = train_wordpiece(texts, vocab_size=1000, lowercase=False).get_vocab()
    assert first == second
    assert [first[t] for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")] == [0, 1, 2, 3, 4]


PAIRS = [
    ("Open the file browser", "Ouvrir le navigateur de fichiers"),
    ("Close all open tabs", "Fermer tous les onglets ouverts"),
    ("Restart the kernel", "Redémarrer le noyau"),
    ("Rename %1 to {name}", "Renommer %1 en {name}"),
] * 10


def test_marian_checkpoint_loads_like_a_hub_checkpoint(tmp_path):
    from transformers import AutoModelForSeq2SeqLM, MarianTokenizer

    from helpers.tiny.checkpoints import build_marian

    folder = build_marian(tmp_path / "m", PAIRS, vocab_size=80, d_model=16, num_heads=2, ffn_dim=32, max_length=16)
    assert {"source.spm", "target.spm", "vocab.json"} <= {p.name for p in folder.iterdir()}
    tokenizer = MarianTokenizer.from_pretrained(folder)
    model = AutoModelForSeq2SeqLM.from_pretrained(folder)
    vocab = tokenizer.get_vocab()
    assert vocab["</s>"] == 0 and vocab["<unk>"] == 1 and vocab["<pad>"] == len(vocab) - 1
    assert model.config.vocab_size == len(tokenizer)
    assert model.config.pad_token_id == model.config.decoder_start_token_id == tokenizer.pad_token_id
    assert model.config.eos_token_id == tokenizer.eos_token_id == 0
    assert tokenizer.model_max_length == 16 and model.config.max_position_embeddings >= 2 * 16
    encoded = tokenizer(["Open the file browser"], text_target=["Ouvrir le navigateur de fichiers"])
    assert encoded["input_ids"][0][-1] == 0 and encoded["labels"][0][-1] == 0
    assert tokenizer.decode(encoded["labels"][0], skip_special_tokens=True) == "Ouvrir le navigateur de fichiers"


def test_marian_source_and_target_cut_a_placeholder_into_the_same_ids(tmp_path):
    from helpers.tiny.checkpoints import marian_tokenizer

    tokenizer = marian_tokenizer([text for pair in PAIRS for text in pair], vocab_size=80, max_length=16)
    encoded = tokenizer(["Rename %1 to {name}"], text_target=["Rename %1 to {name}"])
    assert encoded["input_ids"] == encoded["labels"]  # so copying a name is the identity on ids


def test_marian_pretraining_lowers_the_loss_and_is_reproducible(tmp_path):
    from transformers import AutoModelForSeq2SeqLM

    from helpers.tiny.checkpoints import build_marian

    settings = {"vocab_size": 80, "d_model": 32, "num_heads": 2, "ffn_dim": 64, "max_length": 16, "batch_size": 8}
    untrained = build_marian(tmp_path / "0", PAIRS, **settings)
    first = build_marian(tmp_path / "a", PAIRS, pretrain_steps=60, learning_rate=5e-3, **settings)
    second = build_marian(tmp_path / "b", PAIRS, pretrain_steps=60, learning_rate=5e-3, **settings)

    def loss(folder):
        from transformers import MarianTokenizer

        tokenizer = MarianTokenizer.from_pretrained(folder)
        model = AutoModelForSeq2SeqLM.from_pretrained(folder)
        batch = tokenizer([s for s, _ in PAIRS[:4]], text_target=[t for _, t in PAIRS[:4]], padding=True, truncation=True, return_tensors="pt")
        batch["labels"][batch["labels"] == tokenizer.pad_token_id] = -100
        with torch.no_grad():
            return model(**batch).loss.item()

    assert loss(first) < 0.8 * loss(untrained)
    assert loss(first) == pytest.approx(loss(second), abs=1e-6)


def test_marian_pretraining_refuses_bad_arguments():
    from helpers.tiny.checkpoints import pretrain_translation

    with pytest.raises(ValueError, match="at least one"):
        pretrain_translation(None, None, [], steps=1)
    with pytest.raises(ValueError, match="between 0 and 1"):
        pretrain_translation(None, None, PAIRS, steps=1, copy_fraction=1.5)


def test_sentencepiece_training_is_reproducible():
    from helpers.tiny.checkpoints import MARIAN_SPECIAL_IDS, train_sentencepiece

    texts = ["Ouvrir le navigateur de fichiers", "Fermer tous les onglets ouverts", "Redémarrer le noyau"] * 20
    settings = {"special_ids": MARIAN_SPECIAL_IDS, "hard_vocab_limit": False, "seed": 3}
    assert train_sentencepiece(texts, 60, **settings) == train_sentencepiece(texts, 60, **settings)


def test_sentencepiece_training_refuses_empty_texts():
    from helpers.tiny.checkpoints import MARIAN_SPECIAL_IDS, train_sentencepiece

    with pytest.raises(ValueError, match="no text"):
        train_sentencepiece(["", "   "], 60, special_ids=MARIAN_SPECIAL_IDS)


PROSE = [
    "A list keeps its items in order and may hold the same item twice.",
    "A dictionary maps keys to values and looks keys up quickly.",
    "A set holds each item once and answers membership questions quickly.",
] * 40


@pytest.fixture(scope="module")
def prose_tokenizer():
    """A lowercase WordPiece tokenizer of about 150 tokens trained on PROSE, for the small models below."""
    from transformers import BertTokenizerFast

    return BertTokenizerFast(tokenizer_object=train_wordpiece(PROSE, 150, lowercase=True), model_max_length=16)


def _distilbert(tokenizer, max_positions: int = 16, heads: int = 2):
    """Return a small random DistilBertForMaskedLM for tokenizer."""
    from transformers import DistilBertConfig, DistilBertForMaskedLM

    config = DistilBertConfig(
        vocab_size=len(tokenizer), dim=32, n_layers=1, n_heads=heads, hidden_dim=64, max_position_embeddings=max_positions
    )
    return DistilBertForMaskedLM(config)


def test_token_blocks_are_full_and_keep_the_order_of_the_stream():
    from transformers import BertTokenizerFast

    tokenizer = BertTokenizerFast(tokenizer_object=train_wordpiece(PROSE, 200, lowercase=True))
    stream = [t for ids in tokenizer(PROSE[:3])["input_ids"] for t in ids]
    blocks = token_blocks(tokenizer, PROSE[:3], 8)
    assert all(len(block) == 8 for block in blocks)
    assert sum(blocks, []) == stream[: len(blocks) * 8] and len(stream) - len(blocks) * 8 < 8
    with pytest.raises(ValueError, match="at least 2"):
        token_blocks(tokenizer, PROSE, 1)


def test_distilbert_is_uncased_loads_and_fills_masks(tmp_path):
    from transformers import pipeline

    folder = build_distilbert(tmp_path / "d", PROSE, vocab_size=150, hidden_size=32, max_length=16, pretrain_steps=0)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert tokenizer.is_fast and tokenizer.tokenize("A LIST") == ["a", "list"]
    model = AutoModelForMaskedLM.from_pretrained(folder)
    assert type(model).__name__ == "DistilBertForMaskedLM" and model.config.vocab_size == len(tokenizer)
    guesses = pipeline("fill-mask", model=str(folder))("a [MASK] keeps its items", top_k=3)
    assert len(guesses) == 3


def test_pretraining_lowers_the_loss_and_is_reproducible(tmp_path, prose_tokenizer):
    def trained():
        torch.manual_seed(0)
        model = _distilbert(prose_tokenizer)
        losses = pretrain_mlm(model, prose_tokenizer, PROSE, steps=30, batch_size=8, learning_rate=3e-3, seed=0)
        return model, losses

    model, losses = trained()
    again, losses_again = trained()
    assert losses == losses_again
    assert sum(losses[-5:]) / 5 < 0.9 * sum(losses[:5]) / 5
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values()))


def test_pretraining_on_too_little_text_says_so(prose_tokenizer):
    model = _distilbert(prose_tokenizer)
    with pytest.raises(ValueError, match="fewer than one batch"):
        pretrain_mlm(model, prose_tokenizer, PROSE[:2], steps=1, batch_size=8)


def test_sinusoidal_positions_have_the_transformer_values():
    from helpers.tiny.checkpoints import sinusoidal_positions

    table = sinusoidal_positions(10, 8)
    assert table.shape == (10, 8)
    assert torch.equal(table[0, 0::2], torch.zeros(4))  # sin 0
    assert torch.equal(table[0, 1::2], torch.ones(4))  # cos 0
    # Dimension pair 0 has frequency 1: position 3 holds sin 3 and cos 3.
    assert table[3, 0].item() == pytest.approx(torch.sin(torch.tensor(3.0)).item())
    assert table[3, 1].item() == pytest.approx(torch.cos(torch.tensor(3.0)).item())
    # Pair 1 (dimensions 2 and 3) has frequency 10000 ** (-2 / 8) = 0.1.
    assert table[5, 2].item() == pytest.approx(torch.sin(torch.tensor(0.5)).item(), rel=1e-5)
    assert table[5, 3].item() == pytest.approx(torch.cos(torch.tensor(0.5)).item(), rel=1e-5)
    with pytest.raises(ValueError, match="must be even"):
        sinusoidal_positions(10, 7)


def test_mlm_loss_on_masked_positions_only_equals_the_full_head_loss(bert_folder):
    import copy

    tokenizer = AutoTokenizer.from_pretrained(bert_folder)
    model = AutoModelForMaskedLM.from_pretrained(bert_folder)
    settings = {"steps": 2, "batch_size": 4, "block_size": 8, "seed": 3}
    torch.manual_seed(0)  # the same dropout masks on both paths
    full = pretrain_mlm(copy.deepcopy(model), tokenizer, TEXTS, **settings)
    torch.manual_seed(0)
    masked_only = pretrain_mlm(copy.deepcopy(model), tokenizer, TEXTS, masked_positions_only=True, **settings)
    assert masked_only[0] == pytest.approx(full[0], rel=1e-4)
    assert masked_only[1] == pytest.approx(full[1], rel=1e-3)


def _roberta(tokenizer):
    """Return a small random RobertaForMaskedLM: a masked LM whose head pretrain_mlm does not know."""
    from transformers import RobertaConfig, RobertaForMaskedLM

    config = RobertaConfig(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64
    )
    return RobertaForMaskedLM(config)


def test_distilbert_mlm_loss_on_masked_positions_only_equals_the_full_head_loss(prose_tokenizer):
    import copy

    torch.manual_seed(0)
    model = _distilbert(prose_tokenizer)
    settings = {"steps": 2, "batch_size": 8, "seed": 3}
    torch.manual_seed(0)  # the same dropout masks on both paths
    full = pretrain_mlm(copy.deepcopy(model), prose_tokenizer, PROSE, **settings)
    torch.manual_seed(0)
    masked_only = pretrain_mlm(copy.deepcopy(model), prose_tokenizer, PROSE, masked_positions_only=True, **settings)
    assert masked_only[0] == pytest.approx(full[0], rel=1e-4)
    assert masked_only[1] == pytest.approx(full[1], rel=1e-3)


def test_mlm_on_masked_positions_only_refuses_a_model_whose_head_it_does_not_know(prose_tokenizer):
    with pytest.raises(ValueError, match="needs a BertForMaskedLM or a DistilBertForMaskedLM"):
        pretrain_mlm(_roberta(prose_tokenizer), prose_tokenizer, PROSE, steps=1, batch_size=8, masked_positions_only=True)


def _positions_seen(model, run):
    """Return the set of position ids that the model's position embeddings looked up during ``run()``."""
    seen = set()
    hook = model.bert.embeddings.position_embeddings.register_forward_hook(
        lambda module, inputs, output: seen.update(inputs[0].flatten().tolist())
    )
    try:
        run()
    finally:
        hook.remove()
    return seen


def test_shifted_positions_train_positions_beyond_the_block(bert_folder):
    tokenizer = AutoTokenizer.from_pretrained(bert_folder)
    model = AutoModelForMaskedLM.from_pretrained(bert_folder)  # 32 positions
    settings = {"steps": 4, "batch_size": 4, "block_size": 8, "masked_positions_only": True, "seed": 0}
    plain = _positions_seen(model, lambda: pretrain_mlm(model, tokenizer, TEXTS, **settings))
    assert plain == set(range(8))
    shifted = _positions_seen(model, lambda: pretrain_mlm(model, tokenizer, TEXTS, shifted_positions=True, **settings))
    assert max(shifted) > 8 and max(shifted) < 32


def test_shifted_positions_are_seeded(bert_folder):
    import copy

    tokenizer = AutoTokenizer.from_pretrained(bert_folder)
    model = AutoModelForMaskedLM.from_pretrained(bert_folder)
    settings = {"steps": 3, "batch_size": 4, "block_size": 8, "shifted_positions": True, "masked_positions_only": True, "seed": 5}
    torch.manual_seed(0)  # the same dropout masks in both runs
    first = pretrain_mlm(copy.deepcopy(model), tokenizer, TEXTS, **settings)
    torch.manual_seed(0)
    assert pretrain_mlm(copy.deepcopy(model), tokenizer, TEXTS, **settings) == first
    torch.manual_seed(0)
    other_seed = pretrain_mlm(copy.deepcopy(model), tokenizer, TEXTS, **{**settings, "seed": 6})
    assert other_seed != first


def test_shifted_positions_refuse_an_unknown_model_and_a_block_longer_than_the_positions(bert_folder, prose_tokenizer):
    with pytest.raises(ValueError, match="shifted_positions needs a BertForMaskedLM or a DistilBertForMaskedLM"):
        pretrain_mlm(_roberta(prose_tokenizer), prose_tokenizer, PROSE, steps=1, batch_size=8, shifted_positions=True)
    bert = AutoModelForMaskedLM.from_pretrained(bert_folder)
    with pytest.raises(ValueError, match="longer than the model's 32 positions"):
        pretrain_mlm(bert, AutoTokenizer.from_pretrained(bert_folder), TEXTS, steps=1, batch_size=2, block_size=40)


def test_shifted_positions_train_a_distilbert_beyond_the_block(prose_tokenizer):
    model = _distilbert(prose_tokenizer, max_positions=32)
    seen = set()
    hook = model.distilbert.embeddings.position_embeddings.register_forward_hook(
        lambda module, inputs, output: seen.update(inputs[0].flatten().tolist())
    )
    settings = {"steps": 4, "batch_size": 4, "block_size": 8, "masked_positions_only": True, "seed": 0}
    try:
        pretrain_mlm(model, prose_tokenizer, PROSE, shifted_positions=True, **settings)
    finally:
        hook.remove()
    assert max(seen) > 8 and max(seen) < 32


def _mean_attention_to(model, offset: int, head: int, layer: int = 0) -> float:
    """Return the average attention weight that head gives the token offset places away (first layer by default)."""
    model.eval()
    ids = torch.randint(5, model.config.vocab_size, (1, 12), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        weights = model.distilbert(input_ids=ids, output_attentions=True).attentions[layer][0, head]
    inner = range(1, 11)  # positions that have a neighbour on both sides
    return sum(weights[i, i + offset].item() for i in inner) / len(inner)


def test_attend_to_neighbours_points_two_heads_at_the_previous_and_the_next_token(prose_tokenizer):
    from helpers.tiny.checkpoints import attend_to_neighbours

    torch.manual_seed(0)
    model = _distilbert(prose_tokenizer, heads=4)
    model.set_attn_implementation("eager")  # so that the model returns its attention weights
    # At random, every head spreads its attention over all twelve tokens.
    assert _mean_attention_to(model, -1, head=0) < 0.2
    attend_to_neighbours(model)
    for layer in range(model.config.n_layers):
        assert _mean_attention_to(model, -1, head=0, layer=layer) > 0.9
        assert _mean_attention_to(model, +1, head=1, layer=layer) > 0.9
    assert _mean_attention_to(model, -1, head=2) < 0.2  # the other heads keep their random start


def test_attend_to_neighbours_refuses_other_models_and_a_single_head(bert_folder, prose_tokenizer):
    from helpers.tiny.checkpoints import attend_to_neighbours

    with pytest.raises(TypeError, match="needs a DistilBertForMaskedLM, not a BertForMaskedLM"):
        attend_to_neighbours(AutoModelForMaskedLM.from_pretrained(bert_folder))
    with pytest.raises(ValueError, match="at least two heads"):
        attend_to_neighbours(_distilbert(prose_tokenizer, heads=1))


def test_pretrained_distilbert_records_its_pretraining_and_looks_at_its_neighbours(tmp_path):
    import json

    from helpers.tiny.checkpoints import PRETRAINING_RECORD

    settings = {"vocab_size": 150, "hidden_size": 32, "max_length": 32, "block_size": 8}
    folder = build_distilbert(tmp_path / "p", PROSE * 4, pretrain_steps=3, **settings)
    record = json.loads((folder / PRETRAINING_RECORD).read_text())
    assert record["steps"] == 3 and record["threads"] == 1 and record["first_loss"] > 0
    model = AutoModelForMaskedLM.from_pretrained(folder, attn_implementation="eager")
    assert _mean_attention_to(model, -1, head=0) > 0.5  # three steps barely move the start
    random_folder = build_distilbert(tmp_path / "r", PROSE, vocab_size=150, hidden_size=32, max_length=16, pretrain_steps=0)
    assert not (random_folder / PRETRAINING_RECORD).exists()


def test_pretrained_bert_records_its_pretraining_and_a_random_one_does_not(tmp_path, bert_folder):
    import json

    from helpers.tiny.checkpoints import PRETRAINING_RECORD

    assert not (bert_folder / PRETRAINING_RECORD).exists()
    folder = build_bert(tmp_path / "p", TEXTS, vocab_size=200, hidden_size=32, max_length=32, pretrain_steps=3, block_size=8)
    record = json.loads((folder / PRETRAINING_RECORD).read_text())
    assert record["steps"] == 3 and record["threads"] == 1 and record["seconds"] >= 0  # 3 steps may round to 0.0 s
    assert record["first_loss"] > 0 and record["last_loss"] > 0


def test_pretrained_bert_starts_from_sinusoidal_positions_and_keeps_its_dropout_setting(tmp_path):
    from transformers import AutoModelForQuestionAnswering

    from helpers.tiny.checkpoints import POSITION_INIT_SCALE, sinusoidal_positions

    settings = {"vocab_size": 200, "hidden_size": 32, "max_length": 32, "dropout": 0.0, "seed": 0}
    pretrained = build_bert(tmp_path / "p", TEXTS, pretrain_steps=5, block_size=8, **settings)
    untrained = build_bert(tmp_path / "u", TEXTS, **settings)

    model = AutoModelForQuestionAnswering.from_pretrained(pretrained)
    assert model.config.hidden_dropout_prob == model.config.attention_probs_dropout_prob == 0.0
    assert all(module.p == 0.0 for module in model.modules() if isinstance(module, torch.nn.Dropout))
    logits = model(**AutoTokenizer.from_pretrained(pretrained)(["Ada met Babbage"], return_tensors="pt")).start_logits
    assert logits.shape[-1] == 5  # [CLS] Ada met Babbage [SEP]

    positions = AutoModelForMaskedLM.from_pretrained(pretrained).bert.embeddings.position_embeddings.weight.detach()
    fresh = AutoModelForMaskedLM.from_pretrained(untrained).bert.embeddings.position_embeddings.weight.detach()
    start = POSITION_INIT_SCALE * sinusoidal_positions(32, 32)
    assert not torch.allclose(positions, fresh, atol=1e-3)
    # Blocks of 8 tokens never use positions 8 and up: they keep their sinusoidal start (up to weight decay).
    assert torch.allclose(positions[8:], start[8:], atol=1e-5)
    # The used positions moved, but only a little in 5 steps.
    assert not torch.allclose(positions[:8], start[:8], atol=1e-6)
    assert torch.allclose(positions[:8], start[:8], atol=2e-2)


def test_bert_feed_forward_width_defaults_to_four_times_the_hidden_size_and_can_be_set(tmp_path):
    settings = {"vocab_size": 200, "hidden_size": 32, "max_length": 32}
    default = AutoModelForMaskedLM.from_pretrained(build_bert(tmp_path / "d", TEXTS, **settings))
    narrow = AutoModelForMaskedLM.from_pretrained(build_bert(tmp_path / "n", TEXTS, intermediate_size=48, **settings))
    assert default.config.intermediate_size == 128
    assert narrow.config.intermediate_size == 48
    assert narrow.bert.encoder.layer[0].intermediate.dense.out_features == 48
