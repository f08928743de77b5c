import random
import re

import pytest

from helpers.tiny.squad import SQUAD_FEATURES, biography, build_squad_dataset, filler_pools, pretraining_texts, render

SIZES = {"train": 40, "validation": 40}


@pytest.fixture(scope="module")
def squad():
    return build_squad_dataset(seed=0, sizes=SIZES)


@pytest.fixture(scope="module")
def pools():
    return filler_pools(0)


def _mentions(text, phrase):
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


# The slot of the pools that answers each kind of question (questions about years and dates have none).
QUESTION_SLOTS = [
    ("In which city", "LOC"),
    ("To which city", "LOC"),
    ("To which country", "COUNTRY"),
    ("Which company", "ORG"),
    ("What did {} study", "SUBJECT"),
    ("What did {} work as", "JOB"),
    ("What does {} enjoy", "HOBBY"),
]


def _answer_slot(row):
    for prefix, slot in QUESTION_SLOTS:
        if re.match(re.escape(prefix).replace(r"\{\}", ".+"), row["question"]):
            return slot
    return None


def test_features_and_columns_are_those_of_squad(squad):
    assert set(squad) == {"train", "validation"}
    for split, n in SIZES.items():
        assert squad[split].features == SQUAD_FEATURES
        assert squad[split].column_names == ["id", "title", "context", "question", "answers"]
        assert squad[split].num_rows == n


def test_every_answer_is_the_exact_substring_at_its_answer_start(squad):
    for split in SIZES:
        for row in squad[split]:
            (text,), (start,) = row["answers"]["text"], row["answers"]["answer_start"]
            assert text and row["context"][start : start + len(text)] == text, row["id"]


def test_question_ids_are_unique_across_both_splits(squad):
    ids = list(squad["train"]["id"]) + list(squad["validation"]["id"])
    assert len(set(ids)) == len(ids)


def test_each_context_is_the_biography_of_its_title_and_asks_about_that_person(squad):
    for row in squad["validation"]:
        assert row["context"].startswith(row["title"]) or row["context"].startswith("Born in ")
        assert row["title"] in row["question"]


def test_validation_people_never_appear_in_training_contexts(squad, pools):
    training = "\n".join(set(squad["train"]["context"]))
    (_, held_first), (_, held_surname) = pools["FIRST"], pools["SURNAME"]
    for title in set(squad["validation"]["title"]):
        first, surname = title.split(" ", 1)
        assert first in held_first and surname in held_surname, title
        assert not _mentions(training, title), title


def test_validation_answers_come_from_the_held_out_pools_and_never_appear_in_training(squad, pools):
    training = "\n".join(set(squad["train"]["context"]))
    checked = set()
    for row in squad["validation"]:
        slot = _answer_slot(row)
        if slot is None:
            continue
        answer = row["answers"]["text"][0]
        kept, held = pools[slot]
        assert answer in held and answer not in kept, (slot, answer)
        if slot in {"LOC", "COUNTRY", "ORG"}:
            assert not _mentions(training, answer), (slot, answer)
        checked.add(slot)
    assert {"LOC", "ORG", "SUBJECT"} <= checked  # the check above did run on cities and companies


def test_training_answers_come_from_the_training_pools(squad, pools):
    checked = set()
    for row in squad["train"]:
        slot = _answer_slot(row)
        if slot is not None:
            assert row["answers"]["text"][0] in pools[slot][0], (slot, row["answers"]["text"][0])
            checked.add(slot)
    assert checked == {"LOC", "COUNTRY", "ORG", "SUBJECT", "JOB", "HOBBY"}  # every question kind was recognised


def test_the_same_seed_gives_identical_data_and_another_seed_other_contexts(squad):
    again = build_squad_dataset(seed=0, sizes=SIZES)
    for split in SIZES:
        assert again[split].to_list() == squad[split].to_list()
    other = build_squad_dataset(seed=1, sizes={"train": 8, "validation": 4})
    for split in SIZES:
        assert not set(other[split]["context"]) & set(squad[split]["context"])


def test_render_fills_the_slots_and_returns_each_slots_first_offset():
    text, starts = render("{NAME} left {CITY}; {NAME} never came back.", {"NAME": "Ann Lee", "CITY": "Oslo"})
    assert text == "Ann Lee left Oslo; Ann Lee never came back."
    assert starts == {"NAME": 0, "CITY": 13}
    assert text[starts["CITY"] : starts["CITY"] + 4] == "Oslo"
    assert render("No slots here.", {}) == ("No slots here.", {})


def test_biography_starts_with_the_birth_sentence_and_every_answer_sits_at_its_start(pools):
    training = {slot: kept for slot, (kept, _) in pools.items()}
    for seed in range(20):
        title, text, triples = biography(training, random.Random(seed))
        first_sentence = text.split(". ")[0]
        assert "born" in first_sentence.lower() and title in first_sentence
        assert len(triples) >= 2 + 5  # the birth questions plus at least one per other fact
        questions = [question for question, _, _ in triples]
        assert f"When was {title} born?" in questions and f"In which city was {title} born?" in questions
        for question, answer, start in triples:
            assert text[start : start + len(answer)] == answer, (seed, question)
        birth_date = next(answer for question, answer, _ in triples if question.startswith("When was"))
        assert birth_date in first_sentence


def test_biography_holds_as_many_other_facts_and_fillers_as_asked(pools):
    training = {slot: kept for slot, (kept, _) in pools.items()}
    for seed in range(10):
        _, bare, triples = biography(training, random.Random(seed), other_facts=(1, 1), fillers=0)
        # The birth sentence's two questions plus the one to three of a single other fact.
        assert 3 <= len(triples) <= 5, triples
        _, padded, same_triples = biography(training, random.Random(seed), other_facts=(1, 1), fillers=3)
        # The same facts and questions, three sentences longer; the answers' offsets follow the fillers.
        assert [q for q, _, _ in same_triples] == [q for q, _, _ in triples]
        assert padded.count(". ") == bare.count(". ") + 3
        for question, answer, start in same_triples:
            assert padded[start : start + len(answer)] == answer, (seed, question)


def test_qa_contexts_are_shorter_than_the_pretraining_biographies(squad):
    contexts = set(squad["train"]["context"])
    biographies = pretraining_texts(0, len(contexts))
    # Four to six facts and one filler against five to seven and two: notebook 6's windows fit more of them.
    assert sum(map(len, contexts)) / len(contexts) < 0.9 * sum(map(len, biographies)) / len(biographies)


def test_pretraining_texts_are_deterministic_and_other_documents_than_the_qa_contexts(squad, pools):
    texts = pretraining_texts(0, 50)
    assert texts == pretraining_texts(0, 50)
    assert len(texts) == 50 and len(set(texts)) == 50
    contexts = set(squad["train"]["context"]) | set(squad["validation"]["context"])
    assert not set(texts) & contexts
    held_cities = pools["LOC"][1]
    assert any(_mentions(text, city) for text in texts for city in held_cities)
    kept_cities = pools["LOC"][0]
    assert any(_mentions(text, city) for text in texts for city in kept_cities)
