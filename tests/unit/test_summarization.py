"""The sentence splitter and the ROUGE wrapper of helpers.summarization."""

import pytest
from rouge_score import rouge_scorer

from helpers.summarization import ROUGE_TYPES, one_sentence_per_line, rouge_scores, split_sentences


@pytest.mark.parametrize(
    "text, expected",
    [
        ("One. Two.", ["One.", "Two."]),
        ("Is it? Yes! Good.", ["Is it?", "Yes!", "Good."]),
        ("Wait… Then it worked.", ["Wait…", "Then it worked."]),
        ('He said "stop." Then he left.', ['He said "stop."', "Then he left."]),
        ("It ends here (really.) Next one.", ["It ends here (really.)", "Next one."]),
        ("Version 2 shipped. 3 bugs remain.", ["Version 2 shipped.", "3 bugs remain."]),
    ],
)
def test_sentences_end_at_end_punctuation_before_a_capital_digit_or_quote(text, expected):
    assert split_sentences(text) == expected


def test_spanish_sentences_may_open_with_inverted_marks_and_accented_capitals():
    text = "Me gustó. ¿Lo recomiendo? ¡Sí! Él también."
    assert split_sentences(text) == ["Me gustó.", "¿Lo recomiendo?", "¡Sí!", "Él también."]


@pytest.mark.parametrize(
    "text",
    [
        "Use a list, e.g. Python's own. It works.",
        "Use a list, i.e. Python's own. It works.",
        "Ask Dr. Smith about it. It works.",
        "Written by J. Smith in May. It works.",
        "Compare, vs. Other tools too. It works.",
        "Lea el cap. 2, p.ej. Este ejemplo. It works.",
    ],
)
def test_abbreviations_and_initials_do_not_end_a_sentence(text):
    assert len(split_sentences(text)) == 2, split_sentences(text)


def test_dotted_names_numbers_and_lowercase_continuations_stay_whole():
    text = "Call os.path.join here. Pi is 3.14 roughly. See the docs. etc. and more."
    assert split_sentences(text) == ["Call os.path.join here.", "Pi is 3.14 roughly.", "See the docs. etc. and more."]


def test_white_space_is_collapsed_and_empty_text_has_no_sentences():
    assert split_sentences("  One \t short   line.\n\n  Two   lines.  ") == ["One short line.", "Two lines."]
    assert split_sentences("") == [] and split_sentences("   \n") == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Great book\nLoved every page", ["Great book", "Loved every page"]),
        ("great book\nloved every page.", ["great book", "loved every page."]),
        ("A title\n\nThe body starts here. It goes on.", ["A title", "The body starts here.", "It goes on."]),
        ("Use it, e.g.\nfor parsing", ["Use it, e.g.", "for parsing"]),
        ("One\r\nTwo\rThree", ["One", "Two", "Three"]),
    ],
)
def test_every_line_break_ends_a_sentence_with_or_without_punctuation(text, expected):
    assert split_sentences(text) == expected


def test_a_lower_case_word_after_a_full_stop_on_the_same_line_continues_the_sentence():
    # Only a line break ends a sentence before a lower-case word; see split_sentences' docstring.
    text = "It is short, e.g. one page. and it is good."
    assert split_sentences(text) == [text]


def test_one_sentence_per_line_keeps_the_lines_of_a_text_apart():
    assert one_sentence_per_line("Great book\nloved it, would buy again") == "Great book\nloved it, would buy again"
    assert one_sentence_per_line("First line\nSecond. Third.") == "First line\nSecond.\nThird."


def test_text_without_end_punctuation_is_one_sentence():
    assert split_sentences("a title with no stop") == ["a title with no stop"]


def test_split_sentences_rejects_a_list():
    with pytest.raises(TypeError, match="string"):
        split_sentences(["One.", "Two."])


def test_split_sentences_rejects_none_saying_a_string_is_needed():
    with pytest.raises(TypeError, match="takes a string, not None"):
        split_sentences(None)


def test_one_sentence_per_line_puts_each_sentence_on_its_line():
    assert one_sentence_per_line("One. Two? Three!") == "One.\nTwo?\nThree!"


def _by_rouge_score(predictions, references, use_stemmer=True):
    """The expected result, computed with rouge_score itself on newline-split texts."""
    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=use_stemmer)
    totals = dict.fromkeys(ROUGE_TYPES, 0.0)
    for prediction, reference in zip(predictions, references):
        scores = scorer.score("\n".join(split_sentences(reference)), "\n".join(split_sentences(prediction)))
        for name in ROUGE_TYPES:
            totals[name] += scores[name].fmeasure
    return {name: 100 * value / len(references) for name, value in totals.items()}


HAND_MADE = [
    # (prediction, reference)
    ("the cat was sitting on the mat", "the cat sat on the mat"),
    ("The ending is weak. The plot is gripping.", "The plot is gripping. The ending is weak."),
    ("completely different words", "nothing in common here"),
    ("Return the number of items.", "Return the number of items."),
]


def test_rouge_scores_match_rouge_score_on_hand_made_pairs():
    predictions, references = zip(*HAND_MADE)
    ours = rouge_scores(list(predictions), list(references))
    assert set(ours) == set(ROUGE_TYPES)
    assert ours == pytest.approx(_by_rouge_score(predictions, references))


def test_rouge_scores_known_values():
    identical = rouge_scores(["Return the number of items."], ["Return the number of items."])
    assert identical == pytest.approx(dict.fromkeys(ROUGE_TYPES, 100.0))
    disjoint = rouge_scores(["completely different words"], ["nothing in common here"])
    assert disjoint == pytest.approx(dict.fromkeys(ROUGE_TYPES, 0.0))
    # 5 shared unigrams of 7 generated / 6 reference: F1 = 2 * 5/7 * 5/6 / (5/7 + 5/6)
    toy = rouge_scores(["the cat was sitting on the mat"], ["the cat sat on the mat"], use_stemmer=False)
    assert toy["rouge1"] == pytest.approx(100 * 2 * (5 / 7) * (5 / 6) / (5 / 7 + 5 / 6))


def test_rouge_lsum_rewards_reordered_sentences_that_rouge_l_does_not():
    scores = rouge_scores(["The ending is weak. The plot is gripping."], ["The plot is gripping. The ending is weak."])
    assert scores["rougeLsum"] == pytest.approx(100.0)
    assert scores["rougeL"] < 60


def test_stemming_is_on_by_default():
    assert rouge_scores(["cats sitting"], ["cat sits"])["rouge1"] == pytest.approx(100.0)
    assert rouge_scores(["cats sitting"], ["cat sits"], use_stemmer=False)["rouge1"] == pytest.approx(0.0)


def test_rouge_scores_is_the_mean_over_pairs():
    one = rouge_scores(["a b c d"], ["a b c d"])
    zero = rouge_scores(["e f g h"], ["a b c d"])
    both = rouge_scores(["a b c d", "e f g h"], ["a b c d", "a b c d"])
    assert both["rouge1"] == pytest.approx((one["rouge1"] + zero["rouge1"]) / 2)


def test_rouge_scores_rejects_mismatched_lengths_saying_what_to_pass():
    with pytest.raises(ValueError, match="2 predictions but 1 references"):
        rouge_scores(["a", "b"], ["a"])


def test_rouge_scores_rejects_single_strings_and_empty_lists():
    with pytest.raises(TypeError, match="lists"):
        rouge_scores("a b", "a b")
    with pytest.raises(ValueError, match="empty"):
        rouge_scores([], [])


@pytest.mark.parametrize("argument", ["predictions", "references"])
def test_rouge_scores_name_the_argument_that_is_none(argument):
    arguments = {"predictions": ["a b"], "references": ["a b"], argument: None}
    with pytest.raises(TypeError, match=f"^{argument} is None; pass a list of texts"):
        rouge_scores(**arguments)


def test_rouge_scores_name_the_text_that_is_not_a_string():
    with pytest.raises(TypeError, match=r"references\[1\] is None, not a string"):
        rouge_scores(["a", "b"], ["a", None])
    with pytest.raises(TypeError, match=r"predictions\[0\] is a list, not a string"):
        rouge_scores([["a"]], ["a"])


def test_rouge_lsum_reads_a_line_without_a_full_stop_as_its_own_sentence():
    # Two lines without stops, in the other order: one sentence each, so ROUGE-Lsum matches both in full.
    scores = rouge_scores(["loved every page\ngreat book"], ["great book\nloved every page"])
    assert scores["rougeLsum"] == pytest.approx(100.0)
    assert scores["rougeL"] < 80
