"""The made-up English and Spanish reviews of the tiny summarization data (helpers.tiny.reviews)."""

import random

import pytest

from helpers.tiny import reviews
from helpers.tiny.reviews import (
    CATEGORY_WEIGHTS,
    REVIEW_FEATURES,
    build_reviews_dataset,
    make_review,
    unlabelled_reviews,
)

SIZES = {"train": 300, "validation": 40, "test": 40}
ARTICLES = {"a", "un", "una"}


def _nouns(category: str, language: str) -> set[str]:
    products = reviews.BOOK_PRODUCTS if category in ("book", "digital_ebook_purchase") else reviews.GOODS[category]
    return {getattr(word, language) for word in products}


def test_built_data_has_the_review_corpus_columns_features_and_both_languages():
    data = build_reviews_dataset(seed=0, sizes=SIZES)
    assert list(data) == ["train", "validation", "test"]
    for split in data.values():
        assert split.features == REVIEW_FEATURES
        assert split.column_names == [
            "review_id", "product_id", "reviewer_id", "stars", "review_body", "review_title", "language", "product_category",
        ]
        assert set(split["language"]) == {"en", "es"}
        assert set(split["product_category"]) <= set(CATEGORY_WEIGHTS)
        assert len(set(split["review_id"])) == len(split)
        assert all(review_id.startswith(f"{language}_") for review_id, language in zip(split["review_id"], split["language"]))
    assert [len(data[split]) for split in data] == [300, 40, 40]
    # Books are the largest category and every category occurs, so the notebook's filter keeps some and drops some.
    categories = data["train"]["product_category"]
    assert set(categories) == set(CATEGORY_WEIGHTS)
    assert max(set(categories), key=list(categories).count) == "book"


def test_built_data_is_the_same_for_the_same_seed_and_differs_for_another():
    first = build_reviews_dataset(seed=0, sizes=SIZES)
    assert first["test"].to_list() == build_reviews_dataset(seed=0, sizes=SIZES)["test"].to_list()
    assert first["train"]["review_body"] != build_reviews_dataset(seed=1, sizes=SIZES)["train"]["review_body"]


def test_every_title_survives_the_course_filter_and_is_not_a_sentence_of_its_body():
    data = build_reviews_dataset(seed=0, sizes=SIZES)
    for row in data["train"]:
        assert len(row["review_title"].split()) > 2, row  # the notebook drops titles of two words or fewer
        assert row["review_title"] not in row["review_body"], row
        assert 1 <= row["stars"] <= 5


def test_a_title_names_the_product_or_two_aspects_that_its_body_mentions():
    rng = random.Random(3)
    for _ in range(400):
        language, category = rng.choice(("en", "es")), rng.choice(sorted(CATEGORY_WEIGHTS))
        review = make_review(language, category, rng)
        title_words = review["review_title"].lower().replace(",", "").split()
        body = review["review_body"].lower()
        products = [word for word in title_words if word in _nouns(category, language)]
        if title_words[0] in ARTICLES:  # a verdict title: "A wonderful thriller", "Una novela correcta"
            assert len(products) == 1 and products[0] in body, review
        else:  # an aspects title: "Great plot but weak ending", "Trama genial, final flojo"
            assert all(word in body for word in title_words if word not in {"but", "pero"}), review


def test_spanish_articles_and_adjectives_agree_with_the_noun():
    rng = random.Random(5)
    feminine = {word.es for word in reviews.BOOK_PRODUCTS + sum(reviews.GOODS.values(), ()) if word.gender == "f"}
    checked = 0
    for _ in range(1000):  # about one title in six is a verdict title, "Una novela correcta"
        review = make_review("es", "book", rng)
        words = review["review_title"].split()
        if words[0] in ("Un", "Una"):
            noun = next(word for word in words[1:] if word not in ("gran", "mal", "mala"))
            assert (words[0] == "Una") == (noun in feminine), review
            checked += 1
    assert checked > 100
    assert "Esta novela" in " ".join(make_review("es", "book", random.Random(i))["review_body"] for i in range(200))


def test_most_titles_name_aspects_and_one_sided_reviews_give_a_verdict_more_often():
    rng = random.Random(11)
    counts = {"mixed": [0, 0], "one-sided": [0, 0]}  # [aspects titles, verdict titles]
    for _ in range(4000):
        review = make_review("en", "book", rng)
        kind = "mixed" if review["stars"] == 3 else "one-sided"
        counts[kind][review["review_title"].startswith("A ")] += 1
    share = {kind: verdicts / (aspects + verdicts) for kind, (aspects, verdicts) in counts.items()}
    assert share["mixed"] < 0.1 and 0.15 < share["one-sided"] < 0.25, counts
    assert sum(aspects for aspects, _ in counts.values()) > 4 * sum(verdicts for _, verdicts in counts.values()), counts


def test_make_review_says_what_it_does_not_know():
    with pytest.raises(ValueError, match="language must be one of"):
        make_review("fr", "book", random.Random(0))
    with pytest.raises(ValueError, match="category must be one of"):
        make_review("en", "garden", random.Random(0))


def test_build_reviews_dataset_needs_a_size_for_each_split():
    with pytest.raises(ValueError, match="for each of"):
        build_reviews_dataset(seed=0, sizes={"train": 10})


def test_unlabelled_reviews_are_reproducible_bodies_drawn_apart_from_the_data():
    texts = unlabelled_reviews(0, 500)
    assert len(texts) == 500 and texts == unlabelled_reviews(0, 500)
    data = build_reviews_dataset(seed=0, sizes=SIZES)
    assert texts[:300] != data["train"]["review_body"]
    # Drawn from small pools, a few short bodies may recur by chance; most do not.
    assert len(set(texts) & set(data["train"]["review_body"])) < 15
    with pytest.raises(ValueError, match="at least one"):
        unlabelled_reviews(0, 0)
