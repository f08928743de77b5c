import pytest
from transformers import AutoTokenizer

from helpers.question_answering import answer_token_span
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

