"""Summarization helpers: a sentence splitter that needs no download, and ROUGE without the Hub.

ROUGE-Lsum treats a summary as a list of sentences, which ``rouge_score`` reads from the
newlines in the text. Its usual companion, NLTK's ``punkt`` model, is a download; the
regular-expression splitter below is enough for review- and docstring-like prose in English
and Spanish.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from helpers.metrics import check_one_prediction_each, describe_kind, require_list, require_text

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")

# Words whose final full stop does not end a sentence (compared in lower case, without the stop).
ABBREVIATIONS = frozenset(
    {
        "e.g", "i.e", "etc", "vs", "cf", "al", "approx", "no", "nos", "fig", "figs", "eq", "ref",
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "inc", "ltd", "co", "jan", "feb", "aug",
        "sept", "oct", "nov", "dec", "p.ej", "ej", "cap", "sra", "srta", "dra", "ud", "uds", "pág", "núm",
    }
)
# End punctuation, then closing quotes or brackets, then white space, then what may start a sentence.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’»)\]]*\s+(?=[\"'“‘«(\[¿¡]*[A-ZÁÉÍÓÚÜÑ0-9])")
_LAST_WORD = re.compile(r"(\S+?)[.!?…]*$")


def _split_line(line: str) -> list[str]:
    """Return the sentences of one line of text, before white space is collapsed."""
    sentences, start = [], 0
    for boundary in _BOUNDARY.finditer(line):
        before = line[start : boundary.start() + 1]
        last_word = _LAST_WORD.search(before.split()[-1] if before.split() else "")
        word = last_word.group(1).lower() if last_word else ""
        ends_with_stop = line[boundary.start()] == "."
        if ends_with_stop and (word in ABBREVIATIONS or (len(word) == 1 and word.isalpha())):
            continue
        sentences.append(line[start : boundary.end()])
        start = boundary.end()
    sentences.append(line[start:])
    return sentences


def split_sentences(text: str) -> list[str]:
    """Return the sentences of ``text``, stripped, with white space inside each one collapsed.

    Every line break ends a sentence, whether or not the line ends with punctuation. Within a
    line, a sentence ends at ``.``, ``!``, ``?`` or ``…`` (plus any closing quote or bracket)
    that is followed by white space and a capital letter, a digit or an opening quote or
    ``¿``/``¡``; a lower-case word after a full stop continues the sentence. A full stop after
    a known abbreviation (``e.g.``, ``Dr.``) or a single letter (an initial) does not end one.
    """
    if not isinstance(text, str):
        raise TypeError(f"split_sentences takes a string, not {describe_kind(text)}.")
    sentences = [sentence for line in text.splitlines() for sentence in _split_line(line)]
    return [" ".join(s.split()) for s in sentences if s.strip()]


def one_sentence_per_line(text: str) -> str:
    """Return ``text`` with one sentence per line: the layout ROUGE-Lsum expects."""
    return "\n".join(split_sentences(text))


def rouge_scores(
    predictions: Sequence[str], references: Sequence[str], *, use_stemmer: bool = True
) -> dict[str, float]:
    """Return the mean ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum F1 over the pairs, in percent.

    Each text is first put one sentence per line (for ROUGE-Lsum; the other three ignore line
    breaks). The mean is the plain average over pairs: ``evaluate``'s ``rouge`` reports a
    bootstrap estimate of the same average, which varies slightly from run to run.
    """
    from rouge_score import rouge_scorer

    require_list(predictions, "predictions", "texts, one per reference")
    require_list(references, "references", "texts, one per prediction")
    check_one_prediction_each(predictions, references, "reference")
    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=use_stemmer)
    totals = dict.fromkeys(ROUGE_TYPES, 0.0)
    for index, (prediction, reference) in enumerate(zip(predictions, references)):
        require_text(prediction, f"predictions[{index}]")
        require_text(reference, f"references[{index}]")
        # rouge_score takes the reference first.
        scores = scorer.score(one_sentence_per_line(reference), one_sentence_per_line(prediction))
        for name in ROUGE_TYPES:
            totals[name] += scores[name].fmeasure
    return {name: 100 * total / len(references) for name, total in totals.items()}
