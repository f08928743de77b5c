"""Task metrics computed with the underlying packages, so that nothing is fetched from the Hub."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

_IOB_TAG = re.compile(r"^(O|[BI]-\S+)$")
_OTHER_SCHEME_TAG = re.compile(r"^[ESLU]-\S+$")  # IOBES (S-, E-) and BILOU (L-, U-) prefixes


def describe_kind(value: object) -> str:
    """Return ``None`` or "a <type name>", for messages about a value of the wrong type."""
    return "None" if value is None else f"a {type(value).__name__}"


def require_list(value: object, name: str, items: str) -> None:
    """Raise a ``TypeError`` naming ``name`` when ``value`` is None, a string or a dict instead of a list."""
    if value is None:
        raise TypeError(f"{name} is None; pass a list of {items}.")
    if isinstance(value, (str, Mapping)):
        kind = "a single string" if isinstance(value, str) else describe_kind(value)
        raise TypeError(f"{name} is {kind}, but lists are expected: pass a list of {items}, even for one item.")


def require_text(value: object, where: str) -> None:
    """Raise a ``TypeError`` naming ``where`` when ``value`` is not a string."""
    if not isinstance(value, str):
        raise TypeError(f"{where} is {describe_kind(value)}, not a string; use '' for an empty text.")


def _check_tag(tag: object, where: str) -> None:
    """Raise a ``ValueError`` saying what is wrong unless ``tag`` is an IOB2 tag name."""
    if isinstance(tag, str) and _OTHER_SCHEME_TAG.match(tag):
        raise ValueError(
            f"{where} holds the tag {tag!r}, an IOBES/BILOU tag, but the tags must follow the IOB2 scheme "
            "('O', 'B-TYPE', 'I-TYPE'). Convert them to IOB2 first: S-/U- become B-, E-/L- become I-."
        )
    if not isinstance(tag, str) or not _IOB_TAG.match(tag):
        hint = "" if isinstance(tag, str) else " Convert label ids to names first."
        raise ValueError(f"{where} holds the tag {tag!r}, which is not an IOB tag ('O', 'B-TYPE' or 'I-TYPE').{hint}")


def _check_tag_sequences(
    references: Sequence[Sequence[str]],
    predictions: Sequence[Sequence[str]],
    label_names: Sequence[str] | None,
) -> None:
    require_list(references, "references", "tag lists, one per sentence")
    require_list(predictions, "predictions", "tag lists, one per sentence")
    if label_names is not None:
        require_list(label_names, "label_names", "tag names")
    if len(references) != len(predictions):
        raise ValueError(
            f"Got {len(references)} reference sequences but {len(predictions)} predicted ones; "
            "pass one predicted tag sequence per reference sequence."
        )
    allowed = set(label_names) if label_names is not None else None
    for index, (ref, pred) in enumerate(zip(references, predictions)):
        if isinstance(ref, str) or isinstance(pred, str):
            raise TypeError(f"Sequence {index} is a string; pass a list of tags per sentence.")
        for name, sequence in (("references", ref), ("predictions", pred)):
            if sequence is None:
                raise TypeError(f"{name}[{index}] is None; pass a list of tags for every sentence.")
        if len(ref) != len(pred):
            raise ValueError(
                f"Sequence {index} has {len(ref)} reference tags but {len(pred)} predicted tags; "
                "drop the positions labelled -100 from both before comparing."
            )
        for name, sequence in (("references", ref), ("predictions", pred)):
            for position, tag in enumerate(sequence):
                _check_tag(tag, f"{name}[{index}][{position}] (sentence {index}, word {position})")
        for tag in (*ref, *pred):
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

    As in the official SQuAD v1.1 script, the score is 0.0 whenever no word is shared, so also
    when both sides normalize to nothing ("the" against "a"), although their exact match is 1.
    (The v2.0 script differs here: it gives two empty answers an F1 of 1.)
    """
    from collections import Counter

    predicted, expected = normalize_answer(prediction).split(), normalize_answer(reference).split()
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


def _check_squad_rows(rows: Sequence[dict], name: str, keys: tuple[str, str]) -> None:
    """Raise an error naming the row unless every row of ``rows`` is a dict holding ``keys``."""
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise TypeError(f"{name}[{index}] is {describe_kind(row)}; each item must be a dict with keys {keys}.")
        missing = [key for key in keys if key not in row]
        if missing:
            kind = name[:-1].capitalize()  # "Prediction" or "Reference"
            raise ValueError(f"{kind} {index} has no {' or '.join(map(repr, missing))}; it needs keys {keys}.")


def _answer_texts(row: Mapping, index: int) -> list[str]:
    """Return the reference answer strings of one reference row, or raise an error that shows the right shape."""
    where = f"references[{index}]['answers']"
    shape = "{'text': ['first answer', ...], 'answer_start': [...]}"
    answers = row["answers"]
    if not isinstance(answers, Mapping) or "text" not in answers:
        raise TypeError(f"{where} is {describe_kind(answers)} without a 'text' key; it must look like {shape}.")
    texts = answers["text"]
    if isinstance(texts, str):
        raise TypeError(
            f"{where}['text'] (question {row['id']!r}) is the string {texts!r}, but 'text' must be a list of "
            f"answer strings; write {{'text': {[texts]!r}}} for a single answer."
        )
    if texts is None or isinstance(texts, Mapping):
        raise TypeError(
            f"{where}['text'] (question {row['id']!r}) is {describe_kind(texts)}; it must be a list of answer strings."
        )
    for position, text in enumerate(texts):
        require_text(text, f"{where}['text'][{position}] (question {row['id']!r})")
    return list(texts)


def squad_scores(predictions: Sequence[dict], references: Sequence[dict]) -> dict[str, float]:
    """Return SQuAD v1.1 ``exact_match`` and ``f1`` (percentages, averaged over questions).

    ``predictions`` holds ``{"id", "prediction_text"}`` and ``references`` holds ``{"id",
    "answers": {"text": [...], ...}}``, as the 🤗 ``squad`` metric takes them. Each question
    scores its best match over its reference answers, as in the official v1.1 script.
    """
    require_list(predictions, "predictions", "dicts {'id', 'prediction_text'}, one per question")
    require_list(references, "references", "dicts {'id', 'answers'}, one per question")
    check_one_prediction_each(predictions, references, "question")
    _check_squad_rows(predictions, "predictions", ("id", "prediction_text"))
    _check_squad_rows(references, "references", ("id", "answers"))
    for index, row in enumerate(predictions):
        require_text(row["prediction_text"], f"predictions[{index}]['prediction_text']")
    predicted = {row["id"]: row["prediction_text"] for row in predictions}
    if len(predicted) != len(predictions):
        raise ValueError("Two predictions share an id; give each question one prediction.")
    if len({row["id"] for row in references}) != len(references):
        raise ValueError("Two references share an id; give each question one reference row (with all its answers).")
    exact, f1 = 0.0, 0.0
    for index, row in enumerate(references):
        if row["id"] not in predicted:
            raise ValueError(f"No prediction for question {row['id']!r}.")
        answers = _answer_texts(row, index)
        if not answers:
            raise ValueError(f"Question {row['id']!r} has no reference answer.")
        prediction = predicted[row["id"]]
        exact += max(float(normalize_answer(prediction) == normalize_answer(answer)) for answer in answers)
        f1 += max(answer_f1(prediction, answer) for answer in answers)
    return {"exact_match": 100 * exact / len(references), "f1": 100 * f1 / len(references)}
