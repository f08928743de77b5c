"""The cached tiny entries of the summarization notebook: reviews-shaped data and a small mT5."""

import json
import math
import random
from pathlib import Path

import pytest
import torch

from helpers import tiny
from helpers.tiny import reviews
from helpers.tiny.mt5 import build_mt5


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
    assert len(tokenizer) == 80 == model.config.vocab_size  # not the 104-token fallback
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
