"""Whole-word masking on real batches of the tiny data: a word is masked whole or not at all.

This uses the real tiny data and checkpoint (from the tiny cache, built on first use), cut into
chunks of 128 tokens as notebook 2 does, and the collator settings of notebook 2.
"""

import pytest
from transformers import AutoTokenizer, DataCollatorForLanguageModeling

from helpers import tiny

CHUNK = 128


@pytest.fixture(scope="module")
def chunks():
    """Chunks of the tiny test split, each token with its offsets and (text, word) identity."""
    tokenizer = AutoTokenizer.from_pretrained(tiny.distilbert_checkpoint())
    texts = list(tiny.imdb_dataset()["test"]["text"])[:60]
    encodings = tokenizer(texts, return_offsets_mapping=True, verbose=False)
    stream = []
    for index in range(len(texts)):
        for token, offsets, word in zip(
            encodings["input_ids"][index], encodings["offset_mapping"][index], encodings.word_ids(index)
        ):
            stream.append((token, offsets, None if word is None else (index, word)))
    usable = len(stream) // CHUNK * CHUNK
    return tokenizer, [stream[start : start + CHUNK] for start in range(0, usable, CHUNK)]


def word_positions(chunk):
    """Return the positions of each word's tokens in a chunk; special tokens belong to no word."""
    words: dict = {}
    for position, (_, _, word) in enumerate(chunk):
        if word is not None:
            words.setdefault(word, []).append(position)
    return list(words.values())


def masked_words(tokenizer, chunks, seed):
    """Return, over a few batches, the words with all tokens masked, with some, and with none."""
    collator = DataCollatorForLanguageModeling(
        tokenizer, mlm_probability=0.2, whole_word_mask=True, mask_replace_prob=1.0, random_replace_prob=0.0, seed=seed
    )
    counts = {"whole": 0, "partly": 0, "none": 0, "whole_multi_token": 0}
    for start in range(0, len(chunks), 16):
        group = chunks[start : start + 16]
        batch = collator(
            [{"input_ids": [t for t, _, _ in c], "offset_mapping": [o for _, o, _ in c]} for c in group]
        )
        for row, chunk in enumerate(group):
            for positions in word_positions(chunk):
                picked = [batch["labels"][row, p].item() != -100 for p in positions]
                shown = [batch["input_ids"][row, p].item() == tokenizer.mask_token_id for p in positions]
                assert picked == shown  # every picked token is replaced by [MASK]
                if all(picked):
                    counts["whole"] += 1
                    counts["whole_multi_token"] += len(positions) > 1
                elif any(picked):
                    counts["partly"] += 1
                else:
                    counts["none"] += 1
            specials = [p for p, (_, _, word) in enumerate(chunk) if word is None]
            assert all(batch["labels"][row, p].item() == -100 for p in specials)
    return counts


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_whole_word_masking_never_masks_part_of_a_word(chunks, seed):
    tokenizer, data = chunks
    counts = masked_words(tokenizer, data, seed)
    assert counts["partly"] == 0, counts
    assert counts["whole_multi_token"] > 20, counts  # words of several tokens were masked, whole
    share = counts["whole"] / (counts["whole"] + counts["none"])
    assert 0.1 < share < 0.3, counts  # about the 20 % of words asked for


def test_random_token_masking_does_split_words(chunks):
    """The contrast the notebook shows: plain masking picks tokens, so it often hides half a word."""
    tokenizer, data = chunks
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15, seed=0)
    batch = collator([{"input_ids": [t for t, _, _ in c]} for c in data[:16]])
    partly = 0
    for row, chunk in enumerate(data[:16]):
        for positions in word_positions(chunk):
            picked = [batch["labels"][row, p].item() != -100 for p in positions]
            partly += any(picked) and not all(picked)
    assert partly > 0
