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
