import random

import pytest

from helpers.tiny import ner

SIZES = {"train": 200, "validation": 60, "test": 60}


@pytest.fixture(scope="module")
def dataset():
    return ner.build_ner_dataset(seed=0, sizes=SIZES)


def tag_names(split, row):
    return [split.features["ner_tags"].feature.int2str(i) for i in row["ner_tags"]]


def entities(tokens, tags):
    """(type, text) of every entity in an IOB2 sequence."""
    found, current = [], None
    for token, tag in zip(tokens, tags):
        if tag.startswith("B-") or tag == "O" or (current and tag[2:] != current[0]):
            if current:
                found.append((current[0], " ".join(current[1])))
            current = (tag[2:], [token]) if tag != "O" else None
        else:
            current[1].append(token)
    if current:
        found.append((current[0], " ".join(current[1])))
    return found


def test_splits_sizes_and_columns_match_conll2003(dataset):
    assert {name: len(split) for name, split in dataset.items()} == SIZES
    for split in dataset.values():
        assert split.features == ner.CONLL_FEATURES
        assert split.column_names == ["id", "tokens", "pos_tags", "chunk_tags", "ner_tags"]


def test_label_names_are_conll2003s_in_order(dataset):
    assert dataset["train"].features["ner_tags"].feature.names == [
        "O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC",
    ]  # fmt: skip
    assert len(ner.POS_TAGS) == 47 and len(ner.CHUNK_TAGS) == 23


def test_every_row_is_valid_iob2(dataset):
    for split in dataset.values():
        for row in split:
            tags = tag_names(split, row)
            assert len(tags) == len(row["tokens"]) == len(row["pos_tags"]) == len(row["chunk_tags"])
            for previous, tag in zip(["O"] + tags, tags):
                if tag.startswith("I-"):
                    assert previous[2:] == tag[2:], (row["tokens"], tags)


def test_data_has_every_type_multi_token_entities_adjacent_entities_and_empty_sentences(dataset):
    split = dataset["train"]
    types, multi_token, adjacent, empty = set(), 0, 0, 0
    for row in split:
        tags = tag_names(split, row)
        found = entities(row["tokens"], tags)
        types |= {kind for kind, _ in found}
        multi_token += sum(" " in text for _, text in found)
        empty += not found
        adjacent += any(a != "O" and b.startswith("B-") for a, b in zip(tags, tags[1:]))
    assert types == {"PER", "ORG", "LOC", "MISC"}
    assert multi_token > 50 and adjacent > 0 and empty > 0


def test_same_seed_gives_the_same_data_and_another_seed_does_not():
    first = ner.build_ner_dataset(seed=3, sizes={"train": 30, "test": 10})
    again = ner.build_ner_dataset(seed=3, sizes={"train": 30, "test": 10})
    other = ner.build_ner_dataset(seed=4, sizes={"train": 30, "test": 10})
    assert first["train"]["tokens"] == again["train"]["tokens"]
    assert first["test"]["ner_tags"] == again["test"]["ner_tags"]
    assert first["train"]["tokens"] != other["train"]["tokens"]


def test_training_and_held_out_name_pools_never_overlap():
    pools = ner.name_pools(seed=0)
    for slot, (kept, held) in pools.items():
        assert kept and held, slot
        assert not set(kept) & set(held), slot


def test_place_pools_mix_time_zone_cities_with_made_up_multi_word_towns():
    kept, held = ner.name_pools(seed=0)["LOC"]
    places = set(kept) | set(held)
    assert set(ner.city_names()) < places
    assert len(places) - len(ner.city_names()) > 0.9 * ner.TOWNS  # Faker's towns, a few repeated
    # The towns bring more places of several words into training (about 47 without them), for a
    # model that tended to cut unseen ones such as "Ho Chi Minh" in two.
    assert sum(" " in place for place in kept) > 60


def test_training_sentences_only_use_training_names(dataset):
    pools = ner.name_pools(seed=0)
    held_out = {" ".join(ner.tokenize(name)) for slot in ("ORG", "COUNTRY", "LOC") for name in pools[slot][1]}
    split = dataset["train"]
    seen = {text for row in split for _, text in entities(row["tokens"], tag_names(split, row))}
    assert held_out and not seen & held_out


def test_held_out_sentences_contain_names_unseen_in_training(dataset):
    def names(split):
        return {
            text
            for row in dataset[split]
            for kind, text in entities(row["tokens"], tag_names(dataset[split], row))
        }

    unseen = names("test") - names("train")
    assert len(unseen) > 0.3 * len(names("test"))


def test_make_sentence_tags_each_filler_token():
    pools = {"FIRST": ["Ada"], "SURNAME": ["Lovelace"], "LOC": ["New York"], "COUNTRY": ["Peru"]}
    tokens, tags = ner.make_sentence("{PER} flew to {LOC} .", [pools], random.Random(0))
    assert tokens == ["Ada", "Lovelace", "flew", "to", "New", "York", "."]
    assert tags == ["B-PER", "I-PER", "O", "O", "B-LOC", "I-LOC", "O"]


def test_tokenize_keeps_numbers_and_hyphenated_names_whole():
    assert ner.tokenize("Smith-Jones, Inc. paid 20,000 (2.5%)") == [
        "Smith-Jones", ",", "Inc", ".", "paid", "20,000", "(", "2.5", "%", ")",
    ]  # fmt: skip


def test_city_names_come_from_the_time_zone_database():
    cities = ner.city_names()
    assert {"Paris", "New York", "Buenos Aires"} <= set(cities)
    assert cities == sorted(cities) and all(not any(c.isdigit() for c in city) for city in cities)


def test_everyday_sentences_are_seeded_strings_of_common_and_template_words():
    from helpers.tiny.ner import everyday_sentences

    first = everyday_sentences(0, 200)
    assert first == everyday_sentences(0, 200) and first != everyday_sentences(1, 200)
    assert all(sentence[0].isupper() and sentence.endswith(" .") and len(sentence.split()) == 11 for sentence in first)
    words = {word.lower() for sentence in everyday_sentences(0, 3000) for word in sentence.split()}
    assert {"said", "spokesman", "office", "will", "open"} <= words  # news words of the templates, and Faker's
    with pytest.raises(ValueError, match="at least one"):
        everyday_sentences(0, 0)


def test_a_tokenizer_that_also_reads_everyday_sentences_keeps_common_words_whole():
    import string

    from helpers.tiny.checkpoints import wordpiece_tokenizer
    from helpers.tiny.ner import everyday_sentences
    from helpers.tiny.squad import pretraining_texts

    biographies = pretraining_texts(0, 400)
    sentence = "will open a new office next year , a spokesman said ."
    settings = {"vocab_size": 3000, "lowercase": False, "max_length": 128, "alphabet": string.printable.strip()}
    plain = wordpiece_tokenizer(biographies, **settings)
    with_everyday = wordpiece_tokenizer(biographies + everyday_sentences(0, 2000), **settings)
    assert len(plain.tokenize(sentence)) > len(sentence.split())  # biographies alone split everyday words
    assert with_everyday.tokenize(sentence) == sentence.split()
