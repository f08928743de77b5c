import pytest

from helpers.metrics import answer_f1, entity_scores, normalize_answer, squad_scores


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


# --- SQuAD exact match and F1 ----------------------------------------------------------------


def _references(*answer_lists):
    return [
        {"id": f"q{i}", "answers": {"text": list(answers), "answer_start": [0] * len(answers)}}
        for i, answers in enumerate(answer_lists)
    ]


def _predictions(*texts):
    return [{"id": f"q{i}", "prediction_text": text} for i, text in enumerate(texts)]


def test_normalization_lowercases_and_drops_punctuation_and_extra_spaces():
    assert normalize_answer("  Paris,   FRANCE!! ") == "paris france"
    assert normalize_answer("St. John's\tcollege\n") == "st johns college"


def test_normalization_drops_articles_only_as_whole_words():
    assert normalize_answer("The theory of an ant and a bee") == "theory of ant and bee"
    assert normalize_answer("Anatomy, then theatre") == "anatomy then theatre"
    assert normalize_answer("A") == ""


def test_exact_match_holds_after_normalization():
    scores = squad_scores(_predictions("the Eiffel tower."), _references(["Eiffel Tower"]))
    assert scores == {"exact_match": 100.0, "f1": 100.0}


def test_f1_of_a_partial_overlap_matches_a_hand_computation():
    # prediction "the city of paris" -> [city, of, paris]; reference "paris city centre" -> [paris, city, centre]
    # shared = 2, precision = 2/3, recall = 2/3, F1 = 2/3
    assert answer_f1("the city of Paris", "Paris city centre") == pytest.approx(2 / 3)
    # prediction [new, york] vs reference [new, york, city]: precision 1, recall 2/3, F1 = 2*(2/3)/(5/3) = 0.8
    assert answer_f1("New York", "New York City") == pytest.approx(0.8)


def test_f1_counts_repeated_words_at_most_as_often_as_the_other_side_has_them():
    # prediction [paris, paris, paris] vs reference [paris, france]: shared = min(3, 1) = 1,
    # precision 1/3, recall 1/2, F1 = 2 * (1/6) / (5/6) = 0.4
    assert answer_f1("Paris Paris Paris", "Paris France") == pytest.approx(0.4)
    # prediction [b, b] vs reference [b, b, c]: shared 2, precision 1, recall 2/3, F1 0.8
    assert answer_f1("b b", "b b c") == pytest.approx(0.8)


def test_each_question_scores_its_best_reference_answer():
    references = _references(["1887", "March 1889", "1889."])
    assert squad_scores(_predictions("1889"), references) == {"exact_match": 100.0, "f1": 100.0}
    # "in 1889" = [in, 1889] matches no answer exactly. Its F1 against "1887" is 0, against
    # "March 1889" 1/2 (precision 1/2, recall 1/2), against "1889." 2/3 (precision 1/2, recall 1).
    scores = squad_scores(_predictions("in 1889"), references)
    assert scores["exact_match"] == 0.0 and scores["f1"] == pytest.approx(100 * 2 / 3)


def test_empty_prediction_scores_zero():
    assert answer_f1("", "Paris") == 0.0
    assert squad_scores(_predictions(""), _references(["Paris"])) == {"exact_match": 0.0, "f1": 0.0}


@pytest.mark.parametrize(("prediction", "answer"), [("the", "a"), ("The.", "a"), ("?!", "..."), ("", "an")])
def test_answers_that_both_normalize_to_nothing_match_exactly_but_score_f1_zero_as_in_squad_v1_1(prediction, answer):
    # v1.1's exact_match_score compares the normalized strings ("" == ""), while its f1_score
    # counts shared words, and with no word at all num_same == 0 gives F1 0.
    assert answer_f1(prediction, answer) == 0.0
    assert squad_scores(_predictions(prediction), _references([answer])) == {"exact_match": 100.0, "f1": 0.0}


def test_an_answer_that_normalizes_to_nothing_does_not_hide_a_better_one():
    # Best over the ground truths: EM comes from "the", F1 from "the Seine river" ([seine, river] vs [seine]).
    scores = squad_scores(_predictions("the Seine"), _references(["the", "the Seine river"]))
    assert scores["exact_match"] == 0.0 and scores["f1"] == pytest.approx(100 * 2 / 3)
    scores = squad_scores(_predictions("a"), _references(["the", "Seine"]))
    assert scores == {"exact_match": 100.0, "f1": 0.0}


def test_squad_scores_are_percentages_averaged_over_questions():
    predictions = _predictions("Marie Curie", "the year 1903", "Warsaw")
    references = _references(["Marie Curie"], ["1903"], ["Paris", "France"])
    # EM: 1, 0, 0 -> 100 * 1/3.
    # F1: 1; [year, 1903] vs [1903] -> precision 1/2, recall 1 -> 2/3; 0  ->  100 * (1 + 2/3) / 3 = 55.55...
    scores = squad_scores(predictions, references)
    assert scores["exact_match"] == pytest.approx(100 / 3)
    assert scores["f1"] == pytest.approx(100 * (5 / 3) / 3)


def test_squad_scores_match_predictions_to_questions_by_id_not_by_order():
    predictions = list(reversed(_predictions("Paris", "Rome")))
    assert squad_scores(predictions, _references(["Paris"], ["Rome"]))["exact_match"] == 100.0


def test_squad_scores_refuse_different_numbers_of_predictions_and_references():
    with pytest.raises(ValueError, match="2 predictions but 1 references"):
        squad_scores(_predictions("a", "b"), _references(["a"]))


@pytest.mark.parametrize(
    ("predictions", "references", "message"),
    [
        ([{"id": "q0", "text": "Paris"}], _references(["Paris"]), "Prediction 0 has no 'prediction_text'"),
        (_predictions("Paris"), [{"id": "q0", "text": ["Paris"]}], "Reference 0 has no 'answers'"),
        ([{"prediction_text": "Paris"}], _references(["Paris"]), "Prediction 0 has no 'id'"),
    ],
)
def test_squad_scores_name_the_missing_key(predictions, references, message):
    with pytest.raises(ValueError, match=message):
        squad_scores(predictions, references)


def test_squad_scores_refuse_a_question_without_a_prediction():
    predictions = [{"id": "q0", "prediction_text": "Paris"}, {"id": "other", "prediction_text": "Rome"}]
    with pytest.raises(ValueError, match="No prediction for question 'q1'"):
        squad_scores(predictions, _references(["Paris"], ["Rome"]))


def test_squad_scores_refuse_duplicate_prediction_ids():
    predictions = [{"id": "q0", "prediction_text": "Paris"}, {"id": "q0", "prediction_text": "Rome"}]
    with pytest.raises(ValueError, match="share an id"):
        squad_scores(predictions, _references(["Paris"], ["Rome"]))


def test_squad_scores_refuse_an_empty_set_of_questions():
    with pytest.raises(ValueError, match="no questions to score"):
        squad_scores([], [])


def test_squad_scores_refuse_a_question_without_a_reference_answer():
    with pytest.raises(ValueError, match="Question 'q0' has no reference answer"):
        squad_scores(_predictions("Paris"), _references([]))


def test_squad_scores_rejects_two_reference_rows_for_one_question():
    references = [{"id": "a", "answers": {"text": ["x"]}}, {"id": "a", "answers": {"text": ["y"]}}]
    predictions = [{"id": "a", "prediction_text": "x"}, {"id": "b", "prediction_text": "y"}]
    with pytest.raises(ValueError, match="Two references share an id"):
        squad_scores(predictions, references)


def test_one_prediction_each_check_names_the_unit_in_its_messages():
    from helpers.metrics import check_one_prediction_each

    check_one_prediction_each(["a"], ["b"], "question")  # one each: no error
    with pytest.raises(ValueError, match="3 predictions but 2 references; pass one prediction per sentence"):
        check_one_prediction_each(["a", "b", "c"], ["d", "e"], "sentence")
    with pytest.raises(ValueError, match="empty: there are no sentences to score"):
        check_one_prediction_each([], [], "sentence")


# --- Bad input gets a message that names the argument ----------------------------------------


def test_squad_scores_refuse_answer_text_given_as_a_string_and_show_the_list_form():
    references = [{"id": "q0", "answers": {"text": "Paris", "answer_start": [0]}}]
    with pytest.raises(TypeError) as error:
        squad_scores(_predictions("P"), references)
    message = str(error.value)
    assert "references[0]['answers']['text']" in message and "question 'q0'" in message
    assert "must be a list of answer strings" in message and "{'text': ['Paris']}" in message


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (None, r"references\[0\]\['answers'\] is None"),
        ({"answer_start": [0]}, r"references\[0\]\['answers'\] is a dict without a 'text' key"),
        ({"text": None}, r"\['text'\] \(question 'q0'\) is None; it must be a list of answer strings"),
        ({"text": ["Paris", None]}, r"\['text'\]\[1\] \(question 'q0'\) is None, not a string"),
    ],
)
def test_squad_scores_name_the_reference_whose_answers_are_malformed(answers, message):
    with pytest.raises(TypeError, match=message):
        squad_scores(_predictions("Paris"), [{"id": "q0", "answers": answers}])


@pytest.mark.parametrize("argument", ["predictions", "references"])
def test_squad_scores_name_the_argument_that_is_none(argument):
    arguments = {"predictions": _predictions("Paris"), "references": _references(["Paris"]), argument: None}
    with pytest.raises(TypeError, match=f"^{argument} is None; pass a list of dicts"):
        squad_scores(**arguments)


def test_squad_scores_name_a_row_or_prediction_text_that_is_none():
    with pytest.raises(TypeError, match=r"predictions\[0\] is None; each item must be a dict"):
        squad_scores([None], _references(["Paris"]))
    with pytest.raises(TypeError, match=r"references\[0\] is None; each item must be a dict"):
        squad_scores(_predictions("Paris"), [None])
    with pytest.raises(TypeError, match=r"predictions\[0\]\['prediction_text'\] is None, not a string"):
        squad_scores([{"id": "q0", "prediction_text": None}], _references(["Paris"]))


def test_squad_scores_refuse_a_single_dict_instead_of_a_list():
    with pytest.raises(TypeError, match="predictions is a dict, but lists are expected"):
        squad_scores({"id": "q0", "prediction_text": "Paris"}, _references(["Paris"]))


@pytest.mark.parametrize("argument", ["references", "predictions"])
def test_entity_scores_name_the_argument_that_is_none(argument):
    arguments = {"references": [["O"]], "predictions": [["O"]], argument: None}
    with pytest.raises(TypeError, match=f"^{argument} is None; pass a list of tag lists"):
        entity_scores(**arguments)


def test_entity_scores_name_the_sentence_that_is_none():
    with pytest.raises(TypeError, match=r"predictions\[1\] is None; pass a list of tags for every sentence"):
        entity_scores([["O"], ["O"]], [["O"], None])


def test_entity_scores_refuse_label_names_given_as_one_string():
    with pytest.raises(TypeError, match="label_names is a single string"):
        entity_scores([["O"]], [["O"]], label_names="O B-PER I-PER")


@pytest.mark.parametrize("tag", ["S-PER", "E-PER", "U-PER", "L-PER"])
def test_iobes_and_bilou_tags_are_rejected_with_the_scheme_the_place_and_the_conversion(tag):
    references = [["O"], ["O"], ["O"], ["B-PER", "O"]]
    predictions = [["O"], ["O"], ["O"], [tag, "O"]]
    with pytest.raises(ValueError) as error:
        entity_scores(references, predictions)
    message = str(error.value)
    assert f"predictions[3][0] (sentence 3, word 0) holds the tag '{tag}'" in message
    assert "IOB2 scheme" in message and "Convert them to IOB2 first" in message
    assert "label ids" not in message


def test_a_tag_that_is_no_iob_tag_at_all_is_named_without_mentioning_label_ids():
    message = r"references\[0\]\[1\] \(sentence 0, word 1\) holds the tag 'PER', which is not an IOB tag"
    with pytest.raises(ValueError, match=message) as error:
        entity_scores([["O", "PER"]], [["O", "O"]])
    assert "label ids" not in str(error.value)
