"""The cached tiny entries of the summarization notebook: reviews-shaped data and a small mT5."""

import json
import math
import random
from pathlib import Path

import pytest
import torch

from helpers import tiny
from helpers.tiny import reviews
from helpers.tiny.mt5 import build_mt5, sentinel, span_corruption


def _texts(count: int = 300) -> list[str]:
    rng = random.Random(0)
    rows = [reviews.make_review(rng.choice(("en", "es")), "book", rng) for _ in range(count)]
    return [row["review_body"] for row in rows] + [row["review_title"] for row in rows]


@pytest.fixture
def small_reviews(monkeypatch):
    monkeypatch.setattr(tiny, "REVIEW_SIZES", {"train": 200, "validation": 20, "test": 20})
    monkeypatch.setattr(tiny, "MT5_PRETRAINING_TEXTS", 64)
    small = {"vocab_size": 80, "d_model": 16, "d_ff": 32, "d_kv": 4, "pretrain_steps": 20}
    monkeypatch.setattr(tiny, "MT5_SETTINGS", {**tiny.MT5_SETTINGS, **small})


def test_reviews_dataset_is_built_once_then_read_from_the_cache(tmp_cache, small_reviews, monkeypatch):
    first = tiny.reviews_dataset()
    assert list(first) == ["train", "validation", "test"]
    assert first["train"].features == reviews.REVIEW_FEATURES
    monkeypatch.setattr(reviews, "build_reviews_dataset", lambda *a, **k: pytest.fail("rebuilt"))
    assert tiny.reviews_dataset()["train"].to_list() == first["train"].to_list()


def test_reviews_dataset_key_follows_the_seed_and_the_sizes(small_reviews, monkeypatch):
    first = tiny.entry_key("reviews-data", tiny._reviews_params(0))
    assert tiny.entry_key("reviews-data", tiny._reviews_params(1)) != first
    monkeypatch.setattr(tiny, "REVIEW_SIZES", {"train": 201, "validation": 20, "test": 20})
    assert tiny.entry_key("reviews-data", tiny._reviews_params(0)) != first


def test_mt5_checkpoint_loads_like_a_hub_one_with_the_trained_vocabulary(tmp_cache, small_reviews):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    folder = tiny.mt5_checkpoint()
    assert folder == tiny.mt5_checkpoint()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSeq2SeqLM.from_pretrained(folder)
    sentinels = tiny.MT5_SETTINGS["sentinels"]
    assert len(tokenizer) == 80 + sentinels == model.config.vocab_size  # not the 104-token fallback
    assert type(model).__name__ == "MT5ForConditionalGeneration"
    assert tokenizer.decode(tokenizer("The plot is great.")["input_ids"], skip_special_tokens=True) == "The plot is great."


def test_mt5_checkpoint_is_pretrained_and_records_how(tmp_cache, small_reviews):
    record = json.loads((Path(tiny.mt5_checkpoint()) / "pretraining.json").read_text())
    assert record["steps"] == 20 and record["threads"] == 1
    assert record["last_loss"] < record["first_loss"], record


def test_build_mt5_needs_texts_to_pretrain_on(tmp_path):
    with pytest.raises(ValueError, match="pretraining_texts"):
        build_mt5(tmp_path, _texts(), vocab_size=80, d_model=16, d_ff=32, d_kv=4, pretrain_steps=5)


def test_cached_mt5_checkpoint_does_not_load_the_data(tmp_cache, small_reviews, monkeypatch):
    first = tiny.mt5_checkpoint()
    monkeypatch.setattr(tiny, "reviews_dataset", lambda *a, **k: pytest.fail("data loaded"))
    assert tiny.mt5_checkpoint() == first


def test_mt5_checkpoint_follows_the_data_it_was_trained_on(tmp_cache, small_reviews, monkeypatch):
    first = tiny.mt5_checkpoint()
    monkeypatch.setattr(tiny, "REVIEW_SIZES", {"train": 210, "validation": 20, "test": 20})
    assert tiny.mt5_checkpoint() != first  # other training rows, so another tokenizer


def test_small_initializer_factor_starts_near_a_uniform_guess(tmp_path):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    texts = _texts()
    losses = {}
    for factor in (0.05, 1.0):
        folder = build_mt5(tmp_path / str(factor), texts, vocab_size=80, d_model=32, d_ff=64, d_kv=8, initializer_factor=factor)
        tokenizer = AutoTokenizer.from_pretrained(folder)
        model = AutoModelForSeq2SeqLM.from_pretrained(folder).eval()
        batch = tokenizer(texts[:8], text_target=texts[300:308], padding=True, return_tensors="pt")
        batch["labels"][batch["labels"] == tokenizer.pad_token_id] = -100
        with torch.no_grad():
            losses[factor] = model(**batch).loss.item()
    assert abs(losses[0.05] - math.log(80)) < 0.5, losses
    assert losses[1.0] > losses[0.05] + 1, losses


def test_build_mt5_refuses_a_vocabulary_it_cannot_train(tmp_path):
    with pytest.raises(RuntimeError):
        build_mt5(tmp_path, ["only a few words here"], vocab_size=500)


def _put_back(source: str, target: str) -> str:
    """Return ``source`` with each sentinel replaced by the span that follows it in ``target``."""
    spans, current = {}, None
    for word in target.split():
        if word.startswith("<extra_id_"):
            current = spans.setdefault(word, [])
        else:
            current.append(word)
    return " ".join(word for token in source.split() for word in spans.get(token, [token]))


def test_span_corruption_hides_spans_that_the_target_gives_back_in_order():
    text = " ".join(f"word{i}" for i in range(40))
    source, target = span_corruption(text, random.Random(0), sentinels=10)
    assert _put_back(source, target) == text
    hidden = [word for word in target.split() if not word.startswith("<extra_id_")]
    assert len(hidden) == 6  # 15 % of 40 words
    spans = [word for word in source.split() if word.startswith("<extra_id_")]
    assert spans == [sentinel(i) for i in range(len(spans))] and 1 <= len(spans) <= 9
    assert target.split()[0] == sentinel(0) and target.split()[-1] == sentinel(len(spans))
    source_words = source.split()
    assert all(not (a.startswith("<extra_id_") and b.startswith("<extra_id_")) for a, b in zip(source_words, source_words[1:]))


def test_span_corruption_is_the_same_for_the_same_seed_and_differs_for_another():
    text = _texts(1)[0]
    first = span_corruption(text, random.Random(3), sentinels=10)
    assert span_corruption(text, random.Random(3), sentinels=10) == first
    assert any(span_corruption(text, random.Random(seed), sentinels=10) != first for seed in range(4, 10))


def test_span_corruption_keeps_a_word_and_a_sentinel_for_the_end_even_in_short_texts():
    for text in ("two words", "just three words"):
        source, target = span_corruption(text, random.Random(0), sentinels=2)
        assert _put_back(source, target) == text
        assert source.split()[0] != sentinel(0) and target.split()[-1] == sentinel(1)


@pytest.mark.parametrize(
    ("text", "options", "message"),
    [
        ("one", {"sentinels": 10}, "at least two words"),
        ("two words", {"sentinels": 1}, "at least 2 sentinels"),
        ("two words", {"sentinels": 10, "noise_density": 1.5}, "between 0 and 1"),
    ],
)
def test_span_corruption_refuses_what_it_cannot_corrupt(text, options, message):
    with pytest.raises(ValueError, match=message):
        span_corruption(text, random.Random(0), **options)


def test_build_mt5_refuses_span_pretraining_without_sentinels(tmp_path):
    with pytest.raises(ValueError, match="sentinels"):
        build_mt5(tmp_path, _texts(), vocab_size=80, pretraining_texts=_texts(4), pretrain_steps=5)


def test_the_sentinels_are_single_special_tokens_after_the_pieces(tmp_path):
    from transformers import AutoTokenizer

    folder = build_mt5(tmp_path, _texts(), vocab_size=80, d_model=16, d_ff=32, d_kv=4, sentinels=3)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert len(tokenizer) == 83
    ids = tokenizer(f"The plot {sentinel(0)} great {sentinel(2)}")["input_ids"]
    assert {tokenizer.convert_tokens_to_ids(sentinel(i)) for i in range(3)} == {80, 81, 82}
    assert 80 in ids and 82 in ids
    assert tokenizer.decode(ids, skip_special_tokens=True) == "The plot great"
