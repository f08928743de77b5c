import math

import numpy as np
import pytest
import torch
from transformers import AutoModelForQuestionAnswering, AutoTokenizer

from helpers.question_answering import answer_question, answer_token_span, best_answer
from helpers.tiny.checkpoints import build_bert

# Every word below is a single token of the tiny tokenizer, so the windows are easy to reason about.
WORDS = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike "
    "november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu"
).split()
TEXTS = [" ".join(WORDS[i : i + 6]) + " ." for i in range(0, len(WORDS), 3)] * 5 + ["Who met whom ?"] * 5
CONTEXT = " ".join(WORDS)
QUESTION = "Who ?"
# [CLS] Who ? [SEP] <19 context tokens> [SEP] = 24 tokens; the next window starts 6 tokens back.
WINDOW = {"max_length": 24, "stride": 6}


@pytest.fixture(scope="module")
def bert_folder(tmp_path_factory):
    return build_bert(tmp_path_factory.mktemp("bert-qa"), TEXTS, vocab_size=200, hidden_size=32, max_length=32)


@pytest.fixture(scope="module")
def tokenizer(bert_folder):
    return AutoTokenizer.from_pretrained(bert_folder)


@pytest.fixture(scope="module")
def encoding(tokenizer):
    return tokenizer(
        QUESTION,
        CONTEXT,
        truncation="only_second",
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        **WINDOW,
    )


def _context_positions(encoding, window):
    return [i for i, sequence in enumerate(encoding.sequence_ids(window)) if sequence == 1]


def _labels(encoding, answer):
    start_char = CONTEXT.index(answer)
    end_char = start_char + len(answer)
    return [
        answer_token_span(encoding["offset_mapping"][w], encoding.sequence_ids(w), start_char, end_char)
        for w in range(len(encoding["input_ids"]))
    ]


def _read_back(encoding, tokenizer, window, span):
    """Return the labelled tokens of a window as context characters and as decoded text."""
    start, end = span
    offsets = encoding["offset_mapping"][window]
    return CONTEXT[offsets[start][0] : offsets[end][1]], tokenizer.decode(encoding["input_ids"][window][start : end + 1])


def test_the_context_is_cut_into_two_overlapping_windows_as_the_other_tests_assume(encoding):
    assert len(encoding["input_ids"]) == 2
    first, second = _context_positions(encoding, 0), _context_positions(encoding, 1)
    assert (first[0], first[-1], len(first)) == (4, 22, 19)  # alpha .. sierra
    assert (second[0], second[-1], len(second)) == (4, 16, 13)  # november .. zulu
    offsets = encoding["offset_mapping"]
    assert CONTEXT[slice(*offsets[0][first[-1]])] == "sierra"
    assert CONTEXT[slice(*offsets[1][second[0]])] == "november"


def test_answer_starting_on_the_first_context_token_of_a_window_is_labelled_there(encoding, tokenizer):
    labels = _labels(encoding, "november oscar")
    first = _context_positions(encoding, 1)[0]
    assert labels[1] == (first, first + 1)
    assert labels[0] == (17, 18)  # the overlap holds it whole in the first window too
    for window in (0, 1):
        assert _read_back(encoding, tokenizer, window, labels[window]) == ("november oscar", "november oscar")


def test_answer_on_the_very_first_context_token_is_labelled_in_the_first_window_only(encoding, tokenizer):
    labels = _labels(encoding, "alpha")
    assert labels == [(4, 4), (0, 0)]
    assert _read_back(encoding, tokenizer, 0, labels[0]) == ("alpha", "alpha")


def test_answer_ending_on_the_last_context_token_of_a_window_is_labelled_there(encoding, tokenizer):
    labels = _labels(encoding, "romeo sierra")
    last = _context_positions(encoding, 0)[-1]
    assert labels[0] == (last - 1, last)
    assert _read_back(encoding, tokenizer, 0, labels[0]) == ("romeo sierra", "romeo sierra")
    end_labels = _labels(encoding, "yankee zulu")
    last = _context_positions(encoding, 1)[-1]
    assert end_labels == [(0, 0), (last - 1, last)]
    assert _read_back(encoding, tokenizer, 1, end_labels[1]) == ("yankee zulu", "yankee zulu")


def test_answer_straddling_two_windows_is_cls_where_cut_and_labelled_where_whole(encoding, tokenizer):
    # "sierra" is the first window's last context token; "tango" only the second window holds.
    labels = _labels(encoding, "sierra tango")
    assert labels[0] == (0, 0)
    assert labels[1] != (0, 0)
    assert _read_back(encoding, tokenizer, 1, labels[1]) == ("sierra tango", "sierra tango")


def test_answer_longer_than_every_window_can_hold_is_cls_in_every_window(encoding):
    # It starts at "mike" (before the second window) and ends at "tango" (after the first).
    assert _labels(encoding, "mike november oscar papa quebec romeo sierra tango") == [(0, 0), (0, 0)]


def test_answer_made_of_several_word_pieces_covers_all_of_them(tokenizer):
    context = "alpha bravoecho charlie"
    pieces = tokenizer.tokenize("bravoecho")
    assert len(pieces) > 1
    encoded = tokenizer(QUESTION, context, return_offsets_mapping=True)
    start_char = context.index("bravoecho")
    span = answer_token_span(encoded["offset_mapping"], encoded.sequence_ids(), start_char, start_char + len("bravoecho"))
    assert span[1] - span[0] + 1 == len(pieces)
    assert tokenizer.decode(encoded["input_ids"][span[0] : span[1] + 1]) == "bravoecho"


def test_answer_covering_part_of_a_token_is_labelled_with_the_whole_token(tokenizer):
    context = "alpha bravo charlie"
    encoded = tokenizer(QUESTION, context, return_offsets_mapping=True)
    # "rav" lies inside the token "bravo" (context characters 6 to 11).
    span = answer_token_span(encoded["offset_mapping"], encoded.sequence_ids(), 7, 10)
    assert span[0] == span[1] and tuple(encoded["offset_mapping"][span[0]]) == (6, 11)


HAND_OFFSETS = [(0, 0), (0, 3), (0, 0), (0, 5), (6, 11), (0, 0)]  # [CLS] who [SEP] alpha bravo [SEP]
HAND_SEQUENCE_IDS = [None, 0, None, 1, 1, None]


def test_answer_token_span_refuses_offsets_and_sequence_ids_of_different_lengths():
    with pytest.raises(ValueError, match="6 offsets but 5 sequence ids"):
        answer_token_span(HAND_OFFSETS, HAND_SEQUENCE_IDS[:-1], 0, 5)


@pytest.mark.parametrize(("start_char", "end_char"), [(4, 4), (5, 3), (-1, 3)])
def test_answer_token_span_refuses_an_answer_without_characters(start_char, end_char):
    with pytest.raises(ValueError, match="at least one character"):
        answer_token_span(HAND_OFFSETS, HAND_SEQUENCE_IDS, start_char, end_char)


def test_answer_token_span_refuses_a_window_without_context_tokens():
    with pytest.raises(ValueError, match="no context tokens"):
        answer_token_span([(0, 0), (0, 3), (0, 0)], [None, 0, None], 0, 3)


def test_answer_token_span_of_a_hand_made_window():
    assert answer_token_span(HAND_OFFSETS, HAND_SEQUENCE_IDS, 6, 11) == (4, 4)
    assert answer_token_span(HAND_OFFSETS, HAND_SEQUENCE_IDS, 0, 11) == (3, 4)
    assert answer_token_span(HAND_OFFSETS, HAND_SEQUENCE_IDS, 6, 20) == (0, 0)  # runs past the window


# --- best_answer, on hand-made windows -------------------------------------------------------

COLOURS = "red green blue sky"
# [CLS] what [SEP] red green blue sky [SEP]: only the four context tokens have offsets.
COLOUR_OFFSETS = [None, None, None, (0, 3), (4, 9), (10, 14), (15, 18), None]


def _logits(**by_word):
    """Return a window's logits: 0 everywhere except the given context words (and 'cls', 'question')."""
    positions = {"cls": 0, "question": 1, "red": 3, "green": 4, "blue": 5, "sky": 6}
    logits = np.zeros(len(COLOUR_OFFSETS))
    for word, value in by_word.items():
        logits[positions[word]] = value
    return logits


def test_best_answer_picks_the_pair_with_the_highest_start_plus_end_score():
    answer = best_answer(COLOURS, [(_logits(green=4, red=1), _logits(blue=4, sky=2), COLOUR_OFFSETS)])
    assert answer["text"] == "green blue"
    assert (answer["start"], answer["end"]) == (4, 14)
    assert answer["text"] == COLOURS[answer["start"] : answer["end"]]


def test_best_answer_skips_pairs_that_end_before_they_start():
    # The likeliest pair (start "blue", end "green": 5 + 5) is backwards; the best valid pair is
    # ("blue", "blue") with 5 + 2, ahead of ("green", "green") with 1 + 5.
    answer = best_answer(COLOURS, [(_logits(green=1, blue=5), _logits(green=5, blue=2), COLOUR_OFFSETS)])
    assert answer["text"] == "blue"


def test_best_answer_rejects_spans_longer_than_max_answer_length():
    start, end = _logits(red=5, green=4), _logits(blue=4, sky=5)
    assert best_answer(COLOURS, [(start, end, COLOUR_OFFSETS)])["text"] == "red green blue sky"  # 5 + 5
    # At most two tokens: ("green", "blue") with 4 + 4 beats every other short pair.
    assert best_answer(COLOURS, [(start, end, COLOUR_OFFSETS)], max_answer_length=2)["text"] == "green blue"
    assert best_answer(COLOURS, [(start, end, COLOUR_OFFSETS)], max_answer_length=1)["text"] in {"red", "sky"}


def test_best_answer_ignores_tokens_outside_the_context_even_with_the_highest_logits():
    start = _logits(cls=50, question=40, sky=2)
    end = _logits(cls=50, question=40, sky=2)
    answer = best_answer(COLOURS, [(start, end, COLOUR_OFFSETS)])
    assert answer["text"] == "sky"
    # The special tokens take no probability away: the softmax runs over context tokens only.
    p_sky = math.exp(2) / (math.exp(2) + 3)
    assert answer["score"] == pytest.approx(p_sky**2)


def test_best_answer_skips_a_window_without_context_tokens():
    empty = (np.full(3, 100.0), np.full(3, 100.0), [None, None, None])
    answer = best_answer(COLOURS, [empty, (_logits(red=3), _logits(red=3), COLOUR_OFFSETS)])
    assert answer["text"] == "red"
    assert best_answer(COLOURS, [empty]) == {"text": "", "score": None, "start": None, "end": None}


def test_best_answer_without_any_valid_span_returns_an_empty_answer():
    # With n_best=1 the only pair tried is (start "sky", end "red"), which is backwards.
    windows = [(_logits(sky=5), _logits(red=5), COLOUR_OFFSETS)]
    assert best_answer(COLOURS, windows, n_best=1) == {"text": "", "score": None, "start": None, "end": None}
    assert best_answer(COLOURS, [])["text"] == ""


def test_best_answer_chooses_across_windows_and_maps_back_to_context_characters():
    context = "red green blue sky gray stone"
    first = (np.array([0, 1, 1, 1, 1, 0.0]), np.array([0, 1, 1, 1, 1, 0.0]), [None, (0, 3), (4, 9), (10, 14), (15, 18), None])
    second = (np.array([0, 0, 8, 0, 0.0]), np.array([0, 0, 0, 8, 0.0]), [None, (15, 18), (19, 23), (24, 29), None])
    answer = best_answer(context, [first, second])
    assert answer["text"] == "gray stone" == context[answer["start"] : answer["end"]]
    assert (answer["start"], answer["end"]) == (19, 29)
    # Swapping the order of the windows changes nothing.
    assert best_answer(context, [second, first]) == answer


def test_best_answer_score_is_the_span_probability_in_its_window():
    # Two context tokens; start and end logits (0, ln 3) give the second token 3/4 each: 9/16.
    window = ([0.0, 0.0, math.log(3), 0.0], [0.0, 0.0, math.log(3), 0.0], [None, (0, 3), (4, 9), None])
    answer = best_answer(COLOURS, [window])
    assert answer["text"] == "green" and answer["score"] == pytest.approx(9 / 16)
    # One context token: the span is certain.
    single = best_answer("red", [([3.0, -2.0, 7.0], [1.0, 5.0, 0.0], [None, (0, 3), None])])
    assert single["text"] == "red" and single["score"] == pytest.approx(1.0)
    assert 0 < single["score"] <= 1


def test_best_answer_refuses_windows_whose_logits_and_offsets_differ_in_length():
    with pytest.raises(ValueError, match="Window 0 has 8 start logits, 7 end logits and 8 offsets"):
        best_answer(COLOURS, [(_logits(), _logits()[:-1], COLOUR_OFFSETS)])
    with pytest.raises(ValueError, match="7 offsets"):
        best_answer(COLOURS, [(_logits(), _logits(), COLOUR_OFFSETS[:-1])])


@pytest.mark.parametrize("settings", [{"n_best": 0}, {"max_answer_length": 0}, {"n_best": -3}])
def test_best_answer_refuses_n_best_or_max_answer_length_below_one(settings):
    with pytest.raises(ValueError, match="at least 1"):
        best_answer(COLOURS, [(_logits(), _logits(), COLOUR_OFFSETS)], **settings)


# --- answer_question, with a randomly initialised question-answering BERT --------------------


@pytest.fixture(scope="module")
def qa_model(bert_folder):
    torch.manual_seed(0)
    return AutoModelForQuestionAnswering.from_pretrained(bert_folder)


def test_answer_question_on_a_context_longer_than_the_window_returns_a_piece_of_it(qa_model, tokenizer):
    assert len(tokenizer(QUESTION, CONTEXT)["input_ids"]) > WINDOW["max_length"]
    answer = answer_question(qa_model, tokenizer, QUESTION, CONTEXT, **WINDOW)
    assert answer["text"] and answer["text"] == CONTEXT[answer["start"] : answer["end"]]
    assert answer["text"] in {" ".join(WORDS[i:j]) for i in range(len(WORDS)) for j in range(i + 1, len(WORDS) + 1)}
    assert 0 < answer["score"] <= 1


def test_answer_question_uses_the_tokenizer_max_length_by_default(qa_model, tokenizer):
    assert tokenizer.model_max_length == 32
    answer = answer_question(qa_model, tokenizer, QUESTION, CONTEXT, stride=6)
    assert answer["text"] == CONTEXT[answer["start"] : answer["end"]]


def test_answer_question_with_default_settings_works_for_a_128_token_tokenizer(qa_model, bert_folder):
    tokenizer = AutoTokenizer.from_pretrained(bert_folder, model_max_length=128)
    answer = answer_question(qa_model, tokenizer, QUESTION, "alpha bravo charlie")
    assert answer["text"] == "alpha bravo charlie"[answer["start"] : answer["end"]]


def test_answer_question_restores_the_model_mode_and_answers_the_same_in_either(qa_model, tokenizer):
    qa_model.train()
    try:
        in_training = answer_question(qa_model, tokenizer, QUESTION, CONTEXT, **WINDOW)
        assert qa_model.training
        # It runs in eval mode (no dropout), so the answer does not change from call to call.
        again = answer_question(qa_model, tokenizer, QUESTION, CONTEXT, **WINDOW)
        assert again == in_training
    finally:
        qa_model.eval()
    assert answer_question(qa_model, tokenizer, QUESTION, CONTEXT, **WINDOW) == in_training
    assert not qa_model.training


@pytest.mark.parametrize(("question", "context"), [(["Who ?"], CONTEXT), (QUESTION, None), (QUESTION, [CONTEXT])])
def test_answer_question_refuses_anything_but_one_question_and_one_context(qa_model, tokenizer, question, context):
    with pytest.raises(TypeError, match="each a string"):
        answer_question(qa_model, tokenizer, question, context)


@pytest.mark.parametrize(("question", "context"), [("", CONTEXT), ("   ", CONTEXT), (QUESTION, ""), (QUESTION, "\n")])
def test_answer_question_refuses_an_empty_question_or_context(qa_model, tokenizer, question, context):
    with pytest.raises(ValueError, match="must contain text"):
        answer_question(qa_model, tokenizer, question, context)
