"""Extractive question answering: the labels of one window.

A context longer than the model's window is cut into overlapping windows; each window is labelled
with the token positions where the answer starts and ends, or with (0, 0) when it does not hold
the whole answer. Notebook 6 writes the way back, from the model's scores to an answer, itself.
"""

from __future__ import annotations

from collections.abc import Sequence


def answer_token_span(
    offsets: Sequence[tuple[int, int]],
    sequence_ids: Sequence[int | None],
    start_char: int,
    end_char: int,
) -> tuple[int, int]:
    """Return the positions of the answer's first and last tokens in one window, or (0, 0) if the window lacks part of it.

    ``offsets`` and ``sequence_ids`` are the window's, from a fast tokenizer (the context is
    sequence 1); the answer covers the context characters ``start_char`` to ``end_char``
    (exclusive). (0, 0) points at ``[CLS]``: the label of "no answer in this window".
    """
    if len(offsets) != len(sequence_ids):
        raise ValueError(f"Got {len(offsets)} offsets but {len(sequence_ids)} sequence ids; pass those of one window.")
    if not 0 <= start_char < end_char:
        raise ValueError(f"The answer must cover at least one character: got characters {start_char} to {end_char}.")
    context = [i for i, sequence in enumerate(sequence_ids) if sequence == 1]
    if not context:
        raise ValueError("The window holds no context tokens (no sequence id 1): tokenize (question, context) pairs.")
    first, last = context[0], context[-1]
    if offsets[first][0] > start_char or offsets[last][1] < end_char:
        return 0, 0
    start = first
    while start < last and offsets[start + 1][0] <= start_char:
        start += 1
    end = last
    while end > first and offsets[end - 1][1] >= end_char:
        end -= 1
    return start, end

