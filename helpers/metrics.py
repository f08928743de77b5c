"""Task metrics computed with the underlying packages, so that nothing is fetched from the Hub."""

from __future__ import annotations

import re
from collections.abc import Sequence

_IOB_TAG = re.compile(r"^(O|[BI]-\S+)$")


def _check_tag_sequences(
    references: Sequence[Sequence[str]],
    predictions: Sequence[Sequence[str]],
    label_names: Sequence[str] | None,
) -> None:
    if len(references) != len(predictions):
        raise ValueError(
            f"Got {len(references)} reference sequences but {len(predictions)} predicted ones; "
            "pass one predicted tag sequence per reference sequence."
        )
    allowed = set(label_names) if label_names is not None else None
    for index, (ref, pred) in enumerate(zip(references, predictions)):
        if isinstance(ref, str) or isinstance(pred, str):
            raise TypeError(f"Sequence {index} is a string; pass a list of tags per sentence.")
        if len(ref) != len(pred):
            raise ValueError(
                f"Sequence {index} has {len(ref)} reference tags but {len(pred)} predicted tags; "
                "drop the positions labelled -100 from both before comparing."
            )
        for tag in (*ref, *pred):
            if not isinstance(tag, str) or not _IOB_TAG.match(tag):
                raise ValueError(
                    f"Sequence {index} holds the tag {tag!r}, which is not an IOB tag "
                    "('O', 'B-TYPE' or 'I-TYPE'). Convert label ids to names first."
                )
            if allowed is not None and tag not in allowed:
                raise ValueError(
                    f"Sequence {index} holds the tag {tag!r}, which is not one of the "
                    f"label names {sorted(allowed)}."
                )


def entity_scores(
    references: Sequence[Sequence[str]],
    predictions: Sequence[Sequence[str]],
    label_names: Sequence[str] | None = None,
) -> dict[str, float]:
    """Return entity-level precision, recall and F1 (seqeval) plus token accuracy, per sentence lists.

    Also returns ``<TYPE>_f1`` for every entity type in the references. A score whose
    denominator is zero (no predicted entities, say) is 0.0, not an error.
    """
    from seqeval.metrics import accuracy_score, classification_report, f1_score, precision_score, recall_score

    _check_tag_sequences(references, predictions, label_names)
    refs = [list(seq) for seq in references]
    preds = [list(seq) for seq in predictions]
    if not any(refs):
        raise ValueError("There are no tags to score: every sequence is empty.")
    scores = {
        "precision": float(precision_score(refs, preds, zero_division=0)),
        "recall": float(recall_score(refs, preds, zero_division=0)),
        "f1": float(f1_score(refs, preds, zero_division=0)),
        "accuracy": float(accuracy_score(refs, preds)),
    }
    report = classification_report(refs, preds, output_dict=True, zero_division=0)
    for entity_type, values in sorted(report.items()):
        if not entity_type.endswith(" avg"):
            scores[f"{entity_type}_f1"] = float(values["f1-score"])
    return scores


# --- Extractive question answering (SQuAD v1.1) ---------------------------------------------

_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize_answer(text: str) -> str:
    """Return ``text`` as SQuAD compares answers: lower case, no punctuation, no articles, single spaces."""
    import string

    text = text.lower()
    text = "".join(ch for ch in text if ch not in string.punctuation)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def answer_f1(prediction: str, reference: str) -> float:
    """Return the F1 of the normalized words of ``prediction`` against those of ``reference``.

    If either side normalizes to no words at all, the score is 1.0 when both do and 0.0 otherwise.
    """
    from collections import Counter

    predicted, expected = normalize_answer(prediction).split(), normalize_answer(reference).split()
    if not predicted or not expected:
        return float(predicted == expected)
    shared = sum((Counter(predicted) & Counter(expected)).values())
    if shared == 0:
        return 0.0
    precision, recall = shared / len(predicted), shared / len(expected)
    return 2 * precision * recall / (precision + recall)


def check_one_prediction_each(predictions: Sequence, references: Sequence, unit: str) -> None:
    """Raise a ``ValueError`` unless there is exactly one prediction per reference, and at least one ``unit``."""
    if len(predictions) != len(references):
        raise ValueError(
            f"Got {len(predictions)} predictions but {len(references)} references; "
            f"pass one prediction per {unit}."
        )
    if not references:
        raise ValueError(f"The lists are empty: there are no {unit}s to score.")


def squad_scores(predictions: Sequence[dict], references: Sequence[dict]) -> dict[str, float]:
    """Return SQuAD ``exact_match`` and ``f1`` (percentages, averaged over questions).

    ``predictions`` holds ``{"id", "prediction_text"}`` and ``references`` holds ``{"id",
    "answers": {"text": [...], ...}}``, as the 🤗 ``squad`` metric takes them. Each question
    scores its best match over its reference answers.
    """
    check_one_prediction_each(predictions, references, "question")
    for kind, rows, keys in (("prediction", predictions, ("id", "prediction_text")), ("reference", references, ("id", "answers"))):
        for index, row in enumerate(rows):
            missing = [key for key in keys if key not in row]
            if missing:
                raise ValueError(f"{kind.capitalize()} {index} has no {' or '.join(map(repr, missing))}; it needs keys {keys}.")
    predicted = {row["id"]: row["prediction_text"] for row in predictions}
    if len(predicted) != len(predictions):
        raise ValueError("Two predictions share an id; give each question one prediction.")
    if len({row["id"] for row in references}) != len(references):
        raise ValueError("Two references share an id; give each question one reference row (with all its answers).")
    exact, f1 = 0.0, 0.0
    for row in references:
        if row["id"] not in predicted:
            raise ValueError(f"No prediction for question {row['id']!r}.")
        answers = list(row["answers"]["text"])
        if not answers:
            raise ValueError(f"Question {row['id']!r} has no reference answer.")
        prediction = predicted[row["id"]]
        exact += max(float(normalize_answer(prediction) == normalize_answer(answer)) for answer in answers)
        f1 += max(answer_f1(prediction, answer) for answer in answers)
    return {"exact_match": 100 * exact / len(references), "f1": 100 * f1 / len(references)}
