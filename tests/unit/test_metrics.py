import pytest

from helpers.metrics import entity_scores


def test_perfect_prediction_scores_one():
    tags = [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-ORG"]]
    scores = entity_scores(tags, tags)
    assert scores["precision"] == scores["recall"] == scores["f1"] == scores["accuracy"] == 1.0
    assert scores["PER_f1"] == scores["LOC_f1"] == scores["ORG_f1"] == 1.0


def test_wrong_boundary_counts_as_a_miss_matching_a_hand_computation():
    reference = [["B-PER", "I-PER", "O", "B-ORG", "I-ORG", "O", "B-LOC"]]
    prediction = [["B-PER", "I-PER", "O", "B-ORG", "O", "O", "O"]]
    scores = entity_scores(reference, prediction)
    assert scores["precision"] == pytest.approx(1 / 2)
    assert scores["recall"] == pytest.approx(1 / 3)
    assert scores["f1"] == pytest.approx(0.4)
    assert scores["accuracy"] == pytest.approx(5 / 7)


def test_adjacent_entities_of_one_type_are_two_entities():
    reference = [["B-PER", "B-PER"]]
    merged = [["B-PER", "I-PER"]]
    assert entity_scores(reference, merged)["f1"] == 0.0
    assert entity_scores(reference, reference)["f1"] == 1.0


def test_wrong_type_is_not_a_match():
    assert entity_scores([["B-PER", "I-PER"]], [["B-ORG", "I-ORG"]])["f1"] == 0.0


def test_no_predicted_entities_gives_zero_precision_without_error():
    scores = entity_scores([["B-LOC", "O"]], [["O", "O"]])
    assert scores["precision"] == scores["recall"] == scores["f1"] == 0.0
    assert scores["accuracy"] == 0.5


def test_sentences_without_entities_are_fine():
    scores = entity_scores([["O", "O"], ["B-MISC"]], [["O", "O"], ["B-MISC"]])
    assert scores["f1"] == 1.0


def test_mismatched_number_of_sentences_is_a_clear_error():
    with pytest.raises(ValueError, match="2 reference sequences but 1 predicted"):
        entity_scores([["O"], ["O"]], [["O"]])


def test_mismatched_sentence_length_names_the_sentence():
    with pytest.raises(ValueError, match="Sequence 1 has 2 reference tags but 3 predicted"):
        entity_scores([["O"], ["O", "O"]], [["O"], ["O", "O", "O"]])


def test_label_ids_instead_of_names_are_rejected():
    with pytest.raises(ValueError, match="not an IOB tag"):
        entity_scores([[0, 1]], [[0, 1]])


def test_unknown_label_name_is_rejected_when_names_are_given():
    names = ["O", "B-PER", "I-PER"]
    with pytest.raises(ValueError, match="'B-FOO', which is not one of the label names"):
        entity_scores([["O", "B-PER"]], [["O", "B-FOO"]], label_names=names)


def test_a_string_instead_of_a_tag_list_is_rejected():
    with pytest.raises(TypeError, match="list of tags"):
        entity_scores(["B-PER"], ["B-PER"])


def test_all_empty_sequences_are_rejected():
    with pytest.raises(ValueError, match="no tags to score"):
        entity_scores([[]], [[]])
