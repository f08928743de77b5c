"""helpers.generation.generate_texts with a tiny mT5 (the summarization notebook's model family)."""

import pytest
import torch
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

from helpers.generation import generate_texts
from helpers.tiny.mt5 import build_mt5

TEXTS = [
    "The list is sorted in place and nothing is returned.",
    "Items that compare equal keep their order.",
    "A key function may be given to sort by something else entirely, such as the length of each item.",
]


@pytest.fixture(scope="module")
def mt5(tmp_path_factory):
    """A randomly initialised mT5 of a few thousand parameters with its SentencePiece tokenizer."""
    corpus = [f"{text} Sentence number {i} of the corpus." for i in range(40) for text in TEXTS]
    folder = build_mt5(
        tmp_path_factory.mktemp("mt5"), corpus, vocab_size=60, d_model=16, d_ff=32, d_kv=4,
        num_layers=1, num_heads=2, max_length=32, seed=0,
    )
    return AutoModelForSeq2SeqLM.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)


def test_one_output_per_input_in_input_order_whatever_the_batch_size(mt5):
    model, tokenizer = mt5
    together = generate_texts(model, tokenizer, TEXTS, batch_size=3, max_new_tokens=6)
    one_by_one = [generate_texts(model, tokenizer, [text], max_new_tokens=6)[0] for text in TEXTS]
    in_pairs = generate_texts(model, tokenizer, TEXTS, batch_size=2, max_new_tokens=6)
    assert len(together) == len(TEXTS) and all(isinstance(text, str) for text in together)
    assert together == one_by_one == in_pairs


def test_outputs_have_at_most_max_new_tokens_and_no_special_tokens(mt5):
    model, tokenizer = mt5
    for max_new_tokens in (1, 4):
        for text in generate_texts(model, tokenizer, TEXTS, max_new_tokens=max_new_tokens):
            assert "</s>" not in text and "<pad>" not in text
            assert len(tokenizer(text, add_special_tokens=False)["input_ids"]) <= max_new_tokens


def test_inputs_are_truncated_to_max_input_length(mt5):
    model, tokenizer = mt5
    long_text = TEXTS[2]
    ids = tokenizer(long_text)["input_ids"]
    assert len(ids) > 8
    # The tokenizer keeps the end-of-sequence token when it truncates, so cut the same way by hand.
    cut = tokenizer.decode(ids[:7], skip_special_tokens=True)
    assert tokenizer(cut)["input_ids"] == ids[:7] + [tokenizer.eos_token_id]
    truncated = generate_texts(model, tokenizer, [long_text], max_input_length=8, max_new_tokens=5)
    assert truncated == generate_texts(model, tokenizer, [cut], max_new_tokens=5)


def test_training_mode_is_restored_and_no_gradients_are_kept(mt5):
    model, tokenizer = mt5
    model.train()
    generate_texts(model, tokenizer, TEXTS[:1], max_new_tokens=2)
    assert model.training
    model.eval()
    generate_texts(model, tokenizer, TEXTS[:1], max_new_tokens=2)
    assert not model.training
    assert all(parameter.grad is None for parameter in model.parameters())


def test_beam_search_returns_one_text_per_input(mt5):
    model, tokenizer = mt5
    assert len(generate_texts(model, tokenizer, TEXTS, num_beams=3, max_new_tokens=4)) == len(TEXTS)


def test_empty_list_gives_empty_list(mt5):
    model, tokenizer = mt5
    assert generate_texts(model, tokenizer, [], max_new_tokens=2) == []


def test_a_single_string_is_refused_with_the_fix(mt5):
    model, tokenizer = mt5
    with pytest.raises(TypeError, match=r"\[text\]"):
        generate_texts(model, tokenizer, TEXTS[0])


@pytest.mark.parametrize("option", [{"batch_size": 0}, {"max_new_tokens": 0}, {"num_beams": 0}])
def test_non_positive_sizes_are_refused(mt5, option):
    model, tokenizer = mt5
    with pytest.raises(ValueError, match="at least 1"):
        generate_texts(model, tokenizer, TEXTS, **option)


def test_the_tiny_mt5_tokenizer_has_the_trained_vocabulary_and_t5_special_ids(mt5):
    model, tokenizer = mt5
    assert len(tokenizer) == 60 == model.config.vocab_size  # not the 104-token fallback
    assert (tokenizer.pad_token_id, tokenizer.eos_token_id, tokenizer.unk_token_id) == (0, 1, 2)
    assert model.config.decoder_start_token_id == tokenizer.pad_token_id
    assert torch.is_tensor(next(model.parameters()))
