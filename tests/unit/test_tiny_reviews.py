"""The cached tiny entries of the summarization notebook: reviews-shaped data and a small mT5."""

import math

import pytest
import torch

from helpers import tiny
from helpers.tiny import reviews
from helpers.tiny.mt5 import build_mt5


def _pairs():
    words = "the list file value item order key table name path".split()
    rows = []
    for i in range(300):
        a, b, c = words[i % 10], words[(i * 3) % 10], words[(i * 7) % 10]
        rows.append(
            {
                "module": f"mod{i % 30}",
                "object": f"f{i}",
                "review_body": f"The {a} is read before the {b}. Every {c} is kept in order {i}.",
                "review_title": f"Return the {a} of the {b}.",
                "product_category": "python_stdlib" if i % 3 else "transformers",
            }
        )
    return rows


@pytest.fixture
def small_reviews(monkeypatch):
    monkeypatch.setattr(reviews, "installed_pairs", lambda packages=reviews.REVIEW_PACKAGES: _pairs())
    monkeypatch.setattr(tiny, "REVIEW_SIZES", {"train": 200, "validation": 20, "test": 20})
    monkeypatch.setattr(tiny, "MT5_SETTINGS", {**tiny.MT5_SETTINGS, "vocab_size": 80, "d_model": 16, "d_ff": 32, "d_kv": 4})


def test_reviews_dataset_is_built_once_then_read_from_the_cache(tmp_cache, small_reviews, monkeypatch):
    first = tiny.reviews_dataset()
    assert list(first) == ["train", "validation", "test"]
    assert first["train"].features == reviews.REVIEW_FEATURES
    monkeypatch.setattr(reviews, "build_reviews_dataset", lambda *a, **k: pytest.fail("rebuilt"))
    assert tiny.reviews_dataset()["train"].to_list() == first["train"].to_list()


def test_reviews_dataset_key_follows_the_source_package_versions(tmp_cache, small_reviews, monkeypatch):
    first = tiny._reviews_params(0)
    assert {"python", *reviews.REVIEW_PACKAGES} <= set(first["sources"])
    monkeypatch.setattr(tiny, "_versions", lambda packages: {name: "0.0" for name in packages})
    assert tiny.entry_key("reviews-data", tiny._reviews_params(0)) != tiny.entry_key("reviews-data", first)


def test_mt5_checkpoint_loads_like_a_hub_one_with_the_trained_vocabulary(tmp_cache, small_reviews):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    folder = tiny.mt5_checkpoint()
    assert folder == tiny.mt5_checkpoint()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSeq2SeqLM.from_pretrained(folder)
    assert len(tokenizer) == 80 == model.config.vocab_size  # not the 104-token fallback
    assert type(model).__name__ == "MT5ForConditionalGeneration"
    assert tokenizer.decode(tokenizer("Return the list.")["input_ids"], skip_special_tokens=True) == "Return the list."


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

    texts = [row["review_body"] for row in _pairs()] + [row["review_title"] for row in _pairs()]
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
